"""Neo4j backend: statements, batching, errors (fake driver); Cypher lint; the wire path on a real Bolt server.

Tests taking `graph_target` run against FalkorDB's Bolt server started by the tests (marker `bolt`) and,
when NEO4J_URI is set, against that Neo4j too (marker `neo4j`). See tests/conftest.py.
"""

from __future__ import annotations

import gzip
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import KGError, Neo4jError, QueryError, StoreError
from kg.graph import Label, Rel, counts, entity_attrs
from kg.query import named_queries
from kg.api import open_store
from kg.store.neo4j import (NODE_STATEMENTS, REL_STATEMENTS, ROW_KEYS, LoadReport, Neo4jSettings, Neo4jStore, load_statements,
                            load_store, plan_batches, row_bytes, run_query, schema_statements, translate_error)

SECRET = "pw-never-shown-7f3a"


# --------------------------------------------------------------------------- a small graph

def small_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("paper:p1", __labels__={"Paper"}, id="p1", title="Don't \\ stop", abstract="A100s", sources=["a.txt:1"])
    g.add_node("paper:p2", __labels__={"Paper"}, id="p2", title="Second", abstract="", sources={"b.txt:2"}, year=2024)
    g.add_node("entity:a100", **entity_attrs("a100", "A100", "Hardware", source="catalog", aliases=["A100 GPU"],
                                              vendor="NVIDIA"))
    g.add_node("entity:ampere", **entity_attrs("ampere", "Ampere", "Hardware", source="catalog"))
    g.add_node("entity:lora", **entity_attrs("lora", "LoRA", "Method", source="catalog"))
    g.add_edge("paper:p1", "entity:a100", key="MENTIONS", __labels__={"MENTIONS"}, count=2, confidence=0.9,
               surfaces=["A100s"], rules=["catalog"], citations=[])
    g.add_edge("paper:p1", "entity:lora", key="INTRODUCES", __labels__={"INTRODUCES"})
    g.add_edge("paper:p2", "paper:p1", key="CITES", __labels__={"CITES"}, via=["LoRA"])
    g.add_edge("entity:a100", "entity:ampere", key="VARIANT_OF", __labels__={"VARIANT_OF"})
    return g


# --------------------------------------------------------------------------- a fake driver (unit tests only)

class FakeCounters:
    def __init__(self, **kw):
        self.nodes_created = kw.get("nodes_created", 0)
        self.relationships_created = kw.get("relationships_created", 0)
        self.properties_set = kw.get("properties_set", 0)
        self.labels_added = 0


class FakeSummary:
    def __init__(self, counters):
        self.counters = counters


class FakeRecord:
    def __init__(self, values):
        self._values = values

    def values(self):
        return list(self._values)


class FakeResult:
    def __init__(self, columns, rows, counters):
        self._columns, self._rows, self._counters = columns, rows, counters

    def keys(self):
        return list(self._columns)

    def __iter__(self):
        return iter(FakeRecord(r) for r in self._rows)

    def consume(self):
        return FakeSummary(self._counters)


class FakeTx:
    def __init__(self, driver, mode):
        self.driver, self.mode = driver, mode

    def run(self, query, parameters=None, **kw):
        self.driver.runs.append((self.mode, query, parameters))
        if self.driver.fail_on and self.driver.fail_on in query:
            raise self.driver.error
        if query.startswith("MATCH (n:") and "count(n)" in query or "count(r)" in query:
            return FakeResult(["n"], [[0]], FakeCounters())
        return FakeResult(["x"], [[1]], FakeCounters(nodes_created=len((parameters or {}).get("rows", []))))


class FakeSession:
    def __init__(self, driver, kwargs):
        self.driver, self.kwargs = driver, kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute_write(self, fn):
        self.driver.transactions.append(("write", self.kwargs))
        return fn(FakeTx(self.driver, "write"))

    def execute_read(self, fn):
        self.driver.transactions.append(("read", self.kwargs))
        return fn(FakeTx(self.driver, "read"))

    def run(self, *a, **k):  # kg must never use auto-commit transactions
        raise AssertionError("auto-commit session.run used")


