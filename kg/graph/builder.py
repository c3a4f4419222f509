"""Building the graph (its shape is in `kg.graph.model`) one linked paper at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple, Protocol

from kg.graph.model import (
    REL_LABELS,
    SharedValues,
    compact_mention,
    entity_attrs,
    entity_key,
    paper_attrs,
    paper_key,
)
from kg.model.schema import Properties, Rel
from kg.model.types import CatalogEntity, Evidence, Paper

if TYPE_CHECKING:
    import networkx as nx

    from kg.link.analysis import PaperAnalysis

MAX_INTRODUCERS = 3

Link = tuple[str, str, Properties]
"""A paper's relationship to an entity: (entity key, relationship type, properties)."""


class Prepared(NamedTuple):
    """One entity linked in one paper, with its MENTIONS properties made (`prepare`): what the builder needs
    of an `Evidence`. `kg build`'s linking processes make these, so the parent only assembles the graph."""

    id: str
    name: str
    type: str
    source: str
    parent: str | None
    introduced: bool
    surfaces: list[str]
    mentions: Properties  # the MENTIONS relationship's properties


def prepare(e: Evidence) -> Prepared:
    """The MENTIONS properties of `e`: how often, how confidently and as what it is mentioned, by which rules,
    with which citations (only when there are some)."""
    mentions = e.mentions
    surfaces = list(dict.fromkeys(m[2] for m in mentions))
    props: Properties = {
        "count": len(mentions),
        "confidence": e.confidence,
        "surfaces": surfaces,
        "rules": sorted({m[3] for m in mentions}),
    }
    citations = sorted({m[4] for m in mentions if m[4]})
    if citations:
        props["citations"] = citations
    return Prepared(e.id, e.name, e.type, e.source, e.parent, e.introduced, surfaces, props)


def prepared_evidence(a: PaperAnalysis) -> list[Prepared]:
    """`kg.link.evidence.evidence(a)`, each prepared: the finishing step `kg build` gives its linking processes."""
    from kg.link.evidence import evidence  # here: reading a graph never needs the linker's modules

    return [prepare(e) for e in evidence(a)]


class Catalog(Protocol):
    """What the builder reads of a catalog: its entities by id, and each entity's parent id (a `kg.link.Linker`)."""

    @property
    def by_id(self) -> Mapping[str, CatalogEntity]: ...

    @property
    def parents(self) -> Mapping[str, str]: ...


class GraphBuilder:
    """Builds the graph one linked paper at a time, so a corpus never needs all linker outputs at once.

    `catalog` (a `kg.link.Linker`, or anything with `by_id` and `parents`) adds
    catalog descriptions, aliases and the VARIANT_OF family chain.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        import networkx as nx

        self.g = nx.MultiDiGraph()
        self.by_id: Mapping[str, CatalogEntity] = catalog.by_id if catalog is not None else {}
        self.parents: Mapping[str, str] = catalog.parents if catalog is not None else {}
        self.observed: dict[str, set[str]] = {}
        self.introducers: dict[str, list[str]] = {}
        self.variant_parent: dict[str, str] = {}
        self.uses: list[tuple[str, tuple[str, ...]]] = []  # (paper id, entities it uses), for `citations`
        self.shared = SharedValues()

    def add_paper(self, p: Paper) -> None:
        self.g.add_node(paper_key(p.id), **paper_attrs(p))

    def add_evidence(self, paper_id: str, evidence: Iterable[Evidence | Prepared]) -> None:
        """Add one paper's links as `kg.model.types.Evidence` tuples, or `Prepared` ones (no pydantic model per
        mention)."""
        g = self.g
        pk = paper_key(paper_id)
        links, used = self.links(paper_id, evidence)
        for ek, rel_type, attrs in links:
            if rel_type == "MENTIONS":
                compact_mention(attrs, self.shared)
            g.add_edge(pk, ek, key=rel_type, __labels__=REL_LABELS[rel_type], **attrs)
        if used:
            self.uses.append((paper_id, used))

    def links(self, paper_id: str, evidence: Iterable[Evidence | Prepared]) -> tuple[list[Link], tuple[str, ...]]:
        """One paper's relationships to entities, (entity key, type, properties) in the order the graph holds
        them, and the ids of the entities it uses without introducing them (for `citations`). The entities
        are added to the graph and their surfaces, introducers and variant parents noted; the relationships
        are the caller's to add (`add_evidence`) or to write out (`kg.graph.stream`)."""
        g = self.g
        out: list[Link] = []
        used: list[str] = []
        for e in evidence:
            eid, name, etype, source, parent, introduced, surfaces, attrs = e if isinstance(e, Prepared) else prepare(e)
            ek = entity_key(eid)
            self.observed.setdefault(eid, set()).update(surfaces)
            if ek not in g:
                self._add_entity(eid, name, etype, source)
            out.append((ek, Rel.MENTIONS.value, attrs))
            if introduced:
                out.append((ek, Rel.INTRODUCES.value, {}))
                owners = self.introducers.setdefault(eid, [])
                if len(owners) <= MAX_INTRODUCERS:  # one more says "too many to cite"; the rest would take memory
                    owners.append(paper_id)
            else:
                used.append(eid)
            if parent:
                self.variant_parent[eid] = parent
        return out, tuple(used)

    def finish(self) -> nx.MultiDiGraph:
        """The graph, complete: entities' aliases and families, then the CITES relationships."""
        g = self.finish_entities()
        self._add_citations()
        return g

    def finish_entities(self) -> nx.MultiDiGraph:
        """The entities' aliases (catalog aliases and every surface seen) and their VARIANT_OF families."""
        g = self.g
        for eid, surfaces in self.observed.items():
            node = g.nodes[entity_key(eid)]
            node["aliases"] = sorted((set(node["aliases"]) | surfaces) - {node["name"]})
        for eid in list(self.observed):
            self._add_family(eid, self.variant_parent.get(eid) or self.parents.get(eid))
        return g

    def _add_entity(self, eid: str, name: str, etype: str, source: str) -> None:
        c = self.by_id.get(eid)
        if c is not None:
            aliases = [a if isinstance(a, str) else a.text for a in c.aliases]
            self.g.add_node(
                entity_key(eid),
                **entity_attrs(
                    eid,
                    c.name,
                    c.type.value,
                    source="catalog",
                    aliases=aliases,
                    description=c.description,
                    vendor=c.vendor,
                    year=c.year,
                ),
            )
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
        """B -[:CITES {via}]-> A for every paper B (`citations`)."""
        for citing, used in self.uses:
            for cited, via in self.citations(citing, used):
                self.g.add_edge(
                    paper_key(citing), paper_key(cited), key=Rel.CITES.value, __labels__=REL_LABELS["CITES"], via=via
                )

    def citations(self, citing: str, used: Iterable[str]) -> list[tuple[str, list[str]]]:
        """The papers `citing` cites, and via which entities: A for each entity it uses (mentions without
        introducing) that A introduces, when few papers claim it (at most `MAX_INTRODUCERS`). Read once every
        paper has been added; in order of the entities used, then of the introducers."""
        via: dict[str, set[str]] = {}
        for eid in used:
            owners = self.introducers.get(eid)
            if not owners or len(owners) > MAX_INTRODUCERS:
                continue
            for owner in owners:
                if owner != citing:
                    via.setdefault(owner, set()).add(self.g.nodes[entity_key(eid)]["name"])
        return [(cited, sorted(names)) for cited, names in via.items()]
