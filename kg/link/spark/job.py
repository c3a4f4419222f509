"""`kg link --engine spark`: the corpus read, merged into papers and linked on Apache Spark, written as Parquet.

The driver's side (the executors' is `kg.link.spark.tasks`). The steps, each `kg.link.corpus.link_corpus`'
or `kg.ingest.read.read_papers`' own, spread over the cluster:

1. Read: each input file is a task (a Parquet file, a task per few row groups), read by kg's own readers;
   every record carries its read order (input index, item index). Skips are gathered on the driver and the
   first, in read order, stops the run unless `skip_bad`, as `read_papers` does.
2. Merge duplicate records into papers as `read_papers` does (`kg.link.spark.identity`), then sort the papers
   by id, the order `kg build` links in, into range partitions.
3. Pass 1 (mapPartitions): every paper analysed; each partition returns its papers' votes
   (`propagation.introductions`) and the first name of each of its entities. The driver tallies the votes in
   corpus order into a `Plan`, exactly as `link_corpus` does, and names each voted entity from the first
   partition and paper that has it.
4. Pass 2: the plan broadcast, each paper analysed again (the linker is deterministic), the plan applied,
   finished into `Evidence` rows; the papers and the rows written as Parquet (`kg.ingest.mentions`) to a
   temporary directory beside the output, which is renamed into place with its manifest last.

The compiled catalog is built (or loaded from kg's cache) once on the driver and broadcast; each Python
worker makes its linker from it once (`tasks.linker_for`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from kg.ingest.inputs import expand_inputs
from kg.ingest.mentions import FORMAT, MANIFEST, MENTIONS, PAPERS, VERSION, part_files, read_manifest
from kg.ingest.read import SkippedRecord, _with_skip_hint, read_summary
from kg.ingest.records import Record, Skip
from kg.link.compiled import load_compiled
from kg.link.config import DEFAULT_CONFIG
from kg.link.propagation import Tally
from kg.link.spark import tasks
from kg.link.spark.identity import first_records
from kg.model.errors import InputError, KGError
from kg.model.files import temp_prefix, write_atomic
from kg.model.types import Paper
from kg.model.version import __version__

INSTALL_HINT = "pip install kg[spark]"

PAPERS_PER_PARTITION = 25_000
"""At most this many papers a partition by default: a task's share stays a few seconds to a minute of linking
(~2,000 papers/s a core), so a lost task costs little to run again, and partitions outnumber cores."""

PARTITIONS_PER_CORE = 4
"""At least this many partitions per core of the default parallelism, so that the cores share the corpus
evenly though papers differ in length."""

ROWS_PER_PARQUET_TASK = 50_000
"""Rows of a Parquet input read by one task, in whole row groups."""


@dataclass
class SparkLinkReport:
    """What `link_on_spark` read and wrote."""

    output: str
    files: int = 0
    records_read: int = 0
    papers: int = 0
    duplicates_merged: int = 0
    tangled_records: int = 0  # records whose paper was decided on the driver (`kg.link.spark.identity`)
    entity_links: int = 0
    partitions: int = 0
    master: str = ""
    seconds: float = 0.0
    skipped: list[SkippedRecord] = field(default_factory=list)
    ignored: list[SkippedRecord] = field(default_factory=list)
    catalogs: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return read_summary(
            self.files, self.records_read, self.papers, self.duplicates_merged, self.skipped, self.ignored
        )


def import_pyspark() -> Any:
    """The `pyspark` module, or a one-line `KGError` with the install hint."""
    try:
        import pyspark
    except ImportError:
        raise KGError(f"kg link --engine spark needs PySpark, which is not installed: {INSTALL_HINT}") from None
    return pyspark


def link_on_spark(
    inputs: Iterable[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    format: str | None = None,
    skip_bad: bool = False,
    catalog: Iterable[str | os.PathLike[str]] = (),
    propagate: bool = True,
    master: str | None = None,
    partitions: int | None = None,
    notify: Callable[[str], None] | None = None,
) -> SparkLinkReport:
    """Read, merge and link `inputs` on Spark and write the papers and their entity links as Parquet to the
    directory `output` (see `kg.ingest.mentions`), replacing kg mention output already there.

    `master`: a Spark master URL; by default the session's own (under `spark-submit`), else `local[*]`.
    `partitions`: of the papers (default: `PAPERS_PER_PARTITION` papers at most, and `PARTITIONS_PER_CORE`
    per core at least). `notify`: told each step as it starts."""
    started = time.perf_counter()
    say = notify or (lambda _: None)
    pyspark = import_pyspark()
    target = _check_output(Path(output))
    catalog_files = [os.path.abspath(c) for c in catalog]
    config = DEFAULT_CONFIG
    compiled = load_compiled(catalog_files, config)  # a bad catalog is reported before Spark starts
    found = expand_inputs(inputs, also=(".parquet",))
    if "-" in found.files:
        raise InputError("-", None, "standard input cannot be read by --engine spark", "give files or directories")
    report = SparkLinkReport(output=str(target), files=len(found.files), catalogs=catalog_files)
    report.ignored = [SkippedRecord(source=name, line=None, reason=why) for name, why in found.ignored]
    reading = _tasks(found.files, format)

    with _session(pyspark, master) as spark, _temporary_directory(target) as temp, _job_failures():
        sc = spark.sparkContext
        report.master = sc.master
        storage = pyspark.StorageLevel.MEMORY_AND_DISK
        say(f"reading {len(found.files)} files ({len(reading)} tasks)")
        items = sc.parallelize(reading, max(1, len(reading))).flatMap(tasks.read_task).persist(storage)
        counted = items.mapPartitions(_count_and_skips).collect()
        report.records_read = sum(n for n, _ in counted)
        skips = sorted((s for _, part in counted for s in part), key=itemgetter(0))
        if skips and not skip_bad:
            first: Skip = skips[0][1]
            raise InputError(first.source, first.line, first.reason, _with_skip_hint(first.fix))
        report.skipped = [SkippedRecord(source=s.source, line=s.line, reason=s.reason) for _, s in skips]
        records = items.filter(lambda item: not _is_skip(item))

        say("merging duplicate records into papers")
        tangled = _tangled_keys(records)
        creators: dict[tasks.Order, tasks.Order] = {}
        if tangled:
            wanted = sc.broadcast(tangled)
            rows = records.filter(lambda r: r[2] in wanted.value).map(lambda r: (r[0], r[2], r[1].arxiv_id)).collect()
            rows.sort(key=itemgetter(0))
            creators = first_records(rows)
            report.tangled_records = len(rows)
        first_of = sc.broadcast(creators)
        papers = (
            records.map(lambda r: ((1, first_of.value[r[0]]) if r[0] in first_of.value else (0, r[2]), (r[0], r[1])))
            .groupByKey()
            .map(lambda group: _merged(group[1]))
        )
        parts = partitions or max(
            PARTITIONS_PER_CORE * sc.defaultParallelism, math.ceil(report.records_read / PAPERS_PER_PARTITION)
        )
        report.partitions = parts
        by_id = papers.keyBy(lambda p: p.id).sortByKey(numPartitions=parts).values().persist(storage)
        count = report.papers = by_id.count()
        report.duplicates_merged = report.records_read - count
        items.unpersist()

        say(f"linking {count} papers in {parts} partitions: pass 1, votes and names")
        job = uuid.uuid4().hex  # names this job's linker in the workers, which Spark keeps between jobs
        catalog_bc = sc.broadcast(pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL))
        del compiled
        plan = None
        if propagate:
            pass1 = by_id.mapPartitionsWithIndex(
                lambda index, it: [(index, *tasks.analyse_partition(tasks.linker_for(job, catalog_bc, config), it))]
            ).persist(storage)
            tally = Tally()
            for _, votes in sorted(pass1.map(lambda p: (p[0], [v for v in p[1] if v])).collect()):
                for paper_votes in votes:
                    tally.add(paper_votes)
            if tally.surfaces:  # else nothing to match across the corpus: no paper changes (as in link_corpus)
                voted = sc.broadcast(set(tally.votes))
                named = pass1.map(lambda p: (p[0], {e: n for e, n in p[2].items() if e in voted.value})).collect()
                names: dict[str, str] = {}
                for _, found_names in sorted(named, key=itemgetter(0)):
                    for eid, (_, name) in found_names.items():
                        names.setdefault(eid, name)
                plan = tally.plan(names, config.corpus_confidence)
            pass1.unpersist()
        plan_bc = sc.broadcast(plan)

        say("linking: pass 2, finishing each paper; writing Parquet")
        mentions = by_id.mapPartitions(
            lambda it: tasks.finish_partition(tasks.linker_for(job, catalog_bc, config), plan_bc.value, it)
        )
        spark.createDataFrame(mentions, _mention_schema(pyspark)).write.parquet(_uri(temp / MENTIONS))
        spark.createDataFrame(by_id.map(_paper_row), _paper_schema(pyspark)).write.parquet(_uri(temp / PAPERS))
        by_id.unpersist()
        report.entity_links = _rows_in(temp, MENTIONS)
        report.seconds = round(time.perf_counter() - started, 3)
        manifest = json.dumps(_manifest(report, propagate), indent=2) + "\n"
        write_atomic(temp / MANIFEST, lambda f: f.write(manifest))
        _put_in_place(temp, target)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# -- the driver's helpers -------------------------------------------------------------------------------------


def _is_skip(item: tasks.Item) -> bool:
    return isinstance(item[1], Skip)


def _merged(group: Iterable[tuple[tasks.Order, Record]]) -> Paper:
    from kg.ingest.read import merged_paper

    return merged_paper([record for _, record in sorted(group, key=itemgetter(0))])


def _count_and_skips(items: Iterable[tasks.Item]) -> list[tuple[int, list[tuple[tasks.Order, Skip]]]]:
    """A partition's count of records, and its skips with their order."""
    records, skips = 0, []
    for order, item, _ in items:
        if isinstance(item, Skip):
            skips.append((order, item))
        else:
            records += 1
    return [(records, skips)]


