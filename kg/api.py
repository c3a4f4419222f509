"""The Python API behind each CLI command: one call per command.

    import kg
    store = kg.open_store("kg-store.jsonl.gz")
    store.query("MATCH (e:Hardware) RETURN e.name AS name ORDER BY name LIMIT 3").rows
    store.named_query("papers-mentioning-both", {"first": "H800", "second": "Megatron-LM"})
    store.lookup("megatron lm").name
    store.stats()
    store.graph            # the NetworkX graph, loaded on first use

Queries, lookups and stats read the store's query database (`kg.store.querydb`),
built beside the store by `kg build` and rebuilt on first use when the store
has changed since, so they never load the whole graph.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from kg.model.errors import QueryError

if TYPE_CHECKING:
    import networkx as nx

    from kg.export.report import ExportReport
    from kg.ingest import ReadReport
    from kg.link import Linker
    from kg.link.evaluate import Fold, Report
    from kg.link.spark import SparkLinkReport
    from kg.link_files import BytesOut, LinkSummary
    from kg.lookup import EntityIndex, LookupResult, Run
    from kg.model.results import QueryResult
    from kg.model.types import LinkedPaper, Paper
    from kg.pipeline import BuildReport
    from kg.query.named import NamedQuery
    from kg.query.types import Params
    from kg.report_text import JsonReport
    from kg.store.neo4j_batches import LoadProgress
    from kg.store.neo4j_reports import LoadReport
    from kg.store.neo4j_settings import Neo4jSettings
    from kg.store.querydb.current import QueryDatabase
    from kg.viz import ViewOptions, VizReport


class StoreOptions(TypedDict, total=False):
    """How `open_store` and the `kg` command calls open the local store: `Store`'s keyword arguments."""

    notify: Callable[[str], None] | None
    progress: Callable[[str], None] | None
    freeze: bool


class BuildOptions(TypedDict, total=False):
    """`build`'s options: `kg.pipeline.build`'s keyword arguments."""

    store: str | os.PathLike[str] | None
    catalog: Iterable[str | os.PathLike[str]]
    workers: int
    format: str | None
    skip_bad: bool
    max_papers: int | None
    progress: bool
    query_db: bool
    forget_catalogs: bool


def read_inputs(
    inputs: Iterable[str | os.PathLike[str]], *, format: str | None = None, skip_bad: bool = False
) -> ReadReport:
    """`kg read`: read paper files (listing, JSONL, arXiv, CSV; directories, globs, gzip) into papers and a
    report of what was read, skipped and not read (`kg.ingest.read_papers`)."""
    from kg.ingest import read_papers

    return read_papers(inputs, format=format, skip_bad=skip_bad)


