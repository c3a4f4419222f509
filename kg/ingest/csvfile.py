"""CSV with a header row naming at least a title column (abstract and the JSONL metadata optional)."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.ingest.jsonl import record_from_object
from kg.ingest.records import MAX_LINE_BYTES, Record, Skip

COLUMN_ALIASES = {"summary": "abstract", "name": "title", "paper_title": "title", "arxiv": "arxiv_id"}


def _next_row(reader: Iterator[list[str]]) -> list[str]:
    """The reader's next row, read with fields allowed to be as long as a line may be (64 MiB).

    With the csv module's default of 128 KiB, a 10 MB abstract read fine from
    JSONL but was rejected from CSV as "field larger than field limit". The
    limit still bounds a field whose closing quote is missing. The limit is
    process-wide state, so it is raised only while one row is read and then put
    back (reading a CSV file used to raise it for good, for every csv reader in
    the process). Per row, not per file: the caller runs between rows, and two
    files may be read in turns; it costs three cheap calls a row.
    """
    previous = csv.field_size_limit()
    if previous >= MAX_LINE_BYTES:
        return next(reader)
    csv.field_size_limit(MAX_LINE_BYTES)
    try:
        return next(reader)
    finally:
        csv.field_size_limit(previous)


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    """The lines with a UTF-8 BOM removed from the first one, before the csv module sees it.

    Left in place, the BOM stands before a quoted header's opening quote, so
    `"title","abstract"` (Excel's "CSV UTF-8" with quoting) read as the column
    `"title"`, quotes included, and the file was refused for lacking a title column.
    """
    first = True
    for line in lines:
        yield line.lstrip("\ufeff") if first else line
        first = False


def parse_csv(lines: Iterable[str], source: str = "<csv>") -> Iterator[Record | Skip]:
    """Records of a CSV file; a row that cannot be read is reported at its first line, never merged with others.

    The csv module runs in strict mode, so a stray or unclosed quote is an error instead of a field that
    silently swallows the rows after it. After an error, reading starts again on the line after the bad
    row's first line, so every intact row after it is kept (an unclosed quote costs one row, not the rest
    of the file). A row with more fields than the header names is reported too: the extra values would
    otherwise be dropped without a word.
    """
    source_lines = iter(_without_bom(lines))
    replay: deque[tuple[int, str]] = deque()  # lines of a bad row, read again after it is reported
    row_lines: list[tuple[int, str]] = []  # lines the current row has consumed, with their numbers
    count = 0

    def feed() -> Iterator[str]:
        nonlocal count
        while True:
            if replay:
                item = replay.popleft()
            else:
                line = next(source_lines, None)
                if line is None:
                    return
                count += 1
                item = (count, line)
            row_lines.append(item)
            yield item[1]

    reader = csv.reader(feed(), strict=True)
    try:
        header = _next_row(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield Skip(source, 1, f"malformed CSV header: {exc}", "the first row must name the columns")
        return
    names = [c.strip().lstrip("\ufeff").lower() for c in header]
    columns = [COLUMN_ALIASES.get(name, name) for name in names]
    if "title" not in columns:
        yield Skip(source, 1, "CSV header has no 'title' column", "name the columns, e.g. title,abstract")
        return
    while True:
        row_lines.clear()
        try:
            row = _next_row(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first, *rest = row_lines or [(count, "")]
            unclosed = "unexpected end of data" in str(exc) or "field larger than field limit" in str(exc)
            reason = (
                f"malformed CSV row: a quoted field is never closed ({exc})"
                if unclosed
                else f"malformed CSV row: {exc}"
            )
            yield Skip(
                source,
                first[0],
                reason,
                'fix the quoting of that row (a quote inside a quoted field is written twice: "")',
            )
            replay.extendleft(reversed(rest))
            reader = csv.reader(feed(), strict=True)
            continue
        line = row_lines[0][0] if row_lines else reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns) :]):
            yield Skip(
                source,
                line,
                f"CSV row has {len(row)} fields, the header names {len(columns)}",
                "quote fields that contain commas",
            )
            continue
        obj = {c: v for c, v in zip(columns, row) if v != ""}
        if "authors" in obj:
            obj["authors"] = obj["authors"].replace(";", ",")
        yield record_from_object(obj, source, line)


def read_csv(path: str | Path) -> Iterator[Record | Skip]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from parse_csv(f, str(path))
