"""The `kg` command line: each command parses options, makes one library call and prints.

The text printed for each report comes from `kg.report_text`; process-wide settings (the Neo4j driver's
logger, freezing the loaded graph out of the collector's reach) are set here, explicitly, not by the library.

`KGError` becomes a one-line `click.ClickException`; no traceback reaches a user.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import traceback

import click

from kg import report_text
from kg.model.errors import KGError, QueryError
from kg.model.text import terminal_safe

FORMAT_CHOICE = click.Choice(["listing", "jsonl", "arxiv", "csv"])


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for text kg composes from data: control characters shown as escapes, never obeyed."""
    click.echo(terminal_safe(message), err=err, nl=nl)


def echo_lines(lines: list[str]) -> None:
    """Each line of a report's text (`kg.report_text`), as `echo` prints it."""
    for line in lines:
        echo(line)


def _debug() -> bool:
    """KG_DEBUG=1: show the traceback behind an error message (for bug reports)."""
    return os.environ.get("KG_DEBUG", "") not in ("", "0")


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def fail_if_strict(strict: bool, skipped: int, ignored: int) -> None:
    """--strict: the work is done and reported, then any skip or left-out input is an error (exit 1)."""
    if strict and (skipped or ignored):
        raise click.ClickException(f"--strict: {skipped} skipped, {ignored} not read (see above)")


def reports_errors(func):
    """Map every failure to one line and a documented exit code: 1 for data and runtime errors (2 for usage
    errors is click's), 130 for Ctrl-C. No traceback reaches a user unless KG_DEBUG=1 asks for it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KGError as exc:
            if _debug():
                traceback.print_exc()
            raise click.ClickException(terminal_safe(str(exc))) from None
        except BrokenPipeError:
            _silence_stdout()
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            echo("kg: interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except OSError as exc:  # the output could not be written (/dev/full, a dead terminal), or a file vanished
            if _debug():
                traceback.print_exc()
            _silence_stdout()
            where = f" ({exc.filename})" if exc.filename else ""
            raise click.ClickException(
                terminal_safe(
                    f"{exc.strerror or exc}{where}; nothing more was written (KG_DEBUG=1 shows the traceback)"
                )
            ) from None
        except Exception as exc:  # noqa: BLE001 - a bug: one line, and how to get the details
            if _debug():
                traceback.print_exc()
            raise click.ClickException(
                terminal_safe(
                    f"internal error ({type(exc).__name__}: {exc}); re-run with KG_DEBUG=1 for the traceback and "
                    "please report it"
                )
            ) from None

    return wrapper


def input_options(func):
    func = click.option(
        "--strict", is_flag=True, help="Exit 1 after the work if anything was skipped or not read (for scripts and CI)."
    )(func)
    func = click.option("--skip-bad", is_flag=True, help="Skip bad records and files (reported) instead of stopping.")(
        func
    )
    func = click.option(
        "--format",
        "fmt",
        type=FORMAT_CHOICE,
        default=None,
        help="Input format; detected from extension and content when omitted.",
    )(func)
    func = click.argument("inputs", nargs=-1, required=True)(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def cli():
    """kg: ML paper listings -> a knowledge graph of methods, models, datasets, hardware and frameworks."""
    silence_driver_logs()


def silence_driver_logs() -> None:
    """Drop the Neo4j driver's log records (retries, server notifications): with no logging set up, Python would
    print them, multi-line, on stderr beside kg's one-line messages. Process-wide, so set here, by the CLI."""
    import logging

    driver_log = logging.getLogger("neo4j")
    if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())


@cli.command("read")
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def read_cmd(inputs, fmt, skip_bad, strict, as_json):
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


