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

from collections.abc import Iterable, Sequence
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


ENTITY_LABELS = {t: Label(t) for t in ENTITY_TYPES}


def paper_key(paper_id: str) -> str:
    return f"paper:{paper_id}"


def entity_key(entity_id: str) -> str:
    return f"entity:{entity_id}"


def paper_attrs(p: Paper) -> dict:
    attrs = {
        "__labels__": {Label.PAPER.value},
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
        "__labels__": {Label.ENTITY.value, ENTITY_LABELS[etype].value},
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


def build_graph(papers: Sequence[Paper], linked: Sequence[LinkedPaper], catalog=None) -> nx.MultiDiGraph:
    """The knowledge graph of linked papers.

    `catalog` (a `kg.link.Linker` or anything with `by_id` and `parents`) adds
    catalog descriptions, aliases and the VARIANT_OF family chain.
    """
    g = nx.MultiDiGraph()
    by_id = getattr(catalog, "by_id", {})
    parents = getattr(catalog, "parents", {})
    observed: dict[str, set[str]] = {}
    introducers: dict[str, list[str]] = {}
    variant_parent: dict[str, str] = {}

    for p in papers:
        g.add_node(paper_key(p.id), **paper_attrs(p))
    for lp in linked:
        pk = paper_key(lp.id)
        for e in lp.entities:
            ek = entity_key(e.id)
            observed.setdefault(e.id, set()).update(e.surfaces)
            if ek not in g:
                _add_entity(g, e.id, e.name, e.type.value, e.source, by_id)
            citations = sorted({m.citation for m in e.mentions if m.citation})
            g.add_edge(pk, ek, key=Rel.MENTIONS.value, __labels__={Rel.MENTIONS.value},
                       count=len(e.mentions), confidence=e.confidence, surfaces=list(e.surfaces),
                       rules=sorted({m.rule for m in e.mentions}), citations=citations)
            if e.introduced:
                g.add_edge(pk, ek, key=Rel.INTRODUCES.value, __labels__={Rel.INTRODUCES.value})
                introducers.setdefault(e.id, []).append(lp.id)
            if e.parent:
                variant_parent[e.id] = e.parent

    for eid, surfaces in observed.items():
        node = g.nodes[entity_key(eid)]
        node["aliases"] = sorted((set(node["aliases"]) | surfaces) - {node["name"]})

    for eid in list(observed):
        _add_family(g, eid, variant_parent.get(eid) or parents.get(eid), by_id, parents)

    _add_citations(g, linked, introducers)
    return g


def _add_entity(g: nx.MultiDiGraph, eid: str, name: str, etype: str, source: str, by_id: dict) -> None:
    c = by_id.get(eid)
    if c is not None:
        aliases = [a if isinstance(a, str) else a.text for a in c.aliases]
        g.add_node(entity_key(eid), **entity_attrs(eid, c.name, c.type.value, source="catalog", aliases=aliases,
                                                   description=c.description, vendor=c.vendor, year=c.year))
    else:
        g.add_node(entity_key(eid), **entity_attrs(eid, name, etype, source=source))


def _add_family(g: nx.MultiDiGraph, eid: str, parent: str | None, by_id: dict, parents: dict) -> None:
    """VARIANT_OF up the family chain, adding catalog parents that no paper mentions."""
    seen = {eid}
    while parent and parent not in seen:
        pk = entity_key(parent)
        if pk not in g:
            if parent not in by_id:
                return
            _add_entity(g, parent, by_id[parent].name, by_id[parent].type.value, "catalog", by_id)
        g.add_edge(entity_key(eid), pk, key=Rel.VARIANT_OF.value, __labels__={Rel.VARIANT_OF.value})
        seen.add(parent)
        eid, parent = parent, parents.get(parent)


def _add_citations(g: nx.MultiDiGraph, linked: Sequence[LinkedPaper], introducers: dict[str, list[str]]) -> None:
    """B -[:CITES {via}]-> A when B mentions an entity that A introduces (and few papers claim it)."""
    via: dict[tuple[str, str], list[str]] = {}
    for lp in linked:
        for e in lp.entities:
            owners = introducers.get(e.id)
            if not owners or e.introduced or len(owners) > MAX_INTRODUCERS:
                continue
            for owner in owners:
                if owner != lp.id:
                    via.setdefault((lp.id, owner), []).append(g.nodes[entity_key(e.id)]["name"])
    for (citing, cited), names in via.items():
        g.add_edge(paper_key(citing), paper_key(cited), key=Rel.CITES.value, __labels__={Rel.CITES.value},
                   via=sorted(set(names)))


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
