"""Conversion functions: toString, toInteger, toFloat, toBoolean, with Neo4j's truncation and its null for text
that is not a number (where the engine's casts round, or stop the query).
"""

from __future__ import annotations

from kg.query import ast
from kg.query.functions.arguments import FunctionTable, Translating
from kg.query.refusal import unsupported
from kg.query.tx import Tx, string_literal
from kg.query.types import BOOL, FLOAT, INT, STRING


def _to_string(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    kind = a.type.kind
    if kind == "STRING":
        return a
    if kind == "INT":
        return Tx(f"CAST({a.text} AS STRING)", STRING)
    if kind == "BOOL":
        return Tx(f"(CASE WHEN {a.text} THEN 'true' WHEN NOT {a.text} THEN 'false' END)", STRING)
    raise unsupported(
        f"toString() of a {a.type} value (Neo4j's text for floats and others differs from the local store's)"
    )


INTEGER_TEXT = "^[+-]?[0-9]+$"


FLOAT_TEXT = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def _parsed(tr: Translating, text: str, pattern: str, kind: str) -> str:
    """`text` cast to `kind` where it matches `pattern`, else null. The cast only ever sees a matching text
    (or '0'): the engine evaluates every branch of a CASE, and a failed cast stops the query."""

    regex = string_literal(pattern)
    safe = f"(CASE WHEN {text} =~ {regex} THEN {text} ELSE '0' END)"
    return f"(CASE WHEN {text} =~ {regex} THEN CAST({safe} AS {kind}) END)"


def _truncate(number: str) -> str:
    return f"CAST(CASE WHEN {number} >= 0 THEN floor({number}) ELSE ceil({number}) END AS INT64)"


def _to_integer(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """Neo4j truncates toward zero (the engine's cast rounds) and gives null for text that is not a number
    (the engine's cast fails)."""

    a = args[0]
    kind = a.type.kind
    if kind == "INT":
        return a
    if kind == "FLOAT":
        return Tx(_truncate(a.text), INT)
    if kind == "STRING":
        as_float = _parsed(tr, a.text, FLOAT_TEXT, "DOUBLE")
        return Tx(
            f"(CASE WHEN {a.text} =~ '{INTEGER_TEXT}' THEN {_parsed(tr, a.text, INTEGER_TEXT, 'INT64')} "
            f"ELSE {_truncate(as_float)} END)",
            INT,
        )
    if kind == "BOOL":
        return Tx(f"(CASE WHEN {a.text} THEN 1 WHEN NOT {a.text} THEN 0 END)", INT)
    raise unsupported(f"toInteger() of a {a.type} value")


def _to_float(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind in ("INT", "FLOAT"):
        return Tx(f"CAST({a.text} AS DOUBLE)", FLOAT)
    if a.type.kind == "STRING":
        return Tx(_parsed(tr, a.text, FLOAT_TEXT, "DOUBLE"), FLOAT)
    raise unsupported(f"toFloat() of a {a.type} value")


def _to_boolean(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind == "BOOL":
        return a
    if a.type.kind == "STRING":
        lowered = f"lower({a.text})"
        return Tx(f"(CASE WHEN {lowered} = 'true' THEN true WHEN {lowered} = 'false' THEN false END)", BOOL)
    if a.type.kind == "INT":
        return Tx(f"({a.text} <> 0)", BOOL)
    raise unsupported(f"toBoolean() of a {a.type} value")


CONVERSION_FUNCTIONS: FunctionTable = {
    "tostring": ((1,), _to_string),
    "tointeger": ((1,), _to_integer),
    "tofloat": ((1,), _to_float),
    "toboolean": ((1,), _to_boolean),
}
