"""Neo4j backend: statements, batching, errors (fake driver); Cypher lint; then the wire path on a real Neo4j.

The wire tests take `neo4j_db` (an emptied database) or `neo4j_sample` (the sample graph, shared by tests
that only read) from the session's real Neo4j 5.26: the one tests/conftest.py starts, or yours with
NEO4J_URI. They carry the marker `neo4j`.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import free_port, neo4j_contents, set_years, store_contents

from kg.api import open_store
from kg.cli import cli
from kg.cypher.rows import row_bytes
from kg.cypher.scripts import schema_statements
from kg.cypher.statements import (
    AWAIT_INDEXES,
    AWAIT_INDEXES_SECONDS,
    NODE_STATEMENTS,
    REL_STATEMENTS,
    ROW_KEYS,
    load_statements,
)
from kg.graph import entity_attrs
from kg.model.errors import KGError, Neo4jError, QueryError, StoreError
from kg.model.schema import Label, Rel
from kg.query import named_queries
from kg.store.neo4j import Neo4jStore, load_store
from kg.store.neo4j_batches import plan_batches
from kg.store.neo4j_errors import translate_error
from kg.store.neo4j_reports import LoadReport
from kg.store.neo4j_settings import Neo4jSettings

SECRET = "pw-never-shown-7f3a"


# --------------------------------------------------------------------------- a small graph


def small_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("paper:p1", __labels__={"Paper"}, id="p1", title="Don't \\ stop", abstract="A100s", sources=["a.txt:1"])
    g.add_node("paper:p2", __labels__={"Paper"}, id="p2", title="Second", abstract="", sources={"b.txt:2"}, year=2024)
    g.add_node(
        "entity:a100",
        **entity_attrs("a100", "A100", "Hardware", source="catalog", aliases=["A100 GPU"], vendor="NVIDIA"),
    )
    g.add_node("entity:ampere", **entity_attrs("ampere", "Ampere", "Hardware", source="catalog"))
    g.add_node("entity:lora", **entity_attrs("lora", "LoRA", "Method", source="catalog"))
    g.add_edge(
        "paper:p1",
        "entity:a100",
        key="MENTIONS",
        __labels__={"MENTIONS"},
        count=2,
        confidence=0.9,
        surfaces=["A100s"],
        rules=["catalog"],
        citations=[],
    )
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
    assert NODE_STATEMENTS[Label.HARDWARE] == (
        "UNWIND $rows AS row MERGE (n:Entity {id: row.id}) SET n:Hardware SET n += row.props"
    )
    assert REL_STATEMENTS[Rel.CITES] == (
        "UNWIND $rows AS row MATCH (a:Paper {id: row.start}) MATCH (b:Paper "
        "{id: row.end}) MERGE (a)-[r:CITES]->(b) SET r += row.props"
    )
    assert REL_STATEMENTS[Rel.VARIANT_OF].count(":Entity {id:") == 2
    assert set(NODE_STATEMENTS) == {
        Label.PAPER,
        Label.METHOD,
        Label.MODEL,
        Label.DATASET,
        Label.HARDWARE,
        Label.FRAMEWORK,
    }
    assert set(REL_STATEMENTS) == set(Rel)


def test_load_sends_exact_parameterised_statements_in_write_transactions():
    driver = FakeDriver()
    report = fake_store(driver).load_graph(small_graph(), batch_size=1000, schema=False)
    writes = [(q, p) for mode, q, p in driver.runs if mode == "write"]
    assert writes == [
        (
            NODE_STATEMENTS[Label.PAPER],
            {
                "rows": [
                    {
                        "id": "p1",
                        "props": {"id": "p1", "title": "Don't \\ stop", "abstract": "A100s", "sources": ["a.txt:1"]},
                    },
                    {
                        "id": "p2",
                        "props": {"id": "p2", "title": "Second", "abstract": "", "sources": ["b.txt:2"], "year": 2024},
                    },
                ]
            },
        ),
        (
            NODE_STATEMENTS[Label.METHOD],
            {
                "rows": [
                    {
                        "id": "lora",
                        "props": {"id": "lora", "name": "LoRA", "type": "Method", "aliases": [], "source": "catalog"},
                    },
                ]
            },
        ),
        (
            NODE_STATEMENTS[Label.HARDWARE],
            {
                "rows": [
                    {
                        "id": "a100",
                        "props": {
                            "id": "a100",
                            "name": "A100",
                            "type": "Hardware",
                            "aliases": ["A100 GPU"],
                            "source": "catalog",
                            "vendor": "NVIDIA",
                        },
                    },
                    {
                        "id": "ampere",
                        "props": {
                            "id": "ampere",
                            "name": "Ampere",
                            "type": "Hardware",
                            "aliases": [],
                            "source": "catalog",
                        },
                    },
                ]
            },
        ),
        (
            REL_STATEMENTS[Rel.MENTIONS],
            {
                "rows": [
                    {
                        "start": "p1",
                        "end": "a100",
                        "props": {
                            "count": 2,
                            "confidence": 0.9,
                            "surfaces": ["A100s"],
                            "rules": ["catalog"],
                            "citations": [],
                        },
                    }
                ]
            },
        ),
        (REL_STATEMENTS[Rel.INTRODUCES], {"rows": [{"start": "p1", "end": "lora", "props": {}}]}),
        (REL_STATEMENTS[Rel.CITES], {"rows": [{"start": "p2", "end": "p1", "props": {"via": ["LoRA"]}}]}),
        (REL_STATEMENTS[Rel.VARIANT_OF], {"rows": [{"start": "a100", "end": "ampere", "props": {}}]}),
    ]
    write_sessions = [kw for mode, kw in driver.transactions if mode == "write"]
    assert write_sessions and all(
        kw["database"] == "kgdb" and kw["default_access_mode"] == "WRITE" for kw in write_sessions
    )
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


def _no_graph_loads(monkeypatch) -> None:
    """Make every way of loading a store's graph fail, so a test sees `kg load` stream the file instead."""
    import kg.store.local
    import kg.store.store_file

    def refuse(*args, **kwargs):
        raise AssertionError("the store's graph was loaded")

    monkeypatch.setattr(kg.store.local, "load_graph", refuse)
    monkeypatch.setattr(kg.store.local, "read_graph", refuse)
    monkeypatch.setattr(kg.store.store_file, "read_graph", refuse)