def link_to_jsonl(
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
    """`kg link`: read and link papers and write each to `out` as a line of JSON (`kg.link_files.link_jsonl`)."""
    from kg.link_files import link_jsonl

    return link_jsonl(
        inputs,
        out,
        format=format,
        skip_bad=skip_bad,
        catalog=catalog,
        propagate=propagate,
        workers=workers,
        progress=progress,
    )


def link_on_spark(
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    format: str | None = None,
    skip_bad: bool = False,
    catalog: Iterable[str | os.PathLike[str]] = (),
    propagate: bool = True,
    master: str | None = None,
    partitions: int | None = None,
    notify: Callable[[str], None] | None = None,
) -> SparkLinkReport:
    """`kg link --engine spark`: read, merge and link on Apache Spark; the papers and their entity links written
    as Parquet to the directory `output` (`kg.link.spark.link_on_spark`; needs `pip install kg[spark]`)."""
    from kg.link.spark import link_on_spark as run

    return run(
        inputs,
        output,
        format=format,
        skip_bad=skip_bad,
        catalog=catalog,
        propagate=propagate,
        master=master,
        partitions=partitions,
        notify=notify,
    )


def build_from_mentions(
    directory: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None, query_db: bool = True
) -> BuildReport:
    """`kg build --from-mentions DIR`: a new store and its query database from `kg link --engine spark`'s
    output, without linking (`kg.build_mentions.build_from_mentions`)."""
    from kg.build_mentions import build_from_mentions as run

    return run(directory, store=store, query_db=query_db)


def build(inputs: Iterable[str | os.PathLike[str]], **options: Unpack[BuildOptions]) -> BuildReport:
    """`kg build`: read, link and merge into the store, then its query database (`kg.pipeline.build`)."""
    from kg.pipeline import build as build_store

    return build_store(inputs, **options)


def export_store(
    fmt: str, output: str | os.PathLike[str], store: str | os.PathLike[str] | None = None, *, freeze: bool = False
) -> ExportReport:
    """`kg export`: the local store as GraphML, neo4j-admin CSVs, a Cypher script or JSON Lines."""
    from kg.export import export_store as export

    return export(fmt, output, store, freeze=freeze)


def load_neo4j(
    store: str | os.PathLike[str] | None,
    settings: Neo4jSettings,
    *,
    batch_size: int | None = None,
    batch_bytes: int | None = None,
    progress: Callable[[LoadProgress], None] | None = None,
    freeze: bool = False,
) -> LoadReport:
    """`kg load`: push the local store into Neo4j, schema first, in batches, reading the store file as a stream
    (`kg.store.neo4j.load_store`); `freeze` is no longer used (no graph is loaded)."""
    del freeze
    from kg.store.neo4j import load_store
    from kg.store.neo4j_batches import DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE

    return load_store(
        store,
        settings,
        batch_size=batch_size or DEFAULT_BATCH_SIZE,
        batch_bytes=batch_bytes or DEFAULT_BATCH_BYTES,
        progress=progress,
    )


def list_named_queries() -> list[NamedQuery]:
    """`kg query --list`: the named queries in cypher/queries/, with their parameters."""
    from kg.query import named_queries

    return list(named_queries().values())


def make_linker(catalog: Iterable[str | Path] = ()) -> Linker:
    from kg.link import Linker

    return Linker(catalog_files=list(catalog))


def link_inputs(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    format: str | None = None,
    skip_bad: bool = False,
    catalog: Iterable[str | Path] = (),
    propagate: bool = True,
) -> tuple[ReadReport, list[LinkedPaper]]:
    """Read and link papers: the library call behind `kg link`."""
    from kg.ingest import read_papers

    report = read_papers(inputs, format=format, skip_bad=skip_bad)
    linker = make_linker(catalog)
    return report, linker.link_many(report.papers, propagate=propagate)


def link_papers(
    papers: Iterable[Paper], catalog: Iterable[str | Path] = (), propagate: bool = True
) -> list[LinkedPaper]:
    """Link papers to entities (`kg.link.Linker.link_many`), with the built-in catalog and any `catalog` files."""
    return make_linker(catalog).link_many(papers, propagate=propagate)


def evaluate_gold_sets(golds: Iterable[str | Path], *, catalog: Iterable[str | Path] = ()) -> list[Report]:
    """Score the linker on each gold JSONL file, one linker for all: the library call behind `kg evaluate`."""
    from kg.link.evaluate import evaluate_file

    linker = make_linker(catalog)
    return [{"gold": str(gold), **evaluate_file(gold, linker)} for gold in golds]


def cross_validate_gold(golds: Sequence[str | Path], *, catalog: Iterable[str | Path] = ()) -> list[Fold]:
    """Hold each gold set out in turn (`kg evaluate --cross-validate`; see `kg.link.evaluate.cross_validate`)."""

    from kg.link import Linker
    from kg.link.config import DEFAULT_CONFIG
    from kg.link.evaluate import cross_validate

    catalog_files = list(catalog)

    def linker_with(threshold: float) -> Linker:
        return Linker(catalog_files=catalog_files, config=replace(DEFAULT_CONFIG, min_confidence=threshold))

    return cross_validate(golds, linker_with, DEFAULT_CONFIG.min_confidence)


class Store:
    """A local store with its query database: what `kg query`, `kg lookup`, `kg stats` and `kg viz` read.

    `notify` receives one line when the query database has to be (re)built
    first, and `progress` the steps of that build. `freeze` is
    `kg.store.local.load_graph`'s, for every load of the store's graph.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        notify: Callable[[str], None] | None = None,
        progress: Callable[[str], None] | None = None,
        freeze: bool = False,
    ) -> None:
        from kg.store.local import default_store_path

        self.path = default_store_path(path)
        self.notify = notify
        self.progress = progress
        self.freeze = freeze
        self._qdb: QueryDatabase | None = None
        self._graph: nx.MultiDiGraph | None = None
        self._index: EntityIndex | None = None

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The whole graph in memory (loaded from the store file on first use)."""
        if self._graph is None:
            from kg.store.local import load_graph

            self._graph = load_graph(self.path, freeze=self.freeze)
        return self._graph

    @property
    def querydb(self) -> QueryDatabase:
        from kg.store.querydb.current import open_current

        if self._qdb is None:
            self._qdb = open_current(self.path, notify=self.notify, progress=self.progress, freeze=self.freeze)
        return self._qdb

    def close(self) -> None:
        if self._qdb is not None:
            self._qdb.close()
            self._qdb = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(
        self,
        cypher: str,
        params: Params | None = None,
        *,
        timeout: float | None = None,
        limit: int | None = None,
        nodes: bool = False,
    ) -> QueryResult:
        """Run a read-only Cypher query (Neo4j 5's dialect) on the store; with `nodes`, the result also lists
        the nodes its rows hold (`QueryResult.nodes`)."""
        from kg.query.engine import DEFAULT_TIMEOUT, DamagedQueryDatabase, run

        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        try:
            return run(self.querydb, cypher, params, timeout=timeout, limit=limit, nodes=nodes)
        except DamagedQueryDatabase as exc:  # a damaged cache of the store: rebuild it, then try once more
            self._rebuild_querydb(f"it is damaged: {exc}")
        try:
            return run(self.querydb, cypher, params, timeout=timeout, limit=limit, nodes=nodes)
        except DamagedQueryDatabase as exc:
            raise QueryError(
                f"the query database failed even when just rebuilt from the store ({exc}): an engine "
                "bug; run the query on Neo4j with --neo4j, and please report it"
            ) from None

    def _rebuild_querydb(self, why: str) -> None:
        from kg.store.querydb.current import rebuild

        self.close()
        rebuild(self.path, why, notify=self.notify, progress=self.progress, freeze=self.freeze)

    def run(self, cypher: str, params: Params) -> QueryResult:
        """`kg.lookup.Run`: what lookups and stats read the graph with."""
        return self.query(cypher, params)

    def named_query(
        self, name: str, params: Params | None = None, *, timeout: float | None = None, limit: int | None = None
    ) -> QueryResult:
        """Run a named query; entity and paper parameters are resolved like `lookup` first."""
        from kg.query import canonical_params, get_named_query

        q = get_named_query(name)
        return self.query(
            q.cypher, canonical_params(self.run, q, params or {}, self.entity_index()), timeout=timeout, limit=limit
        )

    def entity_index(self) -> EntityIndex:
        from kg.lookup import EntityIndex

        if self._index is None:
            self._index = EntityIndex.read(self.run)
        return self._index

    def lookup(self, name: str, *, limit: int = 10) -> LookupResult:
        from kg.lookup import lookup

        return lookup(self.run, name, limit=limit, index=self.entity_index())

    def stats(self, top: int = 5) -> JsonReport:
        from kg.stats import stats

        return stats(self.run, top=top)

    def view(
        self,
        output: str | os.PathLike[str] = "graph.html",
        view: ViewOptions | None = None,
        *,
        open_browser: bool = False,
    ) -> VizReport:
        """`kg viz`: the page around an entity or a paper, or of the nodes a query returns, read from the query
        database (only those nodes), or the whole graph (capped), read from the store. Returns a
        `kg.viz.VizReport`."""
        from kg import viz

        view = view or viz.ViewOptions()
        if not (view.entity or view.paper or view.query):
            return viz.render(self.graph, output, view, open_browser=open_browser)
        stamp = self.querydb.stamp
        return draw_view(
            self.run,
            lambda cypher, params, limit: self.query(cypher, params, limit=limit, nodes=True),
            self.entity_index,
            output,
            view,
            totals=(stamp.nodes, stamp.relationships),
            open_browser=open_browser,
        )

    def to_pyvis(self, view: ViewOptions | None = None) -> Any:  # a pyvis Network (pyvis has no type hints)
        """The view of the whole graph (`kg.viz.to_pyvis`) as a pyvis Network, for notebooks."""
        from kg.viz import DEFAULT_VIEW, to_pyvis

        return to_pyvis(self.graph, view or DEFAULT_VIEW)


def open_store(path: str | os.PathLike[str] | None = None, **store_options: Unpack[StoreOptions]) -> Store:
    """The local store at `path` (default: $KG_STORE or kg-store.jsonl.gz); see `Store`."""
    from kg.store.local import default_store_path

    path = default_store_path(path)
    if not Path(path).exists():
        from kg.model.errors import StoreError

        raise StoreError(f"{path}: no store here; build one with kg build INPUT... --store {path}")
    return Store(path, **store_options)


def run_query(
    cypher: str | None,
    params: Params | None = None,
    *,
    name: str | None = None,
    store: str | os.PathLike[str] | None = None,
    neo4j: Neo4jSettings | None = None,
    timeout: float | None = None,
    limit: int | None = None,
    **store_options: Unpack[StoreOptions],
) -> QueryResult:
    """`kg query`: run CYPHER, or the named query `name`, on the local store (`store_options` as for `Store`),
    or on the Neo4j server `neo4j` when given; at most `limit` rows (the result says if there were more)."""
    if neo4j is not None:
        return query_neo4j(cypher, params, neo4j, name=name, limit=limit)
    with open_store(store, **store_options) as local:
        if name:
            return local.named_query(name, params, timeout=timeout, limit=limit)
        return local.query(cypher or "", params, timeout=timeout, limit=limit)


def lookup_entity(
    name: str,
    *,
    store: str | os.PathLike[str] | None = None,
    neo4j: Neo4jSettings | None = None,
    limit: int = 10,
    **store_options: Unpack[StoreOptions],
) -> LookupResult:
    """`kg lookup`: the entity called `name` and what the graph knows about it, from the local store or, when
    `neo4j` is given, from that server. A `kg.model.errors.NotFoundError` (with suggestions) if there is none."""
    if neo4j is not None:
        return lookup_neo4j(name, neo4j, limit=limit)
    with open_store(store, **store_options) as local:
        return local.lookup(name, limit=limit)


def graph_stats(
    *,
    store: str | os.PathLike[str] | None = None,
    neo4j: Neo4jSettings | None = None,
    top: int = 5,
    **store_options: Unpack[StoreOptions],
) -> JsonReport:
    """`kg stats`: counts per label and relationship type and the top entities per type, from the local store
    or, when `neo4j` is given, from that server."""
    if neo4j is not None:
        return stats_neo4j(neo4j, top=top)
    with open_store(store, **store_options) as local:
        return local.stats(top=top)


def view_store(
    store: str | os.PathLike[str] | None,
    output: str | os.PathLike[str] = "graph.html",
    view: ViewOptions | None = None,
    *,
    open_browser: bool = False,
    **store_options: Unpack[StoreOptions],
) -> VizReport:
    """`kg viz`: the page of the local store's graph (see `Store.view`); returns a `kg.viz.VizReport`."""
    with open_store(store, **store_options) as local:
        return local.view(output, view, open_browser=open_browser)


def view_neo4j(
    settings: Neo4jSettings,
    output: str | os.PathLike[str] = "graph.html",
    view: ViewOptions | None = None,
    *,
    open_browser: bool = False,
) -> VizReport:
    """`kg viz --neo4j`: the page around an entity or a paper, or of the nodes a query returns, read from a
    Neo4j server with the same Cypher as on the local store (the whole graph is drawn from a local store)."""
    from kg import viz
    from kg.lookup import EntityIndex
    from kg.neighbourhood import graph_totals
    from kg.store.neo4j import Neo4jStore

    view = view or viz.ViewOptions()
    if not (view.entity or view.paper or view.query):
        raise viz.VizError(
            "with --neo4j, give --entity, --paper or --query (the whole graph is drawn from a local store)"
        )
    with Neo4jStore(settings) as server:
        server.verify()

        def query(cypher: str, params: Params, limit: int) -> QueryResult:
            return at_most(server.query(cypher, params, nodes=True), limit)

        return draw_view(
            server.run,
            query,
            lambda: EntityIndex.read(server.run),
            output,
            view,
            totals=graph_totals(server.run),
            open_browser=open_browser,
        )


QUERY_VIEW_ROWS = 100_000  # rows a --query view reads at most: far more nodes than a page can draw


def draw_view(
    run: Run,
    query: Callable[[str, Params, int], QueryResult],
    entity_index: Callable[[], EntityIndex],
    output: str | os.PathLike[str],
    view: ViewOptions,
    *,
    totals: tuple[int, int],
    open_browser: bool,
) -> VizReport:
    """The page of a view read from a database through `run`: around `view.entity` (resolved with
    `entity_index()`) or `view.paper`, or the nodes `query(view.query, view.params, QUERY_VIEW_ROWS)` returns."""
    from kg import viz
    from kg.graph import entity_key, paper_key
    from kg.lookup import find_paper
    from kg.neighbourhood import neighbourhood, query_view

    if view.query:
        result = query(view.query, dict(view.params), QUERY_VIEW_ROWS)
        if not result.rows:
            raise viz.VizError(
                "the query returned no rows: nothing to draw (try it with kg query, and check its names and labels)"
            )
        if not result.nodes:
            raise viz.VizError(
                f"the query returned {len(result.rows)} row{'s' if len(result.rows) != 1 else ''} but no "
                "Paper or Entity node to draw: return nodes or paths, e.g. "
                "MATCH (p:Paper)-[:MENTIONS]->(e:Entity {name: 'DeepSpeed'}) RETURN p, e"
            )
        qv = query_view(run, result.nodes, view.max_nodes)
        selection = viz.query_selection(qv.order, qv.total, view.query, QUERY_VIEW_ROWS if result.truncated else None)
        return viz.render(qv.graph, output, selection=selection, totals=totals, open_browser=open_browser)
    if view.entity:
        focus = entity_key(entity_index().resolve(view.entity)[0])
    else:
        focus = paper_key(find_paper(run, view.paper or ""))
    nb = neighbourhood(
        run, focus, view.hops, types=view.wanted, min_mentions=view.min_mentions, max_nodes=view.max_nodes
    )
    selection = viz.ego_selection(nb.graph, nb.focus, nb.order, nb.dist, nb.total, view.hops, view.filters)
    return viz.render(nb.graph, output, selection=selection, totals=totals, open_browser=open_browser)


def query_neo4j(
    cypher: str | None,
    params: Params | None,
    settings: Neo4jSettings,
    *,
    name: str | None = None,
    limit: int | None = None,
) -> QueryResult:
    """`kg query --neo4j`: run CYPHER, or the named query `name` (its entity and paper parameters resolved as
    on the local store, with the same read-only Cypher), on a Neo4j server; at most `limit` rows."""
    from kg.query import canonical_params, get_named_query
    from kg.store.neo4j import Neo4jStore

    if bool(cypher) == bool(name):
        raise QueryError("give either a Cypher query or a named query")
    with Neo4jStore(settings) as server:
        server.verify()
        if name:
            q = get_named_query(name)
            result = server.query(q.cypher, canonical_params(server.run, q, dict(params or {})))
        else:
            result = server.query(cypher or "", params)
    return at_most(result, limit)


def at_most(result: QueryResult, limit: int | None) -> QueryResult:
    """The first `limit` rows of a Neo4j result (`truncated` when there were more), as the local engine gives."""
    if limit is not None and len(result.rows) > limit:
        return replace(result, rows=result.rows[:limit], truncated=True)
    return result


def lookup_neo4j(name: str, settings: Neo4jSettings, *, limit: int = 10) -> LookupResult:
    """`kg lookup --neo4j`: the same lookup, with the same Cypher, on a Neo4j server."""
    from kg.lookup import lookup
    from kg.store.neo4j import Neo4jStore

    with Neo4jStore(settings) as server:
        return lookup(server.run, name, limit=limit)


def stats_neo4j(settings: Neo4jSettings, *, top: int = 5) -> JsonReport:
    """`kg stats --neo4j`: the same counts, with the same Cypher, on a Neo4j server."""
    from kg.stats import stats
    from kg.store.neo4j import Neo4jStore

    with Neo4jStore(settings) as server:
        return stats(server.run, top=top)
