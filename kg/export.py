"""Bulk exports of the graph: GraphML, neo4j-admin import CSVs, a cypher-shell script, JSON Lines.

    from kg.export import export_store
    export_store("graphml", "kg.graphml")              # Gephi, yEd
    export_store("neo4j-admin", "import/")             # neo4j-admin database import full
    export_store("cypher", "kg.cypher")                # cypher-shell -f kg.cypher
    export_store("jsonl", "kg.jsonl")                  # one node or relationship per line

Every format carries the whole graph model of `kg.graph`: node labels, the
relationship types, and every property (lists stay lists where the format has
them; GraphML, which has none, gets them as JSON text).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from kg.cypher.rows import graph_rows
from kg.cypher.scripts import schema_statements
from kg.cypher.statements import ENTITY_TYPE_LABELS, NODE_STATEMENTS, REL_ENDPOINTS, REL_STATEMENTS
from kg.model.errors import KGError, StoreError
from kg.model.files import write_atomic
from kg.model.types import Label, Rel, Strict

FORMATS = ("graphml", "neo4j-admin", "cypher", "jsonl")

ARRAY_DELIMITER = "\x1f"          # U+001F (unit separator): never in kg's text, unlike ';'
ARRAY_DELIMITER_OPTION = "U+001F"
SCRIPT_BATCH = 200                # rows per UNWIND statement in the Cypher script


class ExportError(KGError):
    """An export that cannot be written."""


class ExportReport(Strict):
    format: str
    path: str
    files: list[str]
    nodes: int
    relationships: int
    import_command: str | None = None


# --------------------------------------------------------------------------- helpers

def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _props(data: dict) -> dict:
    return {k: _plain(v) for k, v in data.items() if k != "__labels__" and v is not None}


def _labels(data: dict) -> list[str]:
    """Node labels in model order: Paper, or Entity then its type."""
    have = set(data.get("__labels__", ()))
    return [lbl.value for lbl in Label if lbl.value in have]


def _write_atomic(path: Path, write: Callable[[object], None], *, newline: str | None = None) -> None:
    write_atomic(path, write, error=ExportError, option="-o", newline=newline)


# --------------------------------------------------------------------------- GraphML

def _graphml_value(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_graphml_graph(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy GraphML can hold: scalar attributes only, `labels` and `label` on nodes, `type` on edges."""
    out = nx.MultiDiGraph()
    for key, data in g.nodes(data=True):
        attrs = {k: v for k, v in ((k, _graphml_value(v)) for k, v in _props(data).items()) if v is not None}
        labels = _labels(data)
        attrs["labels"] = ":" + ":".join(labels)
        attrs["label"] = str(data.get("name") or data.get("title") or key)
        out.add_node(key, **attrs)
    for u, v, k, data in g.edges(keys=True, data=True):
        attrs = {kk: vv for kk, vv in ((kk, _graphml_value(vv)) for kk, vv in _props(data).items()) if vv is not None}
        attrs["type"] = k
        out.add_edge(u, v, key=k, **attrs)
    return out


def export_graphml(g: nx.MultiDiGraph, path: str | os.PathLike) -> ExportReport:
    path = Path(path)
    h = to_graphml_graph(g)

    def write(f):
        for line in nx.generate_graphml(h, encoding="utf-8", prettyprint=True):
            f.write(line + "\n")

    _write_atomic(path, write)
    return ExportReport(format="graphml", path=str(path), files=[str(path)], nodes=g.number_of_nodes(),
                        relationships=g.number_of_edges())


# --------------------------------------------------------------------------- neo4j-admin CSV

_NODE_FILES = {Label.PAPER: "papers.csv", Label.ENTITY: "entities.csv"}
_REL_FILES = {r: f"{r.value.lower()}.csv" for r in Rel}


def _csv_type(values: list) -> str:
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


