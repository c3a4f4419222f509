"""String functions: case, trim, replace, substring, left/right, split, each with Neo4j's meaning."""

from __future__ import annotations

from kg.query import ast
from kg.query.functions.arguments import FunctionTable, Handler, Translating, need
from kg.query.refusal import unsupported
from kg.query.tx import Tx, string_literal
from kg.query.types import INT, STRING, T, list_of


def _simple(engine: str, result: T, *kinds: str) -> Handler:
    def handler(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
        for a in args:
            need(tr, e, a, *kinds)
        return Tx(f"{engine}({', '.join(a.text for a in args)})", result)

    return handler


def _replace(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """Neo4j (Java) puts the replacement between every character when the search text is ''; the engine
    replaces nothing. An empty search text is refused."""

    for a in args:
        need(tr, e, a, "STRING")
    search = e.args[1]
    value = (
        search.value
        if isinstance(search, ast.Literal)
        else tr.user_params.get(search.name)
        if isinstance(search, ast.Param)
        else None
    )
    if value == "":
        raise unsupported("replace() with an empty search text")
    return Tx(f"replace({args[0].text}, {args[1].text}, {args[2].text})", STRING)


def _substring(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """Neo4j counts from 0, the engine from 1; without a length, to the end."""

    s, start = args[0], args[1]
    need(tr, e, s, "STRING")
    need(tr, e, start, "INT", what="an integer start")
    length = args[2].text if len(args) == 3 else f"size({s.text})"
    if len(args) == 3:
        need(tr, e, args[2], "INT", what="an integer length")
    return Tx(f"substring({s.text}, {start.text} + 1, {length})", STRING)


def _left_right(engine: str) -> Handler:
    def handler(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
        need(tr, e, args[0], "STRING")
        need(tr, e, args[1], "INT", what="an integer length")
        return Tx(f"{engine}({args[0].text}, {args[1].text})", STRING)

    return handler


def _split(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """Neo4j keeps empty fields ('a,,b' -> ['a', '', 'b']); the engine's string_split drops them. So every
    field is first made non-empty with a leading U+0001, split, and the U+0001 taken off again."""

    s, d = args
    need(tr, e, s, "STRING")
    if d.type.kind == "LIST":
        raise unsupported("split() with a list of delimiters")
    need(tr, e, d, "STRING", what="a string delimiter")
    if isinstance(e.args[1], ast.Literal) and e.args[1].value == "":
        raise unsupported("split() with an empty delimiter")
    mark = string_literal("\x01")
    f = tr.fresh("x")
    fields = f"string_split({mark} + replace({s.text}, {d.text}, {d.text} + {mark}), {d.text})"
    split = tr.lambda_call("list_transform", fields, f, f"substring({f}, 2, size({f}))")
    return Tx(f"(CASE WHEN {s.text} IS NULL OR {d.text} IS NULL THEN NULL ELSE {split} END)", list_of(STRING))


# Java's Character.isWhitespace, which Neo4j's trim uses: not the no-break spaces U+00A0, U+2007, U+202F.
WHITESPACE = (
    "[\\t\\n\\x{0b}\\f\\r\\x{1c}-\\x{1f} \\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{205f}\\x{3000}]"
)


def _trim(pattern: str) -> Handler:
    """trim/ltrim/rtrim by regexp_replace: the engine's trim and ltrim return damaged text when a long string
    trims to a short one (ladybug 0.22, measured); the pattern removes what Neo4j's trim removes."""

    def handler(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
        need(tr, e, args[0], "STRING")
        regex = string_literal(pattern.format(ws=WHITESPACE))
        return Tx(f"regexp_replace({args[0].text}, {regex}, '', 'g')", STRING)

    return handler


STRING_FUNCTIONS: FunctionTable = {
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
}
