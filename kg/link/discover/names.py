"""Name tests: whether a token or phrase looks like a coined name, an acronym, a proper long form; and
whole-token search (`find_token`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from kg.link.discover.vocabulary import GENERIC, LF_STOPWORDS, ORGANISATIONS, STOP_NAMES

_LOWER_COINED = re.compile(r"[a-z]{1,3}[A-Z]{2,}[\w]*|[a-z]{1,2}[A-Z]\d[\w]*|[a-z]{2,}\d[a-z]{2,}")
_UNIT = re.compile(r"\d+(?:\.\d+)?\s?(?:[KMGT]B|[KMGT]iB|GHz|MHz|W|K|M|B|k|x|X|D|d|nm|ms)")
_PLUS_SPLIT = re.compile(r"[-+]")
PLURAL_ACRONYM = re.compile(r"(?:[A-Z][a-z]?)*[A-Z]e?s")
"""The plural of an acronym ("SoCs", "PhDs", "OCSes", "GPUs"): a class of things, where a name is singular."""
METRIC = re.compile(
    r"(?:bb|box|mask|m)?AP(?:\d\d|[SMLbm])?|m?IoU|CO2e?|[GT]?FLOPs|TOPS|(?:sp|sacre)?BLEU|chrF\+*|BERTScore"
)
"""Metric and unit names written like coinages ("mAP", "bbAP", "mIoU", "CO2e"): the guideline leaves metrics out."""
_LF_SPLIT = re.compile(r"[\s\-]+")
WORDS = re.compile(r"[A-Za-z][A-Za-z-]*")
MODEL_NAME = re.compile(
    r"(?:GPT|LM|BERT|Net|ViT|Former|former|Diffusion|VL|LLaMA|Llama|Mamba|RNN|LSTM|GAN|VAE|\d+B|-\d+M)$"
)
DATASET_NAME = re.compile(r"(?:Bench|QA|Eval|Set|-\d+[Kk]|[A-Za-z]\d+M)$")
# The characters those two end with, for a quick test before the search, which tries every position.
MODEL_NAME_LAST = frozenset("TMtrnLAaBNE")
DATASET_NAME_LAST = frozenset("hAltKkM")

_SIMPLE_NAME = re.compile(r"[A-Z][\w.+-]+")
_TITLE_PUNCT = re.compile(r"[,;'\u2019!?()]")
_TOKEN_CHAR = re.compile(r"[\w-]")


def last_char_in(name: str, chars: frozenset[str]) -> bool:
    """The last character of `name`, before a final newline (where "$" also matches), is one of `chars`."""
    return (name[-2:-1] if name.endswith("\n") else name[-1:]) in chars


def find_token(text: str, token: str, start: int = 0, plural: bool = False) -> Iterator[tuple[int, int]]:
    """Start and end of each occurrence of `token` in `text` as a whole token (an "s" after it allowed if `plural`)."""
    i = text.find(token, start)
    while i >= 0:
        end = token_end(text, token, i, plural)
        if end is not None:
            yield i, end
        i = text.find(token, i + 1)


def token_end(text: str, token: str, i: int, plural: bool = False) -> int | None:
    """Where the occurrence of `token` at `i` ends if it is a whole token there (see `find_token`), else None."""
    end = i + len(token)
    if plural and text.startswith("s", end) and not (end + 1 < len(text) and _TOKEN_CHAR.match(text, end + 1)):
        end += 1
    if (i == 0 or not _TOKEN_CHAR.match(text, i - 1)) and (end >= len(text) or not _TOKEN_CHAR.match(text, end)):
        return end
    return None


TOKEN_RUN = re.compile(r"[\w-]+")


def token_occurrences(text: str, surfaces: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """For each surface that starts with a token character: its occurrences as `find_token(text, s, plural=True)`
    gives them, found in one pass over the text's maximal runs of [\\w-] instead of one pass per surface.

    An occurrence must start where a run starts (only runs opening with a surface's first character are
    visited), and the surface's own first run must be that whole run: a character after it in the surface
    is not a token character, so the text's run ends there too; a surface that is one run may also match
    the run less a plural "s". Each candidate is then checked by `token_end` at that one position, as
    `find_token` checks it, so the result is the same, in the same order.
    """
    by_first_run: dict[str, list[str]] = {}
    for surface in surfaces:
        opening = TOKEN_RUN.match(surface)
        if opening is not None:
            by_first_run.setdefault(opening.group(), []).append(surface)
    found: dict[str, list[tuple[int, int]]] = {s: [] for group in by_first_run.values() for s in group}
    if not found:
        return found
    first_chars = "".join(sorted({run[0] for run in by_first_run}))
    runs = re.compile(rf"(?<![\w-])[{re.escape(first_chars)}][\w-]*")  # only runs that can start a surface
    for m in runs.finditer(text):
        run = m.group()
        group = by_first_run.get(run)
        plural = by_first_run.get(run[:-1]) if run.endswith("s") else None
        if group is None and plural is None:
            continue
        start = m.start()
        for surface in (group or []) + [s for s in plural or [] if s == run[:-1]]:
            if text.startswith(surface, start):
                end = token_end(text, surface, start, plural=True)
                if end is not None:
                    found[surface].append((start, end))
    return found


def _coined_part(part: str) -> bool:
    """One hyphen-free piece of a token that looks coined."""
    if not any(map(str.isalpha, part)):
        return False
    if part[0].isupper():
        stem = part[:-1] if part.endswith("s") and part[:-1].isupper() else part
        if stem.isupper():
            return sum(map(str.isalpha, stem)) >= 2 or any(map(str.isdigit, stem))
        return any(map(str.isupper, part[1:])) or any(map(str.isdigit, part))
    if part[0].isdigit():
        return any(map(str.isupper, part))
    return _LOWER_COINED.fullmatch(part) is not None


def is_name_like(token: str) -> bool:
    """Looks like a coined name: CamelCase, ALLCAPS (2+ letters), or letters mixed with digits; not generic.

    Pure; the linker calls it through `DiscoveryContext.is_name_like`, which remembers tokens.

    Hyphenated words count only through a coined piece ("Video-XL" yes,
    "Parameter-Efficient" no); plurals of generic acronyms ("LLMs") never.
    """
    core = token.strip(".,;:()[]\"'!?")
    low = core.lower()
    if len(core) < 2 or low in GENERIC or low in STOP_NAMES or low in ORGANISATIONS or "_" in core:
        return False
    if low.endswith("s") and (low[:-1] in GENERIC or low[:-1] in ORGANISATIONS):
        return False
    if _UNIT.fullmatch(core) or PLURAL_ACRONYM.fullmatch(core) or METRIC.fullmatch(core):
        return False
    if "-" not in core and "+" not in core:
        return _coined_part(core)
    parts = [p for p in _PLUS_SPLIT.split(core) if p]
    return not _generic_class(parts) and any(_coined_part(p) for p in parts)


def _generic_class(parts: list[str]) -> bool:
    """A hyphenated token that names a class of things: ending in the plural of a generic word or acronym
    ("pre-LLMs", "multiple-GPUs", "Med-VLMs"), or a lower-case modifier on a generic class ("s-MLLM").
    "MNN-LLM" and "LLM-Eval" may be names."""
    last = parts[-1]
    low = last.lower()
    if low.endswith("s") and (low[:-1] in GENERIC or PLURAL_ACRONYM.fullmatch(last) is not None):
        return True
    return len(parts) == 2 and parts[0].islower() and low in GENERIC


def is_mixed_case(token: str, name_like: Callable[[str], bool] = is_name_like) -> bool:
    """Coined with mixed case or digits ("SeTa", "DiNA", "3DGS"), not a plain acronym ("NAS", "PTQs").

    `name_like` is the `is_name_like` to ask (a cached one from `DiscoveryContext`)."""
    core = token.rstrip("s") if token[:-1].isupper() else token
    return name_like(token) and (not core.isupper() or any(c.isdigit() for c in core))


def is_short_acronym(token: str) -> bool:
    """Two or three capitals ("MD", "IQA"): too often a task or field to take for a dataset's name."""
    stem = token[:-1] if token.endswith("s") else token
    return len(stem) <= 3 and stem.isalpha() and stem.isupper()


def is_capitalised_word(token: str) -> bool:
    return token[:1].isupper() and token.lower() not in STOP_NAMES and token.lower() not in GENERIC


PROPER_SHARE = 0.6
"""Share of a long form's content words that must be capitalised for it to read as a proper name: most, but
not all, as a name may hold a lower-case word ("Mixture of experts Transformer")."""


def is_proper_long_form(long: str) -> bool:
    """A long form written as a proper name: most content words capitalised."""
    words = [w for w in _LF_SPLIT.split(long) if w and w.lower() not in LF_STOPWORDS]
    if not words:
        return False
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return capitalised / len(words) >= PROPER_SHARE