def _csv_cell(value, kind: str, where: str) -> str:
    if value is None:
        return ""
    if kind == "string[]":
        items = [str(x) for x in value]
        for item in items:
            if ARRAY_DELIMITER in item:
                raise ExportError(f"{where}: a list item contains U+001F, the array delimiter; "
                                  "remove it from the input and rebuild")
        return ARRAY_DELIMITER.join(items)
    if kind == "boolean":
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _property_columns(rows: list[dict]) -> list[tuple[str, str]]:
    keys: list[str] = []
    for r in rows:
        for k in r["props"]:
            if k != "id" and k not in keys:
                keys.append(k)
    return [(k, _csv_type([r["props"].get(k) for r in rows])) for k in keys]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    def write(f):
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)

    _write_atomic(path, write, newline="")


def admin_import_command(directory: str | os.PathLike, database: str = "neo4j",
                         files: dict[str, list[str]] | None = None) -> str:
    """The `neo4j-admin database import full` command for an export directory."""
    d = Path(directory)
    files = files or {"nodes": [_NODE_FILES[Label.PAPER], _NODE_FILES[Label.ENTITY]],
                      "relationships": [_REL_FILES[r] for r in Rel]}
    parts = ["neo4j-admin", "database", "import", "full", database, "--overwrite-destination",
             f"--array-delimiter={ARRAY_DELIMITER_OPTION}", "--multiline-fields=true"]
    parts += [f"--nodes={shlex.quote(str(d / name))}" for name in files["nodes"]]
    parts += [f"--relationships={shlex.quote(str(d / name))}" for name in files["relationships"]]
    return " ".join(parts)


