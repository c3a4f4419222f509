"""Neo4j backend: schema, idempotent batched load, and read-only queries over Bolt.

    from kg.store.neo4j import Neo4jSettings, load_store, run_query
    settings = Neo4jSettings.from_env()            # NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE
    report = load_store("kg-store.jsonl.gz", settings)
    result = run_query("MATCH (e:Hardware) RETURN e.name AS name", settings=settings)

Node identity is `(:Paper {id})` and `(:Entity {id})`, with the entity's type
label (`:Entity:Hardware` ...) added. Relationships are merged on (start id,
end id, type), so loading twice changes nothing and loading a grown store adds
only what is new. Every statement is parameterised (`UNWIND $rows AS row
MERGE ...`); labels and relationship types in a statement come only from
`kg.graph.Label` / `kg.graph.Rel`, never from data.

Writes go in managed write transactions (`execute_write`), so the driver
retries transient failures and lost connections for up to `retry_seconds`.
Queries go in READ access-mode sessions (`execute_read`), and kg refuses write
clauses before sending them.

The password is taken from NEO4J_PASSWORD (or given in Python); it is never
printed, logged, or put in an exception message. A URI that carries a user name
or password (`bolt://user:pw@host`) is refused, and shown only as
`bolt://***@host`: credentials belong in NEO4J_USERNAME and NEO4J_PASSWORD.

Values Neo4j cannot hold are refused before anything is sent: an integer
outside the 64-bit range is a `StoreError` naming the node or relationship.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from pydantic import Field

from kg.errors import Neo4jError, QueryError, StoreError
from kg.graph import Label, Rel
from kg.models import QueryResult, Strict
from kg.store.codec import check_int, node_table, properties

# The driver logs retries and server notifications; with no logging set up by
# the application Python would print them (multi-line) on stderr.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

DEFAULT_URI = "bolt://localhost:7687"
DEFAULT_USER = "neo4j"
# Rows per write transaction. 10,000 (Neo4j's advice for UNWIND batches: 10k-50k) against 1,000 took kg load
# from 18k to 22k relationships/s at 100k papers (bench/run.py); --batch-bytes still bounds a batch's size.
DEFAULT_BATCH_SIZE = 10_000
DEFAULT_BATCH_BYTES = 4 * 1024 * 1024
DEFAULT_RETRY_SECONDS = 30.0
DEFAULT_CONNECT_TIMEOUT = 15.0
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

ENTITY_TYPE_LABELS = (Label.METHOD, Label.MODEL, Label.DATASET, Label.HARDWARE, Label.FRAMEWORK)

# Which node label each relationship type joins: (start, end).
REL_ENDPOINTS: dict[Rel, tuple[Label, Label]] = {
    Rel.MENTIONS: (Label.PAPER, Label.ENTITY),
    Rel.INTRODUCES: (Label.PAPER, Label.ENTITY),
    Rel.CITES: (Label.PAPER, Label.PAPER),
    Rel.VARIANT_OF: (Label.ENTITY, Label.ENTITY),
}

_KEY_PREFIX = {Label.PAPER: "paper:", Label.ENTITY: "entity:"}


# --------------------------------------------------------------------------- statements
# Built once, from the enums only. Data travels in $rows.

def paper_statement() -> str:
    return f"UNWIND $rows AS row MERGE (n:{Label.PAPER.value} {{id: row.id}}) SET n += row.props"


def entity_statement(type_label: Label) -> str:
    if type_label not in ENTITY_TYPE_LABELS:
        raise ValueError(f"not an entity type label: {type_label!r}")
    return (f"UNWIND $rows AS row MERGE (n:{Label.ENTITY.value} {{id: row.id}}) "
            f"SET n:{type_label.value} SET n += row.props")


def relationship_statement(rel: Rel) -> str:
    start, end = REL_ENDPOINTS[rel]
    return (f"UNWIND $rows AS row MATCH (a:{start.value} {{id: row.start}}) MATCH (b:{end.value} {{id: row.end}}) "
            f"MERGE (a)-[r:{rel.value}]->(b) SET r += row.props")


# Keys of the maps in $rows (the linter sees `row.start` as a property access).
ROW_KEYS = ("id", "start", "end", "props")

NODE_STATEMENTS: dict[Label, str] = {Label.PAPER: paper_statement(),
                                     **{t: entity_statement(t) for t in ENTITY_TYPE_LABELS}}
REL_STATEMENTS: dict[Rel, str] = {r: relationship_statement(r) for r in Rel}
COUNT_LABEL_STATEMENTS: dict[Label, str] = {lbl: f"MATCH (n:{lbl.value}) RETURN count(n) AS n" for lbl in Label}
COUNT_REL_STATEMENTS: dict[Rel, str] = {r: f"MATCH ()-[r:{r.value}]->() RETURN count(r) AS n" for r in Rel}


def load_statements() -> dict[str, str]:
    """Every statement `load` and `counts` can send, by a short name (for linting and docs)."""
    out = {f"node:{k.value}": v for k, v in NODE_STATEMENTS.items()}
    out.update({f"rel:{k.value}": v for k, v in REL_STATEMENTS.items()})
    out.update({f"count:{k.value}": v for k, v in COUNT_LABEL_STATEMENTS.items()})
    out.update({f"count:{k.value}": v for k, v in COUNT_REL_STATEMENTS.items()})
    return out


def schema_path() -> Path:
    from kg.query import cypher_dir

    return cypher_dir() / "schema.cypher"


def parse_statements(text: str) -> list[str]:
    """Split a Cypher script into statements on `;`, dropping `//` comment lines and blank lines."""
    statements, current = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        current.append(stripped)
        if stripped.endswith(";"):
            statements.append(" ".join(current)[:-1].strip())
            current = []
    if current:
        statements.append(" ".join(current).strip())
    return [s for s in statements if s]


def schema_statements(path: str | os.PathLike | None = None) -> list[str]:
    path = Path(path) if path else schema_path()
    try:
        return parse_statements(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: schema file not found; set KG_CYPHER_DIR to the cypher/ folder") from None


# --------------------------------------------------------------------------- settings

def redact_uri(uri: str) -> tuple[str, bool]:
    """`uri` with any user name and password replaced by `***` (`bolt://***@host:7687`), and whether it had any.

    Everything between `://` (or the start) and the last `@` counts as credentials, so a password holding
    `@`, `/` or `:` is hidden whole."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        scheme, rest = "", uri
    if "@" not in rest:
        return uri, False
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}", True


