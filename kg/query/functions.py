"""Neo4j 5 functions on the query database: each one mapped to the engine with Neo4j's meaning, or refused.

A function not in `FUNCTIONS` is refused with its name (README: Cypher on
the local store). Each entry takes the translated arguments and returns the
engine text and the static type of the result; types decide where Neo4j and
the engine differ (`reverse` of a string or a list, `toString` of a boolean).
"""

from __future__ import annotations

from collections.abc import Callable

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.refusal import unsupported
from kg.query.tx import Tx, node_type, rel_type, string_literal
from kg.query.types import ANY, BOOL, FLOAT, INT, NULL, PATH, STRING, T, list_of

AGGREGATES = {"count", "sum", "avg", "min", "max", "collect"}


def call(tr, e: ast.Call, scope) -> object:
    name = e.name.lower()
    if name in AGGREGATES:
        return aggregate(tr, e, scope, name)
    if e.distinct:
        raise QueryError(f"DISTINCT is only allowed in aggregate functions, not in {e.name}()")
    handler = FUNCTIONS.get(name)
    if handler is None:
        if name == "exists":
            raise unsupported("exists(); Neo4j 5 writes `x IS NOT NULL` or `EXISTS { pattern }`")
        raise unsupported(f"the function {e.name}()")
    arity, fn = handler
    if len(e.args) not in arity:
        expected = " or ".join(str(a) for a in arity)
        raise QueryError(f"{e.name}() takes {expected} argument{'s' if arity != (1,) else ''}, "
                         f"got {len(e.args)}")
    args = [tr.expr(a, scope) for a in e.args]
    if name not in ("coalesce",) and any(a.type.kind == "NULL" for a in args):
        return Tx("NULL", NULL)  # Neo4j: every function below gives null for a null argument
    return fn(tr, args, e)


def aggregate(tr, e: ast.Call, scope, name: str):
    if len(e.args) != 1:
        raise QueryError(f"{e.name}() takes 1 argument, got {len(e.args)}")
    arg = tr.expr(e.args[0], scope)
    distinct = "DISTINCT " if e.distinct else ""
    t = arg.type
    if name == "count":
        return Tx(f"count({distinct}{arg.text if t.kind != 'NULL' else 'CAST(NULL AS INT64)'})", INT)
    if t.kind == "NULL":  # still an aggregate (one row per group), of typed nulls
        arg = Tx(f"CAST({arg.text} AS INT64)", INT)
        if name == "collect":
            return Tx(f"collect({distinct}{arg.text})", list_of(ANY))
        if name == "sum":
            return Tx(f"coalesce(sum({distinct}{arg.text}), 0)", INT)
        return Tx(f"{name}({distinct}{arg.text})", NULL)
    if name == "collect":
        return Tx(f"collect({distinct}{arg.text})", list_of(t))
    if name in ("sum", "avg"):
        if t.kind not in ("INT", "FLOAT", "ANY"):
            raise QueryError(f"{name}() needs numbers, got {t}: {tr.snippet(e.span)}")
        if name == "sum":  # Neo4j: the sum of no values is 0 (the engine: null)
            return Tx(f"coalesce(sum({distinct}{arg.text}), 0)", t)
        return Tx(f"avg({distinct}{arg.text})", FLOAT)
    if t.kind not in ("INT", "FLOAT", "STRING", "BOOL", "ANY"):
        raise unsupported(f"{name}() of {t} values")
    return Tx(f"{name}({distinct}{arg.text})", t)


# --------------------------------------------------------------------------- handlers

def _need(tr, e, arg, *kinds: str, what: str = "") -> None:
    if arg.type.kind not in (*kinds, "ANY"):
        raise QueryError(f"{e.name}() needs {what or ' or '.join(k.lower() for k in kinds)}, got a {arg.type}: "
                         f"{tr.snippet(e.span)}")


