"""Entity and paper lookup: case- and spelling-tolerant, with what the graph knows about the match.

Everything here reads the graph through a `Run`, a function that runs a
read-only Cypher query (Neo4j's dialect) and returns a `QueryResult`: the
local store's query database (`kg.query.engine`) or a Neo4j server. So one
resolver serves `kg lookup`, named-query parameters and the viewer, on both
backends, and nothing loads the whole graph. `EntityIndex.build(g)` and
`graph_paper_node(g, ...)` do the same on an in-memory graph (the viewer's
Python API).

Entities are found by `kg.link.resolve.Resolver.resolve_name`, the linker's
resolver with the lookup's policy: exact match key of a name or alias; the
key with vendor prefixes and generic heads removed ("nvidia a100 gpus");
then rapidfuzz on spaced keys, accepted at `LinkerConfig.lookup_fuzzy_cutoff`
and only when the numbers agree ("Llama 3" never finds "Llama 2"). Ties go
to the entity mentioned by more papers, then to catalog entities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from kg.graph import entity_key, paper_key
from kg.link.resolve import Resolver
from kg.model.errors import NotFoundError
from kg.model.results import QueryResult
from kg.model.schema import Label, Rel
from kg.model.text import match_key, spaced_key

if TYPE_CHECKING:
    import networkx as nx

SUGGESTIONS = 5
PAPER_CANDIDATES = 20_000  # titles read to resolve a paper by part of its title

# A read-only Cypher query runner: statement and parameters in, rows out. Any: parameter values are Cypher values
# (strings, numbers, lists of ids), as `QueryResult.rows` are.
Run = Callable[[str, dict[str, Any]], QueryResult]


@dataclass
class PaperRef:
    id: str
    title: str
    surfaces: list[str] = field(default_factory=list)
    count: int = 0


@dataclass
class EntityRef:
    id: str
    name: str
    type: str
    papers: int = 0


@dataclass
class LookupResult:
    """What `kg lookup` shows: how the name matched, and what the graph knows about the entity. A dataclass:
    built from values the graph already holds, so the read commands need no pydantic. The fields are in the
    order `kg lookup --json` prints them."""

    query: str
    matched_by: str
    score: float
    id: str
    name: str
    type: str
    source: str
    aliases: list[str]
    description: str | None
    vendor: str | None
    year: int | None
    introduced_by: list[PaperRef]
    mention_count: int
    mentioned_by: list[PaperRef]
    variant_of: list[EntityRef]
    variants: list[EntityRef]
    co_mentioned: list[EntityRef]

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values (`kg lookup --json`)."""
        return asdict(self)


# --------------------------------------------------------------------------- the entity index

ENTITY_ROWS = "MATCH (e:Entity) RETURN e.id AS id, e.name AS name, e.aliases AS aliases, e.source AS source"
MENTION_COUNTS = (
    "MATCH (e:Entity) WHERE e.id IN $ids OPTIONAL MATCH (e)<-[m:MENTIONS]-(:Paper) "
    "RETURN e.id AS id, count(m) AS papers"
)