class Neo4jSettings:
    """Where and how to connect. The password is kept out of repr(), str() and messages.

    `uri` is kept without credentials (see `redact_uri`); a URI that had some cannot be connected to."""

    __slots__ = ("uri", "user", "database", "_password", "uri_has_credentials")

    def __init__(self, uri: str = DEFAULT_URI, user: str = DEFAULT_USER, password: str | None = None,
                 database: str | None = None):
        self.uri, self.uri_has_credentials = redact_uri(uri)
        self.user = user
        self.database = database or None
        self._password = password

    @classmethod
    def from_env(cls, uri: str | None = None, user: str | None = None, database: str | None = None,
                 password: str | None = None, environ: dict | None = None) -> "Neo4jSettings":
        """Arguments first, then NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE, then defaults."""
        env = os.environ if environ is None else environ
        return cls(uri=uri or env.get("NEO4J_URI") or DEFAULT_URI,
                   user=user or env.get("NEO4J_USERNAME") or DEFAULT_USER,
                   password=password if password is not None else env.get("NEO4J_PASSWORD"),
                   database=database or env.get("NEO4J_DATABASE") or None)

    @property
    def has_password(self) -> bool:
        return self._password is not None

    def with_password(self, password: str) -> "Neo4jSettings":
        return Neo4jSettings(self.uri, self.user, password, self.database)

    def where(self) -> str:
        return f"{self.uri}" + (f" (database {self.database})" if self.database else "")

    def __repr__(self) -> str:
        return (f"Neo4jSettings(uri={self.uri!r}, user={self.user!r}, database={self.database!r}, "
                f"password={'set' if self.has_password else 'unset'})")

    __str__ = __repr__


# --------------------------------------------------------------------------- reports

class SchemaIssue(Strict):
    statement: str
    error: str


class SchemaReport(Strict):
    applied: list[str] = Field(default_factory=list)
    rejected: list[SchemaIssue] = Field(default_factory=list)


