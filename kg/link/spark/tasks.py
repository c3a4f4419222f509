"""What Spark's executors run for `kg link --engine spark`: reading one input (a file, or a Parquet file's row
groups) with kg's own readers, and the linker's two passes over a partition of papers.

Plain functions of plain data, so that Spark pickles them by reference and runs them in its Python workers.
The driver's side is `kg.link.spark.job`. No pyspark here: these run (and are tested) without it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from typing import Any

from kg.ingest.jsonl import record_from_object
from kg.ingest.read import iter_records
from kg.ingest.records import Record, Skip
from kg.link.analysis import PaperAnalysis
from kg.link.evidence import evidence
from kg.link.linker import Linker
from kg.link.propagation import Introduction, Plan, introductions
from kg.model.text import collapse_whitespace, match_key
from kg.model.types import Paper

Order = tuple[int, int]
"""Where a record was read: (input index, item index within the input), the order `read_papers` reads in."""

Task = tuple[int, str, str, str | None, int, int]
"""One reading task: (input index, absolute path, the path as given (what sources name), format or None to
detect, first row group, row groups past the last) (the row groups for Parquet files only; a text file is one
task). Absolute, because an executor's working directory is its own."""

Item = tuple[Order, Record | Skip, str]
"""A record (or a skip) read, with where it was read and its title's `match_key` ("" for a skip)."""

PARQUET = "parquet"

NO_TITLE = ("record has no title", "every record needs a title with letters or digits")


def read_task(task: Task) -> Iterator[Item]:
    """The records and skips of one task, as `kg.ingest.read.read_papers` meets them, each with its order.

    A record whose title has no letters or digits is a skip here, as there."""
    index, path, label, fmt, first, last = task
    items = _parquet_items(path, label, first, last) if fmt == PARQUET else enumerate(iter_records(path, fmt, label))
    for position, item in items:
        order = (index, position)
        if isinstance(item, Skip):
            yield order, item, ""
            continue
        key = match_key(collapse_whitespace(item.title))
        if not key:
            yield order, Skip(item.source, item.line, *NO_TITLE), ""
            continue
        yield order, item, key


PARQUET_FIELDS = ("title", "abstract", "id", "arxiv_id", "authors", "year", "url", "categories")


def _parquet_items(path: str, label: str, first: int, last: int) -> Iterator[tuple[int, Record | Skip]]:
    """The rows of row groups [first, last) of a Parquet file with kg's JSONL fields as columns (`title`
    required), each made a record by the JSONL reader's rules; the row's 1-based number in the file stands for
    its line. Positions count rows from the file's start, so they order the file's tasks too."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        columns = [c for c in PARQUET_FIELDS if c in parquet.schema_arrow.names]
        if "title" not in columns:
            yield 0, Skip(label, None, "Parquet file has no title column", "give a title column (and abstract)")
            return
        row = sum(parquet.metadata.row_group(g).num_rows for g in range(first))
        for group in range(first, last):
            for values in parquet.read_row_group(group, columns=columns).to_pylist():
                row += 1
                obj = {k: v for k, v in values.items() if v is not None}
                yield row, record_from_object(obj, label, row)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        yield 0, Skip(label, None, f"cannot read the Parquet file: {exc}", "re-create the file")


# -- linking: one Linker per Python worker, from the broadcast compiled catalog ------------------------------

_linkers: dict[str, Linker] = {}
"""The linker of the job this Python worker runs tasks of: Spark reuses its Python
workers across tasks, so each builds its linker once."""


def linker_for(job: str, catalog: Any, config: Any) -> Linker:
    """This worker's linker for job `job` (a token the driver makes), from its broadcast compiled catalog (a
    `pyspark.Broadcast` of its pickle, read only the first time), made once."""
    linker = _linkers.get(job)
    if linker is None:
        _linkers.clear()  # a new job's catalog: the old one is not needed again
        linker = _linkers[job] = Linker(compiled=pickle.loads(catalog.value), config=config)
    return linker


FirstNames = dict[str, tuple[int, str]]
"""Each entity of a partition: the position of the first paper that has it, and its name there."""


def analyse_partition(linker: Linker, papers: Iterable[Paper]) -> tuple[list[list[Introduction]], FirstNames]:
    """Pass 1 over a partition, in order: each paper's votes (`propagation.introductions`; an empty list for a
    paper without) and the first name of every entity the partition's papers have."""
    config = linker.config
    is_mixed_case = linker.context.is_mixed_case
    votes: list[list[Introduction]] = []
    names: FirstNames = {}
    for position, p in enumerate(papers):
        a = linker.analyse(p.id, p.title, p.abstract)
        votes.append(introductions(a, config.corpus_min_confidence, config.propagate_min_length, is_mixed_case))
        for eid, info in a.entities.items():
            if eid not in names:
                names[eid] = (position, info.name)
    return votes, names


MentionRow = tuple[str, int, str, str, str, str, str | None, float, bool, list[tuple[int, int, str, str, str | None]]]
"""A row of the mentions table (`kg.ingest.mentions.MENTION_COLUMNS`)."""


def finish_partition(linker: Linker, plan: Plan | None, papers: Iterable[Paper]) -> Iterator[MentionRow]:
    """Pass 2 over a partition: each paper analysed again (the linker is deterministic), the corpus's plan
    applied, and finished into evidence (`kg.link.evidence.evidence`): one row per linked entity."""
    for p in papers:
        a: PaperAnalysis = linker.analyse(p.id, p.title, p.abstract)
        if plan is not None:
            plan.apply(a)
        for position, e in enumerate(evidence(a)):
            yield (p.id, position, *e)
