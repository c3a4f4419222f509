"""Cypher as kg writes and reads it, in one place, below the stores that send it.

- `lexer`: Cypher tokens (Neo4j 5's lexical rules), for the query parser and the checks below.
- `clauses`: what a query text does: its write clause (refused), its `$parameters`.
- `statements`: the load and count statements for Neo4j, built from the graph model's enums only.
- `rows`: the graph as `UNWIND $rows` rows, for `kg load` and the exports.
- `codec`: property values and node labels as the databases hold them (Neo4j, the query database, the exports).
- `literals`: values as Cypher literals, and load statements with their rows inlined (the export's script).
- `scripts`: the `cypher/` folder (schema, named queries) and splitting a script into statements.
"""
