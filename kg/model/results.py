"""What a Cypher query returns, on any backend (the local store's query database or Neo4j)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NodeRef:
    """A node a query returned, as the graph knows it: `label` is "Paper" or "Entity", `id` its id property."""

    label: str
    id: str


@dataclass
class QueryResult:
    """Rows of a Cypher query: columns in order, one list of values per row. A dataclass, not a pydantic
    model: the engine builds it from values it already checked, and the read commands import no pydantic."""

    columns: list[str]
    rows: list[list[Any]]  # Any: a Cypher value (null, bool, number, string, list, map, node or relationship)
    truncated: bool = False  # more rows existed than the row limit let through
    nodes: list[NodeRef] | None = None  # asked for (`nodes=True`): the nodes the rows hold, first seen first