def _tangled_keys(records: Any) -> set[str]:
    """The title keys whose papers depend on read order (`kg.link.spark.identity`): a title with two arXiv
    ids, and every title of an arXiv id that has two titles. Two shuffles of (title key, arXiv id) pairs."""
    arxivs_of_key = (
        records.filter(lambda r: r[1].arxiv_id).map(lambda r: (r[2], {r[1].arxiv_id})).reduceByKey(_union).persist()
    )
    tangled = set(arxivs_of_key.filter(lambda ka: len(ka[1]) > 1).keys().collect())
    keys_of_arxiv = arxivs_of_key.flatMap(lambda ka: [(a, {ka[0]}) for a in ka[1]]).reduceByKey(_union)
    tangled.update(keys_of_arxiv.filter(lambda ak: len(ak[1]) > 1).flatMap(lambda ak: ak[1]).collect())
    arxivs_of_key.unpersist()
    return tangled


def _union(a: set[str], b: set[str]) -> set[str]:
    a |= b
    return a


def _tasks(files: list[str], fmt: str | None) -> list[tasks.Task]:
    """A reading task per text file, and per `ROWS_PER_PARQUET_TASK` rows (whole row groups) of a Parquet file."""
    out: list[tasks.Task] = []
    for index, name in enumerate(files):
        path = os.path.abspath(name)
        if not name.lower().endswith(".parquet"):
            out.append((index, path, name, fmt, 0, 0))
            continue
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(path).metadata
        except (OSError, ValueError) as exc:
            raise InputError(name, None, f"cannot read the Parquet file: {exc}", "re-create the file") from None
        first, rows = 0, 0
        for group in range(meta.num_row_groups):
            rows += meta.row_group(group).num_rows
            if rows >= ROWS_PER_PARQUET_TASK:
                out.append((index, path, name, tasks.PARQUET, first, group + 1))
                first, rows = group + 1, 0
        if first < meta.num_row_groups or not out or out[-1][0] != index:
            out.append((index, path, name, tasks.PARQUET, first, meta.num_row_groups))
    return out


