"""The patterns of a MATCH or a subquery as engine text: label expressions to tables, tables pruned by the
relationship tables that join them, Neo4j's relationship uniqueness, variable-length and shortest paths.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from kg.model.errors import QueryError
from kg.query import ast
from kg.query.refusal import unsupported
from kg.query.translate.lists import ListExpressions
from kg.query.translate.state import Binding, Scope
from kg.query.tx import Tx, node_type, rel_type

MAX_HOPS = 30  # the engine's variable-length limit; Neo4j's `*` has none (README: known gaps)


class PlannedElement(TypedDict, total=False):
    """One node or relationship of a planned pattern. Nodes have `tables` and `bound`; relationships (kind
    "rel", or "varrel" for variable-length) have `types` and `rel`."""

    kind: str  # node rel varrel
    engine: str  # its engine variable
    var: str | None  # its Cypher variable
    tables: frozenset[str]  # node tables it may come from
    bound: bool  # a node bound before this pattern
    types: frozenset[str]  # relationship tables it may come from
    rel: ast.RelPattern  # a relationship's pattern, as parsed


Plan = list[PlannedElement]
"""One path pattern, its nodes and relationships in turn."""


class PatternPlan:
    """The patterns of one MATCH (or subquery) as engine text plus WHERE conditions.

    Resolves label expressions to tables, prunes them by which relationship
    tables can join them, names anonymous elements, and adds Neo4j's
    relationship uniqueness. A pattern that cannot match anything in the
    schema is written with placeholder tables and a false condition.
    """

    def __init__(self, tr: ListExpressions, scope: Scope, patterns: list[ast.PathPattern]):
        self.tr = tr
        self.scope = scope
        self.conditions: list[str] = []
        self.texts: list[str] = []
        self.rels: list[tuple[str, str, frozenset[str]]] = []  # (kind, engine name, types)
        self.satisfiable = True
        declared: dict[str, Binding] = {}
        plans = [self.plan(p, declared) for p in patterns]
        self.prune(plans)
        self.narrow(plans, declared)
        for name, binding in declared.items():
            tr.declare(scope, name, binding)
        for p, plan in zip(patterns, plans):
            self.texts.append(self.emit(p, plan))
        self.uniqueness()
        if not self.satisfiable:
            self.conditions = ["false"]

    def plan(self, p: ast.PathPattern, declared: dict[str, Binding]) -> Plan:
        elements: Plan = []
        for element in p.elements:
            if isinstance(element, ast.NodePattern):
                elements.append(self.plan_node(element, declared))
            else:
                elements.append(self.plan_rel(element, declared, p))
        if p.var is not None:
            if p.var in self.scope.vars or p.var in declared:
                raise QueryError(f"variable `{p.var}` is already defined")
            declared[p.var] = Binding("path", self.tr.fresh("v"))
        return elements

    def plan_node(self, n: ast.NodePattern, declared: dict[str, Binding]) -> PlannedElement:
        tr = self.tr
        tables = tr.label_tables(n.labels)
        if n.labels is not None and not tables:
            self.satisfiable = False
        bound = None
        if n.var is not None:
            bound = self.scope.vars.get(n.var) or declared.get(n.var)
            if bound is not None and bound.kind != "node":
                raise QueryError(f"variable `{n.var}` is not a node here (it is a {bound.kind})")
        if bound is not None:
            engine = bound.engine
            narrowed = bound.tables & tables
            if not narrowed:
                self.satisfiable = False
            elif narrowed != bound.tables:
                names = ", ".join(tr.string(t) for t in sorted(narrowed))
                self.conditions.append(f"(CASE WHEN {engine} IS NULL THEN NULL ELSE label({engine}) IN [{names}] END)")
            tables = narrowed
            if n.var in declared:
                declared[n.var].tables = narrowed
        else:
            engine = tr.fresh("v")
            if n.var is not None:
                declared[n.var] = Binding("node", engine, tables)
        plan: PlannedElement = {
            "kind": "node",
            "engine": engine,
            "tables": tables,
            "bound": bound is not None,
            "var": n.var,
        }
        self.property_conditions(n.properties, Tx(engine, node_type(tables)), n)
        if n.where is not None:
            self.pending_where.append((n.where, n))
        return plan

    @property
    def pending_where(self) -> list[tuple[ast.Expr, ast.NodePattern | ast.RelPattern]]:
        if not hasattr(self, "_pending"):
            self._pending: list[tuple[ast.Expr, ast.NodePattern | ast.RelPattern]] = []
        return self._pending

    def plan_rel(self, r: ast.RelPattern, declared: dict[str, Binding], p: ast.PathPattern) -> PlannedElement:
        tr = self.tr
        types_ = tr.type_tables(r.types)
        if not types_:
            self.satisfiable = False
        if r.var is not None and (r.var in self.scope.vars or r.var in declared):
            raise unsupported(f"a relationship variable used twice (`{r.var}`)")
        engine = tr.fresh("v")
        kind = "rel" if r.length is None and p.shortest is None else "varrel"
        if r.var is not None:
            declared[r.var] = Binding(kind, engine, types_)
        plan: PlannedElement = {"kind": kind, "engine": engine, "types": types_, "rel": r, "var": r.var}
        if kind == "rel":
            self.property_conditions(r.properties, Tx(engine, rel_type(types_)), r)
        elif r.properties is not None:
            lam = tr.fresh("x")
            inner: list[str] = []
            conditions_before = self.conditions
            self.conditions = inner
            tr.inline += 1
            try:
                self.property_conditions(r.properties, Tx(lam, rel_type(types_)), r)
            finally:
                tr.inline -= 1
            self.conditions = conditions_before
            failing = tr.lambda_call("list_filter", f"rels({engine})", lam, f"NOT ({' AND '.join(inner)})")
            self.conditions.append(f"(size({failing}) = 0)" if inner else "true")
        if r.where is not None:
            self.pending_where.append((r.where, r))
        return plan

    def property_conditions(
        self, props: ast.MapLit | ast.Param | None, subject: Tx, element: ast.NodePattern | ast.RelPattern
    ) -> None:
        if props is None:
            return
        if isinstance(props, ast.Param):
            raise QueryError("a parameter cannot stand for a property map in a pattern; write {key: $value}")
        for key, value in props.items:
            prop = self.tr.property(subject, key, element)
            right = self.tr.expr(value, self.scope)
            self.conditions.append(self.tr.compare("=", prop, right).text)

    def prune(self, plans: list[Plan]) -> None:
        """Narrow node tables by the relationship tables that can join them, until nothing changes."""
        schema = self.tr.schema
        changed = True
        while changed and self.satisfiable:
            changed = False
            for plan in plans:
                for i in range(1, len(plan), 2):
                    rel, left, right = plan[i], plan[i - 1], plan[i + 1]
                    if rel["kind"] != "rel":
                        continue
                    direction = rel["rel"].direction
                    pairs = []
                    for t in rel["types"]:
                        for a, b in schema.rels[t].pairs:
                            if direction in ("out", "both") and a in left["tables"] and b in right["tables"]:
                                pairs.append((t, a, b))
                            if direction in ("in", "both") and b in left["tables"] and a in right["tables"]:
                                pairs.append((t, b, a))
                    if not pairs:
                        self.satisfiable = False
                        return
                    new_types = frozenset(t for t, _, _ in pairs)
                    new_left = frozenset(a for _, a, _ in pairs)
                    new_right = frozenset(b for _, _, b in pairs)
                    updates: tuple[tuple[PlannedElement, tuple[Literal["types", "tables"], frozenset[str]]], ...] = (
                        (rel, ("types", new_types)),
                        (left, ("tables", new_left)),
                        (right, ("tables", new_right)),
                    )
                    for element, new in updates:
                        key, value = new
                        if value != element[key]:
                            element[key] = value
                            changed = True

    def narrow(self, plans: list[Plan], declared: dict[str, Binding]) -> None:
        """New variables take the tables left after pruning (all their occurrences agree), so a property is
        read only from tables the variable can be; in a pattern that matches nothing, none (properties null)."""
        seen: dict[str, frozenset[str]] = {}
        for plan in plans:
            for element in plan:
                var = element.get("var")
                if var is None or var not in declared or declared[var].kind == "path":
                    continue
                tables = element["tables"] if element["kind"] == "node" else element["types"]
                seen[var] = seen[var] & tables if var in seen else tables
        for var, tables in seen.items():
            declared[var].tables = tables if self.satisfiable else frozenset()

    def emit(self, p: ast.PathPattern, plan: Plan) -> str:
        tr = self.tr
        parts = []
        for element in plan:
            if element["kind"] == "node":
                if element["bound"]:
                    parts.append(f"({element['engine']})")
                else:
                    tables = element["tables"] if self.satisfiable else {"Paper"}
                    parts.append(f"({element['engine']}:{':'.join(sorted(tables))})")
                continue
            r: ast.RelPattern = element["rel"]
            types_ = element["types"] if self.satisfiable else {"CITES"}
            body = f"{element['engine']}:{'|'.join(sorted(types_))}"
            if element["kind"] == "varrel":
                low, high = r.length or (1, 1)
                low = 1 if low is None else low
                high = MAX_HOPS if high is None else high
                if high > MAX_HOPS:
                    raise unsupported(f"variable-length patterns longer than {MAX_HOPS} relationships")
                if p.shortest:
                    if low == 0:
                        raise unsupported("shortestPath with a zero-length minimum")
                    mode = "SHORTEST" if p.shortest == "shortestPath" else "ALL SHORTEST"
                    body += f"* {mode} {low}..{high}"
                else:
                    body += f"* TRAIL {low}..{high}"
            self.rels.append((element["kind"], element["engine"], element["types"]))
            left = "<-" if r.direction == "in" else "-"
            right = "->" if r.direction == "out" else "-"
            parts.append(f"{left}[{body}]{right}")
        text = "".join(parts)
        if p.var is not None:
            name = self.scope.vars[p.var].engine
            text = f"{name} = {text}"
        if p.shortest and len(plan) != 3:
            raise unsupported("shortestPath over more than one relationship pattern")
        for where, _ in self.pending_where:
            self.conditions.append(tr.predicate(where, self.scope))
        self.pending_where.clear()
        return text

    def uniqueness(self) -> None:
        """Neo4j binds a relationship once per MATCH: an inequality for each pair that could collide."""
        tr = self.tr
        rels = self.rels
        for i in range(len(rels)):
            for j in range(i + 1, len(rels)):
                (ka, a, ta), (kb, b, tb) = rels[i], rels[j]
                if not ta & tb:
                    continue
                if ka == "rel" and kb == "rel":
                    self.conditions.append(f"({a} <> {b})")
                elif ka == "varrel" and kb == "varrel":
                    x, y = tr.fresh("x"), tr.fresh("x")
                    ids_a = tr.lambda_call("list_transform", f"rels({a})", x, f"id({x})")
                    ids_b = tr.lambda_call("list_transform", f"rels({b})", y, f"id({y})")
                    self.conditions.append(
                        f"(size(list_distinct(list_concat({ids_a}, {ids_b}))) = size(rels({a})) + size(rels({b})))"
                    )
                else:
                    var, single = (a, b) if ka == "varrel" else (b, a)
                    x = tr.fresh("x")
                    ids = tr.lambda_call("list_transform", f"rels({var})", x, f"id({x})")
                    self.conditions.append(f"(NOT list_contains({ids}, id({single})))")