@dataclass
class EntityIndex:
    """Names and aliases of every entity by match key and spaced key, with what breaks ties."""

    by_key: dict[str, list[str]] = field(default_factory=dict)
    spaced: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    catalog: dict[str, bool] = field(default_factory=dict)  # id -> from the catalog
    papers: dict[str, int] = field(default_factory=dict)  # id -> papers mentioning it (known ones)
    count_papers: Callable[[list[str]], dict[str, int]] | None = None  # reads the counts a tie needs

    @property
    def resolver(self) -> Resolver:
        """The linker's resolver over these names (lookup policy: `Resolver.resolve_name`)."""
        return Resolver(self.by_key, self.spaced)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> EntityIndex:
        """From (id, name, aliases, source) rows, or (id, name, aliases, source, papers) rows."""
        index = cls()
        for eid, name, aliases, source, *papers in rows:
            index.names[eid] = name
            index.catalog[eid] = source == "catalog"
            if papers:
                index.papers[eid] = int(papers[0] or 0)
            for text in [name, *(aliases or [])]:
                for table, key in ((index.by_key, match_key(text)), (index.spaced, spaced_key(text))):
                    if key:
                        ids = table.setdefault(key, [])
                        if eid not in ids:
                            ids.append(eid)
        return index

    @classmethod
    def build(cls, g: nx.MultiDiGraph) -> EntityIndex:
        """From an in-memory graph."""
        rows = []
        for node, d in g.nodes(data=True):
            if Label.ENTITY.value in d.get("__labels__", ()):
                papers = sum(1 for keys in g._pred[node].values() if Rel.MENTIONS.value in keys)
                rows.append((d["id"], d["name"], d.get("aliases", []), d.get("source", "catalog"), papers))
        return cls.from_rows(rows)

    @classmethod
    def read(cls, run: Run) -> EntityIndex:
        """From a graph database (the query database or Neo4j); mention counts are read when a tie needs them."""
        index = cls.from_rows(run(ENTITY_ROWS, {}).rows)
        index.count_papers = lambda ids: dict(run(MENTION_COUNTS, {"ids": ids}).rows)
        return index

    def best(self, ids: list[str]) -> str:
        """Of several entities a name fits: the one most papers mention, then a catalog one, then by id."""
        if len(ids) > 1 and self.count_papers is not None and any(i not in self.papers for i in ids):
            self.papers.update(self.count_papers([i for i in ids if i not in self.papers]))
        return max(ids, key=lambda i: (self.papers.get(i, 0), self.catalog.get(i, False), i))

    def resolve(self, name: str, *, fuzzy_cutoff: float | None = None) -> tuple[str, str, float]:
        """The entity id a name means, how it matched and the score; `NotFoundError` with suggestions if none.

        `fuzzy_cutoff` defaults to `LinkerConfig.lookup_fuzzy_cutoff`."""
        resolver = self.resolver
        found = resolver.resolve_name(name, fuzzy_cutoff)
        if found is not None:
            ids, how, score = found
            return self.best(ids), how, score
        suggestions: list[str] = []
        for eid in resolver.similar(name, SUGGESTIONS * 3):
            if self.names[eid] not in suggestions:
                suggestions.append(self.names[eid])
        suggestions = suggestions[:SUGGESTIONS]
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise NotFoundError(f"no entity matches {name!r}{hint}", suggestions)


# --------------------------------------------------------------------------- describing an entity

ENTITY = "MATCH (e:Entity {id: $id}) RETURN e"
MENTIONED_BY = (
    "MATCH (p:Paper)-[m:MENTIONS]->(e:Entity {id: $id}) "
    "RETURN p.id, p.title, m.surfaces, m.count ORDER BY m.count DESC, p.title, p.id LIMIT $limit"
)
MENTION_COUNT = "MATCH (:Paper)-[:MENTIONS]->(e:Entity {id: $id}) RETURN count(*)"
INTRODUCED_BY = "MATCH (p:Paper)-[:INTRODUCES]->(e:Entity {id: $id}) RETURN p.id, p.title ORDER BY p.title, p.id"
CO_MENTIONED = (
    "MATCH (e:Entity {id: $id})<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(o:Entity) WHERE o.id <> $id "
    "RETURN o.id, o.name, o.type, count(*) AS papers ORDER BY papers DESC, o.name, o.id LIMIT $limit"
)
VARIANT_OF = (
    "MATCH (e:Entity {id: $id})-[:VARIANT_OF]->(v:Entity) OPTIONAL MATCH (v)<-[m:MENTIONS]-(:Paper) "
    "RETURN v.id, v.name, v.type, count(m) AS papers ORDER BY v.name"
)
VARIANTS = (
    "MATCH (v:Entity)-[:VARIANT_OF]->(e:Entity {id: $id}) OPTIONAL MATCH (v)<-[m:MENTIONS]-(:Paper) "
    "RETURN v.id, v.name, v.type, count(m) AS papers ORDER BY papers DESC, v.name, v.id LIMIT $limit"
)


