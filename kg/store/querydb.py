"""The query database: a derived on-disk copy of the local store in LadybugDB, an embedded Cypher engine.

The local store (`kg.store.local`, one gzip JSON Lines file) stays the source
of truth. Beside it, `<store>.querydb` holds the same graph in LadybugDB
(`ladybug` on PyPI, the maintained fork of Kùzu), so `kg query`, `kg lookup`
and `kg stats` answer from disk without loading the whole graph into memory.

Layout: one node table per label kg gives a node (Paper and the five entity
types; Neo4j's `:Entity` is the union of those five), one relationship table
per type, with every (from, to) table pair of the graph model. Properties are
columns; their types come from the graph model and from the data (one type
per property). A `KgMeta` table holds the stamp: the format version, the
engine and its version, and the store file's size, modification time and
SHA-256 it was built from. A database whose stamp does not match the store
(changed, replaced, built by another engine version) is rebuilt on first use.

The database is only ever written under a temporary name beside it and then
renamed over it, so a reader sees the old database or the new one, never a
half-written one; deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.cypher.codec import check_int, clean_value, node_table
from kg.model.errors import KGError, StoreError
from kg.model.files import durable_replace, temp_prefix, write_atomic
from kg.model.types import ENTITY_TYPES, Label, Rel

if TYPE_CHECKING:
    import networkx as nx

FORMAT_VERSION = 2
SUFFIX = ".querydb"
META_TABLE = "KgMeta"
ENGINE = "ladybug"
# Rows per Parquet row group while building: bounds the builder's memory, whatever the corpus size.
ROWS_PER_GROUP = 50_000
# Buffer pool of a query process: queries that need more fail with a clear message instead of
# growing without bound (the engine's default is ~80% of the machine's memory).
QUERY_BUFFER_POOL = 512 * 1024 * 1024
BUILD_BUFFER_POOL = 4 * 1024 * 1024 * 1024

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PY_TYPES = {bool: "BOOL", int: "INT64", float: "DOUBLE", str: "STRING"}

# The graph model's properties and their types (kg/graph/model.py); they exist even in an empty store.
PAPER_PROPERTIES = {"id": "STRING", "title": "STRING", "abstract": "STRING", "sources": "STRING[]",
                    "year": "INT64", "url": "STRING", "arxiv_id": "STRING", "authors": "STRING[]"}
ENTITY_PROPERTIES = {"id": "STRING", "name": "STRING", "type": "STRING", "aliases": "STRING[]",
                     "description": "STRING", "vendor": "STRING", "year": "INT64", "source": "STRING"}
REL_PROPERTIES = {
    Rel.MENTIONS.value: {"count": "INT64", "confidence": "DOUBLE", "surfaces": "STRING[]", "rules": "STRING[]",
                         "citations": "STRING[]"},
    Rel.INTRODUCES.value: {},
    Rel.CITES.value: {"via": "STRING[]"},
    Rel.VARIANT_OF.value: {},
}
REL_PAIRS = {
    Rel.MENTIONS.value: tuple((Label.PAPER.value, t) for t in ENTITY_TYPES),
    Rel.INTRODUCES.value: tuple((Label.PAPER.value, t) for t in ENTITY_TYPES),
    Rel.CITES.value: ((Label.PAPER.value, Label.PAPER.value),),
    Rel.VARIANT_OF.value: tuple((a, b) for a in ENTITY_TYPES for b in ENTITY_TYPES),
}
NODE_TABLES = (Label.PAPER.value, *ENTITY_TYPES)


def engine():
    """The embedded engine's module, imported on first use."""
    try:
        import ladybug
    except ImportError:
        raise StoreError("the query database needs the ladybug package: pip install ladybug") from None
    return ladybug


def engine_version() -> str:
    return str(getattr(engine(), "__version__", "unknown"))


# --------------------------------------------------------------------------- schema

@dataclass(frozen=True)
class Table:
    """A node table: its name, the Neo4j labels its nodes carry, and its typed properties (`id` first)."""

    name: str
    labels: tuple[str, ...]
    properties: dict[str, str]


@dataclass(frozen=True)
class RelTable:
    name: str
    pairs: tuple[tuple[str, str], ...]
    properties: dict[str, str]


