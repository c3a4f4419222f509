"""The store file's format, apart from any file: `write_graph(g, stream)` and `read_graph(lines, source)`.

Version 1 is gzip-compressed JSON Lines:
  line 1   {"format": "kg-store", "version": 1, "kg": "<kg version>"}
  nodes    {"n": "<node key>", "labels": [...], "props": {...}}
  edges    {"r": ["<from key>", "<to key>", "<TYPE>"], "props": {...}}
  last     {"end": true, "nodes": N, "relationships": M}
The last line makes a truncated file detectable. `kg.store.local` opens, saves
and locks the file.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import zlib
from collections.abc import Iterable, Iterator
from io import BufferedIOBase
from typing import TYPE_CHECKING, Any, TypeAlias

import orjson

from kg.graph import REL_LABELS, SharedValues, compact_mention, labels_of
from kg.model.errors import StoreError
from kg.model.schema import STORE_FORMAT, Properties

if TYPE_CHECKING:
    import os

    import networkx as nx

FORMAT = STORE_FORMAT
VERSION = 1
Record: TypeAlias = dict[str, Any]
"""One line of a store file, a JSON object. Any, because its values are whatever JSON holds."""


def _jsonable(props: Properties) -> Properties:
    return {k: (sorted(v) if isinstance(v, (set, frozenset)) else v) for k, v in props.items() if k != "__labels__"}


def _element(obj: Record) -> str:
    if "n" in obj:
        return f"node {obj['n']!r}"
    if "r" in obj:
        return f"relationship {obj['r']!r}"
    return "store header"


class StoreWriter:
    """Writes the store format to a binary stream one element at a time (gzip is applied by the caller):
    the header first, then nodes before relationships, then `close()` writes the end marker with the counts.

    `write_graph` writes a NetworkX graph with it; `kg build` streams a corpus through it without one.
    """

    def __init__(self, stream: BufferedIOBase, catalogs: list[str] | None = None) -> None:
        from kg.model.version import __version__

        self.stream = stream
        self.nodes = self.relationships = 0
        self.buffer: list[bytes] = []
        self.buffered = 0
        header: Record = {"format": FORMAT, "version": VERSION, "kg": __version__}
        if catalogs:
            header["catalogs"] = list(catalogs)
        self._line(header)

    def node(self, key: str, props: Properties) -> None:
        """A node; its labels are `props["__labels__"]`."""
        self._line({"n": key, "labels": sorted(props.get("__labels__", ())), "props": _jsonable(props)})
        self.nodes += 1

    def relationship(self, u: str, v: str, rel_type: str, props: Properties) -> None:
        # A streamed build's relationships carry no labels (their type says it) and no sets: as they are
        self._line({"r": [u, v, rel_type], "props": _jsonable(props) if "__labels__" in props else props}, props)
        self.relationships += 1

    def close(self) -> None:
        """The end marker, which makes a truncated file detectable."""
        self._line({"end": True, "nodes": self.nodes, "relationships": self.relationships})
        self.flush()

    def _line(self, obj: Record, props: Properties | None = None) -> None:
        """`obj` as one line. `props` are its properties if `obj` holds them unchanged: a set among them is
        written as a sorted list (`_jsonable`)."""
        try:
            data = orjson.dumps(obj, option=_ORJSON_REFUSES)
        except orjson.JSONEncodeError:
            if props is not None and obj["props"] is props:
                self._line({**obj, "props": _jsonable(props)})
                return
            data = b"null"  # json says what is wrong, or writes what orjson cannot (an int past 64 bits)
        if b"null" in data:  # orjson writes NaN and the infinities as null: json writes them as they are
            data = _json_line(obj)
        self.buffer.append(data)
        self.buffered += len(data) + 1
        if self.buffered >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Hand the lines buffered so far to the stream (`close` does it last)."""
        if self.buffer:
            self.buffer.append(b"")
            self.stream.write(b"\n".join(self.buffer))
            self.buffer, self.buffered = [], 0


FLUSH_BYTES = 1 << 20
"""Lines a `StoreWriter` gathers before one write to its stream: per-line writes into gzip cost more than
the encoding (a CRC and a compress call each); 1 MiB is also the block `BackgroundWriter` compresses."""
_ORJSON_REFUSES = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""Types json refuses that orjson would write as strings or objects: refused here too (a StoreError)."""


def _json_line(obj: Record) -> bytes:
    """`obj` as json writes it; what JSON cannot hold is a StoreError naming the node or relationship.

    A value JSON cannot hold (a set inside a property, an object, an int of 4300+ digits) or a string with a
    lone surrogate (no UTF-8 form; possible in a graph made through the Python API) used to escape as a raw
    TypeError/UnicodeEncodeError. The save is abandoned, so the previous store stays as it was. Surrogates
    are refused rather than escaped: JSON would read "\\ud800\\udc00" back as one other character, a
    silent change."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StoreError(
            f"{_element(obj)}: text holds an unpaired UTF-16 surrogate "
            f"\\u{ord(exc.object[exc.start]):04x}; the store keeps UTF-8 text only (fix the value)"
        ) from None
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"{_element(obj)}: a property cannot be stored as JSON ({exc}); "
            "use strings, numbers, booleans, lists and maps"
        ) from None


def write_graph(g: nx.MultiDiGraph, stream: BufferedIOBase) -> None:
    """Write `g` in the store format to a binary stream (gzip is applied by the caller)."""
    writer = StoreWriter(stream, g.graph.get("catalogs"))
    for key, data in g.nodes(data=True):
        writer.node(key, data)
    for u, v, k, data in g.edges(keys=True, data=True):
        writer.relationship(u, v, k, data)
    writer.close()


