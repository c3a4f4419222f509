"""Building the graph as a stream: the same graph as `kg.graph.builder.GraphBuilder`, element by element, in
the order a store file holds it, without a NetworkX graph of the corpus.

`GraphBuilder` kept every paper and relationship in one NetworkX graph until it was saved: ~6 GB at a
million papers. `StreamBuilder` hands each paper's node to a `GraphSink` (the store file's writer, the query
database's tables) as it comes, and keeps only what needs the whole corpus: the entities (a small graph of
their own, with their surfaces, introducers and families) and each paper's relationships, spooled to a file
until the entities are complete. `finish` then writes the entities, the spooled relationships with each
paper's CITES, and the family relationships, in the order of `GraphBuilder`'s graph, so the store file is
byte for byte the one `kg.store.local.save_graph` writes of it.
"""

from __future__ import annotations

import errno
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Protocol

from kg.graph.builder import Catalog, GraphBuilder, Link, Prepared
from kg.graph.model import paper_attrs, paper_key
from kg.model.errors import KGError
from kg.model.schema import Properties, Rel
from kg.model.types import Evidence, PaperLike

SPOOL_PAPERS = 1024
"""Papers per pickle in the spool: enough that pickling costs little per paper, few enough to hold."""

SPOOL_PAST = 10_000
"""Papers whose relationships are held in memory rather than spooled (a few tens of MB): a small build writes
nothing beside the store but the store (as `kg.link.corpus.SPILL_PAST` for the analyses)."""


class GraphSink(Protocol):
    """Where a streamed graph goes: nodes (labels in `props["__labels__"]`), then relationships."""

    def node(self, key: str, props: Properties) -> None: ...

    def relationship(self, u: str, v: str, rel_type: str, props: Properties) -> None: ...


class Counter:
    """Nodes per label and relationships per type of what went through (`kg.graph.model.Counts`' figures)."""

    def __init__(self) -> None:
        self.labels: dict[str, int] = {}
        self.types: dict[str, int] = {}
        self.nodes = self.relationships = 0

    def node(self, key: str, props: Properties) -> None:
        self.nodes += 1
        for label in props.get("__labels__", ()):
            self.labels[label] = self.labels.get(label, 0) + 1

    def relationship(self, u: str, v: str, rel_type: str, props: Properties) -> None:
        self.relationships += 1
        self.types[rel_type] = self.types.get(rel_type, 0) + 1


class Tee:
    """Every element to each of `sinks`, in order."""

    def __init__(self, *sinks: GraphSink) -> None:
        self.sinks = sinks

    def node(self, key: str, props: Properties) -> None:
        for s in self.sinks:
            s.node(key, props)

    def relationship(self, u: str, v: str, rel_type: str, props: Properties) -> None:
        for s in self.sinks:
            s.relationship(u, v, rel_type, props)


class StreamBuilder:
    """Papers with their evidence in, in paper-id order (`add`); the graph out to `sink` as it is built.

    Past `SPOOL_PAST` papers, each paper's relationships wait until `finish` in a temporary file, whose path
    `spool()` gives when first needed (in a private directory; the caller removes it).
    """

    def __init__(self, sink: GraphSink, spool: Callable[[], str], catalog: Catalog | None = None) -> None:
        self.sink = sink
        self.entities = GraphBuilder(catalog)  # its graph holds the entities and their families only
        self.spool_to = spool
        self.spool_path: str | None = None
        self.spool: IO[bytes] | None = None
        self.pending: list[tuple[str, list[Link], tuple[str, ...]]] = []
        self.spooled: list[list[tuple[str, list[Link], tuple[str, ...]]]] = []  # while few: in memory
        self.papers = 0

    def add(self, paper: PaperLike, evidence: Iterable[Evidence | Prepared]) -> None:
        """One paper and its links; papers come in id order, each once."""
        self.sink.node(paper_key(paper.id), paper_attrs(paper))
        links, used = self.entities.links(paper.id, evidence)
        self.pending.append((paper.id, links, used))
        self.papers += 1
        if len(self.pending) >= SPOOL_PAPERS:
            self._spill()

    def finish(self, nodes_done: Callable[[], None] | None = None) -> None:
        """The entities, then every relationship: each paper's links and CITES, then the family relationships.
        `nodes_done()` is called in between, once every node has gone to the sink."""
        self._spill()
        if self.spool is not None:
            self.spool.close()
            self.spool = None
        g = self.entities.finish_entities()
        sink = self.sink
        for key, data in g.nodes(data=True):
            sink.node(key, data)
        if nodes_done is not None:
            nodes_done()
        citations = self.entities.citations
        for pid, links, used in self._spooled():
            pk = paper_key(pid)
            for ek, rel_type, attrs in links:
                sink.relationship(pk, ek, rel_type, attrs)
            if used:
                for cited, via in citations(pid, used):
                    sink.relationship(pk, paper_key(cited), Rel.CITES.value, {"via": via})
        for u, v, k, data in g.edges(keys=True, data=True):
            sink.relationship(u, v, k, data)

    def _spill(self) -> None:
        if not self.pending:
            return
        if self.spool is None and self.papers <= SPOOL_PAST:
            self.spooled.append(self.pending)
        else:
            try:
                if self.spool is None:
                    self.spool_path = self.spool_to()
                    fd = os.open(self.spool_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                    self.spool = open(fd, "wb")
                    for part in self.spooled:
                        pickle.dump(part, self.spool, 5)
                    self.spooled = []
                pickle.dump(self.pending, self.spool, 5)
            except OSError as exc:
                full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
                raise KGError(
                    f"{self.spool_path}: cannot hold the graph's relationships there until the entities are complete: "
                    f"{exc.strerror or exc}" + ("; free space and re-run" if full else "")
                ) from None
        self.pending = []

    def _spooled(self) -> Iterator[tuple[str, list[Link], tuple[str, ...]]]:
        for part in self.spooled:
            yield from part
        if self.spool_path is None:
            return
        with open(self.spool_path, "rb") as f:
            while True:
                try:
                    part = pickle.load(f)  # one unpickler per pickle: each was written with a memo of its own
                except EOFError:
                    return
                yield from part
