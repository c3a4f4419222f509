"""What every function handler shares: the shape of a function table, and the check of an argument's type."""

from __future__ import annotations

from collections.abc import Callable

from kg.model.errors import QueryError

FunctionTable = dict[str, tuple[tuple[int, ...], Callable]]
"""Lower-case function name -> (the argument counts it takes, handler(translator, translated args, call) -> Tx)."""


def need(tr, e, arg, *kinds: str, what: str = "") -> None:
    """Refuse an argument whose type is known and none of `kinds`, naming the function and the argument."""
    if arg.type.kind not in (*kinds, "ANY"):
        raise QueryError(f"{e.name}() needs {what or ' or '.join(k.lower() for k in kinds)}, got a {arg.type}: "
                         f"{tr.snippet(e.span)}")
