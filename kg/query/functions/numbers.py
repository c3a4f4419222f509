"""Numeric functions: abs, sign, rounding, roots, logarithms, trigonometry and the constants e and pi."""

from __future__ import annotations

from kg.query import ast
from kg.query.functions.arguments import FunctionTable, Handler, Translating, need
from kg.query.refusal import unsupported
from kg.query.tx import Tx
from kg.query.types import FLOAT, INT, T


def _float_math(engine: str) -> Handler:
    def handler(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
        for a in args:
            need(tr, e, a, "INT", "FLOAT", what="a number")
        return Tx(f"{engine}({', '.join(f'CAST({a.text} AS DOUBLE)' for a in args)})", FLOAT)

    return handler


def _round(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """Neo4j's one-argument round() rounds half up (round(-2.5) is -2.0); the engine rounds half away from zero."""

    a = args[0]
    need(tr, e, a, "INT", "FLOAT", what="a number")
    if len(args) > 1:
        raise unsupported("round() with a precision")
    return Tx(f"floor(CAST({a.text} AS DOUBLE) + 0.5)", FLOAT)


def _abs(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    need(tr, e, a, "INT", "FLOAT", what="a number")
    return Tx(f"abs({a.text})", a.type)


def _sign(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    a = args[0]
    need(tr, e, a, "INT", "FLOAT", what="a number")
    return Tx(f"CAST(sign({a.text}) AS INT64)", INT)


def _exp(tr: Translating, args: list[Tx], e: ast.Call) -> Tx:
    """The engine has no exp(); e to the power x."""

    need(tr, e, args[0], "INT", "FLOAT", what="a number")
    return Tx(f"pow(CAST(2.718281828459045 AS DOUBLE), {args[0].text})", FLOAT)


def _tx(text: str, t: T) -> Tx:
    return Tx(text, t)


NUMBER_FUNCTIONS: FunctionTable = {
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
}
