"""kg benchmarks: linking speed against peers and the floor, and how build, store, query, lookup and load scale.

    python bench/run.py                     # the full run (about an hour on 2 cores)
    python bench/run.py --quick             # a smoke run in seconds (used by the tests)
    python bench/run.py --only build,query --build-sizes 100000,1000000

`startup` times the "fast start" targets as fresh `kg` processes (--startup-runs each, median and tail):
`kg --help`, `kg lookup` and `kg stats` on the sample store (data/seeds, built in the work directory), and
`kg link` of one abstract with the linker's cache warm and cold. `e2e` times whole `kg link FILE > out` and
`kg build FILE` calls on --e2e-size abstracts (1 process and --workers 2) and divides their abstracts/s by the
floor's and the peers' on the same corpus in the same run. Every kg call gets the bench's own $KG_CACHE_DIR.

`query` times every named query, `kg lookup` and the start-up floor as whole `kg` calls (a fresh process
each, as a user runs them) on the --query-sizes stores, and compares the query database's engine, LadybugDB,
with Kuzu 0.11.3 (`pip install kuzu==0.11.3`; skipped with a note when it is not installed) at --engine-size.

Prints one markdown table and writes JSON (default bench/results/latest.json).
Peers (flashtext, spaCy) come from the `bench` extra: pip install -e ".[bench]".
Every figure is measured in this one run on this machine; nothing is copied in.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "seeds"
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


# -- corpus ---------------------------------------------------------------------------


def sample_records() -> list[tuple[str, str]]:
    from kg.ingest import read_papers

    return [(p.title, p.abstract) for p in read_papers([SEEDS]).papers]


def scaled_corpus(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """`n` synthetic papers: real titles numbered apart, abstracts of shuffled real sentences.

    Sentence counts follow the sample's, so length and entity density match it.
    """
    records = sample_records()
    sentences = [s for _, a in records for s in SENTENCE.split(a) if s]
    lengths = [max(1, len(SENTENCE.split(a))) for _, a in records]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = records[i % len(records)][0]
        k = lengths[rng.randrange(len(lengths))]
        out.append(
            (
                f"{title} ({i // len(records)})" if i >= len(records) else title,
                " ".join(rng.choice(sentences) for _ in range(k)),
            )
        )
    return out


def write_jsonl(records: list[tuple[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for title, abstract in records:
            f.write(json.dumps({"title": title, "abstract": abstract}) + "\n")


# -- linking throughput ------------------------------------------------------------------


def alias_list() -> list[str]:
    from kg.catalog import aliases_of, load_catalog

    return sorted({a.text for e in load_catalog() for a in aliases_of(e)})


REPEAT = 3
"""Runs of each linking contender by default; the fastest is reported (as `timeit` advises: slower runs
measure other load on the machine, not the code)."""


def cold_linker():
    """A new `Linker`: its caches (resolver, slugs, discovery) are its own, so each repeat starts as cold as the
    first run."""
    from kg.link import Linker

    return Linker()


def timed(fn, repeat: int, setup=None) -> tuple[float, list[float]]:
    """The fastest of `repeat` runs of `fn` and every run's seconds; `setup()`, untimed, runs before each
    and its result is passed to `fn`."""
    runs = []
    for _ in range(repeat):
        arg = setup() if setup is not None else None
        gc.collect()
        start = time.perf_counter()
        fn() if setup is None else fn(arg)
        runs.append(time.perf_counter() - start)
    return min(runs), [round(r, 3) for r in runs]


def bench_kg(records, repeat: int, workers: int = 1, models: bool = False):
    """analyse -> propagate -> evidence through `kg.link.corpus`, as `kg build` runs it (workers forked from
    the cold linker and started inside the timed run); with `models`, each paper a `LinkedPaper` model, as
    the Python API (`kg.api.link_inputs`) returns it."""
    from kg.link.corpus import LinkWorkers, link_corpus
    from kg.link.evidence import assemble, evidence
    from kg.model.collector import paused_gc

    papers = [(str(i), t, a) for i, (t, a) in enumerate(records)]

    def run(linker):
        finish = assemble if models else evidence
        with paused_gc():
            if workers <= 1:
                for _ in link_corpus(papers, linker, finish):
                    pass
                return
            with LinkWorkers(workers, [], linker=linker) as pool:
                for _ in pool.link(papers, finish):
                    pass

    return timed(run, repeat, setup=cold_linker)


def bench_floor(records, aliases, repeat: int):
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for a in aliases:
        automaton.add_word(a.lower(), a)
    automaton.make_automaton()
    texts = [f"{t}\n{a}".lower() for t, a in records]

    def run():
        for text in texts:
            for _ in automaton.iter(text):
                pass

    return timed(run, repeat)


def bench_flashtext(records, aliases, repeat: int):
    try:
        from flashtext import KeywordProcessor
    except ImportError:
        return None
    kp = KeywordProcessor(case_sensitive=False)
    for a in aliases:
        kp.add_keyword(a)
    texts = [f"{t}\n{a}" for t, a in records]
    return timed(lambda: [kp.extract_keywords(text, span_info=True) for text in texts], repeat)


def bench_spacy(records, aliases, repeat: int):
    try:
        import spacy
        from spacy.matcher import PhraseMatcher
    except ImportError:
        return None
    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("ALIAS", list(nlp.tokenizer.pipe(aliases)))
    texts = [f"{t}\n{a}" for t, a in records]
    return timed(lambda: [matcher(doc) for doc in nlp.pipe(texts, batch_size=256)], repeat)


def linker_stages(records, repeat: int) -> dict:
    """Microseconds per abstract in each stage of the one-process linker, each stage's fastest of `repeat` runs.

    `dictionary`: fold and the catalog automaton with its checks; `discovery`: the keyword scan and every
    discovery rule; `resolution`: the rest of `Linker.analyse` (variants, resolving candidates, repeated
    names, what each paper introduces), i.e. analyse minus the first two; `propagation`: introduced names
    matched across the corpus; `evidence`: the tuples `kg build` stores.
    """
    from kg.link.detect import fold
    from kg.link.discover import discover
    from kg.link.discover.context import DiscoveryContext
    from kg.model.collector import paused_gc

    find = cold_linker().matcher.find
    papers = [(str(i), t, a) for i, (t, a) in enumerate(records)]
    texts = [(f"{t}\n{a}", len(t)) for t, a in records]
    covers = []
    for text, _ in texts:
        covered = bytearray(len(text))
        for start, end, _ in find(text, fold(text), text.lower()):
            covered[start:end] = b"\x01" * (end - start)
        covers.append(covered)

    def stage(fn) -> float:
        return timed(fn, 1)[0]

    best: dict[str, float] = {}
    with paused_gc():
        for _ in range(repeat):
            seconds = {}
            seconds["dictionary"] = stage(lambda: [find(text, fold(text), text.lower()) for text, _ in texts])
            context = DiscoveryContext()  # one per repeat, as a Linker has one: cold at first, warm across papers
            seconds["discovery"] = stage(
                lambda context=context: [
                    discover(text, title_end, covered, context) for (text, title_end), covered in zip(texts, covers)
                ]
            )
            linker = cold_linker()
            analyses: list = []
            seconds["analyse"] = stage(
                lambda linker=linker, analyses=analyses: analyses.extend(linker.analyse(*p) for p in papers)
            )
            seconds["propagation"] = stage(lambda linker=linker, analyses=analyses: linker.propagate(analyses))
            seconds["evidence"] = stage(lambda linker=linker, analyses=analyses: [linker.evidence(a) for a in analyses])
            for name, value in seconds.items():
                best[name] = min(best.get(name, value), value)
    us = {name: value / len(records) * 1e6 for name, value in best.items()}
    us["resolution"] = max(0.0, us.pop("analyse") - us["dictionary"] - us["discovery"])
    order = ("dictionary", "discovery", "resolution", "propagation", "evidence")
    return {name: round(us[name], 1) for name in order}


def megabytes(records: list[tuple[str, str]]) -> float:
    """The text a linker reads, in MB: each title and abstract with the newline between them."""
    return sum(len(t) + len(a) + 1 for t, a in records) / 1e6


def rate_row(name: str, timing, count: int, size_mb: float, note: str = "") -> dict:
    """A throughput row from `timed`'s (fastest, runs) over `count` abstracts of `size_mb` MB; `timing` None is
    a peer that is not installed (no figures, a note saying so)."""
    if timing is None:
        return {"name": name, "abstracts_per_s": None, "mb_per_s": None, "note": "not installed"}
    seconds, runs = timing
    return {
        "name": name,
        "abstracts": count,
        "seconds": round(seconds, 3),
        "runs_s": runs,
        "abstracts_per_s": round(count / seconds),
        "mb_per_s": round(size_mb / seconds, 2),
        "note": note,
    }


def linking_rows(n: int, peer_n: int, repeat: int = REPEAT) -> tuple[list[dict], dict]:
    """The linking comparison, and the one-process linker's cost per stage (`linker_stages`)."""
    records = scaled_corpus(n)
    peers = records[:peer_n]
    aliases = alias_list()
    mb = megabytes(records)
    peer_mb = megabytes(peers)
    rows: list[dict] = []

    def row(name, timing, count, size, note=""):
        rows.append(rate_row(name, timing, count, size, note))

    row("kg linker (1 process)", bench_kg(records, repeat, 1), n, mb, "detection, discovery, resolution, evidence")
    sample = sample_records()
    row(
        "kg linker, sample records as they are (1 process)",
        bench_kg(sample, repeat, 1),
        len(sample),
        megabytes(sample),
        "same, on the real abstracts: every name new to a cold linker (the scaled corpus repeats the sample's)",
    )
    row("kg linker (--workers 2)", bench_kg(records, repeat, 2), n, mb, "same, 2 processes")
    row(
        "kg linker, pydantic output (1 process)",
        bench_kg(records, repeat, 1, models=True),
        n,
        mb,
        "same, each link as a LinkedPaper model (kg link, Python API)",
    )
    row(
        "pyahocorasick raw scan (floor)",
        bench_floor(records, aliases, repeat),
        n,
        mb,
        f"{len(aliases)} aliases, lower-cased",
    )
    row("flashtext KeywordProcessor", bench_flashtext(peers, aliases, repeat), len(peers), peer_mb, "same aliases")
    row(
        "spaCy PhraseMatcher(LOWER)",
        bench_spacy(peers, aliases, repeat),
        len(peers),
        peer_mb,
        "spacy.blank('en'), nlp.pipe",
    )
    return rows, linker_stages(records, repeat)


