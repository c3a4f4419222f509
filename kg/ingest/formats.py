"""The input formats: which parser reads which, and how a file's format is told from its name and content."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from kg.ingest.csvfile import parse_csv
from kg.ingest.jsonl import parse_jsonl
from kg.ingest.listing import looks_like_listing, parse_listing
from kg.ingest.records import Record, Skip

FORMATS = ("listing", "jsonl", "arxiv", "csv")


EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".txt": "listing",
    ".text": "listing",
    ".md": "listing",
}


PARSERS: dict[str, Callable[[Iterable[str], str], Iterator[Record | Skip]]] = {
    "listing": parse_listing,
    "jsonl": parse_jsonl,
    "arxiv": parse_jsonl,
    "csv": parse_csv,
}


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
