"""A script for `cypher-shell -f`: the schema, then kg load's own MERGE statements with their rows as literals."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import networkx as nx

from kg.cypher.literals import script_statement
from kg.cypher.rows import graph_rows
from kg.cypher.scripts import schema_statements
from kg.cypher.statements import NODE_STATEMENTS, REL_STATEMENTS
from kg.export.report import ExportReport, write_export

SCRIPT_BATCH = 200  # rows per UNWIND statement in the script


def cypher_script_statements(g: nx.MultiDiGraph, batch: int = SCRIPT_BATCH, *, schema: bool = True) -> Iterator[str]:
    """The statements of the export script, in order: schema, nodes, relationships."""
    if schema:
        yield from schema_statements()
    nodes, rels = graph_rows(g)
    for label, template in NODE_STATEMENTS.items():
        rows = nodes[label.value]
        for i in range(0, len(rows), batch):
            yield script_statement(template, rows[i : i + batch])
    for rel, template in REL_STATEMENTS.items():
        rows = rels[rel.value]
        for i in range(0, len(rows), batch):
            yield script_statement(template, rows[i : i + batch])


def export_cypher(g: nx.MultiDiGraph, path: str | os.PathLike[str], *, batch: int = SCRIPT_BATCH) -> ExportReport:
    """A script for `cypher-shell -f PATH`: the schema, then idempotent MERGE statements (safe to run twice)."""
    path = Path(path)

    def write(f: IO[str]) -> None:
        f.write(
            "// kg graph export: run with  cypher-shell -a URI -u USER -d DATABASE -f "
            f"{path.name}\n// Idempotent: MERGE on ids, so running it twice changes nothing.\n"
        )
        for statement in cypher_script_statements(g, batch):
            f.write(statement + ";\n")

    write_export(path, write)
    return ExportReport(
        format="cypher", path=str(path), files=[str(path)], nodes=g.number_of_nodes(), relationships=g.number_of_edges()
    )
