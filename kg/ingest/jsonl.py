"""JSON Lines: one paper per line, either kg's own fields or the arXiv metadata snapshot.

kg's fields: title, abstract; optional id, arxiv_id, authors, year, url. Other
fields (the gold files' `key` and `entities`) are ignored. The arXiv snapshot
has id, title, abstract, authors (one string), categories (space separated)
and update_date; its titles and abstracts wrap across lines and carry LaTeX.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from kg.ingest.records import Record, Skip

JSONObject = dict[str, Any]
"""One decoded JSON object (a CSV row is made into one too). Any: its values are whatever the file held, and
`record_from_object` checks each field it keeps."""

ARXIV_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?$")
ARXIV_OLD_ID = re.compile(r"^[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})\d{5}(?:v\d+)?$")
_AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")


def arxiv_year(arxiv_id: str) -> int | None:
    """The submission year encoded in an arXiv id (2101.00001 -> 2021, hep-th/9901001 -> 1999)."""
    m = ARXIV_NEW_ID.match(arxiv_id) or ARXIV_OLD_ID.match(arxiv_id)
    if not m:
        return None
    yy = int(m.group(1))
    return 2000 + yy if yy < 90 else 1900 + yy


def normalise_arxiv_id(value: str) -> str | None:
    """'arXiv:2101.00001v2' -> '2101.00001'; None when it is not an arXiv id."""
    v = value.strip()
    v = re.sub(r"^(?:arxiv:|https?://arxiv\.org/(?:abs|pdf)/)", "", v, flags=re.IGNORECASE)
    v = re.sub(r"(?:\.pdf)?$", "", v)
    if ARXIV_NEW_ID.match(v) or ARXIV_OLD_ID.match(v):
        return re.sub(r"v\d+$", "", v)
    return None


def _authors(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(a).strip() for a in value if str(a).strip()]
    if isinstance(value, str):
        return [a.strip() for a in _AUTHOR_SPLIT.split(value.replace("\n", " ")) if a.strip()]
    return []


def _int(value: object) -> int | None:
    """An int, or a string of decimal digits, as an int; None for anything else.

    `str.isdigit` is also true for superscripts ("²") that `int` rejects, and
    `int` refuses digit strings longer than Python's conversion limit, so the
    conversion is guarded instead of trusted (a year of "²" crashed the read).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _unpaired_surrogate(obj: JSONObject) -> tuple[str, str] | None:
    """(field, escape) of the first kept string field holding an unpaired UTF-16 surrogate, else None.

    JSON may spell a lone surrogate ("\\ud800"); Python decodes it into a str
    that cannot be written as UTF-8, so such a record used to crash the store
    save (and `kg link`) with a traceback. It is reported as a bad record instead.
    """
    for key in ("title", "abstract", "id", "arxiv_id", "url", "authors", "categories", "year"):
        value = obj.get(key)
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                return key, f"\\u{ord(text[exc.start]):04x}"
    return None


def record_from_object(obj: JSONObject, source: str, line: int, *, surrogates_checked: bool = False) -> Record | Skip:
    """Map one decoded JSON object (kg's fields or the arXiv snapshot's) to a record.

    `surrogates_checked`: the decoder already refused unpaired surrogates (orjson does), so the object holds none.
    """
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        return Skip(source, line, "record has no title", 'every record needs a non-empty "title"')
    bad = None if surrogates_checked else _unpaired_surrogate(obj)
    if bad is not None:
        return Skip(
            source,
            line,
            f'"{bad[0]}" holds an unpaired UTF-16 surrogate {bad[1]}',
            "write the character as a surrogate pair or as UTF-8",
        )
    abstract = obj.get("abstract") or ""
    if not isinstance(abstract, str):
        return Skip(source, line, '"abstract" is not a string', "give the abstract as a JSON string")
    raw_id = obj.get("id")
    raw_id = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else None
    arxiv_id = None
    for candidate in (obj.get("arxiv_id"), raw_id):
        if isinstance(candidate, str) and (arxiv_id := normalise_arxiv_id(candidate)):
            break
    categories = obj.get("categories") or []
    if isinstance(categories, str):
        categories = categories.split()
    year = _int(obj.get("year"))
    if year is not None and not -(2**63) <= year < 2**63:
        return Skip(
            source,
            line,
            f'"year" {str(year)[:20]}{"…" if len(str(year)) > 20 else ""} does not fit a '
            "64-bit integer, the largest a graph database holds",
            "give the year as four digits",
        )
    url = obj.get("url") if isinstance(obj.get("url"), str) else None
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    return Record(
        source=source,
        line=line,
        title=title,
        abstract=abstract,
        id=raw_id,
        arxiv_id=arxiv_id,
        authors=_authors(obj.get("authors")),
        year=year or (arxiv_year(arxiv_id) if arxiv_id else None),
        url=url,
        categories=[str(c) for c in categories] if isinstance(categories, list) else [],
    )


def _plain(value: object) -> bool:
    """A kept field's value as orjson and json decode it alike: no float (an integer past 64 bits is a float
    to orjson, an int to json), no list holding anything but strings."""
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    return not isinstance(value, (float, dict))


def _fast_object(line: str) -> JSONObject | None:
    """The object on `line` decoded by orjson, when that is exactly what `json.loads` gives; else None.

    orjson is three times faster than json, but it refuses what json takes (an unpaired surrogate escape, NaN,
    Infinity, an integer past 1e308), reads an integer past 64 bits as a float, and words its errors its own
    way. So its result is taken only when it is an object whose kept fields (see `record_from_object`) hold
    no float and no list of other things than strings; every other line is decoded again by json, which gives
    the records, skips and error messages kg has always given.
    """
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if type(obj) is not dict:
        return None
    for key in ("id", "year", "authors", "categories"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str) and not _plain(value):
            return None
    return obj


def parse_jsonl(lines: Iterable[str], source: str = "<jsonl>") -> Iterator[Record | Skip]:
    for number, line in enumerate(lines, 1):
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        fast = _fast_object(line)
        if fast is not None:
            yield record_from_object(fast, source, number, surrogates_checked=True)
            continue
        try:
            obj = json.loads(line.rstrip("\r\n"))  # a line cut short is reported at its last column, not the next
        except json.JSONDecodeError as exc:
            msg = exc.msg.removesuffix(" at")  # "Invalid control character at" + " at column N"
            yield Skip(source, number, f"malformed JSON: {msg} at column {exc.colno}", "fix or remove the line")
            continue
        except RecursionError:
            # thousands of nested brackets exhaust the decoder's recursion: a bad line, not a crash
            yield Skip(source, number, "malformed JSON: nested too deeply", "fix or remove the line")
            continue
        except ValueError as exc:
            # e.g. an integer of more than 4300 digits: Python refuses to convert it
            yield Skip(source, number, f"malformed JSON: {str(exc).split(';')[0]}", "fix or remove the line")
            continue
        if not isinstance(obj, dict):
            yield Skip(source, number, "JSON line is not an object", "each line must be one {...} object")
            continue
        yield record_from_object(obj, source, number)


def read_jsonl(path: str | Path) -> Iterator[Record | Skip]:
    with open(path, encoding="utf-8") as f:
        yield from parse_jsonl(f, str(path))
