"""WITH and RETURN: projected items and their column names, DISTINCT, ORDER BY (on aliases or repeated
expressions), SKIP and LIMIT.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.refusal import unsupported
from kg.query.translate.state import Binding, Scope
from kg.query.translate.subqueries import SubqueryTranslator
from kg.query.tx import Tx, string_literal


@dataclass
class Column:
    name: str
    strip_null_keys: tuple[str, ...] = ()  # keys of a `.*` map projection whose nulls Neo4j would not show


class ProjectionTranslator(SubqueryTranslator):
    """The projections of WITH and RETURN."""

    def projection_items(self, p: ast.Projection, scope: Scope, clause: str) -> list[tuple[ast.ReturnItem, str]]:
        items = list(p.items)
        if p.star:
            if not scope.vars:
                raise QueryError(f"{clause} * has no variables to return")
            star = [ast.ReturnItem(ast.Var(name), None, name) for name in sorted(scope.vars)]
            items = star + items
        return [(item, item.alias or item.text) for item in items]

    def with_clause(self, w: ast.With, scope: Scope) -> tuple[str, Scope]:
        p = w.projection
        new_scope = Scope()
        parts = []
        item_texts: dict[str, str] = {}
        names_seen: set[str] = set()
        for item, name in self.projection_items(p, scope, "WITH"):
            if name in names_seen:
                raise QueryError(f"two columns of a WITH are named {name!r}; give one of them another name with AS")
            names_seen.add(name)
            if item.alias is None and not isinstance(item.expression, ast.Var):
                raise QueryError(f"expression in WITH must be aliased (use AS): {self.snippet(item.expression.span)}")
            tx = self.expr(item.expression, scope, top=True)
            if isinstance(item.expression, ast.Var) and item.alias in (None, item.expression.name):
                binding = scope.vars[item.expression.name]
                parts.append(binding.engine)
                self.declare(new_scope, name, binding)
                item_texts[tx.text] = binding.engine
                continue
            engine = self.fresh("v")
            parts.append(f"{tx.text} AS {engine}")
            item_texts[tx.text] = engine
            source = scope.vars.get(item.expression.name) if isinstance(item.expression, ast.Var) else None
            if source is not None:
                self.declare(new_scope, name, Binding(source.kind, engine, source.tables, source.type))
            else:
                self.declare(new_scope, name, Binding(self.kind_of(tx.type), engine, self.tables_of(tx.type), tx.type))
        text = "WITH " + ("DISTINCT " if p.distinct else "") + ", ".join(parts)
        text += self.order_skip_limit(p, scope, new_scope, item_texts)
        if p.skip is not None or p.limit is not None:
            self.limited_with = True
        elif p.order:  # Neo4j orders the rows for what follows (collect() in order); the engine wants SKIP/LIMIT
            text += " SKIP 0"
            self.ordered_with = True
        if w.where is not None:
            text += " WHERE " + self.predicate(w.where, new_scope)
        return text, new_scope

    def return_clause(self, r: ast.Return, scope: Scope) -> tuple[str, list[Column]]:
        p = r.projection
        parts = []
        columns: list[Column] = []
        after = Scope()
        item_texts: dict[str, str] = {}
        for item, name in self.projection_items(p, scope, "RETURN"):
            if name in [c.name for c in columns]:
                raise QueryError(f"two result columns are named {name!r}; give one of them another name with AS")
            strip: tuple[str, ...] = ()
            if isinstance(item.expression, ast.MapProjection) and any(i[0] == "all" for i in item.expression.items):
                tx, strip = self.map_projection(item.expression, scope, allow_star=True)
            else:
                tx = self.expr(item.expression, scope, top=True)
            engine = self.fresh("c")
            parts.append(f"{tx.text} AS {engine}")
            item_texts[tx.text] = engine
            columns.append(Column(name, strip))
            if item.alias:
                after.vars[item.alias] = Binding(self.kind_of(tx.type), engine, self.tables_of(tx.type), tx.type)
        text = "RETURN " + ("DISTINCT " if p.distinct else "") + ", ".join(parts)
        text += self.order_skip_limit(p, scope, after, item_texts)
        return text, columns

    def order_skip_limit(self, p: ast.Projection, before: Scope, after: Scope, item_texts: dict[str, str]) -> str:
        """ORDER BY may name a projected alias or repeat a projected expression (Neo4j resolves both)."""
        text = ""
        if p.order:
            keys = []
            for s in p.order:
                key = self.order_key(s.expression, before, after, item_texts)
                keys.append(key + (" DESC" if s.descending else ""))
            text += " ORDER BY " + ", ".join(keys)
        for word, expression in (("SKIP", p.skip), ("LIMIT", p.limit)):
            if expression is not None:
                if (
                    isinstance(expression, ast.Param)
                    and expression.name in self.user_params
                    and (
                        not isinstance(self.user_params[expression.name], int)
                        or isinstance(self.user_params[expression.name], bool)
                    )
                ):
                    raise QueryError(
                        f"{word} ${expression.name} needs an integer; pass it with --param-json "
                        f"{expression.name}=N (--param binds text)"
                    )
                tx = self.expr(expression, Scope())
                if tx.type.kind not in ("INT", "ANY"):
                    raise QueryError(f"{word} needs a non-negative integer, got {self.snippet(expression.span)}")
                text += f" {word} {tx.text}"
        return text

    def order_key(self, e: ast.Expr, before: Scope, after: Scope, item_texts: dict[str, str]) -> str:
        if isinstance(e, ast.Var) and e.name in after.vars:
            binding = after.vars[e.name]
            tx = Tx(binding.engine, binding.type)
            key = binding.engine
        else:
            merged = before.copy()
            merged.vars.update({k: v for k, v in after.vars.items() if k not in before.vars})
            try:
                tx = self.expr(e, merged)
            except QueryError:
                tx = self.expr(e, after)
            key = item_texts.get(tx.text, tx.text)
        if tx.type.kind == "LIST":
            if tx.type.element is None or tx.type.element.kind not in ("STRING", "NULL"):
                raise unsupported(f"ORDER BY a list of {tx.type.element} values")
            # lists of strings order element by element: joined with NUL, the lowest character, they order alike
            return f"list_to_string({string_literal(chr(0))}, {key})"
        if tx.type.kind in ("NODE", "REL", "MAP", "PATH"):
            raise unsupported(f"ORDER BY a {tx.type} value")
        return key
