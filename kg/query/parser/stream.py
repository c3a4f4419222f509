"""The token stream under the Cypher parser: position, look-ahead, accept/expect helpers and the grammar's words.

The grammar rules (`patterns`, `atoms`, `expressions`, `statements`) are
classes built on `TokenStream`, one layer each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kg.cypher.lexer import Tok, Token, syntax_error, tokenize
from kg.model.errors import QueryError
from kg.query import ast

WRITE_CLAUSES = (
    "CREATE",
    "MERGE",
    "DELETE",
    "DETACH",
    "SET",
    "REMOVE",
    "FOREACH",
    "DROP",
    "ALTER",
    "GRANT",
    "DENY",
    "REVOKE",
    "START",
    "STOP",
    "TERMINATE",
    "ENABLE",
    "RENAME",
    "INSERT",
)
CLAUSE_WORDS = (
    "MATCH",
    "OPTIONAL",
    "WITH",
    "RETURN",
    "UNWIND",
    "UNION",
    "CALL",
    "USE",
    "LOAD",
    "SHOW",
    "EXPLAIN",
    "PROFILE",
    "ORDER",
    "SKIP",
    "OFFSET",
    "LIMIT",
    "WHERE",
    "FINISH",
) + WRITE_CLAUSES
QUANTIFIERS = ("ALL", "ANY", "NONE", "SINGLE")

Parsed = TypeVar("Parsed")


class TokenStream:
    """The parser's position in the token list, and the helpers every grammar rule uses to read it."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.label_symbols = 0  # | & ! % seen in node label expressions
        self.symbol_at: int | None = None  # where the first was
        self.colon_at: int | None = None  # where the first :A:B colon was

    # ------------------------------------------------------------------ token helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def at_kind(self, kind: Tok) -> bool:
        """Whether the current token is of `kind`. A call, not `self.tok.kind is kind`, where a rule asks again
        after reading on: mypy keeps what an earlier test of `self.tok.kind` told it and would call the test
        impossible."""
        return self.tok.kind is kind

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
        found = "the end of the query" if token.kind is Tok.END else repr(self.text[token.start : token.end])
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

    def _try(self, rule: Callable[[], Parsed]) -> Parsed | None:
        saved = self.pos
        try:
            return rule()
        except QueryError:
            self.pos = saved
            return None