class FakeDriver:
    def __init__(self, fail_on=None, error=None):
        self.runs, self.transactions, self.closed = [], [], False
        self.fail_on, self.error = fail_on, error

    def session(self, **kwargs):
        return FakeSession(self, kwargs)

    def verify_connectivity(self):
        if self.fail_on == "verify":
            raise self.error

    def close(self):
        self.closed = True


def fake_store(driver, database="kgdb"):
    return Neo4jStore(Neo4jSettings("bolt://example:7687", "neo4j", SECRET, database), driver=driver)


# --------------------------------------------------------------------------- statements and batches

def test_statements_come_from_the_enums():
    assert NODE_STATEMENTS[Label.PAPER] == "UNWIND $rows AS row MERGE (n:Paper {id: row.id}) SET n += row.props"
    assert NODE_STATEMENTS[Label.HARDWARE] == ("UNWIND $rows AS row MERGE (n:Entity {id: row.id}) "
                                               "SET n:Hardware SET n += row.props")
    assert REL_STATEMENTS[Rel.CITES] == ("UNWIND $rows AS row MATCH (a:Paper {id: row.start}) MATCH (b:Paper "
                                         "{id: row.end}) MERGE (a)-[r:CITES]->(b) SET r += row.props")
    assert REL_STATEMENTS[Rel.VARIANT_OF].count(":Entity {id:") == 2
    assert set(NODE_STATEMENTS) == {Label.PAPER, Label.METHOD, Label.MODEL, Label.DATASET, Label.HARDWARE,
                                    Label.FRAMEWORK}
    assert set(REL_STATEMENTS) == set(Rel)


def test_load_sends_exact_parameterised_statements_in_write_transactions():
    driver = FakeDriver()
    report = fake_store(driver).load_graph(small_graph(), batch_size=1000, schema=False)
    writes = [(q, p) for mode, q, p in driver.runs if mode == "write"]
    assert writes == [
        (NODE_STATEMENTS[Label.PAPER], {"rows": [
            {"id": "p1", "props": {"id": "p1", "title": "Don't \\ stop", "abstract": "A100s", "sources": ["a.txt:1"]}},
            {"id": "p2", "props": {"id": "p2", "title": "Second", "abstract": "", "sources": ["b.txt:2"], "year": 2024}},
        ]}),
        (NODE_STATEMENTS[Label.METHOD], {"rows": [
            {"id": "lora", "props": {"id": "lora", "name": "LoRA", "type": "Method", "aliases": [], "source": "catalog"}},
        ]}),
        (NODE_STATEMENTS[Label.HARDWARE], {"rows": [
            {"id": "a100", "props": {"id": "a100", "name": "A100", "type": "Hardware", "aliases": ["A100 GPU"],
                                     "source": "catalog", "vendor": "NVIDIA"}},
            {"id": "ampere", "props": {"id": "ampere", "name": "Ampere", "type": "Hardware", "aliases": [],
                                       "source": "catalog"}},
        ]}),
        (REL_STATEMENTS[Rel.MENTIONS], {"rows": [{"start": "p1", "end": "a100", "props": {
            "count": 2, "confidence": 0.9, "surfaces": ["A100s"], "rules": ["catalog"], "citations": []}}]}),
        (REL_STATEMENTS[Rel.INTRODUCES], {"rows": [{"start": "p1", "end": "lora", "props": {}}]}),
        (REL_STATEMENTS[Rel.CITES], {"rows": [{"start": "p2", "end": "p1", "props": {"via": ["LoRA"]}}]}),
        (REL_STATEMENTS[Rel.VARIANT_OF], {"rows": [{"start": "a100", "end": "ampere", "props": {}}]}),
    ]
    write_sessions = [kw for mode, kw in driver.transactions if mode == "write"]
    assert write_sessions and all(kw["database"] == "kgdb" and kw["default_access_mode"] == "WRITE"
                                  for kw in write_sessions)
    assert report.batches == 7 and report.rows == 9 and report.nodes == 5 and report.relationships == 4
    assert "__labels__" not in json.dumps([p for _, p in writes])


