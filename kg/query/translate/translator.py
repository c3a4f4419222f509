"""A parsed query to the engine's text: UNION parts clause by clause (MATCH, UNWIND, WITH, RETURN, CALL),
and `translate`, the entry point.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.refusal import unsupported
from kg.query.translate.patterns import PatternPlan
from kg.query.translate.projection import Column, ProjectionTranslator
from kg.query.translate.state import Binding, Scope
from kg.query.tx import Tx
from kg.query.types import ANY, Params, list_of
from kg.store.querydb.schema import Schema


@dataclass
class Translation:
    text: str
    params: Params
    columns: list[Column]
    # A WITH ... SKIP/LIMIT followed by more clauses: the engine's semi-join masks would filter the rows
    # before the limit (ladybug 0.22 returns the wrong top rows, measured), so the runner turns them off.
    no_semi_mask: bool = False
    # A COUNT { } subquery: the engine's optimizer turns it into a join that drops the rows whose count is 0
    # (in WHERE, WITH and aggregating RETURN; ladybug 0.22, measured), so the runner turns the optimizer off.
    # A WITH ... ORDER BY without SKIP or LIMIT: the engine refuses it, so the translation adds SKIP 0; its
    # optimizer then drops the order before a collect() with no grouping key (ladybug 0.22, measured), so the
    # runner turns the optimizer off for these too.
    no_optimizer: bool = False


class Translator(ProjectionTranslator):
    """The whole translation: every layer of expressions, patterns, subqueries and projections, and the clauses."""

    def query(self, q: ast.Query) -> tuple[str, list[Column]]:
        texts = []
        columns: list[Column] | None = None
        for i, part in enumerate(q.parts):
            text, cols = self.single_query(part, Scope())
            if columns is not None and [c.name for c in cols] != [c.name for c in columns]:
                raise QueryError(
                    "all queries in a UNION must return the same column names "
                    f"({', '.join(c.name for c in columns)} vs {', '.join(c.name for c in cols)})"
                )
            columns = columns or cols
            texts.append(text)
            if i < len(q.union_all):
                texts.append("UNION ALL" if q.union_all[i] else "UNION")
        return " ".join(texts), columns or []

    def single_query(self, sq: ast.SingleQuery, scope: Scope) -> tuple[str, list[Column]]:
        out: list[str] = []
        columns: list[Column] = []
        for clause in sq.clauses:
            if isinstance(clause, ast.Match):
                out.append(self.match(clause, scope))
            elif isinstance(clause, ast.Unwind):
                out.append(self.unwind(clause, scope))
            elif isinstance(clause, ast.With):
                text, scope = self.with_clause(clause, scope)
                out.append(text)
            elif isinstance(clause, ast.Return):
                text, columns = self.return_clause(clause, scope)
                out.append(text)
            elif isinstance(clause, ast.ProcedureCall):
                text, names = self.procedure(clause, scope)
                out.append(text)
                if len(sq.clauses) == 1:  # standalone: it returns what it yields
                    out.append("RETURN " + ", ".join(scope.vars[n].engine for n in names))
                    columns = [Column(n) for n in names]
        return " ".join(out), columns

    def match(self, m: ast.Match, scope: Scope) -> str:
        planned = PatternPlan(self, scope, m.patterns)
        conditions = planned.conditions
        if m.where is not None:
            conditions.append(self.predicate(m.where, scope))
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        return f"{'OPTIONAL ' if m.optional else ''}MATCH {', '.join(planned.texts)}{where}"

    def unwind(self, u: ast.Unwind, scope: Scope) -> str:
        source = self.expr(u.expression, scope)
        if source.type.kind not in ("LIST", "NULL", "ANY"):
            source = Tx(f"[{source.text}]", list_of(source.type))  # Neo4j unwinds a single value as one row
        if source.type.kind == "ANY":
            raise unsupported(f"UNWIND of a value of unknown type ({self.snippet(u.expression.span)})")
        name = self.fresh("v")
        element = source.type.element if source.type.kind == "LIST" and source.type.element else ANY
        self.declare(scope, u.var, Binding(self.kind_of(element), name, self.tables_of(element), element))
        if source.type.kind == "NULL":
            return f"UNWIND [] AS {name}"
        return f"UNWIND {source.text} AS {name}"


def translate(query: ast.Query, schema: Schema, params: Params | None = None) -> Translation:
    """Engine text, engine parameters and Neo4j's column names for a parsed query."""
    tr = Translator(schema, params or {}, query.text)
    text, columns = tr.query(query)
    return Translation(
        text, tr.params, columns, no_semi_mask=tr.limited_with, no_optimizer=tr.counts_subquery or tr.ordered_with
    )
