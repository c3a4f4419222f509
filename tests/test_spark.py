"""`kg link --engine spark` and `kg build --from-mentions`: the store they make is the one `kg build` makes of
the same input (same nodes, relationships and properties; the same bytes), and bad input is one line.

The Spark tests (marker `spark`) share one local[2] session, in one xdist worker; the job uses the running
session as it would under spark-submit. Merging records into papers (`kg.link.spark.identity`) and the
missing-PySpark error are checked without Spark.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEEDS, missing_tool
from hypothesis import given
from hypothesis import strategies as st

from kg.cli import cli
from kg.ingest import read_papers
from kg.link.spark.identity import first_records
from kg.model.text import collapse_whitespace, match_key
from kg.store.local import load_graph

DATA = Path(__file__).parent / "data" / "spark"
TANGLED = DATA / "tangled.jsonl"


def scaled_corpus(n: int) -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("kg_bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.scaled_corpus(n)


@pytest.fixture(scope="module")
def spark():
    """One local[2] Spark session for this module's Spark tests (the job uses the running session)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        missing_tool("pyspark is not installed (pip install -e '.[test]')")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def graph_contents(path: Path) -> tuple[dict, dict, dict]:
    g = load_graph(path)
    nodes = {k: d for k, d in g.nodes(data=True)}
    edges = {(u, v, k): d for u, v, k, d in g.edges(keys=True, data=True)}
    return dict(g.graph), nodes, edges


def assert_same_store(spark_store: Path, local_store: Path) -> None:
    assert graph_contents(spark_store) == graph_contents(local_store)
    assert gzip.decompress(spark_store.read_bytes()) == gzip.decompress(local_store.read_bytes())


