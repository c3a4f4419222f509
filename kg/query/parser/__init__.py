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

One module per layer of the grammar, each a class over the one below:
`stream` (tokens and the helpers every rule uses), `patterns` (path
patterns and label expressions), `atoms` (literals, names, calls, CASE,
lists, maps, quantifiers, subqueries), `expressions` (operators by
precedence), `statements` (queries and clauses, and `parse`).
"""

from kg.query.parser.statements import parse

__all__ = ["parse"]
