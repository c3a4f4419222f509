"""The daily-papers listing text: a page header, then title and abstract pairs.

Two layouts occur. In one, title and abstract are blocks separated by blank
lines under a header with date lines ("Jul 29"). In the other there are no
blank lines: one line per title then one per abstract, and the header's last
word is glued to the first title ("SubscribeMixture-of-Experts with ...").
Both reduce to the same thing once boilerplate is dropped: an alternation of
title and abstract blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.ingest.records import Record, Skip

BOILERPLATE = re.compile(
    r"^(?:new|subscribe|daily papers|byak and the research community|get trending papers in your email inbox.*"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{1,2}(?:, \d{4})?)$",
    re.IGNORECASE,
)
GLUED_HEADER = re.compile(r"^Subscribe(?=[^\s])")
MARKERS = ("Get trending papers", "Daily Papers", "byAK and the research community")


def is_boilerplate(line: str) -> bool:
    """A header line of the listing page, not part of any paper."""
    return len(line) < 80 and BOILERPLATE.match(line.strip()) is not None


def looks_like_listing(head: str) -> bool:
    return any(m in head for m in MARKERS)


def _blocks(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Yield (first line number, text) for each block of the page.

    When the page has blank lines, a block is a run of non-blank lines; when it
    has none, every line is its own block.
    """
    lines = list(lines)
    blank_separated = any(not line.strip() for line in lines[:-1])
    start, parts = 0, []
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if number == 1:
            line = line.lstrip("\ufeff")
        if GLUED_HEADER.match(line) and not parts:
            line = line[len("Subscribe"):]
        if not line.strip() or is_boilerplate(line):
            if parts:
                yield start, " ".join(parts)
                parts = []
            continue
        if not blank_separated:
            yield number, line.strip()
            continue
        if not parts:
            start = number
        parts.append(line.strip())
    if parts:
        yield start, " ".join(parts)


def parse_listing(lines: Iterable[str], source: str = "<listing>") -> Iterator[Record | Skip]:
    """Parse listing text into records; a title without a following abstract keeps an empty abstract."""
    pending: tuple[int, str] | None = None
    for number, text in _blocks(lines):
        if pending is None:
            pending = (number, text)
            continue
        yield Record(source=source, line=pending[0], title=pending[1], abstract=text)
        pending = None
    if pending is not None:
        yield Record(source=source, line=pending[0], title=pending[1], abstract="")


def read_listing(path: str | Path) -> Iterator[Record | Skip]:
    with open(path, encoding="utf-8") as f:
        yield from parse_listing(f, str(path))