# -- build, store, lookup -------------------------------------------------------------------

PEAK_RSS = """
def peak_rss_mib():
    # VmHWM: this process's own peak. ru_maxrss would also carry the peak of the bench process that
    # started it (Linux keeps the larger across exec after vfork).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
"""

BUILD_SCRIPT = (
    PEAK_RSS
    + """
import json, resource, sys, time
from pathlib import Path
import kg
from kg.store.querydb.paths import query_db_path
t = time.perf_counter()
r = kg.build([sys.argv[1]], store=sys.argv[2], workers=int(sys.argv[3]))
wall = time.perf_counter() - t
worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
qdb = query_db_path(sys.argv[2])
qdb_bytes = sum(f.stat().st_size for f in ([qdb] if qdb.is_file() else qdb.rglob("*"))) if qdb.exists() else 0
print(json.dumps({"papers": r.papers, "wall_s": round(wall, 2), "peak_rss_mb": peak_rss_mib(),
                  "worker_peak_rss_mb": round(worker_rss / 1024), "nodes": r.nodes, "relationships": r.relationships,
                  "build_s": r.seconds, "query_db_s": r.query_db_seconds, "query_db_mb": round(qdb_bytes / 1e6, 1),
                  "query_db_error": r.query_db_error}))
"""
)

LOAD_SCRIPT = (
    PEAK_RSS
    + """
import json, sys, time
import kg
t = time.perf_counter()
graph = kg.open_store(sys.argv[1]).graph  # the whole NetworkX graph (queries and lookups no longer need it)
print(json.dumps({"load_s": round(time.perf_counter() - t, 2), "load_rss_mb": peak_rss_mib()}))
"""
)


def _run_json(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def remove_store(store: Path) -> None:
    """A store and its query database gone, so the next `kg build` into it starts from nothing."""
    for old in (store, Path(f"{store}.querydb")):
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink(missing_ok=True)


def build_row(n: int, workdir: Path, workers: int) -> dict:
    """`kg build` of `n` papers in a fresh process (its query database included), then the whole graph loaded
    from the store in another one (as `kg viz` without --entity does)."""
    source = workdir / f"corpus-{n}.jsonl"
    write_jsonl(scaled_corpus(n), source)
    store = workdir / f"store-{n}.jsonl.gz"
    remove_store(store)  # kg build would merge into a store kept by --workdir
    row = _run_json(BUILD_SCRIPT, str(source), str(store), str(workers))
    row.update(_run_json(LOAD_SCRIPT, str(store)))
    row["store_mb"] = round(store.stat().st_size / 1e6, 1)
    row["workers"] = workers
    rest = row["build_s"] - row["query_db_s"]
    row["query_db_share"] = round(row["query_db_s"] / rest, 3) if rest > 0 else None
    return row


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def misspell(name: str, rng: random.Random) -> str:
    """One letter dropped (not the first or last), lower case, hyphens as spaces; short names only lower-cased."""
    if len(name) < 6:
        return name.lower()
    i = rng.randrange(1, len(name) - 1)
    return (name[:i] + name[i + 1 :]).lower().replace("-", " ")


def lookup_rows(store_path: Path, samples: int) -> dict:
    """`Store.lookup` in this process (index read once), exact and misspelt names picked from the store."""
    import kg

    with kg.open_store(store_path) as store:
        names = sorted({row[0] for row in store.query("MATCH (e:Entity) RETURN e.name AS name").rows})
        rng = random.Random(3)
        exact = [rng.choice(names) for _ in range(samples)]
        fuzzy = [misspell(n, rng) for n in exact]
        store.lookup(names[0])
        result = {}
        for label, queries in (("exact", exact), ("fuzzy", fuzzy)):
            times = []
            for q in queries:
                start = time.perf_counter()
                try:
                    store.lookup(q)
                except kg.KGError:
                    pass
                times.append((time.perf_counter() - start) * 1000)
            result[label] = {"p50_ms": round(percentile(times, 0.5), 2), "p99_ms": round(percentile(times, 0.99), 2)}
    return result


# -- kg query, kg lookup as whole CLI calls; the query database's engine -----------------------

QUERY_RUNS = 15
"""Whole CLI calls per measured command and store size by default."""

ENGINE_RUNS = 7
"""In-process runs of each named query per engine in the engine comparison by default."""

RUN_SCRIPT = """
# Runs argv[2:] as a child of this small process and writes its wall time and peak RSS to argv[1]. The
# child's ru_maxrss is its own peak: it is forked from this process (tens of MiB), not from the bench (which
# can hold gigabytes; Linux keeps the larger high-water mark across exec).
import json, os, sys, time
argv = sys.argv[2:]
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    rc = os.waitstatus_to_exitcode(status)
    json.dump({"wall_s": wall, "peak_rss_mb": round(usage.ru_maxrss / 1024), "rc": rc}, f)
"""


def kg_command() -> list[str]:
    """The `kg` console script of this Python (what a user runs), else `python -m kg.cli`."""
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


def kg_env(workdir: Path, bytecode: bool = True, cache: Path | None = None) -> dict:
    """The environment of a `kg` call: no $KG_STORE; with `bytecode`, compiled modules cached (in the work
    directory, so the source tree is not written) as in an ordinary install, even where the environment sets
    PYTHONDONTWRITEBYTECODE (as this project's sandbox does); without, as that environment runs it: nothing
    written, so kg's own modules (an editable install) are compiled at each start. $KG_CACHE_DIR is always
    the bench's own (`cache`, else `bench_cache(workdir)`), so no call reads or writes the user's cache."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("KG_STORE", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    env["KG_CACHE_DIR"] = str(cache or bench_cache(workdir))
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def bench_cache(workdir: Path) -> Path:
    """The bench's $KG_CACHE_DIR (kg's user cache: a read-only store's query database, soon the linker's
    compiled catalog), in its work directory: the user's own cache is never read or written."""
    return workdir / "kg-cache"


