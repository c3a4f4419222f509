"""Rule: typed context patterns: "the X dataset", "on X and Y benchmarks", "N X GPUs", "X-7B"."""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.link.discover.candidate import Candidate
from kg.link.discover.coined_rule import dataset_name
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.inference import appositive_type, preceding_type
from kg.link.discover.names import is_short_acronym
from kg.link.discover.vocabulary import (
    DATASET,
    GENERIC,
    HARDWARE,
    LIST_AFTER_HEAD,
    MEMORY_SIZE,
    MODEL,
    MODEL_SIZE,
    NAME_TOKEN,
    STOP_NAMES,
)

NAME_TOKEN_RE = re.compile(NAME_TOKEN)
MODEL_NUMBER = re.compile(r"[A-Z]?\d{2,4}[A-Z]{0,3}|[A-Z][A-Za-z]*-?\d{2,4}[A-Z]{0,3}")
CAPITALISED = re.compile(r"[A-Z][A-Za-z]*")
LIST_LEAD = (" on ", " across ", " using ", " with ")
LIST_SPLIT = re.compile(r",? (?:and|or) |, ")
PHRASE_BREAK = (". ", "; ", ": ", "(", "\n")


def is_name_token(word: str) -> bool:
    """`NAME_TOKEN_RE` fullmatches `word`; plain ASCII letters and digits, most words, skip the regex."""
    return (word.isalnum() and word.isascii()) or NAME_TOKEN_RE.fullmatch(word) is not None


def words_before(text: str, end: int, n: int) -> list[tuple[int, str]]:
    """Up to `n` name-shaped words ending at `end` (exclusive), nearest last; stops at punctuation."""
    out: list[tuple[int, str]] = []
    if end <= 0:
        return out
    pos = end
    for _ in range(n):
        space = text.rfind(" ", 0, pos)
        word = text[space + 1 : pos]
        if not is_name_token(word):
            break
        out.append((space + 1, word))
        pos = space
        if pos <= 0:
            break
    out.reverse()
    return out


# A size letter ("7B", "350M") after a digit; the regex finds the letter after any non-ASCII-letter
# alphanumeric, `str.isdigit` then decides (it also takes "²" and other non-decimal digits).
_SIZE_LETTERS = tuple(re.compile(letter + r"(?<=[^\W_a-zA-Z]" + letter + ")") for letter in "BM")


def _size_token(text: str, i: int) -> tuple[int, str, str] | None:
    """The whitespace-delimited token around a size letter at `i` ("Llama-2-7B"), without brackets: its start,
    the token and its base name ("Llama-2")."""
    start = i
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "([{\"'":
        start -= 1
    end = i + 1
    while end < len(text) and (text[end].isalnum() or text[end] == "-"):
        end += 1
    token = text[start:end]
    sized = MODEL_SIZE.fullmatch(token)
    return (start, token, sized.group(1)) if sized else None


def _may_end_dataset_name(text: str, end: int, is_name_like: Callable[[str], bool]) -> bool:
    """The word ending at `end` may end a `dataset_name`: capitalised or name-like (it keeps no other)."""
    word = text[text.rfind(" ", 0, end) + 1 : end]
    return word[:1].isupper() or is_name_like(word)


def _may_end_model_number(char: str) -> bool:
    """`char` may end a `MODEL_NUMBER`: a digit or a capital."""
    return char.isdigit() or "A" <= char <= "Z"


def context_names(
    text: str, title_end: int, covered: bytes | bytearray | None = None, context: DiscoveryContext | None = None
) -> list[Candidate]:
    """Typed context patterns, each tried only where its keyword occurs (no full-text regex scans)."""
    context = context or DiscoveryContext()
    is_name_like, is_introduced = context.is_name_like, context.is_introduced
    dataset_confidence, pattern_confidence = (
        context.config.dataset_context_confidence,
        context.config.pattern_confidence,
    )
    out: list[Candidate] = []
    triggers = context.scan(text).triggers
    for ks, _ in triggers["dataset"]:
        if ks < 2 or text[ks - 1] != " " or not _may_end_dataset_name(text, ks - 1, is_name_like):
            continue
        words = words_before(text, ks - 1, 3)
        if not words:
            continue
        name = dataset_name(" ".join(w for _, w in words), context)
        if not name or is_short_acronym(name):
            continue
        start = ks - 1 - len(name)
        if covered is not None and covered[start]:
            continue
        before = text[max(0, start - 4) : start]
        if any(is_name_like(w) for w in name.split()) or (" " not in name and before in ("the ", "The ")):
            out.append(
                Candidate(
                    name,
                    DATASET,
                    dataset_confidence,
                    is_introduced(text, start, title_end),
                    "dataset-context",
                    ((name, start, start + len(name)),),
                )
            )
    for ks, _ in triggers["list"]:
        lists = []
        after = LIST_AFTER_HEAD.match(text, ks)
        if after:
            lists.append((after.start(1), after.group(1)))
        if text.startswith(("datasets", "benchmarks"), ks):
            segment_start = max(text.rfind(b, max(0, ks - 200), ks) + len(b) for b in PHRASE_BREAK)
            lead = max(text.rfind(w, segment_start, ks) for w in LIST_LEAD)
            if lead >= 0:
                items_start = text.index(" ", lead + 1) + 1
                lists.append((items_start, text[items_start : ks - 1]))
        for offset, items in lists:
            parts = LIST_SPLIT.split(items)
            if len(parts) < 2 and offset != (after.start(1) if after else -1):
                continue
            pos = offset
            for part in parts:
                at = text.find(part, pos)
                pos = at + len(part)
                for item in NAME_TOKEN_RE.finditer(part):
                    name = item.group(0).rstrip(".")
                    if not is_name_like(name) or is_short_acronym(name):
                        continue
                    start = at + item.start()
                    out.append(
                        Candidate(
                            name,
                            DATASET,
                            pattern_confidence,
                            False,
                            "dataset-list",
                            ((name, start, start + len(name)),),
                        )
                    )
    for ks, _ in triggers["hardware"]:
        if ks < 2 or text[ks - 1] != " " or not _may_end_model_number(text[ks - 2]):
            continue
        words = words_before(text, ks - 1, 2)
        if not words or MODEL_NUMBER.fullmatch(words[-1][1]) is None:
            continue
        start, name = words[-1]
        if len(words) == 2 and CAPITALISED.fullmatch(words[0][1]) and words[0][1].lower() not in STOP_NAMES:
            start, name = words[0][0], f"{words[0][1]} {name}"
        if (
            (covered is not None and covered[start])
            or not any(c.isalpha() for c in name)
            or MEMORY_SIZE.fullmatch(name)
        ):
            continue
        out.append(
            Candidate(
                name, HARDWARE, pattern_confidence, False, "hardware-context", ((name, start, start + len(name)),)
            )
        )
    seen = set()
    for size_letter in _SIZE_LETTERS:
        for m in size_letter.finditer(text):
            i = m.start()
            if text[i - 1].isdigit():
                found = _size_token(text, i)
                if found and found[0] not in seen:
                    start, token, base = found
                    seen.add(start)
                    if base.lower() not in GENERIC and base.lower() not in STOP_NAMES:
                        named_as = preceding_type(text, start, context) or appositive_type(text, start + len(token))
                        out.append(
                            Candidate(
                                token,
                                DATASET if named_as == DATASET else MODEL,
                                pattern_confidence,
                                is_introduced(text, start, title_end),
                                "model-size",
                                ((token, start, start + len(token)),),
                            )
                        )
    return out
