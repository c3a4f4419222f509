"""`kg build`: read -> link -> graph -> save, merging into an existing store."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from kg.graph import GraphBuilder, counts
from kg.ingest import ReadReport, merge_papers, read_papers
from kg.link.evidence import evidence
from kg.link.linker import Linker
from kg.link_files import ProgressBar, linked, worker_pool
from kg.model.collector import paused_gc
from kg.model.errors import KGError, StoreError
from kg.model.files import output_target
from kg.model.schema import ENTITY_TYPES
from kg.model.types import Strict
from kg.store.local import LocalStore, check_store, default_store_path, load_graph, remove_stale_temps, store_lock
from kg.store.querydb.build import build_for_store
from kg.store.querydb.paths import query_db_path

if TYPE_CHECKING:
    import networkx as nx

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
    freeze: bool = False,
) -> BuildReport:
    """Read inputs, merge them into the store's papers, link everything and save the graph atomically,
    then write the store's query database (`kg.store.querydb`) from the same graph.

    The same input twice changes nothing; more input adds what is new. The
    store records the extra catalogs it was linked with, and a build that
    names none links with those again (see `catalogs_for`). `freeze` is
    `kg.store.local.load_graph`'s, for the store read first.
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
        stale = remove_stale_temps(path)  # left by killed saves; safe now: no other build can be saving
        # Started now: where processes fork, the workers take a copy of this linker instead of building theirs;
        # and before the inputs are read, or each worker would keep a copy of every paper read (its pages, shared
        # at first, become the worker's as the parent frees and reuses them: ~400 MiB a worker at 100k papers).
        with worker_pool(workers, catalog_files, linker) as pool:
            report = read_papers(inputs, format=format, skip_bad=skip_bad, max_papers=max_papers)
            summary = report.summary()
            papers_before, paper_count, added, merged, graph = _link_into_graph(
                path, report, linker, pool, max_papers, progress, freeze
            )
        if catalog_files:  # recorded as absolute paths: a later build may run from another directory
            graph.graph["catalogs"] = [os.path.abspath(c) for c in catalog_files]
        LocalStore(graph, path).save()
        c = counts(graph)
        qdb_seconds = 0.0
        qdb_error = ""
        if query_db:
            qdb_started = time.perf_counter()
            stale += remove_stale_temps(query_db_path(path))
            try:
                build_for_store(graph, path, consume=True, frozen=freeze)  # the graph is not needed after this
            except StoreError as exc:  # the store is saved; the query database is rebuilt when first needed
                qdb_error = str(exc)
            qdb_seconds = time.perf_counter() - qdb_started
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
        entities={t: c["labels"].get(t, 0) for t in ENTITY_TYPES},
        mentions=c["types"].get("MENTIONS", 0),
        introduces=c["types"].get("INTRODUCES", 0),
        citations=c["types"].get("CITES", 0),
        variant_of=c["types"].get("VARIANT_OF", 0),
        nodes=c["nodes"],
        relationships=c["relationships"],
        seconds=round(time.perf_counter() - started, 3),
        stale_temp_files_removed=stale,
        query_db=str(query_db_path(path)) if query_db and not qdb_error else "",
        query_db_seconds=round(qdb_seconds, 3),
        query_db_error=qdb_error,
        catalogs=catalog_files,
        catalogs_kept=bool(catalog_files) and not given,
    )


def _link_into_graph(
    path: str | os.PathLike[str],
    report: ReadReport,
    linker: Linker,
    pool: LinkWorkers | None,
    max_papers: int | None,
    progress: bool,
    freeze: bool,
) -> tuple[int, int, int, int, nx.MultiDiGraph]:
    """The store's papers and the new ones, merged and linked into a graph: (papers before, papers, added,
    merged, the graph)."""
    existing = LocalStore(load_graph(path, freeze=freeze), path).papers() if Path(path).exists() else []
    papers_before = len(existing)
    papers, added, merged = merge_papers(existing, report.papers)
    del existing
    report.papers = []
    if max_papers is not None and len(papers) > max_papers:
        raise KGError(f"{path}: the store would hold {len(papers)} papers, more than --max-papers={max_papers}")
    papers.sort(key=lambda p: p.id)
    paper_count = len(papers)
    with paused_gc():
        builder = GraphBuilder(linker)
        for p in papers:
            builder.add_paper(p)
        records = [(p.id, p.title, p.abstract) for p in papers]
        del papers  # the graph holds the texts now; the Paper models would double a big corpus in memory
        bar = ProgressBar(len(records), "graph") if progress else None
        try:
            position = 0
            # A large corpus's analyses wait on disk beside the store, named as its temporary files are.
            with closing(linked(records, linker, pool, evidence, True, bar, spill_beside=path)) as parts:
                for part in parts:
                    for found in part:
                        builder.add_evidence(records[position][0], found)
                        position += 1
        finally:
            if bar is not None:
                bar.close()
        del records
        graph = builder.finish()
    return papers_before, paper_count, added, merged, graph


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
