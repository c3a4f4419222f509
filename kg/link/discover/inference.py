"""Type inference (`infer_type`): Method, Model, Dataset, Hardware or Framework from the words around a name:
its head noun, an appositive, what precedes and what follows it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.link.discover.names import (
    DATASET_NAME,
    DATASET_NAME_LAST,
    MODEL_NAME,
    MODEL_NAME_LAST,
    WORDS,
    last_char_in,
)
from kg.link.discover.vocabulary import DATASET, FRAMEWORK, HEAD_INDEX, METHOD, MODEL, SYSTEM_CUES, alternation

if TYPE_CHECKING:
    from kg.link.discover.context import DiscoveryContext

PREPOSITIONS = (
    "for",
    "with",
    "via",
    "to",
    "in",
    "on",
    "of",
    "into",
    "that",
    "which",
    "using",
    "from",
    "by",
    "towards",
    "toward",
    "through",
    "at",
    "and",
)
PREPOSITION = re.compile(r"\s" + alternation(PREPOSITIONS) + r"\s", re.IGNORECASE)


# Head words and their plurals ("suites"), a head word's own entry first ("models" is not "model" + s).
_WORD_TYPES = {**{w + "s": t for w, t in HEAD_INDEX.items()}, **HEAD_INDEX}


def word_type(word: str) -> str | None:
    return _WORD_TYPES.get(word.lower())


def head_type(phrase: str) -> str | None:
    """Type of a noun phrase from its head, the last word before any preposition.

    "scaled error correction model" -> Model; "Distributed ... Framework for
    Efficient LLM Training" -> the head is "Framework".
    """
    head_phrase = PREPOSITION.split(" " + phrase + " ", maxsplit=1)[0]
    words = WORDS.findall(head_phrase)
    if not words:
        return None
    return word_type(words[-1]) or word_type(words[-1].split("-")[-1])


APPOSITIVE = re.compile(
    r"\s*(?:\([^()]{0,80}\)\s*)?(?:,|:|\u2014|-{1,2}|is|which is|as)?"
    r"\s*(?:a|an|the|our)\s+((?:[\w-]+,?\s+){0,7}[\w-]+)",
    re.IGNORECASE,
)
CHUNK_BREAKS = (
    "for",
    "with",
    "via",
    "to",
    "in",
    "on",
    "of",
    "into",
    "that",
    "which",
    "using",
    "from",
    "by",
    "towards",
    "through",
    "at",
    "comprising",
    "containing",
    "including",
    "consisting",
    "trained",
    "designed",
    "built",
    "based",
    "where",
    "whose",
    "achieves",
    "achieving",
    "outperforms",
    "enables",
    "enabling",
    "allows",
    "can",
    "is",
    "are",
    "was",
)
CHUNK_END = re.compile(r"[,;.:()]|\s" + alternation(CHUNK_BREAKS) + r"\s", re.IGNORECASE)
_CHUNK_END_LOWERED = re.compile(CHUNK_END.pattern)
CONNECTOR_WORDS = (",", ":", "named", "called", "dubbed", "termed", "coined", "namely", "as", "i.e.", "which we call")
CONNECTORS = re.compile(r"(?:\s*(?:" + "|".join(map(re.escape, CONNECTOR_WORDS)) + r"))+\s*$", re.IGNORECASE)
# What an `APPOSITIVE` match can open with, after spaces.
_APPOSITIVE_OPENERS = ("(", ",", ":", "\u2014", "-", "is", "which", "a", "the", "our")
# First and last characters of those openers and of `CONNECTOR_WORDS`, in either case: one set
# lookup rules out most positions before the slicing and lowering.
_OPENER_FIRSTS = frozenset(c for w in _APPOSITIVE_OPENERS for c in (w[0], w[0].upper()))
_CONNECTOR_LASTS = frozenset(c for w in CONNECTOR_WORDS for c in (w[-1], w[-1].upper()))


def connectors_start(window: str) -> int | None:
    """Where the run of `CONNECTORS` that ends `window` starts ("a model, dubbed " -> at ","), else None.

    Peels `CONNECTOR_WORDS` off the end instead of searching: none ends another, so the peeling is
    unambiguous. Non-ASCII windows, where case-insensitive matching goes beyond `str.lower`
    ("ſ" matches "s"), take the regex.
    """
    if not window.isascii():
        m = CONNECTORS.search(window)
        return m.start() if m and m.group(0).strip() else None
    rest = window.rstrip().lower()
    cut = None
    while rest.endswith(CONNECTOR_WORDS):
        for word in CONNECTOR_WORDS:
            if rest.endswith(word):
                rest = rest[: -len(word)].rstrip()
                break
        cut = len(rest)
    return cut


def _case_blind_chunks(phrase: str, maxsplit: int = 0) -> list[str]:
    """`CHUNK_END.split(phrase)` for readers that ignore case: ASCII text is lowered first, where the
    case-sensitive pattern runs faster."""
    if phrase.isascii():
        return _CHUNK_END_LOWERED.split(phrase.lower(), maxsplit)
    return CHUNK_END.split(phrase, maxsplit)


def chunk_head_type(words: str) -> str | None:
    """Type of the head (last typed word) of the first noun chunk in `words`.

    "framework" is a Method unless the chunk itself says it is software
    ("a distributed training framework" -> Framework).
    """
    chunk = _case_blind_chunks(" " + words + " ", maxsplit=1)[0]
    found = None
    last = ""
    for w in WORDS.findall(chunk):
        t = word_type(w)
        if t:
            found, last = t, w.lower()
    if found == METHOD and last == "framework" and SYSTEM_CUES.search(chunk):
        return FRAMEWORK
    return found


def _may_open_appositive(text: str, pos: int) -> bool:
    """A cheap test before `APPOSITIVE`: after spaces, text at `pos` opens with one of `_APPOSITIVE_OPENERS`.

    Non-ASCII text passes: `re.IGNORECASE` equates more than `str.lower` ("İ" with "i").
    """
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos < n and text[pos] not in _OPENER_FIRSTS and text[pos].isascii():
        return False
    head = text[pos : pos + 5]
    return not head.isascii() or head.lower().startswith(_APPOSITIVE_OPENERS)


def _may_end_in_connector(text: str, pos: int) -> bool:
    """A cheap test before `connectors_start`: but for spaces, text before `pos` ends in one of `CONNECTOR_WORDS`.

    Non-ASCII text passes, as in `_may_open_appositive`.
    """
    pos -= 1
    while pos >= 0 and text[pos].isspace():
        pos -= 1
    if pos < 0 or (text[pos] not in _CONNECTOR_LASTS and text[pos].isascii()):
        return False
    tail = text[max(0, pos - 12) : pos + 1]
    return not tail.isascii() or tail.lower().endswith(CONNECTOR_WORDS)


def appositive_type(text: str, end: int) -> str | None:
    """Type from an appositive after a name: "NAME, a scalable training framework ..." -> Framework."""
    if not _may_open_appositive(text, end):
        return None
    m = APPOSITIVE.match(text, end, end + 160)
    if not m:
        return None
    words = m.group(1)
    # "an artist-authored, annotated, reconfigurable 3D dataset": commas between adjectives end no chunk
    return chunk_head_type(words) or (chunk_head_type(words.replace(",", "")) if "," in words else None)


def preceding_type(text: str, start: int, context: DiscoveryContext, singular: bool = False) -> str | None:
    """Type from the noun that names the kind just before a name: "a benchmark named X", "a model, dubbed X".

    With `singular`, a plural noun is passed over: in "an adaption of LLMs, called X" it is the complement,
    and the name is of one thing."""
    if not _may_end_in_connector(text, start):
        return None
    window = text[max(context.sentence_start(text, start), start - 100) : start]
    cut = connectors_start(window)
    if cut is None:
        return None
    before = window[:cut]
    chunks = [c for c in _case_blind_chunks(" " + before) if c.strip()]
    for chunk in reversed(chunks[-2:]):
        words = WORDS.findall(chunk)
        if singular and words and words[-1].lower().endswith("s") and words[-1].lower()[:-1] in HEAD_INDEX:
            continue
        if words and word_type(words[-1]):
            t = word_type(words[-1])
            if t == METHOD and words[-1].lower() == "framework" and SYSTEM_CUES.search(chunk):
                return FRAMEWORK
            return t
    return None


NEXT_WORD = re.compile(r" ([A-Za-z][\w-]*)")


def following_type(text: str, end: int) -> str | None:
    """Type from a head noun right after a name: "the ToCa dataset", "our Pre-gated MoE system"."""
    m = NEXT_WORD.match(text, end)
    return word_type(m.group(1)) if m and m.group(1).lower() != "framework" else None


BENCHMARK_NAME = re.compile(r"(?:Bench(?:mark)?s?|Arena|-?Eval)$")
"""Name endings that make a benchmark whatever the words around say ("UniBench", "AlpacaEval")."""
BENCHMARK_NAME_LAST = frozenset("hals")
EVALUATED_ON = re.compile(
    r"(?:\d\s?%|\d\s?points?|accuracy|scores?|results?|performance|gains?|improvements?|evaluated|evaluations?|"
    r"experiments?|tested|trained|fine-?tuned|pre-?trained|SOTA|state-of-the-art|mAP|bbAP|mIoU|AP|FID|top-1)"
    r"(?:\s+\w+)?\s+on\s+(?:the\s+)?$",
    re.IGNORECASE,
)
"""What precedes a dataset: a score or an evaluation "on" it ("5.8% on NonMNIST", "bbAP on CoCo")."""


SIZE_AFTER = re.compile(r"[- ]\d+(?:\.\d+)?B(?![\w])")
"""A parameter count in billions after a name ("-7B"); millions ("Square-10M") count samples as often."""


def sized_elsewhere(text: str, name: str) -> bool:
    """The text also writes the name with a parameter count ("LongVILA-R1-7B"): a model."""
    at = text.find(name)
    while at >= 0:
        if SIZE_AFTER.match(text, at + len(name)):
            return True
        at = text.find(name, at + 1)
    return False


def infer_type(
    text: str, name: str, start: int, end: int, context: DiscoveryContext, hint: str = ""
) -> tuple[str, float]:
    """A type for a discovered name and how sure we are: from the noun that introduces it, an appositive,
    a hint phrase (the rest of a title, an acronym's long form) and finally the name itself."""
    config = context.config
    if last_char_in(name, BENCHMARK_NAME_LAST) and BENCHMARK_NAME.search(name):
        return DATASET, config.typed_by_context_confidence
    t = preceding_type(text, start, context) or appositive_type(text, end) or following_type(text, end)
    if t:
        return t, config.typed_by_context_confidence
    if sized_elsewhere(text, name):
        return MODEL, config.typed_by_hint_confidence
    if text.endswith(("on ", "on the "), max(0, start - 7), start) and EVALUATED_ON.search(
        text, max(0, start - 60), start
    ):
        return DATASET, config.typed_by_hint_confidence
    t = head_type(hint) if hint else None
    if t == METHOD and "framework" in hint.lower() and SYSTEM_CUES.search(hint):
        return FRAMEWORK, config.typed_by_framework_hint_confidence
    if t:
        return t, config.typed_by_hint_confidence
    if last_char_in(name, MODEL_NAME_LAST) and MODEL_NAME.search(name):
        return MODEL, config.typed_by_name_confidence
    if last_char_in(name, DATASET_NAME_LAST) and DATASET_NAME.search(name):
        return DATASET, config.typed_by_name_confidence
    return METHOD, config.untyped_confidence