def write_scaled(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for title, abstract in scaled_corpus(n):
            f.write(json.dumps({"title": title, "abstract": abstract}) + "\n")
    return path


@pytest.mark.spark
@pytest.mark.parametrize("corpus", ["seeds", "tangled", "scaled-3000"])
def test_spark_build_is_the_local_build(spark, tmp_path, monkeypatch, corpus):
    """The same nodes, relationships and properties, and the same store file, as `kg build` of the same input;
    the scaled corpus spreads over several partitions (3,000 papers, below the spill threshold)."""
    monkeypatch.chdir(tmp_path)  # sources are recorded as given: both builds read the same relative paths
    if corpus == "seeds":
        inputs = [os.path.relpath(SEEDS, tmp_path)]
    elif corpus == "tangled":
        inputs = [os.path.relpath(TANGLED, tmp_path), os.path.relpath(SEEDS / os.listdir(SEEDS)[0], tmp_path)]
    else:
        inputs = [write_scaled(tmp_path / "scaled.jsonl", 3000).name]
    linked = run("link", "--engine", "spark", *inputs, "-o", "out", "--quiet")
    assert linked.exit_code == 0, linked.output
    manifest = json.loads((tmp_path / "out" / "kg-mentions.json").read_text())
    if corpus == "scaled-3000":
        assert manifest["partitions"] >= 4
    built = run("build", "--from-mentions", "out", "--store", "spark.jsonl.gz")
    assert built.exit_code == 0, built.output
    local = run("build", *inputs, "--store", "local.jsonl.gz", "-q")
    assert local.exit_code == 0, local.output
    assert_same_store(tmp_path / "spark.jsonl.gz", tmp_path / "local.jsonl.gz")
    # The summaries agree too, the time and the store's name aside.
    strip = ("store:", "time:", "query db:")
    assert [x for x in built.output.splitlines() if not x.startswith(strip)] == [
        x for x in local.output.splitlines() if not x.startswith(strip)
    ]


@pytest.mark.spark
def test_parquet_input_reads_as_jsonl(spark, tmp_path, monkeypatch):
    """A Parquet file with kg's JSONL fields as columns gives the papers its JSONL twin gives (a row's number
    stands for its line)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.chdir(tmp_path)
    rows = [json.loads(line) for line in TANGLED.read_text().splitlines()]
    (tmp_path / "in.jsonl").write_text(TANGLED.read_text())
    columns = {k: [r.get(k) for r in rows] for k in dict.fromkeys(k for r in rows for k in r)}
    pq.write_table(pa.Table.from_pydict(columns), tmp_path / "in.parquet", row_group_size=4)
    for name in ("in.jsonl", "in.parquet"):
        result = run("link", "--engine", "spark", name, "-o", f"out-{name}", "--quiet")
        assert result.exit_code == 0, result.output
        assert run("build", "--from-mentions", f"out-{name}", "--store", f"{name}.gz").exit_code == 0
    jsonl = (tmp_path / "in.jsonl.gz").read_bytes()
    parquet = (tmp_path / "in.parquet.gz").read_bytes()
    assert gzip.decompress(parquet).replace(b"in.parquet:", b"in.jsonl:") == gzip.decompress(jsonl)


@pytest.mark.spark
def test_bad_records_stop_at_the_first_in_read_order(spark, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.jsonl").write_text('{"title": "Fine", "abstract": "x"}\n')
    (tmp_path / "b.jsonl").write_text('{"title": "Fine too"}\n{"title": \n{"abstract": "no title"}\n')
    result = run("link", "--engine", "spark", "a.jsonl", "b.jsonl", "-o", "out", "--quiet")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: b.jsonl:2: malformed JSON")
    assert not (tmp_path / "out").exists()
    result = run("link", "--engine", "spark", "a.jsonl", "b.jsonl", "-o", "out", "--skip-bad", "--quiet")
    assert result.exit_code == 0, result.output
    assert "kg link: 2 records, 2 papers, 0 entity links, 2 skipped" in result.output


@pytest.mark.spark
def test_output_that_is_not_kg_output_is_left_alone(spark, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    result = run("link", "--engine", "spark", str(TANGLED), "-o", "out", "--quiet")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: out: a directory that is not kg's mention output; give a new or empty directory for -o"
    )
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


FIX = "make it with kg link --engine spark INPUT... -o DIR"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda d: None, "Error: {d}: no such directory (check the path, or " + FIX + ")"),
        (lambda d: d.mkdir(), "Error: {d}: not kg's mention output (no kg-mentions.json) (" + FIX + ")"),
        (
            lambda d: (d.mkdir(), (d / "part-0.parquet").write_bytes(b"PAR1")),
            "Error: {d}: not kg's mention output (no kg-mentions.json) (" + FIX + ")",
        ),
        (
            lambda d: (d.mkdir(), (d / "kg-mentions.json").write_text('{"format": "kg-mentions", "version": 9}')),
            "Error: {d}/kg-mentions.json: kg-mentions version 9; this kg reads 1 (" + FIX + ")",
        ),
        (
            lambda d: (d.mkdir(), (d / "kg-mentions.json").write_text('{"format": "kg-mentions", "version": 1}')),
            "Error: {d}: no papers/ directory: not kg's mention output (" + FIX + ")",
        ),
    ],
    ids=["missing", "empty", "other-parquet", "newer-version", "no-tables"],
)
def test_from_mentions_bad_directory_is_one_line(tmp_path, make, error):
    d = tmp_path / "out"
    make(d)
    result = run("build", "--from-mentions", str(d), "--store", str(tmp_path / "s.jsonl.gz"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [error.format(d=d)]
    assert not (tmp_path / "s.jsonl.gz").exists()


def test_a_mention_table_without_its_columns_is_one_line(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = tmp_path / "out"
    for table in ("papers", "mentions"):
        (d / table).mkdir(parents=True)
    (d / "kg-mentions.json").write_text('{"format": "kg-mentions", "version": 1}')
    pq.write_table(pa.table({"id": ["a"], "title": ["A"]}), d / "papers" / "part-00000.parquet")
    result = run("build", "--from-mentions", str(d), "--store", str(tmp_path / "s.jsonl.gz"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {d / 'papers' / 'part-00000.parquet'}: no column 'abstract': not kg's mention output ({FIX})"
    ]


def test_without_pyspark_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError
    result = run("link", "--engine", "spark", str(TANGLED), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: kg link --engine spark needs PySpark, which is not installed: pip install kg[spark]"
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["link", "--engine", "spark", "x.jsonl"], "--engine spark writes Parquet files: give the output directory"),
        (["link", "x.jsonl", "-o", "out"], "--output is for --engine spark"),
        (["link", "x.jsonl", "--master", "local[2]"], "--master is for --engine spark"),
        (["build", "x.jsonl", "--from-mentions", "out"], "give INPUTS or --from-mentions DIR, not both"),
        (["build", "--from-mentions", "out", "--workers", "2"], "--from-mentions takes no reading or linking"),
        (["build"], "give INPUTS to read and link, or --from-mentions DIR"),
    ],
)
def test_usage_errors(args, error):
    result = run(*args)
    assert result.exit_code == 2
    assert error in result.output


def test_a_store_with_papers_is_not_merged_into(tmp_path, sample_store):
    """--from-mentions makes a new store: it does not check the directory before refusing the store, but the
    directory is checked first, so a real (tiny) one is made by hand."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kg.ingest.mentions import MENTION_COLUMNS, PAPER_COLUMNS

    d = tmp_path / "out"
    for table in ("papers", "mentions"):
        (d / table).mkdir(parents=True)
    (d / "kg-mentions.json").write_text('{"format": "kg-mentions", "version": 1}')
    pq.write_table(pa.table({c: pa.array([], pa.string()) for c in PAPER_COLUMNS}), d / "papers" / "p.parquet")
    pq.write_table(pa.table({c: pa.array([], pa.string()) for c in MENTION_COLUMNS}), d / "mentions" / "m.parquet")
    store = tmp_path / "store.jsonl.gz"
    store.write_bytes(sample_store.read_bytes())
    result = run("build", "--from-mentions", str(d), "--store", str(store))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {store}: the store already holds papers; --from-mentions makes a new store (papers linked apart "
        "cannot be merged into it without relinking: link all inputs together), so give a new --store"
    ]
    assert store.read_bytes() == sample_store.read_bytes()


# -- which records are one paper, without Spark ---------------------------------------------------------------


def papers_by_first_record(lines: list[dict]) -> list[list[int]]:
    """The records (line numbers) of each paper as first_records groups them, in order of first record."""
    rows = []
    for i, obj in enumerate(lines, start=1):
        key = match_key(collapse_whitespace(obj["title"]))
        rows.append(((0, i), key, obj.get("arxiv_id")))
    first = first_records(rows)
    groups: dict[tuple[int, int], list[int]] = {}
    for order, _, _ in rows:
        groups.setdefault(first[order], []).append(order[1])
    return list(groups.values())


def papers_read(path: Path) -> list[list[int]]:
    return [[s.line for s in p.sources] for p in read_papers([path]).papers]


TITLES = ["Alpha Net", "alpha  net", "Beta Former", "Gamma", "Delta Model"]
IDS = [None, "2401.00001", "2401.00002", "2401.00003"]


@given(st.lists(st.tuples(st.sampled_from(TITLES), st.sampled_from(IDS)), min_size=1, max_size=25))
def test_first_records_groups_as_read_papers(tmp_path_factory, records):
    """On any sequence of titles and ids drawn from a few (so that they tangle), the same papers as
    `read_papers`, with each paper's records in read order."""
    lines = [{"title": t, "abstract": "", **({"arxiv_id": a} if a else {})} for t, a in records]
    path = tmp_path_factory.mktemp("tangle") / "records.jsonl"
    path.write_text("".join(json.dumps(obj) + "\n" for obj in lines))
    assert papers_by_first_record(lines) == papers_read(path)


def test_the_tangled_fixture_tangles():
    """The fixture the Spark identity test reads has the orders that need the driver: a retitled paper, a title
    with two ids, an id first missing then filled."""
    lines = [json.loads(line) for line in TANGLED.read_text().splitlines()]
    assert papers_by_first_record(lines) == papers_read(TANGLED)
    grouped = papers_by_first_record(lines)
    assert grouped == [[1, 2], [3], [4, 5], [6], [7, 8, 9], [10, 11]]