def test_batches_are_bounded_by_rows_and_by_bytes():
    g = small_graph()
    by_rows = plan_batches(g, batch_size=1)
    assert len(by_rows) == 9 and all(len(b.rows) == 1 for b in by_rows)
    sizes = {row_bytes(r) for b in plan_batches(g) for r in b.rows}
    limit = max(sizes) + 1  # any two rows together exceed it, one row alone fits
    by_bytes = [b for b in plan_batches(g, batch_size=1000, batch_bytes=limit)]
    assert all(b.bytes <= limit for b in by_bytes)
    assert sum(len(b.rows) for b in by_bytes) == 9
    assert [len(b.rows) for b in plan_batches(g, batch_size=1000, batch_bytes=1)] == [1] * 9  # oversized go alone
    with pytest.raises(Neo4jError, match="--batch-size"):
        plan_batches(g, batch_size=0)


@pytest.mark.parametrize("bad", [
    ("node", "Hardware) DETACH DELETE n //"),
    ("node", "Robot"),
    ("edge", "MENTIONS]->() DETACH DELETE a //"),
])
def test_labels_and_types_never_come_from_data(bad):
    g = small_graph()
    kind, name = bad
    if kind == "node":
        g.add_node("entity:evil", __labels__={"Entity", name}, id="evil", name="x", type="Hardware")
    else:
        g.add_edge("paper:p1", "entity:a100", key=name, __labels__={name})
    driver = FakeDriver()
    with pytest.raises(StoreError, match="rebuild the store"):
        fake_store(driver).load_graph(g, schema=False)
    assert driver.runs == []  # nothing was sent


def test_schema_statements_are_neo4j5_idempotent():
    statements = schema_statements()
    assert statements and all("IF NOT EXISTS" in s for s in statements)
    assert "CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE" in statements
    assert "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE" in statements


def test_rejected_schema_statement_is_reported_not_hidden():
    from neo4j.exceptions import ClientError

    err = ClientError._hydrate_neo4j(code="Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
                                     message="An equivalent constraint already exists")
    driver = FakeDriver(fail_on="paper_id", error=err)
    report = fake_store(driver).apply_schema()
    assert [i.statement for i in report.rejected] == [s for s in schema_statements() if "paper_id" in s]
    assert "EquivalentSchemaRuleAlreadyExists" in report.rejected[0].error
    assert len(report.applied) == len(schema_statements()) - 1


# --------------------------------------------------------------------------- queries are read-only

def test_query_runs_in_a_read_session_with_only_its_parameters():
    driver = FakeDriver()
    result = fake_store(driver).query("MATCH (e:Entity {name: $name}) RETURN e.id AS x // $unused in a comment",
                                      {"name": "A100", "extra": 1})
    assert result.columns == ["x"] and result.rows == [[1]]
    assert driver.transactions == [("read", {"database": "kgdb", "default_access_mode": "READ"})]
    assert driver.runs == [("read", "MATCH (e:Entity {name: $name}) RETURN e.id AS x // $unused in a comment",
                            {"name": "A100"})]


@pytest.mark.parametrize("cypher", [
    "CREATE (n:Paper {id: 'x'})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n:Paper) SET n.title = 'x' RETURN n",
    "MERGE (n:Paper {id: 'x'}) RETURN n",
    "match (n) remove n.title return n",
])
def test_write_queries_are_refused_before_sending(cypher):
    driver = FakeDriver()
    with pytest.raises(QueryError, match="read-only"):
        fake_store(driver).query(cypher)
    assert driver.runs == []


def test_keywords_inside_strings_and_properties_are_not_writes():
    driver = FakeDriver()
    fake_store(driver).query("MATCH (n:Paper) WHERE n.title CONTAINS 'CREATE' RETURN n.set AS x")
    assert len(driver.runs) == 1


def test_missing_query_parameter_is_named():
    with pytest.raises(QueryError, match=r"needs parameter \$entity; pass --param entity=VALUE"):
        fake_store(FakeDriver()).query("MATCH (e:Entity {name: $entity}) RETURN e")


# --------------------------------------------------------------------------- errors and the password

