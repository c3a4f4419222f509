"""Which nodes a view shows, as pure functions on the NetworkX graph.

`ViewOptions` holds and checks what the user asked to see; `candidates` filters
by entity type and mention count; `ego_nodes` walks out from one node;
`cap_nodes` keeps the most connected entities with their papers; `select`
combines them into a `Selection` (the node keys to draw, in order, and a note
of what was cut). `ego_selection` is shared with `kg.api`, which draws a
neighbourhood `kg.neighbourhood` reads from a database instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import networkx as nx

from kg.lookup import graph_entity_node, graph_paper_node
from kg.model.schema import ENTITY_TYPES, Label, Properties, Rel
from kg.viz.report import VizError

DEFAULT_MAX_NODES = 500  # a few hundred nodes stabilise in seconds in a browser and stay readable
DEFAULT_HOPS = 1

PAPER = Label.PAPER.value


@dataclass(frozen=True)
class Selection:
    """The nodes to draw, in drawing order, and a note of what was left out."""

    nodes: list[str]
    view: str
    focus: str | None = None
    candidates: int = 0
    cut: str | None = None
    hops: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ViewOptions:
    """What a view shows, checked when made (a `VizError` names the option at fault).

    The ego view around `entity` or `paper` within `hops`, or the nodes the
    Cypher `query` returns (run with `params`; at most one of the three), else
    the whole graph; only entities of `types` (any case, comma lists allowed;
    none for every type) that at least `min_mentions` papers mention (not with
    a query: it says what to draw); at most `max_nodes` nodes. `wanted` is
    `types` as canonical type names (None: all).
    """

    entity: str | None = None
    paper: str | None = None
    query: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    hops: int = DEFAULT_HOPS
    types: Iterable[str] | None = None
    min_mentions: int = 0
    max_nodes: int = DEFAULT_MAX_NODES
    wanted: frozenset[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if sum(1 for x in (self.entity, self.paper, self.query) if x) > 1:
            raise VizError("give one of --entity, --paper or --query, not more")
        if self.query is not None and not self.query.strip():
            raise VizError("--query needs a Cypher query that returns nodes or paths")
        if self.query and (self.types or self.min_mentions):
            raise VizError(
                "--query draws the nodes the query returns: filter them in its WHERE clause, "
                "not with --type or --min-mentions"
            )
        if self.hops < 0:
            raise VizError(f"--hops must be 0 or more, not {self.hops}")
        if self.max_nodes < 1:
            raise VizError(f"--max-nodes must be at least 1, not {self.max_nodes}")
        if self.min_mentions < 0:
            raise VizError(f"--min-mentions must be 0 or more, not {self.min_mentions}")
        wanted = parse_types(self.types)
        object.__setattr__(self, "wanted", None if wanted is None else frozenset(wanted))

    @property
    def filters(self) -> str:
        """The filters, as a view's title says them (empty without filters)."""
        return filters_text(self.wanted, self.min_mentions)


def node_kind(data: Properties) -> str:
    """A node's kind: "Paper", or the entity type."""
    if PAPER in data.get("__labels__", ()):
        return PAPER
    return str(data.get("type", "Entity"))


def parse_types(types: Iterable[str] | None) -> set[str] | None:
    """Entity types named by the user (any case, comma lists allowed); None for all. Unknown names raise VizError."""
    if not types:
        return None
    if isinstance(types, str):
        types = [types]
    canon = {t.lower(): t for t in ENTITY_TYPES}
    chosen: set[str] = set()
    for raw in types:
        for name in (p.strip() for p in str(raw).split(",")):
            if not name:
                continue
            if name.lower() == PAPER.lower():
                raise VizError(
                    f"--type {name}: papers are always shown; --type takes entity types "
                    f"(one of {', '.join(ENTITY_TYPES)})"
                )
            if name.lower() not in canon:
                raise VizError(f"unknown entity type {name!r} (use one of {', '.join(ENTITY_TYPES)})")
            chosen.add(canon[name.lower()])
    return chosen or None