@dataclass(frozen=True)
class Schema:
    """What the query database holds: node tables, relationship tables, property types."""

    nodes: dict[str, Table]
    rels: dict[str, RelTable]
    labels_in_use: tuple[str, ...] = ()   # labels some node carries (what db.labels() lists)
    types_in_use: tuple[str, ...] = ()    # relationship types some relationship has

    def to_json(self) -> str:
        return json.dumps({"nodes": [[t.name, list(t.labels), t.properties] for t in self.nodes.values()],
                           "rels": [[r.name, [list(p) for p in r.pairs], r.properties] for r in self.rels.values()],
                           "labels_in_use": list(self.labels_in_use), "types_in_use": list(self.types_in_use)})

    @classmethod
    def from_json(cls, text: str) -> Schema:
        data = json.loads(text)
        nodes = {n: Table(n, tuple(labels), props) for n, labels, props in data["nodes"]}
        rels = {n: RelTable(n, tuple(tuple(p) for p in pairs), props) for n, pairs, props in data["rels"]}
        return cls(nodes, rels, tuple(data.get("labels_in_use", ())), tuple(data.get("types_in_use", ())))

    def property_type(self, tables: Iterable[str], name: str, rel: bool = False) -> str | None:
        """The type of property `name` over these tables (None if none has it); a StoreError if they disagree."""
        source = self.rels if rel else self.nodes
        types = {source[t].properties[name] for t in tables if name in source[t].properties}
        if len(types) > 1:
            raise StoreError(f"property {name!r} has different types in {', '.join(sorted(tables))}")
        return next(iter(types), None)


def _value_type(value, where: str, name: str) -> str | None:
    """The column type a value needs (None for an empty list, which fits any list type)."""
    if isinstance(value, list):
        element_types = {_value_type(v, where, name) for v in value}
        element_types.discard(None)
        if not element_types:
            return None
        if len(element_types) > 1 or any(t.endswith("[]") for t in element_types):
            raise StoreError(f"{where}: property {name!r} is a list of mixed or nested values; the query database "
                             "holds lists of one scalar type (fix the input, or query with --neo4j)")
        return element_types.pop() + "[]"
    kind = _PY_TYPES.get(type(value))
    if kind is None:
        raise StoreError(f"{where}: property {name!r} is a {type(value).__name__}; a graph property is a string, "
                         "number, boolean or a list of them (fix the input and rebuild)")
    if kind == "INT64":
        check_int(value, f"{where}: property {name!r}")
    return kind


def _merge_type(props: dict[str, str], name: str, kind: str | None, where: str) -> None:
    known = props.get(name)
    if kind is None:
        if known is None:
            props[name] = "STRING[]"  # only empty lists seen so far
        elif not known.endswith("[]"):
            raise StoreError(f"{where}: property {name!r} holds a list here and {known} elsewhere; the query "
                             "database needs one type per property (fix the input, or query with --neo4j)")
        return
    if known is None or known == kind:
        props[name] = kind
        return
    if known == "STRING[]" and kind.endswith("[]"):
        props[name] = kind  # the empty lists seen first fit any list type
        return
    raise StoreError(f"{where}: property {name!r} holds {kind} here and {known} elsewhere; the query database "
                     "needs one type per property (fix the input, or query with --neo4j)")


