"""Header CSVs for `neo4j-admin database import full`: one file per node kind, one per relationship type."""

from __future__ import annotations

import csv
import json
import os
import shlex
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.cypher.rows import graph_rows
from kg.cypher.statements import ENTITY_TYPE_LABELS, REL_ENDPOINTS
from kg.export.report import ExportError, ExportReport, write_export
from kg.model.schema import Label, Properties, Rel

ARRAY_DELIMITER = "\x1f"  # U+001F (unit separator): never in kg's text, unlike ';'
ARRAY_DELIMITER_OPTION = "U+001F"  # ARRAY_DELIMITER as neo4j-admin's --array-delimiter option spells it

_NODE_FILES = {Label.PAPER: "papers.csv", Label.ENTITY: "entities.csv"}
_REL_FILES = {r: f"{r.value.lower()}.csv" for r in Rel}


def _csv_type(values: list[Any]) -> str:
    """A column's neo4j-admin type from its values: string[], boolean, long, double, or string when mixed."""
    present = [v for v in values if v is not None]
    if not present:
        return "string"
    if all(isinstance(v, list) for v in present):
        return "string[]"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "long"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "double"
    return "string"


def _csv_cell(value: Any, kind: str, where: str) -> str:
    """A value as a cell of a column of type `kind`; `where` names the element in the error a list item can cause."""
    if value is None:
        return ""
    if kind == "string[]":
        items = [str(x) for x in value]
        for item in items:
            if ARRAY_DELIMITER in item:
                raise ExportError(
                    f"{where}: a list item contains U+001F, the array delimiter; remove it from the input and rebuild"
                )
        return ARRAY_DELIMITER.join(items)
    if kind == "boolean":
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _property_columns(rows: list[Properties]) -> list[tuple[str, str]]:
    """(name, type) of every property in `rows` but `id`, in first-seen order."""
    keys: list[str] = []
    for r in rows:
        for k in r["props"]:
            if k != "id" and k not in keys:
                keys.append(k)
    return [(k, _csv_type([r["props"].get(k) for r in rows])) for k in keys]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    def write(f: IO[str]) -> None:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)

    write_export(path, write, newline="")


def admin_import_command(
    directory: str | os.PathLike[str], database: str = "neo4j", files: dict[str, list[str]] | None = None
) -> str:
    """The `neo4j-admin database import full` command for an export directory."""
    d = Path(directory)
    files = files or {
        "nodes": [_NODE_FILES[Label.PAPER], _NODE_FILES[Label.ENTITY]],
        "relationships": [_REL_FILES[r] for r in Rel],
    }
    parts = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        database,
        "--overwrite-destination",
        f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
        "--multiline-fields=true",
    ]
    parts += [f"--nodes={shlex.quote(str(d / name))}" for name in files["nodes"]]
    parts += [f"--relationships={shlex.quote(str(d / name))}" for name in files["relationships"]]
    return " ".join(parts)


def export_neo4j_admin(g: nx.MultiDiGraph, directory: str | os.PathLike[str]) -> ExportReport:
    """Header CSVs for `neo4j-admin database import full`: one file per node kind, one per relationship type.

    ID spaces `Paper` and `Entity` keep paper and entity ids apart; `:LABEL` carries `Entity` and the type,
    joined by the array delimiter (U+001F), as neo4j-admin expects for several labels."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory}: exists and is not a directory; neo4j-admin export writes a directory of CSVs")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"{directory}: cannot create the export directory ({exc.strerror}); choose another -o"
        ) from None
    nodes, rels = graph_rows(g)
    written: list[str] = []

    papers = nodes[Label.PAPER.value]
    entities = [dict(r, label=t.value) for t in ENTITY_TYPE_LABELS for r in nodes[t.value]]
    entities.sort(key=lambda r: r["id"])
    for label, rows in ((Label.PAPER, papers), (Label.ENTITY, entities)):
        columns = _property_columns(rows)
        header = [f"id:ID({label.value})"] + [f"{k}:{t}" for k, t in columns] + [":LABEL"]
        body = []
        for r in rows:
            labels = [label.value] + ([r["label"]] if label is Label.ENTITY else [])
            body.append(
                [r["id"]]
                + [_csv_cell(r["props"].get(k), t, f"node {r['id']}.{k}") for k, t in columns]
                + [ARRAY_DELIMITER.join(labels)]
            )
        path = directory / _NODE_FILES[label]
        _write_csv(path, header, body)
        written.append(str(path))

    for rel in Rel:
        rows = rels[rel.value]
        start, end = REL_ENDPOINTS[rel]
        columns = _property_columns(rows)
        header = [f":START_ID({start.value})", f":END_ID({end.value})"] + [f"{k}:{t}" for k, t in columns] + [":TYPE"]
        body = [
            [r["start"], r["end"]]
            + [_csv_cell(r["props"].get(k), t, f"{rel.value} {r['start']}->{r['end']}.{k}") for k, t in columns]
            + [rel.value]
            for r in rows
        ]
        path = directory / _REL_FILES[rel]
        _write_csv(path, header, body)
        written.append(str(path))

    command = admin_import_command(directory)
    readme = directory / "IMPORT.txt"
    write_export(
        readme,
        lambda f: f.write(
            "Import into an empty (or to-be-replaced) database with the server stopped:\n\n"
            f"{command}\n\nthen start Neo4j and apply cypher/schema.cypher (kg load applies it too).\n"
        ),
    )
    written.append(str(readme))
    return ExportReport(
        format="neo4j-admin",
        path=str(directory),
        files=written,
        nodes=g.number_of_nodes(),
        relationships=g.number_of_edges(),
        import_command=command,
    )
