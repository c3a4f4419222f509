"""Cypher expressions by operator precedence, as Neo4j 5's grammar has it.

OR < XOR < AND < NOT < comparison (chained: `a < b < c` is `a < b AND b < c`)
< string, list and null predicates < + - < * / % < ^ < unary sign < postfix
(property, index, slice, label test) < atoms (`atoms`).
"""

from __future__ import annotations

from kg.cypher.lexer import Tok, syntax_error
from kg.query import ast
from kg.query.parser.atoms import AtomParser
from kg.query.refusal import unsupported


class ExpressionParser(AtomParser):
    """Operators, from OR down to postfix; `expression` is the rule every other layer calls."""

    def expression(self) -> ast.Expr:
        start = self.tok.start
        left = self.xor_expression()
        while self.accept_keyword("OR"):
            left = ast.Binary("OR", left, self.xor_expression(), self.span_from(start))
        return left

    def xor_expression(self) -> ast.Expr:
        start = self.tok.start
        left = self.and_expression()
        while self.accept_keyword("XOR"):
            left = ast.Binary("XOR", left, self.and_expression(), self.span_from(start))
        return left

    def and_expression(self) -> ast.Expr:
        start = self.tok.start
        left = self.not_expression()
        while self.accept_keyword("AND"):
            left = ast.Binary("AND", left, self.not_expression(), self.span_from(start))
        return left

    def not_expression(self) -> ast.Expr:
        start = self.tok.start
        if self.accept_keyword("NOT"):
            return ast.Unary("NOT", self.not_expression(), self.span_from(start))
        return self.comparison()

    COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")

    def comparison(self) -> ast.Expr:
        start = self.tok.start
        left = self.predicate_expression()
        if self.at("!="):
            raise syntax_error(self.text, self.tok.start, "'!=' is not Cypher; write '<>'")
        if not self.at(*self.COMPARISONS):
            return left
        terms = [left]
        ops = []
        while self.at(*self.COMPARISONS):
            ops.append(self.advance().text)
            terms.append(self.predicate_expression())
        result: ast.Expr = ast.Binary(ops[0], terms[0], terms[1], self.span_from(start))
        for i in range(1, len(ops)):  # a < b < c  is  a < b AND b < c
            result = ast.Binary(
                "AND", result, ast.Binary(ops[i], terms[i], terms[i + 1], self.span_from(start)), self.span_from(start)
            )
        return result

    def predicate_expression(self) -> ast.Expr:
        start = self.tok.start
        left = self.additive()
        while True:
            if self.accept("=~"):
                left = ast.Binary("=~", left, self.additive(), self.span_from(start))
            elif self.at_keyword("STARTS") and self.peek().is_keyword("WITH"):
                self.advance(), self.advance()
                left = ast.Binary("STARTS_WITH", left, self.additive(), self.span_from(start))
            elif self.at_keyword("ENDS") and self.peek().is_keyword("WITH"):
                self.advance(), self.advance()
                left = ast.Binary("ENDS_WITH", left, self.additive(), self.span_from(start))
            elif self.accept_keyword("CONTAINS"):
                left = ast.Binary("CONTAINS", left, self.additive(), self.span_from(start))
            elif self.accept_keyword("IN"):
                left = ast.Binary("IN", left, self.additive(), self.span_from(start))
            elif self.at_keyword("IS") and (
                self.peek().is_keyword("NULL") or self.peek().is_keyword("NOT") and self.peek(2).is_keyword("NULL")
            ):
                self.advance()
                negated = bool(self.accept_keyword("NOT"))
                self.expect_keyword("NULL")
                left = ast.IsNull(left, negated, self.span_from(start))
            elif self.at_keyword("IS") and (
                self.peek().is_keyword("TYPED", "NORMALIZED", "NOT") or self.peek().kind is Tok.NAME
            ):
                raise unsupported(f"IS {self.peek().text.upper()} predicates")
            elif self.at("::"):
                raise unsupported("type predicates (::)")
            else:
                return left

    def additive(self) -> ast.Expr:
        start = self.tok.start
        left = self.multiplicative()
        while self.at("+", "-", "||"):
            op = self.advance().text
            left = ast.Binary("+" if op == "||" else op, left, self.multiplicative(), self.span_from(start))
        return left

    def multiplicative(self) -> ast.Expr:
        start = self.tok.start
        left = self.power()
        while self.at("*", "/", "%"):
            op = self.advance().text
            left = ast.Binary(op, left, self.power(), self.span_from(start))
        return left

    def power(self) -> ast.Expr:
        start = self.tok.start
        left = self.unary()
        while self.accept("^"):
            left = ast.Binary("^", left, self.unary(), self.span_from(start))
        return left

    def unary(self) -> ast.Expr:
        start = self.tok.start
        if self.at("-", "+"):
            op = self.advance().text
            operand = self.postfix()
            if (
                op == "-"
                and isinstance(operand, ast.Literal)
                and type(operand.value) in (int, float)
                and operand.span[0] == start + 1
            ):
                return ast.Literal(-operand.value, self.span_from(start))  # type: ignore[operator]
            return ast.Unary(op, operand, self.span_from(start))
        return self.postfix()

    def postfix(self) -> ast.Expr:
        start = self.tok.start
        expr = self.atom()
        while True:
            if self.at(".") and self.peek().kind in (Tok.NAME, Tok.QUOTED):
                self.advance()
                expr = ast.Prop(expr, self.advance().text, self.span_from(start))
            elif self.at("["):
                self.advance()
                if self.accept(".."):
                    stop = None if self.at("]") else self.expression()
                    self.expect("]")
                    expr = ast.Slice(expr, None, stop, self.span_from(start))
                    continue
                index = self.expression()
                if self.accept(".."):
                    stop = None if self.at("]") else self.expression()
                    self.expect("]")
                    expr = ast.Slice(expr, index, stop, self.span_from(start))
                    continue
                self.expect("]")
                expr = ast.Index(expr, index, self.span_from(start))
            elif self.at(":") and isinstance(expr, ast.Var):
                expr = ast.HasLabels(expr, self.label_expression(), self.span_from(start))
            else:
                return expr