class GraphCounts(Strict):
    nodes: int
    relationships: int
    labels: dict[str, int]
    types: dict[str, int]


class LoadReport(Strict):
    uri: str
    database: str | None
    store: str | None
    nodes: int
    relationships: int
    rows: int
    batches: int
    nodes_created: int
    relationships_created: int
    properties_set: int
    seconds: float
    rows_per_second: float
    schema_report: SchemaReport
    server: GraphCounts


@dataclass
class Batch:
    """One write: a statement and its rows. `kind` is "node" or "relationship"; `name` the label or type."""

    kind: str
    name: str
    statement: str
    rows: list[dict]
    bytes: int


@dataclass
class LoadProgress:
    """Passed to the `progress` callback after every committed batch."""

    batch: Batch
    batches_done: int
    batches_total: int
    rows_done: int
    rows_total: int
    counters: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- rows and batches

def _node_label(key: str, data: dict) -> Label:
    return Label(node_table(key, data))


def _strip_key(key: str, label: Label) -> str:
    prefix = _KEY_PREFIX[label]
    if not isinstance(key, str) or not key.startswith(prefix):
        raise StoreError(f"relationship endpoint {key!r} is not a {label.value} node; rebuild the store with kg build")
    return key[len(prefix):]


def _node_where(key: str, data: dict) -> str:
    """A node as an error message names it: its key, and for a paper the input record it came from."""
    sources = data.get("sources")
    if isinstance(sources, (list, tuple, set, frozenset)) and sources:
        first = min(str(s) for s in sources)
        more = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
        return f"node {key} (from {first}{more})"
    return f"node {key}"


def _check_ints(props: dict, where: str) -> dict:
    """`props`, once every integer in it (alone or in a list) fits Neo4j's 64-bit integers; a StoreError
    naming the element and the property otherwise (the driver would raise a bare OverflowError)."""
    for name, value in props.items():
        for v in value if isinstance(value, list) else (value,):
            if isinstance(v, int) and not isinstance(v, bool):
                check_int(v, f"{where}: property {name!r}")
    return props


def graph_rows(g: nx.MultiDiGraph) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """Rows per node label (Paper or an entity type) and per relationship type, sorted for a stable order.

    A value Neo4j cannot hold (an integer outside 64 bits) is a StoreError naming the node or relationship."""
    nodes: dict[str, list[dict]] = {lbl.value: [] for lbl in NODE_STATEMENTS}
    for key, data in g.nodes(data=True):
        label = _node_label(key, data)
        props = _check_ints(properties(data), _node_where(key, data))
        node_id = props.get("id")
        if not isinstance(node_id, str) or not node_id:
            raise StoreError(f"node {key}: no id property; rebuild the store with kg build")
        nodes[label.value].append({"id": node_id, "props": props})
    rels: dict[str, list[dict]] = {r.value: [] for r in Rel}
    for u, v, k, data in g.edges(keys=True, data=True):
        try:
            rel = Rel(k)
        except ValueError:
            raise StoreError(f"relationship {u} -[{k}]-> {v}: type {k!r} is not in the graph model; "
                             "rebuild the store with kg build") from None
        start, end = REL_ENDPOINTS[rel]
        props = _check_ints(properties(data), f"relationship {u} -[{k}]-> {v}")
        rels[rel.value].append({"start": _strip_key(u, start), "end": _strip_key(v, end), "props": props})
    for rows in nodes.values():
        rows.sort(key=lambda r: r["id"])
    for rows in rels.values():
        rows.sort(key=lambda r: (r["start"], r["end"]))
    return nodes, rels


