"""kg export: GraphML, neo4j-admin CSVs, a cypher-shell script and JSON Lines, each read back and compared.

On a real Neo4j (marker neo4j, see tests/conftest.py): the Cypher script is run statement by statement, and
the neo4j-admin CSVs go through Neo4j's own bulk importer (the sample graph, and 100,000 synthetic papers in
a slow test), then the served graph is compared with the store and `kg stats`.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import Neo4jTarget, neo4j_contents, set_years, store_contents

from kg.api import open_store
from kg.cli import cli
from kg.cypher.literals import cypher_value
from kg.cypher.scripts import parse_statements, schema_statements
from kg.export import ARRAY_DELIMITER, FORMATS, admin_import_command, export_graph, export_store
from kg.query import named_queries
from kg.store.neo4j import Neo4jStore
from kg.store.neo4j_reports import LoadReport


def _plain(value):
    """Lists as the store may hold them (shared tuples on mentions) compare equal to the lists an export reads back."""
    return list(value) if isinstance(value, tuple) else value


def _model(g: nx.MultiDiGraph) -> tuple[dict, dict]:
    """Nodes and edges as plain data, for comparing a read-back export with the store."""
    nodes = {
        k: ({"labels": sorted(d["__labels__"])} | {p: _plain(v) for p, v in d.items() if p != "__labels__"})
        for k, d in g.nodes(data=True)
    }
    edges = {
        (u, v, k): {p: _plain(x) for p, x in d.items() if p != "__labels__"}
        for u, v, k, d in g.edges(keys=True, data=True)
    }
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
        assert back["labels"] == ":" + ":".join(
            lbl
            for lbl in ("Paper", "Entity", "Method", "Model", "Dataset", "Hardware", "Framework")
            if lbl in d["__labels__"]
        )
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
    assert report.import_command.startswith(
        "neo4j-admin database import full neo4j --overwrite-destination "
        "--array-delimiter=U+001F --multiline-fields=true --nodes="
    )
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
            g.add_edge(
                prefix[start_space] + r.pop("START_ID"), prefix[end_space] + r.pop("END_ID"), key=t, __labels__={t}, **r
            )
    nodes, edges = _model(g)
    want_nodes, want_edges = _model(graph)

    def drop_empty(d):  # neo4j-admin skips empty cells: an empty list is simply absent
        return {k: {p: v for p, v in x.items() if v != []} for k, x in d.items()}

    assert drop_empty(nodes) == drop_empty(want_nodes)
    assert drop_empty(edges) == drop_empty(want_edges)
    assert "neo4j-admin database import full" in (out / "IMPORT.txt").read_text()


ADMIN_EXPECTED = Path(__file__).parent / "data" / "neo4j_admin"
"""`admin_fixture_graph` exported by kg's earlier, in-memory neo4j-admin exporter (61b8e3f): the files the streamed
export must write byte for byte."""
ADMIN_CSVS = ("papers.csv", "entities.csv", "mentions.csv", "introduces.csv", "cites.csv", "variant_of.csv")


def admin_fixture_graph() -> nx.MultiDiGraph:
    """A small graph in an order that is not the export's (ids and relationships out of order; a property first
    held by a row that sorts late; two entities of one id), with every column type: long, double (ints and
    floats), boolean, string[] (with ';' and an empty list), string (text with a quote, a comma and a newline; a
    column mixing ints and strings), entities of four types."""
    g = nx.MultiDiGraph()

    def entity(t: str) -> set[str]:
        return {"Entity", t}

    def rel(u: str, v: str, k: str, **props) -> None:
        g.add_edge(u, v, key=k, __labels__={k}, **props)

    g.add_node("paper:p3", __labels__={"Paper"}, id="p3", title='Third, "quoted"\nline', note="only p3", score=2)
    g.add_node("paper:p1", __labels__={"Paper"}, id="p1", title="First", score=0.5, flag=True, mixed=1, tags=["a;b"])
    g.add_node("paper:p2", __labels__={"Paper"}, id="p2", title="Second", year=2021, flag=False, mixed="2", tags=[])
    g.add_node("entity:zeta", __labels__=entity("Method"), id="zeta", name="Zeta", type="Method", aliases=["Z"])
    g.add_node("entity:alpha", __labels__=entity("Hardware"), id="alpha", name="Alpha", type="Hardware", aliases=[])
    g.add_node("entity:mid", __labels__=entity("Dataset"), id="mid", name="Mid", type="Dataset", description="a, b")
    # two entities with one id (the Python API allows it): the earlier exporter kept them in type order
    g.add_node("entity:twin-model", __labels__=entity("Model"), id="twin", name="Twin", type="Model")
    g.add_node("entity:twin-method", __labels__=entity("Method"), id="twin", name="Twin", type="Method")
    rel("paper:p3", "entity:alpha", "MENTIONS", confidence=0.9, surfaces=["Alpha"], count=2)
    rel("paper:p1", "entity:zeta", "MENTIONS", confidence=1, surfaces=["Zeta", "Z"])
    rel("paper:p1", "entity:alpha", "MENTIONS", confidence=0.7, rules=["acronym"])
    rel("paper:p2", "entity:mid", "INTRODUCES", evidence="We introduce Mid.")
    rel("paper:p3", "paper:p1", "CITES")
    rel("paper:p2", "paper:p1", "CITES", context="see p1")
    rel("entity:zeta", "entity:alpha", "VARIANT_OF", relation="family")
    return g


@pytest.fixture
def forced_spills(monkeypatch):
    """The neo4j-admin export with a tiny memory budget (a few rows): rows go to run files, runs are merged two
    at a time, and some rows are still held when the runs are merged, so the whole sort on disk runs on small
    inputs. Returns the list of tables spilled, one entry a spill."""
    from kg.export import neo4j_admin

    spilled: list[str] = []
    spill = neo4j_admin._Table.spill

    def counting(self, workdir):
        spilled.append(self.name)
        return spill(self, workdir)

    monkeypatch.setattr(neo4j_admin, "SPILL_BYTES", 1200)
    monkeypatch.setattr(neo4j_admin, "MERGE_FAN_IN", 2)
    monkeypatch.setattr(neo4j_admin._Table, "spill", counting)
    return spilled


def _same_bytes(directory: Path, expected: Path) -> dict[str, bool]:
    return {name: (directory / name).read_bytes() == (expected / name).read_bytes() for name in ADMIN_CSVS}


@pytest.mark.parametrize("spill", [False, True], ids=["in-memory", "spilled"])
def test_neo4j_admin_export_is_byte_for_byte_the_earlier_one(tmp_path, request, spill):
    """The streamed export of a store and the export of the same graph in memory both write exactly the files
    kg's earlier exporter wrote (checked in): row order, column order, column types, quoting."""
    from kg.store import save_graph

    spilled = request.getfixturevalue("forced_spills") if spill else None
    g = admin_fixture_graph()
    store = tmp_path / "fixture.jsonl.gz"
    save_graph(g, store)
    streamed = export_store("neo4j-admin", tmp_path / "streamed", store)
    in_memory = export_graph(g, "neo4j-admin", tmp_path / "in-memory")
    assert (streamed.nodes, streamed.relationships) == (in_memory.nodes, in_memory.relationships) == (8, 7)
    assert _same_bytes(tmp_path / "streamed", ADMIN_EXPECTED) == dict.fromkeys(ADMIN_CSVS, True)
    assert _same_bytes(tmp_path / "in-memory", ADMIN_EXPECTED) == dict.fromkeys(ADMIN_CSVS, True)
    if spill:
        assert set(spilled) >= {"papers", "entities", "mentions"}
    for out in ("streamed", "in-memory"):  # the run files are gone
        assert sorted(p.name for p in (tmp_path / out).iterdir()) == sorted([*ADMIN_CSVS, "IMPORT.txt"])