def kg_call(
    args: list[str],
    workdir: Path,
    bytecode: bool = True,
    cache: Path | None = None,
    stdout: Path | None = None,
    timeout: float = 900,
) -> dict:
    """One whole `kg ARGS` call in a fresh process: wall seconds, its own peak RSS, exit code and output.

    `cache`: its $KG_CACHE_DIR (default `bench_cache`). `stdout`: a file its standard output goes to (so
    writing it is part of the call's cost, as in a user's `kg link ... > out.jsonl`) instead of the result.
    """
    env = kg_env(workdir, bytecode, cache)
    report = workdir / "kg-call.json"
    with open(stdout, "w") if stdout else contextlib.nullcontext(subprocess.PIPE) as sink:
        out = subprocess.run(
            [sys.executable, "-c", RUN_SCRIPT, str(report), *kg_command(), *args],
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    if out.returncode != 0 or not report.exists():
        raise RuntimeError(f"kg {' '.join(args)}: the runner failed: {out.stderr[-1000:]}")
    result = json.loads(report.read_text())
    report.unlink()
    result.update(stdout=out.stdout or "", stderr=out.stderr)
    return result


def kg_rows(cypher: str, store: Path, workdir: Path, **params) -> list[dict]:
    """Rows of a Cypher query on the store, through `kg query --json` (untimed: picking parameters)."""
    args = ["query", cypher, "--json", "--store", str(store)]
    for key, value in params.items():
        args += ["--param-json", f"{key}={json.dumps(value)}"]
    r = kg_call(args, workdir)
    if r["rc"] != 0:
        raise RuntimeError(f"kg {' '.join(args)} failed: {r['stderr'][-1000:]}")
    return [json.loads(line) for line in r["stdout"].splitlines() if line.strip()]


def pick_params(store: Path, workdir: Path, samples: int) -> dict:
    """Parameters that exist in this store and mean one thing, for every named query and the lookups.

    Entities: the query file's example when the store has an entity of that name (the README's examples),
    else the store's most mentioned one of the right kind. Papers are given by id (the scaled corpus repeats
    titles with " (n)"): `papers-citing` gets the most cited paper, `introduced-by` the paper that introduces
    the most. Lookups: `samples` entity names of 6+ characters (seeded), and the most mentioned entity.
    """
    from kg.query import named_queries

    queries = named_queries()
    examples = sorted({v for q in queries.values() for k, v in q.examples.items() if q.kinds.get(k) == "entity"})
    present = {
        r["name"]
        for r in kg_rows(
            "MATCH (e:Entity) WHERE e.name IN $names RETURN e.name AS name", store, workdir, names=examples
        )
    }
    top = kg_rows(
        "MATCH (p:Paper)-[:MENTIONS]->(e:Entity) RETURN e.name AS name, e.type AS type, count(p) AS n "
        "ORDER BY n DESC, name",
        store,
        workdir,
    )
    top_of = {}
    for r in top:
        top_of.setdefault(r["type"], r["name"])
    families = kg_rows(
        "MATCH (v:Entity)-[:VARIANT_OF]->(e:Entity) RETURN e.name AS name, count(v) AS n ORDER BY n DESC, name LIMIT 1",
        store,
        workdir,
    )
    cited = kg_rows(
        "MATCH (b:Paper)-[:CITES]->(a:Paper) RETURN a.id AS id, count(b) AS n ORDER BY n DESC, id LIMIT 1",
        store,
        workdir,
    )
    introducing = kg_rows(
        "MATCH (p:Paper)-[:INTRODUCES]->(e:Entity) RETURN p.id AS id, count(e) AS n ORDER BY n DESC, id LIMIT 1",
        store,
        workdir,
    )
    fallback = {"framework": top_of.get("Framework"), "type": "Hardware"}
    params: dict[str, dict] = {}
    for name, q in queries.items():
        values = {}
        for key in q.params:
            example = q.examples.get(key)
            kind = q.kinds.get(key)
            if kind == "entity":
                if example in present:
                    values[key] = example
                elif name == "entity-family" and families:
                    values[key] = families[0]["name"]
                else:
                    values[key] = fallback.get(key) or top[0 if key != "second" else 1]["name"]
            elif kind == "paper":
                source = cited if name == "papers-citing" else introducing
                values[key] = source[0]["id"] if source else example
            else:
                values[key] = example or fallback.get(key)
        params[name] = values
    names = sorted({r["name"] for r in kg_rows("MATCH (e:Entity) RETURN e.name AS name", store, workdir)})
    long_names = [n for n in names if len(n) >= 6] or names
    rng = random.Random(5)
    exact = [rng.choice(long_names) for _ in range(samples)]
    return {
        "named": params,
        "lookup_exact": exact,
        "lookup_misspelt": [misspell(n, rng) for n in exact],
        "lookup_top": top[0]["name"],
    }


ROWS = re.compile(r"^\((\d+) rows?\)$", re.MULTILINE)
MENTIONED = re.compile(r"^  mentioned by (\d+) papers?:$", re.MULTILINE)


def summarise(calls: list[dict]) -> dict:
    walls = [c["wall_s"] for c in calls]
    rss = [c["peak_rss_mb"] for c in calls]
    return {
        "runs": len(calls),
        "median_s": round(percentile(walls, 0.5), 3),
        "p99_s": round(percentile(walls, 0.99), 3),
        "max_s": round(max(walls), 3),
        "min_s": round(min(walls), 3),
        "runs_s": [round(w, 3) for w in walls],
        "peak_rss_mb": max(rss),
        "rss_runs_mb": rss,
        "exit_codes": sorted({c["rc"] for c in calls}),
    }


def cli_rows(store: Path, papers: int, workdir: Path, runs: int) -> dict:
    """Every named query, `kg lookup` (exact, misspelt, the most mentioned entity) and the start-up floors, each
    as a whole `kg` call in a fresh process, `runs` times; the commands take turns (one round after another)."""
    params = pick_params(store, workdir, runs)
    s = ["--store", str(store)]
    items: dict[str, dict] = {
        "kg --version": {"args": lambda i: ["--version"], "note": "Python start-up and the CLI's imports"},
        "kg query 'RETURN 1 AS x'": {
            "args": lambda i: ["query", "RETURN 1 AS x", *s],
            "note": "start-up floor of a query: opens the query database",
        },
    }
    for name, values in params["named"].items():
        pairs = [a for k, v in values.items() for a in ("--param", f"{k}={v}")]
        items[f"kg query --name {name}"] = {
            "args": lambda i, pairs=pairs, name=name: ["query", "--name", name, *pairs, *s],
            "params": values,
        }
    items["kg lookup (exact)"] = {
        "args": lambda i: ["lookup", params["lookup_exact"][i % runs], *s],
        "params": params["lookup_exact"],
        "note": "a different name each run",
    }
    items["kg lookup (misspelt)"] = {
        "args": lambda i: ["lookup", params["lookup_misspelt"][i % runs], *s],
        "params": params["lookup_misspelt"],
        "note": "the same names, a letter dropped, lower case",
    }
    items["kg lookup (most mentioned)"] = {
        "args": lambda i: ["lookup", params["lookup_top"], *s],
        "params": [params["lookup_top"]],
        "note": "the hub entity",
    }
    items["kg query 'RETURN 1 AS x', no cached bytecode"] = {
        "args": lambda i: ["query", "RETURN 1 AS x", *s],
        "bytecode": False,
        "note": "PYTHONDONTWRITEBYTECODE=1, as this machine's environment sets: kg's own modules compiled at "
        "each start; every other row runs with bytecode cached",
    }
    for item in items.values():  # untimed: bytecode cached, the engine's library and the data in the page cache
        kg_call(item["args"](0), workdir, item.get("bytecode", True))
    calls: dict[str, list[dict]] = {name: [] for name in items}
    for i in range(runs):
        for name, item in items.items():
            calls[name].append(kg_call(item["args"](i), workdir, item.get("bytecode", True)))
    out = {}
    for name, item in items.items():
        row = summarise(calls[name])
        first = calls[name][0]
        rows = ROWS.search(first["stdout"]) or MENTIONED.search(first["stdout"])
        row["rows"] = int(rows.group(1)) if rows else None
        if name.startswith("kg lookup"):
            row["found"] = sum(c["rc"] == 0 for c in calls[name])
        row["rebuilt_query_db"] = any("building the query database" in c["stderr"] for c in calls[name])
        failed = [c for c in calls[name] if c["rc"] != 0 and "no entity matches" not in c["stderr"]]
        if failed:
            row["error"] = failed[0]["stderr"].strip()[-500:]
            row["failed"] = len(failed)
        for key in ("params", "note"):
            if key in item:
                row[key] = item[key]
        out[name] = row
    return {"papers": papers, "runs": runs, "commands": out}


ENGINE_SCRIPT = (
    PEAK_RSS
    + """
# Build (mode build) or query (mode query) a store's query database with another engine module: the
# engine module kg.store.querydb.embedded is pointed at it (Kuzu and LadybugDB share their Python API).
import hashlib, json, statistics, sys, time
from pathlib import Path
from kg.store.querydb import embedded
from kg.store.querydb.build import build
from kg.store.querydb.current import open_database
from kg.store.querydb.stamp import file_sha256
mode, name, store, target = sys.argv[1:5]
if name == "kuzu":
    import kuzu
    embedded.engine = lambda: kuzu
    embedded.engine_version = lambda: str(kuzu.__version__)
    embedded.ENGINE = "kuzu"
out = {"engine": name, "version": embedded.engine_version()}
if mode == "build":
    from kg.store.local import load_graph
    g = load_graph(store, freeze=True)
    st = Path(store).stat()
    steps = []
    t = time.perf_counter()
    build(g, target, store_stat=(st.st_size, st.st_mtime_ns), store_sha256=file_sha256(store),
          progress=lambda m: steps.append((m, time.perf_counter() - t)), consume=True, frozen=True)
    out["build_s"] = round(time.perf_counter() - t, 2)
    out["parquet_s"] = round(next((s for m, s in steps if m == "loading the query database"), 0.0), 2)
    target = Path(target)
    files = [target] if target.is_file() else target.rglob("*")
    out["size_mb"] = round(sum(f.stat().st_size for f in files) / 1e6, 1)
    out["build_peak_rss_mb"] = peak_rss_mib()
else:
    params, runs = json.loads(sys.argv[5]), int(sys.argv[6])
    from kg.model.errors import KGError
    from kg.lookup import EntityIndex, lookup
    from kg.query import named_queries, canonical_params
    from kg.query.engine import prepare, run
    t = time.perf_counter()
    qdb = open_database(Path(target))
    out["open_s"] = round(time.perf_counter() - t, 3)
    cypher = lambda text, p: run(qdb, text, p)
    t = time.perf_counter()
    index = EntityIndex.read(cypher)
    out["entity_index_ms"] = round((time.perf_counter() - t) * 1000, 1)

    def timed(fn):
        entry, times = {}, []
        try:
            for _ in range(runs):
                s = time.perf_counter()
                rows = fn()
                times.append((time.perf_counter() - s) * 1000)
        except KGError as exc:
            entry["error"] = str(exc)
            return entry
        entry["runs_ms"] = [round(x, 1) for x in times]
        entry["median_ms"] = round(statistics.median(times), 1)
        entry["rows"] = len(rows) if isinstance(rows, list) else 1
        entry["rows_sha256"] = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return entry

    queries = {}
    for qname, q in named_queries().items():
        try:
            resolved = canonical_params(cypher, q, params["named"].get(qname, {}), index)
        except KGError as exc:
            queries[qname] = {"error": f"resolving its parameters: {exc}"}
            continue
        entry = timed(lambda: run(qdb, q.cypher, resolved).rows)
        if "error" in entry:
            entry["translation"] = prepare(qdb, q.cypher, resolved).text
        entry["params"] = resolved
        queries[qname] = entry
    lookups = (
        ("lookup (exact)", params["lookup_exact"][:1]),
        ("lookup (misspelt)", params["lookup_misspelt"][:1]),
        ("lookup (most mentioned)", [params["lookup_top"]]),
    )
    for label, names in lookups:
        entry = timed(lambda: lookup(cypher, names[0], index=index).to_dict())
        entry["params"] = names[0]
        queries[label] = entry
    out["queries"] = queries
    out["query_peak_rss_mb"] = peak_rss_mib()
print(json.dumps(out))
"""
)


def engine_rows(store: Path, papers: int, workdir: Path, runs: int, params: dict) -> list[dict]:
    """The query database of one store built and queried in-process with LadybugDB (what kg uses) and Kuzu
    0.11.3 (its last release), each in fresh processes: build time, size on disk, each named query's median."""
    import importlib.util

    rows = []
    for name in ("ladybug", "kuzu"):
        if importlib.util.find_spec(name) is None:
            rows.append(
                {
                    "engine": name,
                    "papers": papers,
                    "skipped": f"not installed (pip install {'kuzu==0.11.3' if name == 'kuzu' else name})",
                }
            )
            continue
        target = workdir / f"engine-{name}-{papers}.db"
        try:
            row = _run_json(ENGINE_SCRIPT, "build", name, str(store), str(target))
            row.update(_run_json(ENGINE_SCRIPT, "query", name, str(store), str(target), json.dumps(params), str(runs)))
        except subprocess.CalledProcessError as exc:
            row = {"engine": name, "error": (exc.stderr or "").strip()[-1000:]}
        row["papers"] = papers
        rows.append(row)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    return rows


def _canonical(rows: list) -> str:
    """A digest of a query's rows, order-insensitive: Neo4j and the local engine may order ties differently."""
    import hashlib

    return hashlib.sha256(
        "\n".join(sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)).encode()
    ).hexdigest()


# The test server runs with Serial GC and the C1 JIT only (fast starts for small tests); measured here as Neo4j
# runs by default: G1 and the optimising JIT (C2), which load 1.5-2x faster.
SERVER_JVM = ("-XX:TieredStopAtLevel=4", "-XX:-UseSerialGC", "-XX:+UseG1GC")


