"""The translator's state, and the helpers every clause and expression uses: fresh engine names, strings as
parameters, variables in scope, the tables a label or type expression means, and the engine-safe lambda call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.tx import string_literal
from kg.query.types import ANY, Params, T
from kg.store.querydb.schema import Schema

RESERVED_PREFIX = "__kg"


@dataclass
class Binding:
    """A variable in scope: what it is, its engine name, and (nodes/relationships) its possible tables."""

    kind: str  # node rel varrel path value
    engine: str
    tables: frozenset[str] = frozenset()
    type: T = ANY


@dataclass
class Scope:
    vars: dict[str, Binding] = field(default_factory=dict)

    def copy(self) -> Scope:
        return Scope(dict(self.vars))


class TranslatorState:
    """What a translation keeps as it goes; the expression and clause translators are built on it."""

    def __init__(self, schema: Schema, params: Params, text: str):
        self.schema = schema
        self.user_params = params
        self.source = text
        self.params: Params = {}
        self.counter = 0
        self.strings: dict[str, str] = {}
        self.param_names: dict[str, str] = {}
        self.all_nodes = frozenset(schema.nodes)
        self.all_rels = frozenset(schema.rels)
        # Inside a lambda (list_filter, list_transform) the engine cannot take parameters (it stops on an
        # internal assertion), so values there are written as literals, with every character escaped.
        self.inline = 0
        self.limited_with = False
        self.counts_subquery = False
        self.ordered_with = False

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def string(self, value: str) -> str:
        if self.inline:
            return string_literal(value)
        name = self.strings.get(value)
        if name is None:
            name = self.strings[value] = self.fresh("s")
            self.params[name] = value
        return "$" + name

    def snippet(self, span: ast.Span) -> str:
        text = self.source[span[0] : span[1]]
        return text if len(text) <= 60 else text[:57] + "..."

    @staticmethod
    def kind_of(t: T) -> str:
        return {"NODE": "node", "REL": "rel", "PATH": "path"}.get(t.kind, "value")

    def tables_of(self, t: T) -> frozenset[str]:
        if t.kind == "NODE":
            return self.all_nodes if t.tables is None else t.tables
        if t.kind == "REL":
            return self.all_rels if t.tables is None else t.tables
        return frozenset()

    def declare(self, scope: Scope, name: str, binding: Binding) -> None:
        if name.startswith(RESERVED_PREFIX):
            raise QueryError(f"variable names starting with {RESERVED_PREFIX} are reserved")
        scope.vars[name] = binding

    def label_tables(self, expr: ast.LabelExpr | None) -> frozenset[str]:
        """The node tables whose label set satisfies a label expression (Neo4j: `:A:B` means both)."""
        if expr is None:
            return self.all_nodes
        return frozenset(t for t, table in self.schema.nodes.items() if label_holds(expr, set(table.labels)))

    def type_tables(self, expr: ast.LabelExpr | None) -> frozenset[str]:
        if expr is None:
            return self.all_rels
        return frozenset(r for r in self.schema.rels if label_holds(expr, {r}))

    @staticmethod
    def lambda_input(text: str) -> str:
        """A fresh copy of a list for a lambda: two list_filter calls over one list variable in a row clobber
        each other's input (ladybug 0.22, measured), unless each filters a copy."""
        return f"list_slice({text}, 1, {2**31 - 1})"

    def lambda_call(self, function: str, source: str, var: str, body: str) -> str:
        """`function(source, var -> body)` (list_filter or list_transform), safe from two engine bugs: each
        call works on a copy of its list, and an empty list gives an empty list (in a WHERE, ladybug 0.22
        gives an empty list's row another row's answer, measured)."""
        call = f"{function}({self.lambda_input(source)}, {var} -> {body})"
        return f"(CASE WHEN size({source}) = 0 THEN list_slice({call}, 2, 1) ELSE {call} END)"


def label_holds(expr: ast.LabelExpr, labels: set[str]) -> bool:
    if isinstance(expr, ast.LabelName):
        return expr.name in labels
    if isinstance(expr, ast.LabelAnd):
        return label_holds(expr.left, labels) and label_holds(expr.right, labels)
    if isinstance(expr, ast.LabelOr):
        return label_holds(expr.left, labels) or label_holds(expr.right, labels)
    if isinstance(expr, ast.LabelNot):
        return not label_holds(expr.operand, labels)
    return bool(labels)  # LabelAny: %
