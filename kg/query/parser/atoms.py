"""Atoms of Cypher expressions: literals, names, function calls, CASE, lists and comprehensions, maps and map
projections, quantifiers, reduce, subqueries and patterns used as expressions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.cypher.lexer import Tok, syntax_error
from kg.model.errors import QueryError
from kg.query import ast
from kg.query.parser.patterns import PatternParser
from kg.query.parser.stream import CLAUSE_WORDS, QUANTIFIERS, WRITE_CLAUSES
from kg.query.refusal import unsupported


class AtomParser(PatternParser):
    """The highest-precedence expressions: everything an operator applies to."""

    if TYPE_CHECKING:  # the query rule, in `statements` (subqueries hold whole queries)

        def query(self, nested: bool = False) -> ast.Query: ...

    def atom(self) -> ast.Expr:
        token = self.tok
        start = token.start
        if token.kind is Tok.STRING:
            self.advance()
            return ast.Literal(token.text, (token.start, token.end))
        if token.kind is Tok.INTEGER:
            self.advance()
            return ast.Literal(self.integer(token), (token.start, token.end))
        if token.kind is Tok.FLOAT:
            self.advance()
            value = float(token.text.replace("_", ""))
            if value in (float("inf"), float("-inf")):
                raise syntax_error(self.text, token.start, f"float {token.text} is out of range")
            return ast.Literal(value, (token.start, token.end))
        if token.kind is Tok.PARAM:
            self.advance()
            return ast.Param(token.text, (token.start, token.end))
        if token.kind is Tok.QUOTED:
            self.advance()
            return self.after_name(ast.Var(token.text, (token.start, token.end)))
        if self.at("["):
            return self.list_or_comprehension()
        if self.at("{"):
            return self.map_literal()
        if self.at("("):
            pattern = self.try_pattern()
            if pattern is not None:
                return pattern
            self.advance()
            inner = self.expression()
            self.expect(")")
            return self.rewrap(inner, start)
        if token.kind is not Tok.NAME:
            raise self.error("an expression")
        word = token.text.upper()
        if word in ("TRUE", "FALSE"):
            self.advance()
            return ast.Literal(word == "TRUE", (token.start, token.end))
        if word == "NULL":
            self.advance()
            return ast.Literal(None, (token.start, token.end))
        if word in ("INF", "INFINITY", "NAN") and not self.peek().text == "(":
            raise unsupported(f"the literal {token.text}")
        if word == "CASE":
            return self.case()
        nxt = self.peek()
        if word in ("EXISTS", "COUNT", "COLLECT") and nxt.kind is Tok.SYMBOL and nxt.text == "{":
            return self.subquery(word)
        if word == "COUNT" and nxt.text == "(" and self.peek(2).text == "*" and self.peek(3).text == ")":
            for _ in range(4):
                self.advance()
            return ast.CountStar(self.span_from(start))
        if (
            word in QUANTIFIERS
            and nxt.text == "("
            and self.peek(2).kind in (Tok.NAME, Tok.QUOTED)
            and self.peek(3).is_keyword("IN")
        ):
            return self.quantifier(word)
        if word == "REDUCE" and nxt.text == "(":
            return self.reduce()
        if word in ("SHORTESTPATH", "ALLSHORTESTPATHS") and nxt.text == "(":
            raise unsupported(f"{token.text}() as an expression (use it in MATCH: MATCH p = {token.text}(...))")
        if (
            word in ("NORMALIZE", "TRIM")
            and nxt.text == "("
            and self.peek(2).is_keyword("BOTH", "LEADING", "TRAILING", "NFC", "NFD", "NFKC", "NFKD")
        ):
            raise unsupported(f"{token.text}() with a mode")
        if word in CLAUSE_WORDS and not (nxt.kind is Tok.SYMBOL and nxt.text in (".", "(", "{")):
            raise self.error("an expression")
        self.advance()
        name = token.text
        while self.at(".") and self.peek().kind is Tok.NAME and self.peek(2).text == "(":  # namespace.function(
            self.advance()
            name += "." + self.advance().text
        if self.at("("):
            return self.call(name, start)
        return self.after_name(ast.Var(token.text, (token.start, token.end)))

    def rewrap(self, expr: ast.Expr, start: int) -> ast.Expr:
        """A parenthesised expression keeps its parentheses in its text (for column names)."""
        expr.span = self.span_from(start)
        return expr

    def after_name(self, var: ast.Var) -> ast.Expr:
        if (
            self.at("{")
            and self.peek().kind is Tok.SYMBOL
            and self.peek().text in (".", "}")
            or self.at("{")
            and self.peek().kind in (Tok.NAME, Tok.QUOTED)
            and self.peek(2).text in (",", "}", ":")
        ):
            return self.map_projection(var)
        return var

    def call(self, name: str, start: int) -> ast.Expr:
        self.expect("(")
        distinct = bool(self.accept_keyword("DISTINCT"))
        args: list[ast.Expr] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.accept(","):
                args.append(self.expression())
        self.expect(")")
        return ast.Call(name, args, distinct, self.span_from(start))

    def case(self) -> ast.Case:
        start = self.expect_keyword("CASE").start
        subject = None if self.at_keyword("WHEN") else self.expression()
        whens = []
        while self.accept_keyword("WHEN"):
            condition = self.expression()
            if self.at(","):
                raise unsupported("several values in one CASE WHEN")
            self.expect_keyword("THEN")
            whens.append((condition, self.expression()))
        if not whens:
            raise self.error("WHEN")
        default = self.expression() if self.accept_keyword("ELSE") else None
        self.expect_keyword("END")
        return ast.Case(subject, whens, default, self.span_from(start))

    def list_or_comprehension(self) -> ast.Expr:
        start = self.expect("[").start
        if self.tok.kind in (Tok.NAME, Tok.QUOTED) and self.peek().is_keyword("IN"):
            var = self.advance().text
            self.advance()
            source = self.expression()
            where = self.expression() if self.accept_keyword("WHERE") else None
            projection = self.expression() if self.accept("|") else None
            self.expect("]")
            return ast.ListComprehension(var, source, where, projection, self.span_from(start))
        if self.at("("):
            saved = self.pos
            path = self._try(self.pattern_comprehension_head)
            if path is not None:
                where = self.expression() if self.accept_keyword("WHERE") else None
                self.expect("|")
                projection = self.expression()
                self.expect("]")
                return ast.PatternComprehension(path, where, projection, self.span_from(start))
            self.pos = saved
        items: list[ast.Expr] = []
        if not self.at("]"):
            items.append(self.expression())
            while self.accept(","):
                items.append(self.expression())
        self.expect("]")
        return ast.ListLit(items, self.span_from(start))

    def pattern_comprehension_head(self) -> ast.PathPattern:
        var = None
        if self.tok.kind in (Tok.NAME, Tok.QUOTED) and self.peek().text == "=":
            var = self.advance().text
            self.advance()
        path = self.pattern_element()
        if len(path.elements) < 3 or not (self.at("|") or self.at_keyword("WHERE")):
            raise QueryError("not a pattern comprehension")
        path.var = var
        return path

    def map_literal(self) -> ast.MapLit:
        start = self.expect("{").start
        items: list[tuple[str, ast.Expr]] = []
        if not self.at("}"):
            while True:
                key = self.name("a key")
                self.expect(":")
                items.append((key, self.expression()))
                if not self.accept(","):
                    break
        self.expect("}")
        return ast.MapLit(items, self.span_from(start))

    def map_projection(self, var: ast.Var) -> ast.MapProjection:
        self.expect("{")
        items: list[ast.MapProjectionItem] = []
        if not self.at("}"):
            while True:
                if self.accept("."):
                    if self.accept("*"):
                        items.append(("all", None))
                    else:
                        items.append(("property", self.name("a property name")))
                elif self.tok.kind in (Tok.NAME, Tok.QUOTED) and self.peek().text == ":":
                    key = self.advance().text
                    self.advance()
                    items.append(("literal", key, self.expression()))
                elif self.tok.kind in (Tok.NAME, Tok.QUOTED):
                    items.append(("variable", self.advance().text))
                else:
                    raise self.error("a map projection item (.key, .*, key: value or a variable)")
                if not self.accept(","):
                    break
        self.expect("}")
        return ast.MapProjection(var, items, self.span_from(var.span[0]))

    def quantifier(self, kind: str) -> ast.Quantifier:
        start = self.advance().start
        self.expect("(")
        var = self.name()
        self.expect_keyword("IN")
        source = self.expression()
        if not self.accept_keyword("WHERE"):
            raise self.error(f"WHERE in {kind.lower()}(x IN list WHERE predicate)")
        where = self.expression()
        self.expect(")")
        return ast.Quantifier(kind, var, source, where, self.span_from(start))

    def reduce(self) -> ast.Reduce:
        start = self.advance().start
        self.expect("(")
        accumulator = self.name()
        self.expect("=")
        initial = self.expression()
        self.expect(",")
        var = self.name()
        self.expect_keyword("IN")
        source = self.expression()
        self.expect("|")
        expression = self.expression()
        self.expect(")")
        return ast.Reduce(accumulator, initial, var, source, expression, self.span_from(start))

    def subquery(self, kind: str) -> ast.Subquery:
        start = self.advance().start
        self.expect("{")
        if (
            self.at_keyword("MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL", "USE")
            or self.tok.kind is Tok.NAME
            and self.tok.text.upper() in WRITE_CLAUSES
        ):
            query = self.query(nested=True)
            self.expect("}")
            return ast.Subquery(kind, None, None, query, self.span_from(start))
        patterns = [self.pattern_part()]
        while self.accept(","):
            patterns.append(self.pattern_part())
        where = self.expression() if self.accept_keyword("WHERE") else None
        self.expect("}")
        return ast.Subquery(kind, patterns, where, None, self.span_from(start))

    def try_pattern(self) -> ast.Expr | None:
        """A pattern used as an expression (`(p)-[:CITES]->()`), else None (a parenthesised expression)."""
        saved = self.pos
        start = self.tok.start
        path = self._try(self.pattern_element)
        if path is None or len(path.elements) < 3:
            self.pos = saved
            return None
        return ast.PatternPredicate(path, self.span_from(start))