def _check_name(name: str, where: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise StoreError(f"{where}: property name {name!r} is not a plain name (letters, digits, _); "
                         "the query database cannot hold it (rename it in the input)")


def model_schema() -> Schema:
    """The graph model's tables and properties (what kg build writes)."""
    nodes = {t: Table(t, (t,) if t == Label.PAPER.value else (Label.ENTITY.value, t),
                      dict(PAPER_PROPERTIES if t == Label.PAPER.value else ENTITY_PROPERTIES)) for t in NODE_TABLES}
    rels = {r: RelTable(r, REL_PAIRS[r], dict(REL_PROPERTIES[r])) for r in REL_PAIRS}
    return Schema(nodes, rels)


def schema_of(g: nx.MultiDiGraph) -> Schema:
    """The schema a graph needs: the model's tables and properties, plus any other property found in the data."""
    node_props = {t: dict(PAPER_PROPERTIES if t == Label.PAPER.value else ENTITY_PROPERTIES) for t in NODE_TABLES}
    model_nodes = {t: set(p) for t, p in node_props.items()}
    for key, data in g.nodes(data=True):
        table = node_table(key, data)
        props = node_props[table]
        for name, value in data.items():
            if name == "__labels__" or value is None:
                continue
            value = clean_value(value)
            if value is None:
                continue
            where = f"node {key}"
            if name not in props:
                _check_name(name, where)
            kind = _value_type(value, where, name)
            if name in model_nodes[table] and kind is not None and kind != props[name]:
                raise StoreError(f"{where}: property {name!r} is {kind}, the graph model has {props[name]}; "
                                 "rebuild the store with kg build")
            _merge_type(props, name, kind, where)
    rel_props = {r: dict(p) for r, p in REL_PROPERTIES.items()}
    for u, v, k, data in g.edges(keys=True, data=True):
        if k not in rel_props:
            raise StoreError(f"relationship {u} -[{k}]-> {v}: type {k!r} is not in the graph model; "
                             "rebuild the store with kg build")
        props = rel_props[k]
        for name, value in data.items():
            if name == "__labels__" or value is None:
                continue
            value = clean_value(value)
            if value is None:
                continue
            where = f"relationship {u} -[{k}]-> {v}"
            if name not in props:
                _check_name(name, where)
            _merge_type(props, name, _value_type(value, where, name), where)
    nodes = {t: Table(t, (t,) if t == Label.PAPER.value else (Label.ENTITY.value, t), node_props[t])
             for t in NODE_TABLES}
    rels = {r: RelTable(r, REL_PAIRS[r], rel_props[r]) for r in REL_PAIRS}
    return Schema(nodes, rels)


# --------------------------------------------------------------------------- stamp

@dataclass(frozen=True)
class Stamp:
    """What a query database was built from, and by what."""

    format: int
    engine: str
    engine_version: str
    store_size: int
    store_mtime_ns: int
    store_sha256: str
    nodes: int
    relationships: int
    built_seconds: float

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> Stamp:
        return cls(**json.loads(text))


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


CHECKSUM_SUFFIX = ".sha256"


def checksum_path(db: Path) -> Path:
    """The file beside a query database that records its size, mtime and SHA-256 as built."""
    return Path(str(db) + CHECKSUM_SUFFIX)


def write_checksum(db_file: Path, target: Path) -> None:
    """Record `db_file`'s size, mtime and hash for `target`, the path it is about to be renamed to."""
    st = db_file.stat()
    record = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": file_sha256(db_file)}
    write_atomic(checksum_path(target), lambda f: f.write(json.dumps(record) + "\n"), error=StoreError,
                 option="--store")


def changed_since_built(path: Path) -> str | None:
    """Why the database file is not the file that was built (None: it is).

    The engine keeps no page checksums: bytes rewritten inside the file can
    give wrong rows without an error (an entity's name read as "ZZZZ"). So the
    build records the file's size, mtime and SHA-256 beside it. The same size
    and mtime are trusted, as for the store's own stamp; anything else is
    hashed once, and a file whose hash still matches (copied, touched) has its
    record renewed so the next query is fast again.
    """
    record_path = checksum_path(path)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        size, mtime_ns, sha256 = int(record["size"]), int(record["mtime_ns"]), str(record["sha256"])
    except FileNotFoundError:
        return f"{record_path.name}, its checksum, is missing"
    except (OSError, ValueError, TypeError, KeyError):
        return f"{record_path.name}, its checksum, cannot be read"
    st = path.stat()
    if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
        return None
    if st.st_size == size and file_sha256(path) == sha256:
        with contextlib.suppress(KGError, OSError):  # a read-only directory: hashed again next time
            write_checksum(path, path)
        return None
    return "its contents changed since it was built (the checksum differs)"


def query_db_path(store: str | os.PathLike) -> Path:
    """Where the query database of a store lives: `<store>.querydb` beside it (symlinks resolved), or, when
    the store's directory is read-only, `<cache>/kg/<store name>-<hash of its path>.querydb`, where the
    cache is $KG_CACHE_DIR, else $XDG_CACHE_HOME, else ~/.cache."""
    store = Path(store).resolve()
    beside = Path(str(store) + SUFFIX)
    if beside.exists() or os.access(store.parent, os.W_OK):
        return beside
    digest = hashlib.sha256(str(store).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    for cache in _cache_dirs():
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(cache, os.W_OK):
            return cache / f"{store.name}-{digest}{SUFFIX}"
    raise StoreError(f"{store}: its directory is read-only and no cache directory is writable; "
                     "set KG_CACHE_DIR to a writable directory")


def _cache_dirs() -> list[Path]:
    """Where a read-only store's query database may go, in order of preference."""
    out = []
    if os.environ.get("KG_CACHE_DIR"):
        out.append(Path(os.environ["KG_CACHE_DIR"]))
    base = os.environ.get("XDG_CACHE_HOME")
    with contextlib.suppress(RuntimeError, KeyError):
        base = base or str(Path.home() / ".cache")
    if base:
        out.append(Path(base) / "kg")
    out.append(Path(tempfile.gettempdir()) / f"kg-cache-{os.getuid()}")
    return out


# --------------------------------------------------------------------------- building

def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise StoreError("building the query database needs pyarrow: pip install pyarrow") from None
    return pyarrow


def _arrow_type(pa, kind: str):
    scalar = {"STRING": pa.string(), "INT64": pa.int64(), "DOUBLE": pa.float64(), "BOOL": pa.bool_()}
    if kind.endswith("[]"):
        return pa.list_(scalar[kind[:-2]])
    return scalar[kind]


def _ddl_type(kind: str) -> str:
    return kind.replace("BOOL", "BOOLEAN")


class _ParquetTable:
    """Rows written to a Parquet file column by column, in row groups, so no table is ever whole in memory.

    Values go to pyarrow as they are (tuples are lists to it), which checks each column's type; a value that
    does not fit is reported with the element it belongs to. Non-finite floats become nulls, as `kg load`
    writes them to Neo4j (`kg.cypher.codec.clean_value`).
    """

    def __init__(self, pa, path: Path, columns: list[tuple[str, str]], what: str):
        self.pa = pa
        self.path = path
        self.what = what
        self.names = [n for n, _ in columns]
        self.kinds = [k for _, k in columns]
        self.schema = pa.schema([(n, _arrow_type(pa, k)) for n, k in columns])
        self.writer = None
        self.buffer: list[list] = [[] for _ in columns]
        self.keys: list = []
        self.rows = 0

    def add(self, key, values: list) -> None:
        for column, value in zip(self.buffer, values):
            column.append(value)
        self.keys.append(key)
        self.rows += 1
        if len(self.keys) >= ROWS_PER_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.keys:
            return
        import pyarrow.compute as pc

        arrays = []
        for name, kind, column, field in zip(self.names, self.kinds, self.buffer, self.schema):
            try:
                array = self.pa.array(column, type=field.type)
            except (self.pa.ArrowInvalid, self.pa.ArrowTypeError, OverflowError, TypeError):
                raise self._bad_value(name, kind, column) from None
            if kind == "DOUBLE":
                array = pc.if_else(pc.is_finite(array), array, self.pa.scalar(None, self.pa.float64()))
            arrays.append(array)
        if self.writer is None:
            self.writer = self.pa.parquet.ParquetWriter(str(self.path), self.schema, compression="none")
        self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema))
        self.buffer = [[] for _ in self.names]
        self.keys = []

    def _bad_value(self, name: str, kind: str, column: list) -> StoreError:
        for key, value in zip(self.keys, column):
            if value is None:
                continue
            where = f"{self.what} {key}"
            if isinstance(value, (set, frozenset)):
                return StoreError(f"{where}: property {name!r} is a set; a graph property is a list")
            try:
                found = _value_type(value, where, name)
            except StoreError as exc:
                return exc
            if found is not None and found != kind and not (kind == "DOUBLE" and found == "INT64"):
                return StoreError(f"{where}: property {name!r} is {found}, the graph model has {kind}; "
                                  "rebuild the store with kg build")
        return StoreError(f"{self.what}s: property {name!r} holds a value that is not {kind}; "
                          "rebuild the store with kg build")

    def close(self) -> bool:
        """Finish the file; False if it has no rows (and so no file)."""
        self.flush()
        if self.writer is not None:
            self.writer.close()
        return self.rows > 0