def mentions(g: nx.MultiDiGraph, node: str) -> int:
    """How many papers mention an entity node (in the whole graph, for a neighbourhood read from a database)."""
    known = g.nodes[node].get("__mentions__")
    if known is not None:
        return int(known)
    return sum(1 for _, _, k in g.in_edges(node, keys=True) if k == Rel.MENTIONS.value)


def degree(g: nx.MultiDiGraph, node: str) -> int:
    """A node's degree (in the whole graph, for a neighbourhood read from a database)."""
    known = g.nodes[node].get("__degree__")
    return int(g.degree(node) if known is None else known)


def neighbours(g: nx.MultiDiGraph, node: str) -> set[str]:
    """Neighbours in either direction, any relationship."""
    return set(g.successors(node)) | set(g.predecessors(node))


def candidates(g: nx.MultiDiGraph, types: AbstractSet[str] | None = None, min_mentions: int = 0) -> set[str]:
    """Nodes that pass the type and mention filters.

    Entities pass when their type is in `types` (all when None) and at least
    `min_mentions` papers mention them. Without filters every paper passes;
    with filters, only the papers linked to an entity that passes.
    """
    entities = {
        n
        for n, d in g.nodes(data=True)
        if node_kind(d) != PAPER
        and (types is None or d.get("type") in types)
        and (min_mentions <= 0 or mentions(g, n) >= min_mentions)
    }
    papers = {n for n, d in g.nodes(data=True) if node_kind(d) == PAPER}
    if types is not None or min_mentions > 0:
        papers = {p for p in papers if any(e in entities for e in g.successors(p))}
    return entities | papers


def ego_nodes(g: nx.MultiDiGraph, focus: str, hops: int, allowed: set[str] | None = None) -> dict[str, int]:
    """Nodes within `hops` of `focus` (edges followed both ways, only through `allowed`), with their distance."""
    dist = {focus: 0}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        if dist[node] >= hops:
            continue
        for other in sorted(neighbours(g, node)):
            if other not in dist and (allowed is None or other in allowed):
                dist[other] = dist[node] + 1
                queue.append(other)
    return dist


def cap_nodes(g: nx.MultiDiGraph, nodes: set[str], max_nodes: int) -> tuple[list[str], int, int]:
    """At most `max_nodes` of `nodes`: the most connected entities, each with its papers.

    Entities are taken by degree within `nodes` (ties by name); an entity is
    added with every paper it links to, and skipped when that would pass the
    cap. Returns the kept nodes, how many entities and how many papers.
    """
    sub = g.subgraph(nodes)
    degree = {n: len(neighbours(sub, n)) for n in nodes}
    entities = sorted(
        (n for n in nodes if node_kind(g.nodes[n]) != PAPER), key=lambda n: (-degree[n], g.nodes[n].get("name", ""), n)
    )
    kept: dict[str, None] = {}
    n_entities = 0
    for e in entities:
        if len(kept) >= max_nodes:
            break
        papers = sorted(p for p in neighbours(sub, e) if node_kind(g.nodes[p]) == PAPER and p not in kept)
        if len(kept) + 1 + len(papers) > max_nodes:
            continue
        kept[e] = None
        n_entities += 1
        for p in papers:
            kept[p] = None
    if not kept:  # no entity fits with its papers (a tiny cap): the most connected nodes alone
        kept = dict.fromkeys(sorted(nodes, key=lambda n: (-degree[n], n))[:max_nodes])
        n_entities = sum(1 for n in kept if node_kind(g.nodes[n]) != PAPER)
    return list(kept), n_entities, len(kept) - n_entities


def _describe(g: nx.MultiDiGraph, node: str) -> str:
    d = g.nodes[node]
    if node_kind(d) == PAPER:
        return f"paper {d.get('title', node)!r}"
    return f"{d.get('type', 'entity')} {d.get('name', node)!r}"


DEFAULT_VIEW = ViewOptions()
"""The whole graph, every type, capped at `DEFAULT_MAX_NODES`."""


