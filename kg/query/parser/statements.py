"""Cypher statements: a query (UNION of single queries), its clauses and projections, and `parse`."""

from __future__ import annotations

from kg.cypher.lexer import Tok, syntax_error
from kg.model.errors import QueryError
from kg.query import ast
from kg.query.parser.expressions import ExpressionParser
from kg.query.parser.stream import WRITE_CLAUSES
from kg.query.refusal import read_only, unsupported


class Parser(ExpressionParser):
    """The whole read grammar: `parse` reads one statement to the end of the text."""

    def parse(self) -> ast.Query:
        if self.at_kind(Tok.END):
            raise syntax_error(self.text, 0, "the query is empty")
        query = self.query()
        semicolon = self.accept(";")
        if not self.at_kind(Tok.END):
            if semicolon:
                raise unsupported("more than one statement")
            raise self.error("a clause (MATCH, WITH, UNWIND, RETURN ...) or the end of the query")
        query.text = self.text
        return query

    def query(self, nested: bool = False) -> ast.Query:
        parts = [self.single_query(nested)]
        union_all = []
        while self.accept_keyword("UNION"):
            union_all.append(bool(self.accept_keyword("ALL")))
            if self.at_keyword("DISTINCT"):
                self.advance()
            parts.append(self.single_query(nested))
        return ast.Query(parts, union_all)

    def single_query(self, nested: bool) -> ast.SingleQuery:
        start = self.tok.start
        clauses: list[ast.Clause] = []
        while True:
            clause = self.clause()
            if clause is None:
                break
            clauses.append(clause)
            if isinstance(clause, ast.Return):
                break
        if not clauses:
            raise self.error("a clause (MATCH, WITH, UNWIND, RETURN ...)")
        if (
            len(clauses) == 1
            and isinstance(clauses[0], ast.ProcedureCall)
            and self.tok.kind is Tok.END
            or self.at(";")
            and len(clauses) == 1
            and isinstance(clauses[0], ast.ProcedureCall)
        ):
            return ast.SingleQuery(clauses, self.span_from(start))  # a standalone CALL returns what it yields
        if not nested and not isinstance(clauses[-1], ast.Return):
            raise syntax_error(
                self.text,
                self.tok.start,
                "a query must end with RETURN (queries are read-only, so one that returns nothing does nothing)",
            )
        return ast.SingleQuery(clauses, self.span_from(start))

    def clause(self) -> ast.Clause | None:
        token = self.tok
        if token.kind is not Tok.NAME:
            return None
        word = token.text.upper()
        if word == "MATCH":
            return self.match(optional=False)
        if word == "OPTIONAL":
            self.advance()
            if not self.at_keyword("MATCH"):
                raise self.error("MATCH after OPTIONAL")
            return self.match(optional=True)
        if word == "WITH":
            return self.with_clause()
        if word == "RETURN":
            return self.return_clause()
        if word == "UNWIND":
            start = self.advance().start
            expression = self.expression()
            self.expect_keyword("AS")
            return ast.Unwind(expression, self.name("a variable after AS"), self.span_from(start))
        if word in WRITE_CLAUSES:
            phrase = "DETACH DELETE" if word == "DETACH" else word
            raise read_only(phrase)
        if word == "LOAD" and self.peek().is_keyword("CSV"):
            raise read_only("LOAD CSV")
        if word == "CALL":
            if self.peek().kind is Tok.SYMBOL and self.peek().text in ("{", "("):
                raise unsupported("CALL { } subqueries")
            return self.procedure_call()
        if word in ("USE", "SHOW", "EXPLAIN", "PROFILE", "FINISH"):
            raise unsupported(word)
        return None

    def procedure_call(self) -> ast.ProcedureCall:
        start = self.expect_keyword("CALL").start
        name = self.name("a procedure name")
        while self.accept("."):
            name += "." + self.name("a procedure name")
        args: list[ast.Expr] = []
        if self.accept("("):
            if not self.at(")"):
                args.append(self.expression())
                while self.accept(","):
                    args.append(self.expression())
            self.expect(")")
        yields = None
        where = None
        if self.accept_keyword("YIELD"):
            if not self.accept("*"):
                yields = []
                while True:
                    field = self.name("a field name after YIELD")
                    alias = self.name("a name after AS") if self.accept_keyword("AS") else field
                    yields.append((field, alias))
                    if not self.accept(","):
                        break
            where = self.expression() if self.accept_keyword("WHERE") else None
        return ast.ProcedureCall(name, args, yields, where, self.span_from(start))

    def procedure_name(self) -> str:
        parts = []
        i = self.pos + 1
        while self.tokens[i].kind in (Tok.NAME, Tok.QUOTED) or self.tokens[i].text == ".":
            parts.append(self.tokens[i].text)
            i += 1
        return "".join(parts) or "…"

    def match(self, optional: bool) -> ast.Match:
        start = self.expect_keyword("MATCH").start
        if self.at_keyword("ALL", "ANY", "SHORTEST", "REPEATABLE", "DIFFERENT"):
            raise unsupported(f"the GQL match mode or path selector {self.tok.text.upper()}")
        patterns = [self.pattern_part()]
        while self.accept(","):
            patterns.append(self.pattern_part())
        if self.at_keyword("USING"):
            raise unsupported("USING hints")
        where = self.expression() if self.accept_keyword("WHERE") else None
        return ast.Match(optional, patterns, where, self.span_from(start))

    def with_clause(self) -> ast.With:
        start = self.expect_keyword("WITH").start
        projection = self.projection()
        where = self.expression() if self.accept_keyword("WHERE") else None
        return ast.With(projection, where, self.span_from(start))

    def return_clause(self) -> ast.Return:
        start = self.expect_keyword("RETURN").start
        return ast.Return(self.projection(), self.span_from(start))

    def projection(self) -> ast.Projection:
        distinct = bool(self.accept_keyword("DISTINCT"))
        star = False
        items: list[ast.ReturnItem] = []
        if self.accept("*"):
            star = True
            if not self.accept(","):
                return self.projection_tail(ast.Projection(distinct, star, items))
        while True:
            begin = self.tok.start
            expression = self.expression()
            text = self.text[begin : self.tokens[self.pos - 1].end]
            alias = self.name("a name after AS") if self.accept_keyword("AS") else None
            items.append(ast.ReturnItem(expression, alias, text))
            if not self.accept(","):
                break
        return self.projection_tail(ast.Projection(distinct, star, items))

    def projection_tail(self, projection: ast.Projection) -> ast.Projection:
        if self.at_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            while True:
                expression = self.expression()
                descending = False
                if self.accept_keyword("DESC", "DESCENDING"):
                    descending = True
                else:
                    self.accept_keyword("ASC", "ASCENDING")
                projection.order.append(ast.SortItem(expression, descending))
                if not self.accept(","):
                    break
        if self.accept_keyword("SKIP", "OFFSET"):
            projection.skip = self.expression()
        if self.accept_keyword("LIMIT"):
            projection.limit = self.expression()
        return projection


def parse(text: str) -> ast.Query:
    """The syntax tree of one read query; `QueryError` with the column of the first problem otherwise."""
    if len(text) > 1_000_000:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is 1,000,000")
    try:
        return Parser(text).parse()
    except RecursionError:
        raise QueryError("the query is nested too deeply to parse") from None