def build(g: nx.MultiDiGraph, target: str | os.PathLike, *, store_stat: tuple[int, int], store_sha256: str,
          progress: Callable[[str], None] | None = None, consume: bool = False) -> Stamp:
    """Write the query database of graph `g` to `target` atomically; returns its stamp.

    `store_stat` is the store file's (size, mtime_ns) and `store_sha256` its
    hash: the stamp that later tells whether the database still matches it.
    With `consume`, the graph is emptied once it is written out, so its memory
    is given back before the engine loads the files (at a million papers the
    graph holds ~6 GB and the engine's load needs ~1.6 GB more).
    """
    started = time.perf_counter()
    lb = engine()
    pa = _pyarrow()
    target = Path(target)
    directory = target.parent
    schema = model_schema()
    step = progress or (lambda message: None)
    try:
        # named like the store's own temporary files, so `kg build` removes those a killed build left
        work = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=directory))
    except OSError as exc:
        raise StoreError(f"{target}: cannot write the query database in {directory}: {exc.strerror or exc}") from None
    db_file = work / "db"
    try:
        files, extra_nodes, extra_rels = _write_parquet(g, schema, work, pa, step)
        if extra_nodes or extra_rels:  # properties beyond the graph model: type them, then write again
            schema = schema_of(g)
            for f in work.iterdir():
                f.unlink()
            files, _, _ = _write_parquet(g, schema, work, pa, step)
        nodes, relationships = g.number_of_nodes(), g.number_of_edges()
        used_tables = {table for table, _, pair in files if pair is None}
        labels = sorted({label for t in used_tables for label in schema.nodes[t].labels})
        schema = Schema(schema.nodes, schema.rels, tuple(labels),
                        tuple(sorted({table for table, _, pair in files if pair is not None})))
        if consume:
            release(g)
        step("loading the query database")
        db = lb.Database(str(db_file), buffer_pool_size=BUILD_BUFFER_POOL)
        conn = lb.Connection(db)
        try:
            for statement in create_statements(schema):
                conn.execute(statement)
            for table, path, pair in files:
                options = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
                conn.execute(f"COPY {table} FROM '{_quote_path(path)}'{options}")
                step(f"copied {table}{' ' + '-'.join(pair) if pair else ''}")
            conn.execute(f"CREATE NODE TABLE {META_TABLE}(key STRING PRIMARY KEY, value STRING)")
            stamp = Stamp(FORMAT_VERSION, ENGINE, engine_version(), store_stat[0], store_stat[1], store_sha256,
                          nodes, relationships, round(time.perf_counter() - started, 3))
            for key, value in (("stamp", stamp.to_json()), ("schema", schema.to_json())):
                conn.execute(f"CREATE (:{META_TABLE} {{key: $key, value: $value}})", {"key": key, "value": value})
        finally:
            conn.close()
            db.close()
        for leftover in (Path(str(db_file) + ".wal"), Path(str(db_file) + ".lock")):
            if leftover.exists():
                raise StoreError(f"{target}: the engine left {leftover.name} after closing; not replacing the "
                                 "query database")
        write_checksum(db_file, target)  # first: a crash before the rename leaves a mismatch, which rebuilds
        durable_replace(db_file, target)
        return stamp
    except OSError as exc:
        raise StoreError(f"{target}: cannot write the query database: {exc.strerror or exc}; "
                         "the previous one (if any) is intact") from None
    except RuntimeError as exc:  # the engine's own errors
        text = str(exc)
        if "No space left on device" in text:
            raise StoreError(f"{target}: disk full while writing the query database; the previous one (if any) "
                             "is intact. Free space and re-run") from None
        first = text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
        raise StoreError(f"{target}: the engine could not build the query database ({first})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def release(g: nx.MultiDiGraph) -> None:
    """Empty a graph and give its memory back to the system (the store loader freezes it out of the
    collector's reach; malloc_trim returns the freed heap, which glibc would otherwise keep)."""
    import ctypes
    import gc

    g.clear()
    gc.unfreeze()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _quote_path(path: Path) -> str:
    text = str(path)
    if "'" in text or "\\" in text:
        raise StoreError(f"{path}: the query database cannot be built in a directory whose path holds ' or \\")
    return text


def create_statements(schema: Schema) -> list[str]:
    """DDL of the query database: names from the graph model's enums, property names checked as plain names."""
    out = []
    for t in schema.nodes.values():
        columns = ", ".join(f"`{name}` {_ddl_type(kind)}" for name, kind in t.properties.items())
        out.append(f"CREATE NODE TABLE {t.name}({columns}, PRIMARY KEY (id))")
    for r in schema.rels.values():
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in r.pairs)
        columns = "".join(f", `{name}` {_ddl_type(kind)}" for name, kind in r.properties.items())
        out.append(f"CREATE REL TABLE {r.name}({pairs}{columns})")
    return out


