"""kg export: GraphML, neo4j-admin CSVs, a cypher-shell script and JSON Lines, each read back and compared."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.export import (ARRAY_DELIMITER, admin_import_command, cypher_value, export_store)
from kg.graph import counts
from kg.api import open_store
from kg.store.neo4j import Neo4jStore, parse_statements, schema_statements


def _plain(value):
    """Lists as the store may hold them (shared tuples on mentions) compare equal to the lists an export reads back."""
    return list(value) if isinstance(value, tuple) else value


def _model(g: nx.MultiDiGraph) -> tuple[dict, dict]:
    """Nodes and edges as plain data, for comparing a read-back export with the store."""
    nodes = {k: ({"labels": sorted(d["__labels__"])} | {p: _plain(v) for p, v in d.items() if p != "__labels__"})
             for k, d in g.nodes(data=True)}
    edges = {(u, v, k): {p: _plain(x) for p, x in d.items() if p != "__labels__"}
             for u, v, k, d in g.edges(keys=True, data=True)}
    return nodes, edges


@pytest.fixture(scope="module")
def graph(sample_store):
    return open_store(sample_store).graph


def test_jsonl_round_trip(graph, sample_store, tmp_path):
    out = tmp_path / "kg.jsonl"
    report = export_store("jsonl", out, sample_store)
    assert (report.nodes, report.relationships) == (graph.number_of_nodes(), graph.number_of_edges())
    g = nx.MultiDiGraph()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for r in records:
        if r["type"] == "node":
            g.add_node(r["id"], __labels__=set(r["labels"]), **r["properties"])
    for r in records:
        if r["type"] == "relationship":
            assert set(r["start"]["labels"]) == g.nodes[r["start"]["id"]]["__labels__"]
            assert set(r["end"]["labels"]) == g.nodes[r["end"]["id"]]["__labels__"]
            g.add_edge(r["start"]["id"], r["end"]["id"], key=r["label"], __labels__={r["label"]}, **r["properties"])
    assert _model(g) == _model(graph)
    first_entity = next(r for r in records if r["type"] == "node" and "Entity" in r["labels"])
    assert first_entity["labels"][0] == "Entity" and len(first_entity["labels"]) == 2


def test_graphml_round_trip(graph, sample_store, tmp_path):
    out = tmp_path / "kg.graphml"
    export_store("graphml", out, sample_store)
    g = nx.read_graphml(out, force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (graph.number_of_nodes(), graph.number_of_edges())
    for key, d in graph.nodes(data=True):
        back = g.nodes[key]
        assert back["labels"] == ":" + ":".join(lbl for lbl in ("Paper", "Entity", "Method", "Model", "Dataset",
                                                               "Hardware", "Framework") if lbl in d["__labels__"])
        assert back["label"] == d.get("name", d.get("title"))
        for p, v in d.items():
            if p == "__labels__":
                continue
            assert (json.loads(back[p]) if isinstance(v, list) else back[p]) == v, (key, p)
    types = sorted(d["type"] for _, _, d in g.edges(data=True))
    assert types == sorted(k for _, _, k in graph.edges(keys=True))


def _read_admin_csv(path):
    """Parse a neo4j-admin header CSV as neo4j-admin would (types from the header, lists on U+001F)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        rec = {}
        for name, cell in zip(header, row):
            field, _, kind = name.partition(":")
            if cell == "":
                continue
            if kind.endswith("[]"):
                value = cell.split(ARRAY_DELIMITER)
            elif kind in ("long", "int"):
                value = int(cell)
            elif kind == "double":
                value = float(cell)
            elif kind == "LABEL":
                value = cell.split(ARRAY_DELIMITER)
            else:
                value = cell
            rec[field or kind.split("(")[0]] = value
        out.append(rec)
    return header, out


