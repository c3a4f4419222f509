"""Expressions that run over a list or build a map: list comprehensions and the quantifiers all/any/none/single
(as engine lambdas), map projections; reduce() and pattern comprehensions are refused.
"""

from __future__ import annotations

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.refusal import unsupported
from kg.query.translate.operators import OperatorExpressions
from kg.query.translate.state import Binding, Scope
from kg.query.translate.values import quote_name
from kg.query.tx import Tx
from kg.query.types import ANY, BOOL, NULL, T, list_of


class ListExpressions(OperatorExpressions):
    """Lambdas over lists, and map projections: with the layers below, every expression but patterns."""

    def in_lambda(self, e: ast.Expr, scope: Scope) -> Tx:
        """Translate an expression that goes inside a lambda: values as literals, not parameters."""
        self.inline += 1
        try:
            return self.expr(e, scope)
        finally:
            self.inline -= 1

    def lambda_scope(self, scope: Scope, var: str, element: T) -> tuple[Scope, str]:
        inner = scope.copy()
        name = self.fresh("x")
        self.declare(inner, var, Binding(self.kind_of(element), name, self.tables_of(element), element))
        return inner, name

    def list_source(self, e: ast.Expr, scope: Scope, what: str) -> Tx:
        source = self.expr(e, scope)
        if source.type.kind not in ("LIST", "NULL"):
            raise QueryError(f"{what} needs a list: {self.snippet(e.span)}")
        return source

    def x_ListComprehension(self, e: ast.ListComprehension, scope: Scope) -> Tx:
        source = self.list_source(e.source, scope, "a list comprehension")
        if source.type.kind == "NULL":
            return Tx("NULL", NULL)
        inner, name = self.lambda_scope(scope, e.var, source.type.element or ANY)
        text = source.text
        result = source.type
        if e.where is not None:
            condition = self.in_lambda(e.where, inner)
            self.need_bool(condition, e.where)
            text = self.lambda_call("list_filter", text, name, condition.text)
        if e.projection is not None:
            projection = self.in_lambda(e.projection, inner)
            text = self.lambda_call("list_transform", text, name, projection.text)
            result = list_of(projection.type)
        return Tx(text, result)

    def x_Quantifier(self, e: ast.Quantifier, scope: Scope) -> Tx:
        """all/any/none/single with Neo4j's null answers. The engine's own quantifiers take a null predicate as
        false; three of them (is some element true, null, false?) give Neo4j's answer."""
        source = self.list_source(e.source, scope, f"{e.kind.lower()}()")
        if source.type.kind == "NULL":
            return Tx("CAST(NULL AS BOOLEAN)", BOOL)
        inner, name = self.lambda_scope(scope, e.var, source.type.element or ANY)
        p = self.in_lambda(e.where, inner)
        self.need_bool(p, e.where)
        s = source.text
        copy = self.lambda_input(s)  # each over its own copy: several over one list clobber each other
        some_true = f"any({name} IN {copy} WHERE {p.text})"
        some_null = f"any({name} IN {copy} WHERE ({p.text}) IS NULL)"
        some_false = f"any({name} IN {copy} WHERE NOT ({p.text}))"
        one_true = f"single({name} IN {copy} WHERE {p.text})"
        cases = {
            "ANY": f"WHEN {some_true} THEN true WHEN {some_null} THEN NULL ELSE false",
            "ALL": f"WHEN {some_false} THEN false WHEN {some_null} THEN NULL ELSE true",
            "NONE": f"WHEN {some_true} THEN false WHEN {some_null} THEN NULL ELSE true",
            "SINGLE": f"WHEN {some_true} AND NOT {one_true} THEN false WHEN {some_null} THEN NULL ELSE {one_true}",
        }[e.kind]
        return Tx(f"(CASE WHEN {s} IS NULL THEN NULL {cases} END)", BOOL)

    def x_Reduce(self, e: ast.Reduce, scope: Scope) -> Tx:
        raise unsupported("reduce()")

    def x_PatternComprehension(self, e: ast.PatternComprehension, scope: Scope) -> Tx:
        raise unsupported("pattern comprehensions [(a)-->(b) | ...]; use OPTIONAL MATCH ... collect()")

    def x_MapProjection(self, e: ast.MapProjection, scope: Scope) -> Tx:
        return self.map_projection(e, scope, allow_star=False)[0]

    def map_projection(self, e: ast.MapProjection, scope: Scope, allow_star: bool) -> tuple[Tx, tuple[str, ...]]:
        subject = self.expr(e.subject, scope)
        if subject.type.kind not in ("NODE", "REL", "MAP", "NULL"):
            raise QueryError(f"a map projection needs a node, relationship or map: {self.snippet(e.span)}")
        fields: list[tuple[str, Tx]] = []
        star_keys: list[str] = []
        for item in e.items:
            if item[0] == "property":
                fields.append((item[1], self.property(subject, item[1], e)))
            elif item[0] == "all":
                if not allow_star:
                    raise unsupported("map projections with .* inside an expression (return them as a column)")
                if subject.type.kind not in ("NODE", "REL"):
                    raise unsupported(".* of a map")
                source = self.schema.rels if subject.type.kind == "REL" else self.schema.nodes
                names: list[str] = []
                for table in sorted(self.tables_of(subject.type)):
                    names += [n for n in source[table].properties if n not in names]
                for name in names:
                    if name not in [f[0] for f in fields]:
                        fields.append((name, self.property(subject, name, e)))
                        star_keys.append(name)
            elif item[0] == "literal":
                fields = [f for f in fields if f[0] != item[1]]
                fields.append((item[1], self.expr(item[2], scope)))
            else:
                fields = [f for f in fields if f[0] != item[1]]
                fields.append((item[1], self.expr(ast.Var(item[1]), scope)))
        if not fields:
            raise unsupported("an empty map projection")
        struct = "{" + ", ".join(f"{quote_name(k)}: {v.text}" for k, v in fields) + "}"
        t = T("MAP", fields=tuple((k, v.type) for k, v in fields))
        return Tx(f"(CASE WHEN {subject.text} IS NULL THEN NULL ELSE {struct} END)", t), tuple(star_keys)
