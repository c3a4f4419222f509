"""`kg build`: read -> link -> graph -> save, merging into an existing store, as a stream."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from pydantic import Field

from kg.graph.builder import Catalog, prepared_evidence
from kg.graph.stream import Counter, StreamBuilder, Tee
from kg.ingest import ReadReport
from kg.ingest.paper_table import PaperTable
from kg.ingest.read import merge_into, read_into
from kg.link.linker import Linker
from kg.link_files import ProgressBar, linked, worker_pool
from kg.model.collector import give_back_memory, paused_gc
from kg.model.errors import KGError, StoreError
from kg.model.files import WorkDirectory, output_target
from kg.model.schema import ENTITY_TYPES, Properties
from kg.model.types import Strict
from kg.store.local import check_store, default_store_path, remove_stale_temps, store_lock, store_papers, store_writer
from kg.store.querydb.build import QueryDbWriter
from kg.store.querydb.paths import query_db_path
from kg.store.querydb.stamp import checksum_path, file_sha256

if TYPE_CHECKING:
    from kg.link.corpus import LinkWorkers


class BuildReport(Strict):
    store: str
    files: int
    records_read: int
    skipped: int
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    ignored: int = 0  # directory entries not read (hidden, other extensions, devices, link loops, kg stores)
    ignored_reasons: dict[str, int] = Field(default_factory=dict)
    papers_before: int
    papers_added: int
    records_merged: int
    papers: int
    entities: dict[str, int]
    mentions: int
    introduces: int
    citations: int
    variant_of: int
    nodes: int
    relationships: int
    seconds: float
    stale_temp_files_removed: int = 0
    query_db: str = ""
    query_db_seconds: float = 0.0
    query_db_error: str = ""  # the store was saved, but its query database could not be written (why)
    catalogs: list[str] = Field(default_factory=list)  # extra catalog files linked with (absolute paths)
    catalogs_kept: bool = False  # they were recorded in the store and used again (no --catalog given)


def build(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    store: str | os.PathLike[str] | None = None,
    catalog: Iterable[str | os.PathLike[str]] = (),
    workers: int = 1,
    format: str | None = None,
    skip_bad: bool = False,
    max_papers: int | None = None,
    progress: bool = False,
    query_db: bool = True,
    forget_catalogs: bool = False,
) -> BuildReport:
    """Read inputs, merge them into the store's papers, link everything and write the graph as a stream to a
    new store file and to the store's query database (`kg.store.querydb`), each put in place atomically.

    Nothing holds the corpus in memory: the papers wait in a table on disk (`kg.ingest.paper_table`), the
    linker's analyses in spill files (`kg.link.corpus`), and each paper's relationships in a spool until the
    entities are complete (`kg.graph.stream`); all in a private directory beside the store, removed when
    the build ends (and, after a killed build, by the next one). The same input twice changes nothing; more
    input adds what is new. The store records the extra catalogs it was linked with, and a build that names
    none links with those again (see `catalogs_for`).
    """
    started = time.perf_counter()
    path = default_store_path(store)
    output_target(path, error=StoreError, option="--store", allow_stream=False)  # a device is refused first
    given = [str(c) for c in catalog]
    if workers < 1:
        raise KGError(f"--workers must be at least 1 (got {workers})")
    with store_lock(path):
        recorded = check_store(path).get("catalogs", []) if Path(path).exists() else []
        catalog_files = catalogs_for(path, given, recorded, forget_catalogs)
        linker = Linker(catalog_files=catalog_files)
        stale = remove_stale_build_temps(path, query_db)  # safe now: no other build can be writing
        # Started now: where processes fork, the workers take a copy of this linker instead of building theirs;
        # and before the inputs are read, or each worker would keep a copy of what the parent read.
        output = GraphOutput(path, catalog_files, query_db)
        table: PaperTable | None = None
        try:
            with worker_pool(workers, catalog_files, linker) as pool, disk_errors(path, output.work):
                report, table, papers_before, added, merged = _papers(
                    inputs, path, output.work, format, skip_bad, max_papers
                )
                with output.writing(linker) as graph:
                    _link(table, graph, linker, pool, path, progress)
            paper_count = len(table)
            table.close()
            del graph, linker  # the entities and the catalog: not needed to load the query database
            give_back_memory()
            qdb_seconds, qdb_error = output.finish_query_db()  # once the workers have ended: they take memory
        finally:
            if table is not None:
                table.close()
            output.close()
    summary = report.summary()
    return BuildReport(
        store=str(path),
        files=summary["files"],
        records_read=summary["records_read"],
        skipped=summary["skipped"],
        skipped_reasons=summary["skipped_reasons"],
        ignored=summary["ignored"],
        ignored_reasons=summary["ignored_reasons"],
        papers_before=papers_before,
        papers_added=added,
        records_merged=merged + summary["duplicates_merged"],
        papers=paper_count,
        **output.graph_counts(),
        seconds=round(time.perf_counter() - started, 3),
        stale_temp_files_removed=stale,
        query_db=str(query_db_path(path)) if query_db and not qdb_error else "",
        query_db_seconds=round(qdb_seconds, 3),
        query_db_error=qdb_error,
        catalogs=catalog_files,
        catalogs_kept=bool(catalog_files) and not given,
    )


def _papers(
    inputs: Iterable[str | os.PathLike[str]],
    path: Path,
    work: WorkDirectory,
    format: str | None,
    skip_bad: bool,
    max_papers: int | None,
) -> tuple[ReadReport, PaperTable, int, int, int]:
    """The inputs read, and merged into the store's papers if there is a store: (the read report, the papers
    on disk, papers before, added, merged)."""
    read = PaperTable(lambda: work.path("read.sqlite"))
    report = read_into(inputs, read, format=format, skip_bad=skip_bad, max_papers=max_papers)
    if not path.exists():
        return report, read, 0, len(read), 0
    table = PaperTable(lambda: work.path("papers.sqlite"))
    for p in store_papers(path):
        table.add(p)
    papers_before = len(table)
    added, merged = merge_into(table, read.in_order())
    read.close()
    if max_papers is not None and len(table) > max_papers:
        table.close()
        raise KGError(f"{path}: the store would hold {len(table)} papers, more than --max-papers={max_papers}")
    return report, table, papers_before, added, merged


def _link(
    table: PaperTable,
    graph: StreamBuilder,
    linker: Linker,
    pool: LinkWorkers | None,
    path: Path,
    progress: bool,
) -> None:
    """Link the papers in id order, each paper with its evidence into `graph` as it is finished."""
    papers = table.sorted()
    bar = ProgressBar(len(papers), "graph") if progress else None
    try:
        with paused_gc():
            position = 0
            # A large corpus's analyses wait on disk beside the store, named as its temporary files are.
            with closing(linked(papers, linker, pool, prepared_evidence, True, bar, spill_beside=path)) as parts:
                for part in parts:
                    for row, found in zip(papers.rows(position, position + len(part)), part, strict=True):
                        graph.add(row, found)
                    position += len(part)
    finally:
        if bar is not None:
            bar.close()


class GraphOutput:
    """A store file and its query database, written from one stream of the graph (`writing`), then the
    database loaded (`finish_query_db`); `close` removes whatever is left (always call it).

    `work` is the private directory beside the store for what waits on disk while building (the papers,
    each paper's relationships until the entities are complete).
    """

    def __init__(self, path: Path, catalog_files: list[str], query_db: bool) -> None:
        self.path = path
        self.catalogs = [os.path.abspath(c) for c in catalog_files]  # absolute: a later build may run elsewhere
        self.work = WorkDirectory(path, StoreError)
        self.query_db = QueryDbWriter(query_db_path(path)) if query_db else None
        self.guarded = Guarded(self.query_db)
        self.counter = Counter()

    @contextlib.contextmanager
    def writing(self, catalog: Catalog | None) -> Iterator[StreamBuilder]:
        """A `StreamBuilder` into the new store file and the query database's tables: add the papers in id
        order; the graph is finished, and the store put in place, when the block ends without error."""
        with store_writer(self.path, self.catalogs) as writer:
            graph = StreamBuilder(
                Tee(writer, self.counter, self.guarded), lambda: self.work.path("links.spool"), catalog
            )
            yield graph
            with paused_gc():  # millions of short-lived dicts and lists, freed by reference counting
                graph.finish(nodes_done=self.guarded.nodes_done)  # the engine loads the nodes meanwhile
        self.work.remove()

    def finish_query_db(self) -> tuple[float, str]:
        """Load the query database from its tables: (seconds, why it could not be written, or "")."""
        error = self.guarded.error
        if self.query_db is None or error:
            return 0.0, error
        started = time.perf_counter()
        try:
            st = self.path.stat()
            self.query_db.finish((st.st_size, st.st_mtime_ns), file_sha256(self.path))
        except StoreError as exc:  # the store is saved; the query database is rebuilt when first needed
            error = str(exc)
        return time.perf_counter() - started, error

    def graph_counts(self) -> GraphCounts:
        """What was written, as `BuildReport` counts it."""
        c = self.counter
        return {
            "entities": {t: c.labels.get(t, 0) for t in ENTITY_TYPES},
            "mentions": c.types.get("MENTIONS", 0),
            "introduces": c.types.get("INTRODUCES", 0),
            "citations": c.types.get("CITES", 0),
            "variant_of": c.types.get("VARIANT_OF", 0),
            "nodes": c.nodes,
            "relationships": c.relationships,
        }

    def close(self) -> None:
        if self.query_db is not None:
            self.query_db.abandon()
        self.work.remove()


def remove_stale_build_temps(path: Path, query_db: bool) -> int:
    """Remove what killed builds left beside the store (`kg.store.local.remove_stale_temps`): the store's
    temporary files and working directories, and with `query_db` the database's working directory and its
    checksum's temporary file. Call it under the store's lock. Returns how many were removed."""
    stale = remove_stale_temps(path)
    if query_db:
        stale += remove_stale_temps(query_db_path(path)) + remove_stale_temps(checksum_path(query_db_path(path)))
    return stale


class GraphCounts(TypedDict):
    entities: dict[str, int]
    mentions: int
    introduces: int
    citations: int
    variant_of: int
    nodes: int
    relationships: int


class Guarded:
    """The query database's writer as a sink whose failure (a `StoreError`) is noted, not raised: the store is
    written whatever happens to its query database, which is then rebuilt when first needed."""

    def __init__(self, sink: QueryDbWriter | None) -> None:
        self.sink = sink
        self.error = ""

    def node(self, key: str, props: Properties) -> None:
        if self.sink is not None:
            try:
                self.sink.node(key, props)
            except StoreError as exc:
                self.sink, self.error = None, str(exc)

    def relationship(self, u: str, v: str, rel_type: str, props: Properties) -> None:
        if self.sink is not None:
            try:
                self.sink.relationship(u, v, rel_type, props)
            except StoreError as exc:
                self.sink, self.error = None, str(exc)

    def nodes_done(self) -> None:
        if self.sink is not None:
            try:
                self.sink.nodes_done()
            except StoreError as exc:
                self.sink, self.error = None, str(exc)


@contextlib.contextmanager
def disk_errors(store: Path, work: WorkDirectory) -> Iterator[None]:
    """SQLite's errors (a full disk, above all) as one line naming the store and the directory."""
    try:
        yield
    except sqlite3.Error as exc:
        if "full" in str(exc):
            raise StoreError(
                f"{store}: disk full while building (in {work.made}); the previous store is intact. "
                "Free space and re-run"
            ) from None
        raise StoreError(
            f"{store}: cannot hold the papers in {work.made} while building: {exc}; the previous store is intact"
        ) from None


def catalogs_for(store: str | os.PathLike[str], given: list[str], recorded: list[str], forget: bool) -> list[str]:
    """The extra catalogs a build links with: those given, else those the store was built with.

    A build without --catalog on a store made with one used to relink every
    paper with the built-in catalog alone, silently dropping the entities that
    catalog defined. Now the store's catalogs are used again, and one that can
    no longer be read stops the build before anything changes. `forget` (the
    --forget-catalogs option) builds with the given ones only.
    """
    if given or forget:
        return given
    for catalog in recorded:
        if not os.path.isfile(catalog) or not os.access(catalog, os.R_OK):
            raise KGError(
                f"{store}: the store was built with --catalog {catalog}, which cannot be read now; "
                "pass --catalog with its new path to keep its entities, or --forget-catalogs to "
                "build with the built-in catalog only"
            )
    return list(recorded)