@pytest.mark.parametrize("spill", [False, True], ids=["in-memory", "spilled"])
def test_streamed_neo4j_admin_export_of_the_sample_is_the_in_memory_one(sample_store, tmp_path, request, spill):
    """`kg export --format neo4j-admin` reads the store as a stream; its files are the in-memory export's of the
    loaded graph, byte for byte, whether its rows stay in memory or are sorted through run files."""
    spilled = request.getfixturevalue("forced_spills") if spill else None
    export_graph(open_store(sample_store).graph, "neo4j-admin", tmp_path / "in-memory")
    result = CliRunner().invoke(
        cli, ["export", "--format", "neo4j-admin", "-o", str(tmp_path / "streamed"), "--store", str(sample_store)]
    )
    assert result.exit_code == 0, result.output
    assert _same_bytes(tmp_path / "streamed", tmp_path / "in-memory") == dict.fromkeys(ADMIN_CSVS, True)
    if spill:
        assert len(spilled) > 100
    assert sorted(p.name for p in (tmp_path / "streamed").iterdir()) == sorted([*ADMIN_CSVS, "IMPORT.txt"])


def test_streamed_neo4j_admin_export_of_a_truncated_store_writes_nothing(tmp_path):
    """The store's end marker is checked before any CSV is written: a truncated store is one line, no files."""
    import gzip

    from kg.store import save_graph

    store = tmp_path / "cut.jsonl.gz"
    save_graph(admin_fixture_graph(), store)
    lines = gzip.decompress(store.read_bytes()).splitlines(keepends=True)
    store.write_bytes(gzip.compress(b"".join(lines[:-1])))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", "--format", "neo4j-admin", "-o", str(out), "--store", str(store)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {store}: store is truncated or corrupt")
    assert not out.exists() or list(out.iterdir()) == []


