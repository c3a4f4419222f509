import gzip
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

import kg
from kg.api import open_store
from kg.cli import cli
from kg.graph import counts
from kg.model.errors import QueryError
from kg.query import named_queries, parse_named_query, parse_params
from kg.store.local import load_graph, save_graph

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "data" / "seeds"
INPUTS = Path(__file__).parent / "data" / "inputs"


def test_build_summary(sample_build):
    path, report = sample_build
    assert report.records_read == 592 and report.papers == 531 and report.papers_added == 531
    assert report.entities["Hardware"] > 10 and report.entities["Framework"] > 10
    assert report.mentions > 1000 and report.citations > 5 and report.introduces > 100
    assert path.exists()


def test_rebuild_same_input_changes_nothing(sample_store, tmp_path):
    path = sample_store
    copy = tmp_path / "again.jsonl.gz"
    copy.write_bytes(path.read_bytes())
    before = counts(load_graph(copy))
    report = kg.build([SEEDS], store=copy)
    assert report.papers_added == 0 and report.papers == 531
    after_graph = load_graph(copy)
    assert counts(after_graph) == before
    assert nx.utils.graphs_equal(after_graph, load_graph(path))


def test_merge_second_input_adds_papers_and_citations(grown_build):
    """conftest's grown store: the sample store, then `kg.build` of tests/data/inputs/cites_gpipe.jsonl."""
    copy, report = grown_build
    assert report.papers_before == 531 and report.papers_added == 2 and report.papers == 533
    store = open_store(copy)
    gpipe = store.lookup("GPipe")
    assert [p.title for p in gpipe.introduced_by] == [
        "GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism"
    ]
    assert gpipe.mention_count == 3
    citing = store.named_query("papers-citing", {"paper": "GPipe: Efficient Training"})
    assert sorted(r[2] for r in citing.rows) == [
        "Another Megatron Paper",
        "Pipelines at Scale: Training Huge Models on H800 GPUs",
    ]
    both = store.named_query("papers-mentioning-both", {"first": "H800", "second": "Megatron-LM"})
    assert [r[1] for r in both.rows] == [
        "Another Megatron Paper",
        "Pipelines at Scale: Training Huge Models on H800 GPUs",
    ]


@pytest.mark.parametrize(
    "name,expected,etype",
    [
        ("DeepSpeed", "DeepSpeed", "Framework"),
        ("Megatron LM", "Megatron-LM", "Framework"),
        ("megatron lm", "Megatron-LM", "Framework"),
        ("h800", "H800", "Hardware"),
        ("a100", "A100", "Hardware"),
        ("NVIDIA A100 GPUs", "A100", "Hardware"),
        ("gpipe", "GPipe", "Method"),
        ("Flash Atention", "FlashAttention", "Method"),
    ],
)
def test_lookup_is_case_and_spelling_tolerant(sample_store, name, expected, etype):
    r = open_store(sample_store).lookup(name)
    assert (r.name, r.type) == (expected, etype)
    assert r.mention_count >= 1 and r.mentioned_by


def test_lookup_shows_family_and_co_mentions(sample_store):
    r = open_store(sample_store).lookup("H800")
    assert [e.name for e in r.variant_of] == ["Hopper"]
    assert r.co_mentioned and all(e.papers >= 1 for e in r.co_mentioned)
    assert any("H800" in s for p in r.mentioned_by for s in p.surfaces)


def test_lookup_not_found_did_you_mean(sample_store):
    result = CliRunner().invoke(cli, ["lookup", "Megatrox-XL9", "--store", str(sample_store)])
    assert result.exit_code == 1
    assert result.stderr.startswith("kg: no entity matches 'Megatrox-XL9'; did you mean: ")
    assert "Megatron" in result.stderr


def test_lookup_cli_json(sample_store):
    result = CliRunner().invoke(cli, ["lookup", "deepspeed", "--json", "--store", str(sample_store)])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["name"] == "DeepSpeed" and data["type"] == "Framework" and data["mention_count"] >= 5


