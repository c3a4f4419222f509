"""The commands that read paper files: `kg read`, `kg link`, `kg evaluate` and `kg build`."""

from __future__ import annotations

import copy
import json

import click

from kg import report_text
from kg.cli.options import (
    catalog_option,
    input_options,
    optional_input_options,
    quiet_option,
    show_progress,
    store_option,
    workers_option,
)
from kg.cli.output import binary_stdout, echo, echo_lines, fail_if_strict, reports_errors


@click.command("read")
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def read_cmd(inputs: tuple[str, ...], fmt: str | None, skip_bad: bool, strict: bool, as_json: bool) -> None:
    """Read INPUTS (files, directories, globs, '-' for stdin; gzip ok) and report what was read."""
    from kg.api import read_inputs

    report = read_inputs(inputs, format=fmt, skip_bad=skip_bad)
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
@workers_option
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: JSON Lines on stdout. spark: link on Apache Spark, Parquet to -o DIR (pip install kg[spark]).",
)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False), default=None, help="--engine spark: output directory."
)
@click.option(
    "--master", default=None, help="--engine spark: Spark master URL (default: spark-submit's, else local[*])."
)
@click.option("--partitions", type=click.IntRange(min=1), default=None, help="--engine spark: partitions of papers.")
@quiet_option
@reports_errors
def link_cmd(
    inputs: tuple[str, ...],
    fmt: str | None,
    skip_bad: bool,
    strict: bool,
    catalogs: tuple[str, ...],
    no_propagate: bool,
    workers: int,
    engine: str,
    output: str | None,
    master: str | None,
    partitions: int | None,
    quiet: bool,
) -> None:
    """Link INPUTS to entities: one JSON object per paper on stdout (JSON Lines), or with --engine spark, on
    Apache Spark into Parquet files under -o DIR (for kg build --from-mentions DIR)."""
    if engine == "spark":
        if output is None:
            raise click.UsageError("--engine spark writes Parquet files: give the output directory with -o DIR")
        if workers != 1:
            raise click.UsageError("--workers is for --engine local; Spark's cores come from --master")
        _link_on_spark(inputs, output, fmt, skip_bad, strict, catalogs, no_propagate, master, partitions, quiet)
        return
    given = [
        name for name, value in (("--output", output), ("--master", master), ("--partitions", partitions)) if value
    ]
    if given:
        raise click.UsageError(f"{given[0]} is for --engine spark (kg link writes JSON Lines to stdout)")
    from kg.api import link_to_jsonl

    out = binary_stdout()
    r = link_to_jsonl(
        inputs,
        out,
        format=fmt,
        skip_bad=skip_bad,
        catalog=catalogs,
        propagate=not no_propagate,
        workers=workers,
        progress=show_progress(quiet),
    )
    out.flush()  # a full disk or a closed pipe is reported now, not after the summary
    report = r.read
    echo(
        f"kg link: {report.records_read} records, {r.papers} papers, "
        f"{r.entity_links} entity links, {len(report.skipped)} skipped"
        + (f", {len(report.ignored)} not read" if report.ignored else ""),
        err=True,
    )
    fail_if_strict(strict, len(report.skipped), len(report.ignored))


def _link_on_spark(
    inputs: tuple[str, ...],
    output: str,
    fmt: str | None,
    skip_bad: bool,
    strict: bool,
    catalogs: tuple[str, ...],
    no_propagate: bool,
    master: str | None,
    partitions: int | None,
    quiet: bool,
) -> None:
    from kg.api import link_on_spark

    r = link_on_spark(
        inputs,
        output,
        format=fmt,
        skip_bad=skip_bad,
        catalog=catalogs,
        propagate=not no_propagate,
        master=master,
        partitions=partitions,
        notify=None if quiet else (lambda step: echo(f"kg link: {step}", err=True)),
    )
    echo(
        f"kg link: {r.records_read} records, {r.papers} papers, {r.entity_links} entity links, "
        f"{len(r.skipped)} skipped" + (f", {len(r.ignored)} not read" if r.ignored else ""),
        err=True,
    )
    echo(f"kg link: written to {r.output} ({r.partitions} partitions on {r.master}, {r.seconds:.1f} s)", err=True)
    fail_if_strict(strict, len(r.skipped), len(r.ignored))