def _simple(engine: str, result: T, *kinds: str) -> Callable:
    def handler(tr, args, e):
        for a in args:
            _need(tr, e, a, *kinds)
        return Tx(f"{engine}({', '.join(a.text for a in args)})", result)
    return handler


def _float_math(engine: str) -> Callable:
    def handler(tr, args, e):
        for a in args:
            _need(tr, e, a, "INT", "FLOAT", what="a number")
        return Tx(f"{engine}({', '.join(f'CAST({a.text} AS DOUBLE)' for a in args)})", FLOAT)
    return handler


def _size(tr, args, e):
    a = args[0]
    _need(tr, e, a, "STRING", "LIST", what="a string or a list")
    return Tx(f"size({a.text})", INT)


def _length(tr, args, e):
    a = args[0]
    if a.type.kind != "PATH":
        raise QueryError(f"length() needs a path (use size() for strings and lists): {tr.snippet(e.span)}")
    return Tx(f"length({a.text})", INT)


def _reverse(tr, args, e):
    a = args[0]
    if a.type.kind == "STRING":
        return Tx(f"reverse({a.text})", STRING)
    if a.type.kind == "LIST":
        return Tx(f"list_reverse({a.text})", a.type)
    raise unsupported(f"reverse() of a value of unknown type ({tr.snippet(e.span)})")


def _replace(tr, args, e):
    """Neo4j (Java) puts the replacement between every character when the search text is ''; the engine
    replaces nothing. An empty search text is refused."""

    for a in args:
        _need(tr, e, a, "STRING")
    search = e.args[1]
    value = search.value if isinstance(search, ast.Literal) else tr.user_params.get(search.name) \
        if isinstance(search, ast.Param) else None
    if value == "":
        raise unsupported("replace() with an empty search text")
    return Tx(f"replace({args[0].text}, {args[1].text}, {args[2].text})", STRING)


def _substring(tr, args, e):
    """Neo4j counts from 0, the engine from 1; without a length, to the end."""

    s, start = args[0], args[1]
    _need(tr, e, s, "STRING")
    _need(tr, e, start, "INT", what="an integer start")
    length = args[2].text if len(args) == 3 else f"size({s.text})"
    if len(args) == 3:
        _need(tr, e, args[2], "INT", what="an integer length")
    return Tx(f"substring({s.text}, {start.text} + 1, {length})", STRING)


def _left_right(engine: str) -> Callable:
    def handler(tr, args, e):
        _need(tr, e, args[0], "STRING")
        _need(tr, e, args[1], "INT", what="an integer length")
        return Tx(f"{engine}({args[0].text}, {args[1].text})", STRING)
    return handler


def _split(tr, args, e):
    """Neo4j keeps empty fields ('a,,b' -> ['a', '', 'b']); the engine's string_split drops them. So every
    field is first made non-empty with a leading U+0001, split, and the U+0001 taken off again."""

    s, d = args
    _need(tr, e, s, "STRING")
    if d.type.kind == "LIST":
        raise unsupported("split() with a list of delimiters")
    _need(tr, e, d, "STRING", what="a string delimiter")
    if isinstance(e.args[1], ast.Literal) and e.args[1].value == "":
        raise unsupported("split() with an empty delimiter")
    mark = string_literal("\x01")
    f = tr.fresh("x")
    fields = f"string_split({mark} + replace({s.text}, {d.text}, {d.text} + {mark}), {d.text})"
    split = tr.lambda_call("list_transform", fields, f, f"substring({f}, 2, size({f}))")
    return Tx(f"(CASE WHEN {s.text} IS NULL OR {d.text} IS NULL THEN NULL ELSE {split} END)", list_of(STRING))


# Java's Character.isWhitespace, which Neo4j's trim uses: not the no-break spaces U+00A0, U+2007, U+202F.
WHITESPACE = ("[\\t\\n\\x{0b}\\f\\r\\x{1c}-\\x{1f} \\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200a}"
              "\\x{2028}\\x{2029}\\x{205f}\\x{3000}]")


