"""Read papers from files, directories, globs or stdin, in any supported format, and deduplicate them.

`read_papers(inputs)` is the library entry point; the parsers in the modules
beside this one take lines, so tests feed them strings.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import stat
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
    ignored: list[SkippedRecord] = Field(default_factory=list)  # directory entries not read, and why

    @property
    def distinct_papers(self) -> int:
        return len(self.papers)

    def summary(self) -> dict:
        reasons: dict[str, int] = {}
        for s in self.skipped:
            reasons[s.reason] = reasons.get(s.reason, 0) + 1
        ignored: dict[str, int] = {}
        for s in self.ignored:
            ignored[s.reason] = ignored.get(s.reason, 0) + 1
        return {
            "files": self.files,
            "records_read": self.records_read,
            "distinct_papers": self.distinct_papers,
            "duplicates_merged": self.duplicates_merged,
            "skipped": len(self.skipped),
            "skipped_reasons": reasons,
            "ignored": len(self.ignored),
            "ignored_reasons": ignored,
        }


@dataclass
class InputFiles:
    """What the inputs name: the files to read (each once), and the directory entries left out, with why."""

    files: list[str] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)


STORE_HEADER = (b'{"format":"kg-store"', b'{"format": "kg-store"')


def _is_kg_store(path: Path) -> bool:
    """A store kg wrote (gzip JSON Lines opening with its format header), not a file of papers."""
    try:
        with open(path, "rb") as raw:
            if raw.read(2) != GZIP_MAGIC:
                return False
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as z:
                return z.read(32).startswith(STORE_HEADER)
    except (OSError, EOFError, zlib.error):
        return False


def _walk_reason(path: Path) -> str | None:
    """Why a directory walk leaves `path` out (None: read it). Files named explicitly are always read."""
    if path.name.startswith("."):
        return "hidden"
    try:
        st = path.stat()
    except OSError as exc:  # a broken link, a link loop
        return "broken or looping symlink" if path.is_symlink() else f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (device, pipe or socket)"
    ext = os.path.splitext(path.name.removesuffix(".gz"))[1].lower()
    if ext == ".md":
        return "Markdown, taken for documentation in a directory (name the file to read it as a listing)"
    if ext not in EXTENSIONS:
        walked = ", ".join(sorted(e for e in EXTENSIONS if e != ".md"))
        return f"not a paper file extension ({ext or 'none'}; a directory walk reads {walked}, also gzipped)"
    if path.name.endswith(".gz") and _is_kg_store(path):
        return "a kg store, not papers"
    return None


def _walk(directory: Path, found: InputFiles, seen_dirs: set[str]) -> None:
    """Depth-first, sorted; symlinked directories are followed once (a loop is reported, not followed)."""
    real = os.path.realpath(directory)
    if real in seen_dirs:
        found.ignored.append((str(directory), "directory already walked (symlink loop)"))
        return
    seen_dirs.add(real)
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        found.ignored.append((str(directory), f"directory cannot be read: {exc.strerror or exc}"))
        return
    for entry in entries:
        reason = _walk_reason(entry)
        if reason is not None:
            found.ignored.append((str(entry), reason))
        elif entry.is_dir():
            _walk(entry, found, seen_dirs)
        else:
            found.files.append(str(entry))


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> InputFiles:
    """Files as given, directories walked (sorted, only paper-file extensions), globs expanded, '-' kept for
    stdin. A file reached by two spellings (`a.jsonl`, `sub/../a.jsonl`, a symlink) is read once. Everything
    a walk leaves out (hidden files, other extensions, devices, link loops, kg's own stores) is listed in
    `ignored`, so it can be counted."""
    found = InputFiles()
    seen: set[str] = set()

    def add(name: str) -> None:
        key = name if name == "-" else os.path.realpath(name)
        if key in seen:
            found.ignored.append((name, "the same file as an earlier input"))
            return
        seen.add(key)
        found.files.append(name)

    for raw in inputs:
        item = os.fspath(raw)
        if item == "-":
            add(item)
        elif os.path.isdir(item):
            walked = InputFiles()
            _walk(Path(item), walked, set())
            if not walked.files:
                raise InputError(item, None, "directory has no paper files",
                                 f"point kg at a directory of {', '.join(sorted(EXTENSIONS))} files")
            for name in walked.files:
                add(name)
            found.ignored.extend(walked.ignored)
        elif os.path.exists(item):
            add(item)
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not matches:
                raise InputError(item, None, "pattern matches no files", "check the glob")
            for name in matches:
                add(name)
        else:
            raise InputError(item, None, "no such file or directory", "check the path")
    return found


def _open_binary(name: str) -> io.BufferedIOBase:
    if name == "-":
        return sys.stdin.buffer
    try:
        return open(name, "rb")
    except PermissionError:
        raise InputError(name, None, "permission denied", "make the file readable") from None
    except OSError as exc:
        raise InputError(name, None, f"cannot open: {exc.strerror}", "check the path") from None


class _Gunzip(io.RawIOBase):
    """gzip decompression that keeps every byte before the damage in a truncated or corrupt file.

    `gzip.GzipFile` raises in the read that meets the damage, and the bytes it
    had decompressed in that read (up to a whole chunk of intact records) went
    with it. Here the stream just ends at the damage and `damage` says why; the
    reader reports it after the last intact line. Concatenated members are read
    in turn, and zero padding after the last one is ignored, as gzip does.
    """

    CHUNK = 64 * 1024

    def __init__(self, raw: io.BufferedIOBase):
        self.raw = raw
        self.inflater = zlib.decompressobj(wbits=31)
        self.pending = bytearray()
        self.damage: str | None = None
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self.pending and not self.ended:
            self._inflate_more()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        del self.pending[:n]
        return n

    def _inflate_more(self) -> None:
        try:
            if self.inflater.eof:  # a member ended: what follows is another member, padding or the end
                data = self.inflater.unused_data or self.raw.read(self.CHUNK)
                while data and not data.strip(b"\0"):  # zero padding after a member, as gzip allows
                    data = self.raw.read(self.CHUNK)
                if not data:
                    self.ended = True
                    return
                self.inflater = zlib.decompressobj(wbits=31)
            else:
                data = self.raw.read(self.CHUNK)
                if not data:
                    self.ended = True
                    self.damage = "Compressed file ended before the end-of-stream marker was reached"
                    return
            self.pending += self.inflater.decompress(data)
        except (OSError, zlib.error) as exc:
            self.ended = True
            self.damage = str(exc)


class _CorruptGzip(Exception):
    """The gzip header or first block cannot be read (reported as a skip of the file)."""


def _decompress(stream: io.BufferedIOBase) -> tuple[io.BufferedIOBase, bytes, _Gunzip | None]:
    """Return a stream positioned at the start, the first bytes of its (decompressed) content, and the
    gzip decoder when the file is gzip (its `damage` is read once the stream has ended).

    Raises `_CorruptGzip` when a gzip file is damaged at its start, so the
    caller can report it like any other bad file (skipped and counted with
    --skip-bad; it used to stop the run even then).
    """
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    magic = buffered.peek(2)[:2]
    gunzip = None
    if magic == GZIP_MAGIC:
        gunzip = _Gunzip(buffered)
        buffered = io.BufferedReader(gunzip)
    try:
        head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except (OSError, EOFError, zlib.error) as exc:
        raise _CorruptGzip(str(exc)) from None
    if gunzip is not None and gunzip.damage and not head:
        raise _CorruptGzip(gunzip.damage)
    return buffered, head, gunzip


def detect_format(name: str, head: bytes) -> str | None:
    """Format from the extension when it names one, else from the content (JSON objects, a CSV header, a
    listing's page markers).

    A `.csv`, `.jsonl` or `.json` file is read as what its name says even when its text mentions "Daily
    Papers" (a CSV of listing pages was read as a listing and its rows mangled). Text files (`.txt`, `.md`)
    hold listings, but a JSON Lines file saved as `.txt` is still recognised by its content.
    """
    stem = name.removesuffix(".gz")
    ext = os.path.splitext(stem)[1].lower()
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if EXTENSIONS.get(ext) in ("csv", "jsonl"):
        return EXTENSIONS[ext]
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

    def lines(self, stream: io.BufferedIOBase, gunzip: _Gunzip | None = None) -> Iterator[str]:
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
            return
        if gunzip is not None and gunzip.damage:
            self.skips.append(Skip(self.name, number + 1, f"corrupt compressed data after line {number}: "
                                   f"{gunzip.damage}", "re-create the file; the lines before the damage were read"))


def iter_records(name: str, format: str | None = None) -> Iterator[Record | Skip]:
    """Records and skips of one input (a path or '-'), with gzip and format detection."""
    label = "<stdin>" if name == "-" else name
    if format is not None and format not in PARSERS:
        raise InputError(label, None, f"unknown format {format!r}", f"use one of {', '.join(FORMATS)}")
    try:
        raw = _open_binary(name)
    except InputError as exc:  # unreadable: a bad file like any other (stops the run, or skipped with --skip-bad)
        yield Skip(label, None, exc.problem, exc.fix)
        return
    try:
        try:
            stream, head, gunzip = _decompress(raw)
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
        yielded = 0
        for item in PARSERS[fmt](decoder.lines(stream, gunzip), label):
            if decoder.skips:
                yielded += len(decoder.skips)
                yield from decoder.skips
                decoder.skips.clear()
            yielded += 1
            yield item
        yielded += len(decoder.skips)
        yield from decoder.skips
        if not yielded:  # blank lines, control characters, a header alone: a file must give papers or say why not
            yield Skip(label, None, "no papers in the file (only blank lines, control characters or a header)",
                       "give a file with at least one paper")
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
