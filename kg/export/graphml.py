"""GraphML (Gephi, yEd): scalar attributes only, so lists and maps travel as JSON text."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

import networkx as nx

from kg.cypher.codec import node_labels, properties
from kg.export.report import ExportReport, write_export


def graphml_value(value: object) -> object:
    """A property value as GraphML holds it: lists and maps as JSON text, scalars as they are."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def to_graphml_graph(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy GraphML can hold: scalar attributes only, `labels` and `label` on nodes, `type` on edges."""
    out = nx.MultiDiGraph()
    for key, data in g.nodes(data=True):
        attrs = {k: graphml_value(v) for k, v in properties(data).items()}
        attrs["labels"] = ":" + ":".join(node_labels(data))
        attrs["label"] = str(data.get("name") or data.get("title") or key)
        out.add_node(key, **attrs)
    for u, v, k, data in g.edges(keys=True, data=True):
        attrs = {kk: graphml_value(vv) for kk, vv in properties(data).items()}
        attrs["type"] = k
        out.add_edge(u, v, key=k, **attrs)
    return out


def export_graphml(g: nx.MultiDiGraph, path: str | os.PathLike[str]) -> ExportReport:
    path = Path(path)
    h = to_graphml_graph(g)

    def write(f: IO[str]) -> None:
        for line in nx.generate_graphml(h, encoding="utf-8", prettyprint=True):
            f.write(line + "\n")

    write_export(path, write)
    return ExportReport(
        format="graphml",
        path=str(path),
        files=[str(path)],
        nodes=g.number_of_nodes(),
        relationships=g.number_of_edges(),
    )