def test_cypher_value_is_lossless():
    assert cypher_value('Don\'t "say" \\ \n\t\u2028é') == '"Don\'t \\"say\\" \\\\ \\n\\t\\u2028é"'
    assert cypher_value({"a b": [1, 2.5, True, None], "c": "x"}) == '{`a b`: [1, 2.5, true, null], c: "x"}'
    assert cypher_value(float("nan")) == "null"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_non_finite_float_is_left_out_in_every_format(tmp_path, fmt):
    """JSON and Neo4j hold no NaN: every format leaves the property out, as kg load does (JSON Lines used to
    stop with a bare ValueError)."""
    g = nx.MultiDiGraph()
    g.add_node("paper:p1", __labels__={"Paper"}, id="p1", title="Kept", score=float("nan"))
    out = tmp_path / "out"
    export_graph(g, fmt, out)
    text = "".join(p.read_text(encoding="utf-8") for p in ([out] if out.is_file() else sorted(out.iterdir())))
    assert "Kept" in text and "score" not in text


def test_cypher_script_shape(graph, sample_store, tmp_path):
    out = tmp_path / "kg.cypher"
    export_store("cypher", out, sample_store)
    text = out.read_text(encoding="utf-8")
    statements = parse_statements(text)
    schema = schema_statements()
    assert statements[: len(schema)] == schema
    data = statements[len(schema) :]
    assert data and all(s.startswith("UNWIND [") for s in data)
    assert all(line.endswith(";") for line in text.splitlines() if line and not line.startswith("//"))


NASTY = 'Don\'t "quote" me \\ C:\\new */ // $x {y} `z` \n\t\r\u2028 é 中文 😀 \x00 end'