def _fake_connections(monkeypatch, driver) -> None:
    """Every Neo4jStore made without a driver (as `kg load` makes one) gets `driver`."""
    monkeypatch.setattr(Neo4jStore, "_make_driver", staticmethod(lambda *args: driver))


_REPORT_COUNTS = ("nodes", "relationships", "rows", "batches", "nodes_created", "relationships_created")


@pytest.mark.parametrize("sizes", [(10_000, 4 * 1024 * 1024), (1000, 3000), (7, 600)], ids=str)
def test_kg_load_streams_the_store_file_with_the_writes_of_its_graph(monkeypatch, sample_store, sizes):
    """`kg load` of a store file never loads its graph, and sends the same writes, in the same batches and order,
    with the same progress and report, as a load of the graph read from that file."""
    batch_size, batch_bytes = sizes
    from_graph = FakeDriver()
    progress_graph = []
    graph_report = fake_store(from_graph).load_graph(
        open_store(sample_store).graph,
        batch_size=batch_size,
        batch_bytes=batch_bytes,
        progress=lambda p: progress_graph.append((p.batches_done, p.batches_total, p.rows_done, p.rows_total)),
    )

    _no_graph_loads(monkeypatch)
    with pytest.raises(AssertionError, match="graph was loaded"):
        open_store(sample_store).graph  # noqa: B018 - the graph is loaded on first use
    from_file = FakeDriver()
    progress_file = []
    file_report = fake_store(from_file).load_file(
        sample_store,
        batch_size=batch_size,
        batch_bytes=batch_bytes,
        progress=lambda p: progress_file.append((p.batches_done, p.batches_total, p.rows_done, p.rows_total)),
    )
    assert from_file.runs == from_graph.runs
    assert progress_file == progress_graph
    assert [getattr(file_report, k) for k in _REPORT_COUNTS] == [getattr(graph_report, k) for k in _REPORT_COUNTS]
    writes = [q for mode, q, _ in from_file.runs if mode == "write" and q.startswith("UNWIND")]
    assert len(writes) == file_report.batches > 1
    first_relationship = min(i for i, q in enumerate(writes) if "]->(b)" in q)
    assert all("]->(b)" in q for q in writes[first_relationship:])  # every node before any relationship

    from_cli = FakeDriver()
    _fake_connections(monkeypatch, from_cli)
    result = CliRunner().invoke(
        cli,
        ["load", "--store", str(sample_store), "--json", "--batch-size", batch_size, "--batch-bytes", batch_bytes],
        env={"NEO4J_PASSWORD": SECRET},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    cli_report = LoadReport.model_validate_json(result.stdout)
    assert from_cli.runs == from_graph.runs
    assert cli_report.model_dump(exclude={"seconds", "rows_per_second", "uri", "store", "database"}) == (
        graph_report.model_dump(exclude={"seconds", "rows_per_second", "uri", "store", "database"})
    )
    assert cli_report.store == str(sample_store)


def _store_file(path: Path, lines: list[dict]) -> Path:
    """A store file of these lines after a kg-store header, ended by a marker with their counts."""
    header = {"format": "kg-store", "version": 1}
    end = {
        "end": True,
        "nodes": sum("n" in line for line in lines),
        "relationships": sum("r" in line for line in lines),
    }
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for line in (header, *lines, end):
            f.write(json.dumps(line) + "\n")
    return path


_P1 = {"n": "paper:p1", "labels": ["Paper"], "props": {"id": "p1", "title": "One", "abstract": ""}}
_P2 = {"n": "paper:p2", "labels": ["Paper"], "props": {"id": "p2", "title": "Two", "abstract": ""}}
_P3 = {"n": "paper:p3", "labels": ["Paper"], "props": {"id": "p3", "title": "Three", "abstract": ""}}
_CITES = {"r": ["paper:p2", "paper:p1", "CITES"], "props": {"via": ["x"]}}


@pytest.mark.parametrize(
    "lines,error",
    [
        pytest.param(
            [_P1, _P2, _CITES, _P3],
            r"node paper:p3 comes after relationships; kg load writes every node first .*; move it aside",
            id="node after a relationship",
        ),
        pytest.param(
            [_P1, _CITES],
            r"relationship paper:p2 -\[CITES\]-> paper:p1: node paper:p2 is not in the store before it; move it",
            id="relationship to a missing node",
        ),
        pytest.param(
            [_P1, _P2, _CITES, "truncated"],
            r"store is truncated or corrupt \(end marker missing or counts differ\); move it aside",
            id="truncated",
        ),
    ],
)
def test_kg_load_refuses_a_damaged_store_before_connecting(tmp_path, monkeypatch, lines, error):
    """The store file is read to its end before kg connects (nothing listens at the URI: connecting would be
    another error), so a store kg load cannot stream whole stops it with one line and sends nothing."""
    truncated = lines[-1] == "truncated"
    store = _store_file(tmp_path / "store.jsonl.gz", [line for line in lines if line != "truncated"])
    if truncated:  # the end marker cut off
        text = gzip.decompress(store.read_bytes()).decode().splitlines(keepends=True)
        store.write_bytes(gzip.compress("".join(text[:-1]).encode()))
    _no_graph_loads(monkeypatch)
    uri = f"bolt://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["load", "--store", str(store), "--uri", uri], env={"NEO4J_PASSWORD": SECRET})
    assert result.exit_code == 1, result.output
    lines_out = result.output.strip().splitlines()
    assert len(lines_out) == 1 and "Traceback" not in result.output, result.output
    assert re.fullmatch(rf"Error: {re.escape(str(store))}: {error}.*", lines_out[0]), lines_out[0]


def test_a_store_that_fails_to_read_mid_load_says_how_far_the_load_got():
    """A stream of batches that breaks after the first (the file became unreadable): the error says so, with
    how many batches and rows were written."""
    from kg.store.neo4j_batches import PlanTotals

    def plan():
        yield from plan_batches(small_graph())[:1]
        raise StoreError("s.jsonl.gz: store is corrupt at line 7 (ValueError); move it aside")

    driver = FakeDriver()
    with pytest.raises(StoreError) as info:
        fake_store(driver).write_batches(plan(), totals=PlanTotals(batches=7, rows=9, nodes=5, relationships=4))
    assert str(info.value) == (
        "s.jsonl.gz: store is corrupt at line 7 (ValueError); move it aside "
        "(1 of 7 batches, 2 of 9 rows, were written before; kg load is idempotent)"
    )
    assert len([r for r in driver.runs if r[0] == "write"]) == 1


@pytest.mark.parametrize(
    "bad",
    [
        ("node", "Hardware) DETACH DELETE n //"),
        ("node", "Robot"),
        ("edge", "MENTIONS]->() DETACH DELETE a //"),
    ],
)
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

    err = ClientError._hydrate_neo4j(
        code="Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
        message="An equivalent constraint already exists",
    )
    driver = FakeDriver(fail_on="paper_id", error=err)
    report = fake_store(driver).apply_schema()
    assert [i.statement for i in report.rejected] == [s for s in schema_statements() if "paper_id" in s]
    assert "EquivalentSchemaRuleAlreadyExists" in report.rejected[0].error
    assert len(report.applied) == len(schema_statements()) - 1


def test_schema_waits_for_its_indexes_before_any_row_is_written():
    """Until an index is online Neo4j accepts a value it cannot index (the index fails later, unseen); kg
    waits for the indexes after the schema, so such a value is refused, and reported, at write time."""
    driver = FakeDriver()
    fake_store(driver).apply_schema()
    writes = [(q, p) for mode, q, p in driver.runs if mode == "write"]
    assert writes == [(s, {}) for s in schema_statements()] + [(AWAIT_INDEXES, {"seconds": AWAIT_INDEXES_SECONDS})]


# --------------------------------------------------------------------------- queries are read-only


def test_query_runs_in_a_read_session_with_only_its_parameters():
    driver = FakeDriver()
    result = fake_store(driver).query(
        "MATCH (e:Entity {name: $name}) RETURN e.id AS x // $unused in a comment", {"name": "A100", "extra": 1}
    )
    assert result.columns == ["x"] and result.rows == [[1]]
    assert driver.transactions == [("read", {"database": "kgdb", "default_access_mode": "READ"})]
    assert driver.runs == [
        ("read", "MATCH (e:Entity {name: $name}) RETURN e.id AS x // $unused in a comment", {"name": "A100"})
    ]


@pytest.mark.parametrize(
    "cypher",
    [
        "CREATE (n:Paper {id: 'x'})",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n:Paper) SET n.title = 'x' RETURN n",
        "MERGE (n:Paper {id: 'x'}) RETURN n",
        "match (n) remove n.title return n",
    ],
)
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
        (
            AuthError._hydrate_neo4j(code="Neo.ClientError.Security.Unauthorized", message="bad credentials"),
            "authentication failed",
        ),
        (
            ClientError._hydrate_neo4j(code="Neo.ClientError.Database.DatabaseNotFound", message="no such db"),
            "does not exist",
        ),
        (
            TransientError._hydrate_neo4j(code="Neo.TransientError.General.OutOfMemoryError", message="oom\nline 2"),
            "Neo4j failed",
        ),
        (
            ClientError._hydrate_neo4j(
                code="Neo.ClientError.Security.AuthenticationRateLimit",
                message="The client has provided incorrect authentication details too many times",
            ),
            "too many failed logins for user 'neo4j'",
        ),
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
    s = Neo4jSettings.from_env(
        environ={"NEO4J_URI": "bolt://h:1", "NEO4J_USERNAME": "u", "NEO4J_PASSWORD": SECRET, "NEO4J_DATABASE": "d"}
    )
    assert (s.uri, s.user, s.database, s.has_password) == ("bolt://h:1", "u", "d", True)
    assert SECRET not in repr(s) and SECRET not in str(s)
    s2 = Neo4jSettings.from_env(uri="bolt://o:2", user="v", database="e", environ={"NEO4J_URI": "bolt://h:1"})
    assert (s2.uri, s2.user, s2.database, s2.has_password) == ("bolt://o:2", "v", "e", False)
    assert Neo4jSettings.from_env(environ={"NEO4J_PASSWORD": ""}).has_password  # empty is a password