class EntityDescription(TypedDict):
    """What `describe_entity` reads: a `LookupResult` but for how the name matched."""

    id: str
    name: str
    type: str
    source: str
    aliases: list[str]
    description: str | None
    vendor: str | None
    year: int | None
    introduced_by: list[PaperRef]
    mention_count: int
    mentioned_by: list[PaperRef]
    variant_of: list[EntityRef]
    variants: list[EntityRef]
    co_mentioned: list[EntityRef]


def describe_entity(run: Run, entity_id: str, *, limit: int = 10) -> EntityDescription:
    """What the graph knows about one entity: its properties, papers, family and co-mentions (over every paper
    that mentions it: ~0.1 s for most names at a million papers, ~1 s for the biggest hub, Transformer)."""
    rows = run(ENTITY, {"id": entity_id}).rows
    if not rows:
        raise NotFoundError(f"no entity with id {entity_id!r}")
    d = rows[0][0]
    ident = {"id": entity_id}
    mentioned = [
        PaperRef(id=pid, title=title or "", surfaces=list(surfaces or []), count=int(count or 0))
        for pid, title, surfaces, count in run(MENTIONED_BY, {**ident, "limit": limit}).rows
    ]
    introduced = [PaperRef(id=pid, title=title or "") for pid, title in run(INTRODUCED_BY, ident).rows]
    co = [EntityRef(id=i, name=n, type=t, papers=c) for i, n, t, c in run(CO_MENTIONED, {**ident, "limit": limit}).rows]
    parents = [EntityRef(id=i, name=n, type=t, papers=c) for i, n, t, c in run(VARIANT_OF, ident).rows]
    children = [
        EntityRef(id=i, name=n, type=t, papers=c) for i, n, t, c in run(VARIANTS, {**ident, "limit": limit}).rows
    ]
    return EntityDescription(
        id=d["id"],
        name=d["name"],
        type=d["type"],
        source=d.get("source", "catalog"),
        aliases=list(d.get("aliases", [])),
        description=d.get("description"),
        vendor=d.get("vendor"),
        year=d.get("year"),
        introduced_by=introduced,
        mention_count=int(run(MENTION_COUNT, ident).rows[0][0]),
        mentioned_by=mentioned,
        variant_of=parents,
        variants=children,
        co_mentioned=co,
    )


def lookup(
    run: Run, name: str, *, limit: int = 10, index: EntityIndex | None = None, fuzzy_cutoff: float | None = None
) -> LookupResult:
    """`kg lookup NAME`: resolve the name, then describe the entity."""
    index = index or EntityIndex.read(run)
    entity_id, how, score = index.resolve(name, fuzzy_cutoff=fuzzy_cutoff)
    return LookupResult(query=name, matched_by=how, score=score, **describe_entity(run, entity_id, limit=limit))


# --------------------------------------------------------------------------- papers


def match_paper(text: str, papers: list[tuple[str, str, str | None, str]]) -> str:
    """The paper an id, a title or an unambiguous part of a title means, among (key, id, arxiv_id, title) rows.

    Order: id or arXiv id; the whole title (match keys equal); whole words
    of a title ("LoRA" is not inside "explorable"); any part of a title.
    `NotFoundError` with suggestions when none or several match.
    """
    text = text.strip()
    for key, pid, arxiv_id, _ in papers:
        if text in (pid, arxiv_id, key):
            return key
    wanted = match_key(text)
    if not wanted:
        raise NotFoundError(f"no paper matches {text!r} (give a paper id or part of its title)")
    keys = {key: match_key(title) for key, _, _, title in papers}
    titles = {key: title for key, _, _, title in papers}
    exact = sorted(k for k, tk in keys.items() if tk == wanted)
    if exact:
        return exact[0]
    words = f" {spaced_key(text)} "
    partial = sorted((k for k in keys if words in f" {spaced_key(titles[k])} "), key=lambda k: (len(keys[k]), k))
    if not partial:
        partial = sorted((k for k, tk in keys.items() if wanted in tk), key=lambda k: (len(keys[k]), k))
    if len(partial) == 1:
        return partial[0]
    if partial:
        shown = "; ".join(titles[k] for k in partial[:5])
        raise NotFoundError(
            f"{len(partial)} papers match {text!r}: {shown} (give more of the title or the paper id)",
            [titles[k] for k in partial[:5]],
        )
    from rapidfuzz import fuzz, process, utils  # only for a paper no title matches

    hits = process.extract(text, titles, scorer=fuzz.partial_ratio, processor=utils.default_process, limit=3)
    suggestions = [t for t, score, _ in hits if score >= 60]
    hint = f"; did you mean: {'; '.join(suggestions)}?" if suggestions else " (give a paper id or part of its title)"
    raise NotFoundError(f"no paper matches {text!r}{hint}", suggestions)


