"""Read papers from files, directories, globs or stdin, in any supported format, and deduplicate them.

`read_papers(inputs)` is the library entry point; the parsers in the modules
beside this one take lines, so tests feed them strings.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from kg.errors import InputError
from kg.ingest.csvfile import parse_csv
from kg.ingest.jsonl import parse_jsonl
from kg.ingest.listing import looks_like_listing, parse_listing
from kg.ingest.records import MAX_LINE_BYTES, Record, Skip, SkippedLine
from kg.models import Paper, Source, Strict
from kg.text import match_key, stable_hash

FORMATS = ("listing", "jsonl", "arxiv", "csv")
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv",
    ".txt": "listing", ".text": "listing", ".md": "listing",
}
PARSERS: dict[str, Callable[[Iterable[str], str], Iterator[Record | Skip]]] = {
    "listing": parse_listing,
    "jsonl": parse_jsonl,
    "arxiv": parse_jsonl,
    "csv": parse_csv,
}
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


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

    @property
    def distinct_papers(self) -> int:
        return len(self.papers)

    def summary(self) -> dict:
        reasons: dict[str, int] = {}
        for s in self.skipped:
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
        return {
            "files": self.files,
            "records_read": self.records_read,
            "distinct_papers": self.distinct_papers,
            "duplicates_merged": self.duplicates_merged,
            "skipped": len(self.skipped),
            "skipped_reasons": reasons,
        }


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[str]:
    """Files as given, directories walked (sorted), globs expanded, '-' kept for stdin."""
    out: list[str] = []
    for raw in inputs:
        item = os.fspath(raw)
        if item == "-":
            out.append(item)
        elif os.path.isdir(item):
            found = sorted(
                str(p) for p in Path(item).rglob("*")
                if p.is_file() and not p.name.startswith(".")
            )
            if not found:
                raise InputError(item, None, "directory has no files", "point kg at a directory of paper files")
            out.extend(found)
        elif os.path.exists(item):
            out.append(item)
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not matches:
                raise InputError(item, None, "pattern matches no files", "check the glob")
            out.extend(matches)
        else:
            raise InputError(item, None, "no such file or directory", "check the path")
    return out


def _open_binary(name: str) -> io.BufferedIOBase:
    if name == "-":
        return sys.stdin.buffer
    try:
        return open(name, "rb")
    except PermissionError:
        raise InputError(name, None, "permission denied", "make the file readable") from None
    except OSError as exc:
        raise InputError(name, None, f"cannot open: {exc.strerror}", "check the path") from None


class _CorruptGzip(Exception):
    """The gzip header or first block cannot be read (reported as a skip of the file)."""


def _decompress(stream: io.BufferedIOBase) -> tuple[io.BufferedIOBase, bytes]:
    """Return a stream positioned at the start and the first bytes of its (decompressed) content.

    Raises `_CorruptGzip` when a gzip file is damaged at its start, so the
    caller can report it like any other bad file (skipped and counted with
    --skip-bad; it used to stop the run even then).
    """
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    magic = buffered.peek(2)[:2]
    if magic == GZIP_MAGIC:
        buffered = io.BufferedReader(gzip.GzipFile(fileobj=buffered))  # type: ignore[arg-type]
    try:
        head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except (OSError, EOFError, zlib.error) as exc:
        raise _CorruptGzip(str(exc)) from None
    return buffered, head


def detect_format(name: str, head: bytes) -> str | None:
    """Format from content first (JSON objects, a CSV header, listing markers), then from the extension."""
    stem = name[:-3] if name.endswith(".gz") else name
    ext = os.path.splitext(stem)[1].lower()
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.lstrip().startswith("{"):
        return "jsonl"
    if looks_like_listing(text[:2000]):
        return "listing"
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    lowered = first.lower()
    if "," in first and "title" in [c.strip().strip('"') for c in lowered.split(",")]:
        return "csv"
    return None


def split_lines(stream: io.BufferedIOBase, limit: int = MAX_LINE_BYTES,
                chunk: int = READ_CHUNK) -> Iterator[bytes | None]:
    """The lines of a byte stream without their terminators; None for a line longer than `limit` bytes.

    Lines end at LF, CRLF or a lone CR (old Mac files and some exports use CR
    only; splitting on LF alone read such a listing as one paper holding every
    record, a silent loss). Only these three bytes end a line, never U+2028 or
    other Unicode separators, which may occur inside a title. The stream is
    read in `chunk`-sized pieces, each byte is searched once, and an over-long
    line is dropped as it is read, so memory stays below `limit + chunk`
    whatever the input (one 2 GB line included).
    """
    buf = bytearray()
    scan = 0          # buf[:scan] holds no line end
    skipping = False  # inside an over-long line, already reported
    eof = False
    while not eof:
        data = stream.read(chunk)
        if data:
            buf += data
        else:
            eof = True
        pos = 0
        next_cr = -2  # -2: not searched yet; -1: no CR in buf after the search start
        while True:
            start = max(pos, scan)
            nl = buf.find(b"\n", start)
            if next_cr == -2 or 0 <= next_cr < start:
                next_cr = buf.find(b"\r", start)
            if next_cr >= 0 and (nl < 0 or next_cr < nl):
                end, after = next_cr, next_cr + 1
                if after == len(buf) and not eof:
                    break  # a CR that may be the first half of a CRLF split across reads
                if buf[after:after + 1] == b"\n":
                    after += 1
            elif nl >= 0:
                end, after = nl, nl + 1
            else:
                break
            if skipping:
                skipping = False
            elif end - pos > limit:
                yield None
            else:
                yield bytes(buf[pos:end])
            pos = after
        del buf[:pos]
        pending_cr = buf.endswith(b"\r")  # kept: it ends the line, alone or as the CR of a CRLF
        scan = len(buf) - pending_cr
        if eof:
            if buf and not skipping:
                yield bytes(buf) if len(buf) <= limit else None
            return
        if len(buf) - pending_cr > limit or (skipping and buf):
            if not skipping:
                yield None
                skipping = True
            buf.clear()
            scan = 0
            if pending_cr:
                buf += b"\r"


@dataclass
class _Decoder:
    """Decodes a byte stream line by line, noting invalid UTF-8 and over-long lines as skips.

    Every line reaches the parser ending in a single "\\n" whatever its
    terminator was (LF, CRLF or CR), so line numbers and parsers agree on
    every kind of file; a skipped line is passed on as a `SkippedLine` (an
    empty line to most parsers) so the line numbers after it stay right.
    """

    name: str
    skips: list[Skip] = field(default_factory=list)

    def lines(self, stream: io.BufferedIOBase) -> Iterator[str]:
        number = 0
        try:
            for raw in split_lines(stream):
                number += 1
                if raw is None:
                    self.skips.append(Skip(self.name, number, f"line longer than {MAX_LINE_BYTES // 2**20} MiB",
                                           "split the input into one record per line"))
                    yield SkippedLine("\n")
                    continue
                try:
                    yield raw.decode("utf-8") + "\n"
                except UnicodeDecodeError as exc:
                    self.skips.append(Skip(self.name, number, f"invalid UTF-8 at byte {exc.start}",
                                           "re-encode the file as UTF-8"))
                    yield SkippedLine("\n")
        except (OSError, EOFError, zlib.error) as exc:
            self.skips.append(Skip(self.name, number + 1, f"corrupt compressed data: {exc}", "re-create the file"))


def iter_records(name: str, format: str | None = None) -> Iterator[Record | Skip]:
    """Records and skips of one input (a path or '-'), with gzip and format detection."""
    label = "<stdin>" if name == "-" else name
    if format is not None and format not in PARSERS:
        raise InputError(label, None, f"unknown format {format!r}", f"use one of {', '.join(FORMATS)}")
    raw = _open_binary(name)
    try:
        try:
            stream, head = _decompress(raw)
        except _CorruptGzip as exc:
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
        decoder = _Decoder(label)
        for item in PARSERS[fmt](decoder.lines(stream), label):
            if decoder.skips:
                yield from decoder.skips
                decoder.skips.clear()
            yield item
        yield from decoder.skips
    finally:
        if name != "-":
            raw.close()


def _with_skip_hint(fix: str) -> str:
    return f"{fix}, or pass --skip-bad to skip it" if fix else "pass --skip-bad to skip it"


def _new_paper(record: Record, title: str) -> Paper:
    pid = record.arxiv_id or f"t-{stable_hash(match_key(title))}"
    return Paper(
        id=pid,
        title=title,
        abstract=" ".join(record.abstract.split()),
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
        paper.abstract = " ".join(other.abstract.split())
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


def read_papers(
    inputs: Iterable[str | os.PathLike],
    format: str | None = None,
    skip_bad: bool = False,
    max_papers: int | None = None,
) -> ReadReport:
    """Read every input and merge records of the same paper (same arXiv id or same normalised title).

    Without `skip_bad`, the first bad record or file raises `InputError` naming
    file and line; with it, bad records are counted in `report.skipped`.
    """
    report = ReadReport()
    by_key: dict[str, Paper] = {}
    by_arxiv: dict[str, Paper] = {}
    for name in expand_inputs(inputs):
        report.files += 1
        for item in iter_records(name, format):
            if isinstance(item, Skip):
                if not skip_bad:
                    raise InputError(item.source, item.line, item.reason, _with_skip_hint(item.fix))
                report.skipped.append(SkippedRecord(source=item.source, line=item.line, reason=item.reason))
                continue
            report.records_read += 1
            title = " ".join(item.title.split())
            key = match_key(title)
            if not key:
                skip = Skip(item.source, item.line, "record has no title", "every record needs a title with letters or digits")
                if not skip_bad:
                    raise InputError(skip.source, skip.line, skip.reason, _with_skip_hint(skip.fix))
                report.records_read -= 1
                report.skipped.append(SkippedRecord(source=skip.source, line=skip.line, reason=skip.reason))
                continue
            existing = (by_arxiv.get(item.arxiv_id) if item.arxiv_id else None) or by_key.get(key)
            if existing is not None:
                _merge_into(existing, item)
                report.duplicates_merged += 1
                if existing.arxiv_id:
                    by_arxiv.setdefault(existing.arxiv_id, existing)
                continue
            if max_papers is not None and len(report.papers) >= max_papers:
                raise InputError(item.source, item.line, f"more than --max-papers={max_papers} papers",
                                 "raise --max-papers or split the input")
            paper = _new_paper(item, title)
            report.papers.append(paper)
            by_key[key] = paper
            if paper.arxiv_id:
                by_arxiv[paper.arxiv_id] = paper
    return report


def merge_papers(existing: Iterable[Paper], new: Iterable[Paper]) -> tuple[list[Paper], int, int]:
    """Union of two paper lists with the same identity rules as `read_papers`.

    Returns (papers, added, merged): papers new to `existing`, and new records
    that matched an existing paper (their sources are added once). Papers of
    `existing` are updated in place, not copied (a store can hold millions).
    """
    papers = list(existing)
    by_key = {match_key(p.title): p for p in papers}
    by_arxiv = {p.arxiv_id: p for p in papers if p.arxiv_id}
    added = merged = 0
    for p in new:
        hit = (by_arxiv.get(p.arxiv_id) if p.arxiv_id else None) or by_key.get(match_key(p.title))
        if hit is None:
            papers.append(p)
            by_key[match_key(p.title)] = p
            if p.arxiv_id:
                by_arxiv[p.arxiv_id] = p
            added += 1
            continue
        merged += 1
        for s in p.sources:
            if s not in hit.sources:
                hit.sources.append(s)
        _fill_missing(hit, p)
    return papers, added, merged