@pytest.mark.parametrize(
    "uri,shown",
    [
        ("bolt://neo4j:" + SECRET + "@db.example:7687", "bolt://***@db.example:7687"),
        ("neo4j+s://neo4j:p@ss/w:" + SECRET + "@db.example", "neo4j+s://***@db.example"),  # @ / : in the password
        ("neo4j:" + SECRET + "@db.example:7687", "***@db.example:7687"),  # no scheme
        ("bolt://" + SECRET + "@db.example:7687", "bolt://***@db.example:7687"),  # a password alone
    ],
)
def test_credentials_in_the_uri_are_never_shown_nor_used(uri, shown):
    settings = Neo4jSettings(uri, "neo4j", "from-env-pw", "kgdb")
    assert settings.uri == shown and settings.uri_has_credentials
    assert SECRET not in repr(settings) and SECRET not in settings.where()
    with pytest.raises(Neo4jError) as info:
        Neo4jStore(settings)
    message = str(info.value)
    assert message.startswith(f"{shown}: the URI holds a user name or password (not shown)")
    assert "NEO4J_PASSWORD" in message and SECRET not in message and "p@ss" not in message


def test_uri_without_credentials_is_kept():
    settings = Neo4jSettings("neo4j+s://db.example:7687?policy=eu", "neo4j", SECRET)
    assert settings.uri == "neo4j+s://db.example:7687?policy=eu" and not settings.uri_has_credentials


