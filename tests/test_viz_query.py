"""`kg viz --query`: the nodes a Cypher query returns, read from the query database, drawn as a page.

The engine's `nodes=True` (which nodes a result holds) is checked case by case; the page of a query view is
checked byte for byte against the same nodes drawn from the whole graph in memory; bad options are one-line
errors. The same views read from a real Neo4j are in tests/test_query_neo4j.py.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import kg_cli

from kg.api import open_store
from kg.model.results import NodeRef
from kg.viz import ViewOptions, VizError, query_selection, render

PAPER, ENTITY = "Paper", "Entity"


@pytest.fixture(scope="module")
def store(sample_store):
    with open_store(sample_store) as s:
        yield s


def entity(store, name: str) -> NodeRef:
    rows = store.query("MATCH (e:Entity {name: $n}) RETURN e.id", {"n": name}).rows
    return NodeRef(ENTITY, rows[0][0])


@pytest.mark.parametrize(
    "cypher, expect",
    [
        # (query, what its nodes are: "papers:N", "entities:N", or a list of entity names in order)
        ("MATCH (e:Entity {name: 'DeepSpeed'}) RETURN e", ["DeepSpeed"]),
        ("MATCH (e:Entity {name: 'DeepSpeed'}) RETURN e.name", []),  # a property is not a node
        ("MATCH (e:Entity {name: 'DeepSpeed'}) RETURN {x: e}", ["DeepSpeed"]),  # inside a map
        ("MATCH (e:Entity) WHERE e.name IN ['LoRA', 'DeepSpeed'] RETURN e ORDER BY e.name", ["DeepSpeed", "LoRA"]),
        ("MATCH (e:Entity) WHERE e.name IN ['LoRA', 'DeepSpeed'] RETURN collect(e) AS es", "entities:2"),
        ("MATCH (e:Entity {name: 'DeepSpeed'}) RETURN e, e AS again, [e, e] AS both", ["DeepSpeed"]),  # once
        ("MATCH ()-[r:VARIANT_OF]->() RETURN r LIMIT 5", []),  # a relationship alone adds no node
        ("MATCH p = (:Paper)-[:MENTIONS]->(:Entity {name: 'DeepSpeed'}) RETURN p LIMIT 3", "mixed"),
        ("MATCH (p:Paper) RETURN p LIMIT 7", "papers:7"),
        ("MATCH (e:Hardware) RETURN e LIMIT 0", []),
    ],
)
def test_query_result_lists_its_nodes(store, cypher, expect):
    result = store.query(cypher, {}, nodes=True)
    assert result.nodes is not None and len(result.nodes) == len(set(result.nodes))
    assert store.query(cypher, {}).nodes is None  # only when asked
    if isinstance(expect, list):
        assert result.nodes == [entity(store, n) for n in expect]
    elif expect == "mixed":  # a path: its paper, then DeepSpeed, then the next paper (DeepSpeed not again)
        labels = [n.label for n in result.nodes]
        assert labels[:2] == [PAPER, ENTITY] and labels.count(ENTITY) == 1 and len(labels) == 4
    else:
        label, count = expect.split(":")
        assert [n.label for n in result.nodes] == [PAPER if label == "papers" else ENTITY] * int(count)


def test_query_view_page_is_the_page_drawn_from_the_whole_graph(store, tmp_path):
    """Degrees, mention counts, relationships and details read from the query database for the query's nodes
    are the whole graph's: the page is the same, byte for byte, as the same nodes drawn from memory."""
    cypher = (
        "MATCH (p:Paper)-[:MENTIONS]->(e:Entity {name: 'DeepSpeed'}) "
        "OPTIONAL MATCH (p)-[:MENTIONS]->(h:Hardware) RETURN p, e, h ORDER BY p.id"
    )
    report = store.view(tmp_path / "q.html", ViewOptions(query=cypher))
    nodes = store.query(cypher, {}, nodes=True).nodes
    keys = [("paper:" if n.label == PAPER else "entity:") + n.id for n in nodes]
    stamp = store.querydb.stamp
    expected = render(
        store.graph,
        tmp_path / "m.html",
        selection=query_selection(keys, len(keys), cypher),
        totals=(stamp.nodes, stamp.relationships),
    )
    assert (tmp_path / "q.html").read_bytes() == (tmp_path / "m.html").read_bytes()
    assert report.nodes == expected.nodes == len(keys) > 10
    assert report.node_types["Hardware"] > 0 and report.edge_types["MENTIONS"] > report.node_types["Paper"]
    assert report.cut is None and report.view.startswith("the nodes returned by `MATCH (p:Paper)")


def test_query_view_cap_keeps_the_first_nodes_and_says_what_was_left_out(store, tmp_path):
    report = store.view(tmp_path / "q.html", ViewOptions(query="MATCH (p:Paper) RETURN p ORDER BY p.id", max_nodes=40))
    first = [r[0] for r in store.query("MATCH (p:Paper) RETURN p.id ORDER BY p.id LIMIT 40", {}).rows]
    html = (tmp_path / "q.html").read_text()
    assert report.nodes == 40 and all(f'"paper:{pid}"' in html for pid in first)
    total = store.query("MATCH (p:Paper) RETURN count(p)", {}).rows[0][0]
    assert report.cut == (
        f"the query returns {total} nodes; showing the first 40, {total - 40} left out "
        "(raise --max-nodes, or narrow the query with WHERE or LIMIT)"
    )


