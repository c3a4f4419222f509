"""A seconds-long smoke run of the benchmark: it runs end to end and reports every row (no timing asserted)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.query import named_queries

ROOT = Path(__file__).parent.parent


def quick_bench(tmp_path, sections: str) -> tuple[dict, subprocess.CompletedProcess]:
    """`bench/run.py --quick --only SECTIONS` (a script: a real process) and the JSON it writes."""
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", sections, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(out.read_text()), result


@pytest.mark.slow
def test_bench_quick_run_writes_table_and_json(tmp_path):
    """Every section but the real Neo4j one, which has its own test below (marked neo4j: it starts a server)."""
    data, result = quick_bench(tmp_path, "linking,build,query,lookup")
    names = [r["name"] for r in data["linking"]]
    assert names[:5] == [
        "kg linker (1 process)",
        "kg linker, sample records as they are (1 process)",
        "kg linker (--workers 2)",
        "kg linker, pydantic output (1 process)",
        "pyahocorasick raw scan (floor)",
    ]
    assert all(r["abstracts_per_s"] > 0 for r in data["linking"][:5])
    assert set(data["linking_stages"]) == {"dictionary", "discovery", "resolution", "propagation", "evidence"}
    # `resolution` is what is left of the whole analysis once the timed stages are taken away, so on a busy
    # machine it can come out 0; the stages timed on their own must take time.
    assert all(us > 0 for stage, us in data["linking_stages"].items() if stage != "resolution")
    assert [b["papers"] for b in data["build"]] == [300]
    assert data["build"][0]["load_s"] >= 0 and data["build"][0]["load_rss_mb"] > 0
    build = data["build"][0]
    assert build["query_db_s"] > 0 and build["query_db_mb"] > 0 and build["query_db_share"] > 0
    assert not build["query_db_error"]
    assert data["lookup"]["exact"]["p99_ms"] > 0 and data["lookup"]["fuzzy"]["p99_ms"] > 0
    # kg query / kg lookup as whole CLI calls: every named query, the lookups and the start-up floors
    [query] = data["query"]
    assert query["papers"] == 300 and query["runs"] >= 1
    commands = query["commands"]
    assert set(commands) == {
        "kg --version",
        "kg query 'RETURN 1 AS x'",
        "kg query 'RETURN 1 AS x', no cached bytecode",
        "kg lookup (exact)",
        "kg lookup (misspelt)",
        "kg lookup (most mentioned)",
        *(f"kg query --name {n}" for n in named_queries()),
    }
    for name, c in commands.items():
        assert c["median_s"] > 0 and c["p99_s"] >= c["median_s"] and c["peak_rss_mb"] > 0, name
        assert len(c["runs_s"]) == query["runs"] and not c["rebuilt_query_db"], name
        assert "error" not in c, (name, c["error"])  # a lookup may miss (exit 1), never fail
        if not name.startswith("kg lookup"):
            assert c["exit_codes"] == [0], name
    assert commands["kg lookup (exact)"]["found"] == query["runs"]
    assert commands["kg lookup (most mentioned)"]["rows"] > 0
    # the engine comparison: LadybugDB always, Kuzu when installed (else a note saying why not)
    engines = {e["engine"]: e for e in data["engines"]}
    assert set(engines) == {"ladybug", "kuzu"}
    for e in engines.values():
        if "skipped" in e:
            assert e["engine"] == "kuzu"
            continue
        assert e["build_s"] > 0 and e["size_mb"] > 0 and e["query_peak_rss_mb"] > 0
        assert set(e["queries"]) >= set(named_queries())
        assert all(q["median_ms"] > 0 for q in e["queries"].values() if "error" not in q)
    assert all("error" not in q for q in engines["ladybug"]["queries"].values())
    assert "| kg query --name top-entities (300 papers), whole CLI call |" in data["table"]
    assert data["load"] == {}  # not run here: test_bench_quick_run_on_a_real_neo4j
    assert data["table"].startswith("| measurement | value | note |")
    assert "| linking: kg linker (1 process) |" in result.stdout


@pytest.mark.slow
@pytest.mark.neo4j
def test_bench_quick_run_on_a_real_neo4j(tmp_path):
    """The bench's Neo4j section: kg load twice, every named query and lookup beside the local store, neo4j-admin
    import, on a Neo4j 5 the bench starts itself (tests/neo4j_server.py)."""
    data, _ = quick_bench(tmp_path, "load")
    load = data["load"]
    if "skipped" in load:  # no Java or Maven here; CI has both
        assert not os.environ.get("CI"), load["skipped"]
        assert f"| real Neo4j (300 papers) | not measured | {load['skipped']} |" in data["table"]
    else:
        build = data["build"][0]
        first, again = load["kg_load"], load["kg_load_again"]
        assert (first["nodes"], first["relationships"]) == (build["nodes"], build["relationships"])
        assert (first["server_nodes"], first["server_relationships"]) == (build["nodes"], build["relationships"])
        assert (first["nodes_created"], first["relationships_created"]) == (build["nodes"], build["relationships"])
        assert (again["nodes_created"], again["relationships_created"]) == (0, 0)
        assert (again["server_nodes"], again["server_relationships"]) == (build["nodes"], build["relationships"])
        assert first["relationships_per_s"] > 0
        assert set(load["queries"]) == {
            *(f"kg query --name {n}" for n in named_queries()),
            "kg lookup (exact)",
            "kg lookup (misspelt)",
            "kg lookup (most mentioned)",
        }
        for label, q in load["queries"].items():
            assert q["same_rows"] is True and q["neo4j_median_ms"] > 0 and q["local_median_ms"] > 0, (label, q)
        imported = load["admin_import"]
        assert (imported["nodes"], imported["relationships"]) == (build["nodes"], build["relationships"]), imported
        assert "| kg load again (300 papers), nothing to change |" in data["table"]
    assert data["table"].startswith("| measurement | value | note |")
