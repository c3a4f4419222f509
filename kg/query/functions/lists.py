"""List (and string-or-list) functions: size, reverse, isEmpty, head, last, tail, range, and coalesce."""

from __future__ import annotations

from kg.query import ast
from kg.query.functions.arguments import FunctionTable, Handler, Translating, need
from kg.query.refusal import unsupported
from kg.query.tx import Tx
from kg.query.types import ANY, BOOL, INT, NULL, STRING, list_of


def _size(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    need(tr, e, a, "STRING", "LIST", what="a string or a list")
    return Tx(f"size({a.text})", INT)


def _reverse(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    if a.type.kind == "STRING":
        return Tx(f"reverse({a.text})", STRING)
    if a.type.kind == "LIST":
        return Tx(f"list_reverse({a.text})", a.type)
    raise unsupported(f"reverse() of a value of unknown type ({tr.snippet(e.span)})")


def _is_empty(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    need(tr, e, a, "STRING", "LIST", what="a string or a list")
    return Tx(f"(size({a.text}) = 0)", BOOL)


def _coalesce(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
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


def _head_last(first: bool) -> Handler:
    def handler(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
        a = args[0]
        need(tr, e, a, "LIST", what="a list")
        element = a.type.element or ANY
        if isinstance(e.args[0], ast.ListLit) and not e.args[0].items:
            return Tx("NULL", NULL)
        if element.kind not in ("STRING", "INT", "FLOAT", "BOOL"):
            raise unsupported(f"{e.name}() of a list of {element} values")
        position = "1, 1" if first else "-1, -1"
        return Tx(f"list_min(list_slice({a.text}, {position}))", element)

    return handler


def _tail(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    need(tr, e, a, "LIST", what="a list")
    return Tx(f"list_slice({a.text}, 2, {2**31 - 1})", a.type)


def _range(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    for a in args:
        need(tr, e, a, "INT", what="integers")
    if len(args) == 3 and not (isinstance(e.args[2], ast.Literal) and e.args[2].value):
        raise unsupported("range() with a step that is not a non-zero literal")
    return Tx(f"range({', '.join(a.text for a in args)})", list_of(INT))


LIST_FUNCTIONS: FunctionTable = {
    "size": ((1,), _size),
    "reverse": ((1,), _reverse),
    "isempty": ((1,), _is_empty),
    "coalesce": (tuple(range(1, 64)), _coalesce),
    "head": ((1,), _head_last(True)),
    "last": ((1,), _head_last(False)),
    "tail": ((1,), _tail),
    "range": ((2, 3), _range),
}
