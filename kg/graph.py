"""The graph model, one for every backend, and its construction from linked papers.

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
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import Enum

import networkx as nx

from kg.models import ENTITY_TYPES, LinkedPaper, Paper

MAX_INTRODUCERS = 3


class Label(str, Enum):
    """Node labels and relationship types: the only names kg ever puts into a Cypher statement."""

    PAPER = "Paper"
    ENTITY = "Entity"
    METHOD = "Method"
    MODEL = "Model"
    DATASET = "Dataset"
    HARDWARE = "Hardware"
    FRAMEWORK = "Framework"


class Rel(str, Enum):
    MENTIONS = "MENTIONS"
    INTRODUCES = "INTRODUCES"
    CITES = "CITES"
    VARIANT_OF = "VARIANT_OF"




def paper_key(paper_id: str) -> str:
    return f"paper:{paper_id}"


def entity_key(entity_id: str) -> str:
    return f"entity:{entity_id}"


PAPER_LABELS = frozenset({Label.PAPER.value})
ENTITY_LABEL_SETS = {t: frozenset({Label.ENTITY.value, t}) for t in ENTITY_TYPES}
REL_LABELS = {r.value: frozenset({r.value}) for r in Rel}


_SHARED_VALUES: dict = {}


def shared_value(value):
    """One object per distinct small value (confidences repeat across millions of relationships)."""
    return _SHARED_VALUES.setdefault(value, value) if len(_SHARED_VALUES) < 4096 else value


def compact_list(strings) -> list[str]:
    """An exactly-sized list of interned strings: a graph holds millions of these short lists."""
    return list(tuple(sys.intern(s) for s in strings))


def labels_of(labels) -> frozenset:
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


def paper_attrs(p: Paper) -> dict:
    attrs = {
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


def entity_attrs(entity_id: str, name: str, etype: str, *, source: str, aliases: Iterable[str] = (),
                 description: str | None = None, vendor: str | None = None, year: int | None = None) -> dict:
    attrs = {
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


class GraphBuilder:
    """Builds the graph one linked paper at a time, so a corpus never needs all linker outputs at once.

    `catalog` (a `kg.link.Linker`, or anything with `by_id` and `parents`) adds
    catalog descriptions, aliases and the VARIANT_OF family chain.
    """

    def __init__(self, catalog=None):
        self.g = nx.MultiDiGraph()
        self.by_id = getattr(catalog, "by_id", {})
        self.parents = getattr(catalog, "parents", {})
        self.observed: dict[str, set[str]] = {}
        self.introducers: dict[str, list[str]] = {}
        self.variant_parent: dict[str, str] = {}
        self.uses: list[tuple[str, tuple[str, ...]]] = []

    def add_paper(self, p: Paper) -> None:
        self.g.add_node(paper_key(p.id), **paper_attrs(p))

    def add_linked(self, lp: LinkedPaper) -> None:
        g = self.g
        pk = paper_key(lp.id)
        used = []
        for e in lp.entities:
            ek = entity_key(e.id)
            self.observed.setdefault(e.id, set()).update(e.surfaces)
            if ek not in g:
                self._add_entity(e.id, e.name, e.type.value, e.source)
            attrs = {"count": len(e.mentions), "confidence": shared_value(e.confidence),
                     "surfaces": compact_list(e.surfaces),
                     "rules": compact_list(sorted({m.rule for m in e.mentions}))}
            citations = sorted({m.citation for m in e.mentions if m.citation})
            if citations:
                attrs["citations"] = citations
            g.add_edge(pk, ek, key=Rel.MENTIONS.value, __labels__=REL_LABELS["MENTIONS"], **attrs)
            if e.introduced:
                g.add_edge(pk, ek, key=Rel.INTRODUCES.value, __labels__=REL_LABELS["INTRODUCES"])
                self.introducers.setdefault(e.id, []).append(lp.id)
            else:
                used.append(e.id)
            if e.parent:
                self.variant_parent[e.id] = e.parent
        if used:
            self.uses.append((lp.id, tuple(used)))

    def finish(self) -> nx.MultiDiGraph:
        g = self.g
        for eid, surfaces in self.observed.items():
            node = g.nodes[entity_key(eid)]
            node["aliases"] = sorted((set(node["aliases"]) | surfaces) - {node["name"]})
        for eid in list(self.observed):
            self._add_family(eid, self.variant_parent.get(eid) or self.parents.get(eid))
        self._add_citations()
        return g

    def _add_entity(self, eid: str, name: str, etype: str, source: str) -> None:
        c = self.by_id.get(eid)
        if c is not None:
            aliases = [a if isinstance(a, str) else a.text for a in c.aliases]
            self.g.add_node(entity_key(eid), **entity_attrs(eid, c.name, c.type.value, source="catalog",
                                                            aliases=aliases, description=c.description,
                                                            vendor=c.vendor, year=c.year))
        else:
            self.g.add_node(entity_key(eid), **entity_attrs(eid, name, etype, source=source))

    def _add_family(self, eid: str, parent: str | None) -> None:
        """VARIANT_OF up the family chain, adding catalog parents that no paper mentions."""
        seen = {eid}
        while parent and parent not in seen:
            pk = entity_key(parent)
            if pk not in self.g:
                if parent not in self.by_id:
                    return
                c = self.by_id[parent]
                self._add_entity(parent, c.name, c.type.value, "catalog")
            self.g.add_edge(entity_key(eid), pk, key=Rel.VARIANT_OF.value, __labels__=REL_LABELS["VARIANT_OF"])
            seen.add(parent)
            eid, parent = parent, self.parents.get(parent)

    def _add_citations(self) -> None:
        """B -[:CITES {via}]-> A when B mentions an entity that A introduces (and few papers claim it)."""
        via: dict[tuple[str, str], set[str]] = {}
        for citing, used in self.uses:
            for eid in used:
                owners = self.introducers.get(eid)
                if not owners or len(owners) > MAX_INTRODUCERS:
                    continue
                for owner in owners:
                    if owner != citing:
                        via.setdefault((citing, owner), set()).add(self.g.nodes[entity_key(eid)]["name"])
        for (citing, cited), names in via.items():
            self.g.add_edge(paper_key(citing), paper_key(cited), key=Rel.CITES.value,
                            __labels__=REL_LABELS["CITES"], via=sorted(names))


def counts(g: nx.MultiDiGraph) -> dict:
    """Nodes per label and relationships per type."""
    labels: dict[str, int] = {}
    for _, data in g.nodes(data=True):
        for label in data.get("__labels__", ()):
            labels[label] = labels.get(label, 0) + 1
    rels: dict[str, int] = {}
    for _, _, key in g.edges(keys=True):
        rels[key] = rels.get(key, 0) + 1
    return {"nodes": g.number_of_nodes(), "relationships": g.number_of_edges(),
            "labels": dict(sorted(labels.items())), "types": dict(sorted(rels.items()))}
