"""What the query database holds: its node and relationship tables, typed from the graph model and the data.

One node table per label kg gives a node (Paper and the five entity types;
Neo4j's `:Entity` is the union of those five), one relationship table per type,
with every (from, to) table pair of the graph model. Properties are columns;
their types come from the graph model and from the data (one type per property).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg.cypher.codec import check_int, clean_value, node_table
from kg.model.errors import StoreError
from kg.model.schema import ENTITY_TYPES, Label, Properties, Rel

if TYPE_CHECKING:
    import networkx as nx

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PY_TYPES = {bool: "BOOL", int: "INT64", float: "DOUBLE", str: "STRING"}

# The graph model's properties and their types (kg/graph/model.py); they exist even in an empty store.
PAPER_PROPERTIES = {
    "id": "STRING",
    "title": "STRING",
    "abstract": "STRING",
    "sources": "STRING[]",
    "year": "INT64",
    "url": "STRING",
    "arxiv_id": "STRING",
    "authors": "STRING[]",
}
ENTITY_PROPERTIES = {
    "id": "STRING",
    "name": "STRING",
    "type": "STRING",
    "aliases": "STRING[]",
    "description": "STRING",
    "vendor": "STRING",
    "year": "INT64",
    "source": "STRING",
}
REL_PROPERTIES = {
    Rel.MENTIONS.value: {
        "count": "INT64",
        "confidence": "DOUBLE",
        "surfaces": "STRING[]",
        "rules": "STRING[]",
        "citations": "STRING[]",
    },
    Rel.INTRODUCES.value: {},
    Rel.CITES.value: {"via": "STRING[]"},
    Rel.VARIANT_OF.value: {},
}
REL_PAIRS = {
    Rel.MENTIONS.value: tuple((Label.PAPER.value, t) for t in ENTITY_TYPES),
    Rel.INTRODUCES.value: tuple((Label.PAPER.value, t) for t in ENTITY_TYPES),
    Rel.CITES.value: ((Label.PAPER.value, Label.PAPER.value),),
    Rel.VARIANT_OF.value: tuple((a, b) for a in ENTITY_TYPES for b in ENTITY_TYPES),
}
NODE_TABLES = (Label.PAPER.value, *ENTITY_TYPES)


@dataclass(frozen=True)
class Table:
    """A node table: its name, the Neo4j labels its nodes carry, and its typed properties (`id` first)."""

    name: str
    labels: tuple[str, ...]
    properties: dict[str, str]


@dataclass(frozen=True)
class RelTable:
    name: str
    pairs: tuple[tuple[str, str], ...]
    properties: dict[str, str]


@dataclass(frozen=True)
class Schema:
    """What the query database holds: node tables, relationship tables, property types."""

    nodes: dict[str, Table]
    rels: dict[str, RelTable]
    labels_in_use: tuple[str, ...] = ()  # labels some node carries (what db.labels() lists)
    types_in_use: tuple[str, ...] = ()  # relationship types some relationship has

    def to_json(self) -> str:
        return json.dumps(
            {
                "nodes": [[t.name, list(t.labels), t.properties] for t in self.nodes.values()],
                "rels": [[r.name, [list(p) for p in r.pairs], r.properties] for r in self.rels.values()],
                "labels_in_use": list(self.labels_in_use),
                "types_in_use": list(self.types_in_use),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Schema:
        data = json.loads(text)
        nodes = {n: Table(n, tuple(labels), props) for n, labels, props in data["nodes"]}
        rels = {n: RelTable(n, tuple(tuple(p) for p in pairs), props) for n, pairs, props in data["rels"]}
        return cls(nodes, rels, tuple(data.get("labels_in_use", ())), tuple(data.get("types_in_use", ())))

    def property_type(self, tables: Iterable[str], name: str, rel: bool = False) -> str | None:
        """The type of property `name` over these tables (None if none has it); a StoreError if they disagree."""
        source = self.rels if rel else self.nodes
        types = {source[t].properties[name] for t in tables if name in source[t].properties}
        if len(types) > 1:
            raise StoreError(f"property {name!r} has different types in {', '.join(sorted(tables))}")
        return next(iter(types), None)


def value_type(value: Any, where: str, name: str) -> str | None:
    """The column type a property value needs (None for an empty list, which fits any list type).

    `value` is Any as in `Properties`: whatever the input put there, checked here."""
    if isinstance(value, list):
        element_types = {t for t in (value_type(v, where, name) for v in value) if t is not None}
        if not element_types:
            return None
        if len(element_types) > 1 or any(t.endswith("[]") for t in element_types):
            raise StoreError(
                f"{where}: property {name!r} is a list of mixed or nested values; the query database "
                "holds lists of one scalar type (fix the input, or query with --neo4j)"
            )
        return element_types.pop() + "[]"
    kind = _PY_TYPES.get(type(value))
    if kind is None:
        raise StoreError(
            f"{where}: property {name!r} is a {type(value).__name__}; a graph property is a string, "
            "number, boolean or a list of them (fix the input and rebuild)"
        )
    if kind == "INT64":
        check_int(value, f"{where}: property {name!r}")
    return kind


def _merge_type(props: dict[str, str], name: str, kind: str | None, where: str) -> None:
    known = props.get(name)
    if kind is None:
        if known is None:
            props[name] = "STRING[]"  # only empty lists seen so far
        elif not known.endswith("[]"):
            raise StoreError(
                f"{where}: property {name!r} holds a list here and {known} elsewhere; the query "
                "database needs one type per property (fix the input, or query with --neo4j)"
            )
        return
    if known is None or known == kind:
        props[name] = kind
        return
    if known == "STRING[]" and kind.endswith("[]"):
        props[name] = kind  # the empty lists seen first fit any list type
        return
    raise StoreError(
        f"{where}: property {name!r} holds {kind} here and {known} elsewhere; the query database "
        "needs one type per property (fix the input, or query with --neo4j)"
    )


def _check_name(name: str, where: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise StoreError(
            f"{where}: property name {name!r} is not a plain name (letters, digits, _); "
            "the query database cannot hold it (rename it in the input)"
        )


def model_schema() -> Schema:
    """The graph model's tables and properties (what kg build writes)."""
    nodes = {
        t: Table(
            t,
            (t,) if t == Label.PAPER.value else (Label.ENTITY.value, t),
            dict(PAPER_PROPERTIES if t == Label.PAPER.value else ENTITY_PROPERTIES),
        )
        for t in NODE_TABLES
    }
    rels = {r: RelTable(r, REL_PAIRS[r], dict(REL_PROPERTIES[r])) for r in REL_PAIRS}
    return Schema(nodes, rels)


