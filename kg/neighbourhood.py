"""Small views of a big graph, read through a `kg.lookup.Run`: one node's neighbourhood, or a query's nodes.

`kg viz --entity` and `--paper` draw the nodes within a few hops of one node
(`neighbourhood`); `kg viz --query` draws the nodes a query returns
(`query_view`). Either reads just those nodes (and the relationships among
them) from the query database or Neo4j, so the viewer never loads the whole graph. The result is a
NetworkX graph like the store's, whose nodes also carry `__degree__` and
`__mentions__` (their counts in the whole graph, which the viewer shows and
orders by), plus the order and distances the viewer's own selection would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import networkx as nx

from kg.graph import ENTITY_LABEL_SETS, PAPER_LABELS, REL_LABELS, entity_key, paper_key
from kg.lookup import Run
from kg.model.results import NodeRef
from kg.model.schema import Label

ALLOWED_ENTITIES = (
    "MATCH (e:Entity) WHERE ($types IS NULL OR e.type IN $types) "
    "AND COUNT { (e)<-[:MENTIONS]-(:Paper) } >= $min RETURN e.id AS id"
)
NEIGHBOURS = (
    "MATCH (n:{label})-[]-(m) WHERE n.id IN $ids "
    "RETURN DISTINCT m:Paper AS paper, m.id AS id, COUNT {{ (m)--() }} AS degree"
)
NODES = (
    "MATCH (m:{label}) WHERE m.id IN $ids "
    "RETURN m AS node, COUNT {{ (m)--() }} AS degree, COUNT {{ (m)<-[:MENTIONS]-(:Paper) }} AS mentions"
)
RELATIONSHIPS = (
    "MATCH (a:{a})-[r]->(b:{b}) WHERE a.id IN $a AND b.id IN $b "
    "RETURN a.id AS a, type(r) AS type, b.id AS b, r AS props"
)


@dataclass
class Neighbourhood:
    graph: nx.MultiDiGraph
    focus: str
    order: list[str]  # the nodes drawn, nearest first, most connected first within a distance
    dist: dict[str, int]
    total: int  # nodes within the hops, drawn or not


def _key(is_paper: bool, node_id: str) -> str:
    return paper_key(node_id) if is_paper else entity_key(node_id)


def _split(keys: Iterable[str]) -> tuple[list[str], list[str]]:
    papers = [k[len("paper:") :] for k in keys if k.startswith("paper:")]
    entities = [k[len("entity:") :] for k in keys if k.startswith("entity:")]
    return papers, entities


def neighbourhood(
    run: Run,
    focus: str,
    hops: int,
    *,
    types: AbstractSet[str] | None = None,
    min_mentions: int = 0,
    max_nodes: int = 500,
) -> Neighbourhood:
    """The nodes within `hops` of `focus` (a node key), through nodes that pass the type and mention filters
    (as `kg.viz.candidates` defines them), the `max_nodes` nearest of them, and the relationships among those."""
    allowed: set[str] | None = None  # with a filter: the entity keys that pass it
    if types is not None or min_mentions > 0:
        params = {"types": sorted(types) if types else None, "min": max(0, min_mentions)}
        allowed = {entity_key(r[0]) for r in run(ALLOWED_ENTITIES, params).rows}
    dist = {focus: 0}
    degree: dict[str, int] = {}
    frontier = [focus]
    for level in range(1, hops + 1):
        found: dict[str, int] = {}
        papers, entities = _split(frontier)
        for label, ids in ((Label.PAPER.value, papers), (Label.ENTITY.value, entities)):
            if ids:
                for is_paper, node_id, deg in run(NEIGHBOURS.format(label=label), {"ids": ids}).rows:
                    found[_key(is_paper, node_id)] = deg
        new = [k for k in found if k not in dist]
        if allowed is not None:
            linked = _linked(run, [k for k in new if k.startswith("paper:")], allowed)
            new = [k for k in new if (k in allowed if k.startswith("entity:") else k in linked)]
        for k in new:
            dist[k] = level
            degree[k] = found[k]
        frontier = new
        if not frontier:
            break
    if focus not in degree:
        degree[focus] = _degrees(run, [focus]).get(focus, 0)
    order = sorted(dist, key=lambda k: (dist[k], -degree[k], k))
    kept = order[:max_nodes]
    return Neighbourhood(subgraph(run, kept), focus, kept, {k: dist[k] for k in kept}, len(order))


@dataclass
class QueryView:
    graph: nx.MultiDiGraph
    order: list[str]  # the nodes drawn: the first `max_nodes` the query returned, in its order
    total: int  # nodes the query returned, drawn or not


def query_view(run: Run, nodes: Iterable[NodeRef], max_nodes: int = 500) -> QueryView:
    """The first `max_nodes` of the nodes a query returned (`QueryResult.nodes`), with their whole-graph degrees
    and mention counts, and every relationship among them (as Neo4j Browser connects a result's nodes)."""
    keys = list(dict.fromkeys(_key(n.label == Label.PAPER.value, n.id) for n in nodes))
    kept = keys[:max_nodes]
    return QueryView(subgraph(run, kept), kept, len(keys))


NODE_COUNT = "MATCH (n) RETURN count(n) AS n"
RELATIONSHIP_COUNT = "MATCH ()-[r]->() RETURN count(r) AS n"


def graph_totals(run: Run) -> tuple[int, int]:
    """The whole graph's node and relationship counts (a view says how much of it it shows)."""
    return int(run(NODE_COUNT, {}).rows[0][0]), int(run(RELATIONSHIP_COUNT, {}).rows[0][0])


LINKED = "MATCH (p:Paper)-[]-(e:Entity) WHERE p.id IN $papers AND e.id IN $entities RETURN DISTINCT p.id AS id"


def _linked(run: Run, papers: list[str], allowed: set[str]) -> set[str]:
    """With filters, a paper passes when it links to an entity that passes."""
    if not papers or not allowed:
        return set()
    ids = [k[len("paper:") :] for k in papers]
    rows = run(LINKED, {"papers": ids, "entities": [k[len("entity:") :] for k in allowed]}).rows
    return {paper_key(r[0]) for r in rows}


def _degrees(run: Run, keys: list[str]) -> dict[str, int]:
    papers, entities = _split(keys)
    out: dict[str, int] = {}
    for label, ids, is_paper in ((Label.PAPER.value, papers, True), (Label.ENTITY.value, entities, False)):
        if ids:
            for node, deg, _ in run(NODES.format(label=label), {"ids": ids}).rows:
                out[_key(is_paper, node["id"])] = deg
    return out


def subgraph(run: Run, keys: list[str]) -> nx.MultiDiGraph:
    """The nodes `keys` (node keys), with `__degree__` and `__mentions__`, and the relationships among them."""
    g = nx.MultiDiGraph()
    papers, entities = _split(keys)
    for label, ids, is_paper in ((Label.PAPER.value, papers, True), (Label.ENTITY.value, entities, False)):
        if not ids:
            continue
        for node, deg, mentions in run(NODES.format(label=label), {"ids": ids}).rows:
            labels = PAPER_LABELS if is_paper else ENTITY_LABEL_SETS[node["type"]]
            g.add_node(_key(is_paper, node["id"]), **node, __labels__=labels, __degree__=deg, __mentions__=mentions)
    pairs = (
        (Label.PAPER.value, papers, Label.PAPER.value, papers),
        (Label.PAPER.value, papers, Label.ENTITY.value, entities),
        (Label.ENTITY.value, entities, Label.ENTITY.value, entities),
    )
    for a, a_ids, b, b_ids in pairs:
        if a_ids and b_ids:
            for u, rel, v, props in run(RELATIONSHIPS.format(a=a, b=b), {"a": a_ids, "b": b_ids}).rows:
                g.add_edge(
                    _key(a == Label.PAPER.value, u),
                    _key(b == Label.PAPER.value, v),
                    key=rel,
                    __labels__=REL_LABELS[rel],
                    **props,
                )
    return g
