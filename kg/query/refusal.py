"""The one-line refusals the local query engine gives: valid Cypher it does not run, and write clauses.

Shared by the parser and the translator, so every refusal names the
construct the same way and points to the same README section.
"""

from __future__ import annotations

from kg.model.errors import QueryError

KNOWN_GAPS = "README: Cypher on the local store"


def unsupported(construct: str) -> QueryError:
    """The one message for valid Cypher the local engine does not run."""
    return QueryError(
        f"the local store does not support {construct} ({KNOWN_GAPS}); run the query on Neo4j with --neo4j"
    )


def read_only(clause: str) -> QueryError:
    return QueryError(f"queries are read-only: {clause} is not allowed; use kg build to change the graph")
