"""The syntax tree of a Cypher read query, as `kg.query.parser` builds it.

Every node keeps `span`, its (start, end) offsets in the query text: Neo4j
names an unaliased return column by the text of its expression as written,
and errors point at the construct by its text.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

Span = tuple[int, int]


# --------------------------------------------------------------------------- expressions


@dataclass(slots=True)
class Literal:
    value: object  # int, float, str, bool or None
    span: Span = (0, 0)


@dataclass(slots=True)
class Param:
    name: str
    span: Span = (0, 0)


@dataclass(slots=True)
class Var:
    name: str
    span: Span = (0, 0)


@dataclass(slots=True)
class Prop:
    subject: Expr
    key: str
    span: Span = (0, 0)


@dataclass(slots=True)
class Index:
    subject: Expr
    index: Expr
    span: Span = (0, 0)


@dataclass(slots=True)
class Slice:
    subject: Expr
    start: Expr | None
    stop: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class ListLit:
    items: list[Expr]
    span: Span = (0, 0)


@dataclass(slots=True)
class MapLit:
    items: list[tuple[str, Expr]]
    span: Span = (0, 0)


@dataclass(slots=True)
class Unary:
    op: str  # "-", "+", "NOT"
    operand: Expr
    span: Span = (0, 0)


@dataclass(slots=True)
class Binary:
    op: str  # OR XOR AND = <> < > <= >= + - * / % ^ =~ STARTS_WITH ENDS_WITH CONTAINS IN
    left: Expr
    right: Expr
    span: Span = (0, 0)


@dataclass(slots=True)
class IsNull:
    operand: Expr
    negated: bool
    span: Span = (0, 0)


@dataclass(slots=True)
class HasLabels:
    """`n:Label` (or a label expression) used as a predicate."""

    subject: Expr
    labels: LabelExpr
    span: Span = (0, 0)


@dataclass(slots=True)
class Call:
    name: str  # as written (namespace.name); compared case-insensitively
    args: list[Expr]
    distinct: bool = False
    span: Span = (0, 0)


@dataclass(slots=True)
class CountStar:
    span: Span = (0, 0)


@dataclass(slots=True)
class Case:
    subject: Expr | None  # CASE x WHEN v ... (simple form) or None (generic form)
    whens: list[tuple[Expr, Expr]]
    default: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class ListComprehension:
    var: str
    source: Expr
    where: Expr | None
    projection: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class Quantifier:
    kind: str  # ALL ANY NONE SINGLE
    var: str
    source: Expr
    where: Expr
    span: Span = (0, 0)


@dataclass(slots=True)
class Reduce:
    accumulator: str
    initial: Expr
    var: str
    source: Expr
    expression: Expr
    span: Span = (0, 0)


@dataclass(slots=True)
class MapProjection:
    """`n {.a, .*, k: expr, v}`.

    Items: ("property", key), ("all", None), ("literal", key, expr) or ("variable", name).
    """

    subject: Var
    items: list[MapProjectionItem]
    span: Span = (0, 0)


@dataclass(slots=True)
class PatternPredicate:
    """A pattern used as a boolean: `WHERE (p)-[:CITES]->()`."""

    pattern: PathPattern
    span: Span = (0, 0)


@dataclass(slots=True)
class PatternComprehension:
    pattern: PathPattern
    where: Expr | None
    projection: Expr
    span: Span = (0, 0)


@dataclass(slots=True)
class Subquery:
    """`EXISTS { ... }`, `COUNT { ... }` or `COLLECT { ... }` around a pattern or a MATCH query."""

    kind: str  # EXISTS COUNT COLLECT
    patterns: list[PathPattern] | None  # the short form: a pattern list with an optional WHERE
    where: Expr | None
    query: Query | None  # the long form: MATCH ... [RETURN ...]
    span: Span = (0, 0)


Expr = (
    Literal
    | Param
    | Var
    | Prop
    | Index
    | Slice
    | ListLit
    | MapLit
    | Unary
    | Binary
    | IsNull
    | HasLabels
    | Call
    | CountStar
    | Case
    | ListComprehension
    | Quantifier
    | Reduce
    | MapProjection
    | PatternPredicate
    | PatternComprehension
    | Subquery
)

MapProjectionItem = (
    tuple[typing.Literal["property"], str]
    | tuple[typing.Literal["all"], None]
    | tuple[typing.Literal["literal"], str, Expr]
    | tuple[typing.Literal["variable"], str]
)
"""One item of a map projection (see `MapProjection`), tagged by its first element."""


# --------------------------------------------------------------------------- label expressions


@dataclass(slots=True)
class LabelName:
    name: str


@dataclass(slots=True)
class LabelAnd:
    left: LabelExpr
    right: LabelExpr


@dataclass(slots=True)
class LabelOr:
    left: LabelExpr
    right: LabelExpr


@dataclass(slots=True)
class LabelNot:
    operand: LabelExpr


@dataclass(slots=True)
class LabelAny:
    """`%`: any label at all."""


LabelExpr = LabelName | LabelAnd | LabelOr | LabelNot | LabelAny


# --------------------------------------------------------------------------- patterns


@dataclass(slots=True)
class NodePattern:
    var: str | None
    labels: LabelExpr | None
    properties: MapLit | Param | None
    where: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class RelPattern:
    var: str | None
    direction: str  # "out" (-->), "in" (<--) or "both" (--)
    types: LabelExpr | None
    length: tuple[int | None, int | None] | None  # None: one relationship; (min, max) for *min..max
    properties: MapLit | Param | None
    where: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class PathPattern:
    var: str | None
    elements: list[NodePattern | RelPattern]  # node, rel, node, rel, node ...
    shortest: str | None = None  # None, "shortestPath" or "allShortestPaths"
    span: Span = (0, 0)

    @property
    def nodes(self) -> list[NodePattern]:
        return self.elements[0::2]  # type: ignore[return-value]

    @property
    def rels(self) -> list[RelPattern]:
        return self.elements[1::2]  # type: ignore[return-value]


# --------------------------------------------------------------------------- clauses


@dataclass(slots=True)
class ReturnItem:
    expression: Expr
    alias: str | None
    text: str  # the expression as written: the column name when there is no alias


@dataclass(slots=True)
class SortItem:
    expression: Expr
    descending: bool


@dataclass(slots=True)
class Projection:
    """The common body of WITH and RETURN."""

    distinct: bool
    star: bool
    items: list[ReturnItem]
    order: list[SortItem] = field(default_factory=list)
    skip: Expr | None = None
    limit: Expr | None = None


@dataclass(slots=True)
class Match:
    optional: bool
    patterns: list[PathPattern]
    where: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class Unwind:
    expression: Expr
    var: str
    span: Span = (0, 0)


@dataclass(slots=True)
class With:
    projection: Projection
    where: Expr | None
    span: Span = (0, 0)


@dataclass(slots=True)
class Return:
    projection: Projection
    span: Span = (0, 0)


@dataclass(slots=True)
class ProcedureCall:
    """`CALL db.labels() YIELD label AS l WHERE ...`: yields are (name, alias) pairs; None yields means all."""

    name: str
    args: list[Expr]
    yields: list[tuple[str, str]] | None
    where: Expr | None
    span: Span = (0, 0)


Clause = Match | Unwind | With | Return | ProcedureCall


@dataclass(slots=True)
class SingleQuery:
    clauses: list[Clause]
    span: Span = (0, 0)


@dataclass(slots=True)
class Query:
    parts: list[SingleQuery]
    union_all: list[bool]  # between part i and i+1: UNION ALL (True) or UNION (False)
    text: str = ""
