"""JSON Lines: one node or relationship per line, in APOC's export shape."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.cypher.codec import node_labels, properties
from kg.export.report import ExportReport, write_export


def jsonl_records(g: nx.MultiDiGraph) -> Iterator[dict[str, Any]]:
    """APOC-style records: {"type": "node", "id", "labels", "properties"} and
    {"type": "relationship", "label", "start": {"id", "labels"}, "end": {...}, "properties"}."""
    for key, data in g.nodes(data=True):
        yield {"type": "node", "id": key, "labels": node_labels(data), "properties": properties(data)}
    for u, v, k, data in g.edges(keys=True, data=True):
        yield {
            "type": "relationship",
            "label": k,
            "start": {"id": u, "labels": node_labels(g.nodes[u])},
            "end": {"id": v, "labels": node_labels(g.nodes[v])},
            "properties": properties(data),
        }


def export_jsonl(g: nx.MultiDiGraph, path: str | os.PathLike[str]) -> ExportReport:
    path = Path(path)

    def write(f: IO[str]) -> None:
        for record in jsonl_records(g):
            f.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")

    write_export(path, write)
    return ExportReport(
        format="jsonl", path=str(path), files=[str(path)], nodes=g.number_of_nodes(), relationships=g.number_of_edges()
    )