def _trim(pattern: str) -> Callable:
    """trim/ltrim/rtrim by regexp_replace: the engine's trim and ltrim return damaged text when a long string
    trims to a short one (ladybug 0.22, measured); the pattern removes what Neo4j's trim removes."""
    def handler(tr, args, e):
        _need(tr, e, args[0], "STRING")
        regex = string_literal(pattern.format(ws=WHITESPACE))
        return Tx(f"regexp_replace({args[0].text}, {regex}, '', 'g')", STRING)
    return handler


def _to_string(tr, args, e):
    a = args[0]
    kind = a.type.kind
    if kind == "STRING":
        return a
    if kind == "INT":
        return Tx(f"CAST({a.text} AS STRING)", STRING)
    if kind == "BOOL":
        return Tx(f"(CASE WHEN {a.text} THEN 'true' WHEN NOT {a.text} THEN 'false' END)", STRING)
    raise unsupported(f"toString() of a {a.type} value (Neo4j's text for floats and others differs from the "
                      "local store's)")


INTEGER_TEXT = "^[+-]?[0-9]+$"
FLOAT_TEXT = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def _parsed(tr, text: str, pattern: str, kind: str) -> str:
    """`text` cast to `kind` where it matches `pattern`, else null. The cast only ever sees a matching text
    (or '0'): the engine evaluates every branch of a CASE, and a failed cast stops the query."""

    regex = string_literal(pattern)
    safe = f"(CASE WHEN {text} =~ {regex} THEN {text} ELSE '0' END)"
    return f"(CASE WHEN {text} =~ {regex} THEN CAST({safe} AS {kind}) END)"


def _truncate(number: str) -> str:
    return f"CAST(CASE WHEN {number} >= 0 THEN floor({number}) ELSE ceil({number}) END AS INT64)"


def _to_integer(tr, args, e):
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
        return Tx(f"(CASE WHEN {a.text} =~ '{INTEGER_TEXT}' THEN {_parsed(tr, a.text, INTEGER_TEXT, 'INT64')} "
                  f"ELSE {_truncate(as_float)} END)", INT)
    if kind == "BOOL":
        return Tx(f"(CASE WHEN {a.text} THEN 1 WHEN NOT {a.text} THEN 0 END)", INT)
    raise unsupported(f"toInteger() of a {a.type} value")


def _to_float(tr, args, e):
    a = args[0]
    if a.type.kind in ("INT", "FLOAT"):
        return Tx(f"CAST({a.text} AS DOUBLE)", FLOAT)
    if a.type.kind == "STRING":
        return Tx(_parsed(tr, a.text, FLOAT_TEXT, "DOUBLE"), FLOAT)
    raise unsupported(f"toFloat() of a {a.type} value")


def _to_boolean(tr, args, e):
    a = args[0]
    if a.type.kind == "BOOL":
        return a
    if a.type.kind == "STRING":
        lowered = f"lower({a.text})"
        return Tx(f"(CASE WHEN {lowered} = 'true' THEN true WHEN {lowered} = 'false' THEN false END)", BOOL)
    if a.type.kind == "INT":
        return Tx(f"({a.text} <> 0)", BOOL)
    raise unsupported(f"toBoolean() of a {a.type} value")


def _round(tr, args, e):
    """Neo4j's one-argument round() rounds half up (round(-2.5) is -2.0); the engine rounds half away from zero."""

    a = args[0]
    _need(tr, e, a, "INT", "FLOAT", what="a number")
    if len(args) > 1:
        raise unsupported("round() with a precision")
    return Tx(f"floor(CAST({a.text} AS DOUBLE) + 0.5)", FLOAT)


def _abs(tr, args, e):
    a = args[0]
    _need(tr, e, a, "INT", "FLOAT", what="a number")
    return Tx(f"abs({a.text})", a.type)