def load_rows(store_path: Path, papers: int, workdir: Path, runs: int, params: dict | None) -> dict:
    """A real Neo4j 5 (tests/neo4j_server.py, started here on 127.0.0.1) against the local store of `papers`:

    - `kg load` (kg.store.neo4j.load_store: schema, then batched UNWIND writes of up to 10,000 rows per transaction)
      into an empty database, then again into the loaded one (MERGE: nothing changes);
    - every named query and the lookups on Neo4j, warm, in-process, median of `runs`, beside the same
      call on the local store in the same process, with the rows compared;
    - `kg export --format neo4j-admin` of the same store and Neo4j's own importer
      (`neo4j-admin database import full`) on it, counts compared.
    """
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import neo4j_server
    except Exception as exc:  # noqa: BLE001 - the neo4j driver missing
        return {"papers": papers, "skipped": f"tests/neo4j_server.py cannot be imported: {exc}"}
    try:
        neo4j_server.ensure_built()
    except neo4j_server.Neo4jUnavailable as exc:
        return {"papers": papers, "skipped": str(exc)}
    import kg
    from kg.lookup import lookup
    from kg.query import canonical_params, get_named_query, named_queries
    from kg.store.neo4j import Neo4jStore, load_store
    from kg.store.neo4j_settings import Neo4jSettings

    def neo_named(neo, name, values):
        """A named query on Neo4j, its parameters resolved as `kg query --neo4j --name` resolves them."""
        q = get_named_query(name)
        return neo.query(q.cypher, canonical_params(neo.run, q, dict(values)))

    out: dict = {
        "papers": papers,
        "neo4j": neo4j_server.NEO4J_VERSION,
        "runs": runs,
        "server": "heap 1 GiB, page cache 1 GiB, G1 GC and the full JIT as Neo4j ships; same 2 cores as the client",
    }
    home = workdir / f"neo4j-load-{papers}"
    shutil.rmtree(home, ignore_errors=True)
    server = neo4j_server.Neo4jServer.start(home, heap="1g", pagecache="1g", jvm_args=SERVER_JVM)
    try:
        out["server_start_s"] = round(server.started_in, 2)
        settings = Neo4jSettings(uri=server.uri, user=server.user, password=server.password)
        t = time.perf_counter()
        report = load_store(store_path, settings)
        wall = time.perf_counter() - t
        out["kg_load"] = {
            "wall_s": round(wall, 2),
            "write_s": round(report.seconds, 2),
            "rows": report.rows,
            "batches": report.batches,
            "nodes": report.nodes,
            "relationships": report.relationships,
            "rows_per_s": round(report.rows / report.seconds),
            "relationships_per_s": round(report.relationships / report.seconds),
            "nodes_created": report.nodes_created,
            "relationships_created": report.relationships_created,
            "server_nodes": report.server.nodes,
            "server_relationships": report.server.relationships,
        }
        t = time.perf_counter()
        again = load_store(store_path, settings)
        out["kg_load_again"] = {
            "wall_s": round(time.perf_counter() - t, 2),
            "write_s": round(again.seconds, 2),
            "nodes_created": again.nodes_created,
            "relationships_created": again.relationships_created,
            "server_nodes": again.server.nodes,
            "server_relationships": again.server.relationships,
        }
        params = params or pick_params(store_path, workdir, 1)
        local = kg.open_store(store_path)
        index = local.entity_index()
        queries: dict[str, dict] = {}
        with Neo4jStore(settings) as neo:
            neo.verify()
            calls: list[tuple[str, object, object]] = [
                (
                    f"kg query --name {name}",
                    (lambda n=name: neo_named(neo, n, params["named"][n]).rows),
                    (lambda n=name: local.named_query(n, params["named"][n]).rows),
                )
                for name in named_queries()
            ]
            for label, value in (
                ("lookup (exact)", params["lookup_exact"][0]),
                ("lookup (misspelt)", params["lookup_misspelt"][0]),
                ("lookup (most mentioned)", params["lookup_top"]),
            ):
                calls.append(
                    (
                        f"kg {label}",
                        (lambda v=value: lookup(neo.run, v).to_dict()),
                        (lambda v=value: lookup(local.run, v, index=index).to_dict()),
                    )
                )
            for label, on_neo4j, on_local in calls:
                entry: dict = {}
                for side, fn in (("neo4j", on_neo4j), ("local", on_local)):
                    try:
                        result = fn()  # warm: plans cached, pages in memory
                        times = []
                        for _ in range(runs):
                            t = time.perf_counter()
                            fn()
                            times.append((time.perf_counter() - t) * 1000)
                    except Exception as exc:  # noqa: BLE001 - recorded, not fatal to the bench
                        entry[f"{side}_error"] = f"{type(exc).__name__}: {exc}"[:300]
                        continue
                    entry[f"{side}_median_ms"] = round(percentile(times, 0.5), 1)
                    rows = result if isinstance(result, list) else [result]
                    entry[f"{side}_rows"] = len(result) if isinstance(result, list) else None
                    entry[f"{side}_digest"] = _canonical(rows)
                if "neo4j_digest" in entry and "local_digest" in entry:
                    entry["same_rows"] = entry.pop("neo4j_digest") == entry.pop("local_digest")
                queries[label] = entry
        local.close()
        out["queries"] = queries
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)

    export_dir, import_home = workdir / f"neo4j-admin-{papers}", workdir / f"neo4j-import-{papers}"
    for d in (export_dir, import_home):
        shutil.rmtree(d, ignore_errors=True)
    t = time.perf_counter()
    r = kg_call(["export", "--format", "neo4j-admin", "-o", str(export_dir), "--store", str(store_path)], workdir)
    export_s = time.perf_counter() - t
    if r["rc"] != 0:
        out["admin_import"] = {"error": f"kg export failed: {r['stderr'][-500:]}"}
        return out
    command = next(ln.strip() for ln in r["stdout"].splitlines() if "neo4j-admin database import" in ln)
    files: dict[str, list[str]] = {"--nodes": [], "--relationships": []}
    for arg in shlex.split(command):
        name, _, value = arg.partition("=")
        if name in files:
            files[name].append(value)
    t = time.perf_counter()
    try:
        output = neo4j_server.import_csv(
            import_home, files["--nodes"], files["--relationships"], heap="1g", jvm_args=SERVER_JVM
        )
    except neo4j_server.Neo4jServerError as exc:
        out["admin_import"] = {"error": str(exc)}
        return out
    import_s = time.perf_counter() - t
    found = re.search(r"Imported:\s+(\d+) nodes\s+(\d+) relationships\s+(\d+) properties", output)
    nodes, rels, props = map(int, found.groups()) if found else (0, 0, 0)
    out["admin_import"] = {
        "export_s": round(export_s, 2),
        "import_s": round(import_s, 2),
        "nodes": nodes,
        "relationships": rels,
        "properties": props,
        "rows_per_s": round((nodes + rels) / import_s),
        "relationships_per_s": round(rels / import_s),
        "note": "a fresh JVM per import (start-up included); the server stopped, as neo4j-admin requires",
    }
    shutil.rmtree(import_home, ignore_errors=True)
    shutil.rmtree(export_dir, ignore_errors=True)
    return out


# -- Neo4j at scale: which path to take at 100k, 1M, 10M and 100M papers --------------------------------------

IMPORT_OFF_HEAP = "256m"
"""neo4j-admin import's --max-off-heap-memory here (the test launcher's default; Neo4j's own is 90% of RAM)."""


