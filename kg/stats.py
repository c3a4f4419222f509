"""`kg stats`: nodes per label, relationships per type, and the most mentioned entities of each type.

Read through a `kg.lookup.Run` (Cypher on the query database or on Neo4j), so
the whole graph is never loaded.
"""

from __future__ import annotations

from typing import Any

from kg.lookup import Run
from kg.model.schema import ENTITY_TYPES

LABELS = "MATCH (n) RETURN labels(n) AS labels, count(*) AS n"
TYPES = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n"
MENTIONED = (
    "MATCH (:Paper)-[:MENTIONS]->(e:Entity) "
    "RETURN e.type AS type, e.name AS name, count(*) AS papers ORDER BY papers DESC, name"
)
UNMENTIONED = (
    "MATCH (e:Entity) OPTIONAL MATCH (e)<-[m:MENTIONS]-(:Paper) WITH e, count(m) AS papers "
    "WHERE papers = 0 RETURN e.type AS type, e.name AS name"
)

STATEMENTS = {
    "stats:labels": LABELS,
    "stats:types": TYPES,
    "stats:mentioned": MENTIONED,
    "stats:unmentioned": UNMENTIONED,
}


def stats(run: Run, top: int = 5) -> dict[str, Any]:
    """Counts per label and relationship type, and the `top` entities of each type by papers mentioning them."""
    labels: dict[str, int] = {}
    nodes = 0
    for node_labels, n in run(LABELS, {}).rows:
        nodes += n
        for label in node_labels:
            labels[label] = labels.get(label, 0) + n
    types = {t: n for t, n in run(TYPES, {}).rows}
    tops: dict[str, list[dict[str, Any]]] = {}  # per type: {"name": str, "papers": int}
    if top:
        for etype, name, papers in run(MENTIONED, {}).rows:
            items = tops.setdefault(etype, [])
            if len(items) < top:
                items.append({"name": name, "papers": papers})
        for etype, name in sorted(run(UNMENTIONED, {}).rows, key=lambda r: (r[0], r[1])):
            items = tops.setdefault(etype, [])
            if len(items) < top:
                items.append({"name": name, "papers": 0})
    for etype in ENTITY_TYPES:
        if labels.get(etype):
            tops.setdefault(etype, [])
    return {
        "nodes": nodes,
        "relationships": sum(types.values()),
        "labels": dict(sorted(labels.items())),
        "types": dict(sorted(types.items())),
        "top_entities": dict(sorted(tops.items())),
    }
