"""Neo4j 5 Cypher to the query database's dialect, on the syntax tree, keeping Neo4j's meaning.

The engine (LadybugDB, a Kùzu fork) reads openCypher with its own rules.
Where they differ from Neo4j's, the translator rewrites (each rule was found
by running the same query on both and comparing rows):

Graph model
- Nodes live in one table per label set: `(:Entity)` is the union of the five
  entity tables, `(:Entity:Hardware)` is the Hardware table, and a label
  conjunction no node can carry (`:Hardware:Framework`) matches nothing (the
  engine would read `:A:B` as a union). Label expressions (`:A|B`, `:!A`,
  `:%`) and `n:Label` predicates become table sets and `label(n) IN [...]`.
- A pattern no relationship table can join (a Paper with VARIANT_OF, an
  unknown label or type) matches nothing, as in Neo4j, instead of failing.
- A property no table of the variable has is null (Neo4j), not an error.
- Within one MATCH, a relationship binds at most once (Neo4j's relationship
  isomorphism); the engine allows repeats, so every pair of relationship
  patterns that could bind the same relationship gets an inequality.
  Variable-length patterns use TRAIL semantics for the same reason.
- `type(r)` is `label(r)`; `labels(n)` is built from the table;
  `shortestPath`/`allShortestPaths` are `* SHORTEST`/`* ALL SHORTEST`;
  `relationships(p)` is `rels(p)`; pattern predicates and `EXISTS {}` /
  `COUNT {}` become the engine's subqueries.

Values
- Lists index from 0 (engine: 1), negative indexes count from the end,
  out-of-range is null (engine: an error); slices are end-exclusive;
  `substring` is 0-based; `log` is the natural logarithm; `round` rounds
  half up; `toInteger` truncates; `split` keeps empty fields.
- Comparing values of different types is false / null in Neo4j; the engine
  would cast (`2023 = '2023'` is true there). Where the types are known to
  differ, the translator writes Neo4j's answer.
- `IN`, `any`, `all`, `none`, `single` keep Neo4j's three-valued answers
  when a list holds nulls or is empty.
- Integers stay integers: a CASE, coalesce or list mixing integers and
  floats is refused (the engine would make them all one type).

Anything else the engine cannot do with Neo4j's meaning is refused with one
line naming the construct (see `kg.query.refusal.unsupported`). Names in the
emitted text are generated (`v0`, `c1`, `s2` ...) and every string literal
travels as a parameter, so no user text is ever spliced into a statement.

One module per job, each translator class built on the one before:
`state` (names, parameters, scope, label tables), `values`, `operators`,
`lists` (the expressions), `patterns` (MATCH patterns), `subqueries`
(EXISTS, COUNT, CALL db.labels()), `projection` (WITH, RETURN) and
`translator` (the clauses, and `translate`).
"""

from kg.query.translate.translator import Translation, translate

__all__ = ["Translation", "translate"]
