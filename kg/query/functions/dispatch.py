"""A Cypher function call to the engine: aggregates here, every other function by name from the family tables.

A function in no table is refused with its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.functions.arguments import FunctionTable, Translating
from kg.query.functions.conversions import CONVERSION_FUNCTIONS
from kg.query.functions.graph import GRAPH_FUNCTIONS
from kg.query.functions.lists import LIST_FUNCTIONS
from kg.query.functions.numbers import NUMBER_FUNCTIONS
from kg.query.functions.strings import STRING_FUNCTIONS
from kg.query.refusal import unsupported
from kg.query.tx import Tx
from kg.query.types import ANY, FLOAT, INT, NULL, list_of

if TYPE_CHECKING:  # for the checker only: the translator imports this package, so it cannot be imported back
    from kg.query.translate.state import Scope

AGGREGATES = {"count", "sum", "avg", "min", "max", "collect"}

FUNCTIONS: FunctionTable = {
    **STRING_FUNCTIONS,
    **CONVERSION_FUNCTIONS,
    **NUMBER_FUNCTIONS,
    **LIST_FUNCTIONS,
    **GRAPH_FUNCTIONS,
}


def call(tr: Translating, e: ast.Call, scope: Scope) -> Tx:
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
        raise QueryError(f"{e.name}() takes {expected} argument{'s' if arity != (1,) else ''}, got {len(e.args)}")
    args = [tr.expr(a, scope) for a in e.args]
    if name not in ("coalesce",) and any(a.type.kind == "NULL" for a in args):
        return Tx("NULL", NULL)  # Neo4j: every function below gives null for a null argument
    return fn(tr, args, e)


def aggregate(tr: Translating, e: ast.Call, scope: Scope, name: str) -> Tx:
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
