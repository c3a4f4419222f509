"""What the page's details panel and search box know about each drawn node, as plain JSON-able data.

Everything is computed from the drawn nodes and the relationships among them
(plus a node's own whole-graph mention count), so a view read from the query
database gives the same page as one drawn from the whole graph. Links between
nodes (mentions, the papers that introduce an entity, co-mentioned entities)
name only drawn nodes: the page can move the focus to each of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.model.schema import Rel
from kg.viz.selection import PAPER, mentions, node_kind
from kg.viz.style import squash

MAX_PAPERS = 12  # papers listed for an entity (those that mention it)
MAX_CO_MENTIONED = 8  # entities listed as most often mentioned with an entity


def highlight(text: str, surfaces: dict[str, str]) -> list[list[Any]]:
    """`text` cut into [piece, node id or None] runs: the pieces that are one of `surfaces` (any case,
    whole words, longest first) carry the id of the entity they mention."""
    if not text or not surfaces:
        return [[text, None]] if text else []
    folded = {s.casefold(): node for s, node in surfaces.items() if s.strip()}
    if not folded:
        return [[text, None]]
    alternatives = "|".join(re.escape(s) for s in sorted(folded, key=lambda s: (-len(s), s)))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    runs: list[list[Any]] = []
    at = 0
    for m in pattern.finditer(text):
        node = folded.get(m.group(0).casefold())
        if node is None:  # a case-insensitive match that casefold() spells differently: leave it plain
            continue
        if m.start() > at:
            runs.append([text[at : m.start()], None])
        runs.append([m.group(0), node])
        at = m.end()
    if at < len(text):
        runs.append([text[at:], None])
    return runs


def _link_order(g: nx.MultiDiGraph, nodes: Iterable[str]) -> list[str]:
    return sorted(nodes, key=lambda n: (-mentions(g, n) if node_kind(g.nodes[n]) != PAPER else 0, n))


def paper_details(g: nx.MultiDiGraph, node: str, drawn: set[str]) -> dict[str, Any]:
    """A paper's panel: title, authors, year, arXiv id, link, sources, abstract with its mentions marked."""
    d = g.nodes[node]
    surfaces: dict[str, str] = {}
    linked: list[str] = []
    for _, entity, key, data in g.out_edges(node, keys=True, data=True):
        if key != Rel.MENTIONS.value or entity not in drawn:
            continue
        linked.append(entity)
        for s in [*data.get("surfaces", ()), g.nodes[entity].get("name", "")]:
            surfaces.setdefault(str(s), entity)
    url = str(d.get("url") or "")
    if not url.startswith(("https://", "http://")):
        url = f"https://arxiv.org/abs/{d['arxiv_id']}" if d.get("arxiv_id") else ""
    return {
        "kind": PAPER,
        "name": squash(d.get("title", "")),
        "authors": [squash(a) for a in d.get("authors", ())],
        "year": str(d.get("year") or ""),
        "arxiv_id": str(d.get("arxiv_id") or ""),
        "url": url,
        "sources": [str(s) for s in d.get("sources", ())],
        "abstract": highlight(squash(d.get("abstract", "")), surfaces),
        "mentions": _link_order(g, set(linked)),
        "cites": sorted(v for _, v, k in g.out_edges(node, keys=True) if k == Rel.CITES.value and v in drawn),
        "cited_by": sorted(u for u, _, k in g.in_edges(node, keys=True) if k == Rel.CITES.value and u in drawn),
    }


def entity_details(g: nx.MultiDiGraph, node: str, drawn: set[str]) -> dict[str, Any]:
    """An entity's panel: type, aliases, description, vendor, year, mention count, the papers that introduce
    and mention it, and the entities most often mentioned with it (among the drawn papers)."""
    d = g.nodes[node]
    papers = {u for u, _, k in g.in_edges(node, keys=True) if k == Rel.MENTIONS.value and u in drawn}
    co: Counter[str] = Counter()
    for p in papers:
        co.update({e for _, e, k in g.out_edges(p, keys=True) if k == Rel.MENTIONS.value and e != node and e in drawn})
    return {
        "kind": str(d.get("type", "Entity")),
        "name": squash(d.get("name", "")),
        "aliases": [squash(a) for a in d.get("aliases", ())],
        "description": squash(d.get("description", "")),
        "vendor": squash(d.get("vendor") or ""),
        "year": str(d.get("year") or ""),
        "mention_count": mentions(g, node),
        "introduced_by": sorted(
            u for u, _, k in g.in_edges(node, keys=True) if k == Rel.INTRODUCES.value and u in drawn
        ),
        "papers": sorted(papers)[:MAX_PAPERS],
        "papers_more": max(0, len(papers) - MAX_PAPERS),
        "co_mentioned": [[e, n] for e, n in sorted(co.items(), key=lambda x: (-x[1], x[0]))[:MAX_CO_MENTIONED]],
        "family": sorted(
            {v for _, v, k in g.out_edges(node, keys=True) if k == Rel.VARIANT_OF.value and v in drawn}
            | {u for u, _, k in g.in_edges(node, keys=True) if k == Rel.VARIANT_OF.value and u in drawn}
        ),
    }


def page_details(g: nx.MultiDiGraph, nodes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The details of every drawn node, by node id, for the panel and the search box (`name`, `aliases`)."""
    drawn = set(nodes)
    return {
        n: paper_details(g, n, drawn) if node_kind(g.nodes[n]) == PAPER else entity_details(g, n, drawn)
        for n in sorted(drawn)
    }
