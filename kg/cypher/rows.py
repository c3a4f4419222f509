"""Rows of the graph as Neo4j takes them (`UNWIND $rows`): one shape for `kg load` and the exports."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kg.cypher.codec import check_int, node_table, properties
from kg.cypher.statements import _KEY_PREFIX, NODE_STATEMENTS, REL_ENDPOINTS
from kg.model.errors import StoreError
from kg.model.schema import Label, Properties, Rel

if TYPE_CHECKING:
    import networkx as nx

Row = dict[str, Any]
"""One `UNWIND $rows` row: {"id", "props"} for a node, {"start", "end", "props"} for a relationship."""


def _node_label(key: str, data: Properties) -> Label:
    return Label(node_table(key, data))


def _strip_key(key: str, label: Label) -> str:
    prefix = _KEY_PREFIX[label]
    if not isinstance(key, str) or not key.startswith(prefix):
        raise StoreError(f"relationship endpoint {key!r} is not a {label.value} node; rebuild the store with kg build")
    return key[len(prefix) :]


def _node_where(key: str, data: Properties) -> str:
    """A node as an error message names it: its key, and for a paper the input record it came from."""
    sources = data.get("sources")
    if isinstance(sources, (list, tuple, set, frozenset)) and sources:
        first = min(str(s) for s in sources)
        more = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
        return f"node {key} (from {first}{more})"
    return f"node {key}"


def _check_ints(props: Properties, where: str) -> Properties:
    """`props`, once every integer in it (alone or in a list) fits Neo4j's 64-bit integers; a StoreError
    naming the element and the property otherwise (the driver would raise a bare OverflowError)."""
    for name, value in props.items():
        for v in value if isinstance(value, list) else (value,):
            if isinstance(v, int) and not isinstance(v, bool):
                check_int(v, f"{where}: property {name!r}")
    return props


def node_row(key: str, data: Properties) -> tuple[Label, Row]:
    """A node's table (Paper or its entity type) and its row; `data` holds its `__labels__` and properties.

    A value Neo4j cannot hold (an integer outside 64 bits) or a missing id is a StoreError naming the node."""
    label = _node_label(key, data)
    props = _check_ints(properties(data), _node_where(key, data))
    node_id = props.get("id")
    if not isinstance(node_id, str) or not node_id:
        raise StoreError(f"node {key}: no id property; rebuild the store with kg build")
    return label, {"id": node_id, "props": props}


def rel_row(u: str, v: str, k: str, data: Properties) -> tuple[Rel, Row]:
    """A relationship's type and its row (endpoint ids without their key prefix); a StoreError names a type
    outside the graph model, an endpoint of the wrong kind or a value Neo4j cannot hold."""
    try:
        rel = Rel(k)
    except ValueError:
        raise StoreError(
            f"relationship {u} -[{k}]-> {v}: type {k!r} is not in the graph model; rebuild the store with kg build"
        ) from None
    start, end = REL_ENDPOINTS[rel]
    props = _check_ints(properties(data), f"relationship {u} -[{k}]-> {v}")
    return rel, {"start": _strip_key(u, start), "end": _strip_key(v, end), "props": props}


def graph_rows(g: nx.MultiDiGraph) -> tuple[dict[str, list[Row]], dict[str, list[Row]]]:
    """Rows per node label (Paper or an entity type) and per relationship type, sorted for a stable order.

    A value Neo4j cannot hold (an integer outside 64 bits) is a StoreError naming the node or relationship."""
    nodes: dict[str, list[Row]] = {lbl.value: [] for lbl in NODE_STATEMENTS}
    for key, data in g.nodes(data=True):
        label, row = node_row(key, data)
        nodes[label.value].append(row)
    rels: dict[str, list[Row]] = {r.value: [] for r in Rel}
    for u, v, k, data in g.edges(keys=True, data=True):
        rel, row = rel_row(u, v, k, data)
        rels[rel.value].append(row)
    for rows in nodes.values():
        rows.sort(key=lambda r: r["id"])
    for rows in rels.values():
        rows.sort(key=lambda r: (r["start"], r["end"]))
    return nodes, rels


def row_bytes(row: Row) -> int:
    """The size a row takes as a parameter, estimated by its JSON text (UTF-8)."""
    return len(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8")) + 2