def _sign(tr, args, e):
    a = args[0]
    _need(tr, e, a, "INT", "FLOAT", what="a number")
    return Tx(f"CAST(sign({a.text}) AS INT64)", INT)


def _exp(tr, args, e):
    """The engine has no exp(); e to the power x."""

    _need(tr, e, args[0], "INT", "FLOAT", what="a number")
    return Tx(f"pow(CAST(2.718281828459045 AS DOUBLE), {args[0].text})", FLOAT)


def _coalesce(tr, args, e):
    from kg.query import types

    present = [a for a in args if a.type.kind != "NULL"]
    if not present:
        return Tx("NULL", NULL)
    arg_types = [a.type for a in present]
    if types.mixes_numbers(arg_types):
        raise unsupported(f"coalesce() of integers and floats together ({tr.snippet(e.span)}); make them one type")
    result = types.unify(arg_types)
    if result.kind == "ANY" and any(t.known for t in arg_types):
        raise unsupported(f"coalesce() of values of different types ({tr.snippet(e.span)})")
    if len(present) == 1:
        return present[0]
    return Tx(f"coalesce({', '.join(a.text for a in present)})", result)


def _head_last(first: bool) -> Callable:
    def handler(tr, args, e):
        a = args[0]
        _need(tr, e, a, "LIST", what="a list")
        element = a.type.element or ANY
        if isinstance(e.args[0], ast.ListLit) and not e.args[0].items:
            return Tx("NULL", NULL)
        if element.kind not in ("STRING", "INT", "FLOAT", "BOOL"):
            raise unsupported(f"{e.name}() of a list of {element} values")
        position = "1, 1" if first else "-1, -1"
        return Tx(f"list_min(list_slice({a.text}, {position}))", element)
    return handler


def _tail(tr, args, e):
    a = args[0]
    _need(tr, e, a, "LIST", what="a list")
    return Tx(f"list_slice({a.text}, 2, {2**31 - 1})", a.type)


def _range(tr, args, e):
    for a in args:
        _need(tr, e, a, "INT", what="integers")
    if len(args) == 3 and not (isinstance(e.args[2], ast.Literal) and e.args[2].value):
        raise unsupported("range() with a step that is not a non-zero literal")
    return Tx(f"range({', '.join(a.text for a in args)})", list_of(INT))


def _labels(tr, args, e):
    a = args[0]
    if a.type.kind != "NODE":
        raise QueryError(f"labels() needs a node: {tr.snippet(e.span)}")
    tables = tr.tables_of(a.type)
    if not tables:
        return Tx("CAST(NULL AS STRING[])", list_of(STRING))
    cases = " ".join(f"WHEN {tr.string(t)} THEN [{', '.join(tr.string(label) for label in tr.schema.nodes[t].labels)}]"
                     for t in sorted(tables))
    # label() of a null (OPTIONAL MATCH) node is its table's name in the engine, not null
    return Tx(f"(CASE WHEN {a.text} IS NULL THEN NULL ELSE (CASE label({a.text}) {cases} END) END)",
              list_of(STRING))


def _type(tr, args, e):
    a = args[0]
    if a.type.kind != "REL":
        raise QueryError(f"type() needs a relationship: {tr.snippet(e.span)}")
    return Tx(f"(CASE WHEN {a.text} IS NULL THEN NULL ELSE label({a.text}) END)", STRING)


def _id(tr, args, e):
    a = args[0]
    if a.type.kind not in ("NODE", "REL"):
        raise QueryError(f"{e.name}() needs a node or relationship: {tr.snippet(e.span)}")
    if e.name.lower() == "elementid":
        return Tx(f"CAST(id({a.text}) AS STRING)", STRING)
    return Tx(f"id({a.text})", T("ID"))