def test_query_view_parameters_and_long_queries_in_the_title(store, tmp_path):
    cypher = "MATCH path = (a:Entity {name: $name})-[:VARIANT_OF*1..2]-(b)   RETURN path" + " " * 3 + "// " + "x" * 80
    report = store.view(tmp_path / "q.html", ViewOptions(query=cypher, params={"name": "LLaMA"}))
    assert report.nodes > 3 and set(report.node_types) >= {"Model"} and report.edge_types["VARIANT_OF"] > 0
    assert "RETURN path // x" in report.view and report.view.endswith("\u2026`") and "  " not in report.view


def test_query_view_on_an_in_memory_graph_says_where_it_is_drawn(store):
    from kg.viz import select

    with pytest.raises(VizError, match=r"a --query view is read from a store's query database"):
        select(store.graph, ViewOptions(query="MATCH (n) RETURN n"))


@pytest.mark.parametrize(
    "args, code, line",
    [
        (
            ["--query", "MATCH (p:Paper) RETURN p.title LIMIT 3"],
            1,
            "Error: the query returned 3 rows but no Paper or Entity node to draw: return nodes or paths, "
            "e.g. MATCH (p:Paper)-[:MENTIONS]->(e:Entity {name: 'DeepSpeed'}) RETURN p, e",
        ),
        (
            ["--query", "MATCH (p:Paper) WHERE p.id = 'none' RETURN p"],
            1,
            "Error: the query returned no rows: nothing to draw (try it with kg query, and check its names and labels)",
        ),
        (
            ["--query", "MATCH (p:Paper RETURN p"],
            1,
            "Error: Cypher syntax error at column 16: expected ')', found 'RETURN'",
        ),
        (
            ["--query", "MATCH (p:Paper) DETACH DELETE p RETURN p"],
            1,
            "Error: queries are read-only: DETACH DELETE is not allowed; use kg build to change the graph",
        ),
        (
            ["--query", "MATCH (p:Paper {id: $x}) RETURN p"],
            1,
            "Error: the query needs parameter $x; pass --param x=VALUE (or --param-json for numbers and lists)",
        ),
        (["--query", "  "], 1, "Error: --query needs a Cypher query that returns nodes or paths"),
        (
            ["--query", "MATCH (p:Paper) RETURN p", "--hops", "2"],
            2,
            "Error: --hops applies to --entity and --paper; --query draws the nodes the query returns",
        ),
        (
            ["--query", "MATCH (p:Paper) RETURN p", "--type", "hardware"],
            1,
            "Error: --query draws the nodes the query returns: filter them in its WHERE clause, not with --type "
            "or --min-mentions",
        ),
        (
            ["--query", "MATCH (p:Paper) RETURN p", "--entity", "LoRA"],
            1,
            "Error: give one of --entity, --paper or --query, not more",
        ),
        (["--param", "a=1"], 2, "Error: --param and --param-json need --query"),
        (["--query", "MATCH (p) RETURN p", "--param-json", "a={"], 2, None),  # parse_params' own message
        (["--entity", "LoRA", "--uri", "bolt://x:1"], 2, "Error: --uri, --user and --database need --neo4j"),
    ],
)
def test_viz_query_bad_input_is_one_line(sample_store, tmp_path, args, code, line):
    r = kg_cli("viz", "--store", sample_store, "-o", tmp_path / "q.html", *args)
    assert r.exit_code == code, r.output
    last = r.stderr.strip().splitlines()[-1]
    if line is None:
        assert last.startswith("Error: --param-json a: '{' is not JSON")
    else:
        assert last == line
    assert "Traceback" not in r.output and not (tmp_path / "q.html").exists()


def test_viz_query_cli(sample_store, tmp_path):
    store = tmp_path / "s.jsonl.gz"
    shutil.copy(sample_store, store)
    out = tmp_path / "h800.html"
    cypher = (
        "MATCH (p:Paper)-[:MENTIONS]->(h:Hardware) WHERE h.name IN $chips "
        "MATCH (p)-[:MENTIONS]->(f:Framework) RETURN p, h, f"
    )
    r = kg_cli("viz", "--store", store, "-o", out, "--query", cypher, "--param-json", 'chips=["A100", "V100"]')
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"wrote {out}: the nodes returned by `MATCH (p:Paper)")
    assert "Hardware" in r.stdout and "Framework" in r.stdout and out.stat().st_size > 100_000


def test_viz_neo4j_needs_a_view_of_part_of_the_graph(tmp_path, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "unused")
    r = kg_cli("viz", "--neo4j", "-o", tmp_path / "g.html")
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "Error: with --neo4j, give --entity, --paper or --query (the whole graph is drawn from a local store)"
    )


def test_query_text_in_the_page_title_is_escaped(store, tmp_path):
    """The query is quoted in the page's title line: markup in it is shown, never parsed."""
    cypher = "MATCH (p:Paper) WHERE p.title <> '<script>alert(1)</script><img src=x onerror=alert(2)>' RETURN p LIMIT 3"
    store.view(tmp_path / "q.html", ViewOptions(query=cypher))
    html = (tmp_path / "q.html").read_text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in html