def test_neo4j_admin_csvs_hold_the_whole_graph(graph, sample_store, tmp_path):
    out = tmp_path / "import"
    report = export_store("neo4j-admin", out, sample_store)
    assert report.import_command == admin_import_command(out)
    assert report.import_command.startswith("neo4j-admin database import full neo4j --overwrite-destination "
                                            "--array-delimiter=U+001F --multiline-fields=true --nodes=")
    g = nx.MultiDiGraph()
    header, papers = _read_admin_csv(out / "papers.csv")
    assert header[0] == "id:ID(Paper)" and header[-1] == ":LABEL"
    for r in papers:
        labels = set(r.pop("LABEL"))
        g.add_node(f"paper:{r['id']}", __labels__=labels, **r)
    header, entities = _read_admin_csv(out / "entities.csv")
    assert header[0] == "id:ID(Entity)"
    for r in entities:
        labels = set(r.pop("LABEL"))
        g.add_node(f"entity:{r['id']}", __labels__=labels, **r)
    prefix = {"Paper": "paper:", "Entity": "entity:"}
    for rel in ("mentions", "introduces", "cites", "variant_of"):
        header, rows = _read_admin_csv(out / f"{rel}.csv")
        start_space = header[0].split("(")[1].rstrip(")")
        end_space = header[1].split("(")[1].rstrip(")")
        for r in rows:
            t = r.pop("TYPE")
            g.add_edge(prefix[start_space] + r.pop("START_ID"), prefix[end_space] + r.pop("END_ID"), key=t,
                       __labels__={t}, **r)
    nodes, edges = _model(g)
    want_nodes, want_edges = _model(graph)

    def drop_empty(d):  # neo4j-admin skips empty cells: an empty list is simply absent
        return {k: {p: v for p, v in x.items() if v != []} for k, x in d.items()}

    assert drop_empty(nodes) == drop_empty(want_nodes)
    assert drop_empty(edges) == drop_empty(want_edges)
    assert "neo4j-admin database import full" in (out / "IMPORT.txt").read_text()


def test_cypher_value_is_lossless():
    assert cypher_value("Don't \"say\" \\ \n\t\u2028é") == '"Don\'t \\"say\\" \\\\ \\n\\t\\u2028é"'
    assert cypher_value({"a b": [1, 2.5, True, None], "c": "x"}) == '{`a b`: [1, 2.5, true, null], c: "x"}'
    assert cypher_value(float("nan")) == "null"


def test_cypher_script_shape(graph, sample_store, tmp_path):
    out = tmp_path / "kg.cypher"
    export_store("cypher", out, sample_store)
    text = out.read_text(encoding="utf-8")
    statements = parse_statements(text)
    schema = schema_statements()
    assert statements[:len(schema)] == schema
    data = statements[len(schema):]
    assert data and all(s.startswith("UNWIND [") for s in data)
    assert all(line.endswith(";") for line in text.splitlines() if line and not line.startswith("//"))


def test_cypher_script_runs_on_a_bolt_server(graph_target, graph, sample_store, tmp_path):
    """Each statement of the script, as cypher-shell would send it; then the server holds the store's graph."""
    out = tmp_path / "kg.cypher"
    export_store("cypher", out, sample_store)
    statements = parse_statements(out.read_text(encoding="utf-8"))
    schema = set(schema_statements())
    with Neo4jStore(graph_target.settings()) as neo:
        for s in statements:
            if s in schema and not graph_target.is_neo4j:
                continue  # FalkorDB rejects Neo4j 5 schema syntax (measured; see test_neo4j)
            neo._write(s)
        for s in statements[len(schema):len(schema) + 2]:  # running again changes nothing (MERGE)
            assert neo._write(s)["nodes_created"] == 0
        server = neo.counts().model_dump()
        rows = neo._read("MATCH (p:Paper) RETURN p.id AS id, p.title AS title, p.abstract AS abstract, "
                         "p.sources AS sources").rows
    c = counts(open_store(sample_store).graph)
    assert server == {"nodes": c["nodes"], "relationships": c["relationships"], "labels": c["labels"],
                      "types": c["types"]}
    local = {d["id"]: d for _, d in graph.nodes(data=True) if "Paper" in d["__labels__"]}
    assert len(rows) == len(local)
    assert all((t, a, s) == (local[i]["title"], local[i]["abstract"], local[i]["sources"]) for i, t, a, s in rows)


def test_export_cli(sample_store, tmp_path):
    out = tmp_path / "x.graphml"
    result = CliRunner().invoke(cli, ["export", "--format", "graphml", "-o", str(out), "--store", str(sample_store)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("exported ") and out.exists()
    result = CliRunner().invoke(cli, ["export", "--format", "neo4j-admin", "-o", str(tmp_path / "imp"),
                                      "--store", str(sample_store)])
    assert result.exit_code == 0 and "neo4j-admin database import full" in result.output
    bad = CliRunner().invoke(cli, ["export", "--format", "jsonl", "-o", str(tmp_path / "no" / "such" / "x.jsonl"),
                                   "--store", str(sample_store)])
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and len(bad.output.strip().splitlines()) == 1
    assert "does not exist" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(cli, ["export", "--format", "jsonl", "-o", str(tmp_path / "y.jsonl"),
                                       "--store", str(tmp_path / "nope.jsonl.gz")])
    assert missing.exit_code == 1 and "no store here" in missing.output
