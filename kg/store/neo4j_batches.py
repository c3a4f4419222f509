"""The rows of a `kg load` cut into write batches: at most so many rows and so many bytes of parameters each,
every node label first, then every relationship type (so each relationship finds its two nodes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import networkx as nx

from kg.cypher.rows import Row, graph_rows, row_bytes
from kg.cypher.statements import NODE_STATEMENTS, REL_STATEMENTS
from kg.model.errors import Neo4jError

# Rows per write transaction. 10,000 (Neo4j's advice for UNWIND batches: 10k-50k) against 1,000 took kg load
# from 18k to 22k relationships/s at 100k papers (bench/run.py); --batch-bytes still bounds a batch's size.
DEFAULT_BATCH_SIZE = 10_000
DEFAULT_BATCH_BYTES = 4 * 1024 * 1024


@dataclass
class Batch:
    """One write: a statement and its rows. `kind` is "node" or "relationship"; `name` the label or type."""

    kind: str
    name: str
    statement: str
    rows: list[Row]
    bytes: int


@dataclass
class LoadProgress:
    """Passed to the `progress` callback after every committed batch."""

    batch: Batch
    batches_done: int
    batches_total: int
    rows_done: int
    rows_total: int
    counters: dict[str, int] = field(default_factory=dict)


def batches(
    kind: str, name: str, statement: str, rows: Iterable[Row], batch_size: int, batch_bytes: int
) -> Iterator[Batch]:
    """Consecutive rows, at most `batch_size` per batch and at most `batch_bytes` of parameters
    (a single row larger than `batch_bytes` goes alone)."""
    current: list[Row] = []
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


def plan_batches(
    g: nx.MultiDiGraph, batch_size: int = DEFAULT_BATCH_SIZE, batch_bytes: int = DEFAULT_BATCH_BYTES
) -> list[Batch]:
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
