"""Run Cypher on the query database: parse, translate, execute with limits, and shape rows as Neo4j gives them.

Rows come back as Neo4j's driver (through kg's `plain_value`) would give
them: a node or relationship as its property map (no nulls: Neo4j stores
none), a path as the list of its nodes' maps, integers as ints (the engine's
128-bit sums included), maps as dicts.
"""

from __future__ import annotations

import decimal
import time
from collections.abc import Mapping

from kg.model.errors import QueryError
from kg.model.results import NodeRef, QueryResult
from kg.model.schema import Label
from kg.query.parser import parse
from kg.query.translate import Translation, translate
from kg.query.types import Params, Value
from kg.store.querydb.current import QUERY_BUFFER_POOL, QueryDatabase
from kg.store.querydb.schema import Table

DEFAULT_TIMEOUT = 60.0
DEFAULT_LIMIT = 100_000
_INTERNAL_KEYS = {"_ID", "_LABEL", "_SRC", "_DST"}


def prepare(qdb: QueryDatabase, cypher: str, params: Params | None = None) -> Translation:
    """The engine query for `cypher` (syntax and support checked); raises QueryError with one line."""
    return translate(parse(cypher), qdb.schema, params or {})


def run(
    qdb: QueryDatabase,
    cypher: str,
    params: Params | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    limit: int | None = None,
    nodes: bool = False,
) -> QueryResult:
    """Run a read query; at most `limit` rows (`truncated` says whether there were more). With `nodes`, the
    result also lists the Paper and Entity nodes its rows hold (`QueryResult.nodes`), for `kg viz --query`."""
    translation = prepare(qdb, cypher, params)
    conn = qdb.conn
    if timeout is not None:
        conn.set_query_timeout(max(1, int(timeout * 1000)))
    started = time.monotonic()
    try:
        conn.execute(f"CALL enable_semi_mask={'false' if translation.no_semi_mask else 'true'}")
        conn.execute(f"CALL enable_plan_optimizer={'false' if translation.no_optimizer else 'true'}")
        result = conn.execute(translation.text, translation.params)
        id_columns = [("INTERNAL_ID" in str(t)) for t in result.get_column_data_types()]
        rows: list[list[Value]] = []
        found: dict[NodeRef, None] | None = {} if nodes else None
        truncated = False
        while result.has_next():
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            raw = result.get_next()
            if found is not None:
                for v in raw:
                    _collect_nodes(v, qdb.schema.nodes, found)
            rows.append([_plain(v, ids) for v, ids in zip(raw, id_columns)])
        result.close()
    except RuntimeError as exc:
        raise engine_error(exc, timeout, time.monotonic() - started) from None
    except UnicodeDecodeError:
        raise DamagedQueryDatabase("it returned text that is not UTF-8") from None
    for i, column in enumerate(translation.columns):
        if column.strip_null_keys:
            drop = set(column.strip_null_keys)
            for row in rows:
                if isinstance(row[i], dict):
                    row[i] = {k: v for k, v in row[i].items() if not (k in drop and v is None)}
    return QueryResult(
        columns=[c.name for c in translation.columns],
        rows=rows,
        truncated=truncated,
        nodes=None if found is None else list(found),
    )


def _collect_nodes(value: Value, tables: Mapping[str, Table], found: dict[NodeRef, None]) -> None:
    """Add the nodes in an engine value (a node, a path's nodes, inside lists and maps) to `found`, in order.

    A relationship adds nothing: its ends are internal ids, and a view draws the
    relationships among the nodes it shows anyway."""
    if isinstance(value, dict):
        if "_NODES" in value and "_RELS" in value:
            for n in value["_NODES"]:
                _collect_nodes(n, tables, found)
            return
        if "_ID" in value and "_LABEL" in value and "_SRC" not in value:
            table = tables.get(str(value["_LABEL"]))
            if table is not None and value.get("id") is not None:
                label = Label.PAPER.value if Label.PAPER.value in table.labels else Label.ENTITY.value
                found.setdefault(NodeRef(label, str(value["id"])), None)
            return
        for v in value.values():
            _collect_nodes(v, tables, found)
    elif isinstance(value, list):
        for v in value:
            _collect_nodes(v, tables, found)


class DamagedQueryDatabase(QueryError):
    """The query database's pages do not hold together: the file is damaged, not the query.

    The database is a cache of the store, so the remedy is to rebuild it
    (`kg.api.Store.query` does, once). The message says what the engine met.
    """


DAMAGE_SIGNS = (
    "storage exception",
    "corrupt",
    "out of bounds for file",
    "invalid hash index",
    "cannot read checkpoint",
    "not a valid",
    "cannot load disk array",
    "cannot read pip page",
)
"""Engine error texts (lower case) that mean damaged pages. LadybugDB reports them as RuntimeError like any other
error; these phrases are from its storage layer, each seen on a query database damaged on purpose."""


def engine_error(exc: Exception, timeout: float | None, elapsed: float) -> QueryError:
    """The engine's error as one line a user can act on."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    lowered = first.lower()
    if any(sign in lowered for sign in DAMAGE_SIGNS):
        return DamagedQueryDatabase(f"the engine could not read it ({first})")
    if "interrupt" in lowered or "timeout" in lowered or "timed out" in lowered:
        return QueryError(
            f"the query ran longer than {timeout:g} s and was stopped (nothing was changed); "
            "narrow it, or raise --timeout"
        )
    if "buffer manager" in lowered or "out of memory" in lowered or "memory" in lowered and "exceed" in lowered:
        return QueryError(
            f"the query needs more than the {QUERY_BUFFER_POOL // 2**20} MiB a local query may use "
            "(nothing was changed); narrow it (fewer rows, LIMIT), or run it on Neo4j with --neo4j"
        )
    if "conversion exception" in lowered or "cast failed" in lowered:
        return QueryError(
            f"a value could not be converted ({first.split(':', 1)[-1].strip()}); where Neo4j would "
            "give null the local store stops; check the conversion functions in the query"
        )
    if "overflow" in lowered:
        return QueryError(f"integer overflow ({first.split(':', 1)[-1].strip()})")
    if "divide by zero" in lowered or "division by zero" in lowered:
        return QueryError("division by zero")
    return QueryError(f"the local query engine could not run the query: {first}")


def _plain(value: Value, ids: bool = False) -> Value:
    """An engine value as Neo4j's driver gives it (see the module docstring)."""
    if isinstance(value, dict):
        if "_NODES" in value and "_RELS" in value:
            return [_plain(n) for n in value["_NODES"]]
        if "_ID" in value and "_LABEL" in value and isinstance(value["_ID"], dict):
            return {k: _plain(v, ids) for k, v in value.items() if k not in _INTERNAL_KEYS and v is not None}
        if ids and set(value) == {"offset", "table"}:
            return (value["table"] << 40) + value["offset"]
        return {k: _plain(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, ids) for v in value]
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