def row_bytes(row: dict) -> int:
    """The size a row takes as a parameter, estimated by its JSON text (UTF-8)."""
    return len(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8")) + 2


def batches(kind: str, name: str, statement: str, rows: Iterable[dict], batch_size: int,
            batch_bytes: int) -> Iterator[Batch]:
    """Consecutive rows, at most `batch_size` per batch and at most `batch_bytes` of parameters
    (a single row larger than `batch_bytes` goes alone)."""
    current: list[dict] = []
    size = 0
    for row in rows:
        n = row_bytes(row)
        if current and (len(current) >= batch_size or size + n > batch_bytes):
            yield Batch(kind, name, statement, current, size)
            current, size = [], 0
        current.append(row)
        size += n
    if current:
        yield Batch(kind, name, statement, current, size)


def plan_batches(g: nx.MultiDiGraph, batch_size: int = DEFAULT_BATCH_SIZE,
                 batch_bytes: int = DEFAULT_BATCH_BYTES) -> list[Batch]:
    """All writes for `g`: every node label first, then every relationship type."""
    if batch_size < 1:
        raise Neo4jError(f"batch size {batch_size} is too small; use --batch-size 1 or more")
    if batch_bytes < 1:
        raise Neo4jError(f"batch bytes {batch_bytes} is too small; use --batch-bytes 1 or more")
    nodes, rels = graph_rows(g)
    plan: list[Batch] = []
    for label, statement in NODE_STATEMENTS.items():
        plan += batches("node", label.value, statement, nodes[label.value], batch_size, batch_bytes)
    for rel, statement in REL_STATEMENTS.items():
        plan += batches("relationship", rel.value, statement, rels[rel.value], batch_size, batch_bytes)
    return plan


# --------------------------------------------------------------------------- values

def plain_value(value):
    """A driver value as plain Python, matching what the local store returns (nodes as property dicts)."""
    from neo4j.graph import Node, Path as GraphPath, Relationship

    if isinstance(value, (Node, Relationship)):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, GraphPath):
        return [plain_value(n) for n in value.nodes]
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)


def query_parameters(cypher: str) -> list[str]:
    """The `$name` parameters a query uses (outside strings and comments), in order of first use."""
    from kg.query.lexer import Tok, tokenize

    try:
        tokens = tokenize(cypher)
    except QueryError:
        return []  # the server reports the syntax error
    seen: list[str] = []
    for token in tokens:
        if token.kind is Tok.PARAM and token.text not in seen:
            seen.append(token.text)
    return seen




def refuse_writes(cypher: str) -> None:
    """kg query is read-only on Neo4j too: write clauses are refused before anything is sent."""
    from kg.query.named import write_clause

    clause = write_clause(cypher)
    if clause:
        raise QueryError(f"kg query is read-only: {clause} is not allowed; "
                         "use kg load to change the graph in Neo4j")


# --------------------------------------------------------------------------- errors

def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _server_message(exc) -> str:
    code = getattr(exc, "code", None) or exc.__class__.__name__
    message = _first_line(getattr(exc, "message", None) or str(exc))
    return f"{code}: {message}" if message else str(code)


def _is_unreachable(exc) -> bool:
    from neo4j import exceptions as ne

    return isinstance(exc, (ne.ServiceUnavailable, ne.SessionExpired, ne.ConnectionAcquisitionTimeoutError,
                            OSError)) or (isinstance(exc, ne.DriverError) and "defunct" in str(exc).lower())


def _may_pass_later(exc) -> bool:
    """Whether sending the same batch again may succeed: the server was away, or the error was transient."""
    from neo4j import exceptions as ne

    return _is_unreachable(exc) or isinstance(exc, ne.TransientError)