@pytest.mark.parametrize(
    "change,named",
    [
        pytest.param(
            lambda g: g.nodes["paper:p2"].update(year=2**63),
            "node paper:p2 (from b.txt:2): property 'year'",
            id="2**63",
        ),
        pytest.param(
            lambda g: g.nodes["paper:p2"].update(year=-(2**63) - 1),
            "node paper:p2 (from b.txt:2): property 'year'",
            id="-2**63-1",
        ),
        pytest.param(
            lambda g: g.nodes["entity:a100"].update(sizes=[1, 10**30]),
            "node entity:a100: property 'sizes'",
            id="in a list",
        ),
        pytest.param(
            lambda g: g.edges["paper:p1", "entity:a100", "MENTIONS"].update(count=2**64),
            "relationship paper:p1 -[MENTIONS]-> entity:a100: property 'count'",
            id="on a relationship",
        ),
    ],
)
def test_int_outside_64_bits_is_a_clear_error_before_anything_is_sent(change, named):
    g = small_graph()
    change(g)
    driver = FakeDriver()
    with pytest.raises(StoreError) as info:
        fake_store(driver).load_graph(g, schema=False)
    message = str(info.value)
    assert message.startswith(named) and "does not fit a 64-bit integer" in message and "\n" not in message
    assert driver.runs == [] and driver.transactions == []


def test_kg_load_of_a_store_with_a_huge_year_is_one_line(tmp_path):
    """Through the CLI: the out-of-range year is reported, naming the paper and its input line, before kg
    connects (nothing listens at the URI: an attempt to connect would be a different error)."""
    import kg

    source = tmp_path / "huge.jsonl"
    source.write_text(
        json.dumps({"title": "A paper from the far future", "abstract": "We train on A100s.", "year": 2024}) + "\n"
    )
    store = tmp_path / "huge.jsonl.gz"
    kg.build([source], store=store)
    set_years(store, 10**24)  # reading refuses such a year now; a store from the Python API may still hold one
    uri = f"bolt://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["load", "--store", str(store), "--uri", uri], env={"NEO4J_PASSWORD": SECRET})
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output and "OverflowError" not in result.output
    assert re.fullmatch(
        rf"Error: node paper:\S+ \(from {re.escape(str(source))}:1\): property 'year': {10**24} "
        r"does not fit a 64-bit integer, .*",
        lines[0],
    ), lines[0]


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
    uri = f"bolt://127.0.0.1:{free_port()}"  # nothing listens there
    result = CliRunner().invoke(
        cli, ["load", "--store", str(sample_store), "--uri", uri], env={"NEO4J_PASSWORD": SECRET}
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {uri}: Neo4j is unreachable while connecting")
    assert "docker compose up -d" in lines[0] and SECRET not in result.output and "Traceback" not in result.output


def test_bad_uri_is_one_line():
    result = CliRunner().invoke(
        cli, ["query", "--neo4j", "--uri", "http://localhost:7474", "RETURN 1 AS x"], env={"NEO4J_PASSWORD": SECRET}
    )
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
    from kg.store.querydb.schema import ENTITY_PROPERTIES, PAPER_PROPERTIES, REL_PROPERTIES

    keys.update(PAPER_PROPERTIES, ENTITY_PROPERTIES, *REL_PROPERTIES.values())  # the model's, seen in data or not
    return {
        "labels": [lbl.value for lbl in Label],
        "relationshipTypes": [r.value for r in Rel],
        "propertyKeys": sorted(keys),
    }


def _statements_kg_sends(sample_store) -> list[dict]:
    from kg.export import cypher_script_statements

    out = [{"id": f"schema:{i}", "query": s, "parameters": {}} for i, s in enumerate(schema_statements())]
    out.append({"id": "schema:await-indexes", "query": AWAIT_INDEXES, "parameters": {"seconds": 300}})
    for name, statement in load_statements().items():
        params = {"rows": []} if "$rows" in statement else {}
        out.append({"id": name, "query": statement, "parameters": params})
    from kg.cypher.lexer import Tok, tokenize
    from kg.lookup import STATEMENTS as LOOKUP
    from kg.stats import STATEMENTS as STATS

    for name, statement in {**LOOKUP, **STATS}.items():
        params = {
            t.text: 1 if t.text in ("limit", "sample") else "x" for t in tokenize(statement) if t.kind is Tok.PARAM
        }
        out.append({"id": name, "query": statement, "parameters": params})
    for q in named_queries().values():
        out.append(
            {"id": f"named:{q.name}", "query": q.cypher, "parameters": {k: q.examples.get(k, "x") for k in q.params}}
        )
    # The export script: the schema, then every template with real data as literals (quotes, backslashes, unicode).
    seen: dict[str, int] = {}
    for statement in cypher_script_statements(open_store(sample_store).graph, batch=10, schema=False):
        template = statement[statement.index(" AS row ") :]
        seen[template] = seen.get(template, 0) + 1
        if seen[template] <= 2:
            out.append({"id": f"export:{len(out)}", "query": statement, "parameters": {}})
    return out


LINT_CANARIES = [  # statements the linter must flag, so that a clean lint of kg's statements means something
    {"id": "canary:syntax", "query": "MATCH (n:Paper) RETURN n LIMT 3", "parameters": {}},
    {"id": "canary:old-constraint", "query": "CREATE CONSTRAINT ON (n:Paper) ASSERT n.id IS UNIQUE", "parameters": {}},
    {"id": "canary:deprecated", "query": "MATCH (n:Paper) RETURN id(n) AS i", "parameters": {}},
    {"id": "canary:param", "query": "MATCH (n:Paper {id: $nope}) RETURN n.title", "parameters": {}},
    {"id": "canary:label", "query": "MATCH (n:Papr) RETURN n.title", "parameters": {}},
]


@pytest.fixture(scope="module")
def lint_results(cypher_linter, sample_store) -> tuple[list[dict], dict]:
    """kg's statements and the canaries, linted in one run of the linter (node takes seconds to load it):
    (kg's statements, {id: diagnostics} for all)."""
    statements = _statements_kg_sends(sample_store)
    results = cypher_linter(statements + LINT_CANARIES, _lint_schema(sample_store))
    assert [r["id"] for r in results] == [s["id"] for s in statements + LINT_CANARIES]
    return statements, {r["id"]: r["diagnostics"] for r in results}


def test_every_statement_kg_sends_lints_clean(lint_results):
    statements, diagnostics = lint_results
    assert any(s["id"].startswith("export:") for s in statements) and any(
        s["id"].startswith("named:") for s in statements
    )
    problems = [(s["id"], d) for s in statements for d in diagnostics[s["id"]]]
    assert problems == []


def test_the_linter_does_catch_problems(lint_results):
    """The lint test above cannot pass vacuously: the same run reports errors and deprecations."""
    _, diagnostics = lint_results
    flagged = {c["id"]: {d["severity"] for d in diagnostics[c["id"]]} for c in LINT_CANARIES}
    assert flagged == {
        "canary:syntax": {"error"},
        "canary:old-constraint": {"error"},
        "canary:deprecated": {"warning"},
        "canary:param": {"error"},
        "canary:label": {"warning"},
    }


# --------------------------------------------------------------------------- on a real Neo4j 5.26 (conftest)


def _kg(args, env=None):
    """`kg ARGS` through click's runner; an exception that is not a clean `Error:` line fails the test."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def _json_rows(result) -> list:
    """The rows of `kg query --json`: one JSON object per \\n-ended line (a row may hold U+2028, which
    str.splitlines would also split on)."""
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.split("\n") if line]


def _load(target, store, *extra) -> LoadReport:
    result = _kg(["load", "--store", store, "--json", *extra], env=target.env())
    assert result.exit_code == 0, result.output
    return LoadReport.model_validate_json(result.stdout)


def _save(g: nx.MultiDiGraph, directory: Path) -> Path:
    """`g` as a store file in `directory`."""
    from kg.store import LocalStore

    return LocalStore(g, directory / "store.jsonl.gz").save()


def _local_stats(store) -> dict:
    result = _kg(["stats", "--json", "--store", store])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _one_line_error(result, uri: str | None) -> str:
    """The one `Error: ...` line of a failed command (naming the server first, when `uri` is given)."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {uri or ''}"), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def neo4j_sample(neo4j_server, sample_store):
    """The sample graph in the session's Neo4j, shared by tests that only read (they run in READ sessions):
    loaded again only when another test has emptied the database since."""
    if neo4j_server.ours and not neo4j_server.server.running:
        neo4j_server.restart()
    if neo4j_server.holds != str(sample_store):
        neo4j_server.wipe()
        load_store(sample_store, neo4j_server.settings())
        neo4j_server.holds = str(sample_store)
    return neo4j_server


