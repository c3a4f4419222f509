"""The daily-papers listing text: a page header, then title and abstract pairs.

Two layouts occur. In one, title and abstract are blocks separated by blank
lines under a header with date lines ("Jul 29"). In the other there are no
blank lines: one line per title then one per abstract, and the header's last
word is glued to the first title ("SubscribeMixture-of-Experts with ...").
Both reduce to the same thing once boilerplate is dropped: an alternation of
title and abstract blocks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.ingest.records import MAX_LINE_BYTES, Record, Skip, SkippedLine

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


MAX_BLOCK_CHARS = MAX_LINE_BYTES
"""Longest block (a title or an abstract, possibly over several lines) and longest stretch read before the
layout is known. Both used to be unbounded: the whole file was held in memory to find the layout."""

Block = tuple[int, str, str | None]
"""A title or abstract block: its first line number, its text, and its problem (None, unreadable, too long)."""

_UNREADABLE = "unreadable"  # a block holding a line the decoder already reported
_TOO_LONG = "too long"


def _with_layout(lines: Iterable[str], limit: int) -> tuple[bool, Iterator[str]]:
    """(blank_separated, the lines again), reading ahead only as far as needed to decide the layout.

    The page is blank-line separated when a blank line occurs before its last
    line. Lines are buffered until that is seen or the file ends; a page with
    no blank line in its first `limit` characters is taken as the line layout,
    so a huge page is never held whole.
    """
    stream = iter(lines)
    head: list[str] = []
    size = 0
    blank_seen = False
    for line in stream:
        head.append(line)
        if blank_seen:
            return True, itertools.chain(head, stream)
        size += len(line)
        if not line.strip() and not isinstance(line, SkippedLine):
            blank_seen = True
        elif size > limit:
            return False, itertools.chain(head, stream)
    return False, iter(head)


def _blocks(lines: Iterable[str], limit: int | None = None) -> Iterator[Block]:
    """Yield (first line number, text, problem) for each block of the page.

    When the page has blank lines, a block is a run of non-blank lines; when it
    has none, every line is its own block. `problem` is None, `_UNREADABLE`
    (the block holds a line the decoder could not read and has reported) or
    `_TOO_LONG` (more than `limit` characters, dropped as it is read).
    """
    limit = MAX_BLOCK_CHARS if limit is None else limit
    blank_separated, lines = _with_layout(lines, limit)
    parts: list[str] = []
    start, size, problem = 0, 0, None
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, SkippedLine):
            if not blank_separated:
                yield number, "", _UNREADABLE
                continue
            if not parts and problem is None:
                start = number
            problem = problem or _UNREADABLE
            continue
        line = raw.rstrip("\r\n")
        if number == 1:
            line = line.lstrip("\ufeff")
        if GLUED_HEADER.match(line) and not parts and problem is None:
            line = line[len("Subscribe") :]
        if not line.strip() or is_boilerplate(line):
            if parts or problem:
                yield start, " ".join(parts), problem
                parts, size, problem = [], 0, None
            continue
        if not blank_separated:
            yield number, line.strip(), None
            continue
        if not parts and problem is None:
            start = number
        if problem is None:
            size += len(line)
            if size > limit:
                parts, problem = [], _TOO_LONG
            else:
                parts.append(line.strip())
    if parts or problem:
        yield start, " ".join(parts), problem


TITLE_MAX_CHARS = 400
"""Longest block that can be a title. arXiv titles run to about 250 characters (the longest of the 531 in the
sample corpus has 168) while abstracts rarely run under 400 (the two shortest there: 278 and 460). A longer
block where a title should be is an abstract, and shows that the title/abstract alternation was broken."""


def _is_abstract(block: Block) -> bool:
    """Whether the block is certainly an abstract: readable and longer than any title."""
    return block[2] is None and len(block[1]) > TITLE_MAX_CHARS


def _entries(blocks: Iterable[Block]) -> Iterator[tuple[Block, Block | None, bool]]:
    """Pair blocks as (title, abstract or None, is_orphan), keeping the alternation where the page breaks it.

    Blocks alternate title, abstract, and on a well-formed page (no title longer
    than `TITLE_MAX_CHARS`) this is plain alternation. A block too long to be a
    title that lands where a title should be proves one entry lost a part:
    - the block just before it in the abstract slot is short and has no closing
      full stop: it is the next paper's title, and the title before it had no
      abstract (kept, with an empty abstract);
    - otherwise the long block is an abstract without a title (yielded as an
      orphan, to be reported).
    Either way the pairs after the damage are the page's own, never shifted.
    """
    stream = iter(blocks)
    lookahead: list[Block] = []

    def take() -> Block | None:
        return lookahead.pop() if lookahead else next(stream, None)

    while (title := take()) is not None:
        if _is_abstract(title):
            yield title, None, True
            continue
        abstract = take()
        if abstract is None:
            yield title, None, False
            return
        if not _is_abstract(abstract) and abstract[2] is None:
            after = take()
            if after is not None:
                lookahead.append(after)
                if _is_abstract(after) and not abstract[1].rstrip().endswith("."):
                    yield title, None, False  # `abstract` is the next title; `after` is its abstract
                    lookahead.append(abstract)
                    continue
        yield title, abstract, False


def parse_listing(lines: Iterable[str], source: str = "<listing>") -> Iterator[Record | Skip]:
    """Parse listing text into records; a title without an abstract keeps an empty abstract.

    A title or abstract that cannot be read drops its record: reported once,
    by the decoder for an unreadable line or here for an over-long block. An
    abstract without a title is reported (see `_entries`). A listing is known
    by its structure: a file where no title is followed by an abstract (a
    note, a README) is not one, and is reported as a whole instead of becoming
    papers named after its lines.
    """
    held: list[Record | Skip] = []  # items before the first record with an abstract
    paired = False
    for title, abstract, orphan in _entries(_blocks(lines)):
        items: Iterable[Record | Skip]
        if orphan:
            items = [
                Skip(
                    source,
                    title[0],
                    f"a paragraph of {len(title[1]):,} characters where a title should be:"
                    " an abstract without its title",
                    f"put the paper's title on the line before it (titles are at most {TITLE_MAX_CHARS} characters)",
                )
            ]
        else:
            items = _record(source, title, abstract)
        for item in items:
            if paired:
                yield item
            else:
                held.append(item)
                if isinstance(item, Record) and item.abstract.strip():
                    paired = True
                    yield from held
                    held.clear()
    if not paired:
        if any(isinstance(item, Record) for item in held):
            first = next(item.line for item in held if isinstance(item, Record))
            yield Skip(
                source,
                first,
                "no title is followed by an abstract: not a listing page",
                "a listing has each title followed by its abstract; pass --format if it is another format",
            )
        else:
            yield from held


def _record(source: str, title: Block, abstract: Block | None) -> Iterator[Record | Skip]:
    for number, _, problem in (title, abstract or (0, "", None)):
        if problem == _TOO_LONG:
            size = f"{MAX_BLOCK_CHARS // 2**20} Mi" if MAX_BLOCK_CHARS >= 2**20 else str(MAX_BLOCK_CHARS)
            yield Skip(
                source,
                number,
                f"paragraph longer than {size} characters",
                "separate titles and abstracts by blank lines",
            )
            return
        if problem == _UNREADABLE:
            return
    yield Record(source=source, line=title[0], title=title[1], abstract=abstract[1] if abstract else "")


def read_listing(path: str | Path) -> Iterator[Record | Skip]:
    with open(path, encoding="utf-8") as f:
        yield from parse_listing(f, str(path))
