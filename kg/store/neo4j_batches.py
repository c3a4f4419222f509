"""The rows of a `kg load` cut into write batches: at most so many rows and so many bytes of parameters each,
every node before any relationship (so each relationship finds its two nodes).

Both ways into `kg load` go through `element_batches`: the elements of a graph (`graph_elements`) or of a store
file read as a stream (`kg.store.local.StoreFile`), in their order. Each node label and each relationship type
fills a batch of its own, which goes as soon as it is full (or its next row would not fit); the node batches
still filling go when the first relationship comes, the relationship batches still filling at the end. Memory
holds one batch per label and type (and a number per node, to check relationship ends), whatever the size of
the store, and a graph and the store file written of it give the same batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.cypher.rows import Row, node_row, rel_row, row_bytes
from kg.cypher.statements import NODE_STATEMENTS, REL_STATEMENTS
from kg.model.errors import Neo4jError, StoreError
from kg.store.store_file import NODE, RELATIONSHIP, StoreElement, repair_hint

if TYPE_CHECKING:
    import networkx as nx

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


@dataclass(frozen=True)
class PlanTotals:
    """What a load writes, counted before it starts (for the progress bar, and for saying how far a load that
    failed got): batches, rows, and the nodes and relationships the rows are of."""

    batches: int = 0
    rows: int = 0
    nodes: int = 0
    relationships: int = 0

    @classmethod
    def of(cls, plan: Iterable[Batch]) -> PlanTotals:
        """The totals of `plan`, read through once (a stream of batches is not kept)."""
        batches = nodes = relationships = 0
        for batch in plan:
            batches += 1
            if batch.kind == "node":
                nodes += len(batch.rows)
            else:
                relationships += len(batch.rows)
        return cls(batches, nodes + relationships, nodes, relationships)


class _Filling:
    """The batch one statement is filling: it goes once it holds `batch_size` rows, or when the next row would
    take it past `batch_bytes` (a single row larger than that goes alone)."""

    def __init__(self, kind: str, name: str, statement: str, batch_size: int, batch_bytes: int) -> None:
        self.kind, self.name, self.statement = kind, name, statement
        self.batch_size, self.batch_bytes = batch_size, batch_bytes
        self.rows: list[Row] = []
        self.bytes = 0

    def add(self, row: Row) -> tuple[Batch, ...]:
        """Add `row`; the batches it completed: the one it did not fit in, and the one it filled."""
        n = row_bytes(row)
        done: tuple[Batch, ...] = ()
        if self.rows and self.bytes + n > self.batch_bytes:
            done = (self._batch(),)
        self.rows.append(row)
        self.bytes += n
        if len(self.rows) >= self.batch_size:
            done += (self._batch(),)
        return done

    def take(self) -> Batch | None:
        """The batch so far, None when it is empty."""
        return self._batch() if self.rows else None

    def _batch(self) -> Batch:
        batch = Batch(self.kind, self.name, self.statement, self.rows, self.bytes)
        self.rows, self.bytes = [], 0
        return batch


def batches(
    kind: str, name: str, statement: str, rows: Iterable[Row], batch_size: int, batch_bytes: int
) -> Iterator[Batch]:
    """Consecutive rows, at most `batch_size` per batch and at most `batch_bytes` of parameters
    (a single row larger than `batch_bytes` goes alone)."""
    filling = _Filling(kind, name, statement, batch_size, batch_bytes)
    for row in rows:
        yield from filling.add(row)
    last = filling.take()
    if last is not None:
        yield last


def graph_elements(g: nx.MultiDiGraph) -> Iterator[StoreElement]:
    """The elements of `g` as a store file written of it holds them (`kg.store.local.save_graph`'s order):
    every node, then every relationship."""
    for key, data in g.nodes(data=True):
        yield NODE, key, tuple(sorted(data.get("__labels__", ()))), data
    for u, v, k, data in g.edges(keys=True, data=True):
        yield RELATIONSHIP, (u, v), k, data


def _check_sizes(batch_size: int, batch_bytes: int) -> None:
    if batch_size < 1:
        raise Neo4jError(f"batch size {batch_size} is too small; use --batch-size 1 or more")
    if batch_bytes < 1:
        raise Neo4jError(f"batch bytes {batch_bytes} is too small; use --batch-bytes 1 or more")


def element_batches(
    elements: Iterable[StoreElement],
    batch_size: int = DEFAULT_BATCH_SIZE,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    *,
    source: str | None = None,
) -> Iterator[Batch]:
    """The writes for `elements` (a graph's or a store file's, every node before any relationship), as a stream.

    A node after a relationship, or a relationship whose end node did not come before it, is a `StoreError`
    naming `source` (the store file) and the element: its write would find no node and create nothing. The
    sizes are checked at once, the elements as the batches are taken."""
    _check_sizes(batch_size, batch_bytes)
    return _element_batches(elements, batch_size, batch_bytes, source)


def _element_batches(
    elements: Iterable[StoreElement], batch_size: int, batch_bytes: int, source: str | None
) -> Iterator[Batch]:
    nodes = {
        label.value: _Filling("node", label.value, statement, batch_size, batch_bytes)
        for label, statement in NODE_STATEMENTS.items()
    }
    rels = {
        rel.value: _Filling("relationship", rel.value, statement, batch_size, batch_bytes)
        for rel, statement in REL_STATEMENTS.items()
    }
    where = f"{source}: " if source else ""
    # The hash of every node key so far, to check each relationship's ends: ~70 bytes a node, not its key.
    # Two keys of one hash (about 1 in 10^7 at 10M nodes) would let a missing end through, never refuse a good one.
    seen: set[int] = set()
    in_relationships = False
    for kind, key, name, props in elements:
        if kind == NODE:
            if in_relationships:
                raise StoreError(
                    f"{where}node {key} comes after relationships; kg load writes every node first and kg writes "
                    f"stores that way, so this one is damaged; {repair_hint(source) if source else 'add nodes first'}"
                )
            label, row = node_row(key, props)
            seen.add(hash(key))
            done = nodes[label.value].add(row)
        else:
            if not in_relationships:
                in_relationships = True
                for filling in nodes.values():
                    last = filling.take()
                    if last is not None:
                        yield last
            u, v = key
            rel, row = rel_row(u, v, name, props)
            for end in (u, v):
                if hash(end) not in seen:
                    raise StoreError(
                        f"{where}relationship {u} -[{name}]-> {v}: node {end} is not in the "
                        f"{'store' if source else 'graph'} before it; "
                        f"{repair_hint(source) if source else 'add the node first'}"
                    )
            done = rels[rel.value].add(row)
        if done:
            yield from done
    for filling in (*nodes.values(), *rels.values()):
        last = filling.take()
        if last is not None:
            yield last


def plan_batches(
    g: nx.MultiDiGraph, batch_size: int = DEFAULT_BATCH_SIZE, batch_bytes: int = DEFAULT_BATCH_BYTES
) -> list[Batch]:
    """All writes for `g`, as a list (`element_batches` of `graph_elements`)."""
    return list(element_batches(graph_elements(g), batch_size, batch_bytes))
