"""Graph functions: labels, type, id/elementId, length, nodes/relationships of a path, properties, keys."""

from __future__ import annotations

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.functions.arguments import FunctionTable, Handler, Translating
from kg.query.refusal import unsupported
from kg.query.tx import Tx, node_type, rel_type, string_literal
from kg.query.types import INT, STRING, T, list_of


def _length(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind != "PATH":
        raise QueryError(f"length() needs a path (use size() for strings and lists): {tr.snippet(e.span)}")
    return Tx(f"length({a.text})", INT)


def _labels(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind != "NODE":
        raise QueryError(f"labels() needs a node: {tr.snippet(e.span)}")
    tables = tr.tables_of(a.type)
    if not tables:
        return Tx("CAST(NULL AS STRING[])", list_of(STRING))
    cases = " ".join(
        f"WHEN {tr.string(t)} THEN [{', '.join(tr.string(label) for label in tr.schema.nodes[t].labels)}]"
        for t in sorted(tables)
    )
    # label() of a null (OPTIONAL MATCH) node is its table's name in the engine, not null
    return Tx(f"(CASE WHEN {a.text} IS NULL THEN NULL ELSE (CASE label({a.text}) {cases} END) END)", list_of(STRING))


def _type(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind != "REL":
        raise QueryError(f"type() needs a relationship: {tr.snippet(e.span)}")
    return Tx(f"(CASE WHEN {a.text} IS NULL THEN NULL ELSE label({a.text}) END)", STRING)


def _id(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind not in ("NODE", "REL"):
        raise QueryError(f"{e.name}() needs a node or relationship: {tr.snippet(e.span)}")
    if e.name.lower() == "elementid":
        return Tx(f"CAST(id({a.text}) AS STRING)", STRING)
    return Tx(f"id({a.text})", T("ID"))


def _nodes_rels(engine: str) -> Handler:
    def handler(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
        a = args[0]
        if a.type.kind != "PATH":
            raise QueryError(f"{e.name}() needs a path: {tr.snippet(e.span)}")
        element = node_type(tr.all_nodes) if engine == "nodes" else rel_type(tr.all_rels)
        return Tx(f"{engine}({a.text})", list_of(element))

    return handler


def _properties(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind == "MAP":
        return a
    if a.type.kind in ("NODE", "REL"):
        return Tx(a.text, T("PROPERTIES", tables=a.type.tables))
    raise QueryError(f"properties() needs a node, relationship or map: {tr.snippet(e.span)}")


def _keys(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """The property names a node or relationship has (not null: Neo4j stores no nulls), or a map's keys."""

    a = args[0]
    if a.type.kind == "MAP" and a.type.fields is not None:
        return Tx("[" + ", ".join(tr.string(k) for k, _ in a.type.fields) + "]", list_of(STRING))
    if a.type.kind not in ("NODE", "REL"):
        raise unsupported(f"keys() of a {a.type} value")
    source = tr.schema.rels if a.type.kind == "REL" else tr.schema.nodes
    names: list[str] = []
    for t in sorted(tr.tables_of(a.type)):
        names += [n for n in source[t].properties if n not in names]
    if not names:
        return Tx("CAST([] AS STRING[])", list_of(STRING))
    x = tr.fresh("x")
    tests = " ".join(f"WHEN {string_literal(n)} THEN {a.text}.`{n}` IS NOT NULL" for n in names)
    listed = "[" + ", ".join(string_literal(n) for n in names) + "]"
    return Tx(tr.lambda_call("list_filter", listed, x, f"CASE {x} {tests} END"), list_of(STRING))


GRAPH_FUNCTIONS: FunctionTable = {
    "length": ((1,), _length),
    "labels": ((1,), _labels),
    "type": ((1,), _type),
    "id": ((1,), _id),
    "elementid": ((1,), _id),
    "nodes": ((1,), _nodes_rels("nodes")),
    "relationships": ((1,), _nodes_rels("rels")),
    "properties": ((1,), _properties),
    "keys": ((1,), _keys),
}