def _check_output(path: Path) -> Path:
    """The output directory's absolute path: new, or kg mention output to replace; its parent must exist."""
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise KGError(f"{path}: exists and is not a directory; give a new directory for -o")
        if any(path.iterdir()):
            try:
                read_manifest(path)
            except InputError:
                raise KGError(
                    f"{path}: a directory that is not kg's mention output; give a new or empty directory for -o"
                ) from None
    parent = path.absolute().parent
    if not parent.is_dir():
        raise KGError(f"{parent}: no such directory for -o {path}; create it first")
    return path.absolute()


@contextlib.contextmanager
def _temporary_directory(target: Path) -> Iterator[Path]:
    """A private directory beside `target`, named as kg's temporary files are; removed unless renamed."""
    try:
        temp = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise KGError(f"{target.parent}: cannot make a temporary directory for -o: {exc.strerror or exc}") from None
    try:
        yield temp
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _put_in_place(temp: Path, target: Path) -> None:
    """Rename the finished directory to `target`; kg mention output (or an empty directory) there is replaced:
    moved aside first, so that `target` is at every moment the old output or the new, then removed."""
    aside = None
    if target.exists():
        aside = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".old", dir=target.parent))
        os.rename(target, aside / "old")
    try:
        os.rename(temp, target)
    except OSError as exc:
        if aside is not None:
            os.rename(aside / "old", target)
        raise KGError(f"{target}: cannot put the output in place: {exc.strerror or exc}") from None
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _rows_in(directory: Path, table: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in part_files(directory, table))


