"""A seconds-long smoke run of the benchmark: it runs end to end and reports every row (no timing asserted)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.query import named_queries

ROOT = Path(__file__).parent.parent


def quick_bench(tmp_path, sections: str, env: dict | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    """`bench/run.py --quick --only SECTIONS` (a script: a real process, in `env` if given) and the JSON it
    writes."""
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", sections, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
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
def test_bench_quick_startup_and_e2e(tmp_path):
    """The start-up and end-to-end sections: every command measured, the ratios and the scaling what their rows
    give, kg link --workers measured exactly when kg link has it, and the user's $KG_CACHE_DIR left alone."""
    user_cache = tmp_path / "user-cache"
    data, result = quick_bench(tmp_path, "startup,e2e", env={**os.environ, "KG_CACHE_DIR": str(user_cache)})
    # Nothing in the user's cache: the bench gives every kg call a cache directory of its own. (Today kg writes
    # no cache here, so this guards the linker's coming catalog cache; `cache_files` below reports it.)
    assert not user_cache.exists()
    table = data["table"]
    assert table.startswith("| measurement | value | note |")
    assert data["linking"] == [] and data["build"] == []  # only the sections asked for

    startup = data["startup"]
    assert startup["runs"] == 2 and startup["store_papers"] > 0
    targets = {
        "kg --help": 0.25,
        "kg lookup": 0.25,
        "kg stats": 0.25,
        "kg link, one abstract, warm cache": 0.35,
        "kg link, one abstract, cold cache": 0.35,
    }
    assert set(startup["commands"]) == set(targets)
    for name, c in startup["commands"].items():
        assert c["max_s"] >= c["p99_s"] >= c["median_s"] >= c["min_s"] > 0, name
        assert len(c["runs_s"]) == startup["runs"] and c["median_s"] in c["runs_s"], name
        assert c["min_s"] == min(c["runs_s"]) and c["max_s"] == max(c["runs_s"]), name
        assert c["exit_codes"] == [0] and "error" not in c and c["peak_rss_mb"] > 0, name
        assert c["target_s"] == targets[name] and c["met"] == (c["median_s"] < c["target_s"]), name
        assert ("cache_files" in c) == name.startswith("kg link"), name
        assert f"| start-up: {name}, fresh process | median {c['median_s']:.3f} s, p99 {c['p99_s']:.3f} s" in table

    e2e = data["e2e"]
    n = e2e["abstracts"]
    assert (n, e2e["peer_abstracts"], e2e["runs"]) == (300, 200, 1) and e2e["mb"] > 0
    link_help = subprocess.run(
        [sys.executable, "-m", "kg.cli", "link", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert e2e["link_workers"] == ("--workers" in link_help)
    peers = {p["peer"]: p for p in e2e["peers"]}
    assert list(peers) == ["floor", "flashtext", "spacy"]
    assert peers["floor"]["abstracts_per_s"] > 0 and peers["floor"]["abstracts"] == n  # a kg dependency
    for key, p in peers.items():
        if p["abstracts_per_s"] is None:
            assert "not installed" in p["note"], key
        else:
            assert p["abstracts_per_s"] > 0 and p["abstracts"] == (n if key == "floor" else 200), key
            assert f"| end to end peer: {p['name']} | {p['abstracts_per_s']:,} abstracts/s" in table
    rows = {r["name"]: r for r in e2e["commands"]}
    assert list(rows) == [
        "kg link (1 process)",
        "kg link (--workers 2)",
        "kg build (1 process)",
        "kg build (--workers 2)",
    ]
    for name, r in rows.items():
        if name == "kg link (--workers 2)" and not e2e["link_workers"]:
            assert r["abstracts_per_s"] is None and r["note"].startswith("not supported yet"), r
            assert set(r["ratios"].values()) == {None}
            assert f"| end to end: {name}, {n} abstracts | not measured | not supported yet" in table
            continue
        assert "error" not in r, (name, r.get("error"))
        assert r["papers"] == n, name  # every abstract linked (a line out) or stored
        assert len(r["runs_s"]) == e2e["runs"] and r["seconds"] == min(r["runs_s"]) > 0, name
        # the rate is from the unrounded time; `seconds` is rounded to 1 ms, which moves n / seconds by up to
        # n * 0.0005 / seconds**2 (1.1 abstracts/s for 300 abstracts in 0.407 s), plus the rate's own rounding
        slack = 1 + n * 0.0005 / r["seconds"] ** 2
        assert r["abstracts_per_s"] > 0 and abs(r["abstracts_per_s"] - n / r["seconds"]) <= slack, name
        assert r["peak_rss_mb"] > 0, name
        for key, p in peers.items():
            if p["abstracts_per_s"] is None:
                assert r["ratios"][key] is None, (name, key)
            else:
                assert r["ratios"][key] == pytest.approx(r["abstracts_per_s"] / p["abstracts_per_s"], rel=1e-3)
        assert f"| end to end: {name}, {n} abstracts | {r['abstracts_per_s']:,} abstracts/s" in table
    assert rows["kg link (1 process)"]["output_mb"] > 0  # the JSON Lines went to a file
    for command in ("kg link", "kg build"):
        one, two = rows[f"{command} (1 process)"], rows[f"{command} (--workers 2)"]
        if two["abstracts_per_s"] is None:
            assert e2e["scaling"][command] is None and command == "kg link"
        else:
            assert e2e["scaling"][command] == pytest.approx(two["abstracts_per_s"] / one["abstracts_per_s"], rel=1e-3)
    assert "| end to end: --workers 2 over 1 process |" in table
    assert "| start-up: kg --help, fresh process |" in result.stdout


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


@pytest.mark.slow
@pytest.mark.neo4j
def test_bench_quick_neo4j_scale(tmp_path):
    """The bench's neo4j-scale section: the streamed export, neo4j-admin import, a server on the imported
    database answering a named query as the store does after `kg load` (which creates nothing there), and
    `kg load` of a store grown by 30 papers into a live database (everything sent again, only the new created)."""
    data, _ = quick_bench(tmp_path, "neo4j-scale")
    scale = data["neo4j_scale"]
    if "skipped" in scale:  # no Java or Maven here; CI has both
        assert not os.environ.get("CI"), scale["skipped"]
        return
    [bulk] = scale["bulk"]
    build = {b["papers"]: b for b in data["build"]}
    assert bulk["papers"] == 300 and "error" not in bulk["export"] and bulk["export"]["peak_rss_mb"] > 0
    assert (bulk["import"]["nodes"], bulk["import"]["relationships"]) == (bulk["nodes"], bulk["relationships"])
    assert (bulk["nodes"], bulk["relationships"]) == (build[300]["nodes"], build[300]["relationships"])
    after = bulk["kg_load_after_import"]
    assert (after["nodes_created"], after["relationships_created"]) == (0, 0), after
    assert after["rows"] == bulk["nodes"] + bulk["relationships"]
    assert bulk["query"]["same_rows"] is True and bulk["query"]["rows"] > 0, bulk["query"]
    inc = scale["incremental"]
    assert (inc["papers"], inc["added"]) == (300, 30)
    empty, grown = inc["empty"], inc["grown"]
    assert (empty["nodes_created"], empty["relationships_created"]) == (
        build[300]["nodes"],
        build[300]["relationships"],
    )
    assert grown["rows"] == build[330]["nodes"] + build[330]["relationships"]  # the whole store, sent again
    assert grown["nodes_created"] == build[330]["nodes"] - build[300]["nodes"]
    assert grown["relationships_created"] == build[330]["relationships"] - build[300]["relationships"]
    assert (grown["server_nodes"], grown["server_relationships"]) == (build[330]["nodes"], build[330]["relationships"])
    assert "| neo4j-admin database import full (300 papers) |" in data["table"]