def test_store_from_env(sample_store, monkeypatch):
    monkeypatch.setenv("KG_STORE", str(sample_store))
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0
    stats = json.loads(result.output)
    assert stats["labels"]["Paper"] == 531
    assert set(stats["types"]) == {"MENTIONS", "INTRODUCES", "CITES", "VARIANT_OF"}
    assert stats["top_entities"]["Hardware"][0]["name"] == "A100"


EXPECTED_NAMED = {
    "papers-mentioning": (
        {"entity": "DeepSpeed"},
        "OpenRLHF: An Easy-to-use, Scalable and High-performance RLHF Framework",
    ),
    "top-entities": ({"type": "Hardware"}, "A100"),
    "hardware-with-framework": ({"framework": "DeepSpeed"}, "V100"),
    "co-mentioned": ({"entity": "H800"}, "DeepSeek-V3"),
    "papers-citing": ({"paper": "DeepSeekMoE"}, "DeepSeek-V3 Technical Report"),
    "introduced-by": ({"paper": "GPipe"}, "GPipe"),
    "papers-mentioning-both": (
        {"first": "Mixture-of-Experts", "second": "DeepSpeed"},
        "DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power Next-Generation AI Scale",
    ),
    "most-cited-papers": (
        {},
        "DeepSeekMoE: Towards Ultimate Expert Specialization in Mixture-of-Experts Language Models",
    ),
    "entity-family": ({"entity": "Hopper"}, "H800"),
}


def test_every_named_query_is_tested():
    assert set(named_queries()) == set(EXPECTED_NAMED)


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMED))
def test_named_query_returns_expected_rows(sample_store, name):
    params, expected = EXPECTED_NAMED[name]
    q = named_queries()[name]
    assert set(q.params) == set(params)
    assert q.examples == {k: str(v) for k, v in params.items()}
    result = open_store(sample_store).named_query(name, params)
    assert result.rows, name
    assert any(expected in row for row in result.rows), (name, result.rows[:5])


def test_top_entities_are_ordered(sample_store):
    rows = open_store(sample_store).named_query("top-entities", {"type": "Framework"}).rows
    counts_ = [r[1] for r in rows]
    assert counts_ == sorted(counts_, reverse=True)


def test_query_cli_formats(sample_store):
    store = str(sample_store)
    r = CliRunner().invoke(
        cli, ["query", "--name", "top-entities", "--param", "type=Hardware", "--csv", "--store", store]
    )
    assert r.exit_code == 0
    assert r.output.splitlines()[0] == "entity,papers"
    assert r.output.splitlines()[1].startswith("A100,")
    r = CliRunner().invoke(
        cli,
        [
            "query",
            "MATCH (e:Hardware) WHERE e.name = $n RETURN e.name AS name, e.type AS type",
            "--param",
            "n=H800",
            "--json",
            "--store",
            store,
        ],
    )
    assert r.exit_code == 0
    assert json.loads(r.output.splitlines()[0]) == {"name": "H800", "type": "Hardware"}
    r = CliRunner().invoke(cli, ["query", "--list"])
    assert r.exit_code == 0 and "papers-mentioning-both:" in r.output and "first:" in r.output


def test_query_refuses_writes_and_reports_errors(sample_store):
    store = str(sample_store)
    r = CliRunner().invoke(cli, ["query", "MATCH (n) DETACH DELETE n", "--store", store])
    assert r.exit_code == 1
    assert r.output == "Error: queries are read-only: DETACH DELETE is not allowed; use kg build to change the graph\n"
    r = CliRunner().invoke(cli, ["query", "MATCH (e:Entity) WHERE e.name = $x RETURN e.name", "--store", store])
    assert r.output == (
        "Error: the query needs parameter $x; pass --param x=VALUE (or --param-json for numbers and lists)\n"
    )
    r = CliRunner().invoke(cli, ["query", "--name", "nope", "--store", store])
    assert r.exit_code == 1 and r.output.startswith("Error: no named query 'nope'; kg query --list shows them")


