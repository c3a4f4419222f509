"""The graph model, one for every backend: node keys, labels, properties, and the values big graphs share.

`kg.graph.builder` builds it from linked papers.

Nodes
  (:Paper {id, title, abstract, sources, year, url, arxiv_id, authors})
  (:Entity:<Type> {id, name, type, aliases, description, source, vendor, year})
  where <Type> is exactly one of Method, Model, Dataset, Hardware, Framework.
Relationships
  (:Paper)-[:MENTIONS {count, confidence, surfaces, rules, citations}]->(:Entity)
  (:Paper)-[:INTRODUCES]->(:Entity)          the paper presents the entity
  (:Paper)-[:CITES {via}]->(:Paper)          B mentions what A introduces; via names the entities
  (:Entity)-[:VARIANT_OF]->(:Entity)         catalog parent/family, or the base of a sized variant

In NetworkX, node keys are "paper:<id>" and "entity:<id>"; each node and edge
carries `__labels__` (a set) so Cypher on the local store sees the same labels
as Neo4j; edge keys are the relationship type, so re-adding an edge replaces it.
A mention's `surfaces` and `rules` are shared tuples (`shared_strings`), which
query results and exports turn into lists.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from kg.model.schema import ENTITY_TYPES, Label, Properties, Rel

if TYPE_CHECKING:
    import networkx as nx

    from kg.model.types import PaperLike


def paper_key(paper_id: str) -> str:
    return sys.intern(f"paper:{paper_id}")


def entity_key(entity_id: str) -> str:
    """Interned: every relationship of an entity then shares one key string (millions in a big graph)."""
    return sys.intern(f"entity:{entity_id}")


PAPER_LABELS = frozenset({Label.PAPER.value})
ENTITY_LABEL_SETS = {t: frozenset({Label.ENTITY.value, t}) for t in ENTITY_TYPES}
REL_LABELS = {r.value: frozenset({r.value}) for r in Rel}


MAX_SHARED_VALUES = 4096
"""Distinct confidence values one graph shares (they are rounded, so a few hundred in practice); past this,
new values are kept as they come, so a graph of odd values cannot grow the table without bound."""


@dataclass
class SharedValues:
    """Per graph: one object per distinct mention confidence and per distinct surface or rule list.

    Mentions are most of a big graph and repeat a few hundred confidences and a
    few thousand surface and rule lists millions of times; a graph holds each
    once. Kept per graph (by `GraphBuilder` and the store reader), not per process.
    """

    strings: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    numbers: dict[float, float] = field(default_factory=dict)

    def value(self, number: float) -> float:
        """The graph's one object equal to `number`."""
        if len(self.numbers) >= MAX_SHARED_VALUES:
            return self.numbers.get(number, number)
        return self.numbers.setdefault(number, number)

    def strings_of(self, strings: Iterable[str]) -> tuple[str, ...]:
        """The graph's one tuple of interned strings equal to `strings`; tuples, so no edge can change another's."""
        key = tuple(strings)
        found = self.strings.get(key)
        if found is None:
            found = self.strings[key] = tuple(sys.intern(s) for s in key)
        return found


def compact_mention(props: Properties, shared: SharedValues) -> None:
    """Share a mention's confidence and its surface and rule lists with the rest of the graph (`SharedValues`).

    Used where mentions are made (`GraphBuilder`) and where they are read back (`kg.store.local`).
    """
    if "confidence" in props:
        props["confidence"] = shared.value(props["confidence"])
    for key in ("surfaces", "rules"):
        value = props.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            props[key] = shared.strings_of(value)


def labels_of(labels: Iterable[str]) -> frozenset[str]:
    """The shared label set equal to `labels` (one object per distinct set keeps big graphs small)."""
    fs = frozenset(labels)
    if fs == PAPER_LABELS:
        return PAPER_LABELS
    for shared in ENTITY_LABEL_SETS.values():
        if fs == shared:
            return shared
    if len(fs) == 1:
        return REL_LABELS.get(next(iter(fs)), fs)
    return fs


def paper_attrs(p: PaperLike) -> Properties:
    attrs: Properties = {
        "__labels__": PAPER_LABELS,
        "id": p.id,
        "title": p.title,
        "abstract": p.abstract,
        "sources": [f"{s.file}:{s.line}" for s in p.sources],
    }
    for name in ("year", "url", "arxiv_id"):
        if getattr(p, name) is not None:
            attrs[name] = getattr(p, name)
    if p.authors:
        attrs["authors"] = list(p.authors)
    return attrs


def entity_attrs(
    entity_id: str,
    name: str,
    etype: str,
    *,
    source: str,
    aliases: Iterable[str] = (),
    description: str | None = None,
    vendor: str | None = None,
    year: int | None = None,
) -> Properties:
    attrs: Properties = {
        "__labels__": ENTITY_LABEL_SETS[etype],
        "id": entity_id,
        "name": name,
        "type": etype,
        "aliases": sorted(set(aliases) - {name}),
        "source": source,
    }
    for key, value in (("description", description), ("vendor", vendor), ("year", year)):
        if value is not None:
            attrs[key] = value
    return attrs


class Counts(TypedDict):
    nodes: int
    relationships: int
    labels: dict[str, int]  # nodes per label
    types: dict[str, int]  # relationships per type


def counts(g: nx.MultiDiGraph) -> Counts:
    """Nodes per label and relationships per type."""
    labels: dict[str, int] = {}
    for _, data in g.nodes(data=True):
        for label in data.get("__labels__", ()):
            labels[label] = labels.get(label, 0) + 1
    rels: dict[str, int] = {}
    for _, _, key in g.edges(keys=True):
        rels[key] = rels.get(key, 0) + 1
    return {
        "nodes": g.number_of_nodes(),
        "relationships": g.number_of_edges(),
        "labels": dict(sorted(labels.items())),
        "types": dict(sorted(rels.items())),
    }
