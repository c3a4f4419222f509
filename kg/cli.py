"""The `kg` command line: each command parses options, makes one library call and prints.

`KGError` becomes a one-line `click.ClickException`; no traceback reaches a user.
"""

from __future__ import annotations

import functools
import json
import sys

import click

from kg.errors import KGError

FORMAT_CHOICE = click.Choice(["listing", "jsonl", "arxiv", "csv"])


def reports_errors(func):
    """Map `KGError` (and Ctrl-C, and a closed stdout pipe) to a clean exit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KGError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("kg: interrupted", err=True)
            sys.exit(130)

    return wrapper


def input_options(func):
    func = click.option("--skip-bad", is_flag=True, help="Skip bad records and files (reported) instead of stopping.")(func)
    func = click.option("--format", "fmt", type=FORMAT_CHOICE, default=None,
                        help="Input format; detected from extension and content when omitted.")(func)
    func = click.argument("inputs", nargs=-1, required=True)(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def cli():
    """kg: ML paper listings -> a knowledge graph of methods, models, datasets, hardware and frameworks."""


@cli.command("read")
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def read_cmd(inputs, fmt, skip_bad, as_json):
    """Read INPUTS (files, directories, globs, '-' for stdin; gzip ok) and report what was read."""
    from kg.ingest import read_papers

    report = read_papers(inputs, format=fmt, skip_bad=skip_bad)
    summary = report.summary()
    if as_json:
        summary["skipped_records"] = [s.model_dump() for s in report.skipped]
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"files read:        {summary['files']}")
    click.echo(f"records read:      {summary['records_read']}")
    click.echo(f"distinct papers:   {summary['distinct_papers']}")
    click.echo(f"duplicates merged: {summary['duplicates_merged']}")
    click.echo(f"records skipped:   {summary['skipped']}")
    for s in report.skipped:
        where = f"{s.source}:{s.line}" if s.line else s.source
        click.echo(f"  skipped {where}: {s.reason}")


def catalog_option(func):
    return click.option("--catalog", "catalogs", multiple=True, type=click.Path(dir_okay=False),
                        help="Extra catalog YAML (same schema as kg/catalog/*.yaml); overrides built-in entries.")(func)


@cli.command("link")
@input_options
@catalog_option
@click.option("--no-propagate", is_flag=True, help="Do not match names introduced by one paper in the others.")
@reports_errors
def link_cmd(inputs, fmt, skip_bad, catalogs, no_propagate):
    """Link INPUTS to entities: one JSON object per paper on stdout (JSON Lines)."""
    from kg.api import link_inputs

    report, linked = link_inputs(inputs, format=fmt, skip_bad=skip_bad, catalog=catalogs, propagate=not no_propagate)
    out = sys.stdout
    for paper in linked:
        out.write(paper.model_dump_json(exclude_none=True) + "\n")
    click.echo(f"kg link: {report.records_read} records, {len(linked)} papers, "
               f"{sum(len(p.entities) for p in linked)} entity links, {len(report.skipped)} skipped", err=True)


@cli.command("eval")
@click.argument("gold", type=click.Path(dir_okay=False))
@catalog_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--show-errors", is_flag=True, help="List misses and extras per paper.")
@reports_errors
def eval_cmd(gold, catalogs, as_json, show_errors):
    """Score the linker on GOLD.jsonl (precision, recall, F1; type-agnostic and typed)."""
    from kg.api import evaluate_gold

    result = evaluate_gold(gold, catalog=catalogs)
    if as_json:
        if not show_errors:
            result.pop("errors")
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['papers']} papers")
    click.echo(f"{'':14}{'P':>7}{'R':>7}{'F1':>7}   {'P':>7}{'R':>7}{'F1':>7}")
    click.echo(f"{'':14}{'type-agnostic':>21}   {'typed':>21}")
    rows = [("overall", result["type_agnostic"]["overall"], result["typed"]["overall"])]
    rows += [(t, result["type_agnostic"]["per_type"][t], result["typed"]["per_type"][t])
             for t in result["typed"]["per_type"]]
    for label, a, t in rows:
        click.echo(f"{label:14}{a['precision']:7.3f}{a['recall']:7.3f}{a['f1']:7.3f}   "
                   f"{t['precision']:7.3f}{t['recall']:7.3f}{t['f1']:7.3f}")
    if show_errors:
        for e in result["errors"]:
            click.echo(f"{e['key']}\t{e['kind']}\t{e['type']}\t{e['name']}\t{' | '.join(e['surfaces'])}")


def main():
    cli(prog_name="kg")


if __name__ == "__main__":
    main()
