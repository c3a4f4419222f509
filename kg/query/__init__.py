"""Cypher: named query files, parameters, and the local query engine (parser, translator, runner).

from kg.query import named_queries, parse_params
from kg.query.engine import run            # Cypher on a store's query database
"""

from kg.model.types import QueryResult
from kg.query.named import (
    NamedQuery,
    canonical_params,
    get_named_query,
    named_queries,
    parse_named_query,
    parse_params,
)

__all__ = [
    "NamedQuery",
    "QueryResult",
    "canonical_params",
    "get_named_query",
    "named_queries",
    "parse_named_query",
    "parse_params",
]
