"""What a Cypher text does, read on its tokens: the write clause it holds, the parameters it uses."""

from __future__ import annotations

from kg.cypher.lexer import Tok, tokenize
from kg.model.errors import QueryError


def write_clause(cypher: str) -> str | None:
    """The first write clause of a query, upper-cased, or None; read on Cypher tokens, so a keyword inside a
    string, a quoted name or a comment is not a clause, and a property or map key that spells one is not either.
    """
    try:
        tokens = tokenize(cypher)
    except QueryError:
        return None  # the server reports the syntax error
    for i, token in enumerate(tokens):
        if token.kind is not Tok.NAME:
            continue
        word = token.text.upper()
        if word not in WRITE_WORDS and not (word == "LOAD" and tokens[i + 1].is_keyword("CSV")):
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1]
        if before is not None and before.kind is Tok.SYMBOL and before.text in (".", ":", "$"):
            continue
        if after.kind is Tok.SYMBOL and after.text == ":":
            continue
        return "LOAD CSV" if word == "LOAD" else word
    return None


WRITE_WORDS = ("CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "DROP", "FOREACH")


def refuse_writes(cypher: str, remedy: str = "use kg build to change the graph") -> None:
    """A QueryError if the query writes: kg's queries are read-only, on the local store and on Neo4j."""
    clause = write_clause(cypher)
    if clause:
        raise QueryError(f"queries are read-only: {clause} is not allowed; {remedy}")


def query_parameters(cypher: str) -> list[str]:
    """The `$name` parameters a query uses (outside strings and comments), in order of first use."""
    try:
        tokens = tokenize(cypher)
    except QueryError:
        return []  # the server reports the syntax error
    seen: list[str] = []
    for token in tokens:
        if token.kind is Tok.PARAM and token.text not in seen:
            seen.append(token.text)
    return seen
