"""Operators with Neo4j's meaning: NOT/AND/OR/XOR, comparisons across types, IN with nulls, string
predicates and regular expressions, arithmetic and string concatenation, IS NULL, label tests, and CASE.
"""

from __future__ import annotations

import re

from kg.model.errors import QueryError
from kg.query import ast, types
from kg.query.refusal import unsupported
from kg.query.translate.state import Scope
from kg.query.translate.values import ValueExpressions
from kg.query.tx import Tx
from kg.query.types import ANY, BOOL, FLOAT, INT, NULL, STRING, T, Value, list_of


class OperatorExpressions(ValueExpressions):
    """Operators and CASE over translated operands."""

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
                return Tx(
                    f"(CASE WHEN {right.text} = '' THEN {left.text} IS NOT NULL "
                    f"ELSE {left.text} CONTAINS {right.text} END)",
                    BOOL,
                )
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
            has_null = (
                "false"
                if literal_items is not None and None not in literal_items
                else f"any({lam} IN {self.lambda_input(collection.text)} WHERE {lam} IS NULL)"
            )
            return Tx(f"(CASE WHEN {item.text} IS NULL THEN NULL WHEN {has_null} THEN NULL ELSE false END)", BOOL)
        if element.kind in ("NODE", "REL", "LIST", "MAP", "PATH"):
            raise unsupported(f"IN over a list of {element} values")
        if literal_items is not None and None not in literal_items:
            return Tx(f"({item.text} IN {collection.text})", BOOL)
        lam = self.fresh("x")
        return Tx(
            f"(CASE WHEN {collection.text} IS NULL THEN NULL WHEN size({collection.text}) = 0 THEN false "
            f"WHEN {item.text} IS NULL THEN NULL WHEN list_contains({collection.text}, {item.text}) THEN true "
            f"WHEN any({lam} IN {self.lambda_input(collection.text)} WHERE {lam} IS NULL) THEN NULL "
            "ELSE false END)",
            BOOL,
        )

    def literal_list(self, e: ast.Expr) -> list[Value] | None:
        """The values of a list literal of constants, or of a list parameter; None otherwise."""
        if isinstance(e, ast.ListLit) and all(isinstance(i, ast.Literal) for i in e.items):
            return [i.value for i in e.items]  # type: ignore[union-attr]
        if isinstance(e, ast.Param) and isinstance(self.user_params.get(e.name), (list, tuple)):
            return list(self.user_params[e.name])
        return None

    def check_regex(self, e: ast.Expr) -> None:
        """Refuse patterns whose meaning differs between Java's regex (Neo4j) and RE2 (the engine)."""
        pattern = (
            e.value
            if isinstance(e, ast.Literal)
            else self.user_params.get(e.name)
            if isinstance(e, ast.Param)
            else None
        )
        if not isinstance(pattern, str):
            raise unsupported("a regular expression that is not a literal or a parameter")
        java_only = re.search(
            r"\(\?<?[=!]|\(\?>|\\[1-9]|\\k<|[*+?}]\+|\(\?[a-zA-Z]*[^a-zA-Z:)ims-]|&&\[|\\p\{Is|"
            r"\\[GZRXhHvV]|\(\?[^:)]*[uxdU]",
            pattern,
        )
        if java_only:
            raise unsupported(
                f"the regular expression construct {java_only.group()!r} (Neo4j uses Java's regex "
                "syntax, the local store RE2)"
            )

    def arithmetic(self, op: str, left: Tx, right: Tx, e: ast.Binary) -> Tx:
        lk, rk = left.type.kind, right.type.kind
        if lk == "NULL" or rk == "NULL":
            return Tx("NULL", NULL)
        if op == "+":
            null = f"{left.text} IS NULL OR {right.text} IS NULL"
            if lk == "LIST" and rk == "LIST":
                return Tx(
                    f"(CASE WHEN {null} THEN NULL ELSE list_concat({left.text}, {right.text}) END)",
                    list_of(types.unify([left.type.element or ANY, right.type.element or ANY])),
                )
            if lk == "LIST":
                return Tx(f"(CASE WHEN {null} THEN NULL ELSE list_append({left.text}, {right.text}) END)", left.type)
            if rk == "LIST":
                return Tx(f"(CASE WHEN {null} THEN NULL ELSE list_prepend({right.text}, {left.text}) END)", right.type)
            if lk == "STRING" or rk == "STRING":  # the engine joins a null as '' (Neo4j: null)
                return Tx(
                    f"(CASE WHEN {left.text} IS NULL OR {right.text} IS NULL THEN NULL "
                    f"ELSE {self.as_text(left, e)} + {self.as_text(right, e)} END)",
                    STRING,
                )
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
        raise unsupported(
            f"joining a {tx.type} value to a string ({self.snippet(e.span)}); Neo4j's text for it "
            "differs from the local store's"
        )

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
            raise unsupported(
                f"a CASE that gives integers in some branches and floats in others "
                f"({self.snippet(e.span)}); write the integers as floats"
            )
        result = types.unify(value_types)
        for condition, value in zip(conditions, values):
            # coalesce: a boolean CASE inside a WHEN condition is read wrongly by the engine (ladybug 0.22,
            # measured: CASE WHEN (CASE ... END) AND true THEN ... takes the ELSE); as a value it is right
            whens.append(f"WHEN coalesce({condition.text}, false) THEN {value.text}")
        text = "CASE " + " ".join(whens) + (f" ELSE {default.text}" if default else "") + " END"
        return Tx(f"({text})", result)


def scalar_list(t: T) -> bool:
    return t.kind == "LIST" and (
        t.element is None or t.element.kind in ("STRING", "INT", "FLOAT", "BOOL", "ANY", "NULL")
    )
