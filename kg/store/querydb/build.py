"""Writing a query database from a graph: Parquet files per table, loaded by the engine, stamped, renamed in.

The database is only ever written under a temporary name beside it and then
renamed over it, so a reader sees the old database or the new one, never a
half-written one; deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from kg.cypher.codec import node_table
from kg.model.errors import StoreError
from kg.model.files import durable_replace, temp_prefix
from kg.store.querydb import embedded
from kg.store.querydb.paths import query_db_path
from kg.store.querydb.schema import Schema, create_statements, model_schema, schema_of, value_type
from kg.store.querydb.stamp import FORMAT_VERSION, META_TABLE, Stamp, file_sha256, write_checksum

if TYPE_CHECKING:
    import networkx as nx

# Rows per Parquet row group while building: bounds the builder's memory, whatever the corpus size.
ROWS_PER_GROUP = 50_000
# The engine's buffer pool while it loads the Parquet files, smallest first: a load that runs out of pool is
# started again with the next. 1 GiB loads 300,000 papers faster than 4 GiB (126 s against 141 s for the whole
# build, the load 18 s against 29 s) and with a lower peak (2,494 against 3,169 MiB; measured 2026-12-05);
# 4 GiB is what 1,000,000 papers were measured with.
BUILD_BUFFER_POOLS = (1024 * 1024 * 1024, 4 * 1024 * 1024 * 1024)

Arrow: TypeAlias = Any
"""A pyarrow object (data type, array, Parquet writer). Any, because pyarrow ships no type hints."""

ParquetFile: TypeAlias = tuple[str, Path, tuple[str, str] | None]
"""A written table file: (table, path, (from table, to table) for a relationship table, None for a node table)."""

ElementKey: TypeAlias = str | tuple[str, str, str]
"""A node's key, or a relationship's (from key, type, to key): how a bad value names its element."""


def _pyarrow() -> ModuleType:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise StoreError("building the query database needs pyarrow: pip install pyarrow") from None
    return cast(ModuleType, pyarrow)  # untyped, so Any to mypy


def _arrow_type(pa: ModuleType, kind: str) -> Arrow:
    scalar = {"STRING": pa.string(), "INT64": pa.int64(), "DOUBLE": pa.float64(), "BOOL": pa.bool_()}
    if kind.endswith("[]"):
        return pa.list_(scalar[kind[:-2]])
    return scalar[kind]


class _ParquetTable:
    """Rows written to a Parquet file column by column, in row groups, so no table is ever whole in memory.

    Values go to pyarrow as they are (tuples are lists to it), which checks each column's type; a value that
    does not fit is reported with the element it belongs to. Non-finite floats become nulls, as `kg load`
    writes them to Neo4j (`kg.cypher.codec.clean_value`).
    """

    def __init__(self, pa: ModuleType, path: Path, columns: list[tuple[str, str]], what: str):
        self.pa = pa
        self.path = path
        self.what = what
        self.names = [n for n, _ in columns]
        self.kinds = [k for _, k in columns]
        self.schema = pa.schema([(n, _arrow_type(pa, k)) for n, k in columns])
        self.writer: Arrow = None  # a pyarrow ParquetWriter once the first row group is written
        self.buffer: list[list[Any]] = [[] for _ in columns]  # property values, Any as in Properties
        self.keys: list[ElementKey] = []
        self.rows = 0

    def add(self, key: ElementKey, values: list[Any]) -> None:
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

    def _bad_value(self, name: str, kind: str, column: list[Any]) -> StoreError:
        for key, value in zip(self.keys, column):
            if value is None:
                continue
            where = f"{self.what} {key}"
            if isinstance(value, (set, frozenset)):
                return StoreError(f"{where}: property {name!r} is a set; a graph property is a list")
            try:
                found = value_type(value, where, name)
            except StoreError as exc:
                return exc
            if found is not None and found != kind and not (kind == "DOUBLE" and found == "INT64"):
                return StoreError(
                    f"{where}: property {name!r} is {found}, the graph model has {kind}; "
                    "rebuild the store with kg build"
                )
        return StoreError(
            f"{self.what}s: property {name!r} holds a value that is not {kind}; rebuild the store with kg build"
        )

    def close(self) -> bool:
        """Finish the file; False if it has no rows (and so no file)."""
        self.flush()
        if self.writer is not None:
            self.writer.close()
        return self.rows > 0


def build(
    g: nx.MultiDiGraph,
    target: str | os.PathLike[str],
    *,
    store_stat: tuple[int, int],
    store_sha256: str,
    progress: Callable[[str], None] | None = None,
    consume: bool = False,
    frozen: bool = False,
) -> Stamp:
    """Write the query database of graph `g` to `target` atomically; returns its stamp.

    `store_stat` is the store file's (size, mtime_ns) and `store_sha256` its
    hash: the stamp that later tells whether the database still matches it.
    With `consume`, the graph is emptied once it is written out, so its memory
    is given back before the engine loads the files (at a million papers the
    graph holds ~6 GB and the engine's load needs ~1.6 GB more). `frozen` says
    the graph was loaded with `load_graph(freeze=True)` (see `release`).
    """
    started = time.perf_counter()
    lb = embedded.engine()
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
        schema = Schema(
            schema.nodes,
            schema.rels,
            tuple(labels),
            tuple(sorted({table for table, _, pair in files if pair is not None})),
        )
        if consume:
            release(g, frozen=frozen)
        step("loading the query database")

        def stamp_now() -> Stamp:
            return Stamp(
                FORMAT_VERSION,
                embedded.ENGINE,
                embedded.engine_version(),
                store_stat[0],
                store_stat[1],
                store_sha256,
                nodes,
                relationships,
                round(time.perf_counter() - started, 3),
            )

        for pool in BUILD_BUFFER_POOLS:
            try:
                stamp = _load(lb, db_file, pool, schema, files, stamp_now, step)
                break
            except RuntimeError as exc:
                if pool == BUILD_BUFFER_POOLS[-1] or "buffer manager" not in str(exc).lower():
                    raise
                step(f"the load needs more than a {pool // 2**20} MiB buffer pool: loading again with more")
                for f in work.glob("db*"):
                    f.unlink()
        for leftover in (Path(str(db_file) + ".wal"), Path(str(db_file) + ".lock")):
            if leftover.exists():
                raise StoreError(
                    f"{target}: the engine left {leftover.name} after closing; not replacing the query database"
                )
        write_checksum(db_file, target)  # first: a crash before the rename leaves a mismatch, which rebuilds
        durable_replace(db_file, target)
        return stamp
    except OSError as exc:
        raise StoreError(
            f"{target}: cannot write the query database: {exc.strerror or exc}; the previous one (if any) is intact"
        ) from None
    except RuntimeError as exc:  # the engine's own errors
        text = str(exc)
        if "No space left on device" in text:
            raise StoreError(
                f"{target}: disk full while writing the query database; the previous one (if any) "
                "is intact. Free space and re-run"
            ) from None
        first = text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
        raise StoreError(f"{target}: the engine could not build the query database ({first})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _load(
    lb: Any,
    db_file: Path,
    pool: int,
    schema: Schema,
    files: list[ParquetFile],
    stamp_now: Callable[[], Stamp],
    step: Callable[[str], None],
) -> Stamp:
    """Load the Parquet `files` into a new database at `db_file` with a `pool`-byte buffer pool, then write its
    stamp (`stamp_now()`) and schema into it. The engine's errors are raised as they come (RuntimeError)."""
    db = lb.Database(str(db_file), buffer_pool_size=pool, max_db_size=embedded.BUILD_RESERVATION)
    conn = lb.Connection(db)
    try:
        for statement in create_statements(schema):
            conn.execute(statement)
        for table, path, pair in files:
            options = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
            conn.execute(f"COPY {table} FROM '{_quote_path(path)}'{options}")
            step(f"copied {table}{' ' + '-'.join(pair) if pair else ''}")
        conn.execute(f"CREATE NODE TABLE {META_TABLE}(key STRING PRIMARY KEY, value STRING)")
        stamp = stamp_now()
        for key, value in (("stamp", stamp.to_json()), ("schema", schema.to_json())):
            conn.execute(f"CREATE (:{META_TABLE} {{key: $key, value: $value}})", {"key": key, "value": value})
        return stamp
    finally:
        conn.close()
        db.close()


def release(g: nx.MultiDiGraph, *, frozen: bool = False) -> None:
    """Empty a graph and give its memory back to the system (malloc_trim returns the freed heap, which glibc
    would otherwise keep). `frozen`: the graph was frozen out of the collector's reach when loaded
    (`load_graph(freeze=True)`), so the frozen objects are handed back to it (`gc.unfreeze`) to be collected."""
    import ctypes
    import gc

    g.clear()
    if frozen:
        gc.unfreeze()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _quote_path(path: Path) -> str:
    text = str(path)
    if "'" in text or "\\" in text:
        raise StoreError(f"{path}: the query database cannot be built in a directory whose path holds ' or \\")
    return text


def _write_parquet(
    g: nx.MultiDiGraph, schema: Schema, work: Path, pa: ModuleType, step: Callable[[str], None]
) -> tuple[list[ParquetFile], dict[str, set[str]], dict[str, set[str]]]:
    """One Parquet file per node table and per (relationship, from, to) pair.

    Returns the files [(table, path, pair)] and the property names found outside the schema, per node
    table and per relationship type (then the caller extends the schema and writes again).
    """
    step("writing nodes")
    node_files = {
        t.name: _ParquetTable(pa, work / f"node-{t.name}.parquet", list(t.properties.items()), "node")
        for t in schema.nodes.values()
    }
    where_table: dict[str, tuple[str, str]] = {}
    names = {t.name: list(t.properties) for t in schema.nodes.values()}
    known = {t: frozenset(n) | {"__labels__"} for t, n in names.items()}
    extra_nodes: dict[str, set[str]] = {}
    table_of: dict[frozenset[str], str] = {}
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
    files: list[ParquetFile] = []
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
        rel_file = rel_files.get(pair)
        if rel_file is None:
            if k not in schema.rels:
                raise StoreError(
                    f"relationship {u} -[{k}]-> {v}: type {k!r} is not in the graph model; "
                    "rebuild the store with kg build"
                )
            if (a, b) not in schema.rels[k].pairs:
                raise StoreError(
                    f"relationship {u} -[{k}]-> {v}: a {k} cannot join {a} to {b} in the graph model; "
                    "rebuild the store with kg build"
                )
            columns = [("from", "STRING"), ("to", "STRING"), *schema.rels[k].properties.items()]
            rel_file = rel_files[pair] = _ParquetTable(pa, work / f"rel-{k}-{a}-{b}.parquet", columns, "relationship")
        if not rel_known[k].issuperset(data):
            extra_rels.setdefault(k, set()).update(x for x in data if x not in rel_known[k])
        rel_file.add((u, k, v), [u_id, v_id, *[data.get(n) for n in rel_names[k]]])
    for (k, a, b), f in rel_files.items():
        if f.close():
            files.append((k, f.path, (a, b)))
    return files, extra_nodes, extra_rels


def build_for_store(
    g: nx.MultiDiGraph,
    store: str | os.PathLike[str],
    progress: Callable[[str], None] | None = None,
    consume: bool = False,
    frozen: bool = False,
) -> Stamp:
    """Build the query database of the store file `store`, whose graph `g` is (already loaded or just saved);
    with `consume`, `g` is emptied on the way (see `build`; `frozen` as there)."""
    store = Path(store)
    st = store.stat()
    return build(
        g,
        query_db_path(store),
        store_stat=(st.st_size, st.st_mtime_ns),
        store_sha256=file_sha256(store),
        progress=progress,
        consume=consume,
        frozen=frozen,
    )
