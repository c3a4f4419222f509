"""The local query engine against a real Neo4j 5.26: the same query, the same rows.

The sample corpus is loaded into the session's Neo4j once for this module (`kg load`); each query runs there
(`kg query --neo4j`'s code path) and on the local store, and the results are compared as
tests/oracle.py's `canonical` compares them: same columns in the same order, the same multiset of rows, the
same order where the query orders every row, ints and floats distinct, collect()ed lists named in
`unordered_lists` as multisets. Query sets: the 52 user queries (also checked against the oracle in
tests/test_query_engine.py), 55 small queries with Neo4j's answers written down, 79 more ordinary queries,
and 400 random ones from tests/cypher_fuzz.py.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from conftest import free_port, kg_cli
from cypher_fuzz import pattern_query, rich_query
from oracle import canonical

from kg.api import open_store
from kg.model.errors import KGError

DATA = Path(__file__).parent / "data" / "queries"
USER_QUERIES = yaml.safe_load((DATA / "user_queries.yaml").read_text(encoding="utf-8"))
SEMANTICS = yaml.safe_load((DATA / "semantics.yaml").read_text(encoding="utf-8"))
MORE = yaml.safe_load((DATA / "neo4j_queries.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def both(neo4j_server, sample_store):
    """(Neo4j holding the sample graph, the local store), loaded once for the module."""
    from kg.store.neo4j import Neo4jStore, load_store

    if neo4j_server.ours and not neo4j_server.server.running:
        neo4j_server.restart()
    neo4j_server.wipe()
    load_store(sample_store, neo4j_server.settings())
    with Neo4jStore(neo4j_server.settings()) as server, open_store(sample_store) as local:
        yield server, local
    neo4j_server.wipe()


def same_rows(both, cypher: str, params: dict | None = None, ordered: bool = True, lists=()) -> None:
    server, local = both
    remote = server.query(cypher, params or {})
    here = local.query(cypher, params or {})
    assert here.columns == remote.columns
    assert canonical(here.columns, here.rows, ordered, lists) == canonical(remote.columns, remote.rows, ordered, lists)


@pytest.mark.parametrize("case", USER_QUERIES, ids=[q["name"] for q in USER_QUERIES])
def test_user_query_on_neo4j(both, case):
    same_rows(both, case["cypher"], case.get("params"), case.get("ordered", False), case.get("unordered_lists", ()))


@pytest.mark.parametrize("case", SEMANTICS, ids=[c["query"][:60] for c in SEMANTICS])
def test_neo4j_gives_the_written_answers(both, case):
    """What semantics.yaml says Neo4j answers is what it answers (the local store is held to the same rows)."""
    server, _ = both
    assert server.query(case["query"], {}).rows == case["rows"], case["why"]


@pytest.mark.parametrize("case", MORE, ids=[c["cypher"][:60] for c in MORE])
def test_more_queries_on_neo4j(both, case):
    same_rows(both, case["cypher"], None, case.get("ordered", False), case.get("unordered_lists", ()))


@pytest.mark.parametrize("generator, seed", [(pattern_query, 11), (rich_query, 12)])
def test_random_queries_on_neo4j(both, generator, seed):
    """200 random queries from each generator: the same rows, or the same refusal (a query Neo4j refuses is
    skipped; the local store may refuse only with its one-line 'does not support' message)."""
    server, local = both
    rng = random.Random(seed)
    compared, differences = 0, []
    for _ in range(200):
        cypher = generator(rng)
        try:
            remote = server.query(cypher, {})
        except KGError:
            continue
        try:
            here = local.query(cypher, {}, timeout=30)
        except KGError as exc:
            assert "the local store does not support" in str(exc), (cypher, str(exc))
            continue
        compared += 1
        if canonical(here.columns, here.rows, True) != canonical(remote.columns, remote.rows, True):
            differences.append((cypher, remote.rows[:5], here.rows[:5]))
    assert compared >= 150
    assert differences == []


# ---------------------------------------------------------------- kg viz --neo4j: the same views, from the server

VIEW_QUERIES = [
    "MATCH (p:Paper)-[:MENTIONS]->(e:Entity {name: 'DeepSpeed'}) RETURN p, e ORDER BY p.id",
    "MATCH path = (:Entity {name: 'LLaMA'})-[:VARIANT_OF*1..2]-(b) RETURN path ORDER BY b.id",
    "MATCH (e:Hardware) RETURN collect(e) AS chips",
    "MATCH (p:Paper)-[:INTRODUCES]->(e) RETURN {paper: p, entity: e} AS pair ORDER BY p.id, e.id LIMIT 30",
    "MATCH ()-[r:VARIANT_OF]->() RETURN r LIMIT 5",
]


@pytest.mark.parametrize("cypher", VIEW_QUERIES, ids=[q[:50] for q in VIEW_QUERIES])
def test_query_nodes_on_neo4j(both, cypher):
    """`nodes=True` finds the same nodes in the same order in the driver's values as in the engine's (in any
    order for collect(), whose order neither promises)."""
    server, local = both
    remote = server.query(cypher, {}, nodes=True).nodes
    here = local.query(cypher, {}, nodes=True).nodes
    if "collect(" in cypher:
        remote, here = sorted(remote, key=repr), sorted(here, key=repr)
    assert remote == here
    assert remote or "[r:" in cypher


@pytest.mark.parametrize(
    "args",
    [
        ["--entity", "deepspeed", "--hops", "2"],
        ["--paper", "Mixture-of-Experts Training"],
        ["--entity", "A100", "--type", "framework", "--min-mentions", "2"],
        ["--query", VIEW_QUERIES[0]],
        [
            "--query",
            "MATCH (e:Entity {name: $n})<-[:MENTIONS]-(p) RETURN e, p ORDER BY p.id",
            "--param",
            "n=LoRA",
            "--max-nodes",
            "9",
        ],
    ],
    ids=["entity", "paper", "filters", "query", "query-params-cap"],
)
def test_viz_from_neo4j_is_the_local_page(both, neo4j_server, sample_store, tmp_path, args):
    """`kg viz --neo4j` reads the view from the server with the same Cypher: the same page, byte for byte
    (a capped query view orders its rows, or which nodes come first is the server's choice)."""
    local, remote = tmp_path / "local.html", tmp_path / "remote.html"
    here = kg_cli("viz", "--store", sample_store, "-o", local, *args)
    there = kg_cli("viz", "--neo4j", "-o", remote, *args, env=neo4j_server.env())
    assert here.exit_code == 0 and there.exit_code == 0, (here.output, there.output)
    assert there.stdout.replace(str(remote), "") == here.stdout.replace(str(local), "")
    assert remote.read_bytes() == local.read_bytes()


def test_viz_from_neo4j_refuses_writes_and_reports_an_unreachable_server(both, neo4j_server, tmp_path):
    out = tmp_path / "g.html"
    r = kg_cli("viz", "--neo4j", "-o", out, "--query", "MATCH (p:Paper) SET p.x = 1 RETURN p", env=neo4j_server.env())
    assert r.exit_code == 1 and r.stderr.strip().splitlines()[-1].startswith("Error: queries are read-only: SET")
    r = kg_cli(
        "viz",
        "--neo4j",
        "-o",
        out,
        "--entity",
        "LoRA",
        env=neo4j_server.env(NEO4J_URI=f"bolt://127.0.0.1:{free_port()}"),
    )
    assert r.exit_code == 1 and "Traceback" not in r.output and "127.0.0.1" in r.stderr
    assert not out.exists()


def test_query_row_limit_on_neo4j_is_the_local_one(both, neo4j_server, sample_store):
    """--limit cuts a Neo4j result as the local engine cuts its own, and says there were more rows."""
    cypher = "MATCH (p:Paper) RETURN p.id AS id ORDER BY id"
    here = kg_cli("query", "--store", sample_store, "--limit", "3", "--csv", cypher)
    there = kg_cli("query", "--neo4j", "--limit", "3", "--csv", cypher, env=neo4j_server.env())
    assert here.exit_code == there.exit_code == 0
    assert there.stdout == here.stdout and len(there.stdout.splitlines()) == 4  # header and 3 rows
    assert (
        there.stderr.strip()
        == here.stderr.strip()
        == ("kg: stopped at 3 rows; there are more (raise --limit, or --limit 0 for all)")
    )
