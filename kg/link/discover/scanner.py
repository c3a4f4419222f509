"""One pass over a paper's text (`scan`): where sentences, subjects, naming verbs, coined words and trigger words
are, so that each rule looks positions up instead of searching the text again."""

from __future__ import annotations

from typing import NamedTuple

from kg.link.discover.vocabulary import (
    _CLASS_TABLE,
    _COINED_CLASSES,
    _NON_ASCII,
    _NOT_ALNUM,
    _SENTENCE_BREAKS,
    _SPACED_TABLE,
    _SUBJECT_STARTS,
    _TRIGGER_AUTOMATON,
    NAMING_VERB_WORDS,
    SUBJECT_BEFORE,
    TRIGGERS,
    WEAK_NAMING,
)


def _spaced(lowered: str) -> bytes:
    """`lowered` as ASCII bytes with each non-alphanumeric character a space, padded with a space each side."""
    if lowered.isascii():
        return b" " + lowered.encode("ascii").translate(_SPACED_TABLE) + b" "
    return b" " + _NOT_ALNUM.sub(" ", lowered).encode("ascii", "replace") + b" "


def _find_triggers(lowered: str) -> dict[str, list[tuple[int, int]]]:
    """Start and end of each whole-word `TRIGGERS` keyword in `lowered`, by kind."""
    triggers: dict[str, list[tuple[int, int]]] = {kind: [] for kind in TRIGGERS}
    for last, (n, word, kinds) in _TRIGGER_AUTOMATON.iter(_spaced(lowered).decode("latin-1")):
        start = last - n - 1
        if word is None or lowered.startswith(word, start):
            for kind in kinds:
                triggers[kind].append((start, start + n))
    return triggers


def _has_subject(lowered: str, start: int, end: int) -> bool:
    """`SUBJECT_BEFORE` matches in lowered[start:end]; tried only where one of its subjects starts."""
    for subject in _SUBJECT_STARTS:
        i = lowered.find(subject, start, end)
        while i >= 0:
            if SUBJECT_BEFORE.match(lowered, i, end):
                return True
            i = lowered.find(subject, i + 1, end)
    return False


def _ascii_class(c: str) -> str:
    return "a" if c.islower() else "A" if c.isupper() else " "


def _token_start(text: str, i: int) -> int:
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "-+"):
        i -= 1
    return i


def _coined_starts(text: str) -> tuple[int, ...]:
    """Starts of the tokens (runs of letters, digits, "-" and "+") holding one of the `_COINED_CLASSES`."""
    if text.isascii():
        classes = text.encode("ascii").translate(_CLASS_TABLE)
        return tuple(
            sorted(
                {
                    classes.rfind(b" ", 0, m.start()) + 1
                    for pattern in _COINED_CLASSES
                    for m in pattern.finditer(classes)
                }
            )
        )
    # Non-ASCII letters count by case; the token bounds come from the text itself.
    ascii_text = _NON_ASCII.sub(lambda m: _ascii_class(m.group()), text)
    classes = ascii_text.encode("ascii").translate(_CLASS_TABLE)
    return tuple(
        sorted({_token_start(text, m.start()) for pattern in _COINED_CLASSES for m in pattern.finditer(classes)})
    )


def _sentence_starts(text: str) -> list[int]:
    """Where sentences start: 0 and after each of `SENTENCE_BREAKS`."""
    starts = [0]
    for char, brk in _SENTENCE_BREAKS:
        if char in text:
            starts += [m.start() + 1 for m in brk.finditer(text)]
    starts.sort()
    return starts


class Scan(NamedTuple):
    """What the rules need from one text, computed once: keyword positions, sentence starts, coined-token starts.

    `naming_ends` are where a naming word ends ("called", "dubbed", "we call", "our", not "namely"), for
    `named_right_before`; `strong_naming_ends` leave out `WEAK_NAMING`.
    """

    lowered: str
    triggers: dict[str, list[tuple[int, int]]]
    verbs: tuple[tuple[int, int], ...]
    coined_starts: tuple[int, ...]
    sentences: list[int]
    naming_ends: tuple[int, ...] = ()  # sorted
    strong_naming_ends: tuple[int, ...] = ()  # sorted
    verb_starts: tuple[int, ...] = ()  # the verbs' starts, sorted
    verb_min_end: tuple[int, ...] = ()  # verb_min_end[i]: the earliest end among verbs from verb_starts[i] on


def scan(text: str) -> Scan:
    """The `Scan` of one text (the linker keeps the current paper's in `DiscoveryContext.scan`)."""
    lowered = text.lower()
    triggers = _find_triggers(lowered)
    verbs = tuple((vs, ve) for vs, ve in triggers["verb"] if _has_subject(lowered, max(0, vs - 60), vs))
    strong = tuple(ke for ks, ke in triggers["naming"] if not lowered.startswith(("namely", *WEAK_NAMING), ks))
    strong += tuple(ve for vs, ve in verbs if lowered.startswith(NAMING_VERB_WORDS, vs))
    weak = tuple(ke for ks, ke in triggers["naming"] if lowered.startswith(WEAK_NAMING, ks))
    by_start = sorted(verbs)
    min_end: list[int] = []
    for _, ve in reversed(by_start):
        min_end.append(min(ve, min_end[-1]) if min_end else ve)
    return Scan(
        lowered,
        triggers,
        verbs,
        _coined_starts(text),
        _sentence_starts(text),
        tuple(sorted(strong + weak)),
        tuple(sorted(strong)),
        tuple(vs for vs, _ in by_start),
        tuple(reversed(min_end)),
    )