def _write_parquet(g: nx.MultiDiGraph, schema: Schema, work: Path, pa, step) -> tuple[list, dict, dict]:
    """One Parquet file per node table and per (relationship, from, to) pair.

    Returns the files [(table, path, pair)] and the property names found outside the schema, per node
    table and per relationship type (then the caller extends the schema and writes again).
    """
    step("writing nodes")
    node_files = {t.name: _ParquetTable(pa, work / f"node-{t.name}.parquet", list(t.properties.items()), "node")
                  for t in schema.nodes.values()}
    where_table: dict[str, tuple[str, str]] = {}
    names = {t.name: list(t.properties) for t in schema.nodes.values()}
    known = {t: frozenset(n) | {"__labels__"} for t, n in names.items()}
    extra_nodes: dict[str, set[str]] = {}
    table_of: dict[frozenset, str] = {}
    for key, data in g.nodes(data=True):
        labels = data.get("__labels__", ())
        table = table_of.get(labels) if isinstance(labels, frozenset) else None
        if table is None:
            table = node_table(key, data)
            if isinstance(labels, frozenset):
                table_of[labels] = table
        node_id = data.get("id")
        if not isinstance(node_id, str) or not node_id:
            raise StoreError(f"node {key}: no id property; rebuild the store with kg build")
        if not known[table].issuperset(data):
            extra_nodes.setdefault(table, set()).update(k for k in data if k not in known[table])
        node_files[table].add(key, [data.get(n) for n in names[table]])
        where_table[key] = (table, node_id)
    files: list[tuple[str, Path, tuple | None]] = []
    for name, f in node_files.items():
        if f.close():
            files.append((name, f.path, None))
    step("writing relationships")
    rel_files: dict[tuple[str, str, str], _ParquetTable] = {}
    rel_names = {r.name: list(r.properties) for r in schema.rels.values()}
    rel_known = {r: frozenset(n) | {"__labels__"} for r, n in rel_names.items()}
    extra_rels: dict[str, set[str]] = {}
    for u, v, k, data in g.edges(keys=True, data=True):
        (a, u_id), (b, v_id) = where_table[u], where_table[v]
        pair = (k, a, b)
        f = rel_files.get(pair)
        if f is None:
            if k not in schema.rels:
                raise StoreError(f"relationship {u} -[{k}]-> {v}: type {k!r} is not in the graph model; "
                                 "rebuild the store with kg build")
            if (a, b) not in schema.rels[k].pairs:
                raise StoreError(f"relationship {u} -[{k}]-> {v}: a {k} cannot join {a} to {b} in the graph model; "
                                 "rebuild the store with kg build")
            columns = [("from", "STRING"), ("to", "STRING"), *schema.rels[k].properties.items()]
            f = rel_files[pair] = _ParquetTable(pa, work / f"rel-{k}-{a}-{b}.parquet", columns, "relationship")
        if not rel_known[k].issuperset(data):
            extra_rels.setdefault(k, set()).update(x for x in data if x not in rel_known[k])
        f.add((u, k, v), [u_id, v_id, *[data.get(n) for n in rel_names[k]]])
    for (k, a, b), f in rel_files.items():
        if f.close():
            files.append((k, f.path, (a, b)))
    return files, extra_nodes, extra_rels


