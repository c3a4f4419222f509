"""`kg link`: read input files, link every paper, and write each as one line of JSON, in order; and the
pieces `kg build` shares with it (the worker pool, the progress bar).

Apart from `kg.pipeline` (the build), so that linking files loads neither the store nor the graph builder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from kg.ingest import ReadReport, read_papers
from kg.link.analysis import PaperAnalysis
from kg.link.corpus import FINISHING, LINKING, LinkWorkers, Record, link_corpus
from kg.link.evidence import json_line
from kg.link.linker import Linker
from kg.model.collector import paused_gc
from kg.model.errors import KGError

T = TypeVar("T")


class ProgressBar:
    """A tqdm bar on stderr for a corpus going through the linker (`kg.link.corpus.Progress`): "linking", then
    the step after it under its own label, each with its count, rate and time left."""

    def __init__(self, total: int, after: str) -> None:
        from tqdm import tqdm

        self.labels = {LINKING: "linking", FINISHING: after}
        self.step = LINKING
        self.bar = tqdm(total=total, unit="paper", desc=self.labels[LINKING], leave=False)

    def __call__(self, step: str, papers: int) -> None:
        if step != self.step:
            self.step = step
            self.bar.set_description(self.labels[step], refresh=False)
            self.bar.reset(total=self.bar.total)
        self.bar.update(papers)

    def close(self) -> None:
        self.bar.close()


def linked(
    records: Sequence[Record],
    linker: Linker | None,
    pool: LinkWorkers | None,
    finish: Callable[[PaperAnalysis], T],
    propagate: bool,
    bar: ProgressBar | None,
    spill_beside: str | os.PathLike[str] | None = None,
) -> Generator[list[T], None, None]:
    """`finish` of each record's analysis, in order, a list per chunk: in the workers of `pool`, or with `linker`.
    A large corpus's analyses wait on disk between the two passes, beside `spill_beside` if given
    (`kg.link.corpus.spill_directory`). Close the iterator when done with it (`contextlib.closing`), so that
    they are removed at once after a failure too."""
    if pool is not None:
        return pool.link(records, finish, propagate=propagate, progress=bar, spill_beside=spill_beside)
    assert linker is not None, "no workers: the caller's linker links"
    return link_corpus(records, linker, finish, propagate=propagate, progress=bar, spill_beside=spill_beside)


class BytesOut(Protocol):
    def write(self, data: bytes, /) -> Any: ...


@dataclass
class LinkSummary:
    """What `link_jsonl` read (`read.papers` emptied: the papers went to the output) and wrote."""

    read: ReadReport
    papers: int
    entity_links: int


def link_jsonl(
    inputs: Iterable[str | os.PathLike[str]],
    out: BytesOut,
    *,
    format: str | None = None,
    skip_bad: bool = False,
    catalog: Iterable[str | os.PathLike[str]] = (),
    propagate: bool = True,
    workers: int = 1,
    progress: bool = False,
) -> LinkSummary:
    """`kg link`: read and link papers, and write each to `out` as one line of JSON (UTF-8 bytes), in order.

    Each line is byte for byte `LinkedPaper.model_dump_json(exclude_none=True)` of what
    `kg.api.link_inputs` returns for the paper, written from the linker's evidence tuples without the pydantic
    models (`kg.link.evidence.json_line`); in worker processes too with `workers` > 1, with the same bytes.
    The workers start first, so they build their linkers while this process reads. `progress`: a bar on
    stderr.
    """
    if workers < 1:
        raise KGError(f"--workers must be at least 1 (got {workers})")
    catalog_files = [str(c) for c in catalog]
    with worker_pool(workers, catalog_files) as pool, paused_gc():
        report = read_papers(inputs, format=format, skip_bad=skip_bad)
        records = [(p.id, p.title, p.abstract) for p in report.papers]
        report.papers = []
        linker = Linker(catalog_files=catalog_files) if pool is None else None
        bar = ProgressBar(len(records), "writing") if progress else None
        entity_links = 0
        try:
            with closing(linked(records, linker, pool, json_line, propagate, bar)) as parts:
                for part in parts:
                    out.write(b"".join([line for line, _ in part]))
                    entity_links += sum([count for _, count in part])
        finally:
            if bar is not None:
                bar.close()
            # Freed now, while the collector is still paused (the linker holds no reference cycle): else the
            # first collection after the pause walks its ~140,000 objects for nothing (~25 ms).
            linker = None
    return LinkSummary(report, len(records), entity_links)


@contextmanager
def worker_pool(
    workers: int, catalog_files: Sequence[str], linker: Linker | None = None
) -> Iterator[LinkWorkers | None]:
    """`LinkWorkers` for `workers` > 1 (closed on leaving; ended at once after a failure), else None."""
    if workers <= 1:
        yield None
        return
    with LinkWorkers(workers, catalog_files, linker=linker) as pool:
        yield pool
