"""What readers yield: a raw record, or a note that a line was skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longest line (and longest CSV field) a reader accepts. Anything longer is reported as a skip, so an absurd
input (one 2 GB line) costs at most this much memory instead of exhausting it."""


@dataclass(slots=True)
class Record:
    """One record as read, before cleaning and deduplication."""

    source: str
    line: int
    title: str
    abstract: str = ""
    id: str | None = None
    arxiv_id: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    url: str | None = None
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Skip:
    """A record or file that could not be read; `reason` says what was wrong and what to do."""

    source: str
    line: int | None
    reason: str
    fix: str = ""


class SkippedLine(str):
    """Stands in for a line the decoder could not read (invalid UTF-8, over-long), already reported as a Skip.

    It equals "\\n", so the JSONL and CSV parsers pass over it like an empty
    line and the line numbers after it stay right. The listing parser needs to
    know it held text: there a blank line separates blocks, and taking an
    unreadable line for a blank one re-paired every title and abstract after it.
    """

    __slots__ = ()
