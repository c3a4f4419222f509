"""`read_papers`: every input's records read or reported, cleaned into papers, and duplicates merged."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from pydantic import Field

from kg.ingest.decode import CorruptGzip, Decoder, decompress, open_binary
from kg.ingest.formats import FORMATS, PARSERS, detect_format
from kg.ingest.inputs import expand_inputs
from kg.ingest.records import Record, Skip
from kg.model.errors import InputError
from kg.model.text import collapse_whitespace, match_key, stable_hash
from kg.model.types import Paper, Source, Strict


class SkippedRecord(Strict):
    source: str
    line: int | None
    reason: str


class ReadReport(Strict):
    """What `read_papers` found: the distinct papers and every count a user needs to trust them."""

    files: int = 0
    records_read: int = 0
    papers: list[Paper] = Field(default_factory=list)
    duplicates_merged: int = 0
    skipped: list[SkippedRecord] = Field(default_factory=list)
    ignored: list[SkippedRecord] = Field(default_factory=list)  # directory entries not read, and why

    distinct: int = 0  # distinct papers, whether `papers` holds them or a table on disk does (`read_into`)

    @property
    def distinct_papers(self) -> int:
        return self.distinct

    def summary(self) -> dict[str, Any]:
        """Counts and reasons as JSON values (`kg read --json` adds the skipped records to it)."""
        return read_summary(
            self.files, self.records_read, self.distinct_papers, self.duplicates_merged, self.skipped, self.ignored
        )


def read_summary(
    files: int,
    records_read: int,
    distinct_papers: int,
    duplicates_merged: int,
    skipped: list[SkippedRecord],
    ignored: list[SkippedRecord],
) -> dict[str, Any]:
    """What a reading found, as JSON values: the counts, and the skipped and ignored entries per reason
    (`ReadReport.summary`; `kg link --engine spark`'s report too)."""
    reasons: dict[str, int] = {}
    for s in skipped:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    ignored_reasons: dict[str, int] = {}
    for s in ignored:
        ignored_reasons[s.reason] = ignored_reasons.get(s.reason, 0) + 1
    return {
        "files": files,
        "records_read": records_read,
        "distinct_papers": distinct_papers,
        "duplicates_merged": duplicates_merged,
        "skipped": len(skipped),
        "skipped_reasons": reasons,
        "ignored": len(ignored),
        "ignored_reasons": ignored_reasons,
    }


def iter_records(name: str, format: str | None = None, label: str | None = None) -> Iterator[Record | Skip]:
    """Records and skips of one input (a path or '-'), with gzip and format detection. `label`: the name its
    records and skips give as their source, if not `name` (a Spark executor opens the absolute path)."""
    label = label or ("<stdin>" if name == "-" else name)
    if format is not None and format not in PARSERS:
        raise InputError(label, None, f"unknown format {format!r}", f"use one of {', '.join(FORMATS)}")
    try:
        raw = open_binary(name)
    except InputError as exc:  # unreadable: a bad file like any other (stops the run, or skipped with --skip-bad)
        yield Skip(label, None, exc.problem, exc.fix)
        return
    try:
        try:
            stream, head, gunzip = decompress(raw)
        except CorruptGzip as exc:
            yield Skip(label, None, f"corrupt gzip data: {exc}", "re-create the file")
            return
        if not head.removeprefix(b"\xef\xbb\xbf").strip():
            yield Skip(label, None, "file is empty", "give a file with at least one paper")
            return
        if b"\x00" in head:
            yield Skip(label, None, "binary file, not text", "give a text file: listing, JSONL, arXiv JSONL or CSV")
            return
        fmt = format or detect_format(label, head)
        if fmt is None:
            yield Skip(label, None, "unknown format", "pass --format listing|jsonl|arxiv|csv")
            return
        decoder = Decoder(label)
        yielded = 0
        lines = decoder.lines(stream, gunzip)
        for item in PARSERS[fmt](lines, label):
            if decoder.skips:
                yielded += len(decoder.skips)
                yield from decoder.skips
                decoder.skips.clear()
            yielded += 1
            yield item
        if gunzip is not None:  # a parser that stopped early (a CSV without a title column) left the rest unread
            lines.close()
            decoder.drain(stream, gunzip)
        yielded += len(decoder.skips)
        yield from decoder.skips
        if not yielded:  # blank lines, control characters, a header alone: a file must give papers or say why not
            yield Skip(
                label,
                None,
                "no papers in the file (only blank lines, control characters or a header)",
                "give a file with at least one paper",
            )
    finally:
        if name != "-":
            raw.close()


def _with_skip_hint(fix: str) -> str:
    return f"{fix}, or pass --skip-bad to skip it" if fix else "pass --skip-bad to skip it"


def _new_paper(record: Record, title: str, key: str) -> Paper:
    """A paper from its first record; `key` is `match_key(title)`."""
    pid = record.arxiv_id or f"t-{stable_hash(key)}"
    return Paper(
        id=pid,
        title=title,
        abstract=collapse_whitespace(record.abstract),
        sources=[Source(file=record.source, line=record.line)],
        arxiv_id=record.arxiv_id,
        authors=record.authors,
        year=record.year,
        url=record.url,
        categories=record.categories,
    )


def _fill_missing(paper: Paper, other: Record | Paper) -> None:
    """Take the abstract, arXiv id, year and url from another reading of the same paper where `paper` lacks them."""
    if not paper.abstract and other.abstract.strip():
        paper.abstract = collapse_whitespace(other.abstract)
    for attr in ("arxiv_id", "year", "url"):
        if getattr(paper, attr) is None and getattr(other, attr) is not None:
            setattr(paper, attr, getattr(other, attr))


def _merge_into(paper: Paper, record: Record) -> None:
    paper.sources.append(Source(file=record.source, line=record.line))
    _fill_missing(paper, record)
    if not paper.authors:
        paper.authors = record.authors
    if not paper.categories:
        paper.categories = record.categories


def merged_paper(records: Sequence[Record]) -> Paper:
    """The paper `read_papers` makes of the records of one paper, given in the order they were read: the first
    record's fields, every record's source, and missing fields filled from later records (`kg link --engine
    spark` groups a paper's records on its executors and merges them here)."""
    first = records[0]
    title = collapse_whitespace(first.title)
    paper = _new_paper(first, title, match_key(title))
    for record in records[1:]:
        _merge_into(paper, record)
    return paper


class PaperIndex(Protocol):
    """Where the identity rules find and keep papers: `PaperList` in memory, or a `kg.ingest.paper_table.PaperTable`
    on disk for a corpus too big for one (`kg build`)."""

    def __len__(self) -> int: ...

    def find(self, arxiv_id: str | None, key: str) -> tuple[int, Paper] | None:
        """The paper registered under `arxiv_id`, else the one with title key `key`, and its position."""
        ...

    def add(self, paper: Paper, key: str | None = None) -> None:
        """A new paper, registered under its arXiv id and its title key (`key`, else `match_key` of its title)."""
        ...

    def update(self, pos: int, paper: Paper, register: bool) -> None:
        """The paper at `pos` was changed by a merge; with `register` it is found by its arXiv id too (unless
        another paper already is)."""
        ...


class PaperList:
    """Papers in memory with the identity rules' two lookups: by arXiv id and by title key (`match_key`)."""

    def __init__(self, papers: Iterable[Paper] = ()) -> None:
        self.papers = list(papers)
        self.by_key = {match_key(p.title): i for i, p in enumerate(self.papers)}
        self.by_arxiv = {p.arxiv_id: i for i, p in enumerate(self.papers) if p.arxiv_id}

    def __len__(self) -> int:
        return len(self.papers)

    def find(self, arxiv_id: str | None, key: str) -> tuple[int, Paper] | None:
        i = self.by_arxiv.get(arxiv_id) if arxiv_id else None
        if i is None:
            i = self.by_key.get(key)
        return None if i is None else (i, self.papers[i])

    def add(self, paper: Paper, key: str | None = None) -> None:
        self.by_key[match_key(paper.title) if key is None else key] = len(self.papers)
        if paper.arxiv_id:
            self.by_arxiv[paper.arxiv_id] = len(self.papers)
        self.papers.append(paper)

    def update(self, pos: int, paper: Paper, register: bool) -> None:
        if register and paper.arxiv_id:
            self.by_arxiv.setdefault(paper.arxiv_id, pos)


def read_papers(
    inputs: Iterable[str | os.PathLike[str]],
    format: str | None = None,
    skip_bad: bool = False,
    max_papers: int | None = None,
) -> ReadReport:
    """Read every input and merge records of the same paper (same arXiv id or same normalised title).

    Without `skip_bad`, the first bad record or file raises `InputError` naming
    file and line; with it, bad records are counted in `report.skipped`.
    """
    papers = PaperList()
    report = read_into(inputs, papers, format=format, skip_bad=skip_bad, max_papers=max_papers)
    report.papers = papers.papers
    return report


def read_into(
    inputs: Iterable[str | os.PathLike[str]],
    papers: PaperIndex,
    *,
    format: str | None = None,
    skip_bad: bool = False,
    max_papers: int | None = None,
) -> ReadReport:
    """`read_papers`, keeping the papers in `papers` (the report's `papers` stays empty): one reading of the
    identity rules for a list in memory and for a table on disk."""
    report = ReadReport()
    found = expand_inputs(inputs)
    report.ignored = [SkippedRecord(source=name, line=None, reason=why) for name, why in found.ignored]
    for name in found.files:
        report.files += 1
        for item in iter_records(name, format):
            if isinstance(item, Skip):
                if not skip_bad:
                    raise InputError(item.source, item.line, item.reason, _with_skip_hint(item.fix))
                report.skipped.append(SkippedRecord(source=item.source, line=item.line, reason=item.reason))
                continue
            report.records_read += 1
            title = collapse_whitespace(item.title)
            key = match_key(title)
            if not key:
                skip = Skip(
                    item.source, item.line, "record has no title", "every record needs a title with letters or digits"
                )
                if not skip_bad:
                    raise InputError(skip.source, skip.line, skip.reason, _with_skip_hint(skip.fix))
                report.records_read -= 1
                report.skipped.append(SkippedRecord(source=skip.source, line=skip.line, reason=skip.reason))
                continue
            hit = papers.find(item.arxiv_id, key)
            if hit is not None:
                pos, existing = hit
                _merge_into(existing, item)
                report.duplicates_merged += 1
                papers.update(pos, existing, register=True)
                continue
            if max_papers is not None and len(papers) >= max_papers:
                raise InputError(
                    item.source,
                    item.line,
                    f"more than --max-papers={max_papers} papers",
                    "raise --max-papers or split the input",
                )
            papers.add(_new_paper(item, title, key), key)
    report.distinct = len(papers)
    return report


def merge_papers(existing: Iterable[Paper], new: Iterable[Paper]) -> tuple[list[Paper], int, int]:
    """Union of two paper lists with the same identity rules as `read_papers`.

    Returns (papers, added, merged): papers new to `existing`, and new records
    that matched an existing paper (their sources are added once). Papers of
    `existing` are updated in place, not copied (a store can hold millions).
    """
    papers = PaperList(existing)
    added, merged = merge_into(papers, new)
    return papers.papers, added, merged


def merge_into(papers: PaperIndex, new: Iterable[Paper]) -> tuple[int, int]:
    """`merge_papers` into `papers` (in memory or on disk): (added, merged)."""
    added = merged = 0
    for p in new:
        key = match_key(p.title)
        hit = papers.find(p.arxiv_id, key)
        if hit is None:
            papers.add(p, key)
            added += 1
            continue
        merged += 1
        pos, existing = hit
        for s in p.sources:
            if s not in existing.sources:
                existing.sources.append(s)
        _fill_missing(existing, p)
        papers.update(pos, existing, register=False)
    return added, merged
