"""A recursive-descent parser for Cypher read queries, as Neo4j 5 writes them.

The grammar and operator precedence follow Neo4j 5's Cypher (its
`Cypher5Parser` rules `expression` .. `expression1`): OR < XOR < AND < NOT <
comparison (chained: `a < b < c` is `a < b AND b < c`) < string, list and
null predicates < + - < * / % < ^ < unary sign < postfix (property, index,
slice, label test) < atoms. Queries are read-only: a write clause is an
error here, before anything reaches an engine.

Why a parser of our own: the Python Cypher parsers available (graphglot
0.14, antlr4-cypher 0.1) each reject constructs Neo4j users type every day
(map projections, `shortestPath`, `COUNT { }`; `=~`, `EXISTS { }`, `CALL { }`),
the embedded engine's own parser is not exposed and reads its own dialect,
and Neo4j's grammar is GPL. Cypher's read grammar is small enough to parse
exactly, and a syntax tree is what the translation to the engine's dialect
(`kg.query.translate`) needs.
"""

from __future__ import annotations

from kg.cypher.lexer import Tok, Token, syntax_error, tokenize
from kg.model.errors import QueryError
from kg.query import ast

WRITE_CLAUSES = ("CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "FOREACH", "DROP", "ALTER", "GRANT",
                 "DENY", "REVOKE", "START", "STOP", "TERMINATE", "ENABLE", "RENAME", "INSERT")
CLAUSE_WORDS = ("MATCH", "OPTIONAL", "WITH", "RETURN", "UNWIND", "UNION", "CALL", "USE", "LOAD", "SHOW",
                "EXPLAIN", "PROFILE", "ORDER", "SKIP", "OFFSET", "LIMIT", "WHERE", "FINISH") + WRITE_CLAUSES
QUANTIFIERS = ("ALL", "ANY", "NONE", "SINGLE")
KNOWN_GAPS = "README: Cypher on the local store"


def unsupported(construct: str) -> QueryError:
    """The one message for valid Cypher the local engine does not run."""
    return QueryError(f"the local store does not support {construct} ({KNOWN_GAPS}); "
                      "run the query on Neo4j with --neo4j")


