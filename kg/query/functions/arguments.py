"""What every function handler shares: the translator as handlers see it, the shape of a function table, and the
check of an argument's type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.tx import Tx
from kg.query.types import Params, T
from kg.store.querydb.schema import Schema

if TYPE_CHECKING:  # for the checker only: the translator imports this package, so it cannot be imported back
    from kg.query.translate.state import Scope


class Translating(Protocol):
    """What a handler uses of the translator (`kg.query.translate`), which passes itself in."""

    schema: Schema
    user_params: Params
    all_nodes: frozenset[str]
    all_rels: frozenset[str]

    def expr(self, e: ast.Expr, scope: Scope, top: bool = False) -> Tx: ...
    def snippet(self, span: ast.Span) -> str: ...
    def string(self, value: str) -> str: ...
    def fresh(self, prefix: str) -> str: ...
    def tables_of(self, t: T) -> frozenset[str]: ...
    def lambda_call(self, function: str, source: str, var: str, body: str) -> str: ...


Handler = Callable[[Translating, list[Tx], ast.Call], Tx]
"""handler(translator, translated arguments, the call) -> the call's engine text and type."""

FunctionTable = dict[str, tuple[tuple[int, ...], Handler]]
"""Lower-case function name -> (the argument counts it takes, its handler)."""


def need(tr: Translating, e: ast.Call, arg: Tx, *kinds: str, what: str = "") -> None:
    """Refuse an argument whose type is known and none of `kinds`, naming the function and the argument."""
    if arg.type.kind not in (*kinds, "ANY"):
        raise QueryError(
            f"{e.name}() needs {what or ' or '.join(k.lower() for k in kinds)}, got a {arg.type}: {tr.snippet(e.span)}"
        )
