"""Header CSVs for `neo4j-admin database import full`: one file per node kind, one per relationship type.

Rows are sorted by id (relationships by start and end id), and a file's columns are its properties in the order
the sorted rows first hold them, each typed from all its values. A store file holds its elements in another
order, so the export sorts: `_Tables` takes the elements in any order (from a graph, or streamed from a store
file by `export_neo4j_admin_store`), keeps each file's rows as sorted runs (past `SPILL_BYTES`, on disk) and
merges them as it writes. The columns and their types come from each row's shape (its property names and value
types) gathered on the way, so the store file is read once and no row needs to be kept in memory.
"""

from __future__ import annotations

import csv
import gc
import gzip
import heapq
import json
import os
import pickle
import shlex
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, TypeAlias

import networkx as nx

from kg.cypher.rows import node_row, rel_row
from kg.cypher.statements import ENTITY_TYPE_LABELS, REL_ENDPOINTS
from kg.export.report import ExportError, ExportReport, write_export
from kg.model.files import WorkDirectory
from kg.model.schema import Label, Properties, Rel
from kg.store.local import check_store, remove_stale_temps
from kg.store.store_file import NODE, iter_store

ARRAY_DELIMITER = "\x1f"  # U+001F (unit separator): never in kg's text, unlike ';'
ARRAY_DELIMITER_OPTION = "U+001F"  # ARRAY_DELIMITER as neo4j-admin's --array-delimiter option spells it

_NODE_FILES = {Label.PAPER: "papers.csv", Label.ENTITY: "entities.csv"}
_REL_FILES = {r: f"{r.value.lower()}.csv" for r in Rel}
IMPORT_NOTE = "IMPORT.txt"
SORT_RUNS = "sort-runs"
"""What the export's working directory (its sorted runs, past `SPILL_BYTES`) is named after."""


def _csv_cell(value: Any, kind: str, where: str) -> str:
    """A value as a cell of a column of type `kind`; `where` names the element in the error a list item can cause."""
    if value is None:
        return ""
    if kind == "string[]":
        items = [str(x) for x in value]
        for item in items:
            if ARRAY_DELIMITER in item:
                raise ExportError(
                    f"{where}: a list item contains U+001F, the array delimiter; remove it from the input and rebuild"
                )
        return ARRAY_DELIMITER.join(items)
    if kind == "boolean":
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


SPILL_BYTES = 64 << 20
"""Memory the held rows may take (`_HELD_OVERHEAD` each plus their pickled size) before the table holding the
most is sorted and written to a run file: the export's memory stays bounded whatever the store's size (the rows
of a 1M-paper store take ~4 GB)."""
_HELD_OVERHEAD = 300
"""Bytes of Python objects a held row takes besides its pickled text: its tuple, its sort key's tuple, strings
and int, the bytes header and the list slot (~250 for a paper, ~310 for a relationship, by sys.getsizeof)."""
MERGE_FAN_IN = 128
"""Run files merged at once. Past this many, runs are first merged into longer ones, so the files open at once
stay few (a 100M-paper store makes thousands of runs)."""

SortKey: TypeAlias = tuple[Any, ...]
"""A row's place in its file: (id, seq) for a paper, (id, type, seq) for an entity, (start, end, seq) for a
relationship; `seq` is the element's position in the graph or the store file, so equal ids keep that order."""
Record: TypeAlias = tuple[SortKey, Any]
"""(sort key, what the row needs besides it): (entity type or None, props) for a node, props for a relationship."""


def _csv_type(kinds: Iterable[type]) -> str:
    """A column's neo4j-admin type from the types of its values: string[], boolean, long, double, or string when
    mixed (or when it holds no value)."""
    present = set(kinds)
    if not present:
        return "string"
    if all(issubclass(t, list) for t in present):
        return "string[]"
    if all(issubclass(t, bool) for t in present):
        return "boolean"
    if all(issubclass(t, int) and not issubclass(t, bool) for t in present):
        return "long"
    if all(issubclass(t, (int, float)) and not issubclass(t, bool) for t in present):
        return "double"
    return "string"


