"""Bytes to lines: opening a path or stdin, gzip that keeps what precedes damage, line splitting with a size cap, and
UTF-8 decoding that reports the lines it cannot read."""

from __future__ import annotations

import io
import sys
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from kg.ingest.records import MAX_LINE_BYTES, Skip, SkippedLine
from kg.model.errors import InputError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


def open_binary(name: str) -> io.BufferedIOBase:
    if name == "-":
        return cast(io.BufferedIOBase, sys.stdin.buffer)  # typed BinaryIO; a BufferedReader (BytesIO in click tests)
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

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self.pending and not self.ended:
            self._inflate_more()
        with memoryview(buffer) as view:  # released before returning: the caller may release `buffer` then
            n = min(len(view), len(self.pending))
            view[:n] = self.pending[:n]
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


class CorruptGzip(Exception):
    """The gzip header or first block cannot be read (reported as a skip of the file)."""


def decompress(stream: io.BufferedIOBase) -> tuple[io.BufferedIOBase, bytes, _Gunzip | None]:
    """Return a stream positioned at the start, the first bytes of its (decompressed) content, and the
    gzip decoder when the file is gzip (its `damage` is read once the stream has ended).

    Raises `CorruptGzip` when a gzip file is damaged at its start, so the
    caller can report it like any other bad file (skipped and counted with
    --skip-bad; it used to stop the run even then).
    """
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    magic = buffered.peek(2)[:2]
    if magic == GZIP_MAGIC[:1]:  # one byte, the first of gzip's two: a gzip file cut after its first byte
        raise CorruptGzip("the gzip header is cut short after 1 byte")
    gunzip = None
    if magic == GZIP_MAGIC:
        gunzip = _Gunzip(buffered)
        buffered = io.BufferedReader(gunzip)
    try:
        head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except (OSError, EOFError, zlib.error) as exc:
        raise CorruptGzip(str(exc)) from None
    if gunzip is not None and gunzip.damage and not head:
        raise CorruptGzip(gunzip.damage)
    return buffered, head, gunzip


def split_lines(
    stream: io.BufferedIOBase, limit: int = MAX_LINE_BYTES, chunk: int = READ_CHUNK
) -> Iterator[bytes | None]:
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
    scan = 0  # buf[:scan] holds no line end
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
                if buf[after : after + 1] == b"\n":
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
class Decoder:
    """Decodes a byte stream line by line, noting invalid UTF-8 and over-long lines as skips.

    Every line reaches the parser ending in a single "\\n" whatever its
    terminator was (LF, CRLF or CR), so line numbers and parsers agree on
    every kind of file; a skipped line is passed on as a `SkippedLine` (an
    empty line to most parsers) so the line numbers after it stay right.
    """

    name: str
    skips: list[Skip] = field(default_factory=list)
    lines_read: int = 0
    ended: bool = False

    def lines(self, stream: io.BufferedIOBase, gunzip: _Gunzip | None = None) -> Generator[str, None, None]:
        """The stream's lines, decoded; once it has ended or been closed, `lines_read` says how many it gave."""
        number = 0
        try:
            for raw in split_lines(stream):
                number += 1
                if raw is None:
                    self.skips.append(
                        Skip(
                            self.name,
                            number,
                            f"line longer than {MAX_LINE_BYTES // 2**20} MiB",
                            "split the input into one record per line",
                        )
                    )
                    yield SkippedLine("\n")
                    continue
                try:
                    yield raw.decode("utf-8") + "\n"
                except UnicodeDecodeError as exc:
                    self.skips.append(
                        Skip(self.name, number, f"invalid UTF-8 at byte {exc.start}", "re-encode the file as UTF-8")
                    )
                    yield SkippedLine("\n")
        except (OSError, EOFError, zlib.error) as exc:
            self.ended = True
            self.skips.append(Skip(self.name, number + 1, f"corrupt compressed data: {exc}", "re-create the file"))
            return
        finally:
            self.lines_read = number
        self.ended = True
        if gunzip is not None and gunzip.damage:
            self._report_damage(number, gunzip.damage)

    def drain(self, stream: io.BufferedIOBase, gunzip: _Gunzip) -> None:
        """Read what a parser left unread of a gzip stream, so damage after where it stopped is still reported.

        A parser may stop before the end (a CSV whose header names no title
        column): the records after it are not read, and without this a cut
        gzip file would not say they were lost to damage.
        """
        if self.ended:
            return
        self.ended = True
        try:
            while stream.read(READ_CHUNK):
                pass
        except (OSError, EOFError, zlib.error) as exc:
            self.skips.append(
                Skip(self.name, self.lines_read + 1, f"corrupt compressed data: {exc}", "re-create the file")
            )
            return
        if gunzip.damage:
            self._report_damage(self.lines_read, gunzip.damage)

    def _report_damage(self, number: int, damage: str) -> None:
        self.skips.append(
            Skip(
                self.name,
                number + 1,
                f"corrupt compressed data after line {number}: {damage}",
                "re-create the file; the lines before the damage were read",
            )
        )
