"""The Cypher kg sends to Neo4j: the load statements and the counts, built once from the graph model's enums.

Labels and relationship types in a statement come only from `kg.model.types.Label`
and `kg.model.types.Rel`, never from data; the data travels in `$rows`. The exports
(`kg.export`) write the same statements into their scripts.
"""

from __future__ import annotations

from kg.model.schema import ENTITY_TYPES, Label, Rel

ENTITY_TYPE_LABELS = tuple(Label(t) for t in ENTITY_TYPES)  # the type labels, in EntityType order

# Which node label each relationship type joins: (start, end).
REL_ENDPOINTS: dict[Rel, tuple[Label, Label]] = {
    Rel.MENTIONS: (Label.PAPER, Label.ENTITY),
    Rel.INTRODUCES: (Label.PAPER, Label.ENTITY),
    Rel.CITES: (Label.PAPER, Label.PAPER),
    Rel.VARIANT_OF: (Label.ENTITY, Label.ENTITY),
}

_KEY_PREFIX = {Label.PAPER: "paper:", Label.ENTITY: "entity:"}


def paper_statement() -> str:
    return f"UNWIND $rows AS row MERGE (n:{Label.PAPER.value} {{id: row.id}}) SET n += row.props"


def entity_statement(type_label: Label) -> str:
    if type_label not in ENTITY_TYPE_LABELS:
        raise ValueError(f"not an entity type label: {type_label!r}")
    return (
        f"UNWIND $rows AS row MERGE (n:{Label.ENTITY.value} {{id: row.id}}) SET n:{type_label.value} SET n += row.props"
    )


def relationship_statement(rel: Rel) -> str:
    start, end = REL_ENDPOINTS[rel]
    return (
        f"UNWIND $rows AS row MATCH (a:{start.value} {{id: row.start}}) MATCH (b:{end.value} {{id: row.end}}) "
        f"MERGE (a)-[r:{rel.value}]->(b) SET r += row.props"
    )


# Keys of the maps in $rows (the linter sees `row.start` as a property access).
ROW_KEYS = ("id", "start", "end", "props")

NODE_STATEMENTS: dict[Label, str] = {
    Label.PAPER: paper_statement(),
    **{t: entity_statement(t) for t in ENTITY_TYPE_LABELS},
}
REL_STATEMENTS: dict[Rel, str] = {r: relationship_statement(r) for r in Rel}
COUNT_LABEL_STATEMENTS: dict[Label, str] = {lbl: f"MATCH (n:{lbl.value}) RETURN count(n) AS n" for lbl in Label}
COUNT_REL_STATEMENTS: dict[Rel, str] = {r: f"MATCH ()-[r:{r.value}]->() RETURN count(r) AS n" for r in Rel}


def load_statements() -> dict[str, str]:
    """Every statement `load` and `counts` can send, by a short name (for linting and docs)."""
    out = {f"node:{k.value}": v for k, v in NODE_STATEMENTS.items()}
    out.update({f"rel:{k.value}": v for k, v in REL_STATEMENTS.items()})
    out.update({f"count:{k.value}": v for k, v in COUNT_LABEL_STATEMENTS.items()})
    out.update({f"count:{k.value}": v for k, v in COUNT_REL_STATEMENTS.items()})
    return out


AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"
"""Run after the schema: until its indexes are online, Neo4j does not refuse a value it cannot index (a title
over its key limit) but lets the index fail later, in the background; online, it refuses the write, and
`kg load` reports it. The same wait keeps a later query from running without the index."""
AWAIT_INDEXES_SECONDS = 300
"""Indexes on an empty or small database come online in well under a second; populating them over a big
existing graph can take minutes. Past this, the load goes on and the wait is reported as a schema issue."""