def _read_run(path: Path) -> Iterator[Record]:
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


class _Table:
    """One CSV as its rows arrive in any order: the rows in sorted runs (in memory, then on disk), and the
    shape of every row (its property names and their types), from which the columns come."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.held: list[tuple[SortKey, bytes]] = []
        self.held_bytes = 0
        self.runs: list[Path] = []
        # (property names, their value types), in row order -> the smallest sort key of a row of that shape
        self.shapes: dict[tuple[tuple[str, ...], tuple[type, ...]], SortKey] = {}

    def add(self, key: SortKey, record: Any, props: Properties) -> int:
        """Hold one row; returns the bytes it takes."""
        shape = (tuple(props), tuple(map(type, props.values())))
        first = self.shapes.get(shape)
        if first is None or key < first:
            self.shapes[shape] = key
        blob = pickle.dumps((key, record), pickle.HIGHEST_PROTOCOL)
        self.held.append((key, blob))
        self.rows += 1
        size = len(blob) + _HELD_OVERHEAD
        self.held_bytes += size
        return size

    def columns(self) -> list[tuple[str, str]]:
        """(name, neo4j-admin type) of every property but `id`, in the order a reader of the sorted rows first
        meets them: the names of each row shape in order, the shapes in the order of their first rows."""
        first: dict[tuple[str, ...], SortKey] = {}
        kinds: dict[str, set[type]] = {}
        for (names, types), key in self.shapes.items():
            if names not in first or key < first[names]:
                first[names] = key
            for name, kind in zip(names, types, strict=True):
                kinds.setdefault(name, set()).add(kind)
        order: dict[str, None] = {}
        for names in sorted(first, key=first.__getitem__):
            order.update((n, None) for n in names if n != "id")
        return [(n, _csv_type(kinds[n])) for n in order]

    def spill(self, workdir: Path) -> int:
        """Write the held rows, sorted, as a run file; returns the bytes freed."""
        self.held.sort(key=itemgetter(0))
        path = workdir / f"{self.name}.{len(self.runs)}.run"
        with open(path, "wb") as f:
            for _, blob in self.held:
                f.write(blob)
        self.runs.append(path)
        freed, self.held, self.held_bytes = self.held_bytes, [], 0
        return freed

    def records(self, workdir: Path | None) -> Iterator[Record]:
        """Every row in sort-key order: the held rows and the runs, merged."""
        self.held.sort(key=itemgetter(0))
        held = (pickle.loads(blob) for _, blob in self.held)
        if not self.runs or workdir is None:
            return held
        while len(self.runs) > MERGE_FAN_IN:  # merge the oldest runs into one, until few enough stay
            merged = workdir / f"{self.name}.{len(self.runs)}.merged.run"
            with open(merged, "wb") as f:
                for record in heapq.merge(*(_read_run(p) for p in self.runs[:MERGE_FAN_IN])):
                    f.write(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
            for p in self.runs[:MERGE_FAN_IN]:
                p.unlink()
            self.runs = [*self.runs[MERGE_FAN_IN:], merged]
        return heapq.merge(*(_read_run(p) for p in self.runs), held)


def _node_lines(records: Iterable[Record], label: Label, columns: list[tuple[str, str]]) -> Iterator[list[str]]:
    for key, (type_label, props) in records:
        node_id = key[0]
        labels = label.value if type_label is None else f"{label.value}{ARRAY_DELIMITER}{type_label}"
        yield [node_id] + [_csv_cell(props.get(k), t, f"node {node_id}.{k}") for k, t in columns] + [labels]


def _rel_lines(records: Iterable[Record], rel: Rel, columns: list[tuple[str, str]]) -> Iterator[list[str]]:
    for (start, end, _), props in records:
        where = f"{rel.value} {start}->{end}"
        yield [start, end] + [_csv_cell(props.get(k), t, f"{where}.{k}") for k, t in columns] + [rel.value]


class _Tables:
    """The export's CSVs as the graph's elements arrive, in any order: `node` and `relationship` take one each,
    `write` writes every file. Memory stays under `SPILL_BYTES` of rows; past it, sorted runs go to a private
    temporary directory inside the export directory (removed when the export ends, written or not)."""

    def __init__(self, directory: Path) -> None:
        self.stale = _remove_stale_temps(directory)
        # named like an atomic write's temporary file of SORT_RUNS in `directory`, so that the next export
        # finds (and removes) the one a killed export left
        self.work = WorkDirectory(directory / SORT_RUNS, ExportError, "-o")
        self.directory = directory
        self.spill_bytes = SPILL_BYTES
        self.tables = {name: _Table(Path(name).stem) for name in (*_NODE_FILES.values(), *_REL_FILES.values())}
        self.papers, self.entities = self.tables[_NODE_FILES[Label.PAPER]], self.tables[_NODE_FILES[Label.ENTITY]]
        self.by_rel = {rel: self.tables[name] for rel, name in _REL_FILES.items()}
        self.type_order = {t: i for i, t in enumerate(ENTITY_TYPE_LABELS)}
        self.held_bytes = 0
        self.seq = 0

    def __enter__(self) -> _Tables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.work.remove()

    def node(self, key: str, data: Properties) -> None:
        label, row = node_row(key, data)
        self.seq += 1
        props = row["props"]
        if label is Label.PAPER:
            self._hold(self.papers, (row["id"], self.seq), (None, props), props)
        else:
            self._hold(self.entities, (row["id"], self.type_order[label], self.seq), (label.value, props), props)

    def relationship(self, u: str, v: str, k: str, data: Properties) -> None:
        rel, row = rel_row(u, v, k, data)
        self.seq += 1
        self._hold(self.by_rel[rel], (row["start"], row["end"], self.seq), row["props"], row["props"])

    def _hold(self, table: _Table, key: SortKey, record: Any, props: Properties) -> None:
        self.held_bytes += table.add(key, record, props)
        if self.held_bytes > self.spill_bytes:
            biggest = max(self.tables.values(), key=lambda t: t.held_bytes)
            try:
                self.held_bytes -= biggest.spill(Path(self.work.path()))  # the directory made at the first spill
            except OSError as exc:
                raise ExportError(
                    f"{self.directory}: cannot write the export's sort files ({exc.strerror or exc}); "
                    "free some space there or choose another -o"
                ) from None

    @property
    def runs(self) -> Path | None:
        """The directory of the sorted runs, if any table was spilled."""
        return Path(self.work.made) if self.work.made is not None else None

    @property
    def nodes(self) -> int:
        return self.papers.rows + self.entities.rows

    @property
    def relationships(self) -> int:
        return sum(t.rows for t in self.by_rel.values())

    def write(self) -> list[str]:
        """Every CSV, each written atomically, rows in their sort order; returns the paths written."""
        written: list[str] = []
        for label, table in ((Label.PAPER, self.papers), (Label.ENTITY, self.entities)):
            columns = table.columns()
            header = [f"id:ID({label.value})"] + [f"{k}:{t}" for k, t in columns] + [":LABEL"]
            lines = _node_lines(table.records(self.runs), label, columns)
            written.append(self._write_csv(_NODE_FILES[label], header, lines))
        for rel in Rel:
            table = self.by_rel[rel]
            start, end = REL_ENDPOINTS[rel]
            columns = table.columns()
            header = [f":START_ID({start.value})", f":END_ID({end.value})"]
            header += [f"{k}:{t}" for k, t in columns] + [":TYPE"]
            lines = _rel_lines(table.records(self.runs), rel, columns)
            written.append(self._write_csv(_REL_FILES[rel], header, lines))
        return written

    def _write_csv(self, name: str, header: list[str], rows: Iterable[list[str]]) -> str:
        path = self.directory / name

        def write(f: IO[str]) -> None:
            w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

        write_export(path, write, newline="")
        return str(path)


def admin_import_command(
    directory: str | os.PathLike[str], database: str = "neo4j", files: dict[str, list[str]] | None = None
) -> str:
    """The `neo4j-admin database import full` command for an export directory."""
    d = Path(directory)
    files = files or {
        "nodes": [_NODE_FILES[Label.PAPER], _NODE_FILES[Label.ENTITY]],
        "relationships": [_REL_FILES[r] for r in Rel],
    }
    parts = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        database,
        "--overwrite-destination",
        f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
        "--multiline-fields=true",
    ]
    parts += [f"--nodes={shlex.quote(str(d / name))}" for name in files["nodes"]]
    parts += [f"--relationships={shlex.quote(str(d / name))}" for name in files["relationships"]]
    return " ".join(parts)


def _remove_stale_temps(directory: Path) -> int:
    """Remove what killed exports left in `directory`: the temporary file of each CSV being written, and
    the directory of sort runs (`kg.store.local.remove_stale_temps`: only those of processes that have
    ended). Returns how many were removed."""
    names = (SORT_RUNS, *_NODE_FILES.values(), *_REL_FILES.values(), IMPORT_NOTE)
    return sum(remove_stale_temps(directory / name) for name in names)


def _export_directory(directory: str | os.PathLike[str]) -> Path:
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory}: exists and is not a directory; neo4j-admin export writes a directory of CSVs")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"{directory}: cannot create the export directory ({exc.strerror}); choose another -o"
        ) from None
    return directory


def _finish(tables: _Tables) -> ExportReport:
    """Write the CSVs and IMPORT.txt; the report."""
    directory = tables.directory
    written = tables.write()
    command = admin_import_command(directory)
    readme = directory / IMPORT_NOTE
    write_export(
        readme,
        lambda f: f.write(
            "Import into an empty (or to-be-replaced) database with the server stopped:\n\n"
            f"{command}\n\nthen start Neo4j and apply cypher/schema.cypher (kg load applies it too).\n"
        ),
    )
    written.append(str(readme))
    return ExportReport(
        format="neo4j-admin",
        path=str(directory),
        files=written,
        nodes=tables.nodes,
        relationships=tables.relationships,
        import_command=command,
        stale_temp_files_removed=tables.stale,
    )


def export_neo4j_admin(g: nx.MultiDiGraph, directory: str | os.PathLike[str]) -> ExportReport:
    """Header CSVs for `neo4j-admin database import full`: one file per node kind, one per relationship type.

    ID spaces `Paper` and `Entity` keep paper and entity ids apart; `:LABEL` carries `Entity` and the type,
    joined by the array delimiter (U+001F), as neo4j-admin expects for several labels. Rows are sorted by id
    (relationships by start and end id); the columns are every property, in the order the sorted rows first
    hold them, typed from all their values."""
    with _Tables(_export_directory(directory)) as tables:
        for key, data in g.nodes(data=True):
            tables.node(key, data)
        for u, v, k, data in g.edges(keys=True, data=True):
            tables.relationship(u, v, k, data)
        return _finish(tables)


def export_neo4j_admin_store(store: str | os.PathLike[str], directory: str | os.PathLike[str]) -> ExportReport:
    """`export_neo4j_admin` of a store file, read as a stream: the same files, byte for byte, without the graph
    in memory. Each element becomes its row as it is read; the rows are sorted in bounded memory (`_Tables`:
    runs of `SPILL_BYTES` on disk, merged when written), and their columns and types are gathered on the way,
    so the file is read once. A truncated or corrupt store is found before any CSV is written."""
    path = Path(store)
    check_store(path)  # there, readable, a kg store: before the export directory is made
    with _Tables(_export_directory(directory)) as tables:
        enabled = gc.isenabled()
        gc.disable()  # millions of acyclic rows: collections would only walk the held ones again and again
        try:
            with gzip.open(path, "rb") as f:
                for kind, key, labels, props in iter_store(f, str(path)):
                    if kind == NODE:
                        props["__labels__"] = labels
                        tables.node(key, props)
                    else:
                        tables.relationship(key[0], key[1], labels, props)
        finally:
            if enabled:
                gc.enable()
        return _finish(tables)
