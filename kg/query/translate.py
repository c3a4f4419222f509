"""Neo4j 5 Cypher to the query database's dialect, on the syntax tree, keeping Neo4j's meaning.

The engine (LadybugDB, a Kùzu fork) reads openCypher with its own rules.
Where they differ from Neo4j's, the translator rewrites (each rule was found
by running the same query on both and comparing rows):

Graph model
- Nodes live in one table per label set: `(:Entity)` is the union of the five
  entity tables, `(:Entity:Hardware)` is the Hardware table, and a label
  conjunction no node can carry (`:Hardware:Framework`) matches nothing (the
  engine would read `:A:B` as a union). Label expressions (`:A|B`, `:!A`,
  `:%`) and `n:Label` predicates become table sets and `label(n) IN [...]`.
- A pattern no relationship table can join (a Paper with VARIANT_OF, an
  unknown label or type) matches nothing, as in Neo4j, instead of failing.
- A property no table of the variable has is null (Neo4j), not an error.
- Within one MATCH, a relationship binds at most once (Neo4j's relationship
  isomorphism); the engine allows repeats, so every pair of relationship
  patterns that could bind the same relationship gets an inequality.
  Variable-length patterns use TRAIL semantics for the same reason.
- `type(r)` is `label(r)`; `labels(n)` is built from the table;
  `shortestPath`/`allShortestPaths` are `* SHORTEST`/`* ALL SHORTEST`;
  `relationships(p)` is `rels(p)`; pattern predicates and `EXISTS {}` /
  `COUNT {}` become the engine's subqueries.

Values
- Lists index from 0 (engine: 1), negative indexes count from the end,
  out-of-range is null (engine: an error); slices are end-exclusive;
  `substring` is 0-based; `log` is the natural logarithm; `round` rounds
  half up; `toInteger` truncates; `split` keeps empty fields.
- Comparing values of different types is false / null in Neo4j; the engine
  would cast (`2023 = '2023'` is true there). Where the types are known to
  differ, the translator writes Neo4j's answer.
- `IN`, `any`, `all`, `none`, `single` keep Neo4j's three-valued answers
  when a list holds nulls or is empty.
- Integers stay integers: a CASE, coalesce or list mixing integers and
  floats is refused (the engine would make them all one type).

Anything else the engine cannot do with Neo4j's meaning is refused with one
line naming the construct (see `kg.query.parser.unsupported`). Names in the
emitted text are generated (`v0`, `c1`, `s2` ...) and every string literal
travels as a parameter, so no user text is ever spliced into a statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.model.errors import QueryError
from kg.query import ast, types
from kg.query.functions import call
from kg.query.parser import unsupported
from kg.query.tx import Tx, node_type, rel_type, string_literal
from kg.query.types import ANY, BOOL, FLOAT, INT, NULL, PATH, STRING, T, list_of
from kg.store.querydb.schema import Schema

MAX_HOPS = 30   # the engine's variable-length limit; Neo4j's `*` has none (README: known gaps)
RESERVED_PREFIX = "__kg"


@dataclass
class Binding:
    """A variable in scope: what it is, its engine name, and (nodes/relationships) its possible tables."""

    kind: str                 # node rel varrel path value
    engine: str
    tables: frozenset[str] = frozenset()
    type: T = ANY


@dataclass
class Column:
    name: str
    strip_null_keys: tuple[str, ...] = ()   # keys of a `.*` map projection whose nulls Neo4j would not show


@dataclass
class Translation:
    text: str
    params: dict
    columns: list[Column]
    # A WITH ... SKIP/LIMIT followed by more clauses: the engine's semi-join masks would filter the rows
    # before the limit (ladybug 0.22 returns the wrong top rows, measured), so the runner turns them off.
    no_semi_mask: bool = False
    # A COUNT { } subquery: the engine's optimizer turns it into a join that drops the rows whose count is 0
    # (in WHERE, WITH and aggregating RETURN; ladybug 0.22, measured), so the runner turns the optimizer off.
    no_optimizer: bool = False


@dataclass
class Scope:
    vars: dict[str, Binding] = field(default_factory=dict)

    def copy(self) -> Scope:
        return Scope(dict(self.vars))


class Translator:
    def __init__(self, schema: Schema, params: dict, text: str):
        self.schema = schema
        self.user_params = params
        self.source = text
        self.params: dict = {}
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

    # ------------------------------------------------------------------ names and parameters

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
        text = self.source[span[0]:span[1]]
        return text if len(text) <= 60 else text[:57] + "..."

    # ------------------------------------------------------------------ queries

    def query(self, q: ast.Query) -> tuple[str, list[Column]]:
        texts = []
        columns: list[Column] | None = None
        for i, part in enumerate(q.parts):
            text, cols = self.single_query(part, Scope())
            if columns is not None and [c.name for c in cols] != [c.name for c in columns]:
                raise QueryError("all queries in a UNION must return the same column names "
                                 f"({', '.join(c.name for c in columns)} vs {', '.join(c.name for c in cols)})")
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

    # ------------------------------------------------------------------ MATCH

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

    # ------------------------------------------------------------------ WITH and RETURN

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
                tx = self.order_key(s.expression, before, after, item_texts)
                keys.append(tx + (" DESC" if s.descending else ""))
            text += " ORDER BY " + ", ".join(keys)
        for word, expression in (("SKIP", p.skip), ("LIMIT", p.limit)):
            if expression is not None:
                if isinstance(expression, ast.Param) and expression.name in self.user_params and (
                        not isinstance(self.user_params[expression.name], int)
                        or isinstance(self.user_params[expression.name], bool)):
                    raise QueryError(f"{word} ${expression.name} needs an integer; pass it with --param-json "
                                     f"{expression.name}=N (--param binds text)")
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

    # ------------------------------------------------------------------ expressions

    def predicate(self, e: ast.Expr, scope: Scope) -> str:
        tx = self.expr(e, scope)
        if tx.type.kind not in ("BOOL", "NULL", "ANY"):
            raise QueryError(f"WHERE needs a true/false condition, got a {tx.type}: {self.snippet(e.span)}")
        return f"({tx.text})"

    def expr(self, e: ast.Expr, scope: Scope, top: bool = False) -> Tx:
        method = getattr(self, "x_" + type(e).__name__, None)
        if method is None:
            raise unsupported(type(e).__name__)
        tx = method(e, scope)
        if not top and tx.type.kind == "PATH" and isinstance(e, ast.Var):
            return tx
        return tx

    def x_Literal(self, e: ast.Literal, scope: Scope) -> Tx:
        v = e.value
        if v is None:
            return Tx("NULL", NULL)
        if isinstance(v, bool):
            return Tx("true" if v else "false", BOOL)
        if isinstance(v, int):
            if v == -(2**63):
                return Tx("(-9223372036854775807 - 1)", INT)
            return Tx(f"({v})" if v < 0 else str(v), INT)
        if isinstance(v, float):
            if self.inline:
                return Tx(f"CAST({float_literal(v)} AS DOUBLE)", FLOAT)
            name = self.fresh("f")
            self.params[name] = v
            return Tx("$" + name, FLOAT)
        return Tx(self.string(str(v)), STRING)

    def x_Param(self, e: ast.Param, scope: Scope) -> Tx:
        if e.name not in self.user_params:
            raise QueryError(f"the query needs parameter ${e.name}; pass --param {e.name}=VALUE "
                             "(or --param-json for numbers and lists)")
        value = self.user_params[e.name]
        return self.value(value)

    def value(self, value) -> Tx:
        """A parameter value as the engine takes it; types the engine would change are refused."""
        t = types.of_value(value)
        if value is None:
            return Tx("NULL", NULL)
        if isinstance(value, bool):
            return Tx("true" if value else "false", BOOL)
        if isinstance(value, (list, tuple)):
            if not value:
                return Tx("[]", list_of(ANY))
            element_types = [types.of_value(v) for v in value]
            if types.mixes_numbers(element_types):
                raise QueryError("a list parameter mixes integers and floats; the local store keeps one type per "
                                 "list (make them all floats)")
            if t.element is not None and t.element.kind == "ANY":
                raise QueryError("a list parameter mixes values of different types; the local store keeps one "
                                 "type per list")
        if isinstance(value, dict):
            for k in value:
                if not isinstance(k, str) or not k:
                    raise QueryError("map parameters need non-empty string keys")
        if isinstance(value, int) and not -(2**63) <= value <= 2**63 - 1:
            raise QueryError(f"parameter value {value} does not fit a 64-bit integer")
        if self.inline:
            return Tx(value_literal(value), t)
        name = self.param_names.get(repr(value))
        if name is None:
            name = self.param_names[repr(value)] = self.fresh("p")
            self.params[name] = list(value) if isinstance(value, tuple) else value
        return Tx("$" + name, t)

    def x_Var(self, e: ast.Var, scope: Scope) -> Tx:
        b = scope.vars.get(e.name)
        if b is None:
            raise QueryError(f"variable `{e.name}` is not defined")
        if b.kind == "node":
            return Tx(b.engine, node_type(b.tables))
        if b.kind == "rel":
            return Tx(b.engine, rel_type(b.tables))
        if b.kind == "varrel":
            return Tx(f"rels({b.engine})", list_of(rel_type(b.tables)))
        if b.kind == "path":
            return Tx(b.engine, PATH)
        return Tx(b.engine, b.type)

    def x_Prop(self, e: ast.Prop, scope: Scope) -> Tx:
        subject = self.expr(e.subject, scope)
        return self.property(subject, e.key, e)

    def property(self, subject: Tx, key: str, e: ast.Expr) -> Tx:
        kind = subject.type.kind
        if kind in ("NODE", "REL"):
            tables = self.tables_of(subject.type)
            try:
                kind_type = self.schema.property_type(tables, key, rel=kind == "REL")
            except Exception:
                raise unsupported(f"property {key!r} with different types across labels") from None
            if kind_type is None:
                return Tx("NULL", NULL)
            return Tx(f"{subject.text}.`{key}`", types.of_engine(kind_type))
        if kind == "MAP":
            if subject.type.fields is not None:
                field_type = subject.type.field(key)
                if field_type is None:
                    return Tx("NULL", NULL)
                return Tx(f"{subject.text}.{quote_name(key)}", field_type)
            raise unsupported(f"property access on a map of unknown keys ({self.snippet(e.span)})")
        if kind == "NULL":
            return Tx("NULL", NULL)
        raise QueryError(f"cannot read property {key!r} of a {subject.type} value: {self.snippet(e.span)}")

    def x_Index(self, e: ast.Index, scope: Scope) -> Tx:
        subject = self.expr(e.subject, scope)
        index = self.expr(e.index, scope)
        if subject.type.kind in ("NODE", "REL", "MAP") and isinstance(e.index, ast.Literal) \
                and isinstance(e.index.value, str):
            return self.property(subject, e.index.value, e)
        if subject.type.kind == "NULL" or index.type.kind == "NULL":
            return Tx("NULL", NULL)
        if subject.type.kind != "LIST":
            raise unsupported(f"indexing a {subject.type} value ({self.snippet(e.span)})")
        if index.type.kind not in ("INT", "ANY"):
            raise QueryError(f"a list index must be an integer: {self.snippet(e.span)}")
        element = subject.type.element or ANY
        if element.kind not in ("STRING", "INT", "FLOAT", "BOOL"):
            raise unsupported(f"indexing a list of {element} values ({self.snippet(e.span)})")
        position = self.position(e.index, index)
        # list_min of a 0- or 1-element slice: the element or null, never an out-of-range error
        return Tx(f"list_min(list_slice({subject.text}, {position}, {position}))", element)

    def position(self, e: ast.Expr, index: Tx) -> str:
        """A 0-based (negative: from the end) Neo4j index as the engine's 1-based one."""
        if isinstance(e, ast.Literal) and isinstance(e.value, int):
            return str(e.value + 1) if e.value >= 0 else f"({e.value})"
        return f"(CASE WHEN {index.text} >= 0 THEN {index.text} + 1 ELSE {index.text} END)"

    def x_Slice(self, e: ast.Slice, scope: Scope) -> Tx:
        subject = self.expr(e.subject, scope)
        if subject.type.kind == "NULL":
            return Tx("NULL", NULL)
        if subject.type.kind != "LIST":
            raise unsupported(f"slicing a {subject.type} value ({self.snippet(e.span)})")
        start = "1"
        if e.start is not None:
            tx = self.expr(e.start, scope)
            if tx.type.kind == "NULL":
                return Tx("NULL", NULL)
            start = self.position(e.start, tx)
        stop = str(2**31 - 1)
        if e.stop is not None:
            tx = self.expr(e.stop, scope)
            if tx.type.kind == "NULL":
                return Tx("NULL", NULL)
            if isinstance(e.stop, ast.Literal) and isinstance(e.stop.value, int):
                # exclusive 0-based end -> inclusive 1-based end; a negative end counts from the end
                stop = str(e.stop.value) if e.stop.value >= 0 else f"({e.stop.value - 1})"
            else:
                stop = f"(CASE WHEN {tx.text} >= 0 THEN {tx.text} ELSE {tx.text} - 1 END)"
        if stop == "0":
            return Tx(f"list_slice({subject.text}, 2, 1)", subject.type)
        return Tx(f"list_slice({subject.text}, {start}, {stop})", subject.type)

    def x_ListLit(self, e: ast.ListLit, scope: Scope) -> Tx:
        items = [self.expr(i, scope) for i in e.items]
        item_types = [i.type for i in items]
        if types.mixes_numbers(item_types):
            raise unsupported(f"a list mixing integers and floats ({self.snippet(e.span)}); write the integers "
                              "as floats")
        element = types.unify(item_types) if items else ANY
        if element.kind == "ANY" and any(t.known for t in item_types) and items:
            raise unsupported(f"a list mixing values of different types ({self.snippet(e.span)})")
        return Tx("[" + ", ".join(i.text for i in items) + "]", list_of(element))

    def x_MapLit(self, e: ast.MapLit, scope: Scope) -> Tx:
        if not e.items:
            raise unsupported("an empty map literal {}")
        fields = []
        parts = []
        for key, value in e.items:
            tx = self.expr(value, scope)
            fields.append((key, tx.type))
            parts.append(f"{quote_name(key)}: {tx.text}")
        return Tx("{" + ", ".join(parts) + "}", T("MAP", fields=tuple(fields)))

    def x_Unary(self, e: ast.Unary, scope: Scope) -> Tx:
        operand = self.expr(e.operand, scope)
        if e.op == "NOT":
            self.need_bool(operand, e)
            return Tx(f"(NOT {operand.text})", BOOL if operand.type.kind != "NULL" else NULL)
        if operand.type.kind not in ("INT", "FLOAT", "NULL", "ANY"):
            raise QueryError(f"unary {e.op} needs a number: {self.snippet(e.span)}")
        return Tx(f"(-{operand.text})" if e.op == "-" else operand.text, operand.type)

    def need_bool(self, tx: Tx, e: ast.Expr) -> None:
        if tx.type.kind not in ("BOOL", "NULL", "ANY"):
            raise QueryError(f"expected a true/false value, got a {tx.type}: {self.snippet(e.span)}")

    def x_Binary(self, e: ast.Binary, scope: Scope) -> Tx:
        op = e.op
        left = self.expr(e.left, scope)
        right = self.expr(e.right, scope)
        if op in ("AND", "OR", "XOR"):
            self.need_bool(left, e.left)
            self.need_bool(right, e.right)
            return Tx(f"({left.text} {op} {right.text})", BOOL)
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return self.compare(op, left, right)
        if op == "IN":
            return self.contains(left, right, e)
        if op in ("STARTS_WITH", "ENDS_WITH", "CONTAINS", "=~"):
            if left.type.kind == "NULL" or right.type.kind == "NULL":
                return Tx("NULL", NULL)
            if left.type.kind not in ("STRING", "ANY") or right.type.kind not in ("STRING", "ANY"):
                return Tx("CAST(NULL AS BOOLEAN)", BOOL)  # Neo4j: string predicates on non-strings are null
            if op == "=~":
                self.check_regex(e.right)
                return Tx(f"({left.text} =~ {right.text})", BOOL)
            word = op.replace("_", " ")
            if op == "CONTAINS":  # every string contains '' (the engine says no)
                return Tx(f"(CASE WHEN {right.text} = '' THEN {left.text} IS NOT NULL "
                          f"ELSE {left.text} CONTAINS {right.text} END)", BOOL)
            return Tx(f"({left.text} {word} {right.text})", BOOL)
        return self.arithmetic(op, left, right, e)

    def compare(self, op: str, left: Tx, right: Tx) -> Tx:
        if left.type.kind == "NULL" or right.type.kind == "NULL":
            return Tx("CAST(NULL AS BOOLEAN)", BOOL)
        ok = types.comparable(left.type, right.type)
        if ok is False:
            # Neo4j: values of different types are never equal, and have no order
            answer = {"=": "false", "<>": "true"}.get(op, "NULL")
            if answer == "NULL":
                return Tx("CAST(NULL AS BOOLEAN)", BOOL)
            return Tx(f"(CASE WHEN {left.text} IS NULL OR {right.text} IS NULL THEN NULL ELSE {answer} END)", BOOL)
        if op not in ("=", "<>") and left.type.kind in ("NODE", "REL", "PATH", "MAP", "LIST"):
            raise unsupported(f"ordering comparisons of {left.type} values")
        if left.type.kind in ("LIST", "MAP") and op in ("=", "<>"):
            if left.type.kind == "LIST" and not (scalar_list(left.type) and scalar_list(right.type)):
                raise unsupported("comparing lists of non-scalar values")
            if left.type.kind == "MAP":
                raise unsupported("comparing maps")
        return Tx(f"({left.text} {op} {right.text})", BOOL)

    def contains(self, item: Tx, collection: Tx, e: ast.Binary) -> Tx:
        """`x IN list` with Neo4j's answers: false for [], null for a null x, null when only a null could match."""
        if collection.type.kind == "NULL":
            return Tx("CAST(NULL AS BOOLEAN)", BOOL)
        if collection.type.kind != "LIST":
            if collection.type.kind == "ANY":
                raise unsupported(f"IN over a value of unknown type ({self.snippet(e.right.span)})")
            raise QueryError(f"IN needs a list on its right: {self.snippet(e.right.span)}")
        literal_items = self.literal_list(e.right)
        if literal_items is not None and not literal_items:
            return Tx("false", BOOL)
        element = collection.type.element or ANY
        if item.type.kind == "NULL":
            return Tx("CAST(NULL AS BOOLEAN)", BOOL)
        if element.kind not in ("NULL", "ANY") and types.comparable(item.type, element) is False:
            # Neo4j: nothing of another type is IN the list (null if the list holds a null)
            lam = self.fresh("x")
            has_null = "false" if literal_items is not None and None not in literal_items else \
                f"any({lam} IN {self.lambda_input(collection.text)} WHERE {lam} IS NULL)"
            return Tx(f"(CASE WHEN {item.text} IS NULL THEN NULL WHEN {has_null} THEN NULL ELSE false END)", BOOL)
        if element.kind in ("NODE", "REL", "LIST", "MAP", "PATH"):
            raise unsupported(f"IN over a list of {element} values")
        if literal_items is not None and None not in literal_items:
            return Tx(f"({item.text} IN {collection.text})", BOOL)
        lam = self.fresh("x")
        return Tx(f"(CASE WHEN {collection.text} IS NULL THEN NULL WHEN size({collection.text}) = 0 THEN false "
                  f"WHEN {item.text} IS NULL THEN NULL WHEN list_contains({collection.text}, {item.text}) THEN true "
                  f"WHEN any({lam} IN {self.lambda_input(collection.text)} WHERE {lam} IS NULL) THEN NULL "
                  "ELSE false END)",
                  BOOL)

    def literal_list(self, e: ast.Expr) -> list | None:
        """The values of a list literal of constants, or of a list parameter; None otherwise."""
        if isinstance(e, ast.ListLit) and all(isinstance(i, ast.Literal) for i in e.items):
            return [i.value for i in e.items]  # type: ignore[union-attr]
        if isinstance(e, ast.Param) and isinstance(self.user_params.get(e.name), (list, tuple)):
            return list(self.user_params[e.name])
        return None

    def check_regex(self, e: ast.Expr) -> None:
        """Refuse patterns whose meaning differs between Java's regex (Neo4j) and RE2 (the engine)."""
        pattern = e.value if isinstance(e, ast.Literal) else self.user_params.get(e.name) if isinstance(e, ast.Param) \
            else None
        if not isinstance(pattern, str):
            raise unsupported("a regular expression that is not a literal or a parameter")
        java_only = re.search(r"\(\?<?[=!]|\(\?>|\\[1-9]|\\k<|[*+?}]\+|\(\?[a-zA-Z]*[^a-zA-Z:)ims-]|&&\[|\\p\{Is|"
                              r"\\[GZRXhHvV]|\(\?[^:)]*[uxdU]", pattern)
        if java_only:
            raise unsupported(f"the regular expression construct {java_only.group()!r} (Neo4j uses Java's regex "
                              "syntax, the local store RE2)")

    def arithmetic(self, op: str, left: Tx, right: Tx, e: ast.Binary) -> Tx:
        lk, rk = left.type.kind, right.type.kind
        if lk == "NULL" or rk == "NULL":
            return Tx("NULL", NULL)
        if op == "+":
            null = f"{left.text} IS NULL OR {right.text} IS NULL"
            if lk == "LIST" and rk == "LIST":
                return Tx(f"(CASE WHEN {null} THEN NULL ELSE list_concat({left.text}, {right.text}) END)",
                          list_of(types.unify([left.type.element or ANY, right.type.element or ANY])))
            if lk == "LIST":
                return Tx(f"(CASE WHEN {null} THEN NULL ELSE list_append({left.text}, {right.text}) END)", left.type)
            if rk == "LIST":
                return Tx(f"(CASE WHEN {null} THEN NULL ELSE list_prepend({right.text}, {left.text}) END)", right.type)
            if lk == "STRING" or rk == "STRING":  # the engine joins a null as '' (Neo4j: null)
                return Tx(f"(CASE WHEN {left.text} IS NULL OR {right.text} IS NULL THEN NULL "
                          f"ELSE {self.as_text(left, e)} + {self.as_text(right, e)} END)", STRING)
        if lk in ("INT", "FLOAT", "ANY") and rk in ("INT", "FLOAT", "ANY"):
            if op == "^":
                return Tx(f"(CAST({left.text} AS DOUBLE) ^ {right.text})", FLOAT)
            result = INT if lk == rk == "INT" else FLOAT if "FLOAT" in (lk, rk) else ANY
            if op in ("/", "%") and lk == "FLOAT" and rk == "INT":
                right = Tx(f"CAST({right.text} AS DOUBLE)", FLOAT)
            return Tx(f"({left.text} {op} {right.text})", result)
        raise QueryError(f"cannot apply {op} to a {left.type} and a {right.type}: {self.snippet(e.span)}")

    def as_text(self, tx: Tx, e: ast.Expr) -> str:
        """A value concatenated to a string, as Neo4j writes it."""
        kind = tx.type.kind
        if kind == "STRING":
            return tx.text
        if kind == "INT":
            return f"CAST({tx.text} AS STRING)"
        raise unsupported(f"joining a {tx.type} value to a string ({self.snippet(e.span)}); Neo4j's text for it "
                          "differs from the local store's")

    def x_IsNull(self, e: ast.IsNull, scope: Scope) -> Tx:
        operand = self.expr(e.operand, scope)
        return Tx(f"({operand.text} IS {'NOT ' if e.negated else ''}NULL)", BOOL)

    def x_HasLabels(self, e: ast.HasLabels, scope: Scope) -> Tx:
        subject = self.expr(e.subject, scope)
        if subject.type.kind == "NULL":
            return Tx("CAST(NULL AS BOOLEAN)", BOOL)
        if subject.type.kind == "NODE":
            tables = self.tables_of(subject.type) & self.label_tables(e.labels)
        elif subject.type.kind == "REL":
            tables = self.tables_of(subject.type) & self.type_tables(e.labels)
        else:
            raise QueryError(f"a label test needs a node or relationship: {self.snippet(e.span)}")
        names = ", ".join(self.string(t) for t in sorted(tables))
        if not tables:
            return Tx(f"(CASE WHEN {subject.text} IS NULL THEN NULL ELSE false END)", BOOL)
        # label() of a null (OPTIONAL MATCH) node is its table's name in the engine, not null
        return Tx(f"(CASE WHEN {subject.text} IS NULL THEN NULL ELSE label({subject.text}) IN [{names}] END)", BOOL)

    # ------------------------------------------------------------------ labels

    def label_tables(self, expr: ast.LabelExpr | None) -> frozenset[str]:
        """The node tables whose label set satisfies a label expression (Neo4j: `:A:B` means both)."""
        if expr is None:
            return self.all_nodes
        return frozenset(t for t, table in self.schema.nodes.items() if label_holds(expr, set(table.labels)))

    def type_tables(self, expr: ast.LabelExpr | None) -> frozenset[str]:
        if expr is None:
            return self.all_rels
        return frozenset(r for r in self.schema.rels if label_holds(expr, {r}))

    # ------------------------------------------------------------------ other expressions

    def x_CountStar(self, e: ast.CountStar, scope: Scope) -> Tx:
        return Tx("count(*)", INT)

    def x_Case(self, e: ast.Case, scope: Scope) -> Tx:
        whens = []
        if e.subject is not None:
            subject = self.expr(e.subject, scope)
            conditions = [self.compare("=", subject, self.expr(w, scope)) for w, _ in e.whens]
        else:
            conditions = []
            for w, _ in e.whens:
                tx = self.expr(w, scope)
                self.need_bool(tx, w)
                conditions.append(tx)
        values = [self.expr(v, scope) for _, v in e.whens]
        default = self.expr(e.default, scope) if e.default is not None else None
        all_values = values + ([default] if default else [])
        value_types = [v.type for v in all_values]
        if types.mixes_numbers(value_types):
            raise unsupported(f"a CASE that gives integers in some branches and floats in others "
                              f"({self.snippet(e.span)}); write the integers as floats")
        result = types.unify(value_types)
        for condition, value in zip(conditions, values):
            # coalesce: a boolean CASE inside a WHEN condition is read wrongly by the engine (ladybug 0.22,
            # measured: CASE WHEN (CASE ... END) AND true THEN ... takes the ELSE); as a value it is right
            whens.append(f"WHEN coalesce({condition.text}, false) THEN {value.text}")
        text = "CASE " + " ".join(whens) + (f" ELSE {default.text}" if default else "") + " END"
        return Tx(f"({text})", result)

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
                for t in sorted(self.tables_of(subject.type)):
                    names += [n for n in source[t].properties if n not in names]
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

    def x_Call(self, e: ast.Call, scope: Scope) -> Tx:
        return call(self, e, scope)


