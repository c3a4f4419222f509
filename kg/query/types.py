"""Static types of Cypher expressions, as far as the translator can tell them.

The engine is typed and Neo4j is not: the engine casts `'2023'` to an
integer to compare it with `2023`, where Neo4j says they are not equal. The
translator infers each expression's type (from the schema, literals,
parameter values and function results) so that it can keep Neo4j's meaning
where the two differ, and refuse what it cannot translate exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

Value: TypeAlias = Any
"""A Cypher runtime value: a parameter or a value the engine returns (null, bool, number, string, list, map,
node ...). Any, because its type is known only when the query runs; `of_value` tells it."""

Params: TypeAlias = dict[str, Value]
"""Query parameters by name, as the user binds them (`--param`, `--param-json`) or the engine takes them."""


@dataclass(frozen=True)
class T:
    kind: str  # STRING INT FLOAT BOOL NULL ANY LIST MAP NODE REL PATH
    element: T | None = None  # of a LIST
    fields: tuple[tuple[str, T], ...] | None = None  # of a MAP with known keys
    tables: frozenset[str] | None = None  # of a NODE or REL: the tables it may come from

    def __str__(self) -> str:
        if self.kind == "LIST":
            return f"LIST<{self.element}>"
        return self.kind

    @property
    def is_number(self) -> bool:
        return self.kind in ("INT", "FLOAT")

    @property
    def known(self) -> bool:
        return self.kind not in ("ANY", "NULL")

    def field(self, key: str) -> T | None:
        if self.fields is None:
            return None
        return dict(self.fields).get(key)


STRING = T("STRING")
INT = T("INT")
FLOAT = T("FLOAT")
BOOL = T("BOOL")
NULL = T("NULL")
ANY = T("ANY")
NODE = T("NODE")
REL = T("REL")
PATH = T("PATH")


def list_of(element: T) -> T:
    return T("LIST", element)


ANY_LIST = list_of(ANY)

_ENGINE = {"STRING": STRING, "INT64": INT, "DOUBLE": FLOAT, "BOOL": BOOL}


def of_engine(kind: str) -> T:
    """The type of a schema column ("STRING", "INT64[]" ...)."""
    if kind.endswith("[]"):
        return list_of(of_engine(kind[:-2]))
    return _ENGINE.get(kind, ANY)


def of_value(value: Value) -> T:
    """The type of a parameter value."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, (list, tuple)):
        return list_of(unify([of_value(v) for v in value]) if value else ANY)
    if isinstance(value, dict):
        return T("MAP", fields=tuple((str(k), of_value(v)) for k, v in value.items()))
    return ANY


def unify(types: list[T]) -> T:
    """The one type of values that may be any of `types` (NULL fits all); ANY when they differ."""
    known = [t for t in types if t.kind != "NULL"]
    if not known:
        return NULL
    first = known[0]
    if all(t == first for t in known):
        return first
    if all(t.kind == first.kind for t in known) and first.kind in ("NODE", "REL"):
        tables: frozenset[str] = frozenset()
        for t in known:
            if t.tables is None:
                return T(first.kind)
            tables |= t.tables
        return T(first.kind, tables=tables)
    if all(t.kind == "LIST" for t in known):
        return list_of(unify([t.element or ANY for t in known]))
    if all(t.kind == "MAP" for t in known):
        return T("MAP")
    return ANY


def mixes_numbers(types: list[T]) -> bool:
    """Integers and floats together: the engine would make the integers floats (or the floats integers)."""
    kinds = {t.kind for t in types}
    return "INT" in kinds and "FLOAT" in kinds


def comparable(a: T, b: T) -> bool | None:
    """Whether Neo4j compares values of these types as values (True), never equal (False), or unknown (None)."""
    if not a.known or not b.known:
        return None
    if a.is_number and b.is_number:
        return True
    if a.kind != b.kind:
        return False
    if a.kind == "LIST":
        return comparable(a.element or ANY, b.element or ANY)
    return True
