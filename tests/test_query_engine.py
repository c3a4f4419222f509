"""The local query engine: Neo4j 5 Cypher on the store's query database, checked row for row.

- 52 user-style queries (tests/data/queries/user_queries.yaml) against a plain-Python oracle that walks the
  NetworkX graph (tests/oracle.py);
- Neo4j's answers to small queries where the engine's own answer differs (tests/data/queries/semantics.yaml);
- what the engine refuses, and how it says so; limits, parameters, the CLI;
- the query database's life: built by kg build, rebuilt when the store changes, safe to delete, read-only,
  never seen half-written.

The same query sets run on a real Neo4j 5 in tests/test_neo4j.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import kg_cli
from oracle import ORACLE, canonical

import kg
from kg.api import open_store
from kg.cli import cli
from kg.model.errors import QueryError, StoreError
from kg.store.local import load_graph
from kg.store.querydb import embedded
from kg.store.querydb.build import build_for_store
from kg.store.querydb.current import why_stale
from kg.store.querydb.paths import query_db_path
from kg.store.querydb.stamp import checksum_path

DATA = Path(__file__).parent / "data" / "queries"
USER_QUERIES = yaml.safe_load((DATA / "user_queries.yaml").read_text(encoding="utf-8"))
SEMANTICS = yaml.safe_load((DATA / "semantics.yaml").read_text(encoding="utf-8"))
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def store(sample_store):
    with open_store(sample_store) as s:
        yield s


@pytest.fixture(scope="module")
def graph(sample_store):
    return load_graph(sample_store)


# ------------------------------------------------------------------------------------------------ rows


@pytest.mark.parametrize("case", USER_QUERIES, ids=[q["name"] for q in USER_QUERIES])
def test_user_query_gives_the_rows_neo4j_gives(store, graph, case):
    """Same columns in the same order, same multiset of rows, same order under ORDER BY, ints stay ints."""
    params = case.get("params") or {}
    result = store.query(case["cypher"], params)
    columns, rows = ORACLE[case["name"]](graph, params)
    ordered, lists = case.get("ordered", False), case.get("unordered_lists", ())
    assert result.columns == columns
    assert canonical(result.columns, result.rows, ordered, lists) == canonical(columns, rows, ordered, lists)


@pytest.mark.parametrize("case", SEMANTICS, ids=[c["query"][:60] for c in SEMANTICS])
def test_neo4j_semantics_where_the_engine_differs(store, case):
    assert store.query(case["query"]).rows == case["rows"], case["why"]


def test_the_schema_procedures_list_what_is_in_use(store):
    assert sorted(r[0] for r in store.query("CALL db.labels()").rows) == [
        "Dataset",
        "Entity",
        "Framework",
        "Hardware",
        "Method",
        "Model",
        "Paper",
    ]
    assert store.query(
        "CALL db.relationshipTypes() YIELD relationshipType AS t WHERE t < 'J' RETURN t ORDER BY t"
    ).rows == [["CITES"], ["INTRODUCES"]]


def test_every_named_query_runs_with_its_example(store):
    from kg.query import named_queries

    for q in named_queries().values():
        assert store.named_query(q.name, dict(q.examples)).rows, q.name


# ------------------------------------------------------------------------------------------------ refusals

GAPS = "(README: Cypher on the local store); run the query on Neo4j with --neo4j"

REFUSED = [
    ("CALL { MATCH (n) RETURN n } RETURN n", "CALL { } subqueries"),
    ("CALL db.propertyKeys()", "procedure calls (CALL db.propertyKeys)"),
    (
        "MATCH (p:Paper) RETURN [(p)-[:MENTIONS]->(e) | e.name] AS names",
        "pattern comprehensions [(a)-->(b) | ...]; use OPTIONAL MATCH ... collect()",
    ),
    ("RETURN reduce(s = 0, x IN [1, 2] | s + x) AS total", "reduce()"),
    (
        "RETURN toString(1.5) AS s",
        "toString() of a FLOAT value (Neo4j's text for floats and others differs from the local store's)",
    ),
    ("RETURN [1, 2.5] AS l", "a list mixing integers and floats ([1, 2.5]); write the integers as floats"),
    (
        "RETURN CASE WHEN true THEN 1 ELSE 2.5 END AS x",
        "a CASE that gives integers in some branches and floats in others (CASE WHEN true THEN 1 ELSE 2.5 END); "
        "write the integers as floats",
    ),
    ("RETURN date() AS d", "the function date()"),
    ("MATCH p = ((a)-->(b)){1,3} RETURN p", "quantified path patterns"),
    (
        "RETURN 'ab' =~ 'a(?=b)b' AS x",
        "the regular expression construct '(?=' (Neo4j uses Java's regex syntax, the local store RE2)",
    ),
    ("MATCH (n) RETURN n; MATCH (m) RETURN m", "more than one statement"),
    (
        "RETURN 'b=' + true AS x",
        "joining a BOOL value to a string ('b=' + true); Neo4j's text for it differs from the local store's",
    ),
    (
        "MATCH (h:Hardware) RETURN h {.*}.name AS n",
        "map projections with .* inside an expression (return them as a column)",
    ),
    ("RETURN round(2.345, 2) AS r", "round() with a precision"),
]


@pytest.mark.parametrize("query, construct", REFUSED, ids=[r[0][:40] for r in REFUSED])
def test_unsupported_cypher_is_one_line_naming_the_construct(store, query, construct):
    with pytest.raises(QueryError) as exc:
        store.query(query)
    assert str(exc.value) == f"the local store does not support {construct} {GAPS}"


ERRORS = [
    ("MATCH (n RETURN n", "Cypher syntax error at column 10: expected ')', found 'RETURN'"),
    (
        "MATCH (n)\nWHERE n.name = 'x\nRETURN n",
        "Cypher syntax error at line 2, column 16: string is not closed (missing ')",
    ),
    ("MATCH (n) RETURN m", "variable `m` is not defined"),
    ("MATCH (n) WHERE n.name != 'x' RETURN n", "Cypher syntax error at column 24: '!=' is not Cypher; write '<>'"),
    ("MATCH (n) RETURN n.name, n.name", "two result columns are named 'n.name'; give one of them another name with AS"),
    ("MATCH (n) WITH n.name RETURN 1", "expression in WITH must be aliased (use AS): n.name"),
    ("MATCH (n) RETURN n LIMIT $k", "LIMIT $k needs an integer; pass it with --param-json k=N (--param binds text)"),
    (
        "MATCH (n) RETURN n.name AS a UNION MATCH (n) RETURN n.id AS b",
        "all queries in a UNION must return the same column names (a vs b)",
    ),
    ("MATCH (n) SET n.x = 1 RETURN n", "queries are read-only: SET is not allowed; use kg build to change the graph"),
    ("", "Cypher syntax error at column 1: the query is empty"),
    (
        "MATCH (n)",
        "Cypher syntax error at column 10: a query must end with RETURN (queries are read-only, so one "
        "that returns nothing does nothing)",
    ),
]


@pytest.mark.parametrize("query, message", ERRORS, ids=[e[0][:40] or "empty" for e in ERRORS])
def test_bad_queries_are_one_line_errors(store, query, message):
    with pytest.raises(QueryError) as exc:
        store.query(query, {"k": "3"})
    assert str(exc.value) == message


# ------------------------------------------------------------------------------------------------ the CLI


def test_cli_query_formats_and_json_parameters(sample_store):
    s = str(sample_store)
    r = CliRunner().invoke(
        cli,
        [
            "query",
            "MATCH (h:Hardware) WHERE h.name IN $names RETURN h.name AS name ORDER BY name",
            "--param-json",
            'names=["A100", "H800"]',
            "--store",
            s,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert [json.loads(line) for line in r.stdout.splitlines()] == [{"name": "A100"}, {"name": "H800"}]
    r = CliRunner().invoke(
        cli,
        [
            "query",
            "MATCH (p:Paper) WHERE p.id = $id RETURN count(*) AS n",
            "--param",
            "id=2401.12345",
            "--store",
            s,
            "--csv",
        ],
    )
    assert r.exit_code == 0 and r.stdout == "n\n0\n"  # the text 2401.12345, not the number


def test_cli_limit_caps_rows_and_says_so(sample_store):
    r = CliRunner().invoke(
        cli,
        [
            "query",
            "MATCH (p:Paper) RETURN p.id AS id ORDER BY id",
            "--limit",
            "3",
            "--store",
            str(sample_store),
            "--json",
        ],
    )
    assert r.exit_code == 0
    assert len(r.stdout.splitlines()) == 3
    assert r.stderr == "kg: stopped at 3 rows; there are more (raise --limit, or --limit 0 for all)\n"
    r = CliRunner().invoke(
        cli, ["query", "MATCH (p:Paper) RETURN p.id AS id", "--limit", "0", "--store", str(sample_store), "--json"]
    )
    assert len(r.stdout.splitlines()) == 531 and r.stderr == ""


def test_cli_timeout_stops_a_long_query(sample_store):
    before = query_db_path(sample_store).read_bytes()
    started = time.monotonic()
    r = CliRunner().invoke(
        cli,
        [
            "query",
            "UNWIND range(1, 40000) AS i UNWIND range(1, 40000) AS j "
            "WITH i, j WHERE (i * j) % 7 = 3 RETURN count(*) AS n",
            "--timeout",
            "0.5",
            "--store",
            str(sample_store),
        ],
    )  # 1.6 billion rows, little memory: ~12 s
    assert r.exit_code == 1 and time.monotonic() - started < 20
    assert r.stderr == (
        "Error: the query ran longer than 0.5 s and was stopped (nothing was changed); narrow it, or raise --timeout\n"
    )
    assert query_db_path(sample_store).read_bytes() == before


def test_cli_query_that_grows_too_big_is_stopped(sample_store):
    r = CliRunner().invoke(
        cli,
        [
            "query",
            "MATCH (a:Paper), (b:Paper) RETURN size(collect(a.abstract + b.abstract)) AS n",
            "--store",
            str(sample_store),
        ],
    )
    assert r.exit_code == 1
    assert r.stderr == (
        "Error: the query needs more than the 512 MiB a local query may use (nothing was changed); "
        "narrow it (fewer rows, LIMIT), or run it on Neo4j with --neo4j\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--param", "x"], "Error: bad --param 'x'; write --param name=value"),
        (["--param-json", "x=[1,"], "Error: --param-json x: '[1,' is not JSON"),
        (["--json", "--csv"], "Error: give --json or --csv, not both"),
        (["--timeout", "0"], "Error: Invalid value for '--timeout'"),
    ],
)
def test_cli_bad_options(sample_store, args, message):
    r = CliRunner().invoke(cli, ["query", "RETURN 1 AS one", "--store", str(sample_store), *args])
    assert r.exit_code == 2 and r.stderr.splitlines()[-1].startswith(message), r.stderr  # all usage errors


# ------------------------------------------------------------------------------------------------ the database


@pytest.fixture
def own_store(tmp_path, sample_store):
    """A copy of the sample store, with its query database, that a test may change."""
    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(sample_store.read_bytes())
    build_for_store(load_graph(path), path)
    return path


def _query_cli(store: Path, cypher: str = "MATCH (p:Paper) RETURN count(*) AS n"):
    return CliRunner().invoke(cli, ["query", cypher, "--store", str(store), "--csv"])


def test_build_writes_the_query_database_beside_the_store(tmp_path):
    path = tmp_path / "b.jsonl.gz"
    report = kg.build([ROOT / "tests" / "data" / "inputs" / "papers.jsonl"], store=path)
    assert report.query_db == str(query_db_path(path)) and Path(report.query_db).exists()
    r = _query_cli(path)
    assert r.exit_code == 0 and r.stderr == "" and r.stdout == f"n\n{report.papers}\n"


def test_a_current_database_is_used_as_it_is(own_store):
    db = query_db_path(own_store)
    before = (db.stat().st_mtime_ns, db.read_bytes())
    os.utime(own_store)  # a new mtime, the same content: the hash says it still matches
    r = _query_cli(own_store)
    assert r.exit_code == 0 and r.stderr == "" and r.stdout == "n\n531\n"
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before


def test_a_changed_store_rebuilds_its_database_on_first_use(own_store, tmp_path):
    other = tmp_path / "other.jsonl.gz"
    kg.build([ROOT / "tests" / "data" / "inputs" / "papers.jsonl"], store=other, query_db=False)
    own_store.write_bytes(other.read_bytes())  # replaced behind kg's back
    r = _query_cli(own_store)
    assert r.exit_code == 0
    assert r.stderr == (
        "kg: building the query database s.jsonl.gz.querydb (the store changed since it was built); "
        "it is rebuilt only when the store changes\n"
    )
    assert r.stdout == f"n\n{len(load_graph(other)) - len([n for n in load_graph(other) if n.startswith('entity:')])}\n"
    assert _query_cli(own_store).stderr == ""  # once


@pytest.mark.parametrize(
    "damage, why",
    [
        (lambda db: db.unlink(), "there is none yet"),
        (lambda db: db.write_bytes(b"not a database"), "it cannot be read"),
        (lambda db: db.write_bytes(db.read_bytes()[: len(db.read_bytes()) // 3]), "it cannot be read"),
    ],
)
def test_a_missing_or_damaged_database_is_rebuilt(own_store, damage, why):
    damage(query_db_path(own_store))
    r = _query_cli(own_store)
    assert r.exit_code == 0 and r.stdout == "n\n531\n", r.output
    assert r.stderr.startswith(f"kg: building the query database s.jsonl.gz.querydb ({why}")


def test_a_database_damaged_inside_is_rebuilt_and_the_query_answered(own_store):
    """Damage the engine notices only while a query runs (here: page 1, a string dictionary, overwritten; the
    engine opens the file and reads the stamp, then fails with "Storage exception: String dictionary index is
    outside the offset table"). It used to be reported as an engine error, with no way out but deleting the file."""
    db = query_db_path(own_store)
    data = bytearray(db.read_bytes())
    data[4096:8192] = b"\x5a" * 4096
    built = db.stat()
    db.write_bytes(data)
    os.utime(db, ns=(built.st_atime_ns, built.st_mtime_ns))  # as bit rot would: same size, same mtime
    assert why_stale(own_store) is None  # the stamp still reads: nothing but the query can tell
    r = _query_cli(own_store, "MATCH (p:Paper) RETURN p.id AS id ORDER BY id LIMIT 2")
    assert r.exit_code == 0 and r.stdout == "id\nt-0061d8efa964\nt-0072257402d6\n", r.output
    assert r.stderr.startswith(
        "kg: rebuilding the query database s.jsonl.gz.querydb (it is damaged: the engine "
        "could not read it (Storage exception: "
    )
    assert _query_cli(own_store).stderr == ""  # repaired for good


def test_a_database_rewritten_inside_is_rebuilt_before_it_gives_wrong_rows(own_store):
    """Bytes rewritten in a string page (here the entity names) open and query without an error: entities were
    listed as "ZZZZ". The checksum recorded at build time catches it."""
    db = query_db_path(own_store)
    query = "MATCH (e:Hardware) RETURN e.name AS name ORDER BY name LIMIT 3"
    before = _query_cli(own_store, query)
    assert before.exit_code == 0 and before.stdout == "name\nA100\nA800\nAda Lovelace\n"
    data = bytearray(db.read_bytes())
    data[3739648 : 3739648 + 4096] = b"\x5a" * 4096
    db.write_bytes(data)
    r = _query_cli(own_store, query)
    assert r.exit_code == 0 and r.stdout == before.stdout, r.output
    assert r.stderr == (
        "kg: building the query database s.jsonl.gz.querydb (its contents changed since it was "
        "built (the checksum differs)); it is rebuilt only when the store changes\n"
    )


def test_a_copied_database_is_hashed_once_and_not_rebuilt(own_store):
    db = query_db_path(own_store)
    record = checksum_path(db)
    first = json.loads(record.read_text())
    db.write_bytes(db.read_bytes())  # a copy: same bytes, a new mtime
    assert why_stale(own_store) is None
    renewed = json.loads(record.read_text())
    assert renewed["sha256"] == first["sha256"] and renewed["mtime_ns"] == db.stat().st_mtime_ns
    r = _query_cli(own_store)
    assert r.exit_code == 0 and r.stderr == "" and r.stdout == "n\n531\n"


@pytest.mark.parametrize(
    "damage, why",
    [
        (lambda record: record.unlink(), "s.jsonl.gz.querydb.sha256, its checksum, is missing"),
        (lambda record: record.write_text("{"), "s.jsonl.gz.querydb.sha256, its checksum, cannot be read"),
    ],
)
def test_a_database_without_its_checksum_is_rebuilt(own_store, damage, why):
    damage(checksum_path(query_db_path(own_store)))
    r = _query_cli(own_store)
    assert r.exit_code == 0 and r.stdout == "n\n531\n"
    assert (
        r.stderr == f"kg: building the query database s.jsonl.gz.querydb ({why}); it is rebuilt only when the "
        "store changes\n"
    )


def test_damage_that_survives_a_rebuild_is_reported_as_an_engine_bug(own_store, monkeypatch):
    from kg.query import engine

    calls = []

    def damaged(*args, **kwargs):
        calls.append(1)
        raise engine.DamagedQueryDatabase("it returned text that is not UTF-8")

    monkeypatch.setattr(engine, "run", damaged)
    r = _query_cli(own_store)
    assert r.exit_code == 1 and len(calls) == 2
    engine_bug = (
        "Error: the query database failed even when just rebuilt from the store (it returned text that is "
        "not UTF-8): an engine bug; run the query on Neo4j with --neo4j, and please report it"
    )
    assert r.stderr.splitlines() == [
        "kg: rebuilding the query database s.jsonl.gz.querydb (it is damaged: it returned text that is not UTF-8)",
        engine_bug,
    ]


def test_a_damaged_store_is_reported_before_any_rebuild_notice(own_store):
    query_db_path(own_store).unlink()
    data = own_store.read_bytes()
    own_store.write_bytes(data[: len(data) // 2])
    r = _query_cli(own_store)
    assert r.exit_code == 1 and "building" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(f"Error: {own_store}")


def test_a_database_from_another_engine_version_is_rebuilt(own_store, monkeypatch):
    monkeypatch.setattr(embedded, "engine_version", lambda: "0.0.0-other")
    build_for_store(load_graph(own_store), own_store)
    monkeypatch.undo()
    r = _query_cli(own_store)
    assert r.exit_code == 0 and r.stdout == "n\n531\n"
    assert r.stderr == (
        f"kg: building the query database s.jsonl.gz.querydb (it was built by ladybug 0.0.0-other; "
        f"this kg has {embedded.engine_version()}); it is rebuilt only when the store changes\n"
    )
    assert why_stale(own_store) is None


def test_the_database_is_opened_read_only(own_store):
    with open_store(own_store) as s:
        with pytest.raises(RuntimeError, match="(?i)read.only"):
            s.querydb.conn.execute("CREATE (:Paper {id: 'x'})")
        assert s.query("MATCH (p:Paper {id: 'x'}) RETURN count(*) AS n").rows == [[0]]


def test_many_stores_open_at_once_in_one_process(own_store):
    """The engine reserved 8 TiB of address space per open database by default, so a process
    (a notebook comparing stores, a test worker) failed at its 16th open one."""
    stores = [open_store(own_store) for _ in range(40)]
    try:
        assert {s.query("MATCH (p:Paper) RETURN count(*) AS n").rows[0][0] for s in stores} == {531}
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize(
    "size, reservation",
    [(0, 1 << 30), (1 << 28, 1 << 30), ((1 << 28) + 1, 1 << 31), (3 << 30, 1 << 34), (1 << 40, 1 << 42)],
)
def test_the_reservation_is_a_power_of_two_of_four_times_the_size(size, reservation):
    assert embedded.reservation_for(size) == reservation


def test_a_read_only_store_directory_puts_the_database_in_the_cache(tmp_path, sample_store, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    store = ro / "s.jsonl.gz"
    store.write_bytes(sample_store.read_bytes())
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != ro)  # root may write anywhere
    path = query_db_path(store)
    assert path.parent == tmp_path / "cache" and path.name.startswith("s.jsonl.gz-")
    with open_store(store) as s:
        assert s.query("MATCH (p:Paper) RETURN count(*) AS n").rows == [[531]]
    assert path.exists() and not Path(str(store) + ".querydb").exists()


def test_queries_during_a_build_see_the_old_or_the_new_graph(own_store):
    """Readers never see a half-written database: the build writes a new file and renames it over the old."""
    # Two reader processes query in a loop from before the build starts until after it has finished.
    done = own_store.parent / "build-done"
    script = (
        "import os, sys, kg\n"
        "seen = set()\n"
        "while True:\n"
        "    with kg.open_store(sys.argv[1]) as s:\n"
        "        seen.add(s.query('MATCH (p:Paper) RETURN count(*) AS n').rows[0][0])\n"
        "    if len(seen) == 1 and not os.environ.get('READY'):\n"
        "        os.environ['READY'] = '1'\n"
        "        print('ready', flush=True)\n"
        "    if os.path.exists(sys.argv[2]):\n"
        "        break\n"
        "print(sorted(seen))\n"
    )
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(own_store), str(done)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        assert [r.stdout.readline() for r in readers] == ["ready\n", "ready\n"]
        build = kg_cli("build", ROOT / "tests" / "data" / "inputs" / "cites_gpipe.jsonl", "--store", own_store)
        assert build.exit_code == 0, build.output
        time.sleep(0.5)  # a few more queries on the new database
    finally:
        done.touch()
    outs = [r.communicate(timeout=120) for r in readers]
    assert [r.returncode for r in readers] == [0, 0], [err for _, err in outs]
    seen = set()
    for out, _ in outs:
        seen.update(json.loads(out))
    assert seen <= {531, 533} and 531 in seen


def test_lookup_and_stats_do_not_load_the_graph(own_store, monkeypatch):
    import kg.store.local as local

    def no(*args, **kwargs):
        raise AssertionError("the whole graph was loaded")

    monkeypatch.setattr(local, "load_graph", no)
    monkeypatch.setattr(local, "read_graph", no)
    with open_store(own_store) as s:
        assert s.lookup("deepspeed").name == "DeepSpeed"
        assert s.stats()["labels"]["Paper"] == 531
        assert s.named_query("papers-mentioning", {"entity": "megatron lm"}).rows


VIEWS = [
    dict(entity="DeepSpeed"),
    dict(entity="lora", hops=2, max_nodes=50),
    dict(paper="GPipe", hops=2),
    dict(entity="A100", hops=2, types=["hardware", "framework"]),
    dict(entity="Transformer", min_mentions=3, max_nodes=100),
    dict(entity="H800", hops=0),
    dict(paper="DeepSeekMoE", hops=3, max_nodes=300),
]


@pytest.mark.parametrize("view", VIEWS, ids=[str(v) for v in VIEWS])
def test_viz_around_a_node_reads_only_its_neighbourhood_and_draws_the_same_page(
    store, graph, tmp_path, view, monkeypatch
):
    """kg viz --entity/--paper from the query database: the same page as from the whole graph in memory."""
    from kg import viz
    from kg.viz import ViewOptions

    whole = viz.render(graph, tmp_path / "whole.html", ViewOptions(**view))
    import kg.store.local as local

    monkeypatch.setattr(local, "load_graph", lambda *a, **k: pytest.fail("the whole graph was loaded"))
    part = store.view(tmp_path / "part.html", ViewOptions(**view))
    assert part.model_dump(exclude={"output"}) == whole.model_dump(exclude={"output"})
    assert (tmp_path / "part.html").read_bytes() == (tmp_path / "whole.html").read_bytes()


def readme_query_examples() -> list[list[str]]:
    """Every `kg query` command in the README's code blocks, as arguments (the `--neo4j` ones without it)."""
    import shlex

    out = []
    in_code = False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        text = line.strip().removeprefix("$ ").removeprefix(".venv/bin/")
        if in_code and text.startswith("kg query ") and "--list" not in text:
            args = [a for a in shlex.split(text)[2:] if a != "--neo4j"]
            out.append(args)
    return out


@pytest.mark.parametrize("args", readme_query_examples(), ids=lambda a: " ".join(a)[:60])
def test_every_readme_query_example_runs_on_the_local_store(sample_store, args):
    r = CliRunner().invoke(cli, ["query", *args, "--store", str(sample_store)])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip()


def test_the_readme_has_query_examples():
    assert len(readme_query_examples()) >= 6


def test_a_load_that_outgrows_its_buffer_pool_is_loaded_again_with_more(tmp_path, sample_store, monkeypatch):
    """The build loads with a small pool (less memory) and, when a COPY runs out of it, opens the database again
    with twice the pool and goes on: the database is the same as one built with a large pool at once."""
    import kg.store.querydb.build as querydb_build

    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(sample_store.read_bytes())
    monkeypatch.setattr(querydb_build, "BUILD_BUFFER_POOL", 8 * 2**20)  # too small for the sample alone
    monkeypatch.setattr(querydb_build, "MAX_BUILD_BUFFER_POOL", 8 * 2**20)
    with pytest.raises(StoreError, match=r"could not build the query database \(Buffer manager exception"):
        build_for_store(load_graph(path), path)
    monkeypatch.setattr(querydb_build, "MAX_BUILD_BUFFER_POOL", 2**30)
    steps: list[str] = []
    stamp = build_for_store(load_graph(path), path, progress=steps.append)
    assert any(s.endswith("more than a 8 MiB buffer pool needed; opening again with more") for s in steps), steps
    assert stamp.nodes == 1651 and stamp.relationships == 2485
    rows = _query_cli(path, "MATCH (p:Paper)-[m:MENTIONS]->(e:Entity) RETURN count(m) AS n")
    assert rows.exit_code == 0 and rows.output.splitlines()[1] == "1751"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["s.jsonl.gz", "s.jsonl.gz.querydb", "s.jsonl.gz.querydb.sha256"]
    )