def test_cypher_script_runs_on_neo4j(neo4j_db, graph, tmp_path):
    """Each statement of the script, as cypher-shell would send it; then Neo4j holds exactly the graph (and
    the schema), and running data statements again creates nothing. The graph: every 8th paper of the sample,
    what it links to, one title holding every character a literal must escape. (Neo4j takes over a second to
    plan each statement of 200 literal rows: the whole sample graph would take 30 s.)"""
    papers = sorted(k for k, d in graph.nodes(data=True) if "Paper" in d["__labels__"])[::8]
    g = graph.subgraph(set(papers) | {v for p in papers for v in graph.successors(p)}).copy()
    g.nodes[papers[0]]["title"] = NASTY
    assert g.number_of_edges() > 200 and {k for _, _, k in g.edges(keys=True)} == {
        "MENTIONS",
        "INTRODUCES",
        "CITES",
        "VARIANT_OF",
    }
    out = tmp_path / "kg.cypher"
    export_graph(g, "cypher", out)
    statements = parse_statements(out.read_text(encoding="utf-8"))
    data = statements[len(schema_statements()) :]
    with Neo4jStore(neo4j_db.settings()) as neo:
        for s in statements:
            neo._write(s)
        again = [neo._write(s) for s in (data[0], data[-1])]  # a Paper batch and a relationship batch
    assert data[0].endswith("MERGE (n:Paper {id: row.id}) SET n += row.props") and "MERGE (a)-[r:" in data[-1]
    assert [(c["nodes_created"], c["relationships_created"]) for c in again] == [(0, 0), (0, 0)]
    assert neo4j_contents(neo4j_db) == store_contents(g)
    assert {"paper_id", "entity_id"} <= {r["name"] for r in neo4j_db.read("SHOW CONSTRAINTS YIELD name")}


def test_export_refuses_an_int_neo4j_cannot_hold(tmp_path):
    """neo4j-admin and cypher exports hold only what Neo4j can: a year beyond 64 bits is one clear line."""
    import kg

    source = tmp_path / "far.jsonl"
    source.write_text(json.dumps({"title": "Far future", "abstract": "On A100s.", "year": 2024}) + "\n")
    store = tmp_path / "far.jsonl.gz"
    kg.build([source], store=store)
    set_years(store, 10**20)  # reading refuses such a year now; a store from the Python API may still hold one
    for fmt, out in (("neo4j-admin", tmp_path / "admin"), ("cypher", tmp_path / "far.cypher")):
        result = CliRunner().invoke(cli, ["export", "--format", fmt, "-o", str(out), "--store", str(store)])
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: node paper:"), result.output
        assert f"property 'year': {10**20} does not fit a 64-bit integer" in lines[0]