def select(g: nx.MultiDiGraph, view: ViewOptions = DEFAULT_VIEW) -> Selection:
    """Which nodes a view shows: the whole graph (capped), or the ego view around an entity or a paper."""
    if g.number_of_nodes() == 0:
        raise VizError("the graph is empty (build it first: kg build INPUT... --store STORE)")
    if view.query:
        raise VizError("a --query view is read from a store's query database (kg.api.Store.view), not a graph")
    allowed = candidates(g, view.wanted, view.min_mentions)
    filters = view.filters
    max_nodes = view.max_nodes

    if view.entity:
        focus: str | None = graph_entity_node(g, view.entity)
    else:
        focus = graph_paper_node(g, view.paper) if view.paper else None
    if focus is not None:
        dist = ego_nodes(g, focus, view.hops, allowed | {focus})
        order = sorted(dist, key=lambda n: (dist[n], -degree(g, n), n))
        return ego_selection(g, focus, order[:max_nodes], dist, len(order), view.hops, filters)

    if not allowed:
        raise VizError(f"nothing to show: no node passes{filters} (lower --min-mentions or choose other --type)")
    if len(allowed) <= max_nodes:
        order = sorted(allowed, key=lambda n: (node_kind(g.nodes[n]) == PAPER, -degree(g, n), n))
        return Selection(order, f"whole graph{filters}", None, len(allowed))
    kept, n_entities, n_papers = cap_nodes(g, allowed, max_nodes)
    cut = (
        f"the graph{filters} has {len(allowed)} nodes; showing the {n_entities} most connected "
        f"entit{'y' if n_entities == 1 else 'ies'} and their {n_papers} paper{'s' if n_papers != 1 else ''} "
        f"({len(kept)} nodes), {len(allowed) - len(kept)} left out "
        f"(raise --max-nodes, or narrow with --type, --min-mentions, --entity or --paper)"
    )
    return Selection(kept, f"most connected part of the graph{filters}", None, len(allowed), cut)


def ego_selection(
    g: nx.MultiDiGraph, focus: str, kept: list[str], dist: dict[str, int], total: int, hops: int, filters: str
) -> Selection:
    """The view around `focus`: the `kept` nodes of the `total` within `hops`, and a note of what was cut."""
    view = f"{_describe(g, focus)} and its neighbourhood within {hops} hop{'s' if hops != 1 else ''}"
    cut = None
    if total > len(kept):
        cut = (
            f"the view within {hops} hop{'s' if hops != 1 else ''} of {_describe(g, focus)} has "
            f"{total} nodes; showing the {len(kept)} nearest (most connected first), "
            f"{total - len(kept)} left out (raise --max-nodes, lower --hops or narrow with "
            f"--type/--min-mentions)"
        )
    return Selection(kept, view + filters, focus, total, cut, {n: dist[n] for n in kept})


QUERY_SHOWN = 80  # characters of the query a view's title quotes


def query_selection(kept: list[str], total: int, query: str, rows_cut: int | None = None) -> Selection:
    """The view of a query's nodes: the `kept` first of the `total` it returned, and a note of what was cut
    (`rows_cut`: the row limit, when the query returned more rows than it)."""
    text = " ".join(query.split())
    if len(text) > QUERY_SHOWN:
        text = text[: QUERY_SHOWN - 1] + "\u2026"
    view = f"the nodes returned by `{text}`"
    cuts = []
    if total > len(kept):
        cuts.append(
            f"the query returns {total} nodes; showing the first {len(kept)}, {total - len(kept)} left out "
            f"(raise --max-nodes, or narrow the query with WHERE or LIMIT)"
        )
    if rows_cut is not None:
        cuts.append(f"only the query's first {rows_cut} rows were read (narrow it with WHERE or LIMIT)")
    return Selection(kept, view, None, total, "; ".join(cuts) or None)


def filters_text(types: Iterable[str] | None, min_mentions: int) -> str:
    parts = []
    if types:
        parts.append("types " + ", ".join(t for t in ENTITY_TYPES if t in types))
    if min_mentions > 0:
        parts.append(f"entities mentioned by at least {min_mentions} paper{'s' if min_mentions != 1 else ''}")
    return f" ({'; '.join(parts)})" if parts else ""