def translate_error(exc: BaseException, settings: Neo4jSettings, during: str, *, hint: str = "") -> Exception:
    """A driver exception as a one-line `Neo4jError` (or `QueryError`) naming the server and the fix."""
    from neo4j import exceptions as ne

    where = settings.where()
    if isinstance(exc, ne.AuthError):
        return Neo4jError(f"{where}: authentication failed for user {settings.user!r} while {during}; "
                          "check NEO4J_USERNAME/--user and NEO4J_PASSWORD")
    if "AuthenticationRateLimit" in (getattr(exc, "code", None) or ""):
        return Neo4jError(f"{where}: too many failed logins for user {settings.user!r}, so the server refuses it "
                          f"for a few seconds (while {during}); check NEO4J_USERNAME/--user and NEO4J_PASSWORD, "
                          "then retry")
    if isinstance(exc, ne.Forbidden):
        return Neo4jError(f"{where}: user {settings.user!r} may not do this ({_server_message(exc)}) while {during}; "
                          "use a user with the needed privileges")
    if isinstance(exc, ne.ConfigurationError):
        return Neo4jError(f"{settings.uri}: {_first_line(str(exc))}; use a URI like bolt://localhost:7687 "
                          "or neo4j://host:7687 (--uri or NEO4J_URI)")
    if _is_unreachable(exc):
        fix = hint or "start Neo4j (docker compose up -d) or fix --uri/NEO4J_URI, then re-run"
        reason = _first_line(str(exc)).rstrip(":") or exc.__class__.__name__
        return Neo4jError(f"{where}: Neo4j is unreachable while {during} ({reason}); {fix}")
    if isinstance(exc, ne.ClientError):
        code = getattr(exc, "code", "") or ""
        if "DatabaseNotFound" in code:
            return Neo4jError(f"{where}: database {settings.database!r} does not exist; "
                              "create it or choose another with --database/NEO4J_DATABASE")
        return QueryError(f"{where}: Neo4j rejected the query while {during}: {_server_message(exc)}"
                          + (f"; {hint}" if hint else ""))
    if isinstance(exc, ne.Neo4jError):
        return Neo4jError(f"{where}: Neo4j failed while {during}: {_server_message(exc)}"
                          + (f"; {hint}" if hint else ""))
    if isinstance(exc, ne.DriverError):
        return Neo4jError(f"{where}: driver error while {during}: {_first_line(str(exc)) or exc.__class__.__name__}"
                          + (f"; {hint}" if hint else ""))
    return exc  # not a driver error: let it through unchanged


# --------------------------------------------------------------------------- the store