def _nodes_rels(engine: str) -> Callable:
    def handler(tr, args, e):
        a = args[0]
        if a.type.kind != "PATH":
            raise QueryError(f"{e.name}() needs a path: {tr.snippet(e.span)}")
        element = node_type(tr.all_nodes) if engine == "nodes" else rel_type(tr.all_rels)
        return Tx(f"{engine}({a.text})", list_of(element))
    return handler


def _properties(tr, args, e):
    a = args[0]
    if a.type.kind == "MAP":
        return a
    if a.type.kind in ("NODE", "REL"):
        return Tx(a.text, T("PROPERTIES", tables=a.type.tables))
    raise QueryError(f"properties() needs a node, relationship or map: {tr.snippet(e.span)}")


def _keys(tr, args, e):
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


def _is_empty(tr, args, e):
    a = args[0]
    _need(tr, e, a, "STRING", "LIST", what="a string or a list")
    return Tx(f"(size({a.text}) = 0)", BOOL)


FUNCTIONS: dict[str, tuple[tuple[int, ...], Callable]] = {
    "size": ((1,), _size),
    "length": ((1,), _length),
    "char_length": ((1,), _simple("size", INT, "STRING")),
    "character_length": ((1,), _simple("size", INT, "STRING")),
    "tolower": ((1,), _simple("lower", STRING, "STRING")),
    "toupper": ((1,), _simple("upper", STRING, "STRING")),
    "lower": ((1,), _simple("lower", STRING, "STRING")),
    "upper": ((1,), _simple("upper", STRING, "STRING")),
    "trim": ((1,), _trim("^{ws}+|{ws}+$")),
    "ltrim": ((1,), _trim("^{ws}+")),
    "rtrim": ((1,), _trim("{ws}+$")),
    "replace": ((3,), _replace),
    "substring": ((2, 3), _substring),
    "left": ((2,), _left_right("left")),
    "right": ((2,), _left_right("right")),
    "split": ((2,), _split),
    "reverse": ((1,), _reverse),
    "tostring": ((1,), _to_string),
    "tointeger": ((1,), _to_integer),
    "tofloat": ((1,), _to_float),
    "toboolean": ((1,), _to_boolean),
    "abs": ((1,), _abs),
    "ceil": ((1,), _float_math("ceil")),
    "floor": ((1,), _float_math("floor")),
    "round": ((1, 2, 3), _round),
    "sign": ((1,), _sign),
    "sqrt": ((1,), _float_math("sqrt")),
    "exp": ((1,), _exp),
    "e": ((0,), lambda tr, args, e: _tx("CAST(2.718281828459045 AS DOUBLE)", FLOAT)),
    "log": ((1,), _float_math("ln")),
    "log10": ((1,), _float_math("log10")),
    "sin": ((1,), _float_math("sin")),
    "cos": ((1,), _float_math("cos")),
    "tan": ((1,), _float_math("tan")),
    "asin": ((1,), _float_math("asin")),
    "acos": ((1,), _float_math("acos")),
    "atan": ((1,), _float_math("atan")),
    "atan2": ((2,), _float_math("atan2")),
    "degrees": ((1,), _float_math("degrees")),
    "radians": ((1,), _float_math("radians")),
    "pi": ((0,), lambda tr, args, e: _tx("pi()", FLOAT)),
    "coalesce": (tuple(range(1, 64)), _coalesce),
    "head": ((1,), _head_last(True)),
    "last": ((1,), _head_last(False)),
    "tail": ((1,), _tail),
    "range": ((2, 3), _range),
    "labels": ((1,), _labels),
    "type": ((1,), _type),
    "id": ((1,), _id),
    "elementid": ((1,), _id),
    "nodes": ((1,), _nodes_rels("nodes")),
    "relationships": ((1,), _nodes_rels("rels")),
    "properties": ((1,), _properties),
    "isempty": ((1,), _is_empty),
    "keys": ((1,), _keys),
}


def _tx(text: str, t: T):
    return Tx(text, t)


__all__ = ["FUNCTIONS", "AGGREGATES", "call", "PATH"]