def catalog_option(func):
    return click.option(
        "--catalog",
        "catalogs",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Extra catalog YAML (same schema as kg/catalog/*.yaml); overrides built-in entries.",
    )(func)


@cli.command("link")
@input_options
@catalog_option
@click.option("--no-propagate", is_flag=True, help="Do not match names introduced by one paper in the others.")
@reports_errors
def link_cmd(inputs, fmt, skip_bad, strict, catalogs, no_propagate):
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
    echo_lines(report_text.eval_lines(result, show_errors))


def store_option(func):
    return click.option(
        "--store",
        "store",
        type=click.Path(readable=False),
        envvar="KG_STORE",
        default=None,
        help="Store file (default: $KG_STORE or ./kg-store.jsonl.gz).",
    )(func)


@cli.command("build")
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
def build_cmd(inputs, fmt, skip_bad, strict, store, catalogs, workers, max_papers, forget_catalogs, as_json):
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


def neo4j_options(func):
    """--uri/--user/--database; the password only from NEO4J_PASSWORD (or a hidden prompt on a terminal)."""
    func = click.option(
        "--database",
        default=None,
        metavar="DB",
        help="Neo4j database (default: $NEO4J_DATABASE, else the server's default).",
    )(func)
    func = click.option("--user", default=None, metavar="USER", help="Neo4j user (default: $NEO4J_USERNAME or neo4j).")(
        func
    )
    func = click.option(
        "--uri",
        default=None,
        metavar="URI",
        help="Neo4j Bolt URI (default: $NEO4J_URI or bolt://localhost:7687). "
        "The password is read from $NEO4J_PASSWORD, never from an option.",
    )(func)
    return func


def neo4j_settings(uri, user, database):
    """Settings from options and environment; prompts (hidden) for a missing password on a terminal."""
    from kg.store.neo4j_settings import Neo4jSettings

    settings = Neo4jSettings.from_env(uri=uri, user=user, database=database)
    if settings.uri_has_credentials:
        return settings  # refused when connecting, with one line; no point asking for a password first
    if not settings.has_password and sys.stdin.isatty() and sys.stderr.isatty():
        password = click.prompt(f"Neo4j password for {settings.user}", hide_input=True, err=True)
        settings = settings.with_password(password)
    return settings


@cli.command("lookup")
@click.argument("name")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Papers and entities listed.")
@click.option("--neo4j", "use_neo4j", is_flag=True, help="Look up in Neo4j instead of the local store; see --uri.")
@neo4j_options
@reports_errors
def lookup_cmd(name, store, as_json, limit, use_neo4j, uri, user, database):
    """Find an entity by NAME (case- and spelling-tolerant) and show what the graph knows about it."""
    from kg.api import lookup_entity
    from kg.model.errors import NotFoundError

    if not use_neo4j and (uri or user or database):
        raise click.UsageError("--uri, --user and --database need --neo4j")
    try:
        settings = neo4j_settings(uri, user, database) if use_neo4j else None
        r = lookup_entity(name, store=store, neo4j=settings, limit=limit, **store_options())
    except NotFoundError as exc:
        if as_json:
            click.echo(json.dumps({"query": name, "found": False, "suggestions": exc.suggestions}))
        else:
            echo(f"kg: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        return
    echo_lines(report_text.lookup_lines(r))


@cli.command("query")
@click.argument("cypher", required=False)
@click.option("--name", "named", default=None, help="Run a named query from cypher/queries/.")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="K=V",
    help="Query parameter, bound as the string V exactly as typed (repeatable).",
)
@click.option(
    "--param-json",
    "json_params",
    multiple=True,
    metavar="K=JSON",
    help="Query parameter given as JSON: a number, boolean, list, map or null (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Rows as JSON objects.")
@click.option("--csv", "as_csv", is_flag=True, help="Rows as CSV.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.001),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop a query that runs longer than this.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    metavar="ROWS",
    help="Print at most this many rows (0: no limit).",
)
@store_option
@click.option(
    "--neo4j", "use_neo4j", is_flag=True, help="Run on Neo4j (read-only session) instead of the local store; see --uri."
)
@neo4j_options
@reports_errors
def query_cmd(
    cypher,
    named,
    list_queries,
    params,
    json_params,
    as_json,
    as_csv,
    timeout,
    limit,
    store,
    use_neo4j,
    uri,
    user,
    database,
):
    """Run CYPHER (or --name NAMED) on the store, or on Neo4j with --neo4j; --list shows the named queries."""
    from kg.query import named_queries, parse_params

    if list_queries:
        echo_lines(report_text.named_query_lines(named_queries().values()))
        return
    if bool(cypher) == bool(named):
        raise click.UsageError("give either a CYPHER query or --name NAMED (see --list)")
    if not use_neo4j and (uri or user or database):
        raise click.UsageError("--uri, --user and --database need --neo4j")
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    try:
        values = parse_params(list(params), list(json_params))
    except QueryError as exc:  # a malformed option value: a usage error (exit 2), as click's own are
        raise click.UsageError(terminal_safe(str(exc))) from None
    from kg.api import run_query

    row_limit = limit or None
    settings = neo4j_settings(uri, user, database) if use_neo4j else None
    result = run_query(
        cypher, values, name=named, store=store, neo4j=settings, timeout=timeout, limit=row_limit, **store_options()
    )
    print_result(result, as_json, as_csv)
    if result.truncated:
        echo(f"kg: stopped at {row_limit} rows; there are more (raise --limit, or --limit 0 for all)", err=True)


def store_options() -> dict:
    """How a command opens the local store: what it says (on stderr) when the store's query database must be
    rebuilt before it answers, and `freeze` (a CLI process holds one graph; see `kg.store.local.load_graph`)."""

    def notify(message: str) -> None:
        echo(f"kg: {message}", err=True)

    def progress(step: str) -> None:
        if sys.stderr.isatty():
            echo(f"kg:   {step}", err=True)

    return {"notify": notify, "progress": progress, "freeze": True}


@cli.command("load")
@store_option
@neo4j_options
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Most rows per write transaction.",
)
@click.option(
    "--batch-bytes",
    type=click.IntRange(min=1),
    default=4 * 1024 * 1024,
    show_default=True,
    help="Most parameter bytes per write transaction (a larger single row goes alone).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@reports_errors
def load_cmd(store, uri, user, database, batch_size, batch_bytes, as_json):
    """Push the local store into Neo4j: schema, then nodes and relationships in batches (idempotent)."""
    from tqdm import tqdm

    from kg.store.neo4j import load_store

    settings = neo4j_settings(uri, user, database)
    bar = None

    def progress(p):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=p.rows_total, unit="row", desc="loading", disable=not sys.stderr.isatty(), leave=False)
        bar.update(len(p.batch.rows))

    try:
        r = load_store(store, settings, batch_size=batch_size, batch_bytes=batch_bytes, progress=progress, freeze=True)
    finally:
        if bar is not None:
            bar.close()
    for issue in r.schema_report.rejected:
        echo(f"kg load: warning: the server rejected schema statement {issue.statement!r}: {issue.error}", err=True)
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        return
    echo_lines(report_text.load_lines(r))


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "neo4j-admin", "cypher", "jsonl"]),
    required=True,
    help="graphml (Gephi, yEd), neo4j-admin (CSV directory for neo4j-admin database import full), "
    "cypher (script for cypher-shell), jsonl (one node or relationship per line).",
)
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(), help="Output file (a directory for neo4j-admin)."
)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@reports_errors
def export_cmd(fmt, output, store, as_json):
    """Export the local store as GraphML, neo4j-admin import CSVs, a Cypher script or JSON Lines."""
    from kg.export import export_store

    r = export_store(fmt, output, store, freeze=True)
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        return
    echo_lines(report_text.export_lines(r))


def print_result(result, as_json: bool, as_csv: bool) -> None:
    if as_json:
        if result.rows:
            click.echo(
                "\n".join(
                    json.dumps(dict(zip(result.columns, row)), ensure_ascii=False, default=str) for row in result.rows
                )
            )
        return
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return
    echo(report_text.result_table(result))


@cli.command("stats")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True, help="Top entities per type.")
@click.option("--neo4j", "use_neo4j", is_flag=True, help="Count in Neo4j instead of the local store; see --uri.")
@neo4j_options
@reports_errors
def stats_cmd(store, as_json, top, use_neo4j, uri, user, database):
    """Counts per label and relationship type, and the top entities per type."""
    from kg.api import graph_stats

    if not use_neo4j and (uri or user or database):
        raise click.UsageError("--uri, --user and --database need --neo4j")
    settings = neo4j_settings(uri, user, database) if use_neo4j else None
    s = graph_stats(store=store, neo4j=settings, top=top, **store_options())
    if as_json:
        click.echo(json.dumps(s, indent=2))
        return
    echo_lines(report_text.stats_lines(s))


@cli.command("viz")
@store_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="graph.html",
    show_default=True,
    help="HTML file to write (self-contained: opens offline).",
)
@click.option("--entity", default=None, metavar="NAME", help="Ego view around this entity (resolved like `kg lookup`).")
@click.option("--paper", default=None, metavar="TITLE", help="Ego view around this paper (id, title or part of it).")
@click.option(
    "--hops", type=click.IntRange(min=0), default=1, show_default=True, help="Ego view radius, in relationships."
)
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="TYPE",
    help="Only these entity types (repeatable or comma-separated): Method, Model, Dataset, Hardware, "
    "Framework. Papers linked to them are shown.",
)
@click.option(
    "--min-mentions",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Only entities mentioned by at least K papers.",
)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Cap: keep the most connected entities and their papers.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@reports_errors
def viz_cmd(store, output, entity, paper, hops, types, min_mentions, max_nodes, open_browser):
    """Write an interactive graph page (whole graph, or the view around --entity/--paper)."""
    for option, value in (("--entity", entity), ("--paper", paper)):
        if value is not None and not value.strip():
            raise click.UsageError(f"{option} needs a name; leave it out to draw the whole graph")
    from kg.api import view_store

    report = view_store(
        store,
        output,
        entity=entity,
        paper=paper,
        hops=hops,
        types=types,
        min_mentions=min_mentions,
        max_nodes=max_nodes,
        open_browser=open_browser,
        **store_options(),
    )
    echo(report.summary())
    if report.cut:
        echo(f"note: {report.cut}", err=True)


def main():
    cli(prog_name="kg")


if __name__ == "__main__":
    main()
