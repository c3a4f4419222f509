"""Linked papers as Parquet: what `kg link --engine spark -o DIR` writes, and `iter_linked`, which reads it back
for `kg build --from-mentions DIR`.

The directory holds three things, all written by the Spark job and renamed into place together:

- `papers/`: one row per paper (the `Paper` model's fields, `sources` as file/line structs), sorted by id;
- `mentions/`: one row per entity linked in a paper (the fields of `kg.model.types.Evidence`, its mentions as
  start/end/surface/rule/citation structs), sorted by (paper_id, position): `position` is the entity's place in
  the paper's evidence, in order of first mention;
- `kg-mentions.json`: the manifest (`MANIFEST`): format, version, kg's version, the catalogs linked with, and
  what was read (files, records, skips, duplicates merged) and written.

Both tables are split into part files whose names sort in id order (`part-00000-…`, `part-00001-…`), so the
reader merges them in one pass, a record batch at a time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.model.errors import InputError
from kg.model.types import Evidence, Paper, Source

FORMAT = "kg-mentions"
VERSION = 1
MANIFEST = "kg-mentions.json"
PAPERS, MENTIONS = "papers", "mentions"

PAPER_COLUMNS = ("id", "title", "abstract", "sources", "arxiv_id", "authors", "year", "url", "categories")
MENTION_COLUMNS = (
    "paper_id",
    "position",
    "entity_id",
    "name",
    "type",
    "source",
    "parent",
    "confidence",
    "introduced",
    "mentions",
)
"""The columns of each table, in order (the Spark job's schemas, `kg.link.spark.schema`, hold to these)."""

BATCH_ROWS = 4096
"""Rows read at a time from a part file: the reader holds a batch of each table, not the corpus."""

FIX = "make it with kg link --engine spark INPUT... -o DIR"


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a mention directory, checked: a `kg.model.errors.InputError` naming what is wrong."""
    root = Path(directory)
    if not root.exists():
        raise InputError(str(root), None, "no such directory", f"check the path, or {FIX}")
    if not root.is_dir():
        raise InputError(str(root), None, "not a directory of linked papers", FIX)
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(root), None, f"not kg's mention output (no {MANIFEST})", FIX) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(str(path), None, f"cannot read the manifest: {exc}", FIX) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(str(path), None, f"not a {FORMAT} manifest", FIX)
    if manifest.get("version") != VERSION:
        raise InputError(str(path), None, f"{FORMAT} version {manifest.get('version')!r}; this kg reads {VERSION}", FIX)
    for table in (PAPERS, MENTIONS):
        if not (root / table).is_dir():
            raise InputError(str(root), None, f"no {table}/ directory: not kg's mention output", FIX)
    return manifest


def part_files(directory: str | os.PathLike[str], table: str) -> list[Path]:
    """The Parquet part files of one table, in name order (which is id order)."""
    return sorted(p for p in (Path(directory) / table).iterdir() if p.suffix == ".parquet" and p.name[0] not in "._")


def _rows(files: list[Path], columns: tuple[str, ...]) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The rows of part files, in order, as dicts, a batch at a time."""
    import pyarrow.parquet as pq

    for path in files:
        try:
            parquet = pq.ParquetFile(path)
            missing = [c for c in columns if c not in parquet.schema_arrow.names]
            if missing:
                raise InputError(str(path), None, f"no column {missing[0]!r}: not kg's mention output", FIX)
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=list(columns)):
                for row in batch.to_pylist():
                    yield path, row
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InputError(str(path), None, f"cannot read the Parquet file: {exc}", FIX) from None


def paper_of_row(row: dict[str, Any]) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        sources=[Source(file=s["file"], line=s["line"]) for s in row["sources"]],
        arxiv_id=row["arxiv_id"],
        authors=row["authors"] or [],
        year=row["year"],
        url=row["url"],
        categories=row["categories"] or [],
    )


def evidence_of_row(row: dict[str, Any]) -> Evidence:
    return Evidence(
        row["entity_id"],
        row["name"],
        row["type"],
        row["source"],
        row["parent"],
        row["confidence"],
        row["introduced"],
        [(m["start"], m["end"], m["surface"], m["rule"], m["citation"]) for m in row["mentions"]],
    )


def iter_linked(directory: str | os.PathLike[str]) -> Iterator[tuple[Paper, list[Evidence]]]:
    """Each paper of a mention directory with its evidence, in paper id order (the order `kg build` links and
    adds papers in), reading a batch of rows of each table at a time.

    A directory that is not kg's mention output, a part file that cannot be read, rows out of order or a mention
    of a paper the papers table lacks: a one-line `InputError` naming the directory or file."""
    read_manifest(directory)
    mentions = _rows(part_files(directory, MENTIONS), MENTION_COLUMNS)
    pending = next(mentions, None)
    previous: str | None = None
    for path, row in _rows(part_files(directory, PAPERS), PAPER_COLUMNS):
        pid = row["id"]
        if previous is not None and pid <= previous:
            raise InputError(str(path), None, f"paper {pid!r} after {previous!r}: rows not in id order", FIX)
        previous = pid
        found: list[Evidence] = []
        while pending is not None and pending[1]["paper_id"] <= pid:
            where, mention = pending
            if mention["paper_id"] != pid or mention["position"] != len(found):
                raise InputError(
                    str(where),
                    None,
                    f"mention of paper {mention['paper_id']!r} (position {mention['position']}) out of place",
                    FIX,
                )
            found.append(evidence_of_row(mention))
            pending = next(mentions, None)
        yield paper_of_row(row), found
    if pending is not None:
        raise InputError(str(pending[0]), None, f"mention of paper {pending[1]['paper_id']!r}, not in papers/", FIX)
