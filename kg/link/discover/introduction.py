"""Whether a paper introduces a name: a naming verb before it in the same sentence, or the name filling the
title's slot."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from kg.link.discover.names import _SIMPLE_NAME, _TITLE_PUNCT, is_capitalised_word
from kg.link.discover.scanner import Scan
from kg.link.discover.vocabulary import STOP_NAMES


def sentence_start(sc: Scan, pos: int) -> int:
    """Where the sentence holding `pos` starts (after ". ", "? ", "! " or a newline), from the text's scan."""
    starts = sc.sentences
    return starts[bisect_right(starts, pos) - 1]


NAMING_FILLERS = frozenset(("", "proposed", "new", "novel", "it"))


def named_right_before(text: str, sc: Scan, start: int, lookback: int, strong: bool = False) -> bool:
    """A naming word ends just before `start`: "called X", "dubbed X", "we call it X", and unless
    `strong`, "our (proposed) X". ("namely X" lists as often as it names, so it does not count.)
    Naming words ending up to `lookback` characters before are looked at (`LinkerConfig.naming_lookback`)."""
    ends = sc.strong_naming_ends if strong else sc.naming_ends
    for i in range(bisect_left(ends, start - lookback), bisect_right(ends, start)):  # ends in [start - lookback, start]
        if text[ends[i] : start].strip().lower() in NAMING_FILLERS:
            return True
    return False


def is_introduced(text: str, sc: Scan, start: int, title_end: int, window: int, lookback: int) -> bool:
    """The paper presents the thing at `start`: it is in the title, named, "our X", or after "we propose".

    `sc` is the scan of `text`; a verb counts fewer than `window` characters into the sentence
    (`LinkerConfig.introduction_window`), a naming word up to `lookback` before. The linker asks through
    `DiscoveryContext.is_introduced`, which remembers the answers for the paper being linked: the rules ask
    for a candidate and the linker again for each of its hits.
    """
    if start < title_end:
        return True
    if named_right_before(text, sc, start, lookback):
        return True
    if not sc.verbs:
        return False
    s = sc.sentences[bisect_right(sc.sentences, start) - 1]
    i = bisect_left(sc.verb_starts, s)  # a verb starting at s or later and ending by `start`
    return start - s < window and i < len(sc.verb_starts) and sc.verb_min_end[i] <= start


GENERIC_TITLE_WORDS = frozenset(
    """
scaling laws law models model networks network learning training transformers transformer language vision
large small deep neural data efficient inverse
""".split()
)


def is_title_name(prefix: str, is_name_like: Callable[[str], bool]) -> bool:
    """The part of a title before its colon names something: a coined token, or a short Capitalised phrase.

    `is_name_like` is `kg.link.discover.names.is_name_like` or a cached one."""
    words = prefix.split()
    if not words or len(words) > 4 or words[0].lower() in STOP_NAMES:
        return False
    if len(words) == 1:
        if is_name_like(prefix):
            return True
        return (
            is_capitalised_word(prefix)
            and not prefix.lower().endswith("ing")
            and _SIMPLE_NAME.fullmatch(prefix) is not None
        )
    if _TITLE_PUNCT.search(prefix) or not all(w[:1].isupper() or w[:1].isdigit() for w in words):
        return False
    if any(is_name_like(w) for w in words):
        return True
    if words[0].lower().endswith("ing"):
        return False
    return not all(w.lower() in GENERIC_TITLE_WORDS for w in words)
