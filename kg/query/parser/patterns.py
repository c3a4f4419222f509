"""Path patterns of the Cypher parser: nodes, relationships, lengths, `shortestPath`, and label expressions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.cypher.lexer import Tok, syntax_error
from kg.query import ast
from kg.query.parser.stream import TokenStream
from kg.query.refusal import unsupported


class PatternParser(TokenStream):
    """Patterns, as in MATCH, in pattern predicates and in subqueries."""

    if TYPE_CHECKING:  # the expression rules above this layer (`atoms`, `expressions`)

        def expression(self) -> ast.Expr: ...

        def map_literal(self) -> ast.MapLit: ...

    def pattern_part(self) -> ast.PathPattern:
        start = self.tok.start
        var = None
        if self.tok.kind in (Tok.NAME, Tok.QUOTED) and self.peek().kind is Tok.SYMBOL and self.peek().text == "=":
            var = self.advance().text
            self.advance()
        if (
            self.tok.kind is Tok.NAME
            and self.tok.text.lower() in ("shortestpath", "allshortestpaths")
            and self.peek().text == "("
        ):
            kind = "shortestPath" if self.advance().text.lower() == "shortestpath" else "allShortestPaths"
            self.expect("(")
            path = self.pattern_element()
            self.expect(")")
            path.shortest = kind
        else:
            path = self.pattern_element()
        path.var = var
        path.span = self.span_from(start)
        return path

    def pattern_element(self) -> ast.PathPattern:
        start = self.tok.start
        if self.at("(") and self._parenthesised_path():
            self.advance()
            inner = self.pattern_element()
            self.expect(")")
            if self.at("{", "+", "*"):
                raise unsupported("quantified path patterns")
            return inner
        elements: list[ast.NodePattern | ast.RelPattern] = [self.node_pattern()]
        while self.at("-", "<-", "<"):
            elements.append(self.rel_pattern())
            elements.append(self.node_pattern())
        return ast.PathPattern(None, elements, None, self.span_from(start))

    def _parenthesised_path(self) -> bool:
        """`((a)-->(b))`: a parenthesised path (GQL); `(a)` and `(a:L {..})` are node patterns."""
        return self.peek().kind is Tok.SYMBOL and self.peek().text == "("

    def node_pattern(self) -> ast.NodePattern:
        start = self.expect("(").start
        var = None
        if (
            self.tok.kind is Tok.QUOTED
            or self.tok.kind is Tok.NAME
            and not (self.at_keyword("WHERE") and self.peek().text not in (")", ":", "{"))
        ):
            var = self.advance().text
        labels = None
        if self.at(":") or self.at_keyword("IS") and self.peek().kind in (Tok.NAME, Tok.QUOTED):
            labels = self.label_expression()
        properties = self.properties()
        where = self.expression() if self.accept_keyword("WHERE") else None
        self.expect(")")
        return ast.NodePattern(var, labels, properties, where, self.span_from(start))

    def properties(self) -> ast.MapLit | ast.Param | None:
        if self.at("{"):
            return self.map_literal()
        if self.tok.kind is Tok.PARAM:
            token = self.advance()
            return ast.Param(token.text, (token.start, token.end))
        return None

    def rel_pattern(self) -> ast.RelPattern:
        start = self.tok.start
        if self.accept("<-"):
            left = "<"
        elif self.accept("<"):
            self.expect("-")
            left = "<"
        else:
            self.expect("-")
            left = ""
        var = labels = properties = where = None
        length = None
        if self.accept("["):
            if self.tok.kind in (Tok.NAME, Tok.QUOTED) and not self.at_keyword("WHERE"):
                var = self.advance().text
            if self.at(":") or self.at_keyword("IS") and self.peek().kind in (Tok.NAME, Tok.QUOTED):
                labels = self.label_expression(relationship=True)
            if self.accept("*"):
                length = self.range_literal()
            properties = self.properties()
            where = self.expression() if self.accept_keyword("WHERE") else None
            self.expect("]")
        if self.accept("->"):
            right = ">"
        else:
            self.expect("-")
            right = ">" if self.accept(">") else ""
        if left and right:
            raise syntax_error(self.text, start, "a relationship pattern points one way (<-[]- or -[]->) or none")
        direction = "in" if left else "out" if right else "both"
        return ast.RelPattern(var, direction, labels, length, properties, where, self.span_from(start))

    def range_literal(self) -> tuple[int | None, int | None]:
        low = high = None
        if self.at_kind(Tok.INTEGER):
            low = self.integer(self.advance())
            if not self.accept(".."):
                return (low, low)
            if self.at_kind(Tok.INTEGER):
                high = self.integer(self.advance())
            return (low, high)
        if self.accept(".."):
            if self.at_kind(Tok.INTEGER):
                high = self.integer(self.advance())
            return (None, high)
        return (None, None)

    def label_expression(self, relationship: bool = False) -> ast.LabelExpr:
        """`:A:B` (all of), `:A|B` (any of), `:A&B`, `:!A`, `:(A|B)&C`, `:%`; `IS A` as in GQL.

        As in Neo4j, one query uses either colons between labels or the symbols | & ! %, not both.
        """
        if self.accept_keyword("IS"):
            return self.label_or(relationship)
        start = self.expect(":").start
        symbols_before = self.label_symbols
        expr = self.label_or(relationship)
        if not relationship and self.label_symbols > symbols_before:
            self.symbol_at = self.symbol_at if self.symbol_at is not None else start
        while self.at(":") and not relationship:
            self.colon_at = self.colon_at if self.colon_at is not None else self.tok.start
            self.advance()
            expr = ast.LabelAnd(expr, self.label_or(relationship))
        if self.colon_at is not None and self.symbol_at is not None:
            raise syntax_error(
                self.text,
                max(self.colon_at, self.symbol_at),
                "mixing the label symbols |, &, ! and % with : between labels is not allowed "
                "(Neo4j refuses it too); write :A&B for both labels",
            )
        return expr

    def label_or(self, relationship: bool) -> ast.LabelExpr:
        expr = self.label_and(relationship)
        while self.accept("|"):
            self.label_symbols += 0 if relationship else 1
            self.accept(":")  # `:A|:B`, the Cypher 4 spelling of relationship type alternatives
            expr = ast.LabelOr(expr, self.label_and(relationship))
        return expr

    def label_and(self, relationship: bool) -> ast.LabelExpr:
        expr = self.label_not(relationship)
        while self.accept("&"):
            self.label_symbols += 0 if relationship else 1
            expr = ast.LabelAnd(expr, self.label_not(relationship))
        return expr

    def label_not(self, relationship: bool) -> ast.LabelExpr:
        if self.accept("!"):
            self.label_symbols += 0 if relationship else 1
            return ast.LabelNot(self.label_not(relationship))
        if self.accept("%"):
            self.label_symbols += 0 if relationship else 1
            return ast.LabelAny()
        if self.accept("("):
            expr = self.label_or(relationship)
            self.expect(")")
            return expr
        if self.tok.kind in (Tok.NAME, Tok.QUOTED):
            return ast.LabelName(self.advance().text)
        raise self.error("a relationship type" if relationship else "a label")
