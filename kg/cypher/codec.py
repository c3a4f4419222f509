"""Property values as the databases hold them: one codec for Neo4j and the query database.

The NetworkX store keeps Python values: tuples for shared mention lists,
`__labels__` frozensets, no key for an absent property. A database row takes
lists, no labels and no nulls (Neo4j stores no null property), and no
non-finite float (kg's store never makes one; the Python API could). Values a Neo4j driver returns
come back as plain Python (`plain_value`), as the local store returns them; `driver_nodes` picks out
the nodes among them, for `kg viz --query`.
"""

from __future__ import annotations

import math
from typing import Any

from kg.model.errors import StoreError
from kg.model.results import NodeRef
from kg.model.schema import ENTITY_TYPES, Label, Properties

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def clean_value(value: Any) -> Any:
    """A property value as databases take it: tuples and sets as lists, non-finite floats as absent (None)."""
    if isinstance(value, (set, frozenset)):
        return sorted(str(v) for v in value)
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def properties(data: Properties) -> Properties:
    """A node's or relationship's properties: no `__labels__`, no nulls, lists for tuples and sets."""
    out: Properties = {}
    for k, v in data.items():
        if k == "__labels__" or v is None:
            continue
        v = clean_value(v)
        if v is not None:
            out[k] = v
    return out


def node_table(key: str, data: Properties) -> str:
    """The one table a node belongs to: "Paper" or its entity type ("Hardware" ...)."""
    labels = set(data.get("__labels__", ()))
    if Label.PAPER.value in labels:
        return Label.PAPER.value
    if Label.ENTITY.value in labels:
        types = [t for t in ENTITY_TYPES if t in labels]
        if len(types) != 1:
            raise StoreError(
                f"node {key}: entity needs exactly one type label of {', '.join(ENTITY_TYPES)}, "
                f"has {sorted(labels)}; rebuild the store with kg build"
            )
        return types[0]
    raise StoreError(f"node {key}: labels {sorted(labels)} are not in the graph model; rebuild the store with kg build")


def check_int(value: int, where: str) -> int:
    """A 64-bit integer, as Neo4j and the query database hold them; a StoreError naming the element otherwise."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise StoreError(
            f"{where}: {value} does not fit a 64-bit integer, the largest a graph database holds; "
            "fix the value in the input and rebuild"
        )
    return value


def node_labels(data: Properties) -> list[str]:
    """A node's labels in the graph model's order: Paper, or Entity then its type."""
    have = set(data.get("__labels__", ()))
    return [lbl.value for lbl in Label if lbl.value in have]


def driver_nodes(value: Any, found: dict[NodeRef, None]) -> None:
    """Add the Paper and Entity nodes in a driver value (a node, a path's nodes, inside lists and maps) to
    `found`, in order; the local engine's twin is `kg.query.engine`'s. Relationships add nothing."""
    from neo4j.graph import Node
    from neo4j.graph import Path as GraphPath

    if isinstance(value, Node):
        label = next((x.value for x in (Label.PAPER, Label.ENTITY) if x.value in value.labels), None)
        if label is not None and value.get("id") is not None:
            found.setdefault(NodeRef(label, str(value["id"])), None)
    elif isinstance(value, GraphPath):
        for n in value.nodes:
            driver_nodes(n, found)
    elif isinstance(value, dict):
        for v in value.values():
            driver_nodes(v, found)
    elif isinstance(value, (list, tuple)):
        for v in value:
            driver_nodes(v, found)


def plain_value(value: Any) -> Any:
    """A driver value as plain Python, matching what the local store returns (nodes as property dicts)."""
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GraphPath

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