def test_parameters_are_data_never_code(sample_store):
    evil = '"}) DETACH DELETE n // `x` \\'
    store = open_store(sample_store)
    assert store.query("MATCH (e:Entity) WHERE e.name = $name RETURN e.name", {"name": evil}).rows == []
    assert store.query("RETURN $v AS v, '$name' AS text // $name", {"v": evil}).rows == [[evil, "$name"]]


@pytest.mark.parametrize(
    "pairs,json_pairs,expected",
    [
        (
            ["a=1", "b=x", "c=[1,2]", "d=true", "id=2401.12345", "e="],
            [],
            {"a": "1", "b": "x", "c": "[1,2]", "d": "true", "id": "2401.12345", "e": ""},
        ),
        (
            [],
            ["a=1", "b=2.5", "c=[1,2]", "d=true", "e=null", 'f={"k": "v"}', 'g="x"'],
            {"a": 1, "b": 2.5, "c": [1, 2], "d": True, "e": None, "f": {"k": "v"}, "g": "x"},
        ),
        (["x=1=2"], ["y=1"], {"x": "1=2", "y": 1}),
    ],
)
def test_parse_params_strings_stay_strings(pairs, json_pairs, expected):
    assert parse_params(pairs, json_pairs) == expected


@pytest.mark.parametrize(
    "pairs,json_pairs,message",
    [
        (["noequals"], [], "bad --param 'noequals'; write --param name=value"),
        ([], ["n=abc"], "--param-json n: 'abc' is not JSON"),
        ([], ["n=NaN"], "--param-json n: 'NaN' is not JSON"),
        (["1x=2"], [], "bad --param name '1x'; a parameter name is letters, digits and _"),
    ],
)
def test_parse_params_errors(pairs, json_pairs, message):
    with pytest.raises(QueryError) as err:
        parse_params(pairs, json_pairs)
    assert str(err.value).startswith(message)


def test_named_query_header():
    q = parse_named_query(
        "// name: q\n// answers: what\n// param: x - meaning (example: 3)\nMATCH (n) RETURN n;\n", "q.cypher"
    )
    assert (q.name, q.answers, q.params, q.examples, q.cypher) == (
        "q",
        "what",
        {"x": "meaning"},
        {"x": "3"},
        "MATCH (n) RETURN n",
    )
    with pytest.raises(QueryError, match="needs '// name:'"):
        parse_named_query("MATCH (n) RETURN n", "bad.cypher")


# -- the store file ---------------------------------------------------------------------


def test_save_load_round_trip(sample_store, tmp_path):
    g = load_graph(sample_store)
    target = tmp_path / "copy.jsonl.gz"
    save_graph(g, target)
    assert nx.utils.graphs_equal(g, load_graph(target))
    assert {d["__labels__"].__class__ for _, d in g.nodes(data=True)} == {frozenset}


def test_mention_lists_are_shared_tuples_and_query_as_lists(sample_store):
    """A big graph holds each distinct surfaces/rules list once; users still see lists."""
    g = load_graph(sample_store)
    rules = [d["rules"] for _, _, k, d in g.edges(keys=True, data=True) if k == "MENTIONS"]
    catalog_only = [r for r in rules if r == ("catalog",)]
    assert len(catalog_only) > 100 and all(r is catalog_only[0] for r in catalog_only)
    node_keys = {id(n) for n in g}
    citing = [u for u, _ in g.in_edges("entity:deepspeed")]
    assert citing and all(id(u) in node_keys for u in citing)  # edges hold the node's key, not a copy
    result = open_store(sample_store).query(
        'MATCH (p:Paper)-[r:MENTIONS]->(e:Entity {name: "DeepSpeed"}) RETURN r.rules, r.surfaces LIMIT 1'
    )
    assert isinstance(result.rows[0][0], list) and isinstance(result.rows[0][1], list)