def test_load_full_then_grown_then_again(neo4j_db, sample_store, grown_store):
    """Neo4j holds exactly the store after each load (every node, relationship, label and property), its
    counts are `kg stats`' counts, and loading an unchanged store again changes nothing."""
    from kg.stats import stats

    full = _load(neo4j_db, sample_store, "--batch-bytes", "3000")
    want = _local_stats(sample_store)
    assert full.server.model_dump() == {k: want[k] for k in ("nodes", "relationships", "labels", "types")}
    assert (full.nodes_created, full.relationships_created) == (want["nodes"], want["relationships"])
    assert full.batches > 1 and full.rows == want["nodes"] + want["relationships"]
    local = store_contents(open_store(sample_store).graph)
    properties = neo4j_db.read(
        "MATCH (n) WITH sum(size(keys(n))) AS nodes MATCH ()-[r]->() RETURN nodes, sum(size(keys(r))) AS relationships"
    )
    assert properties == [
        {"nodes": sum(len(p) for _, p in local[0].values()), "relationships": sum(len(p) for p in local[1].values())}
    ]
    assert neo4j_contents(neo4j_db) == local

    grown = _load(neo4j_db, grown_store)
    want_grown = _local_stats(grown_store)
    assert grown.server.model_dump() == {k: want_grown[k] for k in ("nodes", "relationships", "labels", "types")}
    assert grown.nodes_created == want_grown["nodes"] - want["nodes"] > 0
    assert grown.relationships_created == want_grown["relationships"] - want["relationships"] > 0
    contents = neo4j_contents(neo4j_db)
    assert contents == store_contents(open_store(grown_store).graph)
    with Neo4jStore(neo4j_db.settings()) as neo:
        assert stats(neo.run) == want_grown  # kg stats' own queries, on Neo4j: top entities too

    again = _load(neo4j_db, grown_store)
    assert (again.nodes_created, again.relationships_created) == (0, 0)
    assert again.server == grown.server
    assert neo4j_contents(neo4j_db) == contents


def test_kg_load_streams_the_store_into_the_neo4j_its_graph_makes(neo4j_db, sample_store, monkeypatch):
    """`kg load` of the store file, with every way of loading its graph broken, leaves the server holding what a
    load of the graph leaves (every node, relationship, label and property), and reports the same."""
    g = open_store(sample_store).graph
    from_graph = load_store(g, neo4j_db.settings(), batch_bytes=3000)
    contents = neo4j_contents(neo4j_db)
    assert contents == store_contents(g)
    neo4j_db.wipe()
    _no_graph_loads(monkeypatch)
    from_file = _load(neo4j_db, sample_store, "--batch-bytes", "3000")
    assert neo4j_contents(neo4j_db) == contents
    changing = {"seconds", "rows_per_second", "store"}
    assert from_file.model_dump(exclude=changing) == from_graph.model_dump(exclude=changing)
    assert from_file.batches > 10 and from_file.server.nodes == from_file.nodes_created == from_file.nodes


_SCHEMA_FORMS = {
    "constraint": re.compile(r"CREATE CONSTRAINT (\w+) IF NOT EXISTS FOR \(n:(\w+)\) REQUIRE n\.(\w+) IS UNIQUE"),
    "index": re.compile(r"CREATE INDEX (\w+) IF NOT EXISTS FOR \(n:(\w+)\) ON \(n\.(\w+)\)"),
}


def _schema_wanted() -> dict[str, set]:
    """cypher/schema.cypher as {"constraint": {(name, label, property)}, "index": {...}}; every statement parsed."""
    wanted = {kind: set() for kind in _SCHEMA_FORMS}
    for statement in schema_statements():
        kinds = [k for k, form in _SCHEMA_FORMS.items() if form.fullmatch(statement)]
        assert len(kinds) == 1, f"a schema statement this test does not know: {statement}"
        wanted[kinds[0]].add(_SCHEMA_FORMS[kinds[0]].fullmatch(statement).groups())
    return wanted