def _manifest(report: SparkLinkReport, propagate: bool) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kg": __version__,
        "catalogs": report.catalogs,
        "propagate": propagate,
        "read": report.summary(),
        "papers": report.papers,
        "entity_links": report.entity_links,
        "partitions": report.partitions,
        "master": report.master,
        "seconds": report.seconds,
    }


def _uri(path: Path) -> str:
    """A local path as a URI, so that a cluster whose default file system is HDFS still writes it here."""
    return path.absolute().as_uri()


JOB_ERROR = re.compile(r"^(?:kg\.model\.errors\.)?(\w+(?:Error|Exception)): (.+)$", re.MULTILINE)


@contextlib.contextmanager
def _job_failures() -> Iterator[None]:
    """A failure on an executor (it reaches the driver as a Java exception holding the Python traceback) as
    one line: the Python exception's, a kg error's message as it is."""
    from py4j.protocol import Py4JError

    try:
        yield
    except Py4JError as exc:
        found = JOB_ERROR.findall(str(exc))
        python = [(kind, text) for kind, text in found if not kind.startswith(("Py4J", "Spark"))]
        kind, text = (python or found or [("", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)])[-1]
        is_kg = kind in {"KGError", "InputError", "CatalogError", "StoreError"}
        raise KGError(text if is_kg else f"the Spark job failed: {kind}: {text}".replace(": : ", ": ")) from exc


@contextlib.contextmanager
def _session(pyspark: Any, master: str | None) -> Iterator[Any]:
    """The Spark session: the running one (spark-submit, a notebook, the tests), else one made here with
    `master` (default `local[*]`) and stopped at the end."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    conf = pyspark.SparkConf()
    if master:
        conf.setMaster(master)
    elif not conf.contains("spark.master"):
        conf.setMaster("local[*]")
    if conf.get("spark.master", "").startswith("local"):
        # The workers are this Python, where kg is installed; by default Spark starts `python3` from PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf.setIfMissing("spark.ui.enabled", "false")
        conf.setIfMissing("spark.ui.showConsoleProgress", "false")
    try:
        spark = SparkSession.builder.config(conf=conf).appName("kg link").getOrCreate()
    except Exception as exc:  # noqa: BLE001 - py4j and Java fail in many ways; one line says which
        raise KGError(f"cannot start Spark ({conf.get('spark.master', '')}): {str(exc).splitlines()[0]}") from None
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def _paper_row(p: Paper) -> tuple[Any, ...]:
    return (
        p.id,
        p.title,
        p.abstract,
        [(s.file, s.line) for s in p.sources],
        p.arxiv_id,
        p.authors,
        p.year,
        p.url,
        p.categories,
    )


def _paper_schema(pyspark: Any) -> Any:
    from pyspark.sql import types as t

    strings = t.ArrayType(t.StringType(), containsNull=False)
    source = t.StructType([t.StructField("file", t.StringType(), False), t.StructField("line", t.LongType(), False)])
    return t.StructType(
        [
            t.StructField("id", t.StringType(), False),
            t.StructField("title", t.StringType(), False),
            t.StructField("abstract", t.StringType(), False),
            t.StructField("sources", t.ArrayType(source, containsNull=False), False),
            t.StructField("arxiv_id", t.StringType(), True),
            t.StructField("authors", strings, False),
            t.StructField("year", t.LongType(), True),
            t.StructField("url", t.StringType(), True),
            t.StructField("categories", strings, False),
        ]
    )


def _mention_schema(pyspark: Any) -> Any:
    from pyspark.sql import types as t

    mention = t.StructType(
        [
            t.StructField("start", t.IntegerType(), False),
            t.StructField("end", t.IntegerType(), False),
            t.StructField("surface", t.StringType(), False),
            t.StructField("rule", t.StringType(), False),
            t.StructField("citation", t.StringType(), True),
        ]
    )
    return t.StructType(
        [
            t.StructField("paper_id", t.StringType(), False),
            t.StructField("position", t.IntegerType(), False),
            t.StructField("entity_id", t.StringType(), False),
            t.StructField("name", t.StringType(), False),
            t.StructField("type", t.StringType(), False),
            t.StructField("source", t.StringType(), False),
            t.StructField("parent", t.StringType(), True),
            t.StructField("confidence", t.DoubleType(), False),
            t.StructField("introduced", t.BooleanType(), False),
            t.StructField("mentions", t.ArrayType(mention, containsNull=False), False),
        ]
    )
