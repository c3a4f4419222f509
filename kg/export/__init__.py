"""Bulk exports of the graph: GraphML, neo4j-admin import CSVs, a cypher-shell script, JSON Lines.

    from kg.export import export_store
    export_store("graphml", "kg.graphml")              # Gephi, yEd
    export_store("neo4j-admin", "import/")             # neo4j-admin database import full
    export_store("cypher", "kg.cypher")                # cypher-shell -f kg.cypher
    export_store("jsonl", "kg.jsonl")                  # one node or relationship per line

Every format carries the whole graph model of `kg.graph`: node labels, the
relationship types, and every property (lists stay lists where the format has
them; GraphML, which has none, gets them as JSON text). Properties, labels, rows
and Cypher text come from `kg.cypher`, as for `kg load`.

- `graphml`, `neo4j_admin`, `cypher_script`, `jsonl`: one module per format.
- `formats`: `export_graph` and `export_store`, one call for any format.
- `report`: `ExportReport`, `ExportError`, and the atomic write every format uses.
"""

from kg.export.cypher_script import cypher_script_statements
from kg.export.formats import FORMATS, export_graph, export_store
from kg.export.graphml import to_graphml_graph
from kg.export.jsonl import jsonl_records
from kg.export.neo4j_admin import ARRAY_DELIMITER, admin_import_command
from kg.export.report import ExportError, ExportReport

__all__ = [
    "ARRAY_DELIMITER",
    "FORMATS",
    "ExportError",
    "ExportReport",
    "admin_import_command",
    "cypher_script_statements",
    "export_graph",
    "export_store",
    "jsonl_records",
    "to_graphml_graph",
]