def test_schema_is_applied_and_present(neo4j_db, sample_store):
    for _ in range(2):  # the second load finds everything in place and rejects nothing
        result = _kg(["load", "--store", sample_store], env=neo4j_db.env())
        assert result.exit_code == 0, result.output
        n = len(schema_statements())
        assert f"schema:     {n} statements applied, 0 rejected by the server" in result.stdout.splitlines()
        assert "warning" not in result.stderr
    neo4j_db.read("CALL db.awaitIndexes(120)")
    constraints = {
        (r["name"], r["labelsOrTypes"][0], r["properties"][0])
        for r in neo4j_db.read(
            "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
            "WHERE type = 'UNIQUENESS' AND size(labelsOrTypes) = 1 "
            "AND size(properties) = 1"
        )
    }
    indexes = {
        (r["name"], r["labelsOrTypes"][0], r["properties"][0])
        for r in neo4j_db.read(
            "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state "
            "WHERE type = 'RANGE' AND state = 'ONLINE' AND size(properties) = 1"
        )
    }
    wanted = _schema_wanted()
    assert wanted["constraint"] and wanted["index"]
    assert wanted["constraint"] <= constraints
    assert wanted["index"] | wanted["constraint"] <= indexes  # a uniqueness constraint owns an index of its name
    if neo4j_db.ours:  # a database of its own: nothing else is there
        assert constraints == wanted["constraint"] and indexes == wanted["index"] | wanted["constraint"]
    plan = (
        neo4j_db.driver()
        .execute_query("EXPLAIN MATCH (e:Entity {name: $name}) RETURN e.id", name="A100", database_=neo4j_db.database)
        .summary.plan
    )
    operators = []
    todo = [plan]
    while todo:
        op = todo.pop()
        operators.append(op["operatorType"].split("@")[0])
        todo.extend(op.get("children", []))
    assert "NodeIndexSeek" in operators, operators  # lookups by name use entity_name


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_gives_the_same_rows_on_neo4j(neo4j_sample, sample_store, name):
    q = named_queries()[name]
    params = [f"--param={k}={q.examples[k]}" for k in q.params]
    local = _json_rows(_kg(["query", "--name", name, "--store", sample_store, "--json", *params]))
    remote = _json_rows(_kg(["query", "--name", name, "--neo4j", "--json", *params], env=neo4j_sample.env()))
    assert local, f"{name}: the example returns no rows locally, so the comparison would be empty"
    assert remote == local  # same rows, in the same ORDER BY order


@pytest.mark.parametrize("fmt,lines", [([], 8), (["--csv"], 6), (["--json"], 5)])
def test_query_output_formats_match_local(neo4j_sample, sample_store, fmt, lines):
    cypher = "MATCH (e:Hardware) RETURN e.name AS name, e.vendor AS vendor ORDER BY name LIMIT 5"
    local = _kg(["query", cypher, "--store", sample_store, *fmt])
    remote = _kg(["query", cypher, "--neo4j", *fmt], env=neo4j_sample.env())
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    assert len(local.stdout.splitlines()) == lines


@pytest.mark.parametrize("name", ["A100", "a100 gpu", "LoRA", "deepspeed", "Flash attention", "Megatron LM"])
def test_lookup_on_neo4j_matches_kg_lookup(neo4j_sample, sample_store, name):
    """`kg lookup` has no --neo4j option; its library call, `kg.lookup.lookup`, reads Neo4j through
    `Neo4jStore.run` and must describe the entity exactly as `kg lookup --json` does from the store."""
    from kg.lookup import lookup

    local = _kg(["lookup", name, "--json", "--store", sample_store])
    assert local.exit_code == 0, local.output
    with Neo4jStore(neo4j_sample.settings()) as neo:
        remote = lookup(neo.run, name)
    assert remote.to_dict() == json.loads(local.stdout)


_ERRORS = {
    "wrong password": (lambda t: t.env(NEO4J_PASSWORD="wrong-" + SECRET), "authentication failed", "NEO4J_PASSWORD"),
    "server down": (
        lambda t: t.env(NEO4J_URI=f"bolt://127.0.0.1:{free_port()}"),
        "Neo4j is unreachable",
        "start Neo4j",
    ),
    "unknown database": (
        lambda t: t.env(NEO4J_DATABASE="no-such-db"),
        "database 'no-such-db' does not exist",
        "--database/NEO4J_DATABASE",
    ),
}


@pytest.mark.parametrize(
    "command", [["load", "--store", "{store}"], ["query", "--neo4j", "RETURN 1 AS x"]], ids=["load", "query"]
)
@pytest.mark.parametrize("case", sorted(_ERRORS))
def test_connection_errors_are_one_clear_line(neo4j_server, sample_store, case, command):
    """At most two wrong passwords in a row here: Neo4j locks a user out for 5 s after three."""
    make_env, words, fix = _ERRORS[case]
    env = make_env(neo4j_server)
    result = _kg([str(sample_store) if a == "{store}" else a for a in command], env=env)
    line = _one_line_error(result, env["NEO4J_URI"])
    assert words in line and fix in line
    assert neo4j_server.password not in result.output and SECRET not in result.output


_SMUGGLED = {  # {L}: a label name no test has used: a refused write leaves no trace of it
    "comment with a quote": "MATCH (n) /* ' */ CREATE (:{L}) RETURN 1",
    "escaped backslash ends a string": "WITH '\\\\' AS s CREATE (:{L}) RETURN s",
    "quote inside other quotes": 'WITH "it\'s" AS s CREATE (:{L}) RETURN s',
    "*/ inside a string": "WITH '*/' AS s CREATE (:{L}) RETURN s",
    "subquery": "CALL {{ CREATE (:{L}) }} RETURN 1",
    "FOREACH": "FOREACH (x IN [1] | CREATE (:{L}))",
    "writing procedure": "CALL db.createLabel('{L}')",
    "schema command": "CREATE INDEX {L} FOR (n:{L}) ON (n.x)",
    "delete in transactions": "CALL {{ MATCH (p:Paper) DETACH DELETE p }} IN TRANSACTIONS RETURN '{L}' AS x",
}