def _driver_errors():
    from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable, TransientError

    return [
        (ServiceUnavailable("Couldn't connect to example:7687 (resolved to ('10.0.0.1:7687',)):\nmore"), "unreachable"),
        (AuthError._hydrate_neo4j(code="Neo.ClientError.Security.Unauthorized", message="bad credentials"),
         "authentication failed"),
        (ClientError._hydrate_neo4j(code="Neo.ClientError.Database.DatabaseNotFound", message="no such db"),
         "does not exist"),
        (TransientError._hydrate_neo4j(code="Neo.TransientError.General.OutOfMemoryError", message="oom\nline 2"),
         "Neo4j failed"),
    ]


@pytest.mark.parametrize("exc,words", _driver_errors())
def test_driver_errors_become_one_line_without_the_password(exc, words):
    settings = Neo4jSettings("bolt://example:7687", "neo4j", SECRET, "kgdb")
    err = translate_error(exc, settings, "connecting")
    assert isinstance(err, KGError)
    message = str(err)
    assert words in message and "\n" not in message and SECRET not in message
    assert "bolt://example:7687" in message


def test_server_dying_mid_load_says_how_far_and_to_rerun():
    from neo4j.exceptions import ServiceUnavailable

    driver = FakeDriver(fail_on=":Hardware", error=ServiceUnavailable("Failed to read from defunct connection"))
    with pytest.raises(Neo4jError) as info:
        fake_store(driver).load_graph(small_graph(), schema=False)
    message = str(info.value)
    assert "2 of 7 batches (3 of 9 rows) were written" in message and "re-run" in message
    assert "\n" not in message and SECRET not in message


def test_settings_hide_the_password():
    s = Neo4jSettings.from_env(environ={"NEO4J_URI": "bolt://h:1", "NEO4J_USERNAME": "u", "NEO4J_PASSWORD": SECRET,
                                        "NEO4J_DATABASE": "d"})
    assert (s.uri, s.user, s.database, s.has_password) == ("bolt://h:1", "u", "d", True)
    assert SECRET not in repr(s) and SECRET not in str(s)
    s2 = Neo4jSettings.from_env(uri="bolt://o:2", user="v", database="e", environ={"NEO4J_URI": "bolt://h:1"})
    assert (s2.uri, s2.user, s2.database, s2.has_password) == ("bolt://o:2", "v", "e", False)
    assert Neo4jSettings.from_env(environ={"NEO4J_PASSWORD": ""}).has_password  # empty is a password