def read_only(clause: str) -> QueryError:
    return QueryError(f"queries are read-only: {clause} is not allowed; use kg build to change the graph")


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.label_symbols = 0               # | & ! % seen in node label expressions
        self.symbol_at: int | None = None    # where the first was
        self.colon_at: int | None = None     # where the first :A:B colon was

    # ------------------------------------------------------------------ token helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind is not Tok.END:
            self.pos += 1
        return token

    def at(self, *symbols: str) -> bool:
        return self.tok.kind is Tok.SYMBOL and self.tok.text in symbols

    def at_keyword(self, *words: str) -> bool:
        return self.tok.is_keyword(*words)

    def accept(self, symbol: str) -> Token | None:
        if self.at(symbol):
            return self.advance()
        return None

    def accept_keyword(self, *words: str) -> Token | None:
        if self.at_keyword(*words):
            return self.advance()
        return None

    def error(self, expected: str, token: Token | None = None) -> QueryError:
        token = token or self.tok
        found = "the end of the query" if token.kind is Tok.END else repr(self.text[token.start:token.end])
        return syntax_error(self.text, token.start, f"expected {expected}, found {found}")

    def expect(self, symbol: str) -> Token:
        if not self.at(symbol):
            raise self.error(repr(symbol))
        return self.advance()

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.error(word)
        return self.advance()

    def name(self, what: str = "a name") -> str:
        if self.tok.kind in (Tok.NAME, Tok.QUOTED):
            return self.advance().text
        raise self.error(what)

    def span_from(self, start: int) -> ast.Span:
        return (start, self.tokens[self.pos - 1].end if self.pos else start)

    # ------------------------------------------------------------------ queries and clauses

    def parse(self) -> ast.Query:
        if self.tok.kind is Tok.END:
            raise syntax_error(self.text, 0, "the query is empty")
        query = self.query()
        semicolon = self.accept(";")
        if self.tok.kind is not Tok.END:
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
        if len(clauses) == 1 and isinstance(clauses[0], ast.ProcedureCall) and self.tok.kind is Tok.END or \
                self.at(";") and len(clauses) == 1 and isinstance(clauses[0], ast.ProcedureCall):
            return ast.SingleQuery(clauses, self.span_from(start))  # a standalone CALL returns what it yields
        if not nested and not isinstance(clauses[-1], ast.Return):
            raise syntax_error(self.text, self.tok.start, "a query must end with RETURN "
                               "(queries are read-only, so one that returns nothing does nothing)")
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
            text = self.text[begin:self.tokens[self.pos - 1].end]
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

    # ------------------------------------------------------------------ patterns

    def pattern_part(self) -> ast.PathPattern:
        start = self.tok.start
        var = None
        if self.tok.kind in (Tok.NAME, Tok.QUOTED) and self.peek().kind is Tok.SYMBOL and self.peek().text == "=":
            var = self.advance().text
            self.advance()
        if self.tok.kind is Tok.NAME and self.tok.text.lower() in ("shortestpath", "allshortestpaths") \
                and self.peek().text == "(":
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
        if self.tok.kind is Tok.QUOTED or self.tok.kind is Tok.NAME and not (
                self.at_keyword("WHERE") and self.peek().text not in (")", ":", "{")):
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
        if self.tok.kind is Tok.INTEGER:
            low = self.integer(self.advance())
            if not self.accept(".."):
                return (low, low)
            if self.tok.kind is Tok.INTEGER:
                high = self.integer(self.advance())
            return (low, high)
        if self.accept(".."):
            if self.tok.kind is Tok.INTEGER:
                high = self.integer(self.advance())
            return (None, high)
        return (None, None)

    def integer(self, token: Token) -> int:
        text = token.text.replace("_", "").lower()
        if text.startswith("0x"):
            value = int(text[2:], 16)
        elif text.startswith("0o"):
            value = int(text[2:], 8)
        elif len(text) > 1 and text.startswith("0"):
            value = int(text, 8)  # Cypher 5 reads a leading 0 as octal
        else:
            value = int(text)
        if value > 2**63 - 1:
            raise syntax_error(self.text, token.start, f"integer {token.text} is too large (the limit is 2^63 - 1)")
        return value

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
            raise syntax_error(self.text, max(self.colon_at, self.symbol_at),
                               "mixing the label symbols |, &, ! and % with : between labels is not allowed "
                               "(Neo4j refuses it too); write :A&B for both labels")
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

    # ------------------------------------------------------------------ expressions

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
            result = ast.Binary("AND", result, ast.Binary(ops[i], terms[i], terms[i + 1], self.span_from(start)),
                                self.span_from(start))
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
            elif self.at_keyword("IS") and (self.peek().is_keyword("NULL") or self.peek().is_keyword("NOT")
                                            and self.peek(2).is_keyword("NULL")):
                self.advance()
                negated = bool(self.accept_keyword("NOT"))
                self.expect_keyword("NULL")
                left = ast.IsNull(left, negated, self.span_from(start))
            elif self.at_keyword("IS") and (self.peek().is_keyword("TYPED", "NORMALIZED", "NOT")
                                            or self.peek().kind is Tok.NAME):
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
            if op == "-" and isinstance(operand, ast.Literal) and type(operand.value) in (int, float) \
                    and operand.span[0] == start + 1:
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
        if word in QUANTIFIERS and nxt.text == "(" and self.peek(2).kind in (Tok.NAME, Tok.QUOTED) \
                and self.peek(3).is_keyword("IN"):
            return self.quantifier(word)
        if word == "REDUCE" and nxt.text == "(":
            return self.reduce()
        if word in ("SHORTESTPATH", "ALLSHORTESTPATHS") and nxt.text == "(":
            raise unsupported(f"{token.text}() as an expression (use it in MATCH: MATCH p = {token.text}(...))")
        if word in ("NORMALIZE", "TRIM") and nxt.text == "(" and self.peek(2).is_keyword(
                "BOTH", "LEADING", "TRAILING", "NFC", "NFD", "NFKC", "NFKD"):
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
        if self.at("{") and self.peek().kind is Tok.SYMBOL and self.peek().text in (".", "}") \
                or self.at("{") and self.peek().kind in (Tok.NAME, Tok.QUOTED) and self.peek(2).text in (",", "}", ":"):
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
        items: list[tuple] = []
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
        if self.at_keyword("MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL", "USE") or \
                self.tok.kind is Tok.NAME and self.tok.text.upper() in WRITE_CLAUSES:
            query = self.query(nested=True)
            self.expect("}")
            return ast.Subquery(kind, None, None, query, self.span_from(start))
        patterns = [self.pattern_part()]
        while self.accept(","):
            patterns.append(self.pattern_part())
        where = self.expression() if self.accept_keyword("WHERE") else None
        self.expect("}")
        return ast.Subquery(kind, patterns, where, None, self.span_from(start))

    # ------------------------------------------------------------------ patterns inside expressions

    def _try(self, rule):
        saved = self.pos
        try:
            return rule()
        except QueryError:
            self.pos = saved
            return None

    def try_pattern(self) -> ast.Expr | None:
        """A pattern used as an expression (`(p)-[:CITES]->()`), else None (a parenthesised expression)."""
        saved = self.pos
        start = self.tok.start
        path = self._try(self.pattern_element)
        if path is None or len(path.elements) < 3:
            self.pos = saved
            return None
        return ast.PatternPredicate(path, self.span_from(start))


def parse(text: str) -> ast.Query:
    """The syntax tree of one read query; `QueryError` with the column of the first problem otherwise."""
    if len(text) > 1_000_000:
        raise QueryError(f"the query is {len(text):,} characters long; the limit is 1,000,000")
    try:
        return Parser(text).parse()
    except RecursionError:
        raise QueryError("the query is nested too deeply to parse") from None
