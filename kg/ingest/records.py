"""What readers yield: a raw record, or a note that a line was skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field


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
