"""Dictionary mention detection: every alias of every entity matched in one Aho-Corasick pass.

The text is folded character for character: lower case, and punctuation
(hyphens, slashes, brackets, quotes …; not `+`, `#` or a decimal point) read
as spaces, so spans found in the folded text index the original text
unchanged. Aliases are folded the same way and stored with a space on each
side, and the text is searched with a space on each side, so the automaton
reports only matches on token boundaries ("A100" never inside "A1000"); a
plural "s" is a key of its own. Each alias carries a case rule, optional
context cue words and words that veto a match when they follow it; see
`kg.models.Alias`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick

PUNCTUATION = "".join(c for c in string.punctuation if c not in "+#") + "\t\n\r\x0b\x0c" \
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2018\u2019\u201c\u201d\u2022\u00b7\u2026\u00a0\u2009\u202f"
_PUNCT = str.maketrans({c: " " for c in PUNCTUATION} | {"\u2024": "."})
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_TIMES_RESIDUE = re.compile(r"(?<=\d)(?:times|x)(?=[A-Z])")
_WORD_AFTER = re.compile(r" *([a-z]+)")
SHORT_ALIAS = 4
INFLECTIONS = ("s", "+", "++")


def fold_punct(text: str) -> str:
    """Punctuation read as spaces (decimal points kept), case kept; same length as `text`.

    A count glued to a name reads apart: the residue of LaTeX `4$\\times$RTX` ("4timesRTX") as "4     RTX",
    and "8xA800" as "8 A800".
    """
    if "." in text:
        text = _DECIMAL.sub("\u2024", text)
    if "times" in text or "x" in text:
        text = _TIMES_RESIDUE.sub(lambda m: " " * len(m.group(0)), text)
    return text.translate(_PUNCT)


_ASCII_FOLD = bytes(
    32 if (chr(i) in PUNCTUATION or i < 32 or i == 127) else (i + 32 if 65 <= i <= 90 else i) for i in range(128)
) + bytes(range(128, 256))


def fold(text: str) -> str:
    """`fold_punct` and lower case, keeping the length of `text` (so spans carry over)."""
    if text.isascii():
        folded = text.encode("ascii").translate(_ASCII_FOLD)
        if "times" in text or "x" in text:
            for m in _TIMES_RESIDUE.finditer(text):
                folded = folded[:m.start()] + b" " * (m.end() - m.start()) + folded[m.end():]
        i = text.find(".")
        if i < 0:
            return folded.decode("ascii")
        chars = bytearray(folded)
        while i >= 0:
            if 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                chars[i] = 46
            i = text.find(".", i + 1)
        return chars.decode("ascii")
    lowered = fold_punct(text).lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in fold_punct(text))
    return lowered


def alias_key(alias: str) -> str:
    """The automaton key of an alias: folded, single-spaced, with a space on each side."""
    return " " + " ".join(fold(alias).split()) + " "


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
        exact = " ".join(fold_punct(stripped).split())
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
        grouped: dict[str, list[tuple[AliasRule, int]]] = {}
        for r in rules:
            key = alias_key(r.text)
            if key.strip():
                grouped.setdefault(key, []).append((r, 0))
        variants: dict[str, list[tuple[AliasRule, int]]] = {}
        for key, rs in grouped.items():
            if key[-2].isalnum():
                for suffix in INFLECTIONS:
                    variants.setdefault(key[:-1] + suffix + " ", []).extend((r, len(suffix)) for r, _ in rs)
        for key, rs in variants.items():
            grouped.setdefault(key, []).extend(rs)
        self.size = len(grouped)
        self.automaton = ahocorasick.Automaton()
        for key, rs in grouped.items():
            self.automaton.add_word(key, (len(key), tuple(rs)))
        if grouped:
            self.automaton.make_automaton()

    def find(self, text: str, folded: str | None = None, lowered: str | None = None) -> list[Match]:
        """Matches in `text`; `folded` (from `fold`) and `lowered` (text.lower()) may be passed in to share work."""
        if not self.size:
            return []
        folded = fold(text) if folded is None else folded
        candidates: list[Match] = []
        for last, (length, rules) in self.automaton.iter(" " + folded + " "):
            start = last - length + 1
            end = last - 1
            for rule, suffix in rules:
                if self._accepts(rule, text, folded, lowered, start, end - suffix, end):
                    candidates.append(Match(start, end, rule))
                    break
        return select_longest(candidates) if len(candidates) > 1 else candidates

    @staticmethod
    def _accepts(rule: AliasRule, text: str, folded: str, lowered: str | None, start: int, stem_end: int,
                 end: int) -> bool:
        if rule.exact is not None:
            surface = " ".join(fold_punct(text[start:stem_end]).split())
            if surface != rule.exact and not (rule.exact[:1].islower() and surface[:1].lower() + surface[1:] == rule.exact):
                return False
        if rule.needs_upper and text[start:stem_end].islower():
            return False
        if rule.veto_next:
            m = _WORD_AFTER.match(folded, end)
            if m and m.group(1) in rule.veto_next:
                return False
        if rule.context is not None:
            if rule.context.search(lowered if lowered is not None else text.lower()) is None:
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