def graph_paper_node(g: nx.MultiDiGraph, text: str) -> str:
    """The paper node of an in-memory graph for an id, a title or part of a title (see `match_paper`)."""
    papers = [
        (n, d.get("id"), d.get("arxiv_id"), d.get("title", ""))
        for n, d in g.nodes(data=True)
        if Label.PAPER.value in d.get("__labels__", ())
    ]
    return match_paper(text, papers)


PAPER_BY_ID = "MATCH (p:Paper {id: $text}) RETURN p.id"
PAPER_BY_ARXIV_ID = "MATCH (p:Paper {arxiv_id: $text}) RETURN p.id ORDER BY p.id LIMIT 1"
PAPERS_WITH_WORD = "MATCH (p:Paper) WHERE toLower(p.title) CONTAINS $word RETURN p.id, p.arxiv_id, p.title LIMIT $limit"
_WORD = re.compile(r"\w+")


def find_paper(run: Run, text: str) -> str:
    """The id of the paper an id, a title or part of a title means, read from a graph database.

    Candidates are the titles holding the query's longest word (any case);
    `match_paper` decides among them, so the answer is the one the in-memory
    resolver gives.
    """
    stripped = text.strip()
    if stripped:
        for statement in (PAPER_BY_ID, PAPER_BY_ARXIV_ID):  # by the primary key first: no scan
            rows = run(statement, {"text": stripped}).rows
            if rows:
                found: str = rows[0][0]
                return found
    words = sorted({w.lower() for w in _WORD.findall(stripped)}, key=lambda w: (-len(w), w))
    candidates: dict[str, tuple[str, str, str | None, str]] = {}
    for word in words[:3]:
        for pid, arxiv_id, title in run(PAPERS_WITH_WORD, {"word": word, "limit": PAPER_CANDIDATES}).rows:
            candidates[pid] = (pid, pid, arxiv_id, title or "")
        if candidates and word == words[0]:
            break
    return match_paper(text, list(candidates.values()))


def graph_entity_node(g: nx.MultiDiGraph, name: str) -> str:
    """The entity node of an in-memory graph for a user-given name."""
    entity_id, _, _ = EntityIndex.build(g).resolve(name)
    return entity_key(entity_id)


STATEMENTS = {
    "lookup:entities": ENTITY_ROWS,
    "lookup:entity": ENTITY,
    "lookup:mentioned-by": MENTIONED_BY,
    "lookup:mention-count": MENTION_COUNT,
    "lookup:introduced-by": INTRODUCED_BY,
    "lookup:co-mentioned": CO_MENTIONED,
    "lookup:variant-of": VARIANT_OF,
    "lookup:variants": VARIANTS,
    "lookup:paper-by-id": PAPER_BY_ID,
    "lookup:paper-by-arxiv-id": PAPER_BY_ARXIV_ID,
    "lookup:papers-with-word": PAPERS_WITH_WORD,
    "lookup:mention-counts": MENTION_COUNTS,
}
"""Every statement lookups send (to the query database or to Neo4j), for linting."""

__all__ = [
    "STATEMENTS",
    "EntityIndex",
    "EntityRef",
    "LookupResult",
    "PaperRef",
    "Run",
    "describe_entity",
    "find_paper",
    "graph_entity_node",
    "graph_paper_node",
    "lookup",
    "match_paper",
    "paper_key",
]
