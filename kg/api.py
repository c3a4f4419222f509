"""The Python API behind each CLI command: one call per command."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from kg.ingest import ReadReport, read_papers
from kg.models import LinkedPaper


def make_linker(catalog: Iterable[str | Path] = ()):
    from kg.link import Linker

    return Linker(catalog_files=list(catalog))


def link_inputs(inputs: Iterable[str | os.PathLike], *, format: str | None = None, skip_bad: bool = False,
                catalog: Iterable[str | Path] = (), propagate: bool = True) -> tuple[ReadReport, list[LinkedPaper]]:
    """Read and link papers: the library call behind `kg link`."""
    report = read_papers(inputs, format=format, skip_bad=skip_bad)
    linker = make_linker(catalog)
    return report, linker.link_many(report.papers, propagate=propagate)


def evaluate_gold(gold: str | Path, *, catalog: Iterable[str | Path] = ()) -> dict:
    """Score the linker on a gold JSONL file: the library call behind `kg eval`."""
    from kg.link.evaluate import evaluate_file

    return evaluate_file(gold, make_linker(catalog))