def _label_exists(target, label: str) -> bool:
    """Whether the server knows the label at all (a token is made by a write, even one creating no node):
    a query naming an unknown label gets the notification 01N50 'label does not exist'."""
    summary = (
        target.driver().execute_query(f"MATCH (n:`{label}`) RETURN count(n) AS n", database_=target.database).summary
    )
    return not any(s.gql_status == "01N50" for s in summary.gql_status_objects)


def _fresh_label() -> str:
    return "Smuggled" + uuid.uuid4().hex[:12]


def test_label_probe_sees_a_label_a_write_made(neo4j_db):
    """The probe the next test relies on can say yes: a label created by a write is seen."""
    label = _fresh_label()
    assert not _label_exists(neo4j_db, label)
    neo4j_db.driver().execute_query(f"CALL db.createLabel('{label}')", database_=neo4j_db.database)
    assert _label_exists(neo4j_db, label)


@pytest.mark.parametrize("case", sorted(_SMUGGLED))
def test_smuggled_write_is_refused_by_the_server(neo4j_db, monkeypatch, case):
    """With kg's own write check switched off, the server refuses the write, because kg queries run in
    READ access mode; nothing is written. With the check on, the query is refused either way."""
    load_store(small_graph(), neo4j_db.settings())
    before = neo4j_contents(neo4j_db)
    label = _fresh_label()
    cypher = _SMUGGLED[case].format(L=label)

    checked = _kg(["query", "--neo4j", cypher], env=neo4j_db.env())
    line = _one_line_error(checked, None)  # refused by kg itself (before sending), or by the server
    assert line.startswith("Error: queries are read-only: ") or (
        line.startswith(f"Error: {neo4j_db.uri}") and "Neo.ClientError.Statement.AccessMode" in line
    )

    monkeypatch.setattr("kg.store.neo4j.refuse_writes", lambda cypher, remedy: None)
    unchecked = _kg(["query", "--neo4j", cypher], env=neo4j_db.env())
    line = _one_line_error(unchecked, neo4j_db.uri)
    assert "Neo4j rejected the query" in line
    assert "Neo.ClientError.Statement.AccessMode: Writing in read access mode not allowed" in line
    assert neo4j_contents(neo4j_db) == before
    assert not _label_exists(neo4j_db, label)


_VALUES = {
    "quotes": 'Don\'t say "no" \'\'; ""',
    "backslashes": "C:\\new\\table\\ \\' \\\" \\u0041 \\",
    "comment markers": "*/ RETURN 1 /* // -- ",
    "cypher syntax": "$v {x: 1} `tick` ) RETURN 1 //",
    "unicode": "Café ☕ 中文 😀 \u200f\u2028\u2029 e\u0301 \ufeff",
    "control characters": "nul\x00 bell\x07 tab\t cr\r lf\n end",
    "huge": "Ünïcødé 😀 " * 500_000,  # 6.5 MB of UTF-8: more than one 4 MiB batch, so it goes alone
}


@pytest.mark.parametrize("case", sorted(_VALUES))
def test_parameters_arrive_intact(neo4j_db, case):
    value = _VALUES[case]
    rows = _json_rows(
        _kg(
            ["query", "--neo4j", "--json", "RETURN $v AS v, size($v) AS n", "--param", f"v={value}"], env=neo4j_db.env()
        )
    )
    assert rows == [{"v": value, "n": len(value)}]
    rows = _json_rows(
        _kg(
            [
                "query",
                "--neo4j",
                "--json",
                "RETURN $v AS v",
                "--param-json",
                "v=" + json.dumps({"list": [value, value[:10]], "key": value[:100]}),
            ],
            env=neo4j_db.env(),
        )
    )
    assert rows == [{"v": {"list": [value, value[:10]], "key": value[:100]}}]

    # The value in a loaded graph, as an abstract and in a list, read back exactly. The title gets at most
    # 4000 characters: Paper.title is indexed, and Neo4j refuses to index a value over about 8 kB.
    g = small_graph()
    g.nodes["paper:p1"].update(title=value[:4000], abstract=value, sources=[value, "b"])
    report = load_store(g, neo4j_db.settings())
    assert report.nodes_created == g.number_of_nodes()
    with Neo4jStore(neo4j_db.settings()) as neo:
        found = neo.query(
            "MATCH (p:Paper) WHERE p.abstract = $v AND p.title = $t RETURN p.id AS id, "
            "p.title AS title, p.abstract AS abstract, p.sources AS sources",
            {"v": value, "t": value[:4000]},
        )
    assert found.rows == [["p1", value[:4000], value, [value, "b"]]]


def test_a_value_neo4j_cannot_index_stops_the_load_in_one_line(neo4j_db, tmp_path):
    """A 10 kB title: Neo4j refuses to put it in the paper_title index. kg stops with the server's reason and
    how far it got, and does not promise that re-running alone completes the load."""
    g = small_graph()
    g.nodes["paper:p2"]["title"] = "t" * 10_000
    result = _kg(["load", "--store", _save(g, tmp_path), "--batch-size", "1"], env=neo4j_db.env())
    line = _one_line_error(result, neo4j_db.uri)
    assert "while writing Paper rows" in line and "Property value is too large to index" in line
    assert (
        "1 of 9 batches (1 of 9 rows) were written" in line
        and "once what the server reports is fixed, re-run kg load" in line
    )
    assert neo4j_db.read("MATCH (p:Paper) RETURN p.id AS id") == [{"id": "p1"}]


def test_64_bit_integers_at_the_edges_arrive_intact(neo4j_db):
    g = small_graph()
    g.nodes["paper:p1"]["year"] = 2**63 - 1
    g.nodes["paper:p2"]["year"] = -(2**63)
    g.edges["paper:p1", "entity:a100", "MENTIONS"]["count"] = 2**63 - 1
    load_store(g, neo4j_db.settings())
    rows = neo4j_db.read("MATCH (p:Paper)-[m:MENTIONS]->() RETURN p.year AS year, m.count AS count")
    assert rows == [{"year": 2**63 - 1, "count": 2**63 - 1}]
    assert neo4j_db.read("MATCH (p:Paper {id: 'p2'}) RETURN p.year AS year") == [{"year": -(2**63)}]