# --------------------------------------------------------------------------- patterns

class PatternPlan:
    """The patterns of one MATCH (or subquery) as engine text plus WHERE conditions.

    Resolves label expressions to tables, prunes them by which relationship
    tables can join them, names anonymous elements, and adds Neo4j's
    relationship uniqueness. A pattern that cannot match anything in the
    schema is written with placeholder tables and a false condition.
    """

    def __init__(self, tr: Translator, scope: Scope, patterns: list[ast.PathPattern]):
        self.tr = tr
        self.scope = scope
        self.conditions: list[str] = []
        self.texts: list[str] = []
        self.rels: list[tuple[str, str, frozenset[str]]] = []   # (kind, engine name, types)
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

    def plan(self, p: ast.PathPattern, declared: dict[str, Binding]) -> list[dict]:
        elements = []
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

    def plan_node(self, n: ast.NodePattern, declared: dict[str, Binding]) -> dict:
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
        plan = {"kind": "node", "engine": engine, "tables": tables, "bound": bound is not None, "var": n.var}
        self.property_conditions(n.properties, Tx(engine, node_type(tables)), n)
        if n.where is not None:
            self.pending_where.append((n.where, n))
        return plan

    @property
    def pending_where(self) -> list:
        if not hasattr(self, "_pending"):
            self._pending: list = []
        return self._pending

    def plan_rel(self, r: ast.RelPattern, declared: dict[str, Binding], p: ast.PathPattern) -> dict:
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
        plan = {"kind": kind, "engine": engine, "types": types_, "rel": r, "var": r.var}
        if kind == "rel":
            self.property_conditions(r.properties, Tx(engine, rel_type(types_)), r)
        elif r.properties is not None:
            lam = tr.fresh("x")
            inner = []
            conditions_before = self.conditions
            self.conditions = inner
            tr.inline += 1
            try:
                self.property_conditions(r.properties, Tx(lam, rel_type(types_)), r)
            finally:
                tr.inline -= 1
            self.conditions = conditions_before
            failing = tr.lambda_call("list_filter", f"rels({engine})", lam, f"NOT ({' AND '.join(inner)})")
            self.conditions.append(f"(size({failing}) = 0)"
                                   if inner else "true")
        if r.where is not None:
            self.pending_where.append((r.where, r))
        return plan

    def property_conditions(self, props, subject: Tx, element) -> None:
        if props is None:
            return
        if isinstance(props, ast.Param):
            raise QueryError("a parameter cannot stand for a property map in a pattern; write {key: $value}")
        for key, value in props.items:
            prop = self.tr.property(subject, key, element)
            right = self.tr.expr(value, self.scope)
            self.conditions.append(self.tr.compare("=", prop, right).text)

    def prune(self, plans: list[list[dict]]) -> None:
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
                    for element, new in ((rel, ("types", new_types)), (left, ("tables", new_left)),
                                         (right, ("tables", new_right))):
                        key, value = new
                        if value != element[key]:
                            element[key] = value
                            changed = True

    def narrow(self, plans: list[list[dict]], declared: dict[str, Binding]) -> None:
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

    def emit(self, p: ast.PathPattern, plan: list[dict]) -> str:
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
                low, high = (r.length or (1, 1))
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
                    self.conditions.append(f"(size(list_distinct(list_concat({ids_a}, {ids_b}))) = "
                                           f"size(rels({a})) + size(rels({b})))")
                else:
                    var, single = (a, b) if ka == "varrel" else (b, a)
                    x = tr.fresh("x")
                    ids = tr.lambda_call("list_transform", f"rels({var})", x, f"id({x})")
                    self.conditions.append(f"(NOT list_contains({ids}, id({single})))")