def check_header(obj: Record, source: str) -> None:
    if obj.get("format") != FORMAT:
        raise StoreError(f"{source}: not a kg store (no kg-store header); point --store at a file made by kg build")
    if not isinstance(obj.get("version"), int) or obj["version"] > VERSION:
        raise StoreError(
            f"{source}: store format version {obj.get('version')} is newer than this kg "
            f"supports ({VERSION}); upgrade kg"
        )
    catalogs = obj.get("catalogs", [])
    if not isinstance(catalogs, list) or not all(isinstance(c, str) for c in catalogs):
        raise StoreError(
            f'{source}: store is corrupt at line 1 (its "catalogs" is not a list of paths); {repair_hint(source)}'
        )


def repair_hint(path: str | os.PathLike[str]) -> str:
    """The exact commands that repair a damaged store: keep it aside (for a bug report), build it again.

    "Rebuild it with kg build" did not work: kg build merges into the store, so it read the damaged file
    and stopped with the same error."""
    quoted = shlex.quote(str(path))
    return (
        f"move it aside and build it again from your inputs: mv {quoted} {quoted}.damaged && "
        f"kg build INPUT... --store {quoted}"
    )


NODE, RELATIONSHIP = "n", "r"
_LONG_DIGITS, _LONG_DIGITS_BYTES = re.compile(r"\d{19}"), re.compile(rb"\d{19}")
"""19 digits in a row: perhaps an integer past 64 bits, which orjson would read as a float."""
StoreElement: TypeAlias = tuple[str, Any, Any, Properties]
"""One element of a store file, as `iter_store` yields it: (NODE, key, labels, props) with labels a tuple of
strings, or (RELATIONSHIP, (from key, to key), type, props). A plain tuple: a store holds millions."""


class StoreHeader:
    """What `iter_store` read from the first line, once it has been read: the header record."""

    def __init__(self) -> None:
        self.record: Record = {}

    @property
    def catalogs(self) -> list[str]:
        return list(self.record.get("catalogs", []))


def iter_store(
    lines: Iterable[bytes | str], source: str, *, header: StoreHeader | None = None, relationships: bool = True
) -> Iterator[StoreElement]:
    """The nodes and relationships of a store file, in file order, checked as they are read.

    The header is checked first (and kept in `header`); the end marker last: a file that stops early or whose
    counts differ raises `StoreError`, so a consumer that reads to the end never takes a truncated store for
    a whole one. With `relationships=False`, relationship lines are counted, not parsed (reading the papers
    of a store for a merge needs only its nodes). Property names are interned; values are as JSON gives them.
    """
    import orjson

    number = 0
    seen_header = False
    end: Record | None = None
    nodes = rels = 0
    intern = sys.intern  # node keys and property names: one string object each, not one per line
    try:
        for raw in lines:
            number += 1
            if end is not None:
                raise ValueError("a line after the end marker")
            if not relationships and seen_header and raw[:5] in (b'{"r":', '{"r":'):
                rels += 1
                continue
            long = _LONG_DIGITS_BYTES.search(raw) if isinstance(raw, bytes) else _LONG_DIGITS.search(raw)
            if long is None:
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:  # NaN and Infinity, as json.dumps writes them
                    obj = json.loads(raw)
            else:  # orjson reads an integer past 64 bits as a float, a silent change; json keeps it whole
                obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("line is not a JSON object")
            if not seen_header:
                check_header(obj, source)
                seen_header = True
                if header is not None:
                    header.record = obj
                continue
            if "n" in obj:
                nodes += 1
                yield NODE, intern(obj["n"]), tuple(obj["labels"]), {intern(k): v for k, v in obj["props"].items()}
            elif "r" in obj:
                rels += 1
                u, v, k = obj["r"]
                yield RELATIONSHIP, (intern(u), intern(v)), k, {intern(n): value for n, value in obj["props"].items()}
            elif obj.get("end"):
                end = obj
            else:
                raise ValueError("unknown record")
    except StoreError:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        EOFError,
        OSError,
        zlib.error,
    ) as exc:
        raise StoreError(
            f"{source}: store is corrupt at line {number} ({exc.__class__.__name__}); {repair_hint(source)}"
        ) from None
    if not seen_header:
        raise StoreError(f"{source}: store is empty; {repair_hint(source)}")
    if end is None or end.get("nodes") != nodes or end.get("relationships") != rels:
        raise StoreError(
            f"{source}: store is truncated or corrupt (end marker missing or counts differ); {repair_hint(source)}"
        )


def read_graph(lines: Iterable[bytes | str], source: str) -> nx.MultiDiGraph:
    """Parse the store format from an iterable of byte lines into a graph (`iter_store` reads them)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    header = StoreHeader()
    node_labels: dict[tuple[str, ...], frozenset[str]] = {}
    shared = SharedValues()
    add_node, add_edge = g.add_node, g.add_edge
    for kind, key, labels, props in iter_store(lines, source, header=header):
        if kind == NODE:
            shared_labels = node_labels.get(labels)
            if shared_labels is None:
                shared_labels = node_labels[labels] = labels_of(labels)
            props["__labels__"] = shared_labels
            add_node(key, **props)
        else:
            props["__labels__"] = REL_LABELS.get(labels) or labels_of((labels,))
            if labels == "MENTIONS":
                compact_mention(props, shared)
            add_edge(key[0], key[1], key=labels, **props)
    if header.catalogs:
        g.graph["catalogs"] = header.catalogs
    return g
