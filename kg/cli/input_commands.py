"""The commands that read paper files: `kg read`, `kg link`, `kg eval` and `kg build`."""

from __future__ import annotations

import json
import sys

import click

from kg import report_text
from kg.cli.options import catalog_option, input_options, store_option
from kg.cli.output import echo, echo_lines, fail_if_strict, reports_errors


@click.command("read")
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def read_cmd(inputs: tuple[str, ...], fmt: str | None, skip_bad: bool, strict: bool, as_json: bool) -> None:
    """Read INPUTS (files, directories, globs, '-' for stdin; gzip ok) and report what was read."""
    from kg.ingest import read_papers

    report = read_papers(inputs, format=fmt, skip_bad=skip_bad)
    summary = report.summary()
    if as_json:
        summary["skipped_records"] = [s.model_dump() for s in report.skipped]
        summary["ignored_entries"] = [{"source": s.source, "reason": s.reason} for s in report.ignored]
        click.echo(json.dumps(summary, indent=2))
        fail_if_strict(strict, summary["skipped"], summary["ignored"])
        return
    echo_lines(report_text.read_lines(report, summary))
    fail_if_strict(strict, summary["skipped"], summary["ignored"])


@click.command("link")
@input_options
@catalog_option
@click.option("--no-propagate", is_flag=True, help="Do not match names introduced by one paper in the others.")
@reports_errors
def link_cmd(
    inputs: tuple[str, ...],
    fmt: str | None,
    skip_bad: bool,
    strict: bool,
    catalogs: tuple[str, ...],
    no_propagate: bool,
) -> None:
    """Link INPUTS to entities: one JSON object per paper on stdout (JSON Lines)."""
    from kg.api import link_inputs

    report, linked = link_inputs(inputs, format=fmt, skip_bad=skip_bad, catalog=catalogs, propagate=not no_propagate)
    out = sys.stdout
    for paper in linked:
        out.write(paper.model_dump_json(exclude_none=True) + "\n")
    echo(
        f"kg link: {report.records_read} records, {len(linked)} papers, "
        f"{sum(len(p.entities) for p in linked)} entity links, {len(report.skipped)} skipped"
        + (f", {len(report.ignored)} not read" if report.ignored else ""),
        err=True,
    )
    fail_if_strict(strict, len(report.skipped), len(report.ignored))


@click.command("eval")
@click.argument("gold", type=click.Path(dir_okay=False))
@catalog_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--show-errors", is_flag=True, help="List misses and extras per paper.")
@reports_errors
def eval_cmd(gold: str, catalogs: tuple[str, ...], as_json: bool, show_errors: bool) -> None:
    """Score the linker on GOLD.jsonl (precision, recall, F1; type-agnostic and typed)."""
    from kg.api import evaluate_gold

    result = evaluate_gold(gold, catalog=catalogs)
    if as_json:
        if not show_errors:
            result.pop("errors")
        click.echo(json.dumps(result, indent=2))
        return
    echo_lines(report_text.eval_lines(result, show_errors))


@click.command("build")
@input_options
@store_option
@catalog_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Linking processes.")
@click.option("--max-papers", type=click.IntRange(min=1), default=None, help="Refuse to hold more papers than this.")
@click.option(
    "--forget-catalogs",
    is_flag=True,
    help="Link with the --catalog files given (none: built-in only), not those the store was built with.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@reports_errors
def build_cmd(
    inputs: tuple[str, ...],
    fmt: str | None,
    skip_bad: bool,
    strict: bool,
    store: str | None,
    catalogs: tuple[str, ...],
    workers: int,
    max_papers: int | None,
    forget_catalogs: bool,
    as_json: bool,
) -> None:
    """Read INPUTS, link them and merge the graph into the store (idempotent)."""
    from kg.pipeline import build

    r = build(
        inputs,
        store=store,
        catalog=catalogs,
        workers=workers,
        format=fmt,
        skip_bad=skip_bad,
        max_papers=max_papers,
        progress=sys.stderr.isatty(),
        forget_catalogs=forget_catalogs,
        freeze=True,
    )
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        fail_if_strict(strict, r.skipped, r.ignored)
        return
    for line, to_stderr in report_text.build_lines(r):
        echo(line, err=to_stderr)
    fail_if_strict(strict, r.skipped, r.ignored)
