"""CSV with a header row naming at least a title column (abstract and the JSONL metadata optional)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.ingest.jsonl import record_from_object
from kg.ingest.records import MAX_LINE_BYTES, Record, Skip

COLUMN_ALIASES = {"summary": "abstract", "name": "title", "paper_title": "title", "arxiv": "arxiv_id"}


def _allow_long_fields() -> None:
    """Let a CSV field be as long as a line may be (64 MiB) instead of the csv module's 128 KiB.

    With the module's default, a 10 MB abstract read fine from JSONL but was
    rejected from CSV as "field larger than field limit". The limit still
    bounds a field whose closing quote is missing. The setting is process-wide;
    it is only ever raised.
    """
    if csv.field_size_limit() < MAX_LINE_BYTES:
        csv.field_size_limit(MAX_LINE_BYTES)


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
    _allow_long_fields()
    reader = csv.reader(_without_bom(lines))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield Skip(source, 1, f"malformed CSV header: {exc}", "the first row must name the columns")
        return
    columns = [COLUMN_ALIASES.get(c.strip().lstrip("\ufeff").lower(), c.strip().lstrip("\ufeff").lower()) for c in header]
    if "title" not in columns:
        yield Skip(source, 1, "CSV header has no 'title' column", "name the columns, e.g. title,abstract")
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Skip(source, reader.line_num, f"malformed CSV row: {exc}", "fix the quoting of that row")
            continue
        if not any(cell.strip() for cell in row):
            continue
        obj = {c: v for c, v in zip(columns, row) if v != ""}
        if "authors" in obj:
            obj["authors"] = obj["authors"].replace(";", ",")
        yield record_from_object(obj, source, reader.line_num)


def read_csv(path: str | Path) -> Iterator[Record | Skip]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from parse_csv(f, str(path))