@contextlib.contextmanager
def neo4j_env(server):
    """NEO4J_URI, NEO4J_USERNAME and NEO4J_PASSWORD of `server` for the `kg` calls made inside the block."""
    saved = {k: os.environ.get(k) for k in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE")}
    os.environ.update(NEO4J_URI=server.uri, NEO4J_USERNAME=server.user, NEO4J_PASSWORD=server.password)
    os.environ.pop("NEO4J_DATABASE", None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _kg_json(args: list[str], workdir: Path) -> dict:
    """A whole `kg ARGS --json` call: its wall seconds and peak RSS, and its JSON report (a list of rows for
    `kg query`, which prints one JSON object a line) or its error."""
    r = kg_call([*args, "--json"], workdir, timeout=3600)
    out = {"wall_s": round(r["wall_s"], 2), "peak_rss_mb": r["peak_rss_mb"], "rc": r["rc"]}
    if r["rc"] != 0:
        out["error"] = r["stderr"].strip()[-500:]
        return out
    try:
        out["report"] = json.loads(r["stdout"])
    except json.JSONDecodeError:  # kg query --json: one JSON object per row
        out["report"] = [json.loads(line) for line in r["stdout"].splitlines() if line.strip()]
    return out


def _load_summary(call: dict) -> dict:
    """The figures of a `kg load --json` call."""
    if "report" not in call:
        return call
    rep = call.pop("report")
    return {
        **call,
        "rows": rep["rows"],
        "batches": rep["batches"],
        "write_s": round(rep["seconds"], 2),
        "rows_per_s": round(rep["rows"] / rep["seconds"]) if rep["seconds"] else None,
        "relationships_per_s": round(rep["relationships"] / rep["seconds"]) if rep["seconds"] else None,
        "nodes": rep["nodes"],
        "relationships": rep["relationships"],
        "nodes_created": rep["nodes_created"],
        "relationships_created": rep["relationships_created"],
        "server_nodes": rep["server"]["nodes"],
        "server_relationships": rep["server"]["relationships"],
    }


def neo4j_scale_rows(work: Path, sizes: list[int], load_size: int, delta: int, store_of) -> dict:
    """The Neo4j paths measured on the scaled stores, each a whole `kg` call (wall time, its own peak RSS):

    - for each of `sizes`: `kg export --format neo4j-admin` (streamed), Neo4j's importer on its CSVs (heap 1 GiB,
      --max-off-heap-memory IMPORT_OFF_HEAP, a fresh JVM, start-up included), a server started on the imported
      database, `kg load` (the schema; every row is sent again and MERGE finds it) and one named query,
      `kg query --neo4j --name papers-mentioning`, compared with the local store's rows;
    - at `load_size`: `kg load` into an empty database, then `kg load` of the store of `load_size + delta` papers
      (the same corpus and `delta` more papers) into it: what an update of a live Neo4j costs today.
    """
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import neo4j_server

        neo4j_server.ensure_built()
    except Exception as exc:  # noqa: BLE001 - the driver, java or mvn missing
        return {"skipped": f"tests/neo4j_server.py cannot start Neo4j: {exc}"}
    server_note = "heap 1 GiB, page cache 1 GiB, G1 GC and the full JIT as Neo4j ships; same 2 cores as the client"
    out: dict = {"neo4j": neo4j_server.NEO4J_VERSION, "server": server_note, "bulk": [], "incremental": None}
    query = ["query", "--name", "papers-mentioning", "--param", "entity=DeepSpeed", "--limit", "0"]
    for n in sizes:
        store = store_of(n)
        row: dict = {"papers": n, "store_mb": round(store.stat().st_size / 1e6, 1)}
        export_dir, home = work / f"scale-admin-{n}", work / f"scale-import-{n}"
        for d in (export_dir, home):
            shutil.rmtree(d, ignore_errors=True)
        print(f"bench: neo4j-scale: export and bulk import of {n:,} papers", file=sys.stderr)
        export = _kg_json(["export", "--format", "neo4j-admin", "-o", str(export_dir), "--store", str(store)], work)
        row["export"] = {k: v for k, v in export.items() if k != "report"}
        if "report" not in export:
            out["bulk"].append(row)
            continue
        row["nodes"], row["relationships"] = export["report"]["nodes"], export["report"]["relationships"]
        row["csv_mb"] = round(sum(f.stat().st_size for f in export_dir.glob("*.csv")) / 1e6, 1)
        nodes = [export_dir / f for f in ("papers.csv", "entities.csv")]
        rels = [export_dir / f for f in ("mentions.csv", "introduces.csv", "cites.csv", "variant_of.csv")]
        t = time.perf_counter()
        try:
            output = neo4j_server.import_csv(
                home,
                nodes,
                rels,
                heap="1g",
                jvm_args=SERVER_JVM,
                extra=[f"--max-off-heap-memory={IMPORT_OFF_HEAP}"],
                timeout=3600,
            )
        except neo4j_server.Neo4jServerError as exc:
            row["import"] = {"error": str(exc)}
            out["bulk"].append(row)
            continue
        import_s = time.perf_counter() - t
        found = re.search(r"Imported:\s+(\d+) nodes\s+(\d+) relationships\s+(\d+) properties", output)
        imported = dict(zip(("nodes", "relationships", "properties"), map(int, found.groups()))) if found else {}
        row["import"] = {
            "import_s": round(import_s, 2),
            **imported,
            "rows_per_s": round((row["nodes"] + row["relationships"]) / import_s),
            "memory": f"heap 1 GiB (-Xmx1g), --max-off-heap-memory={IMPORT_OFF_HEAP}",
            "data_dir_mb": round(sum(f.stat().st_size for f in (home / "data").rglob("*") if f.is_file()) / 1e6, 1),
        }
        shutil.rmtree(export_dir, ignore_errors=True)
        server = neo4j_server.Neo4jServer.start(home, heap="1g", pagecache="1g", jvm_args=SERVER_JVM, timeout=600)
        try:
            row["server_start_s"] = round(server.started_in, 2)
            with neo4j_env(server):
                remote = _kg_json([*query, "--neo4j"], work)
                row["query_before_schema"] = {k: v for k, v in remote.items() if k != "report"}
                print(f"bench: neo4j-scale: kg load after the import ({n:,} papers)", file=sys.stderr)
                row["kg_load_after_import"] = _load_summary(_kg_json(["load", "--store", str(store)], work))
                remote = _kg_json([*query, "--neo4j"], work)
            local = _kg_json([*query, "--store", str(store)], work)
            row["query"] = {
                "neo4j_wall_s": remote["wall_s"],
                "local_wall_s": local["wall_s"],
                "rows": len(remote["report"]) if "report" in remote else None,
                "same_rows": "report" in remote and remote.get("report") == local.get("report"),
                "error": remote.get("error"),
            }
        finally:
            server.stop()
            shutil.rmtree(home, ignore_errors=True)
        out["bulk"].append(row)

    if load_size:
        store, grown = store_of(load_size), store_of(load_size + delta)
        home = work / f"scale-load-{load_size}"
        shutil.rmtree(home, ignore_errors=True)
        print(f"bench: neo4j-scale: kg load of {load_size:,} papers, then of {delta:,} more", file=sys.stderr)
        server = neo4j_server.Neo4jServer.start(home, heap="1g", pagecache="1g", jvm_args=SERVER_JVM)
        try:
            with neo4j_env(server):
                first = _load_summary(_kg_json(["load", "--store", str(store)], work))
                second = _load_summary(_kg_json(["load", "--store", str(grown)], work))
        finally:
            server.stop()
            shutil.rmtree(home, ignore_errors=True)
        out["incremental"] = {"papers": load_size, "added": delta, "empty": first, "grown": second}
    return out


def neo4j_scale_lines(scale: dict | None) -> list[str]:
    if not scale:
        return []
    if scale.get("skipped"):
        return [f"| Neo4j at scale | not measured | {scale['skipped']} |"]
    lines = []
    for row in scale["bulk"]:
        n = f"{row['papers']:,} papers"
        ex, im = row["export"], row.get("import") or {}
        if "error" in ex:
            lines.append(f"| kg export --format neo4j-admin ({n}) | failed | {ex['error'][:300]} |")
            continue
        lines.append(
            f"| kg export --format neo4j-admin, streamed ({n}) | {ex['wall_s']:.1f} s, peak RSS "
            f"{ex['peak_rss_mb']:,} MiB | {row['nodes']:,} nodes, {row['relationships']:,} relationships; "
            f"{row['csv_mb']:,} MB of CSV from a {row['store_mb']:,} MB store |"
        )
        if "error" in im:
            lines.append(f"| neo4j-admin database import full ({n}) | failed | {im['error'][:300]} |")
            continue
        lines.append(
            f"| neo4j-admin database import full ({n}) | {im['import_s']:.1f} s, {im['rows_per_s']:,} rows/s | "
            f"{im.get('nodes', 0):,} nodes, {im.get('relationships', 0):,} relationships; {im['memory']}; "
            f"a fresh JVM (start-up included); data directory {im['data_dir_mb']:,} MB |"
        )
        kl, q = row.get("kg_load_after_import") or {}, row.get("query") or {}
        if "rows" in kl:
            lines.append(
                f"| kg load after the import ({n}): schema, every row sent again | {kl['wall_s']:.1f} s, "
                f"client peak RSS {kl['peak_rss_mb']:,} MiB | {kl['rows']:,} rows, {kl['write_s']:.1f} s of writes; "
                f"{kl['nodes_created']:,} nodes and {kl['relationships_created']:,} relationships created; "
                f"server start {row['server_start_s']:.1f} s |"
            )
        if q:
            lines.append(
                f"| kg query --neo4j --name papers-mentioning on the imported database ({n}) | "
                f"{q['neo4j_wall_s']:.2f} s (local store {q['local_wall_s']:.2f} s) | "
                f"{(q['rows'] or 0):,} rows; {'same rows' if q['same_rows'] else 'ROWS DIFFER'} |"
            )
    inc = scale.get("incremental")
    if inc:
        n, first, second = f"{inc['papers']:,} papers", inc["empty"], inc["grown"]
        for label, call in (
            (f"kg load into an empty Neo4j ({n})", first),
            (f"kg load of {inc['papers'] + inc['added']:,} papers into the {n} database", second),
        ):
            if "rows" not in call:
                lines.append(f"| {label} | failed | {call.get('error', '')[:300]} |")
                continue
            lines.append(
                f"| {label} | {call['wall_s']:.1f} s, {call['rows_per_s']:,} rows/s of writes, client peak RSS "
                f"{call['peak_rss_mb']:,} MiB | {call['rows']:,} rows sent in {call['batches']:,} transactions "
                f"({call['write_s']:.1f} s of writes); {call['nodes_created']:,} nodes and "
                f"{call['relationships_created']:,} relationships created; server holds {call['server_nodes']:,} "
                f"nodes, {call['server_relationships']:,} relationships; {scale['server']} |"
            )
    return lines


# -- start-up and end to end: whole kg commands ------------------------------------------------

STARTUP_RUNS = 15
"""Fresh-process runs of each start-up command by default."""

E2E_RUNS = 3
"""Runs of each end-to-end command by default; the fastest is reported, as for the linking contenders."""

STARTUP_TARGETS = {"kg link": 0.35, "kg --help": 0.25, "kg lookup": 0.25, "kg stats": 0.25}
"""The "fast start" targets: median wall seconds of a fresh `kg` process, by command."""


def sample_store(workdir: Path) -> tuple[Path, int]:
    """The sample store, data/seeds built afresh by `kg build` (untimed) in the work directory, and its papers."""
    store = workdir / "sample-store.jsonl.gz"
    remove_store(store)
    r = kg_call(["build", str(SEEDS), "--store", str(store), "--json"], workdir)
    if r["rc"] != 0:
        raise RuntimeError(f"kg build {SEEDS}: {r['stderr'][-1000:]}")
    return store, json.loads(r["stdout"])["papers"]


def startup_rows(workdir: Path, runs: int) -> dict:
    """The start-up targets, each command a whole `kg` call in a fresh process, `runs` times, taking turns:
    `kg --help`, `kg lookup` (the most mentioned entity) and `kg stats` on the sample store, and `kg link` of a
    one-abstract file with the linker's cache warm (its $KG_CACHE_DIR filled by an untimed run first) and cold
    (a new empty $KG_CACHE_DIR each run). Bytecode is cached for every row: an untimed round first (the cold
    row has none of its own: the warm row's has compiled the same modules)."""
    store, papers = sample_store(workdir)
    s = ["--store", str(store)]
    [hub] = kg_rows(
        "MATCH (p:Paper)-[:MENTIONS]->(e:Entity) RETURN e.name AS name, count(p) AS n ORDER BY n DESC, name LIMIT 1",
        store,
        workdir,
    )
    one = workdir / "one-abstract.jsonl"
    write_jsonl(sample_records()[:1], one)
    warm, cold = workdir / "cache-warm", workdir / "cache-cold"
    shutil.rmtree(warm, ignore_errors=True)
    items: dict[str, dict] = {
        "kg --help": {"args": ["--help"], "target": "kg --help", "note": "Python start-up and the CLI's imports"},
        "kg lookup": {
            "args": ["lookup", hub["name"], *s],
            "target": "kg lookup",
            "note": f"{hub['name']!r}, the sample's most mentioned entity ({hub['n']} papers)",
        },
        "kg stats": {"args": ["stats", *s], "target": "kg stats", "note": "counts and top entities"},
        "kg link, one abstract, warm cache": {
            "args": ["link", str(one)],
            "target": "kg link",
            "cache": warm,
            "note": "its $KG_CACHE_DIR kept from an untimed run before",
        },
        "kg link, one abstract, cold cache": {
            "args": ["link", str(one)],
            "target": "kg link",
            "fresh_cache": True,
            "note": "a new empty $KG_CACHE_DIR each run",
        },
    }

    def call(item: dict, i: int) -> dict:
        """One run of an item; a `fresh_cache` item gets a new empty cache directory, removed after. With
        `cache_files`: the files kg left in the item's cache directory (none until kg keeps a cache)."""
        cache = cold / f"run-{i}" if item.get("fresh_cache") else item.get("cache")
        if item.get("fresh_cache"):
            shutil.rmtree(cache, ignore_errors=True)
            cache.mkdir(parents=True)
        try:
            r = kg_call(item["args"], workdir, cache=cache)
            if cache is not None:
                r["cache_files"] = sum(f.is_file() for f in cache.rglob("*")) if cache.exists() else 0
            return r
        finally:
            if item.get("fresh_cache"):
                shutil.rmtree(cache, ignore_errors=True)

    for item in items.values():  # untimed: bytecode cached, the warm cache filled, the store in the page cache
        if not item.get("fresh_cache"):
            call(item, -1)
    calls: dict[str, list[dict]] = {name: [] for name in items}
    for i in range(runs):
        for name, item in items.items():
            calls[name].append(call(item, i))
    out = {}
    for name, item in items.items():
        row = summarise(calls[name])
        row["target_s"] = STARTUP_TARGETS[item["target"]]
        row["met"] = row["median_s"] < row["target_s"]
        row["note"] = item["note"]
        if "cache_files" in calls[name][0]:
            row["cache_files"] = max(c["cache_files"] for c in calls[name])
        failed = [c for c in calls[name] if c["rc"] != 0]
        if failed:
            row["error"] = failed[0]["stderr"].strip()[-500:]
            row["failed"] = len(failed)
        out[name] = row
    return {"runs": runs, "store_papers": papers, "commands": out}


def link_has_workers(workdir: Path) -> bool:
    """Whether this kg's `kg link` takes --workers (being added): its --help lists it."""
    r = kg_call(["link", "--help"], workdir)
    return r["rc"] == 0 and "--workers" in r["stdout"]


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b to 4 significant digits; None when either is missing."""
    return float(f"{a / b:.4g}") if a and b else None


E2E_PEERS = {
    "floor": "pyahocorasick raw scan (floor)",
    "flashtext": "flashtext KeywordProcessor",
    "spacy": "spaCy PhraseMatcher(LOWER)",
}
"""The peers of the end-to-end rows, by key in each row's `ratios`."""


def e2e_rows(n: int, peer_n: int, workdir: Path, runs: int, repeat: int) -> dict:
    """Whole `kg link FILE > out.jsonl` and `kg build FILE --store NEW` calls on the scaled corpus of `n`, start-up
    included, with 1 process and --workers 2 (kg link: only if it has the option), each the fastest of `runs`
    (the commands taking turns), as abstracts/s; the same corpus scanned in this process by the raw
    pyahocorasick floor (all `n`) and flashtext and spaCy (the first `peer_n`), fastest of `repeat`; and each kg
    row's abstracts/s over each peer's (`ratios`) and --workers 2 over 1 process per command (`scaling`).

    An untimed `kg build` of one abstract first (it links too): bytecode and the linker's cache in place, as at
    a user's second run."""
    records = scaled_corpus(n)
    source = workdir / f"corpus-{n}.jsonl"
    write_jsonl(records, source)
    size = megabytes(records)
    one = workdir / "e2e-one-abstract.jsonl"
    write_jsonl(records[:1], one)
    warmup = workdir / "e2e-warmup.jsonl.gz"
    remove_store(warmup)
    kg_call(["build", str(one), "--store", str(warmup)], workdir)
    remove_store(warmup)
    link_workers = link_has_workers(workdir)
    linked = workdir / "e2e-linked.jsonl"
    store = workdir / f"e2e-store-{n}.jsonl.gz"
    items: dict[str, dict] = {}
    for workers in (1, 2):
        label = "1 process" if workers == 1 else f"--workers {workers}"
        items[f"kg link ({label})"] = {
            "command": "kg link",
            "workers": workers,
            "args": ["link", str(source), *(["--workers", str(workers)] if workers > 1 else [])],
            "supported": workers == 1 or link_workers,
            "note": f"JSON Lines written to a file ({linked.name})",
        }
    for workers in (1, 2):
        label = "1 process" if workers == 1 else f"--workers {workers}"
        items[f"kg build ({label})"] = {
            "command": "kg build",
            "workers": workers,
            "args": ["build", str(source), "--store", str(store), "--workers", str(workers), "--json"],
            "supported": True,
            "note": "into a new store, its query database included",
        }
    calls: dict[str, list[dict]] = {name: [] for name in items}
    for _ in range(runs):
        for name, item in items.items():
            if not item["supported"]:
                continue
            remove_store(store)
            is_link = item["command"] == "kg link"
            calls[name].append(kg_call(item["args"], workdir, stdout=linked if is_link else None))
            if is_link:
                with linked.open("rb") as f:
                    calls[name][-1]["papers"] = sum(1 for _ in f)
                calls[name][-1]["output_mb"] = round(linked.stat().st_size / 1e6, 1)
            elif calls[name][-1]["rc"] == 0:
                calls[name][-1]["papers"] = json.loads(calls[name][-1]["stdout"])["papers"]
    remove_store(store)
    linked.unlink(missing_ok=True)
    commands = [e2e_command_row(name, item, calls[name], n, size) for name, item in items.items()]

    aliases = alias_list()
    peers_records = records[:peer_n]
    peer_size = megabytes(peers_records)
    peers = {
        "floor": rate_row(
            E2E_PEERS["floor"], bench_floor(records, aliases, repeat), n, size, f"{len(aliases)} aliases, scan only"
        ),
        "flashtext": rate_row(
            E2E_PEERS["flashtext"],
            bench_flashtext(peers_records, aliases, repeat),
            len(peers_records),
            peer_size,
            "same aliases",
        ),
        "spacy": rate_row(
            E2E_PEERS["spacy"],
            bench_spacy(peers_records, aliases, repeat),
            len(peers_records),
            peer_size,
            "same aliases, spacy.blank('en'), nlp.pipe",
        ),
    }
    for key, row in peers.items():
        row["peer"] = key
        row["note"] = (
            f"{row['note']}; in this process, no start-up, reading or output"
            if row["abstracts_per_s"]
            else "not installed: no ratio"
        )
    for row in commands:
        row["ratios"] = {key: ratio(row["abstracts_per_s"], p["abstracts_per_s"]) for key, p in peers.items()}
    per = {(r["command"], r["workers"]): r["abstracts_per_s"] for r in commands}
    scaling = {c: ratio(per[(c, 2)], per[(c, 1)]) for c in ("kg link", "kg build")}
    return {
        "abstracts": n,
        "peer_abstracts": len(peers_records),
        "mb": round(size, 2),
        "runs": runs,
        "link_workers": link_workers,
        "commands": commands,
        "peers": list(peers.values()),
        "scaling": scaling,
    }


def e2e_command_row(name: str, item: dict, calls: list[dict], n: int, size_mb: float) -> dict:
    """One end-to-end command's row: the fastest of its runs as abstracts/s and MB/s of input, or why not."""
    row = {"name": name, "command": item["command"], "workers": item["workers"], "abstracts": n}
    if not item["supported"]:
        row.update(abstracts_per_s=None, mb_per_s=None, note="not supported yet: kg link --help lists no --workers")
        return row
    failed = [c for c in calls if c["rc"] != 0]
    if failed:
        row.update(abstracts_per_s=None, mb_per_s=None, note=item["note"], failed=len(failed))
        row["error"] = failed[0]["stderr"].strip()[-500:]
        return row
    walls = [c["wall_s"] for c in calls]
    seconds = min(walls)
    row.update(
        seconds=round(seconds, 3),
        runs_s=[round(w, 3) for w in walls],
        abstracts_per_s=round(n / seconds),
        mb_per_s=round(size_mb / seconds, 2),
        peak_rss_mb=max(c["peak_rss_mb"] for c in calls),
        papers=calls[0]["papers"],
        note=f"{item['note']}; whole command, start-up included; peak RSS of the main process",
    )
    if "output_mb" in calls[0]:
        row["output_mb"] = calls[0]["output_mb"]
    if row["papers"] != n:
        row["note"] += f"; {row['papers']:,} papers out of {n:,} abstracts"
    return row


# -- report -------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def source() -> dict:
    """The commit of the kg being measured, and its files changed since (others may be editing the tree)."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return out.stdout if out.returncode == 0 else ""

    commit = git("rev-parse", "HEAD").strip()
    if not commit:
        return {}
    changed = [line[3:] for line in git("status", "--porcelain", "--", "kg", "cypher").splitlines() if line.strip()]
    return {"commit": commit, "changed": changed}


def startup_lines(startup: dict | None) -> list[str]:
    """The start-up rows of the table: median, tail and peak RSS of each command, against its target."""
    if not startup:
        return []
    n = startup["runs"]
    tail = "p99" if n >= 100 else f"max of {n}"
    lines = []
    for name, c in startup["commands"].items():
        parts = [f"target: median under {c['target_s']} s, {'met' if c['met'] else 'MISSED'}", c["note"]]
        if name in ("kg lookup", "kg stats"):
            parts.append(f"sample store ({startup['store_papers']:,} papers)")
        if "cache_files" in c:
            parts.append(f"kg left {c['cache_files']} file{'' if c['cache_files'] == 1 else 's'} in its cache")
        if c.get("error"):
            parts.append(f"FAILED {c['failed']}/{n}: {c['error'].splitlines()[-1][:200]}")
        lines.append(
            f"| start-up: {name}, fresh process | median {c['median_s']:.3f} s, p99 {c['p99_s']:.3f} s ({tail}), "
            f"peak RSS {c['peak_rss_mb']:,} MiB | {'; '.join(parts)} |"
        )
    return lines


def e2e_lines(e2e: dict | None) -> list[str]:
    """The end-to-end rows of the table: each kg command with its ratios to the peers, the peers, the scaling."""
    if not e2e:
        return []
    labels = {"floor": "floor", "flashtext": "flashtext", "spacy": "spaCy"}
    lines = []
    for r in e2e["commands"]:
        head = f"| end to end: {r['name']}, {r['abstracts']:,} abstracts |"
        if r["abstracts_per_s"] is None:
            why = r["note"] + (f"; FAILED {r['failed']}/{e2e['runs']}: {r['error'][-200:]}" if r.get("error") else "")
            lines.append(f"{head} not measured | {why} |")
            continue
        ratios = ", ".join(
            f"kg/{labels[k]} = {v:.3g}x" if v is not None else f"kg/{labels[k]}: no figure"
            for k, v in r["ratios"].items()
        )
        lines.append(
            f"{head} {r['abstracts_per_s']:,} abstracts/s, {r['mb_per_s']} MB/s | {r['seconds']:.2f} s "
            f"(fastest of {len(r['runs_s'])}), peak RSS {r['peak_rss_mb']:,} MiB; {r['note']}; {ratios} |"
        )
    for r in e2e["peers"]:
        head = f"| end to end peer: {r['name']} |"
        if r["abstracts_per_s"] is None:
            lines.append(f'{head} not installed | pip install -e ".[bench]"; its ratios are left out |')
            continue
        lines.append(
            f"{head} {r['abstracts_per_s']:,} abstracts/s, {r['mb_per_s']} MB/s | {r['note']}, "
            f"{r['abstracts']:,} abstracts of the same corpus |"
        )
    scaling = ", ".join(f"{c} {v:.2f}x" if v is not None else f"{c}: no figure" for c, v in e2e["scaling"].items())
    lines.append(
        f"| end to end: --workers 2 over 1 process | {scaling} | abstracts/s of each command over its own "
        "(2x at best) |"
    )
    return lines


def markdown(result: dict) -> str:
    lines = ["| measurement | value | note |", "|---|---|---|"]
    link = result["linking"]
    kg1 = next((r for r in link if r["name"].startswith("kg linker (1")), None)
    for r in link:
        if r["abstracts_per_s"] is None:
            lines.append(f'| {r["name"]} | not installed | pip install -e ".[bench]" |')
            continue
        ratio = kg1["abstracts_per_s"] / r["abstracts_per_s"]
        label = "kg/floor" if "floor" in r["name"] else "kg/peer"
        rel = "" if r is kg1 or r["name"].startswith("kg ") else f"; {label} = {ratio:.2f}x"
        lines.append(
            f"| linking: {r['name']} | {r['abstracts_per_s']:,} abstracts/s, {r['mb_per_s']} MB/s | "
            f"{r['note']}, {r['abstracts']:,} abstracts{rel} |"
        )
    stages = result.get("linking_stages")
    if stages:
        parts = ", ".join(f"{name} {value:g}" for name, value in stages.items())
        total = sum(stages.values())
        lines.append(
            f"| linking: kg linker stages, us per abstract | {parts} | 1 process, scaled corpus, each stage "
            f"timed alone (fastest run); sum {total:.0f} us |"
        )
    lines += startup_lines(result.get("startup"))
    lines += e2e_lines(result.get("e2e"))
    for b in result.get("build", []):
        lines.append(
            f"| kg build {b['papers']:,} papers (--workers {b['workers']}) | {b['wall_s']} s, peak RSS "
            f"{b['peak_rss_mb']:,} MiB (+ {b.get('worker_peak_rss_mb', 0):,} MiB per worker) | "
            f"store {b['store_mb']} MB on disk, loads in {b['load_s']} s ({b['load_rss_mb']:,} MiB) "
            "in a new process; "
            f"{b['nodes']:,} nodes, {b['relationships']:,} relationships |"
        )
    for b in result.get("build", []):
        if "query_db_s" not in b:
            continue
        share = b.get("query_db_share")
        share_text = f"{share:.0%} of the rest of the build" if share is not None else "share unknown"
        error = f"; NOT BUILT: {b['query_db_error']}" if b.get("query_db_error") else ""
        lines.append(
            f"| kg build {b['papers']:,} papers: query database | {b['query_db_s']:.1f} s = {share_text} "
            f"(target: at most 50%) | {b['query_db_mb']:,} MB on disk; whole build {b['build_s']:.1f} s "
            f"in kg.build, of which linking and the store {b['build_s'] - b['query_db_s']:.1f} s{error} |"
        )
    builds = result.get("build", [])
    for small, big in zip(builds, builds[1:]):
        x = big["papers"] / small["papers"]
        lines.append(
            f"| growth {small['papers']:,} -> {big['papers']:,} papers ({x:g}x) | "
            f"time {big['wall_s'] / small['wall_s']:.1f}x, peak RSS {big['peak_rss_mb'] / small['peak_rss_mb']:.1f}x, "
            f"store {big['store_mb'] / small['store_mb']:.1f}x, "
            f"load {big['load_s'] / max(small['load_s'], 0.01):.1f}x | "
            "linear growth would be " + f"{x:g}x |"
        )
    lk = result.get("lookup")
    if lk:
        lines.append(
            f"| kg lookup on {lk['papers']:,}-paper store, exact | p50 {lk['exact']['p50_ms']} ms, "
            f"p99 {lk['exact']['p99_ms']} ms | {lk['samples']} names |"
        )
        lines.append(
            f"| kg lookup, misspelt | p50 {lk['fuzzy']['p50_ms']} ms, p99 {lk['fuzzy']['p99_ms']} ms | "
            "one letter dropped, lower case |"
        )
    for size in result.get("query", []):
        n = size["runs"]
        tail = "p99" if n >= 100 else f"max of {n}"
        for name, c in size["commands"].items():
            parts = []
            if isinstance(c.get("params"), dict) and c["params"]:
                parts.append(", ".join(f"{k}={v}" for k, v in c["params"].items()))
            elif name == "kg lookup (most mentioned)":
                parts.append(c["params"][0])
            if c.get("note"):
                parts.append(c["note"])
            if c.get("rows") is not None and name not in ("kg lookup (exact)", "kg lookup (misspelt)"):
                one = c["rows"] == 1
                parts.append(
                    f"{c['rows']:,} row{'' if one else 's'}"
                    if name.startswith("kg query")
                    else f"mentioned by {c['rows']:,} paper{'' if one else 's'}"
                )
            if "found" in c:
                parts.append(f"found {c['found']}/{n}")
            if c.get("error"):
                parts.append(f"FAILED {c.get('failed', '?')}/{n}: {c['error'].splitlines()[-1][:200]}")
            if c.get("rebuilt_query_db"):
                parts.append("the query database was REBUILT during the runs")
            what = "; ".join(parts)
            lines.append(
                f"| {name} ({size['papers']:,} papers), whole CLI call | median {c['median_s']:.2f} s, "
                f"p99 {c['p99_s']:.2f} s ({tail}), peak RSS {c['peak_rss_mb']:,} MiB | {what} |"
            )
    engines = [e for e in result.get("engines", []) if "queries" in e]
    for e in result.get("engines", []):
        label = {"ladybug": "LadybugDB", "kuzu": "Kùzu"}.get(e["engine"], e["engine"])
        if "queries" not in e:
            why = e.get("skipped") or e.get("error", "").splitlines()[-1:] or ["failed"]
            lines.append(
                f"| query db engine {label} ({e['papers']:,} papers) | not measured | "
                f"{why if isinstance(why, str) else why[0]} |"
            )
            continue
        failed = [q for q, v in e["queries"].items() if "error" in v]
        lines.append(
            f"| query db engine {label} {e['version']} ({e['papers']:,} papers) | build {e['build_s']} s "
            f"(engine load {e['build_s'] - e['parquet_s']:.1f} s), {e['size_mb']:,} MB on disk | "
            f"Parquet written in {e['parquet_s']} s; opens in {e['open_s']} s, entity index "
            f"{e['entity_index_ms']} ms; query process peak RSS {e['query_peak_rss_mb']:,} MiB"
            + (f"; cannot run: {', '.join(failed)}" if failed else "")
            + " |"
        )
    if engines:
        names = list(dict.fromkeys(q for e in engines for q in e["queries"]))
        for q in names:
            cells, notes = [], []
            for e in engines:
                v = e["queries"].get(q, {})
                label = {"ladybug": "LadybugDB", "kuzu": "Kùzu"}.get(e["engine"], e["engine"])
                if "median_ms" in v:
                    cells.append(f"{label} {v['median_ms']:,} ms")
                else:
                    cells.append(f"{label} failed")
                    notes.append(f"{label}: {v.get('error', '')[:200]}")
            digests = {e["queries"].get(q, {}).get("rows_sha256") for e in engines}
            if len(engines) > 1 and None not in digests:
                notes.append("same rows" if len(digests) == 1 else "ROWS DIFFER")
            rows = next((e["queries"][q].get("rows") for e in engines if "rows" in e["queries"].get(q, {})), None)
            if rows is not None and not q.startswith("lookup"):
                notes.insert(0, f"{rows:,} rows")
            elif q.startswith("lookup"):
                notes.insert(0, repr(next((e["queries"][q].get("params") for e in engines if q in e["queries"]), "")))
            runs = next((e["queries"][q]["runs_ms"] for e in engines if "runs_ms" in e["queries"].get(q, {})), [])
            lines.append(
                f"| in-process `{q}` ({engines[0]['papers']:,} papers), median of "
                f"{len(runs)}"
                f" | {' vs '.join(cells)} | {'; '.join(notes)} |"
            )
    load = result.get("load") or {}
    if load.get("skipped"):
        lines.append(f"| real Neo4j ({load['papers']:,} papers) | not measured | {load['skipped']} |")
    elif load:
        n = f"{load['papers']:,} papers"
        kl, again = load["kg_load"], load["kg_load_again"]
        lines.append(
            f"| kg load into Neo4j {load['neo4j']} ({n}), empty database | "
            f"{kl['relationships_per_s']:,} relationships/s ({kl['rows_per_s']:,} rows/s) | "
            f"{kl['rows']:,} rows ({kl['nodes']:,} nodes, {kl['relationships']:,} relationships) in "
            f"{kl['batches']:,} transactions, {kl['write_s']:.1f} s of writes, {kl['wall_s']:.1f} s in all "
            f"(store read, schema); server holds {kl['server_nodes']:,} nodes, "
            f"{kl['server_relationships']:,} relationships; {load['server']} |"
        )
        lines.append(
            f"| kg load again ({n}), nothing to change | {again['wall_s']:.1f} s | "
            f"{again['nodes_created']:,} nodes and {again['relationships_created']:,} relationships "
            f"created; server holds {again['server_nodes']:,} nodes, "
            f"{again['server_relationships']:,} relationships |"
        )
        ai = load.get("admin_import") or {}
        if "error" in ai:
            lines.append(f"| neo4j-admin database import full ({n}) | failed | {ai['error'][:300]} |")
        elif ai:
            lines.append(
                f"| neo4j-admin database import full ({n}) | {ai['relationships_per_s']:,} relationships/s "
                f"({ai['rows_per_s']:,} rows/s) | {ai['nodes']:,} nodes, {ai['relationships']:,} "
                f"relationships in {ai['import_s']:.1f} s, {ai['note']}; kg export --format neo4j-admin "
                f"took {ai['export_s']:.1f} s before it |"
            )
        for label, q in load.get("queries", {}).items():
            if "neo4j_median_ms" not in q or "local_median_ms" not in q:
                lines.append(f"| `{label}` on Neo4j ({n}) | failed | {q.get('neo4j_error') or q.get('local_error')} |")
                continue
            rows = f"{q['neo4j_rows']:,} rows; " if q.get("neo4j_rows") is not None else ""
            lines.append(
                f"| `{label}` in-process ({n}), median of {load['runs']} | Neo4j {q['neo4j_median_ms']} ms "
                f"vs local {q['local_median_ms']} ms | {rows}"
                f"{'same rows' if q.get('same_rows') else 'ROWS DIFFER'} |"
            )
    lines += neo4j_scale_lines(result.get("neo4j_scale"))
    return "\n".join(lines)


SECTIONS = ("linking", "startup", "e2e", "build", "query", "lookup", "load", "neo4j-scale")
"""Every section, in the order they run; all of them by default."""


@contextlib.contextmanager
def own_cache(workdir: Path):
    """$KG_CACHE_DIR set to the bench's (`bench_cache`) for the run, for what runs in this process and the
    scripts it starts (kg calls set it themselves): the user's cache is never read or written."""
    before = os.environ.get("KG_CACHE_DIR")
    os.environ["KG_CACHE_DIR"] = str(bench_cache(workdir))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("KG_CACHE_DIR", None)
        else:
            os.environ["KG_CACHE_DIR"] = before


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    parser.add_argument("--corpus", type=int, default=50_000, help="abstracts for the linking comparison")
    parser.add_argument("--peer-corpus", type=int, default=5_000, help="abstracts for flashtext and spaCy")
    parser.add_argument("--build-sizes", default="10000,100000,1000000")
    parser.add_argument("--lookup-size", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--repeat", type=int, default=REPEAT, help="runs per linking contender; the fastest is reported"
    )
    parser.add_argument(
        "--query-sizes",
        default="100000,1000000",
        help="store sizes whose named queries and lookups are timed as whole CLI calls",
    )
    parser.add_argument("--query-runs", type=int, default=QUERY_RUNS, help="whole CLI calls per command and size")
    parser.add_argument(
        "--engine-size", type=int, default=100_000, help="store size of the LadybugDB / Kuzu comparison (0: skip it)"
    )
    parser.add_argument("--engine-runs", type=int, default=ENGINE_RUNS, help="in-process runs per query and engine")
    parser.add_argument(
        "--load-size",
        type=int,
        default=100_000,
        help="store size loaded into a real Neo4j 5 (kg load, neo4j-admin import, queries side by side)",
    )
    parser.add_argument("--load-runs", type=int, default=ENGINE_RUNS, help="in-process runs per query on Neo4j")
    parser.add_argument(
        "--scale-sizes",
        default="100000,1000000",
        help="neo4j-scale: store sizes exported (streamed) and bulk-imported by neo4j-admin",
    )
    parser.add_argument(
        "--scale-delta", type=int, default=10_000, help="neo4j-scale: papers added for the incremental kg load"
    )
    parser.add_argument(
        "--startup-runs", type=int, default=STARTUP_RUNS, help="fresh-process runs per start-up command"
    )
    parser.add_argument(
        "--e2e-size", type=int, default=50_000, help="abstracts for the end-to-end kg link / kg build comparison"
    )
    parser.add_argument(
        "--e2e-runs", type=int, default=E2E_RUNS, help="runs per end-to-end command; the fastest is reported"
    )
    parser.add_argument(
        "--workdir",
        default=None,
        help="keep corpora and stores here and reuse them in later runs (default: a temporary "
        "directory); the build section always builds afresh",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run ({', '.join(SECTIONS)}); query includes the engine comparison",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.corpus, args.peer_corpus, args.build_sizes, args.lookup_size, args.repeat = 600, 200, "300", 300, 1
        args.query_sizes, args.query_runs, args.engine_size, args.engine_runs = "300", 1, 300, 1
        args.load_size, args.load_runs = 300, 1
        args.scale_sizes, args.scale_delta = "300", 30
        args.startup_runs, args.e2e_size, args.e2e_runs = 2, 300, 1
    sizes = [int(s) for s in args.build_sizes.split(",") if s]
    query_sizes = [int(s) for s in args.query_sizes.split(",") if s]
    only = set(args.only.split(","))
    if only - set(SECTIONS):
        parser.error(
            f"--only: no section {', '.join(sorted(only - set(SECTIONS)))}; the sections: {', '.join(SECTIONS)}"
        )
    result = {
        "machine": machine(),
        "source": source(),
        "args": vars(args),
        "linking": [],
        "build": [],
        "load": {},
        "load_average": {"start": [round(x, 2) for x in os.getloadavg()]},
    }
    picked: dict[int, dict] = {}  # parameters chosen by the query section, reused by the engine and load sections
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with (
        (
            contextlib.nullcontext(args.workdir) if args.workdir else tempfile.TemporaryDirectory(prefix="kg-bench-")
        ) as tmp,
        own_cache(Path(tmp)),
    ):
        work = Path(tmp)
        if "linking" in only:
            result["linking"], result["linking_stages"] = linking_rows(
                args.corpus, args.peer_corpus, max(1, args.repeat)
            )
        if "startup" in only:
            print(f"bench: start-up, {args.startup_runs} fresh processes per command", file=sys.stderr)
            result["startup"] = startup_rows(work, max(1, args.startup_runs))
        if "e2e" in only:
            print(f"bench: kg link / kg build end to end on {args.e2e_size:,} abstracts", file=sys.stderr)
            result["e2e"] = e2e_rows(args.e2e_size, args.peer_corpus, work, max(1, args.e2e_runs), max(1, args.repeat))

        def store_of(n: int) -> Path:
            """The bench's store of `n` papers, built (and its build row recorded) if this run has none yet."""
            path = work / f"store-{n}.jsonl.gz"
            if not path.exists():
                row = build_row(n, work, args.workers)
                if not any(b["papers"] == row["papers"] for b in result["build"]):
                    result["build"].append(row)
            return path

        if "build" in only:
            result["build"] = [build_row(n, work, args.workers) for n in sizes]
        if "query" in only:
            result["query"] = []
            for n in query_sizes:
                print(f"bench: kg query / kg lookup CLI calls on {n:,} papers", file=sys.stderr)
                rows = cli_rows(store_of(n), n, work, max(1, args.query_runs))
                picked[n] = {
                    "named": {
                        k[len("kg query --name ") :]: v["params"]
                        for k, v in rows["commands"].items()
                        if k.startswith("kg query --name ")
                    },
                    "lookup_exact": rows["commands"]["kg lookup (exact)"]["params"],
                    "lookup_misspelt": rows["commands"]["kg lookup (misspelt)"]["params"],
                    "lookup_top": rows["commands"]["kg lookup (most mentioned)"]["params"][0],
                }
                result["query"].append(rows)
            if args.engine_size:
                print(f"bench: LadybugDB vs Kuzu on {args.engine_size:,} papers", file=sys.stderr)
                store = store_of(args.engine_size)
                params = picked.get(args.engine_size) or pick_params(store, work, 1)
                result["engines"] = engine_rows(store, args.engine_size, work, max(1, args.engine_runs), params)
        if "lookup" in only:
            lk = lookup_rows(store_of(args.lookup_size), 200 if args.quick else 2000)
            lk["papers"], lk["samples"] = args.lookup_size, 200 if args.quick else 2000
            result["lookup"] = lk
        if "load" in only:
            print(f"bench: a real Neo4j 5 with {args.load_size:,} papers", file=sys.stderr)
            result["load"] = load_rows(
                store_of(args.load_size), args.load_size, work, max(1, args.load_runs), picked.get(args.load_size)
            )
        if "neo4j-scale" in only:
            scale_sizes = [int(x) for x in args.scale_sizes.split(",") if x]
            result["neo4j_scale"] = neo4j_scale_rows(work, scale_sizes, args.load_size, args.scale_delta, store_of)
    result["load_average"]["end"] = [round(x, 2) for x in os.getloadavg()]
    result["source_at_end"] = source()
    table = markdown(result)
    result["table"] = table
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(table)
    print(
        f"\nmachine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
        f"{result['machine']['memory_gib']} GiB, Python {result['machine']['python']}; load average (1, 5, 15 min) "
        f"{result['load_average']['start']} at the start, {result['load_average']['end']} at the end; "
        + "; ".join(
            f"kg at {src.get('commit', '?')[:12]} {when}"
            + (f" (local changes to {', '.join(src['changed'])})" if src.get("changed") else "")
            for when, src in (("at the start", result["source"]), ("at the end", result["source_at_end"]))
        )
    )
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