def test_export_cli(sample_store, tmp_path):
    out = tmp_path / "x.graphml"
    result = CliRunner().invoke(cli, ["export", "--format", "graphml", "-o", str(out), "--store", str(sample_store)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("exported ") and out.exists()
    result = CliRunner().invoke(
        cli, ["export", "--format", "neo4j-admin", "-o", str(tmp_path / "imp"), "--store", str(sample_store)]
    )
    assert result.exit_code == 0 and "neo4j-admin database import full" in result.output
    bad = CliRunner().invoke(
        cli,
        ["export", "--format", "jsonl", "-o", str(tmp_path / "no" / "such" / "x.jsonl"), "--store", str(sample_store)],
    )
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and len(bad.output.strip().splitlines()) == 1
    assert "does not exist" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(
        cli,
        ["export", "--format", "jsonl", "-o", str(tmp_path / "y.jsonl"), "--store", str(tmp_path / "nope.jsonl.gz")],
    )
    assert missing.exit_code == 1 and "no store here" in missing.output


# --------------------------------------------------------------------------- neo4j-admin import, for real


def admin_import(launcher, store, export_dir, home) -> str:
    """`kg export --format neo4j-admin`, then the import command it prints, run by Neo4j's own importer
    (tests/neo4j_server.py import_csv) into `home`: the same files, and the same options. Returns its output."""
    result = CliRunner().invoke(
        cli, ["export", "--format", "neo4j-admin", "-o", str(export_dir), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    command = next(ln.strip() for ln in result.output.splitlines() if "neo4j-admin database import" in ln)
    args = shlex.split(command)
    assert args[:6] == ["neo4j-admin", "database", "import", "full", "neo4j", "--overwrite-destination"]
    files = {"--nodes": [], "--relationships": []}
    options = []
    for arg in args[6:]:
        name, _, value = arg.partition("=")
        if name in files:
            files[name].append(value)
        else:
            options.append(arg)
    assert options == [f"--array-delimiter={launcher.ARRAY_DELIMITER_OPTION}", "--multiline-fields=true"]
    return launcher.import_csv(home, files["--nodes"], files["--relationships"])


def imported_counts(output: str) -> dict:
    """What neo4j-admin says it imported: {"nodes": N, "relationships": M, "properties": P}."""
    found = re.search(r"Imported:\s+(\d+) nodes\s+(\d+) relationships\s+(\d+) properties", output)
    assert found, output[-2000:]
    return dict(zip(("nodes", "relationships", "properties"), map(int, found.groups()), strict=True))


def without_empty_lists(contents: tuple[dict, dict]) -> tuple[dict, dict]:
    """neo4j-admin stores no property for an empty cell, so an empty list is absent after a bulk import."""
    nodes, rels = contents
    return (
        {k: (labels, {p: v for p, v in props.items() if v != []}) for k, (labels, props) in nodes.items()},
        {k: {p: v for p, v in props.items() if v != []} for k, props in rels.items()},
    )


@pytest.fixture(scope="module")
def imported_sample(neo4j_launcher, sample_store, tmp_path_factory):
    """The sample store bulk-imported by neo4j-admin, served by a Neo4j of its own. The CSVs are `kg export`'s,
    which reads the store as a stream; they are first checked against the in-memory export of the same graph."""
    work = tmp_path_factory.mktemp("admin-import")
    output = admin_import(neo4j_launcher, sample_store, work / "export", work / "home")
    export_graph(open_store(sample_store).graph, "neo4j-admin", work / "in-memory")
    assert _same_bytes(work / "export", work / "in-memory") == dict.fromkeys(ADMIN_CSVS, True)
    server = neo4j_launcher.Neo4jServer.start(work / "home")
    target = Neo4jTarget(server.uri, server.user, server.password, server=server)
    target.import_output = output  # what neo4j-admin printed
    yield target
    target.close()


def test_admin_import_holds_the_store(imported_sample, graph, sample_store):
    """Neo4j's importer takes every file, and the served graph is the store's (empty lists aside), with
    `kg stats`' counts, through kg's own count and stats queries."""
    from kg.stats import stats

    want = without_empty_lists(store_contents(graph))
    assert imported_counts(imported_sample.import_output) == {
        "nodes": graph.number_of_nodes(),
        "relationships": graph.number_of_edges(),
        "properties": sum(len(p) for _, p in want[0].values()) + sum(len(p) for p in want[1].values()),
    }
    assert neo4j_contents(imported_sample) == want
    local = json.loads(CliRunner().invoke(cli, ["stats", "--json", "--store", str(sample_store)]).stdout)
    with Neo4jStore(imported_sample.settings()) as neo:
        assert neo.counts().model_dump() == {k: local[k] for k in ("nodes", "relationships", "labels", "types")}
        assert stats(neo.run) == local


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_admin_import_answers_named_queries_like_the_store(imported_sample, sample_store, name):
    q = named_queries()[name]
    params = [f"--param={k}={q.examples[k]}" for k in q.params]
    local = CliRunner().invoke(cli, ["query", "--name", name, "--json", "--store", str(sample_store), *params])
    remote = CliRunner().invoke(cli, ["query", "--name", name, "--json", "--neo4j", *params], env=imported_sample.env())
    assert local.exit_code == 0 and remote.exit_code == 0, (local.output, remote.output)
    assert local.stdout and remote.stdout == local.stdout


def test_admin_import_lookup_of_an_entity_without_aliases(imported_sample, graph, sample_store):
    """An entity whose aliases were [] has no aliases property after the import; lookup still describes it
    as `kg lookup` does from the store."""
    from kg.lookup import lookup

    name = min(d["name"] for _, d in graph.nodes(data=True) if d.get("aliases") == [] and d.get("type") == "Method")
    local = CliRunner().invoke(cli, ["lookup", name, "--json", "--store", str(sample_store)])
    assert local.exit_code == 0, local.output
    with Neo4jStore(imported_sample.settings()) as neo:
        assert lookup(neo.run, name).to_dict() == json.loads(local.stdout)


def test_kg_load_after_admin_import_creates_nothing(imported_sample, graph, sample_store):
    """What the README promises after a bulk import: `kg load` applies the schema and creates no node and no
    relationship; it only adds the empty lists the import left out. (Last in this module: it writes.)"""
    result = CliRunner().invoke(cli, ["load", "--store", str(sample_store), "--json"], env=imported_sample.env())
    assert result.exit_code == 0, result.output
    report = LoadReport.model_validate_json(result.stdout)
    assert (report.nodes_created, report.relationships_created) == (0, 0)
    assert report.schema_report.rejected == [] and len(report.schema_report.applied) == len(schema_statements())
    assert neo4j_contents(imported_sample) == store_contents(graph)


def _bench_module():
    """bench/run.py, for its synthetic corpus generator (imported by path: bench/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("kg_bench_run", Path(__file__).parent.parent / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_admin_import_of_100k_synthetic_papers(neo4j_launcher, tmp_path):
    """bench's 100,000-paper synthetic corpus, built, exported, bulk-imported and served: the counts are `kg
    stats`' and a few named queries give the store's rows."""
    import kg
    from kg.stats import stats

    bench = _bench_module()
    corpus = tmp_path / "corpus.jsonl"
    bench.write_jsonl(bench.scaled_corpus(100_000), corpus)
    store = tmp_path / "big.jsonl.gz"
    kg.build([corpus], store=store, workers=2)
    output = admin_import(neo4j_launcher, store, tmp_path / "export", tmp_path / "home")
    local = json.loads(CliRunner().invoke(cli, ["stats", "--json", "--store", str(store)]).stdout)
    assert local["nodes"] > 100_000
    assert {k: v for k, v in imported_counts(output).items() if k != "properties"} == {
        "nodes": local["nodes"],
        "relationships": local["relationships"],
    }
    with neo4j_launcher.Neo4jServer.start(tmp_path / "home") as server:
        target = Neo4jTarget(server.uri, server.user, server.password, server=server)
        with Neo4jStore(target.settings()) as neo:
            assert neo.counts().model_dump() == {k: local[k] for k in ("nodes", "relationships", "labels", "types")}
            assert stats(neo.run) == local
        for name, params in (
            ("top-entities", ["--param=type=Hardware"]),
            ("most-cited-papers", []),
            ("papers-mentioning", ["--param=entity=DeepSpeed"]),
        ):
            args = ["query", "--name", name, "--json", "--limit", "0", *params]
            here = CliRunner().invoke(cli, [*args, "--store", str(store)])
            there = CliRunner().invoke(cli, [*args, "--neo4j"], env=target.env())
            assert here.exit_code == 0 and there.exit_code == 0, (here.output, there.output)
            assert here.stdout and there.stdout == here.stdout, name


KILLED_EXPORT = """
import sys
from kg.export import neo4j_admin
neo4j_admin.SPILL_BYTES = 2000  # sort runs on disk from the first rows
from kg.cli import cli
sys.argv = ["kg", "export", "--format", "neo4j-admin", "-o", sys.argv[1], "--store", sys.argv[2]]
cli()
"""


def test_the_next_neo4j_admin_export_removes_what_a_killed_one_left(sample_store, tmp_path):
    """A real export SIGKILLed while its sort runs are on disk leaves them; the next export into the directory
    removes them (only those of processes that have ended), says how many, and writes the same files."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen([sys.executable, "-c", KILLED_EXPORT, str(out), str(sample_store)])
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".sort-runs.") for p in out.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert any(n.startswith(".sort-runs.") for n in left), left  # and perhaps a CSV's temporary file
    result = CliRunner().invoke(
        cli, ["export", "--format", "neo4j-admin", "-o", str(out), "--store", str(sample_store)]
    )
    assert result.exit_code == 0, result.output
    n = len(left)
    assert f"cleanup: removed {n} temporary file{'s' if n != 1 else ''} left by interrupted exports\n" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([*ADMIN_CSVS, "IMPORT.txt"])
    export_graph(open_store(sample_store).graph, "neo4j-admin", tmp_path / "reference")
    assert _same_bytes(out, tmp_path / "reference") == dict.fromkeys(ADMIN_CSVS, True)