def export_neo4j_admin(g: nx.MultiDiGraph, directory: str | os.PathLike) -> ExportReport:
    """Header CSVs for `neo4j-admin database import full`: one file per node kind, one per relationship type.

    ID spaces `Paper` and `Entity` keep paper and entity ids apart; `:LABEL` carries `Entity` and the type,
    joined by the array delimiter (U+001F), as neo4j-admin expects for several labels."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory}: exists and is not a directory; neo4j-admin export writes a directory of CSVs")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{directory}: cannot create the export directory ({exc.strerror}); "
                          "choose another -o") from None
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
            body.append([r["id"]] + [_csv_cell(r["props"].get(k), t, f"node {r['id']}.{k}") for k, t in columns]
                        + [ARRAY_DELIMITER.join(labels)])
        path = directory / _NODE_FILES[label]
        _write_csv(path, header, body)
        written.append(str(path))

    for rel in Rel:
        rows = rels[rel.value]
        start, end = REL_ENDPOINTS[rel]
        columns = _property_columns(rows)
        header = ([f":START_ID({start.value})", f":END_ID({end.value})"] + [f"{k}:{t}" for k, t in columns]
                  + [":TYPE"])
        body = [[r["start"], r["end"]]
                + [_csv_cell(r["props"].get(k), t, f"{rel.value} {r['start']}->{r['end']}.{k}") for k, t in columns]
                + [rel.value] for r in rows]
        path = directory / _REL_FILES[rel]
        _write_csv(path, header, body)
        written.append(str(path))

    command = admin_import_command(directory)
    readme = directory / "IMPORT.txt"
    _write_atomic(readme, lambda f: f.write(
        "Import into an empty (or to-be-replaced) database with the server stopped:\n\n"
        f"{command}\n\nthen start Neo4j and apply cypher/schema.cypher (kg load applies it too).\n"))
    written.append(str(readme))
    return ExportReport(format="neo4j-admin", path=str(directory), files=written, nodes=g.number_of_nodes(),
                        relationships=g.number_of_edges(), import_command=command)


# --------------------------------------------------------------------------- Cypher script

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def cypher_value(value) -> str:
    """A value as a lossless Cypher literal (for the export script only; kg's own queries use parameters)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        return repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(cypher_value(v) for v in items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_cypher_key(k)}: {cypher_value(v)}" for k, v in value.items()) + "}"
    return _cypher_string(str(value))


def _cypher_key(key: str) -> str:
    if _IDENT.match(key):
        return key
    return "`" + key.replace("`", "``") + "`"


def _cypher_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def script_statement(template: str, rows: list[dict]) -> str:
    """A load statement with its `$rows` replaced by a literal list (templates come from kg.store.neo4j)."""
    assert template.startswith("UNWIND $rows AS row ")
    return "UNWIND " + cypher_value(rows) + " AS row " + template[len("UNWIND $rows AS row "):]


def cypher_script_statements(g: nx.MultiDiGraph, batch: int = SCRIPT_BATCH, *, schema: bool = True):
    """The statements of the export script, in order: schema, nodes, relationships."""
    if schema:
        yield from schema_statements()
    nodes, rels = graph_rows(g)
    for label, template in NODE_STATEMENTS.items():
        rows = nodes[label.value]
        for i in range(0, len(rows), batch):
            yield script_statement(template, rows[i:i + batch])
    for rel, template in REL_STATEMENTS.items():
        rows = rels[rel.value]
        for i in range(0, len(rows), batch):
            yield script_statement(template, rows[i:i + batch])


def export_cypher(g: nx.MultiDiGraph, path: str | os.PathLike, *, batch: int = SCRIPT_BATCH) -> ExportReport:
    """A script for `cypher-shell -f PATH`: the schema, then idempotent MERGE statements (safe to run twice)."""
    path = Path(path)

    def write(f):
        f.write("// kg graph export: run with  cypher-shell -a URI -u USER -d DATABASE -f "
                f"{path.name}\n// Idempotent: MERGE on ids, so running it twice changes nothing.\n")
        for statement in cypher_script_statements(g, batch):
            f.write(statement + ";\n")

    _write_atomic(path, write)
    return ExportReport(format="cypher", path=str(path), files=[str(path)], nodes=g.number_of_nodes(),
                        relationships=g.number_of_edges())


# --------------------------------------------------------------------------- JSON Lines

def jsonl_records(g: nx.MultiDiGraph):
    """APOC-style records: {"type": "node", "id", "labels", "properties"} and
    {"type": "relationship", "label", "start": {"id", "labels"}, "end": {...}, "properties"}."""
    for key, data in g.nodes(data=True):
        yield {"type": "node", "id": key, "labels": _labels(data), "properties": _props(data)}
    for u, v, k, data in g.edges(keys=True, data=True):
        yield {"type": "relationship", "label": k,
               "start": {"id": u, "labels": _labels(g.nodes[u])},
               "end": {"id": v, "labels": _labels(g.nodes[v])},
               "properties": _props(data)}


def export_jsonl(g: nx.MultiDiGraph, path: str | os.PathLike) -> ExportReport:
    path = Path(path)

    def write(f):
        for record in jsonl_records(g):
            f.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")

    _write_atomic(path, write)
    return ExportReport(format="jsonl", path=str(path), files=[str(path)], nodes=g.number_of_nodes(),
                        relationships=g.number_of_edges())


# --------------------------------------------------------------------------- one call

_EXPORTERS = {"graphml": export_graphml, "neo4j-admin": export_neo4j_admin, "cypher": export_cypher,
              "jsonl": export_jsonl}


def export_graph(g: nx.MultiDiGraph, fmt: str, path: str | os.PathLike) -> ExportReport:
    if fmt not in _EXPORTERS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        return _EXPORTERS[fmt](g, path)
    except (StoreError, ExportError, BrokenPipeError):  # a closed pipe: the CLI exits quietly
        raise
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the export ({exc.strerror or exc}); "
                          "check the path and free space") from None


def export_store(fmt: str, path: str | os.PathLike, store: str | os.PathLike | None = None, *,
                 freeze: bool = False) -> ExportReport:
    """`kg export`: write the local store (default $KG_STORE) in `fmt` to `path`; `freeze` is `load_graph`'s."""
    from kg.store import LocalStore

    return export_graph(LocalStore.open(store, freeze=freeze).graph, fmt, path)


__all__ = ["FORMATS", "ExportError", "ExportReport", "export_graph", "export_store", "admin_import_command",
           "cypher_value", "cypher_script_statements", "to_graphml_graph", "jsonl_records"]