class Neo4jStore:
    """A connection to one Neo4j database. Use as a context manager, or call `close()`."""

    def __init__(self, settings: Neo4jSettings, *, driver=None, retry_seconds: float = DEFAULT_RETRY_SECONDS,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT):
        self.settings = settings
        self.retry_seconds = retry_seconds
        if driver is None:
            driver = self._make_driver(settings, retry_seconds, connect_timeout)
        self.driver = driver

    @staticmethod
    def _make_driver(settings: Neo4jSettings, retry_seconds: float, connect_timeout: float):
        from neo4j import GraphDatabase
        from neo4j import exceptions as ne

        if settings.uri_has_credentials:
            raise Neo4jError(f"{settings.uri}: the URI holds a user name or password (not shown); kg takes the user "
                             "from --user/NEO4J_USERNAME and the password only from NEO4J_PASSWORD, so remove them "
                             "from --uri/NEO4J_URI")
        scheme = settings.uri.split("://", 1)[0].lower() if "://" in settings.uri else ""
        if scheme not in URI_SCHEMES:
            raise Neo4jError(f"{settings.uri}: not a Bolt URI; use e.g. bolt://localhost:7687 or neo4j://host:7687 "
                             f"(schemes {', '.join(URI_SCHEMES)}) in --uri or NEO4J_URI")
        if not settings.has_password:
            raise Neo4jError(f"{settings.where()}: no password for user {settings.user!r}; "
                             "set NEO4J_PASSWORD (see .env.example)")
        try:
            return GraphDatabase.driver(settings.uri, auth=(settings.user, settings._password),
                                        max_transaction_retry_time=retry_seconds,
                                        connection_timeout=connect_timeout,
                                        connection_acquisition_timeout=max(connect_timeout * 2, 1.0))
        except (ne.ConfigurationError, ValueError) as exc:
            raise Neo4jError(f"{settings.uri}: not a usable Neo4j URI ({_first_line(str(exc))}); "
                             "use e.g. bolt://localhost:7687 or neo4j://host:7687 (--uri or NEO4J_URI)") from None

    def close(self) -> None:
        if self.driver is not None:
            try:
                self.driver.close()
            except Exception:  # noqa: BLE001 - closing a dead connection must not mask the real error
                pass
            self.driver = None

    def __enter__(self) -> "Neo4jStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- sessions

    def _session(self, read: bool):
        from neo4j import READ_ACCESS, WRITE_ACCESS

        return self.driver.session(database=self.settings.database,
                                   default_access_mode=READ_ACCESS if read else WRITE_ACCESS)

    def _write(self, statement: str, params: dict | None = None) -> dict:
        def work(tx):
            summary = tx.run(statement, params or {}).consume()
            return _counters(summary)

        with self._session(read=False) as session:
            return session.execute_write(work)

    def _read(self, statement: str, params: dict | None = None) -> QueryResult:
        def work(tx):
            result = tx.run(statement, params or {})
            columns = list(result.keys())
            rows = [[plain_value(v) for v in record.values()] for record in result]
            return QueryResult(columns=columns, rows=rows)

        with self._session(read=True) as session:
            return session.execute_read(work)

    # -- operations

    def verify(self) -> None:
        """Connect and authenticate once, so a bad URI, password or server is reported before any work."""
        try:
            self.driver.verify_connectivity()
        except Exception as exc:  # noqa: BLE001
            hint = "" if _is_unreachable(exc) else "check --uri/NEO4J_URI, --user/NEO4J_USERNAME and NEO4J_PASSWORD"
            raise translate_error(exc, self.settings, "connecting", hint=hint) from None

    def apply_schema(self, statements: list[str] | None = None) -> SchemaReport:
        """Run the schema statements one by one; a statement the server rejects is reported, not hidden.

        Unreachable servers and bad credentials stop the run (`Neo4jError`)."""
        from neo4j import exceptions as ne

        report = SchemaReport()
        for statement in schema_statements() if statements is None else statements:
            try:
                self._write(statement)
            except (ne.AuthError, ne.ServiceUnavailable, ne.SessionExpired) as exc:
                raise translate_error(exc, self.settings, "applying the schema") from None
            except ne.Neo4jError as exc:
                report.rejected.append(SchemaIssue(statement=statement, error=_server_message(exc)))
                continue
            except Exception as exc:  # noqa: BLE001
                raise translate_error(exc, self.settings, "applying the schema") from None
            report.applied.append(statement)
        return report

    def write_batches(self, plan: list[Batch], progress: Callable[[LoadProgress], None] | None = None) -> dict:
        totals = {"nodes_created": 0, "relationships_created": 0, "properties_set": 0}
        rows_total = sum(len(b.rows) for b in plan)
        rows_done = 0
        for i, batch in enumerate(plan):
            try:
                counters = self._write(batch.statement, {"rows": batch.rows})
            except Exception as exc:  # noqa: BLE001
                done = f"{i} of {len(plan)} batches ({rows_done} of {rows_total} rows) were written"
                hint = (f"{done}; kg load is idempotent, so re-run it to complete the load" if _may_pass_later(exc)
                        else f"{done}; once what the server reports is fixed, re-run kg load (it is idempotent) "
                             "to complete the load")
                raise translate_error(exc, self.settings, f"writing {batch.name} rows", hint=hint) from None
            for k in totals:
                totals[k] += counters.get(k, 0)
            rows_done += len(batch.rows)
            if progress is not None:
                progress(LoadProgress(batch, i + 1, len(plan), rows_done, rows_total, counters))
        return totals

    def load_graph(self, g: nx.MultiDiGraph, *, batch_size: int = DEFAULT_BATCH_SIZE,
                   batch_bytes: int = DEFAULT_BATCH_BYTES, schema: bool = True,
                   progress: Callable[[LoadProgress], None] | None = None, store: str | None = None) -> LoadReport:
        """Push `g` into Neo4j: schema first, then nodes, then relationships, batch by batch."""
        plan = plan_batches(g, batch_size, batch_bytes)
        self.verify()
        schema_report = self.apply_schema() if schema else SchemaReport()
        start = time.perf_counter()
        totals = self.write_batches(plan, progress)
        seconds = time.perf_counter() - start
        rows = sum(len(b.rows) for b in plan)
        return LoadReport(uri=self.settings.uri, database=self.settings.database, store=store,
                          nodes=g.number_of_nodes(), relationships=g.number_of_edges(), rows=rows,
                          batches=len(plan), seconds=round(seconds, 3),
                          rows_per_second=round(rows / seconds, 1) if seconds > 0 else float(rows),
                          schema_report=schema_report, server=self.counts(), **totals)

    def counts(self) -> GraphCounts:
        """Nodes per label and relationships per type of the graph model, as the server has them."""
        labels, types = {}, {}
        try:
            for label, statement in COUNT_LABEL_STATEMENTS.items():
                labels[label.value] = int(self._read(statement).rows[0][0])
            for rel, statement in COUNT_REL_STATEMENTS.items():
                types[rel.value] = int(self._read(statement).rows[0][0])
        except Exception as exc:  # noqa: BLE001
            raise translate_error(exc, self.settings, "counting nodes and relationships") from None
        return GraphCounts(nodes=labels[Label.PAPER.value] + labels[Label.ENTITY.value],
                           relationships=sum(types.values()),
                           labels=dict(sorted((k, v) for k, v in labels.items() if v)),
                           types=dict(sorted((k, v) for k, v in types.items() if v)))

    def query(self, cypher: str, params: dict | None = None) -> QueryResult:
        """Run a read-only query in a READ access-mode session (managed read transaction)."""
        params = dict(params or {})
        refuse_writes(cypher)
        needed = query_parameters(cypher)
        for name in needed:
            if name not in params:
                raise QueryError(f"query needs parameter ${name}; pass --param {name}=VALUE")
        try:
            return self._read(cypher.strip().rstrip(";"), {k: params[k] for k in needed})
        except Exception as exc:  # noqa: BLE001
            raise translate_error(exc, self.settings, "running the query") from None

    def named_query(self, name: str, params: dict | None = None) -> QueryResult:
        """Run a named query; entity and paper parameters are resolved as on the local store, with the
        same read-only Cypher (`kg.lookup`), against the graph in this database."""
        from kg.query import get_named_query, resolve_params

        q = get_named_query(name)
        return self.query(q.cypher, resolve_params(self.query, q, dict(params or {})))

    def run(self, cypher: str, params: dict) -> QueryResult:
        """`kg.lookup.Run`: lookups and stats read the server with this."""
        return self.query(cypher, params)


