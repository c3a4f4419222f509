"""Cypher: named query files, parameters, and the local query engine (parser, translator, runner).

    from kg.query import named_queries, parse_params
    from kg.query.engine import run            # Cypher on a store's query database

- `named`: the named queries of `cypher/queries/` and `--param` values.
- `parser` (a package): Cypher text to the syntax tree of `ast`.
- `translate` (a package): the tree to the query database's dialect, with Neo4j's meaning; `functions`
  (a package) its function table; `types` the static types it infers; `tx` what both write.
- `refusal`: the one-line refusals of valid Cypher the engine does not run.
- `engine`: `run`, which parses, translates, executes and shapes the rows.
"""

from kg.model.results import QueryResult
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