def test_interrupted_save_leaves_old_store_loadable(sample_store, tmp_path):
    target = tmp_path / "store.jsonl.gz"
    old = load_graph(sample_store)
    save_graph(old, target)
    bigger = old.copy()
    bigger.add_node("paper:new", __labels__={"Paper"}, id="new", title="New", abstract="", sources=[])

    def fail_midway(stream):
        stream.write(b'{"format": "kg-store"')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_graph(bigger, target, _fault=fail_midway)
    assert nx.utils.graphs_equal(load_graph(target), old)
    assert [p.name for p in tmp_path.iterdir()] == ["store.jsonl.gz"]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"not gzip at all", "store is corrupt at line 1"),
        (
            gzip.compress(b'{"format": "kg-store", "version": 99}\n', mtime=0),
            "store format version 99 is newer than this kg supports (1); upgrade kg",
        ),
        (
            gzip.compress(
                b'{"format": "kg-store", "version": 1}\n{"n": "paper:x", "labels": ["Paper"], "props": {}}\n', mtime=0
            ),
            "store is truncated or corrupt (end marker missing or counts differ); move it aside and build it again",
        ),
        (gzip.compress(b'{"something": "else"}\n', mtime=0), "not a kg store"),
        (gzip.compress(b'{"format": "kg-store", "version": 1}\n{broken\n', mtime=0), "store is corrupt at line 2"),
    ],
    # Readable ids that do not change with the clock: xdist's workers must collect the same test names.
    ids=["not-gzip", "newer-version", "truncated", "not-a-store", "corrupt-line"],
)
def test_corrupt_store_message(tmp_path, content, message):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["stats", "--store", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    # one line: a store found damaged only when read to the end (truncated, a bad line 2) used to be preceded by
    # the notice that its query database was being built from it
    [error] = result.stderr.splitlines()
    assert error.startswith(f"Error: {path}: ") and message in error


def test_missing_store_message(tmp_path):
    path = tmp_path / "none.jsonl.gz"
    result = CliRunner().invoke(cli, ["lookup", "A100", "--store", str(path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {path}: no store here; build one with kg build INPUT... --store {path}\n"


def test_build_cli_and_workers(tmp_path, sample_store):
    """`kg build --workers 2` builds the same graph as the one-process build of the session's sample store."""
    path = tmp_path / "w.jsonl.gz"
    result = CliRunner().invoke(cli, ["build", str(SEEDS), "--store", str(path), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "papers:     531 (531 new" in result.output
    assert nx.utils.graphs_equal(load_graph(path), load_graph(sample_store))


def test_python_api_mirrors_cli(sample_store):
    store = kg.open_store(sample_store)
    assert isinstance(store.graph, nx.MultiDiGraph) and store.graph.number_of_nodes() == 1651
    assert store.lookup("deepspeed").name == "DeepSpeed"
    assert store.query("MATCH (e:Hardware) WHERE e.name = $n RETURN e.type", {"n": "A100"}).rows == [["Hardware"]]


@pytest.mark.parametrize(
    "name,params,expected",
    [
        (
            "papers-mentioning",
            {"entity": "deepspeed"},
            "OpenRLHF: An Easy-to-use, Scalable and High-performance RLHF Framework",
        ),
        (
            "papers-mentioning-both",
            {"first": "mixture of experts", "second": "Deepspeed"},
            "DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power Next-Generation AI Scale",
        ),
        ("introduced-by", {"paper": "gpipe: efficient"}, "GPipe"),
    ],
)
def test_named_query_parameters_are_resolved_like_lookup(sample_store, name, params, expected):
    rows = open_store(sample_store).named_query(name, params).rows
    assert any(expected in row for row in rows)


def test_named_query_unknown_entity_suggests(sample_store):
    result = CliRunner().invoke(
        cli, ["query", "--name", "papers-mentioning", "--param", "entity=Megatrox-XL9", "--store", str(sample_store)]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: no entity matches 'Megatrox-XL9'; did you mean: ")
