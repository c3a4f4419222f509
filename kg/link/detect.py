"""Dictionary mention detection: every alias of every entity matched in one Aho-Corasick pass.

The text is folded character for character: lower case, and punctuation
(hyphens, slashes, brackets, quotes …; not `+`, `#` or a decimal point) read
as spaces, so spans found in the folded text index the original text
unchanged. Aliases are folded the same way and stored with a space on each
side, and the text is searched with a space on each side, so the automaton
reports only matches on token boundaries ("A100" never inside "A1000"); a
plural "s" is a key of its own. Each alias carries a case rule, optional
context cue words and words that veto a match when they follow it; see
`kg.model.types.Alias`.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections.abc import Iterable
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from kg.link.config import DEFAULT_CONFIG

PUNCTUATION = (
    "".join(c for c in string.punctuation if c not in "+#") + "\t\n\r\x0b\x0c"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2018\u2019\u201c\u201d\u2022\u00b7\u2026\u00a0\u2009\u202f"
)
_PUNCT = str.maketrans({c: " " for c in PUNCTUATION} | {"\u2024": "."})
_WORD_AFTER = re.compile(r" *([a-z]+)")
INFLECTIONS = ("s", "+", "++")

# Each pattern starts with a literal character, so the regex engine jumps from one occurrence of it to the
# next instead of trying a lookbehind at every position of the text.
_DECIMAL = re.compile(r"\.(?<=\d\.)(?=\d)")
_TIMES_X = re.compile(r"x(?<=\dx)(?=[A-Z])")
_TIMES_WORD = re.compile(r"times(?<=\dtimes)(?=[A-Z])")
_NON_ASCII_RUN = re.compile(r"([^\x00-\x7f]+)")
"""Splits text into ASCII runs, which `str.translate` maps several times faster, and the rest."""


def fold_punct(text: str) -> str:
    """Punctuation read as spaces (decimal points kept), case kept; same length as `text`.

    A count glued to a name reads apart: the residue of LaTeX `4$\\times$RTX` ("4timesRTX") as "4     RTX",
    and "8xA800" as "8 A800".
    """
    if "." in text:
        text = _DECIMAL.sub("\u2024", text)
    if "x" in text:
        text = _TIMES_X.sub(" ", text)
    if "times" in text:
        text = _TIMES_WORD.sub("     ", text)
    if text.isascii():
        return text.translate(_PUNCT)
    return "".join([part.translate(_PUNCT) for part in _NON_ASCII_RUN.split(text)])


_ASCII_DECIMAL = re.compile(_DECIMAL.pattern.encode())
_ASCII_TIMES_X = re.compile(_TIMES_X.pattern.encode())
_ASCII_TIMES_WORD = re.compile(_TIMES_WORD.pattern.encode())
_KEPT_POINT = b"\x80"
"""Marks a decimal point in ASCII bytes; `_ASCII_FOLD` turns it back into "."."""
_ASCII_FOLD = (
    bytes(32 if (chr(i) in PUNCTUATION or i < 32 or i == 127) else (i + 32 if 65 <= i <= 90 else i) for i in range(128))
    + b"."
    + bytes(range(129, 256))
)


def fold(text: str) -> str:
    """`fold_punct` and lower case, keeping the length of `text` (so spans carry over).

    Not `kg.model.text.match_key`: a key drops characters, so its offsets no longer index the text."""
    if text.isascii():
        return _fold_ascii(text)
    punct = fold_punct(text)
    lowered = punct.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in punct)
    return lowered


def _fold_ascii(text: str) -> str:
    """`fold` of ASCII text, as bytes: decimal points marked and counts blanked by the regexes, then one
    `bytes.translate`."""
    raw = _ASCII_DECIMAL.sub(_KEPT_POINT, text.encode("ascii"))
    raw = _ASCII_TIMES_X.sub(b" ", raw)
    if b"times" in raw:
        raw = _ASCII_TIMES_WORD.sub(b"     ", raw)
    return raw.translate(_ASCII_FOLD).decode("ascii")


def written_form(text: str) -> str:
    """How a name is written, for an alias's case rule: punctuation read as spaces, single-spaced, case kept.

    Not `kg.model.text.match_key`, which folds case: "MATH" and "Math" must stay apart here."""
    return " ".join(fold_punct(text).split())


def alias_key(alias: str) -> str:
    """The automaton key of an alias: folded, single-spaced, with a space on each side."""
    return " " + " ".join(fold(alias).split()) + " "


def is_plain_word(alias: str) -> bool:
    """A single word that is Capitalised or ALL CAPS with letters only: may also be an English word."""
    return alias.isalpha() and (alias.isupper() or (alias[0].isupper() and alias[1:].islower()))


class AliasRule(NamedTuple):
    """How one alias may match. `exact` holds the separator-folded form to compare, or None.

    `context` holds the cue words (lower-cased, longest first) one of which the paper must mention for the
    alias to count, or None when it counts anywhere. Plain strings, not a compiled pattern: `str.find` on
    each cue is several times faster than a regular expression, and the rules load from the compiled
    catalog cache without recompiling thousands of patterns.
    """

    entity_id: str
    text: str
    exact: str | None
    needs_upper: bool
    context: tuple[str, ...] | None
    veto_next: frozenset[str]


def make_rule(
    entity_id: str,
    text: str,
    case: str = "auto",
    context: Iterable[str] = (),
    veto_next: Iterable[str] = (),
    *,
    short_alias: int = DEFAULT_CONFIG.short_alias,
) -> AliasRule:
    """The matching rule for an alias.

    case="exact" matches only as written; "ignore" in any case; "auto" is exact
    for aliases of at most `short_alias` characters (see `LinkerConfig.short_alias`), and for a plain word
    (Whisper, BLOOM) requires at least one capital in the match, so the
    English word (whisper, bloom) is not taken for the name.
    """
    stripped = text.strip()
    exact = None
    needs_upper = False
    if case == "exact" or (case == "auto" and len(stripped) <= short_alias):
        exact = written_form(stripped)
    elif case == "auto" and is_plain_word(stripped):
        needs_upper = True
    return AliasRule(
        entity_id,
        stripped,
        exact,
        needs_upper,
        _cue_words(context) or None,
        frozenset(v.lower() for v in veto_next),
    )


def _cue_words(cues: Iterable[str]) -> tuple[str, ...]:
    """Cue words lower-cased and stripped, without repeats, longest first."""
    return tuple(sorted({c.lower().strip() for c in cues if c.strip()}, key=len, reverse=True))


_WORD_CHARS = frozenset(string.ascii_lowercase + string.digits)


def mentions_cue(cues: tuple[str, ...], lowered: str) -> bool:
    """Whether the lower-cased text mentions one of `cues` at a word start (not after [a-z0-9]), so "gpu"
    also finds "GPUs" but not "vgpu"."""
    for cue in cues:
        i = lowered.find(cue)
        while i >= 0:
            if i == 0 or lowered[i - 1] not in _WORD_CHARS:
                return True
            i = lowered.find(cue, i + 1)
    return False


_NEXT_WORD = re.compile(r" ([A-Z][a-z]+)\b")
PRODUCT_TIERS = frozenset(
    (
        "Pro Ultra Flash Nano Mini Max Plus Lite Large Small Base Chat Instruct Serve Train Tune "
        "Data Core Sonnet Opus Haiku Turbo Vision Code"
    ).split()
)


def reads_as_person(text: str, end: int) -> bool:
    """An ambiguous word followed by a capitalised word reads as a given name ("Adam Smith", "Ray Dalio")."""
    m = _NEXT_WORD.match(text, end)
    return m is not None and m.group(1) not in PRODUCT_TIERS


class Match(NamedTuple):
    start: int
    end: int
    rule: AliasRule


_START = itemgetter(0)
_new_match = tuple.__new__
"""`_new_match(Match, (start, end, rule))` builds a Match without the Python-level `Match.__new__`."""


def _always_accepted(rule: AliasRule) -> bool:
    """A rule with no case, context or veto check: every match of its key stands."""
    return rule.exact is None and not rule.needs_upper and not rule.veto_next and rule.context is None


_FREQUENT = " etainorslcdhmgpufwvbykxzq0123456789"
_BY_FREQUENCY = str.maketrans({c: chr(i + 1) for i, c in enumerate(_FREQUENT)})


def _common_letters_first(key: str) -> str:
    """Sort key putting keys with common characters (in paper abstracts) first at each trie level.

    pyahocorasick scans a node's children linearly in the order they were added, so adding keys in this
    order makes the automaton pass over a text about 10% faster; the matches are the same.
    """
    return key.translate(_BY_FREQUENCY)


class DictionaryMatcher:
    """All aliases in one automaton; `find` returns the leftmost-longest valid matches, non-overlapping.

    The automaton value of a key is (len(key) - 1, the rule taken without checks or None, ((rule, suffix), ...)):
    the first rule is taken outright when it has no checks, which is most matches.
    """

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
        for key in sorted(grouped, key=_common_letters_first):
            rs = grouped[key]
            first = rs[0][0]
            self.automaton.add_word(key, (len(key) - 1, first if _always_accepted(first) else None, tuple(rs)))
        if grouped:
            self.automaton.make_automaton()

    def find(self, text: str, folded: str | None = None, lowered: str | None = None) -> list[Match]:
        """Matches in `text`; `folded` (from `fold`) and `lowered` (text.lower()) may be passed in to share work."""
        if not self.size:
            return []
        if folded is None:
            folded = fold(text)
        accepts = self._accepts
        cues_found: dict[tuple[str, ...], bool] = {}
        candidates: list[Match] = []
        add = candidates.append
        prev_end = -1
        overlapping = False
        for last, (back, rule, rules) in self.automaton.iter(" " + folded + " "):
            start = last - back
            end = last - 1
            if rule is None:
                for rule, suffix in rules:
                    if accepts(rule, text, folded, lowered, start, end - suffix, end, cues_found):
                        break
                else:
                    continue
            if start < prev_end:
                overlapping = True
            prev_end = end
            add(_new_match(Match, (start, end, rule)))
        return select_longest(candidates) if overlapping else candidates

    @staticmethod
    def _accepts(
        rule: AliasRule,
        text: str,
        folded: str,
        lowered: str | None,
        start: int,
        stem_end: int,
        end: int,
        cues_found: dict[tuple[str, ...], bool] | None = None,
    ) -> bool:
        """Whether the match of `rule` at text[start:end] stands; `cues_found` remembers context searches
        for the other matches in the same text (an ambiguous name is often mentioned several times)."""
        exact = rule.exact
        if exact is not None:
            surface = text[start:stem_end]
            if not surface.isalpha():
                surface = written_form(surface)
            if surface != exact and not (exact[:1].islower() and surface[:1].lower() + surface[1:] == exact):
                return False
        if rule.needs_upper and text[start:stem_end].islower():
            return False
        if rule.veto_next:
            m = _WORD_AFTER.match(folded, end)
            if m and m.group(1) in rule.veto_next:
                return False
        cues = rule.context
        if cues is not None:
            found = None if cues_found is None else cues_found.get(cues)
            if found is None:
                found = mentions_cue(cues, lowered if lowered is not None else text.lower())
                if cues_found is not None:
                    cues_found[cues] = found
            if not found or reads_as_person(text, stem_end):
                return False
        return True


def _longest_first(m: Match) -> tuple[int, int]:
    return m.start - m.end, m.start


def select_longest(candidates: list[Match]) -> list[Match]:
    """Greedy leftmost-longest selection of non-overlapping matches, returned in text order.

    `DictionaryMatcher.find` calls it only when some matches overlap.
    """
    chosen: list[Match] = []  # kept in text order; disjoint, so each overlap test looks at two neighbours
    starts: list[int] = []
    for m in sorted(candidates, key=_longest_first):
        start, end = m.start, m.end
        i = bisect_right(starts, start)
        if (i and chosen[i - 1].end > start) or (i < len(chosen) and chosen[i].start < end):
            continue
        starts.insert(i, start)
        chosen.insert(i, m)
    return chosen
