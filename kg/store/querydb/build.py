"""Writing a query database from a graph: Parquet files per table, loaded by the engine, stamped, renamed in.

The database is only ever written under a temporary name beside it and then
renamed over it, so a reader sees the old database or the new one, never a
half-written one; deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from kg.cypher.codec import node_table
from kg.model.collector import give_back_memory
from kg.model.errors import StoreError
from kg.model.files import WorkDirectory, durable_replace
from kg.model.schema import Label, Properties
from kg.store.querydb import embedded
from kg.store.querydb.paths import query_db_path
from kg.store.querydb.schema import Schema, create_statements, model_schema, schema_of, schema_of_elements, value_type
from kg.store.querydb.stamp import FORMAT_VERSION, META_TABLE, Stamp, file_sha256, write_checksum
from kg.store.store_file import NODE

if TYPE_CHECKING:
    import networkx as nx

PAPER_TABLE = Label.PAPER.value
PAPER_PREFIX = "paper:"  # `kg.graph.model.paper_key`'s

# Rows per Parquet row group while building: bounds the builder's memory, whatever the corpus size.
ROWS_PER_GROUP = 50_000
# The engine's buffer pool while it loads the Parquet files. The engine holds what one COPY adds in its pool
# until that COPY's checkpoint. A node table is loaded in parts (`NODES_PER_COPY`), one COPY each, so its
# papers never need more than this pool (one COPY of 100,000 papers took 1.1 GB more). A relationship table
# must be loaded by one COPY: a COPY into one that already holds relationships takes the engine's slow path
# (at a million papers each part of 250,000 took 14-61 s more than the one before; all of them as one COPY,
# 11 s). So the pool grows, by opening the database again, for a relationship table that needs more
# (`POOL_BYTES_PER_RELATIONSHIP`), and by half again for a COPY that still runs out. Measured 2026-12-05.
BUILD_BUFFER_POOL = 512 * 1024 * 1024
MAX_BUILD_BUFFER_POOL = 32 * 1024 * 1024 * 1024
POOL_BYTES_PER_RELATIONSHIP = 512
"""Pool one COPY needs per relationship (2,000,000 MENTIONS: 768 MiB ran out, 1 GiB loaded them)."""
EARLY_LOAD_FREE_BYTES = 1 << 30
EARLY_LOAD_FREE_RATIO = 4
"""The node tables load while the store's relationships are written (`QueryDbWriter.nodes_done`) only with
this much free disk beside the store: at least 1 GiB and 4x the tables' files so far (the database takes
~2-3x its Parquet files, and the store is still growing). On a nearly full disk the store must be saved
first; the database then fails alone, and is built when first needed."""
NODES_PER_COPY = 20_000
"""Nodes per Parquet part, each loaded by one COPY: papers carry their abstracts (~1.6 KB a paper)."""
RELATIONSHIPS_PER_FILE = 250_000
"""Relationships per Parquet part (bounds the rows held while writing; one COPY loads a table's parts)."""

Arrow: TypeAlias = Any
"""A pyarrow object (data type, array, Parquet writer). Any, because pyarrow ships no type hints."""

ParquetFile: TypeAlias = tuple[str, list[Path], tuple[str, str] | None, int]
"""What one COPY loads: (table, its Parquet parts, (from table, to table) for a relationship table or None
for a node table, rows)."""

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

    def __init__(
        self, pa: ModuleType, path: Callable[[int], Path], columns: list[tuple[str, str]], what: str, per_file: int
    ):
        self.pa = pa
        self.place = path  # the path of part k, asked for when its first row group is written
        self.paths: list[Path] = []  # the parts written, each loaded by a COPY of its own
        self.per_file = per_file
        self.in_file = 0  # rows in the part being written
        self.what = what
        self.names = [n for n, _ in columns]
        self.kinds = [k for _, k in columns]
        self.schema = pa.schema([(n, _arrow_type(pa, k)) for n, k in columns])
        self.writer: Arrow = None  # a pyarrow ParquetWriter once the first row group is written
        self.buffer: list[tuple[Any, ...]] = []  # rows of property values, Any as in Properties
        self.keys: list[ElementKey] = []
        self.rows = 0
        self.room = min(ROWS_PER_GROUP, per_file)  # rows before the next row group is written

    def add(self, key: ElementKey, values: tuple[Any, ...]) -> None:
        self.buffer.append(values)  # a row: turned into columns when written (in C, by zip)
        self.keys.append(key)
        self.rows += 1
        if len(self.keys) >= self.room:
            self.flush()

    def flush(self) -> None:
        if not self.keys:
            return
        import pyarrow.compute as pc

        arrays = []
        columns = zip(*self.buffer, strict=True)
        for name, kind, column, field in zip(self.names, self.kinds, columns, self.schema, strict=True):
            try:
                array = self.pa.array(column, type=field.type)
            except (self.pa.ArrowInvalid, self.pa.ArrowTypeError, OverflowError, TypeError):
                raise self._bad_value(name, kind, column) from None
            if kind == "DOUBLE":
                array = pc.if_else(pc.is_finite(array), array, self.pa.scalar(None, self.pa.float64()))
            arrays.append(array)
        if self.writer is None:
            self.paths.append(self.place(len(self.paths)))
            self.writer = self.pa.parquet.ParquetWriter(str(self.paths[-1]), self.schema, compression="none")
        self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema))
        self.in_file += len(self.keys)
        self.buffer, self.keys = [], []
        if self.in_file >= self.per_file:
            self.writer.close()
            self.writer, self.in_file = None, 0
        self.room = min(ROWS_PER_GROUP, self.per_file - self.in_file)

    def _bad_value(self, name: str, kind: str, column: tuple[Any, ...]) -> StoreError:
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

    def close(self) -> list[Path]:
        """Finish the last part; the parts written, in order (none if the table has no rows)."""
        self.flush()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        return self.paths


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
    is given back before the engine loads the files. `frozen` says
    the graph was loaded with `load_graph(freeze=True)` (see `release`).
    """
    writer = QueryDbWriter(target, progress)
    try:
        writer.write_graph(g)
        if writer.tables.extra_nodes or writer.tables.extra_rels:  # properties beyond the graph model
            writer.restart(schema_of(g))
            writer.write_graph(g)
        if consume:
            release(g, frozen=frozen)
        return writer.finish(store_stat, store_sha256)
    finally:
        writer.abandon()


class QueryDbWriter:
    """A query database written as a stream (a `kg.graph.stream.GraphSink`): nodes and relationships go to
    Parquet files as they come, in a working directory beside `target`; `finish` loads them into the engine
    and puts the database in place atomically; `abandon` removes what is left (always call it).

    Nodes come before relationships, and a relationship's ends must have come as nodes.
    """

    def __init__(self, target: str | os.PathLike[str], progress: Callable[[str], None] | None = None) -> None:
        self.started = time.perf_counter()
        self.lb = embedded.engine()
        self.pa = _pyarrow()
        self.target = Path(target)
        self.step = progress or (lambda message: None)
        # named like the store's own temporary files, so `kg build` removes those a killed build left; made
        # when the first file is written (a small graph's tables are written when `finish` closes them)
        self.work = WorkDirectory(self.target, StoreError)
        self.tables = ParquetTables(model_schema(), self._directory, self.pa)
        self.loader: _Loader | None = None

    def restart(self, schema: Schema) -> None:
        """Start the files again with another schema (the graph has properties beyond the model's)."""
        self.abandon()
        self.tables = ParquetTables(schema, self._directory, self.pa)

    def nodes_done(self) -> None:
        """Every node has come: the engine starts loading the node tables in the background while the
        relationships are written (`_Loader.start_nodes`). Optional: `finish` loads whatever is not loaded."""
        tables = self.tables
        if self.loader is not None or tables.extra_nodes:  # properties beyond the model: `finish` says so
            return
        made = self.work.made  # None while the tables are small enough to wait in memory
        written = sum(e.stat().st_size for e in os.scandir(made) if e.is_file()) if made is not None else 0
        free = shutil.disk_usage(made or self.target.parent).free
        if free < max(EARLY_LOAD_FREE_BYTES, EARLY_LOAD_FREE_RATIO * written):
            return  # the store's relationships come first: the database loads after, if there is room
        try:
            files = tables.close_nodes()
        except OSError as exc:
            raise self._write_error(exc) from None
        self.loader = self._loader(tables.schema)
        self.loader.start_nodes(files)

    def _loader(self, schema: Schema) -> _Loader:
        try:
            return _Loader(self.lb, Path(self.work.path("db")), schema, self.step)
        except RuntimeError as exc:
            raise self._engine_error(exc) from None

    def _directory(self) -> Path:
        return Path(self.work.path())

    def node(self, key: str, props: Properties) -> None:
        try:
            self.tables.node(key, props)
        except OSError as exc:  # a full disk: the tables' files cannot be written
            raise self._write_error(exc) from None

    def relationship(self, u: str, v: str, rel_type: str, props: Properties) -> None:
        try:
            self.tables.relationship(u, v, rel_type, props)
        except OSError as exc:
            raise self._write_error(exc) from None

    def _write_error(self, exc: OSError) -> StoreError:
        return StoreError(
            f"{self.target}: cannot write the query database: {exc.strerror or exc}; "
            "the previous one (if any) is intact"
        )

    def write_graph(self, g: nx.MultiDiGraph) -> None:
        self.step("writing nodes")
        for key, data in g.nodes(data=True):
            self.tables.node(key, data)
        self.step("writing relationships")
        for u, v, k, data in g.edges(keys=True, data=True):
            self.tables.relationship(u, v, k, data)

    def finish(self, store_stat: tuple[int, int], store_sha256: str) -> Stamp:
        """Load the files into a new database and rename it over `target`; its stamp names the store file by
        `store_stat` ((size, mtime_ns)) and `store_sha256`."""
        tables = self.tables
        try:
            files = tables.close()
        except OSError as exc:
            raise self._write_error(exc) from None
        if tables.extra_nodes or tables.extra_rels:
            names = sorted({n for found in (*tables.extra_nodes.values(), *tables.extra_rels.values()) for n in found})
            raise StoreError(f"{self.target}: properties outside the graph model ({', '.join(names)}); rebuild")
        schema = tables.schema
        used_tables = {table for table, _, pair, _ in files if pair is None}
        labels = sorted({label for t in used_tables for label in schema.nodes[t].labels})
        schema = Schema(
            schema.nodes,
            schema.rels,
            tuple(labels),
            tuple(sorted({table for table, _, pair, _ in files if pair is not None})),
        )
        nodes, relationships = tables.nodes, tables.relationships
        self.step("loading the query database")
        target, started = self.target, self.started

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

        try:
            loader, self.loader = self.loader, None
            if loader is None:
                loader = self._loader(schema)
                files_left = files
            else:
                files_left = [f for f in files if f[2] is not None]  # the node tables are loading already
            try:
                loader.copy(files_left)
                stamp = loader.finish(schema, stamp_now)
            except BaseException:
                with contextlib.suppress(Exception):  # closing fails too on a full disk: the first error tells
                    loader.close()
                raise
            loader.close()
            db_file = loader.db_file
            for leftover in (Path(str(db_file) + ".wal"), Path(str(db_file) + ".lock")):
                if leftover.exists():
                    raise StoreError(
                        f"{target}: the engine left {leftover.name} after closing; not replacing the query database"
                    )
            write_checksum(db_file, target)  # first: a crash before the rename leaves a mismatch, which rebuilds
            durable_replace(db_file, target)
            return stamp
        except OSError as exc:
            raise self._write_error(exc) from None
        except RuntimeError as exc:  # the engine's own errors
            raise self._engine_error(exc) from None

    def _engine_error(self, exc: RuntimeError) -> StoreError:
        text = str(exc)
        if "No space left on device" in text:
            return StoreError(
                f"{self.target}: disk full while writing the query database; the previous one (if any) "
                "is intact. Free space and re-run"
            )
        first = text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
        return StoreError(f"{self.target}: the engine could not build the query database ({first})")

    def abandon(self) -> None:
        """Remove what is left (after the engine, if it is loading in the background, has finished)."""
        if self.loader is not None:
            with contextlib.suppress(Exception):  # after a failure elsewhere, which is the one to report
                self.loader.close(interrupt=True)
            self.loader = None
        self.work.remove()


class _Loader:
    """Loads Parquet files into a new database at `db_file`, one COPY each (`copy`), then writes its stamp
    and schema into it (`finish`); `close` closes it. The buffer pool starts at `BUILD_BUFFER_POOL` and grows
    for a COPY that needs more (see there). The engine's errors are raised as they come (RuntimeError).

    `start_nodes` copies the node tables in a thread of its own while the caller writes the relationships'
    files (the engine works without the interpreter lock, on one thread, so the caller keeps a core);
    `copy` waits for it first."""

    def __init__(self, lb: Any, db_file: Path, schema: Schema, step: Callable[[str], None]) -> None:
        self.lb, self.db_file, self.step = lb, db_file, step
        self.pool = BUILD_BUFFER_POOL
        self.threads = 0  # the engine's default: every core
        self.db: Any = None
        self.conn: Any = None
        self.background: threading.Thread | None = None
        self.failed: BaseException | None = None
        self._open(self.pool, 0)
        try:
            self._create(schema)
        except BaseException:
            self.close()
            raise

    def _create(self, schema: Schema) -> None:
        for statement in create_statements(schema):
            self.conn.execute(statement)

    def _open(self, pool: int, threads: int) -> None:
        self.close()
        self.pool, self.threads = pool, threads
        self.db = self.lb.Database(
            str(self.db_file), buffer_pool_size=pool, max_db_size=embedded.BUILD_RESERVATION, max_num_threads=threads
        )
        self.conn = self.lb.Connection(self.db)

    def start_nodes(self, files: list[ParquetFile]) -> None:
        """Copy the node tables' `files` in the background, the engine on one thread."""
        self._open(self.pool, 1)

        def run() -> None:
            try:
                self._copy(files)
            except BaseException as exc:  # raised by the next `copy` or `wait`
                self.failed = exc

        self.background = threading.Thread(target=run, name="kg-query-db-nodes", daemon=True)
        self.background.start()

    def wait(self) -> None:
        """Until the background copy has ended; its failure is raised here."""
        if self.background is not None:
            self.background.join()
            self.background = None
        if self.failed is not None:
            failed, self.failed = self.failed, None
            raise failed

    def copy(self, files: list[ParquetFile]) -> None:
        self.wait()
        if self.threads != 0:
            self._open(self.pool, 0)
        self._copy(files)

    def _copy(self, files: list[ParquetFile]) -> None:
        for table, paths, pair, rows in files:
            options = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
            source = ", ".join(f"'{_quote_path(p)}'" for p in paths)
            query = f"COPY {table} FROM {source if len(paths) == 1 else '[' + source + ']'}{options}"
            if pair and rows * POOL_BYTES_PER_RELATIONSHIP > self.pool:
                self._open(_pool_for(rows * POOL_BYTES_PER_RELATIONSHIP), self.threads)
                self.step(f"buffer pool {self.pool // 2**20} MiB for {rows} {table} relationships")
            while True:
                try:
                    self.conn.execute(query)
                    break
                except RuntimeError as exc:
                    text = str(exc)
                    if "buffer manager" not in text.lower() or self.pool >= MAX_BUILD_BUFFER_POOL:
                        raise
                    self.step(
                        f"{table}: more than a {self.pool // 2**20} MiB buffer pool needed; opening again with more"
                    )
                    self._open(_pool_for(self.pool * 3 // 2), self.threads)
                    if "committed successfully" in text:  # only its checkpoint failed: done when opened again
                        break
            self.step(f"copied {table}{' ' + '-'.join(pair) if pair else ''}")

    def finish(self, schema: Schema, stamp_now: Callable[[], Stamp]) -> Stamp:
        """Write the stamp (`stamp_now()`) and `schema` into the database."""
        self.wait()
        self.conn.execute(f"CREATE NODE TABLE {META_TABLE}(key STRING PRIMARY KEY, value STRING)")
        stamp = stamp_now()
        for key, value in (("stamp", stamp.to_json()), ("schema", schema.to_json())):
            self.conn.execute(f"CREATE (:{META_TABLE} {{key: $key, value: $value}})", {"key": key, "value": value})
        return stamp

    def close(self, interrupt: bool = False) -> None:
        """Close the database, once the background copy (if one runs) has ended; with `interrupt`, the engine is
        asked to stop it first (the build has failed: nobody will read what it loads)."""
        if self.background is not None:
            if interrupt and self.conn is not None:
                self.conn.interrupt()
            self.background.join()
            self.background = None
        if self.conn is not None:
            self.conn.close()
            self.db.close()
            self.conn = self.db = None


def _pool_for(needed: int) -> int:
    """`needed` bytes of pool rounded up to a whole 128 MiB, within `MAX_BUILD_BUFFER_POOL`."""
    step = 128 * 1024 * 1024
    return min(MAX_BUILD_BUFFER_POOL, -(-needed // step) * step)


def release(g: nx.MultiDiGraph, *, frozen: bool = False) -> None:
    """Empty a graph and give its memory back to the system (malloc_trim returns the freed heap, which glibc
    would otherwise keep). `frozen`: the graph was frozen out of the collector's reach when loaded
    (`load_graph(freeze=True)`), so the frozen objects are handed back to it (`gc.unfreeze`) to be collected."""
    import gc

    g.clear()
    if frozen:
        gc.unfreeze()
    give_back_memory()


def _quote_path(path: Path) -> str:
    text = str(path)
    if "'" in text or "\\" in text:
        raise StoreError(f"{path}: the query database cannot be built in a directory whose path holds ' or \\")
    return text


class ParquetTables:
    """One Parquet file per node table and per (relationship, from, to) pair, written as elements come.

    Property names outside `schema` are noted (`extra_nodes`, `extra_rels`: per table and per type), for the
    caller to extend the schema and write again. A relationship's ends are found by node key: kept per node,
    except a paper whose key is `paper:<its id>` (every paper of a graph kg builds), so that a corpus's papers
    take no memory here.
    """

    def __init__(self, schema: Schema, directory: Callable[[], Path], pa: ModuleType) -> None:
        self.schema, self.directory, self.pa = schema, directory, pa
        self.node_files = {
            t.name: _ParquetTable(pa, self._in(f"node-{t.name}"), list(t.properties.items()), "node", NODES_PER_COPY)
            for t in schema.nodes.values()
        }
        self.where_table: dict[str, tuple[str, str]] = {}
        self.names = {t.name: list(t.properties) for t in schema.nodes.values()}
        self.known = {t: frozenset(n) | {"__labels__"} for t, n in self.names.items()}
        self.extra_nodes: dict[str, set[str]] = {}
        self.table_of: dict[frozenset[str], str] = {}
        self.rel_files: dict[tuple[str, str, str], _ParquetTable] = {}
        self.rel_names = {r.name: list(r.properties) for r in schema.rels.values()}
        self.rel_known = {r: frozenset(n) | {"__labels__"} for r, n in self.rel_names.items()}
        self.extra_rels: dict[str, set[str]] = {}
        self.nodes = self.relationships = 0
        self.node_parts: list[ParquetFile] | None = None  # once `close_nodes` has finished the node tables

    def _in(self, name: str) -> Callable[[int], Path]:
        return lambda part: self.directory() / f"{name}-{part}.parquet"

    def node(self, key: str, data: Properties) -> None:
        if self.node_parts is not None:
            raise StoreError(f"node {key}: nodes must come before the node tables are closed")
        labels = data.get("__labels__", ())
        table = self.table_of.get(labels) if isinstance(labels, frozenset) else None
        if table is None:
            table = node_table(key, data)
            if isinstance(labels, frozenset):
                self.table_of[labels] = table
        node_id = data.get("id")
        if not isinstance(node_id, str) or not node_id:
            raise StoreError(f"node {key}: no id property; rebuild the store with kg build")
        known = self.known[table]
        if not known.issuperset(data):
            self.extra_nodes.setdefault(table, set()).update(k for k in data if k not in known)
        self.node_files[table].add(key, tuple(map(data.get, self.names[table])))
        if table != PAPER_TABLE or key != PAPER_PREFIX + node_id:
            self.where_table[key] = (table, node_id)
        self.nodes += 1

    def _ends(self, key: str) -> tuple[str, str]:
        found = self.where_table.get(key)
        if found is None:
            return PAPER_TABLE, key[len(PAPER_PREFIX) :]
        return found

    def relationship(self, u: str, v: str, k: str, data: Properties) -> None:
        (a, u_id), (b, v_id) = self._ends(u), self._ends(v)
        pair = (k, a, b)
        rel_file = self.rel_files.get(pair)
        schema = self.schema
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
            rel_file = self.rel_files[pair] = _ParquetTable(
                self.pa, self._in(f"rel-{k}-{a}-{b}"), columns, "relationship", RELATIONSHIPS_PER_FILE
            )
        known = self.rel_known[k]
        if not known.issuperset(data):
            self.extra_rels.setdefault(k, set()).update(x for x in data if x not in known)
        rel_file.add((u, k, v), (u_id, v_id, *map(data.get, self.rel_names[k])))
        self.relationships += 1

    def close_nodes(self) -> list[ParquetFile]:
        """Finish the node tables' files (no node may come after): [(table, [path], None, rows)] of those with
        rows, one per part."""
        if self.node_parts is None:
            files: list[ParquetFile] = []
            for name, f in self.node_files.items():
                parts = f.close()
                files += [
                    (name, [path], None, min(f.per_file, f.rows - i * f.per_file)) for i, path in enumerate(parts)
                ]
            self.node_parts = files
        return self.node_parts

    def close(self) -> list[ParquetFile]:
        """Finish the files: [(table, paths, pair, rows)] of those with rows, the node tables' first."""
        files = list(self.close_nodes())
        for (k, a, b), f in self.rel_files.items():
            parts = f.close()
            if parts:
                files.append((k, parts, (a, b), f.rows))
        return files


def build_from_store_file(store: str | os.PathLike[str], progress: Callable[[str], None] | None = None) -> Stamp:
    """Build the query database of the store file `store` from the file read as a stream: no graph in memory,
    whatever the store's size. A store with properties beyond the graph model (made through the Python API)
    is read again to type them, then written again."""
    from kg.store.local import store_elements

    store = Path(store)
    st = store.stat()
    sha256 = file_sha256(store)
    writer = QueryDbWriter(query_db_path(store), progress)

    def write_all() -> None:
        writer.step("writing the tables")
        for kind, key, rel_type, props in store_elements(store):
            if kind == NODE:
                writer.node(key, props)
            else:
                writer.relationship(key[0], key[1], rel_type, props)

    try:
        write_all()
        if writer.tables.extra_nodes or writer.tables.extra_rels:
            nodes = ((e[1], e[3]) for e in store_elements(store, relationships=False))
            edges = ((e[1][0], e[1][1], e[2], e[3]) for e in store_elements(store) if e[0] != NODE)
            writer.restart(schema_of_elements(nodes, edges))
            write_all()
        return writer.finish((st.st_size, st.st_mtime_ns), sha256)
    finally:
        writer.abandon()


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