def schema_of(g: nx.MultiDiGraph) -> Schema:
    """The schema a graph needs: the model's tables and properties, plus any other property found in the data."""
    return schema_of_elements(g.nodes(data=True), g.edges(keys=True, data=True))


def schema_of_elements(
    nodes: Iterable[tuple[str, Properties]], edges: Iterable[tuple[str, str, str, Properties]]
) -> Schema:
    """`schema_of` a graph given as its nodes (key, properties) and relationships (from, to, type,
    properties), as a store file streams them."""
    node_props = {t: dict(PAPER_PROPERTIES if t == Label.PAPER.value else ENTITY_PROPERTIES) for t in NODE_TABLES}
    model_nodes = {t: set(p) for t, p in node_props.items()}
    for key, data in nodes:
        table = node_table(key, data)
        props = node_props[table]
        for name, value in data.items():
            if name == "__labels__" or value is None:
                continue
            value = clean_value(value)
            if value is None:
                continue
            where = f"node {key}"
            if name not in props:
                _check_name(name, where)
            kind = value_type(value, where, name)
            if name in model_nodes[table] and kind is not None and kind != props[name]:
                raise StoreError(
                    f"{where}: property {name!r} is {kind}, the graph model has {props[name]}; "
                    "rebuild the store with kg build"
                )
            _merge_type(props, name, kind, where)
    rel_props = {r: dict(p) for r, p in REL_PROPERTIES.items()}
    for u, v, k, data in edges:
        if k not in rel_props:
            raise StoreError(
                f"relationship {u} -[{k}]-> {v}: type {k!r} is not in the graph model; rebuild the store with kg build"
            )
        props = rel_props[k]
        for name, value in data.items():
            if name == "__labels__" or value is None:
                continue
            value = clean_value(value)
            if value is None:
                continue
            where = f"relationship {u} -[{k}]-> {v}"
            if name not in props:
                _check_name(name, where)
            _merge_type(props, name, value_type(value, where, name), where)
    tables = {
        t: Table(t, (t,) if t == Label.PAPER.value else (Label.ENTITY.value, t), node_props[t]) for t in NODE_TABLES
    }
    rels = {r: RelTable(r, REL_PAIRS[r], rel_props[r]) for r in REL_PAIRS}
    return Schema(tables, rels)


def _ddl_type(kind: str) -> str:
    return kind.replace("BOOL", "BOOLEAN")


def create_statements(schema: Schema) -> list[str]:
    """DDL of the query database: names from the graph model's enums, property names checked as plain names."""
    out = []
    for t in schema.nodes.values():
        columns = ", ".join(f"`{name}` {_ddl_type(kind)}" for name, kind in t.properties.items())
        out.append(f"CREATE NODE TABLE {t.name}({columns}, PRIMARY KEY (id))")
    for r in schema.rels.values():
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in r.pairs)
        columns = "".join(f", `{name}` {_ddl_type(kind)}" for name, kind in r.properties.items())
        out.append(f"CREATE REL TABLE {r.name}({pairs}{columns})")
    return out
