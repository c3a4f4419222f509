"""Entity lookup on a graph: case- and spelling-tolerant, with everything the graph knows about the match.

Order: exact match key of a name or alias; the key with vendor prefixes and
generic heads removed ("nvidia a100 gpus"); then rapidfuzz on spaced keys,
accepted at `fuzzy_cutoff` and only when the numbers agree ("Llama 3" never
finds "Llama 2"). Ties go to the entity mentioned by more papers.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

import networkx as nx
from pydantic import Field
from rapidfuzz import fuzz, process, utils

from kg.errors import NotFoundError
from kg.graph import Label, Rel
from kg.link.resolve import same_numbers, strip_generic
from kg.models import Strict
from kg.text import match_key, spaced_key

FUZZY_CUTOFF = 85.0
SUGGESTIONS = 5


class PaperRef(Strict):
    id: str
    title: str
    surfaces: list[str] = Field(default_factory=list)
    count: int = 0


class EntityRef(Strict):
    id: str
    name: str
    type: str
    papers: int = 0


class LookupResult(Strict):
    query: str
    matched_by: str
    score: float
    id: str
    name: str
    type: str
    source: str
    aliases: list[str]
    description: str | None = None
    vendor: str | None = None
    year: int | None = None
    introduced_by: list[PaperRef]
    mention_count: int
    mentioned_by: list[PaperRef]
    variant_of: list[EntityRef]
    variants: list[EntityRef]
    co_mentioned: list[EntityRef]


@dataclass
class EntityIndex:
    """Lookup index over the entity nodes of a graph."""

    by_key: dict[str, list[str]]
    spaced: dict[str, list[str]]
    choices: list[str]

    @classmethod
    def build(cls, g: nx.MultiDiGraph) -> EntityIndex:
        by_key: dict[str, list[str]] = {}
        spaced: dict[str, list[str]] = {}
        for node, data in g.nodes(data=True):
            if "Entity" not in data.get("__labels__", ()):
                continue
            for name in [data["name"], *data.get("aliases", [])]:
                for index, key in ((by_key, match_key(name)), (spaced, spaced_key(name))):
                    if key:
                        ids = index.setdefault(key, [])
                        if node not in ids:
                            ids.append(node)
        return cls(by_key, spaced, list(spaced))


def mention_count(g: nx.MultiDiGraph, node: str) -> int:
    """Papers that mention `node` (one MENTIONS relationship per paper)."""
    return sum(1 for keys in g._pred[node].values() if Rel.MENTIONS.value in keys)


def resolve_entity(g: nx.MultiDiGraph, index: EntityIndex, name: str, *,
                   fuzzy_cutoff: float = FUZZY_CUTOFF) -> tuple[str, str, float]:
    """The entity node a name means, how it matched and the score; `NotFoundError` with suggestions if none."""
    def best(nodes: list[str]) -> str:
        return max(nodes, key=lambda n: (mention_count(g, n), g.nodes[n].get("source") == "catalog", n))

    key = match_key(name)
    if key in index.by_key:
        return best(index.by_key[key]), "exact", 100.0
    spaced = spaced_key(name)
    stripped = strip_generic(spaced)
    if stripped != spaced and stripped.replace(" ", "") in index.by_key:
        return best(index.by_key[stripped.replace(" ", "")]), "normalised", 100.0
    hits = process.extract(stripped, index.choices, scorer=fuzz.ratio, limit=20) if index.choices else []
    for choice, score, _ in hits:
        if score >= fuzzy_cutoff and same_numbers(stripped, choice):
            return best(index.spaced[choice]), "fuzzy", float(score)
    suggestions = []
    for choice, _, _ in process.extract(stripped, index.choices, scorer=fuzz.WRatio, limit=SUGGESTIONS * 3):
        for node in index.spaced[choice]:
            label = g.nodes[node]["name"]
            if label not in suggestions:
                suggestions.append(label)
    suggestions = suggestions[:SUGGESTIONS]
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise NotFoundError(f"no entity matches {name!r}{hint}", suggestions)


CO_MENTION_SAMPLE = 2000


def describe_entity(g: nx.MultiDiGraph, node: str, *, limit: int = 10, co_mention_sample: int = CO_MENTION_SAMPLE) -> dict:
    """What the graph knows about one entity node.

    Co-mentions are counted over at most `co_mention_sample` of the papers
    that mention it (those that mention it most), so a hub such as
    Transformer answers as fast as a rare name.
    """
    data = g.nodes[node]
    mentions = []
    introduced = []
    for paper, keys in g._pred[node].items():
        edge = keys.get(Rel.MENTIONS.value)
        if edge is not None:
            mentions.append((-edge.get("count", 1), g.nodes[paper]["title"], paper, edge))
        if Rel.INTRODUCES.value in keys:
            pdata = g.nodes[paper]
            introduced.append(PaperRef(id=pdata["id"], title=pdata["title"]))
    top = heapq.nsmallest(max(limit, co_mention_sample), mentions, key=lambda m: (m[0], m[1]))
    mentioned = [PaperRef(id=g.nodes[p]["id"], title=title, surfaces=edge.get("surfaces", []), count=-neg)
                 for neg, title, p, edge in top[:limit]]
    co = Counter()
    for _, _, paper, _ in top[:co_mention_sample]:
        for other, keys in g._succ[paper].items():
            if other != node and Rel.MENTIONS.value in keys:
                co[other] += 1

    def ref(n: str, papers: int = 0) -> EntityRef:
        d = g.nodes[n]
        return EntityRef(id=d["id"], name=d["name"], type=d["type"], papers=papers or mention_count(g, n))

    parents = [ref(v) for v, keys in g._succ[node].items() if Rel.VARIANT_OF.value in keys]
    children = sorted((ref(u) for u, keys in g._pred[node].items() if Rel.VARIANT_OF.value in keys),
                      key=lambda r: (-r.papers, r.name))
    co_mentioned = [ref(n, c) for n, c in heapq.nsmallest(limit, co.items(), key=lambda x: (-x[1], g.nodes[x[0]]["name"]))]
    return dict(
        id=data["id"], name=data["name"], type=data["type"], source=data.get("source", "catalog"),
        aliases=data.get("aliases", []), description=data.get("description"), vendor=data.get("vendor"),
        year=data.get("year"), introduced_by=introduced, mention_count=len(mentions), mentioned_by=mentioned,
        variant_of=parents, variants=children[:limit], co_mentioned=co_mentioned,
    )


def lookup(g: nx.MultiDiGraph, name: str, *, index: EntityIndex | None = None, limit: int = 10,
           fuzzy_cutoff: float = FUZZY_CUTOFF) -> LookupResult:
    index = index or EntityIndex.build(g)
    node, how, score = resolve_entity(g, index, name, fuzzy_cutoff=fuzzy_cutoff)
    return LookupResult(query=name, matched_by=how, score=score, **describe_entity(g, node, limit=limit))


def resolve_paper(g: nx.MultiDiGraph, text: str) -> str:
    """The paper node for an id, a title or an unambiguous part of a title (NotFoundError with suggestions)."""
    papers = {n: d for n, d in g.nodes(data=True) if Label.PAPER.value in d.get("__labels__", ())}
    text = text.strip()
    for n, d in papers.items():
        if text in (d.get("id"), d.get("arxiv_id"), n):
            return n
    key = match_key(text)
    if not key:
        raise NotFoundError(f"no paper matches {text!r} (give a paper id or part of its title)")
    keys = {n: match_key(d.get("title", "")) for n, d in papers.items()}
    exact = sorted(n for n, k in keys.items() if k == key)
    if exact:
        return exact[0]
    # part of a title: whole words first ("LoRA" is not inside "explorable"), then any substring
    words = f" {spaced_key(text)} "
    partial = sorted((n for n, d in papers.items() if words in f" {spaced_key(d.get('title', ''))} "),
                     key=lambda n: (len(keys[n]), n))
    if not partial:
        partial = sorted((n for n, k in keys.items() if key in k), key=lambda n: (len(keys[n]), n))
    if len(partial) == 1:
        return partial[0]
    if partial:
        shown = "; ".join(papers[n]["title"] for n in partial[:5])
        raise NotFoundError(f"{len(partial)} papers match {text!r}: {shown} (give more of the title or the paper id)",
                            [papers[n]["title"] for n in partial[:5]])
    titles = {n: d.get("title", "") for n, d in papers.items()}
    hits = process.extract(text, titles, scorer=fuzz.partial_ratio, processor=utils.default_process, limit=3)
    suggestions = [t for t, score, _ in hits if score >= 60]
    hint = f"; did you mean: {'; '.join(suggestions)}?" if suggestions else " (give a paper id or part of its title)"
    raise NotFoundError(f"no paper matches {text!r}{hint}", suggestions)