def test_no_password_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["query", "--neo4j", "RETURN 1 AS x"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: ") and "set NEO4J_PASSWORD" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_password_is_not_an_option():
    for command in (["load", "--password", SECRET], ["query", "--neo4j", "--password", SECRET, "RETURN 1"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 2 and "No such option" in result.output


def test_unreachable_server_is_one_line(tmp_path, sample_store):
    from conftest import free_port

    uri = f"bolt://127.0.0.1:{free_port()}"  # nothing listens there
    result = CliRunner().invoke(cli, ["load", "--store", str(sample_store), "--uri", uri],
                                env={"NEO4J_PASSWORD": SECRET})
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {uri}: Neo4j is unreachable while connecting")
    assert "docker compose up -d" in lines[0] and SECRET not in result.output and "Traceback" not in result.output


def test_bad_uri_is_one_line():
    result = CliRunner().invoke(cli, ["query", "--neo4j", "--uri", "http://localhost:7474", "RETURN 1 AS x"],
                                env={"NEO4J_PASSWORD": SECRET})
    assert result.exit_code == 1
    assert result.output.startswith("Error: http://localhost:7474: ") and "bolt://" in result.output
    assert len(result.output.strip().splitlines()) == 1 and SECRET not in result.output


# --------------------------------------------------------------------------- Cypher lint (Neo4j's own linter)

def _lint_schema(sample_store) -> dict:
    g = open_store(sample_store).graph
    keys = {"id"}
    for _, d in g.nodes(data=True):
        keys.update(k for k in d if k != "__labels__")
    for _, _, d in g.edges(data=True):
        keys.update(k for k in d if k != "__labels__")
    keys.update(ROW_KEYS)  # row.start etc. are map keys of $rows, which the linter takes for properties
    from kg.store.querydb import ENTITY_PROPERTIES, PAPER_PROPERTIES, REL_PROPERTIES

    keys.update(PAPER_PROPERTIES, ENTITY_PROPERTIES, *REL_PROPERTIES.values())  # the model's, seen in data or not
    return {"labels": [lbl.value for lbl in Label], "relationshipTypes": [r.value for r in Rel],
            "propertyKeys": sorted(keys)}


def _statements_kg_sends(sample_store) -> list[dict]:
    from kg.export import cypher_script_statements

    out = [{"id": f"schema:{i}", "query": s, "parameters": {}} for i, s in enumerate(schema_statements())]
    for name, statement in load_statements().items():
        params = {"rows": []} if "$rows" in statement else {}
        out.append({"id": name, "query": statement, "parameters": params})
    from kg.lookup import STATEMENTS as LOOKUP
    from kg.query.lexer import Tok, tokenize
    from kg.stats import STATEMENTS as STATS

    for name, statement in {**LOOKUP, **STATS}.items():
        params = {t.text: 1 if t.text in ("limit", "sample") else "x" for t in tokenize(statement) if t.kind is Tok.PARAM}
        out.append({"id": name, "query": statement, "parameters": params})
    for q in named_queries().values():
        out.append({"id": f"named:{q.name}", "query": q.cypher,
                    "parameters": {k: q.examples.get(k, "x") for k in q.params}})
    # The export script: the schema, then every template with real data as literals (quotes, backslashes, unicode).
    seen: dict[str, int] = {}
    for statement in cypher_script_statements(open_store(sample_store).graph, batch=10, schema=False):
        template = statement[statement.index(" AS row "):]
        seen[template] = seen.get(template, 0) + 1
        if seen[template] <= 2:
            out.append({"id": f"export:{len(out)}", "query": statement, "parameters": {}})
    return out


def test_every_statement_kg_sends_lints_clean(cypher_linter, sample_store):
    statements = _statements_kg_sends(sample_store)
    assert any(s["id"].startswith("export:") for s in statements) and any(s["id"].startswith("named:")
                                                                        for s in statements)
    results = cypher_linter(statements, _lint_schema(sample_store))
    assert [r["id"] for r in results] == [s["id"] for s in statements]
    problems = [(r["id"], d) for r in results for d in r["diagnostics"]]
    assert problems == []


def test_the_linter_does_catch_problems(cypher_linter, sample_store):
    """The lint test above cannot pass vacuously: the same setup reports errors and deprecations."""
    results = cypher_linter([
        {"id": "syntax", "query": "MATCH (n:Paper) RETURN n LIMT 3", "parameters": {}},
        {"id": "old-constraint", "query": "CREATE CONSTRAINT ON (n:Paper) ASSERT n.id IS UNIQUE", "parameters": {}},
        {"id": "deprecated", "query": "MATCH (n:Paper) RETURN id(n) AS i", "parameters": {}},
        {"id": "param", "query": "MATCH (n:Paper {id: $nope}) RETURN n.title", "parameters": {}},
        {"id": "label", "query": "MATCH (n:Papr) RETURN n.title", "parameters": {}},
    ], _lint_schema(sample_store))
    flagged = {r["id"]: {d["severity"] for d in r["diagnostics"]} for r in results}
    assert flagged == {"syntax": {"error"}, "old-constraint": {"error"}, "deprecated": {"warning"},
                       "param": {"error"}, "label": {"warning"}}


# --------------------------------------------------------------------------- the wire path (real Bolt server)

def _invoke(target, args):
    result = CliRunner().invoke(cli, args, env=target.env(), catch_exceptions=False)
    return result


def _load_cli(target, store, *extra):
    return _invoke(target, ["load", "--store", str(store), "--batch-bytes", "3000", "--json", *extra])


def _local_counts(store) -> dict:
    c = counts(open_store(store).graph)
    return {"nodes": c["nodes"], "relationships": c["relationships"], "labels": c["labels"], "types": c["types"]}


def test_load_twice_then_grown_store(graph_target, sample_store, grown_store):
    first = _load_cli(graph_target, sample_store)
    assert first.exit_code == 0, first.output
    r1 = LoadReport.model_validate_json(first.stdout)
    assert r1.server.model_dump() == _local_counts(sample_store)
    assert (r1.nodes_created, r1.relationships_created) == (r1.nodes, r1.relationships)
    assert r1.batches > 1 and r1.rows == r1.nodes + r1.relationships

    second = _load_cli(graph_target, sample_store)
    assert second.exit_code == 0, second.output
    r2 = LoadReport.model_validate_json(second.stdout)
    assert r2.server == r1.server
    assert (r2.nodes_created, r2.relationships_created) == (0, 0)

    grown = _load_cli(graph_target, grown_store)
    assert grown.exit_code == 0, grown.output
    r3 = LoadReport.model_validate_json(grown.stdout)
    assert r3.server.model_dump() == _local_counts(grown_store)
    assert r3.nodes_created == r3.server.nodes - r1.server.nodes > 0
    assert r3.relationships_created == r3.server.relationships - r1.server.relationships > 0


def test_schema_is_applied_first_and_rejections_are_reported(graph_target, sample_store):
    result = _invoke(graph_target, ["load", "--store", str(sample_store), "--batch-bytes", "3000"])
    assert result.exit_code == 0, result.output
    statements = schema_statements()
    report = load_store(sample_store, graph_target.settings(), batch_bytes=3000)
    s = report.schema_report
    assert sorted(s.applied + [i.statement for i in s.rejected]) == sorted(statements)
    if graph_target.is_neo4j:
        assert s.rejected == []
    else:
        # Measured: FalkorDB's Bolt rejects Neo4j 5 constraint and named-index syntax; kg says so.
        rejected = [i.statement for i in s.rejected]
        assert [st for st in statements if st.startswith("CREATE CONSTRAINT")] == \
            [st for st in rejected if st.startswith("CREATE CONSTRAINT")]
        warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("kg load: warning: the server rejected")]
        assert len(warnings) == len(s.rejected) > 0
    lines = dict(ln.split(":", 1) for ln in result.stdout.splitlines() if ":" in ln)
    assert lines["schema"].strip() == f"{len(s.applied)} statements applied, {len(s.rejected)} rejected by the server"
    local = _local_counts(sample_store)
    assert lines["server"].strip() == f"{local['nodes']} nodes, {local['relationships']} relationships"
    assert "rows/s" in lines["writes"]


def test_every_named_query_matches_the_local_store(graph_target, sample_store):
    assert _load_cli(graph_target, sample_store).exit_code == 0
    compared = 0
    for q in named_queries().values():
        params = [f"--param={k}={q.examples[k]}" for k in q.params]
        local = _invoke(graph_target, ["query", "--name", q.name, "--store", str(sample_store), "--json", *params])
        remote = _invoke(graph_target, ["query", "--name", q.name, "--neo4j", "--json", *params])
        assert local.exit_code == 0 and remote.exit_code == 0, (q.name, local.output, remote.output)
        local_rows = [json.loads(x) for x in local.stdout.splitlines()]
        remote_rows = [json.loads(x) for x in remote.stdout.splitlines()]
        assert local_rows, f"{q.name}: the example returns no rows locally, so the comparison would be empty"
        assert remote_rows == local_rows, q.name  # same rows, same ORDER BY order
        compared += 1
    assert compared == len(named_queries()) >= 9


def test_query_output_formats_match_local(graph_target, sample_store):
    assert _load_cli(graph_target, sample_store).exit_code == 0
    cypher = "MATCH (e:Hardware) RETURN e.name AS name, e.vendor AS vendor ORDER BY name LIMIT 5"
    for fmt in ([], ["--csv"], ["--json"]):
        local = _invoke(graph_target, ["query", cypher, "--store", str(sample_store), *fmt])
        remote = _invoke(graph_target, ["query", cypher, "--neo4j", *fmt])
        assert local.exit_code == 0 and remote.exit_code == 0, remote.output
        assert remote.stdout == local.stdout
        assert len(local.stdout.splitlines()) == {0: 8, 1: 6, 2: 5}[[[], ["--csv"], ["--json"]].index(fmt)]


def test_query_cannot_write(graph_target, sample_store):
    assert _load_cli(graph_target, sample_store).exit_code == 0
    before = run_query("MATCH (p:Paper) RETURN count(p) AS n", settings=graph_target.settings()).rows
    result = _invoke(graph_target, ["query", "--neo4j", "CREATE (p:Paper {id: 'intruder'}) RETURN p.id"])
    assert result.exit_code == 1 and "read-only" in result.output
    after = run_query("MATCH (p:Paper) RETURN count(p) AS n", settings=graph_target.settings()).rows
    assert before == after == [[_local_counts(sample_store)["labels"]["Paper"]]]


@pytest.mark.neo4j
@pytest.mark.parametrize("graph_target", ["neo4j"], indirect=True)
def test_neo4j_read_session_refuses_writes_server_side(graph_target):
    """Past kg's own check, the READ access mode itself stops a write (real Neo4j only: FalkorDB's Bolt
    ignores the access mode, measured)."""
    from neo4j.exceptions import ClientError

    with Neo4jStore(graph_target.settings()) as neo, pytest.raises(ClientError):
        neo._read("CREATE (p:Paper {id: 'intruder'})")


def test_wrong_password_is_one_line(graph_target):
    settings = graph_target.settings()
    wrong = "wrong-" + SECRET
    env = dict(graph_target.env(), NEO4J_PASSWORD=wrong)
    result = CliRunner().invoke(cli, ["query", "--neo4j", "RETURN 1 AS x"], env=env)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {settings.uri}")
    assert "NEO4J_PASSWORD" in lines[0] and wrong not in result.output and "Traceback" not in result.output


def test_server_killed_mid_load_then_rerun_completes(graph_target, sample_store):
    if graph_target.server is None:
        pytest.skip("needs a server the tests can kill (the FalkorDB one)")
    server = graph_target.server
    killed_after = []

    def kill_after_five(p):
        if p.batches_done == 5:
            server.save()   # what was committed so far survives, as on a server with durable storage
            server.kill()
            killed_after.append(p.rows_done)

    with pytest.raises(Neo4jError) as info:
        load_store(sample_store, graph_target.settings(), batch_bytes=3000, progress=kill_after_five,
                   retry_seconds=1.0)
    message = str(info.value)
    assert len(killed_after) == 1
    plan = plan_batches(open_store(sample_store).graph, batch_bytes=3000)
    assert f"5 of {len(plan)} batches ({killed_after[0]} of {sum(len(b.rows) for b in plan)} rows) were written" \
        in message
    assert "\n" not in message and "re-run it to complete the load" in message
    assert graph_target.password not in message

    server.start()  # same data directory: the partial graph is back
    partial = run_query("MATCH (p:Paper) RETURN count(p) AS n", settings=graph_target.settings()).rows[0][0]
    local = _local_counts(sample_store)
    assert 0 < partial < local["labels"]["Paper"]

    result = _load_cli(graph_target, sample_store)
    assert result.exit_code == 0, result.output
    report = LoadReport.model_validate_json(result.stdout)
    assert report.server.model_dump() == _local_counts(sample_store)
    assert report.nodes_created == local["nodes"] - partial


def test_password_never_reaches_output_logs_or_store(graph_target, sample_store, tmp_path, caplog):
    """A full `kg load` and `kg query --neo4j` with the driver logging at DEBUG: the password is in none of
    stdout, stderr, the log records, or the store file."""
    import logging

    if not graph_target.password:
        pytest.skip("the target has no password to leak")
    caplog.set_level(logging.DEBUG)
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(sample_store.read_bytes())
    loaded = _load_cli(graph_target, store)
    queried = CliRunner().invoke(cli, ["query", "--neo4j", "--name", "top-entities", "--param", "type=Hardware",
                                       "--store", str(store)], env=graph_target.env())
    assert loaded.exit_code == 0 and queried.exit_code == 0, (loaded.output, queried.output)
    assert "A100" in queried.output
    secret = graph_target.password
    for text in (loaded.output, loaded.stderr, queried.output, queried.stderr, caplog.text):
        assert secret not in text
    assert secret.encode() not in gzip.decompress(store.read_bytes())
