"""Acronym definitions in running text, in both orders.

Implements Schwartz & Hearst (2003), "A simple algorithm for identifying
abbreviation definitions in biomedical text" (PSB 2003): a short form inside
parentheses is matched character by character, right to left, against the
words before it, and the first short-form character must start a word. The
reverse order, "SF (long form)", is tried when the parenthesised text has
more than two words. The same approach is used by scispacy's
`AbbreviationDetector`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kg.link.config import DEFAULT_CONFIG

PARENS = re.compile(r"\(([^()]{1,160})\)")
VERSION_SUFFIX = re.compile(r"(?:-?[vV]?\d+(?:\.\d+)?)$")
FIRST_PART = re.compile(r"[;,]\s")


class Abbreviation(NamedTuple):
    short: str
    short_start: int
    long: str
    long_start: int


def is_short_form(candidate: str) -> bool:
    """A plausible short form: 2-10 characters, one or two words, a letter first-or-second, a capital."""
    if not (2 <= len(candidate) <= 10) or len(candidate.split()) > 2:
        return False
    if not candidate[0].isalnum() or not (candidate[0].isalpha() or candidate[1].isalpha()):
        return False
    return any(map(str.isupper, candidate))


def best_long_form(short: str, long: str) -> str | None:
    """Schwartz–Hearst: the shortest suffix of `long` whose characters cover `short` in order, right to left.

    Each short-form character is found with `str.rfind` in the lowered long form; the first one must
    start a word. Non-ASCII text, where lowering may change lengths, takes the character-by-character path.
    """
    if not (short.isascii() and long.isascii()):
        return _best_long_form_chars(short, long)
    lowered = long.lower()
    i = len(long) - 1
    for s in range(len(short) - 1, -1, -1):
        c = short[s].lower()
        if not c.isalnum():
            continue
        i = lowered.rfind(c, 0, i + 1)
        if s == 0:
            while i > 0 and long[i - 1].isalnum():
                i = lowered.rfind(c, 0, i)
        if i < 0:
            return None
        i -= 1
    start = long.rfind(" ", 0, i + 1) + 1
    return long[start:]


def _best_long_form_chars(short: str, long: str) -> str | None:
    s = len(short) - 1
    i = len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    start = long.rfind(" ", 0, i + 1) + 1
    return long[start:]


def _window(text: str, end: int, n_words: int, lookback: int) -> tuple[str, int]:
    """The last `n_words` words of text[:end] and where they start (stopping at sentence breaks).

    The `lookback` characters before `end` are searched first for the sentence break that bounds the long
    form (`LinkerConfig.acronym_lookback`). Searching from the text's start made each definition cost the
    length of the text before it: quadratic in a long abstract with many of them. A long form has at most
    ~25 words, so the break, or enough words, is nearly always near.
    """
    lo = max(0, end - lookback)
    cut = text.rfind("\n", lo, end)
    for brk in (". ", "; ", ": "):
        cut = max(cut, text.rfind(brk, max(cut + 1, lo), end))
    if cut >= 0:
        base = cut + 2
    elif lo > 0 and len(text[lo:end].split(None, n_words + 1)) > n_words + 1:
        base = lo  # no break in the lookback, which holds more words than needed: its last words are the answer
    else:
        return _window_unbounded(text, end, n_words)
    return _last_words(text, base, end, n_words)


def _window_unbounded(text: str, end: int, n_words: int) -> tuple[str, int]:
    cut = text.rfind("\n", 0, end)
    for brk in (". ", "; ", ": "):
        cut = max(cut, text.rfind(brk, cut + 1, end))
    return _last_words(text, cut + 2 if cut >= 0 else 0, end, n_words)


def _last_words(text: str, base: int, end: int, n_words: int) -> tuple[str, int]:
    segment = text[base:end]
    words = segment.rsplit(None, n_words)
    if len(words) > n_words:
        start = base + segment.index(words[1], len(words[0]))
    elif words:
        start = base + len(segment) - len(segment.lstrip())
    else:
        return "", end
    return text[start:end].rstrip(), start


def _valid_pair(short: str, long: str) -> bool:
    if not long or len(long) <= len(short) or short.lower() in long.lower().split():
        return False
    n_words = len(long.split())
    return n_words <= min(len(short) + 5, len(short) * 2) and long[0].isalnum()


def _last_word(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The last whitespace-delimited word in text[start:end] and where it starts."""
    before = text[start:end].rstrip()
    if not before:
        return None
    word = before.rsplit(None, 1)[-1]
    return word, start + len(before) - len(word)


def find_abbreviations(text: str, lookback: int = DEFAULT_CONFIG.acronym_lookback) -> list[Abbreviation]:
    """All acronym definitions in `text`, as (short, short_start, long, long_start) with offsets into `text`.

    `lookback`: characters searched first for a long form's sentence break (see `_window`)."""
    out: list[Abbreviation] = []
    for m in PARENS.finditer(text):
        raw = m.group(1)
        inner = raw.strip()
        inner_start = m.start(1) + len(raw) - len(raw.lstrip())
        first = FIRST_PART.split(inner, maxsplit=1)[0].strip() if "," in inner or ";" in inner else inner
        if is_short_form(first):
            max_words = min(len(first) + 5, len(first) * 2)
            window, wstart = _window(text, m.start(), max_words, lookback)
            long = best_long_form(first, window) or best_long_form(VERSION_SUFFIX.sub("", first), window)
            if long and _valid_pair(first, long):
                out.append(Abbreviation(first, inner_start, long, wstart + len(window) - len(long)))
            continue
        if len(inner.split()) > 2:
            before = _last_word(text, max(0, m.start() - 40), m.start())
            if before:
                short = before[0].strip(".,;:\"'")
                if is_short_form(short):
                    long = best_long_form(short, inner)
                    if long and _valid_pair(short, long) and inner.endswith(long):
                        out.append(Abbreviation(short, before[1], long, inner_start + len(inner) - len(long)))
    return out
