"""Dictionary mention detection: every alias of every entity matched in one Aho-Corasick pass.

The text is folded character for character (lower case, hyphens, slashes and
underscores read as spaces), so spans found in the folded text index the
original text unchanged. Each alias carries a case rule, optional context cue
words and words that veto a match when they follow it; see `kg.models.Alias`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick

SEPARATORS = "-_/\u2010\u2011\u2012\u2013\u2014\u2212"
_FOLD = str.maketrans({c: " " for c in SEPARATORS})
_WORD_AFTER = re.compile(r"[ \t]*([A-Za-z]+)")
SHORT_ALIAS = 4


def fold(text: str) -> str:
    """Lower-case `text` and turn separators into spaces, keeping its length (so spans carry over)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_FOLD)


def fold_separators(text: str) -> str:
    return text.translate(_FOLD)


def is_plain_word(alias: str) -> bool:
    """A single word that is Capitalised or ALL CAPS with letters only: may also be an English word."""
    return alias.isalpha() and (alias.isupper() or (alias[0].isupper() and alias[1:].islower()))


class AliasRule(NamedTuple):
    """How one alias may match. `exact` holds the separator-folded form to compare, or None."""

    entity_id: str
    text: str
    exact: str | None
    needs_upper: bool
    context: re.Pattern | None
    veto_next: frozenset[str]


def make_rule(entity_id: str, text: str, case: str = "auto", context: Iterable[str] = (),
              veto_next: Iterable[str] = ()) -> AliasRule:
    """The matching rule for an alias.

    case="exact" matches only as written; "ignore" in any case; "auto" is exact
    for aliases of at most `SHORT_ALIAS` characters, and for a plain word
    (Whisper, BLOOM) requires at least one capital in the match, so the
    English word (whisper, bloom) is not taken for the name.
    """
    stripped = text.strip()
    exact = None
    needs_upper = False
    if case == "exact" or (case == "auto" and len(stripped) <= SHORT_ALIAS):
        exact = fold_separators(stripped)
    elif case == "auto" and is_plain_word(stripped):
        needs_upper = True
    return AliasRule(
        entity_id, stripped, exact, needs_upper,
        _cue_pattern(context), frozenset(v.lower() for v in veto_next),
    )


def _cue_pattern(cues: Iterable[str]) -> re.Pattern | None:
    """Cue words matched at a word start in the lower-cased paper text ("gpu" also finds "GPUs")."""
    cues = sorted({c.lower().strip() for c in cues if c.strip()}, key=len, reverse=True)
    if not cues:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(c) for c in cues) + ")")


_NEXT_WORD = re.compile(r" ([A-Z][a-z]+)\b")
PRODUCT_TIERS = frozenset("Pro Ultra Flash Nano Mini Max Plus Lite Large Small Base Chat Instruct Serve Train Tune Data Core Sonnet Opus Haiku Turbo Vision Code".split())


def after_times_residue(folded: str, start: int) -> bool:
    """`4timesRTX 3090`: the residue of LaTeX `4$\\times$RTX 3090` glued to a name still leaves a boundary."""
    return folded.endswith("times", 0, start) and (start < 6 or not folded[start - 6].isalpha())


def reads_as_person(text: str, end: int) -> bool:
    """An ambiguous word followed by a capitalised word reads as a given name ("Adam Smith", "Ray Dalio")."""
    m = _NEXT_WORD.match(text, end)
    return m is not None and m.group(1) not in PRODUCT_TIERS


class Match(NamedTuple):
    start: int
    end: int
    rule: AliasRule


class DictionaryMatcher:
    """All aliases in one automaton; `find` returns the leftmost-longest valid matches, non-overlapping."""

    def __init__(self, rules: Iterable[AliasRule]):
        grouped: dict[str, list[AliasRule]] = {}
        for r in rules:
            key = " ".join(fold(r.text).split())
            if key:
                grouped.setdefault(key, []).append(r)
        self.size = len(grouped)
        self.automaton = ahocorasick.Automaton()
        for key, rs in grouped.items():
            self.automaton.add_word(key, (len(key), tuple(rs)))
        if grouped:
            self.automaton.make_automaton()

    def find(self, text: str, folded: str | None = None, lowered: str | None = None) -> list[Match]:
        if not self.size:
            return []
        folded = fold(text) if folded is None else folded
        lowered = text.lower() if lowered is None else lowered
        n = len(folded)
        candidates: list[Match] = []
        for last, (length, rules) in self.automaton.iter(folded):
            start = last - length + 1
            end = last + 1
            if start > 0 and folded[start - 1].isalnum() and not after_times_residue(folded, start):
                continue
            if end < n and folded[end].isalnum():
                if folded[end] == "s" and (end + 1 == n or not folded[end + 1].isalnum()) and folded[end - 1].isalnum():
                    end += 1
                else:
                    continue
            for rule in rules:
                if self._accepts(rule, text, folded, lowered, start, last + 1, end):
                    candidates.append(Match(start, end, rule))
                    break
        return select_longest(candidates)

    @staticmethod
    def _accepts(rule: AliasRule, text: str, folded: str, lowered: str, start: int, stem_end: int, end: int) -> bool:
        surface = text[start:stem_end]
        if rule.exact is not None and fold_separators(surface) != rule.exact:
            if not (rule.exact[:1].islower() and fold_separators(surface[:1].lower() + surface[1:]) == rule.exact):
                return False
        if rule.needs_upper and surface.islower():
            return False
        if rule.veto_next:
            m = _WORD_AFTER.match(folded, end)
            if m and m.group(1) in rule.veto_next:
                return False
        if rule.context is not None:
            if rule.context.search(lowered) is None:
                return False
            if reads_as_person(text, stem_end):
                return False
        return True


def select_longest(candidates: list[Match]) -> list[Match]:
    """Greedy leftmost-longest selection of non-overlapping matches, returned in text order."""
    chosen: list[Match] = []
    taken: list[tuple[int, int]] = []
    for m in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
        if all(m.end <= s or m.start >= e for s, e in taken):
            chosen.append(m)
            taken.append((m.start, m.end))
    chosen.sort(key=lambda m: m.start)
    return chosen