# --------------------------------------------------------------------------- helpers

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


def scalar_list(t: T) -> bool:
    return t.kind == "LIST" and (t.element is None or t.element.kind in ("STRING", "INT", "FLOAT", "BOOL", "ANY",
                                                                          "NULL"))


def float_literal(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise QueryError("NaN and infinite numbers cannot be written inside a list function on the local store")
    return repr(value)


def value_literal(value) -> str:
    """A parameter value written as an engine literal (inside lambdas only)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"({value})" if value < 0 else str(value)
    if isinstance(value, float):
        return f"CAST({float_literal(value)} AS DOUBLE)"
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{quote_name(str(k))}: {value_literal(v)}" for k, v in value.items()) + "}"
    raise QueryError(f"a parameter of type {type(value).__name__} cannot be bound")


def quote_name(name: str) -> str:
    if "`" in name or not name:
        raise QueryError(f"map key {name!r} cannot hold a backtick or be empty")
    return f"`{name}`"


def translate(query: ast.Query, schema: Schema, params: dict | None = None) -> Translation:
    """Engine text, engine parameters and Neo4j's column names for a parsed query."""
    tr = Translator(schema, params or {}, query.text)
    text, columns = tr.query(query)
    return Translation(text, tr.params, columns, no_semi_mask=tr.limited_with, no_optimizer=tr.counts_subquery)
