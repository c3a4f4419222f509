"""Neo4j 5 functions on the query database: each one mapped to the engine with Neo4j's meaning, or refused.

A function not in `dispatch.FUNCTIONS` is refused with its name (README: Cypher on
the local store). Each entry takes the translated arguments and returns the
engine text and the static type of the result; types decide where Neo4j and
the engine differ (`reverse` of a string or a list, `toString` of a boolean).

One module per family: `strings`, `conversions`, `numbers`, `lists`, `graph`;
`dispatch` finds a call's handler (aggregates are there), `arguments` holds
what the handlers share.
"""

from kg.query.functions.dispatch import AGGREGATES, FUNCTIONS, call

__all__ = ["AGGREGATES", "FUNCTIONS", "call"]
