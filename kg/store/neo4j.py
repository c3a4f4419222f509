"""Neo4j backend: schema, idempotent batched load, and read-only queries over Bolt.

    from kg.store.neo4j import Neo4jStore, load_store
    from kg.store.neo4j_settings import Neo4jSettings
    settings = Neo4jSettings.from_env()            # NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE
    report = load_store("kg-store.jsonl.gz", settings)
    with Neo4jStore(settings) as neo:
        result = neo.query("MATCH (e:Hardware) RETURN e.name AS name")

The statements and the row shapes are `kg.cypher`'s; this module connects,
batches and retries. Node identity is `(:Paper {id})` and `(:Entity {id})`,
with the entity's type label (`:Entity:Hardware` ...) added. Relationships are merged on (start id,
end id, type), so loading twice changes nothing and loading a grown store adds
only what is new. Every statement is parameterised (`UNWIND $rows AS row
MERGE ...`); labels and relationship types in a statement come only from
`kg.model.types.Label` / `kg.model.types.Rel`, never from data.

Writes go in managed write transactions (`execute_write`), so the driver
retries transient failures and lost connections for up to `retry_seconds`.
Queries go in READ access-mode sessions (`execute_read`), and kg refuses write
clauses before sending them.

A store file is loaded as a stream (`Neo4jStore.load_file`): its graph is never in memory, only the batches
being filled, one per label and relationship type. A graph from the Python API goes the same way
(`Neo4jStore.load_graph`), in the same batches as the store file written of it.

Beside this module: `neo4j_batches` (the load's rows cut into write batches),
`neo4j_settings` (where to connect; the password kept out of every message),
`neo4j_errors` (driver exceptions as one-line errors), `neo4j_reports` (what a
load reports). The driver logs retries and server notifications on the `neo4j`
logger; kg sets no handler for it (the CLI silences it).

Values Neo4j cannot hold are refused before anything is sent: an integer
outside the 64-bit range is a `StoreError` naming the node or relationship.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

import networkx as nx

from kg.cypher.clauses import query_parameters, refuse_writes
from kg.cypher.codec import driver_nodes, plain_value
from kg.cypher.scripts import schema_statements
from kg.cypher.statements import (
    AWAIT_INDEXES,
    AWAIT_INDEXES_SECONDS,
    COUNT_LABEL_STATEMENTS,
    COUNT_REL_STATEMENTS,
)
from kg.model.errors import Neo4jError, QueryError, StoreError
from kg.model.results import NodeRef, QueryResult
from kg.model.schema import Label
from kg.store.local import StoreFile, default_store_path
from kg.store.neo4j_batches import (
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_SIZE,
    Batch,
    LoadProgress,
    PlanTotals,
    element_batches,
    plan_batches,
)
from kg.store.neo4j_errors import first_line, is_unreachable, may_pass_later, server_message, translate_error
from kg.store.neo4j_reports import GraphCounts, LoadReport, SchemaIssue, SchemaReport
from kg.store.neo4j_settings import URI_SCHEMES, Neo4jSettings

if TYPE_CHECKING:
    from neo4j import ManagedTransaction, ResultSummary, Session

DEFAULT_RETRY_SECONDS = 30.0
DEFAULT_CONNECT_TIMEOUT = 15.0

Params: TypeAlias = dict[str, Any]
"""Query parameters by name. Any, because a parameter is any value Cypher takes (rows, strings, numbers, lists)."""

Driver: TypeAlias = Any
"""A `neo4j.Driver`, or None once `close()` ran. Any, because the methods use it as open without a check: typing
it `neo4j.Driver | None` would need one at each use, a behaviour change."""


# --------------------------------------------------------------------------- the store


class Neo4jStore:
    """A connection to one Neo4j database. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        settings: Neo4jSettings,
        *,
        driver: Driver = None,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.retry_seconds = retry_seconds
        if driver is None:
            driver = self._make_driver(settings, retry_seconds, connect_timeout)
        self.driver: Driver = driver

    @staticmethod
    def _make_driver(settings: Neo4jSettings, retry_seconds: float, connect_timeout: float) -> Driver:
        from neo4j import GraphDatabase
        from neo4j import exceptions as ne

        if settings.uri_has_credentials:
            raise Neo4jError(
                f"{settings.uri}: the URI holds a user name or password (not shown); kg takes the user "
                "from --user/NEO4J_USERNAME and the password only from NEO4J_PASSWORD, so remove them "
                "from --uri/NEO4J_URI"
            )
        scheme = settings.uri.split("://", 1)[0].lower() if "://" in settings.uri else ""
        if scheme not in URI_SCHEMES:
            raise Neo4jError(
                f"{settings.uri}: not a Bolt URI; use e.g. bolt://localhost:7687 or neo4j://host:7687 "
                f"(schemes {', '.join(URI_SCHEMES)}) in --uri or NEO4J_URI"
            )
        auth = settings.auth()
        if auth is None:
            raise Neo4jError(
                f"{settings.where()}: no password for user {settings.user!r}; set NEO4J_PASSWORD (see .env.example)"
            )
        try:
            return GraphDatabase.driver(
                settings.uri,
                auth=auth,
                max_transaction_retry_time=retry_seconds,
                connection_timeout=connect_timeout,
                connection_acquisition_timeout=max(connect_timeout * 2, 1.0),
            )
        except (ne.ConfigurationError, ValueError) as exc:
            raise Neo4jError(
                f"{settings.uri}: not a usable Neo4j URI ({first_line(str(exc))}); "
                "use e.g. bolt://localhost:7687 or neo4j://host:7687 (--uri or NEO4J_URI)"
            ) from None

    def close(self) -> None:
        if self.driver is not None:
            try:
                self.driver.close()
            except Exception:  # noqa: BLE001 - closing a dead connection must not mask the real error
                pass
            self.driver = None

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions

    def _session(self, read: bool) -> Session:
        from neo4j import READ_ACCESS, WRITE_ACCESS

        session: Session = self.driver.session(
            database=self.settings.database, default_access_mode=READ_ACCESS if read else WRITE_ACCESS
        )
        return session

    def _write(self, statement: str, params: Params | None = None) -> dict[str, int]:
        def work(tx: ManagedTransaction) -> dict[str, int]:
            summary = tx.run(statement, params or {}).consume()
            return _counters(summary)

        with self._session(read=False) as session:
            return session.execute_write(work)

    def _read(self, statement: str, params: Params | None = None, nodes: bool = False) -> QueryResult:
        def work(tx: ManagedTransaction) -> QueryResult:
            result = tx.run(statement, params or {})
            columns = list(result.keys())
            found: dict[NodeRef, None] | None = {} if nodes else None
            rows = []
            for record in result:
                values = record.values()
                if found is not None:
                    driver_nodes(values, found)
                rows.append([plain_value(v) for v in values])
            return QueryResult(columns=columns, rows=rows, nodes=None if found is None else list(found))

        with self._session(read=True) as session:
            return session.execute_read(work)

    # -- operations

    def verify(self) -> None:
        """Connect and authenticate once, so a bad URI, password or server is reported before any work."""
        try:
            self.driver.verify_connectivity()
        except Exception as exc:  # noqa: BLE001
            hint = "" if is_unreachable(exc) else "check --uri/NEO4J_URI, --user/NEO4J_USERNAME and NEO4J_PASSWORD"
            raise translate_error(exc, self.settings, "connecting", hint=hint) from None

    def apply_schema(self, statements: list[str] | None = None) -> SchemaReport:
        """Run the schema statements one by one, then wait for their indexes to come online
        (`kg.cypher.statements.AWAIT_INDEXES`); a statement or a wait the server rejects is reported, not hidden.

        Unreachable servers and bad credentials stop the run (`Neo4jError`)."""
        report = SchemaReport()
        for statement in schema_statements() if statements is None else statements:
            if self._schema_write(report, statement, "applying the schema"):
                report.applied.append(statement)
        if report.applied:
            self._schema_write(
                report, AWAIT_INDEXES, "waiting for the schema's indexes", {"seconds": AWAIT_INDEXES_SECONDS}
            )
        return report

    def _schema_write(self, report: SchemaReport, statement: str, doing: str, params: Params | None = None) -> bool:
        """Run one schema statement: True when the server took it; one it rejects goes into `report.rejected`."""
        from neo4j import exceptions as ne

        try:
            self._write(statement, params)
        except (ne.AuthError, ne.ServiceUnavailable, ne.SessionExpired) as exc:
            raise translate_error(exc, self.settings, doing) from None
        except ne.Neo4jError as exc:
            report.rejected.append(SchemaIssue(statement=statement, error=server_message(exc)))
            return False
        except Exception as exc:  # noqa: BLE001
            raise translate_error(exc, self.settings, doing) from None
        return True

    def write_batches(
        self,
        plan: Iterable[Batch],
        progress: Callable[[LoadProgress], None] | None = None,
        totals: PlanTotals | None = None,
    ) -> dict[str, int]:
        """Write `plan` batch by batch; `totals` are its totals (counted from `plan` when not given, so a stream
        of batches needs them). A failure says how many batches and rows of the totals were written."""
        if totals is None:
            plan = list(plan)
            totals = PlanTotals.of(plan)
        counts = {"nodes_created": 0, "relationships_created": 0, "properties_set": 0}
        rows_done = 0
        done = 0
        batches = iter(plan)
        while True:
            try:
                batch = next(batches, None)
            except StoreError as exc:  # a stream of batches read from a store file that failed to read
                raise StoreError(
                    f"{exc} ({done} of {totals.batches} batches, {rows_done} of {totals.rows} rows, were written "
                    "before; kg load is idempotent)"
                ) from None
            if batch is None:
                break
            try:
                counters = self._write(batch.statement, {"rows": batch.rows})
            except Exception as exc:  # noqa: BLE001
                written = f"{done} of {totals.batches} batches ({rows_done} of {totals.rows} rows) were written"
                hint = (
                    f"{written}; kg load is idempotent, so re-run it to complete the load"
                    if may_pass_later(exc)
                    else f"{written}; once what the server reports is fixed, re-run kg load (it is idempotent) "
                    "to complete the load"
                )
                raise translate_error(exc, self.settings, f"writing {batch.name} rows", hint=hint) from None
            for k in counts:
                counts[k] += counters.get(k, 0)
            rows_done += len(batch.rows)
            done += 1
            if progress is not None:
                progress(LoadProgress(batch, done, totals.batches, rows_done, totals.rows, counters))
        return counts

    def load_graph(
        self,
        g: nx.MultiDiGraph,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        schema: bool = True,
        progress: Callable[[LoadProgress], None] | None = None,
        store: str | None = None,
    ) -> LoadReport:
        """Push `g` into Neo4j: schema first, then nodes, then relationships, batch by batch."""
        plan = plan_batches(g, batch_size, batch_bytes)
        return self._load(lambda: iter(plan), PlanTotals.of(plan), schema, progress, store)

    def load_file(
        self,
        path: str | os.PathLike[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        schema: bool = True,
        progress: Callable[[LoadProgress], None] | None = None,
    ) -> LoadReport:
        """Push the store file at `path` into Neo4j as `load_graph` pushes its graph (the same batches), reading
        it as a stream in bounded memory: the graph is never loaded.

        The file is read twice, from one open file (the same bytes, even if a build replaces the store
        meanwhile): first through to its end marker, making every row and counting the batches but keeping
        none, so a damaged store or a value Neo4j cannot hold stops the load before anything is sent and the
        progress has its totals; then again, sending each batch as it fills."""
        source = str(path)
        with StoreFile(path) as f:

            def plan() -> Iterator[Batch]:
                return element_batches(f.elements(), batch_size, batch_bytes, source=source)

            totals = PlanTotals.of(plan())
            return self._load(plan, totals, schema, progress, source)

    def _load(
        self,
        plan: Callable[[], Iterator[Batch]],
        totals: PlanTotals,
        schema: bool,
        progress: Callable[[LoadProgress], None] | None,
        store: str | None,
    ) -> LoadReport:
        """Connect, apply the schema, write the batches `plan()` gives (`totals` of them), report."""
        self.verify()
        schema_report = self.apply_schema() if schema else SchemaReport()
        start = time.perf_counter()
        written = self.write_batches(plan(), progress, totals)
        seconds = time.perf_counter() - start
        return LoadReport(
            uri=self.settings.uri,
            database=self.settings.database,
            store=store,
            nodes=totals.nodes,
            relationships=totals.relationships,
            rows=totals.rows,
            batches=totals.batches,
            seconds=round(seconds, 3),
            rows_per_second=round(totals.rows / seconds, 1) if seconds > 0 else float(totals.rows),
            schema_report=schema_report,
            server=self.counts(),
            **written,
        )

    def counts(self) -> GraphCounts:
        """Nodes per label and relationships per type of the graph model, as the server has them."""
        labels: dict[str, int] = {}
        types: dict[str, int] = {}
        try:
            for label, statement in COUNT_LABEL_STATEMENTS.items():
                labels[label.value] = int(self._read(statement).rows[0][0])
            for rel, statement in COUNT_REL_STATEMENTS.items():
                types[rel.value] = int(self._read(statement).rows[0][0])
        except Exception as exc:  # noqa: BLE001
            raise translate_error(exc, self.settings, "counting nodes and relationships") from None
        return GraphCounts(
            nodes=labels[Label.PAPER.value] + labels[Label.ENTITY.value],
            relationships=sum(types.values()),
            labels=dict(sorted((k, v) for k, v in labels.items() if v)),
            types=dict(sorted((k, v) for k, v in types.items() if v)),
        )

    def query(self, cypher: str, params: Params | None = None, *, nodes: bool = False) -> QueryResult:
        """Run a read-only query in a READ access-mode session (managed read transaction); with `nodes`, the
        result also lists the nodes its rows hold (`QueryResult.nodes`)."""
        params = dict(params or {})
        refuse_writes(cypher, "use kg load to change the graph in Neo4j")
        needed = query_parameters(cypher)
        for name in needed:
            if name not in params:
                raise QueryError(f"query needs parameter ${name}; pass --param {name}=VALUE")
        try:
            return self._read(cypher.strip().rstrip(";"), {k: params[k] for k in needed}, nodes)
        except Exception as exc:  # noqa: BLE001
            raise translate_error(exc, self.settings, "running the query") from None

    def run(self, cypher: str, params: Params) -> QueryResult:
        """`kg.lookup.Run`: lookups and stats read the server with this."""
        return self.query(cypher, params)


def _counters(summary: ResultSummary) -> dict[str, int]:
    c = summary.counters
    return {
        "nodes_created": c.nodes_created,
        "relationships_created": c.relationships_created,
        "properties_set": c.properties_set,
        "labels_added": c.labels_added,
    }


# --------------------------------------------------------------------------- one call per command


def connect(settings: Neo4jSettings | None = None, **kwargs: Any) -> Neo4jStore:
    return Neo4jStore(settings or Neo4jSettings.from_env(), **kwargs)


def load_store(
    store: str | os.PathLike[str] | nx.MultiDiGraph | None = None,
    settings: Neo4jSettings | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    schema: bool = True,
    progress: Callable[[LoadProgress], None] | None = None,
    retry_seconds: float = DEFAULT_RETRY_SECONDS,
    freeze: bool = False,
) -> LoadReport:
    """`kg load`: push the local store into Neo4j. A path (default $KG_STORE) is read as a stream
    (`Neo4jStore.load_file`), a graph is sent as it is (`Neo4jStore.load_graph`). `freeze` is no longer used
    (no graph is loaded); it is kept for callers that pass it."""
    del freeze
    if isinstance(store, nx.MultiDiGraph):
        with Neo4jStore(settings or Neo4jSettings.from_env(), retry_seconds=retry_seconds) as neo:
            return neo.load_graph(
                store, batch_size=batch_size, batch_bytes=batch_bytes, schema=schema, progress=progress
            )
    path = default_store_path(store)
    with Neo4jStore(settings or Neo4jSettings.from_env(), retry_seconds=retry_seconds) as neo:
        return neo.load_file(path, batch_size=batch_size, batch_bytes=batch_bytes, schema=schema, progress=progress)


def server_counts(settings: Neo4jSettings | None = None) -> GraphCounts:
    with Neo4jStore(settings or Neo4jSettings.from_env()) as neo:
        return neo.counts()


__all__ = ["Neo4jStore", "Batch", "LoadProgress", "connect", "load_store", "server_counts", "plan_batches"]
