"""Patterns inside expressions (pattern predicates, EXISTS { } and COUNT { } subqueries) and the procedure calls
the local store answers (CALL db.labels(), CALL db.relationshipTypes()).
"""

from __future__ import annotations

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.refusal import unsupported
from kg.query.translate.lists import ListExpressions
from kg.query.translate.patterns import PatternPlan
from kg.query.translate.state import Binding, Scope
from kg.query.tx import Tx
from kg.query.types import BOOL, INT, STRING


class SubqueryTranslator(ListExpressions):
    """Subqueries as the engine's EXISTS and COUNT, and db.labels()/db.relationshipTypes() as UNWIND."""

    def x_PatternPredicate(self, e: ast.PatternPredicate, scope: Scope) -> Tx:
        return Tx(f"EXISTS {{ {self.subquery_match([e.pattern], None, scope)} }}", BOOL)

    def x_Subquery(self, e: ast.Subquery, scope: Scope) -> Tx:
        if e.kind == "COLLECT":
            raise unsupported("COLLECT { } subqueries; use OPTIONAL MATCH ... collect()")
        if e.query is not None:
            patterns, where = self.simple_subquery(e.query)
        else:
            patterns, where = e.patterns or [], e.where
        body = self.subquery_match(patterns, where, scope)
        if e.kind == "EXISTS":
            return Tx(f"EXISTS {{ {body} }}", BOOL)
        self.counts_subquery = True
        return Tx(f"COUNT {{ {body} }}", INT)

    def simple_subquery(self, q: ast.Query) -> tuple[list[ast.PathPattern], ast.Expr | None]:
        """EXISTS/COUNT { MATCH ... WHERE ... [RETURN ...] }: the long forms the engine can run."""
        if len(q.parts) != 1:
            raise unsupported("UNION inside EXISTS or COUNT { }")
        clauses = q.parts[0].clauses
        if clauses and isinstance(clauses[-1], ast.Return):
            r = clauses[-1].projection
            if r.order or r.skip or r.limit or r.distinct:
                raise unsupported("RETURN with DISTINCT, ORDER BY, SKIP or LIMIT inside EXISTS or COUNT { }")
            clauses = clauses[:-1]
        if len(clauses) != 1 or not isinstance(clauses[0], ast.Match) or clauses[0].optional:
            raise unsupported("EXISTS or COUNT { } with clauses other than one MATCH ... WHERE")
        return clauses[0].patterns, clauses[0].where

    def subquery_match(self, patterns: list[ast.PathPattern], where: ast.Expr | None, scope: Scope) -> str:
        inner = scope.copy()
        planned = PatternPlan(self, inner, patterns)
        conditions = planned.conditions
        if where is not None:
            conditions.append(self.predicate(where, inner))
        return f"MATCH {', '.join(planned.texts)}" + (" WHERE " + " AND ".join(conditions) if conditions else "")

    PROCEDURES = {"db.labels": "label", "db.relationshiptypes": "relationshipType"}

    def procedure(self, call: ast.ProcedureCall, scope: Scope) -> tuple[str, list[str]]:
        """db.labels() and db.relationshipTypes(): the labels and types in use, as rows."""
        field = self.PROCEDURES.get(call.name.lower())
        if field is None:
            raise unsupported(f"procedure calls (CALL {call.name})")
        if call.args:
            raise QueryError(f"{call.name}() takes no arguments")
        values = self.schema.labels_in_use if field == "label" else self.schema.types_in_use
        names = [field] if call.yields is None else []
        for name, alias in call.yields or []:
            if name != field:
                raise QueryError(f"{call.name}() yields {field}, not {name}")
            names.append(alias)
        engine = self.fresh("v")
        text = "UNWIND [" + ", ".join(self.string(v) for v in values) + "] AS " + engine
        if not values:
            text = f"UNWIND CAST([] AS STRING[]) AS {engine}"
        for alias in names:
            self.declare(scope, alias, Binding("value", engine, type=STRING))
        if call.where is not None:
            text += f" WITH * WHERE {self.predicate(call.where, scope)}"
        return text, names