# --------------------------------------------------------------------------- opening

class QueryDatabase:
    """An open, read-only query database: `conn` runs Cypher, `schema` says what is in it."""

    def __init__(self, path: Path, db, conn, schema: Schema, stamp: Stamp):
        self.path = path
        self.db = db
        self.conn = conn
        self.schema = schema
        self.stamp = stamp

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.db.close()

    def __enter__(self) -> QueryDatabase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open(path: Path) -> QueryDatabase:
    """Open read-only and read the stamp; a StoreError if it is not a query database this kg can read."""
    lb = engine()
    try:
        db = lb.Database(str(path), read_only=True, buffer_pool_size=QUERY_BUFFER_POOL)
        conn = lb.Connection(db)
        rows = conn.execute(f"MATCH (m:{META_TABLE}) RETURN m.key, m.value").get_all()
    except Exception as exc:  # a damaged file, another engine version's format: the engine raises RuntimeError
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"{path}: not a readable query database ({first})") from None
    meta = dict(rows)
    try:
        stamp = Stamp.from_json(meta["stamp"])
        schema = Schema.from_json(meta["schema"])
    except (KeyError, TypeError, ValueError):
        conn.close()
        db.close()
        raise StoreError(f"{path}: the query database has no valid stamp") from None
    return QueryDatabase(path, db, conn, schema, stamp)


