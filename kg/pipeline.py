"""`kg build`: read -> link -> graph -> save, merging into an existing store; and `kg link`'s JSON Lines
(`link_jsonl`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import Field

from kg.graph import GraphBuilder, counts
from kg.ingest import ReadReport, merge_papers, read_papers
from kg.link.analysis import PaperAnalysis
from kg.link.corpus import FINISHING, LINKING, LinkWorkers, Record, link_corpus
from kg.link.evidence import evidence, json_line
from kg.link.linker import Linker
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

    from kg.link.analysis import EntityInfo, Hit

    Findings = tuple[list[Hit], dict[str, EntityInfo]]
    """What a worker sends back for one paper: a `PaperAnalysis`'s hits and entities."""

CHUNK = 256
"""Papers per task of `analyse_all`'s process pool."""

T = TypeVar("T")


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


_worker_linker: Linker | None = None  # a worker process's own linker, made by `_init_worker`


def _init_worker(catalog_files: list[str]) -> None:
    global _worker_linker
    _worker_linker = Linker(catalog_files=catalog_files)


def _analyse_chunk(chunk: Sequence[tuple[str, str, str]]) -> list[Findings]:
    """In a worker: only what was found travels back, not the texts the parent already holds."""
    linker = _worker_linker
    assert linker is not None, "every worker starts with _init_worker"
    out = []
    for pid, title, abstract in chunk:
        a = linker.analyse(pid, title, abstract)
        out.append((a.hits, a.entities))
    return out


class ProgressBar:
    """A tqdm bar on stderr for a corpus going through the linker (`kg.link.corpus.Progress`): "linking", then
    the step after it under its own label, each with its count, rate and time left."""

    def __init__(self, total: int, after: str) -> None:
        from tqdm import tqdm

        self.labels = {LINKING: "linking", FINISHING: after}
        self.step = LINKING
        self.bar = tqdm(total=total, unit="paper", desc=self.labels[LINKING], leave=False)

    def __call__(self, step: str, papers: int) -> None:
        if step != self.step:
            self.step = step
            self.bar.set_description(self.labels[step], refresh=False)
            self.bar.reset(total=self.bar.total)
        self.bar.update(papers)

    def close(self) -> None:
        self.bar.close()


def _linked(
    records: Sequence[Record],
    linker: Linker | None,
    pool: LinkWorkers | None,
    finish: Callable[[PaperAnalysis], T],
    propagate: bool,
    bar: ProgressBar | None,
) -> Iterator[list[T]]:
    """`finish` of each record's analysis, in order, a list per chunk: in the workers of `pool`, or with `linker`."""
    if pool is not None:
        return pool.link(records, finish, propagate=propagate, progress=bar)
    assert linker is not None, "no workers: the caller's linker links"
    return link_corpus(records, linker, finish, propagate=propagate, progress=bar)


class BytesOut(Protocol):
    def write(self, data: bytes, /) -> Any: ...


@dataclass
class LinkSummary:
    """What `link_jsonl` read (`read.papers` emptied: the papers went to the output) and wrote."""

    read: ReadReport
    papers: int
    entity_links: int


def link_jsonl(
    inputs: Iterable[str | os.PathLike[str]],
    out: BytesOut,
    *,
    format: str | None = None,
    skip_bad: bool = False,
    catalog: Iterable[str | os.PathLike[str]] = (),
    propagate: bool = True,
    workers: int = 1,
    progress: bool = False,
) -> LinkSummary:
    """`kg link`: read and link papers, and write each to `out` as one line of JSON (UTF-8 bytes), in order.

    Each line is byte for byte `LinkedPaper.model_dump_json(exclude_none=True)` of what
    `kg.api.link_inputs` returns for the paper, written from the linker's evidence tuples without the pydantic
    models (`kg.link.evidence.json_line`); in worker processes too with `workers` > 1, with the same bytes.
    The workers start first, so they build their linkers while this process reads. `progress`: a bar on
    stderr.
    """
    if workers < 1:
        raise KGError(f"--workers must be at least 1 (got {workers})")
    catalog_files = [str(c) for c in catalog]
    with worker_pool(workers, catalog_files) as pool, paused_gc():
        report = read_papers(inputs, format=format, skip_bad=skip_bad)
        records = [(p.id, p.title, p.abstract) for p in report.papers]
        report.papers = []
        linker = Linker(catalog_files=catalog_files) if pool is None else None
        bar = ProgressBar(len(records), "writing") if progress else None
        entity_links = 0
        try:
            for part in _linked(records, linker, pool, json_line, propagate, bar):
                out.write(b"".join([line for line, _ in part]))
                entity_links += sum([count for _, count in part])
        finally:
            if bar is not None:
                bar.close()
    return LinkSummary(report, len(records), entity_links)


@contextmanager
def worker_pool(
    workers: int, catalog_files: Sequence[str], linker: Linker | None = None
) -> Iterator[LinkWorkers | None]:
    """`LinkWorkers` for `workers` > 1 (closed on leaving; ended at once after a failure), else None."""
    if workers <= 1:
        yield None
        return
    with LinkWorkers(workers, catalog_files, linker=linker) as pool:
        yield pool


def analyse_all(
    papers: Sequence[tuple[str, str, str]],
    linker: Linker,
    catalog_files: Sequence[str],
    workers: int = 1,
    progress: bool = False,
) -> list[PaperAnalysis]:
    """Analyses of (id, title, abstract) records, in order, in this process or in `workers` processes that send
    every analysis back (bench/run.py's linker rows). `kg build` and `kg link` use `kg.link.corpus` instead,
    whose workers also match names across the corpus and finish their papers."""
    from tqdm import tqdm

    bar = tqdm(total=len(papers), unit="paper", desc="linking", disable=not progress, leave=False)
    out = []
    try:
        if workers <= 1 or len(papers) < 2 * CHUNK:
            for pid, title, abstract in papers:
                out.append(linker.analyse(pid, title, abstract))
                bar.update(1)
            return out
        chunks = (papers[i : i + CHUNK] for i in range(0, len(papers), CHUNK))
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(list(catalog_files),)
        ) as pool:
            position = 0
            for result in pool.map(_analyse_chunk, chunks):
                for hits, entities in result:
                    out.append(PaperAnalysis(*papers[position], hits, entities))
                    position += 1
                bar.update(len(result))
        return out
    finally:
        bar.close()


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
    report = read_papers(inputs, format=format, skip_bad=skip_bad, max_papers=max_papers)
    summary = report.summary()
    with store_lock(path):
        recorded = check_store(path).get("catalogs", []) if Path(path).exists() else []
        catalog_files = catalogs_for(path, given, recorded, forget_catalogs)
        linker = Linker(catalog_files=catalog_files)
        stale = remove_stale_temps(path)  # left by killed saves; safe now: no other build can be saving
        # Started now: where processes fork, the workers take a copy of this linker instead of building theirs.
        with worker_pool(workers, catalog_files, linker) as pool:
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
            for part in _linked(records, linker, pool, evidence, True, bar):
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
