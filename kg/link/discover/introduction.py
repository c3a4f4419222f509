"""Whether a paper introduces a name: a naming verb before it in the same sentence, or the name filling the
title's slot."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache

from kg.link.discover.names import _SIMPLE_NAME, _TITLE_PUNCT, is_capitalised_word, is_name_like
from kg.link.discover.scanner import Scan, scan
from kg.link.discover.vocabulary import STOP_NAMES


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding `pos` starts (after ". ", "? ", "! " or a newline)."""
    starts = scan(text).sentences
    return starts[bisect_right(starts, pos) - 1]


NAMING_FILLERS = frozenset(("", "proposed", "new", "novel", "it"))


def named_right_before(text: str, sc: Scan, start: int, strong: bool = False) -> bool:
    """A naming word ends just before `start`: "called X", "dubbed X", "we call it X", and unless
    `strong`, "our (proposed) X". ("namely X" lists as often as it names, so it does not count.)"""
    ends = sc.strong_naming_ends if strong else sc.naming_ends
    for i in range(bisect_left(ends, start - 40), bisect_right(ends, start)):  # the ends in [start - 40, start]
        if text[ends[i]:start].strip().lower() in NAMING_FILLERS:
            return True
    return False


@lru_cache(maxsize=1024)
def is_introduced(text: str, start: int, title_end: int) -> bool:
    """The paper presents the thing at `start`: it is in the title, named, "our X", or after "we propose".

    Cached: the rules ask it for a candidate and the linker again for each of its hits.
    """
    if start < title_end:
        return True
    sc = scan(text)
    if named_right_before(text, sc, start):
        return True
    if not sc.verbs:
        return False
    s = sc.sentences[bisect_right(sc.sentences, start) - 1]
    i = bisect_left(sc.verb_starts, s)  # a verb starting at s or later and ending by `start`
    return start - s < 260 and i < len(sc.verb_starts) and sc.verb_min_end[i] <= start


GENERIC_TITLE_WORDS = frozenset("""
scaling laws law models model networks network learning training transformers transformer language vision
large small deep neural data efficient inverse
""".split())


def is_title_name(prefix: str) -> bool:
    """The part of a title before its colon names something: a coined token, or a short Capitalised phrase."""
    words = prefix.split()
    if not words or len(words) > 4 or words[0].lower() in STOP_NAMES:
        return False
    if len(words) == 1:
        if is_name_like(prefix):
            return True
        return (is_capitalised_word(prefix) and not prefix.lower().endswith("ing")
                and _SIMPLE_NAME.fullmatch(prefix) is not None)
    if _TITLE_PUNCT.search(prefix) or not all(w[:1].isupper() or w[:1].isdigit() for w in words):
        return False
    if any(is_name_like(w) for w in words):
        return True
    if words[0].lower().endswith("ing"):
        return False
    return not all(w.lower() in GENERIC_TITLE_WORDS for w in words)