def staleness(stamp: Stamp, store: Path) -> str | None:
    """Why a database with this stamp does not match the store file (None: it matches)."""
    if stamp.format != FORMAT_VERSION or stamp.engine != ENGINE:
        return f"it was built in format {stamp.format} by {stamp.engine}; this kg uses format {FORMAT_VERSION}"
    if stamp.engine_version != engine_version():
        return f"it was built by {ENGINE} {stamp.engine_version}; this kg has {engine_version()}"
    st = store.stat()
    if stamp.store_size == st.st_size and stamp.store_mtime_ns == st.st_mtime_ns:
        return None
    if stamp.store_size == st.st_size and stamp.store_sha256 == file_sha256(store):
        return None
    return "the store changed since it was built"


def _current(path: Path, store: Path) -> tuple[QueryDatabase | None, str | None]:
    """The database at `path` opened, if it exists, is readable and matches the store; else None and why not.

    One look answers both, so a changed file is opened and hashed once, not again to say why."""
    if not path.exists():
        return None, "there is none yet"
    try:
        qdb = _open(path)
    except StoreError as exc:
        return None, f"it cannot be read: {str(exc).split(': ', 1)[-1]}"
    why = staleness(qdb.stamp, store) or changed_since_built(path)
    if why is None:
        return qdb, None
    qdb.close()
    return None, why


def why_stale(store: str | os.PathLike) -> str | None:
    """Why the store's query database must be rebuilt before use (None: it is current)."""
    store = Path(store)
    qdb, why = _current(query_db_path(store), store)
    if qdb is not None:
        qdb.close()
    return why


def open_current(store: str | os.PathLike, *, notify: Callable[[str], None] | None = None,
                 progress: Callable[[str], None] | None = None) -> QueryDatabase:
    """The store's query database, opened read-only; built first if it is missing or stale.

    `notify` gets one line saying why a rebuild happens. The rebuild holds the
    store's lock, so it never races a `kg build`, and a second process that
    waited for the lock finds the database current and uses it.
    """
    from kg.store.local import check_store

    store = Path(store)
    check_store(store)
    path = query_db_path(store)
    qdb, _ = _current(path, store)
    if qdb is not None:
        return qdb
    with _lock(store, path):
        qdb, why = _current(path, store)  # again under the lock: another process may have rebuilt it
        if qdb is not None:
            return qdb
        _build_from_store(store, f"building the query database {path.name} ({why}); it is rebuilt only when the "
                                 "store changes", notify, progress)
    qdb, _ = _current(path, store)
    if qdb is None:
        raise StoreError(f"{path}: the query database does not match the store even after a rebuild; "
                         f"delete {path} and re-run")
    return qdb


def _lock(store: Path, path: Path):
    """The lock a query-database build holds: the store's, or the database's own when it lives in a cache."""
    from kg.store.local import store_lock

    return store_lock(store if path.parent == store.resolve().parent else path)


def rebuild(store: str | os.PathLike, why: str, *, notify: Callable[[str], None] | None = None,
            progress: Callable[[str], None] | None = None) -> None:
    """Build the store's query database again though its stamp matches (it was found damaged: `why`)."""
    store = Path(store)
    path = query_db_path(store)
    with _lock(store, path):
        _build_from_store(store, f"rebuilding the query database {path.name} ({why})", notify, progress)


def _build_from_store(store: Path, notice: str, notify: Callable[[str], None] | None,
                      progress: Callable[[str], None] | None) -> None:
    """Under the lock: load the store (a damaged one is reported before any notice), say why, build."""
    from kg.store.local import load_graph

    g = load_graph(store)
    if notify:
        notify(notice)
    build_for_store(g, store, progress, consume=True)


def build_for_store(g: nx.MultiDiGraph, store: str | os.PathLike,
                    progress: Callable[[str], None] | None = None, consume: bool = False) -> Stamp:
    """Build the query database of the store file `store`, whose graph `g` is (already loaded or just saved);
    with `consume`, `g` is emptied on the way (see `build`)."""
    store = Path(store)
    st = store.stat()
    return build(g, query_db_path(store), store_stat=(st.st_size, st.st_mtime_ns), store_sha256=file_sha256(store),
                 progress=progress, consume=consume)
