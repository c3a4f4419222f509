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