def test_load_survives_the_server_being_killed(neo4j_db, sample_store):
    """SIGKILL the server after five committed batches: kg says how far it got, in one line; while the server
    is down kg query says so; the restarted server recovered exactly the committed rows; re-running kg load
    completes the graph, exactly."""
    if not neo4j_db.ours:
        pytest.skip("needs the server the tests started (NEO4J_URI names your own, which the tests do not kill)")
    done = []

    def kill_after_five(p):
        if p.batches_done == 5:
            neo4j_db.kill()
            done.append(p.rows_done)

    with pytest.raises(Neo4jError) as info:
        load_store(sample_store, neo4j_db.settings(), batch_bytes=3000, progress=kill_after_five, retry_seconds=1.0)
    plan = plan_batches(open_store(sample_store).graph, batch_bytes=3000)
    message = str(info.value)
    assert f"5 of {len(plan)} batches ({done[0]} of {sum(len(b.rows) for b in plan)} rows) were written" in message
    assert "Neo4j is unreachable" in message and "re-run it to complete the load" in message
    assert "\n" not in message and neo4j_db.password not in message

    down = _kg(["query", "--neo4j", "RETURN 1 AS x"], env=neo4j_db.env())
    assert "Neo4j is unreachable while connecting" in _one_line_error(down, neo4j_db.uri)

    neo4j_db.restart()
    assert all(b.kind == "node" and b.name == "Paper" for b in plan[:5])
    partial = neo4j_db.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    assert partial == done[0]  # committed batches survived the crash, the rest is not there
    report = _load(neo4j_db, sample_store)
    assert report.nodes_created == report.nodes - partial
    assert neo4j_contents(neo4j_db) == store_contents(open_store(sample_store).graph)


def test_rerun_after_kg_load_is_sigkilled(neo4j_db, sample_store):
    """SIGKILL the `kg load` process mid-way (one row per transaction, so there is a mid-way): the server
    drops its open transaction, and running kg load again ends with exactly the store."""
    env = dict(os.environ)
    for key, value in neo4j_db.env().items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    total = sum(1 for _ in open_store(sample_store).graph.nodes)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "load", "--store", str(sample_store), "--batch-size", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while neo4j_db.read("MATCH (n) RETURN count(n) AS n")[0]["n"] < 20:
            assert proc.poll() is None, f"kg load ended before it could be killed: {proc.stderr.read()[-500:]}"
            assert time.monotonic() < deadline, "kg load wrote nothing within 120 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    partial = neo4j_db.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    assert 20 <= partial < total
    report = _load(neo4j_db, sample_store)
    assert report.nodes_created == total - partial
    assert neo4j_contents(neo4j_db) == store_contents(open_store(sample_store).graph)


def test_password_never_reaches_output_logs_or_store(neo4j_db, sample_store, tmp_path, caplog):
    """A full `kg load` and `kg query --neo4j` with the driver logging at DEBUG: the password is in none of
    stdout, stderr, the log records, or the store file."""
    import logging

    caplog.set_level(logging.DEBUG)
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(sample_store.read_bytes())
    loaded = _kg(["load", "--store", store], env=neo4j_db.env())
    queried = _kg(
        ["query", "--neo4j", "--name", "top-entities", "--param", "type=Hardware", "--store", store], env=neo4j_db.env()
    )
    assert loaded.exit_code == 0 and queried.exit_code == 0, (loaded.output, queried.output)
    assert "A100" in queried.output and "bolt" in caplog.text  # the driver did log, at DEBUG
    secret = neo4j_db.password
    for text in (loaded.output, loaded.stderr, queried.output, queried.stderr, caplog.text):
        assert secret not in text
    assert secret.encode() not in gzip.decompress(store.read_bytes())


@pytest.mark.parametrize("where", ["--uri", "NEO4J_URI"])
@pytest.mark.parametrize(
    "command", [["load", "--store", "{store}"], ["query", "--neo4j", "RETURN 1 AS x"]], ids=["load", "query"]
)
def test_password_in_the_uri_is_refused_and_never_echoed(neo4j_server, sample_store, caplog, where, command):
    """bolt://user:password@host (here the right password): kg refuses it in one line that shows the URI as
    bolt://***@host, and the password is in no output and no log record."""
    import logging

    caplog.set_level(logging.DEBUG)
    secret = neo4j_server.password
    host = neo4j_server.uri.split("://", 1)[1]
    uri = f"bolt://{neo4j_server.user}:{secret}@{host}"
    args = [str(sample_store) if a == "{store}" else a for a in command]
    env = neo4j_server.env(NEO4J_PASSWORD=None)
    if where == "--uri":
        args.insert(1, f"--uri={uri}")
    else:
        env["NEO4J_URI"] = uri
    result = _kg(args, env=env)
    line = _one_line_error(result, f"bolt://***@{host}")
    assert "remove them from --uri/NEO4J_URI" in line and "NEO4J_PASSWORD" in line
    for text in (result.output, result.stderr, caplog.text):
        assert secret not in text


def test_docker_compose_runs_the_tested_neo4j(neo4j_server):
    """docker-compose.yml, tests/neo4j/pom.xml and the launcher name the same Neo4j; the test server is it."""
    import neo4j_server as launcher

    root = Path(__file__).parent.parent
    image = re.search(r"^\s*image:\s*neo4j:(\S+)\s*$", (root / "docker-compose.yml").read_text(), re.MULTILINE).group(1)
    pom = re.search(r"<neo4j.version>(.+?)</neo4j.version>", launcher.POM.read_text()).group(1)
    assert image == f"{launcher.NEO4J_VERSION}-community" and pom == launcher.NEO4J_VERSION
    if neo4j_server.ours:
        assert neo4j_server.server.version() == f"Neo4j Kernel {launcher.NEO4J_VERSION} community"
