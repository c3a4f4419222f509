"""Expressions that stand for values: literals, parameters, variables, properties, indexes and slices, list
and map literals, count(*) and function calls (`kg.query.functions`); and `expr`, which dispatches every
expression to its `x_<node>` method.
"""

from __future__ import annotations

from kg.model.errors import QueryError
from kg.query import ast, types
from kg.query.functions import call
from kg.query.refusal import unsupported
from kg.query.translate.state import Scope, TranslatorState
from kg.query.tx import Tx, node_type, rel_type, string_literal
from kg.query.types import ANY, BOOL, FLOAT, INT, NULL, PATH, STRING, T, Value, list_of


class ValueExpressions(TranslatorState):
    """Values, and the dispatch of any expression to its translation."""

    def predicate(self, e: ast.Expr, scope: Scope) -> str:
        tx = self.expr(e, scope)
        if tx.type.kind not in ("BOOL", "NULL", "ANY"):
            raise QueryError(f"WHERE needs a true/false condition, got a {tx.type}: {self.snippet(e.span)}")
        return f"({tx.text})"

    def expr(self, e: ast.Expr, scope: Scope, top: bool = False) -> Tx:
        method = getattr(self, "x_" + type(e).__name__, None)
        if method is None:
            raise unsupported(type(e).__name__)
        tx: Tx = method(e, scope)
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
            raise QueryError(
                f"the query needs parameter ${e.name}; pass --param {e.name}=VALUE "
                "(or --param-json for numbers and lists)"
            )
        value = self.user_params[e.name]
        return self.value(value)

    def value(self, value: Value) -> Tx:
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
                raise QueryError(
                    "a list parameter mixes integers and floats; the local store keeps one type per "
                    "list (make them all floats)"
                )
            if t.element is not None and t.element.kind == "ANY":
                raise QueryError(
                    "a list parameter mixes values of different types; the local store keeps one type per list"
                )
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

    def property(self, subject: Tx, key: str, e: ast.Expr | ast.NodePattern | ast.RelPattern) -> Tx:
        """`subject.key`; `e` is where it is written (an expression, or a pattern's property map), for messages."""
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
        if (
            subject.type.kind in ("NODE", "REL", "MAP")
            and isinstance(e.index, ast.Literal)
            and isinstance(e.index.value, str)
        ):
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
            raise unsupported(
                f"a list mixing integers and floats ({self.snippet(e.span)}); write the integers as floats"
            )
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

    def x_CountStar(self, e: ast.CountStar, scope: Scope) -> Tx:
        return Tx("count(*)", INT)

    def x_Call(self, e: ast.Call, scope: Scope) -> Tx:
        return call(self, e, scope)


def float_literal(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise QueryError("NaN and infinite numbers cannot be written inside a list function on the local store")
    return repr(value)


def value_literal(value: Value) -> str:
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
