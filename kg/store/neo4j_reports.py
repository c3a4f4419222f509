"""What a Neo4j load reports: the schema statements applied and rejected, the counts on the server, the totals."""

from __future__ import annotations

from pydantic import Field

from kg.model.types import Strict


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