@click.command("evaluate")
@click.argument("gold", nargs=-1, required=True, type=click.Path(dir_okay=False))
@catalog_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--show-errors", is_flag=True, help="List misses and extras per paper.")
@click.option(
    "--cross-validate",
    is_flag=True,
    help="Also hold each set out in turn: fit the discovery threshold on the others, score the held-out one.",
)
@reports_errors
def evaluate_cmd(
    gold: tuple[str, ...], catalogs: tuple[str, ...], as_json: bool, show_errors: bool, cross_validate: bool
) -> None:
    """Score the linker on each GOLD.jsonl set: precision, recall and F1, type-agnostic and typed, per type, and
    split into names the catalog lists and names only discovery can find."""
    from kg.api import cross_validate_gold, evaluate_gold_sets

    if cross_validate and len(gold) < 2:
        raise click.UsageError("--cross-validate needs two or more GOLD sets (e.g. dev.jsonl dev_unseen.jsonl)")
    results = evaluate_gold_sets(gold, catalog=catalogs)
    folds = cross_validate_gold(gold, catalog=catalogs) if cross_validate else None
    if as_json:
        for result in results:
            if not show_errors:
                result.pop("errors")
        click.echo(json.dumps({"sets": results, **({"cross_validation": folds} if folds else {})}, indent=2))
        return
    for i, result in enumerate(results):
        echo_lines(([""] if i else []) + report_text.eval_lines(result, show_errors))
    if folds:
        echo_lines(["", *report_text.fold_lines(folds)])


eval_cmd = copy.copy(evaluate_cmd)  # `kg eval`, the command's first name: kept for scripts, hidden from the help
eval_cmd.name, eval_cmd.hidden = "eval", True


@click.command("build")
@optional_input_options
@store_option
@catalog_option
@workers_option
@click.option("--max-papers", type=click.IntRange(min=1), default=None, help="Refuse to hold more papers than this.")
@click.option(
    "--forget-catalogs",
    is_flag=True,
    help="Link with the --catalog files given (none: built-in only), not those the store was built with.",
)
@click.option(
    "--from-mentions",
    "from_mentions",
    type=click.Path(file_okay=False),
    default=None,
    help="Build a new store from kg link --engine spark's output directory instead of linking INPUTS.",
)
@click.option(
    "--no-query-db",
    "no_query_db",
    is_flag=True,
    help="Write the store only; its query database is built when first needed (or elsewhere, from the store).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@quiet_option
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
    from_mentions: str | None,
    no_query_db: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Read INPUTS, link them and merge the graph into the store (idempotent); or, with --from-mentions DIR,
    make a new store from kg link --engine spark's output."""
    from kg.api import build, build_from_mentions

    if from_mentions is not None:
        if inputs:
            raise click.UsageError("give INPUTS or --from-mentions DIR, not both (the directory holds the papers)")
        if catalogs or forget_catalogs or max_papers is not None or workers != 1 or fmt or skip_bad:
            raise click.UsageError(
                "--from-mentions takes no reading or linking options (the papers were read and linked by kg link)"
            )
        r = build_from_mentions(from_mentions, store=store, query_db=not no_query_db)
    elif not inputs:
        raise click.UsageError("give INPUTS to read and link, or --from-mentions DIR")
    else:
        r = build(
            inputs,
            store=store,
            catalog=catalogs,
            workers=workers,
            format=fmt,
            skip_bad=skip_bad,
            max_papers=max_papers,
            progress=show_progress(quiet),
            forget_catalogs=forget_catalogs,
            query_db=not no_query_db,
        )
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        fail_if_strict(strict, r.skipped, r.ignored)
        return
    for line, to_stderr in report_text.build_lines(r):
        echo(line, err=to_stderr)
    fail_if_strict(strict, r.skipped, r.ignored)