def _counters(summary) -> dict:
    c = summary.counters
    return {"nodes_created": c.nodes_created, "relationships_created": c.relationships_created,
            "properties_set": c.properties_set, "labels_added": c.labels_added}


# --------------------------------------------------------------------------- one call per command

def connect(settings: Neo4jSettings | None = None, **kwargs) -> Neo4jStore:
    return Neo4jStore(settings or Neo4jSettings.from_env(), **kwargs)


def load_store(store: str | os.PathLike | nx.MultiDiGraph | None = None, settings: Neo4jSettings | None = None, *,
               batch_size: int = DEFAULT_BATCH_SIZE, batch_bytes: int = DEFAULT_BATCH_BYTES, schema: bool = True,
               progress: Callable[[LoadProgress], None] | None = None,
               retry_seconds: float = DEFAULT_RETRY_SECONDS) -> LoadReport:
    """`kg load`: push the local store (a path, default $KG_STORE, or a graph) into Neo4j."""
    from kg.store import LocalStore

    if isinstance(store, nx.MultiDiGraph):
        graph, name = store, None
    else:
        local = LocalStore.open(store)
        graph, name = local.graph, str(local.path)
    with Neo4jStore(settings or Neo4jSettings.from_env(), retry_seconds=retry_seconds) as neo:
        return neo.load_graph(graph, batch_size=batch_size, batch_bytes=batch_bytes, schema=schema,
                              progress=progress, store=name)


def run_query(cypher: str | None = None, params: dict | None = None, settings: Neo4jSettings | None = None, *,
              name: str | None = None, retry_seconds: float = DEFAULT_RETRY_SECONDS) -> QueryResult:
    """`kg query --neo4j`: run CYPHER (or the named query `name`) on Neo4j, read-only."""
    if bool(cypher) == bool(name):
        raise QueryError("give either a Cypher query or a named query")
    with Neo4jStore(settings or Neo4jSettings.from_env(), retry_seconds=retry_seconds) as neo:
        neo.verify()
        return neo.named_query(name, params) if name else neo.query(cypher, params)


def server_counts(settings: Neo4jSettings | None = None) -> GraphCounts:
    with Neo4jStore(settings or Neo4jSettings.from_env()) as neo:
        return neo.counts()


__all__ = ["Neo4jSettings", "Neo4jStore", "LoadReport", "LoadProgress", "SchemaReport", "GraphCounts", "connect",
           "load_store", "run_query", "server_counts", "load_statements", "schema_statements", "plan_batches"]
