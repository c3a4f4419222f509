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
A mention's `surfaces` and `rules` are shared tuples (`shared_strings`), which
query results and exports turn into lists.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from kg.models import ENTITY_TYPES, Label, Paper, Rel

if TYPE_CHECKING:
    import networkx as nx

MAX_INTRODUCERS = 3


def paper_key(paper_id: str) -> str:
    return sys.intern(f"paper:{paper_id}")


def entity_key(entity_id: str) -> str:
    """Interned: every relationship of an entity then shares one key string (millions in a big graph)."""
    return sys.intern(f"entity:{entity_id}")


PAPER_LABELS = frozenset({Label.PAPER.value})
ENTITY_LABEL_SETS = {t: frozenset({Label.ENTITY.value, t}) for t in ENTITY_TYPES}
REL_LABELS = {r.value: frozenset({r.value}) for r in Rel}


_SHARED_VALUES: dict = {}


def shared_value(value):
    """One object per distinct small value (confidences repeat across millions of relationships)."""
    return _SHARED_VALUES.setdefault(value, value) if len(_SHARED_VALUES) < 4096 else value


def shared_strings(strings, shared: dict) -> tuple[str, ...]:
    """One immutable tuple of interned strings per distinct sequence in `shared` (a dict kept per graph).

    Mentions repeat a few thousand surface and rule lists millions of times; a
    big graph holds each once. Tuples, so no edge can change another's list.
    """
    key = tuple(strings)
    found = shared.get(key)
    if found is None:
        found = shared[key] = tuple(sys.intern(s) for s in key)
    return found


def compact_mention(props: dict, shared: dict) -> None:
    """Mentions are most of a big graph: share their confidence values and their surface and rule lists.

    Used where mentions are made (`GraphBuilder`) and where they are read back (`kg.store.local`).
    """
    if "confidence" in props:
        props["confidence"] = shared_value(props["confidence"])
    for key in ("surfaces", "rules"):
        value = props.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            props[key] = shared_strings(value, shared)


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
        import networkx as nx

        self.g = nx.MultiDiGraph()
        self.by_id = getattr(catalog, "by_id", {})
        self.parents = getattr(catalog, "parents", {})
        self.observed: dict[str, set[str]] = {}
        self.introducers: dict[str, list[str]] = {}
        self.variant_parent: dict[str, str] = {}
        self.uses: list[tuple[str, tuple[str, ...]]] = []
        self.shared: dict[tuple, tuple] = {}

    def add_paper(self, p: Paper) -> None:
        self.g.add_node(paper_key(p.id), **paper_attrs(p))

    def add_evidence(self, paper_id: str, evidence) -> None:
        """Add one paper's links as `kg.link.linker.Evidence` tuples (no pydantic model per mention)."""
        g = self.g
        pk = paper_key(paper_id)
        used = []
        for e in evidence:
            eid, name, etype, source, parent, confidence, introduced, mentions = e
            ek = entity_key(eid)
            surfaces = e.surfaces
            self.observed.setdefault(eid, set()).update(surfaces)
            if ek not in g:
                self._add_entity(eid, name, etype, source)
            attrs = {"count": len(mentions), "confidence": confidence, "surfaces": surfaces,
                     "rules": sorted({m[3] for m in mentions})}
            compact_mention(attrs, self.shared)
            citations = sorted({m[4] for m in mentions if m[4]})
            if citations:
                attrs["citations"] = citations
            g.add_edge(pk, ek, key=Rel.MENTIONS.value, __labels__=REL_LABELS["MENTIONS"], **attrs)
            if introduced:
                g.add_edge(pk, ek, key=Rel.INTRODUCES.value, __labels__=REL_LABELS["INTRODUCES"])
                self.introducers.setdefault(eid, []).append(paper_id)
            else:
                used.append(eid)
            if parent:
                self.variant_parent[eid] = parent
        if used:
            self.uses.append((paper_id, tuple(used)))

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
