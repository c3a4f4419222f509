"""The commands that work on a built graph, in the local store or Neo4j: `kg lookup`, `kg query`, `kg stats`,
`kg viz`, `kg load` and `kg export`."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from click.core import ParameterSource

from kg import report_text
from kg.cli.options import (
    neo4j_options,
    neo4j_settings,
    param_options,
    query_params,
    store_option,
    store_options,
)
from kg.cli.output import echo, echo_lines, print_result, reports_errors


@click.command("lookup")
@click.argument("name")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Papers and entities listed.")
@click.option("--neo4j", "use_neo4j", is_flag=True, help="Look up in Neo4j instead of the local store; see --uri.")
@neo4j_options
@reports_errors
def lookup_cmd(
    name: str,
    store: str | None,
    as_json: bool,
    limit: int,
    use_neo4j: bool,
    uri: str | None,
    user: str | None,
    database: str | None,
) -> None:
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
        click.echo(json.dumps(r.to_dict(), indent=2, ensure_ascii=False))
        return
    echo_lines(report_text.lookup_lines(r))


@click.command("query")
@click.argument("cypher", required=False)
@click.option("--name", "named", default=None, help="Run a named query from cypher/queries/.")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
@param_options
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
    cypher: str | None,
    named: str | None,
    list_queries: bool,
    params: tuple[str, ...],
    json_params: tuple[str, ...],
    as_json: bool,
    as_csv: bool,
    timeout: float,
    limit: int,
    store: str | None,
    use_neo4j: bool,
    uri: str | None,
    user: str | None,
    database: str | None,
) -> None:
    """Run CYPHER (or --name NAMED) on the store, or on Neo4j with --neo4j; --list shows the named queries."""
    if list_queries:
        from kg.api import list_named_queries

        echo_lines(report_text.named_query_lines(list_named_queries()))
        return
    if bool(cypher) == bool(named):
        raise click.UsageError("give either a CYPHER query or --name NAMED (see --list)")
    if not use_neo4j and (uri or user or database):
        raise click.UsageError("--uri, --user and --database need --neo4j")
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    values = query_params(params, json_params)
    from kg.api import run_query

    row_limit = limit or None
    settings = neo4j_settings(uri, user, database) if use_neo4j else None
    result = run_query(
        cypher, values, name=named, store=store, neo4j=settings, timeout=timeout, limit=row_limit, **store_options()
    )
    print_result(result, as_json, as_csv)
    if result.truncated:
        echo(f"kg: stopped at {row_limit} rows; there are more (raise --limit, or --limit 0 for all)", err=True)


@click.command("load")
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
def load_cmd(
    store: str | None,
    uri: str | None,
    user: str | None,
    database: str | None,
    batch_size: int,
    batch_bytes: int,
    as_json: bool,
) -> None:
    """Push the local store into Neo4j: schema, then nodes and relationships in batches (idempotent)."""
    from tqdm import tqdm

    from kg.api import load_neo4j

    settings = neo4j_settings(uri, user, database)
    bar: Any = None  # a tqdm bar from the first batch on (tqdm ships no type hints)

    def progress(p: Any) -> None:  # a kg.store.neo4j_batches.LoadProgress
        nonlocal bar
        if bar is None:
            bar = tqdm(total=p.rows_total, unit="row", desc="loading", disable=not sys.stderr.isatty(), leave=False)
        bar.update(len(p.batch.rows))

    try:
        r = load_neo4j(store, settings, batch_size=batch_size, batch_bytes=batch_bytes, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    for issue in r.schema_report.rejected:
        echo(f"kg load: warning: the server rejected schema statement {issue.statement!r}: {issue.error}", err=True)
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        return
    echo_lines(report_text.load_lines(r))


@click.command("export")
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
def export_cmd(fmt: str, output: str, store: str | None, as_json: bool) -> None:
    """Export the local store as GraphML, neo4j-admin import CSVs, a Cypher script or JSON Lines."""
    from kg.api import export_store

    r = export_store(fmt, output, store, freeze=True)
    if as_json:
        click.echo(r.model_dump_json(indent=2))
        return
    echo_lines(report_text.export_lines(r))


@click.command("stats")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True, help="Top entities per type.")
@click.option("--neo4j", "use_neo4j", is_flag=True, help="Count in Neo4j instead of the local store; see --uri.")
@neo4j_options
@reports_errors
def stats_cmd(
    store: str | None,
    as_json: bool,
    top: int,
    use_neo4j: bool,
    uri: str | None,
    user: str | None,
    database: str | None,
) -> None:
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


@click.command("viz")
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
@click.option(
    "--query",
    "cypher",
    default=None,
    metavar="CYPHER",
    help="Draw the nodes this read-only Cypher query returns (nodes, paths, lists of them) and the "
    "relationships among them, in the query's order.",
)
@param_options
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option(
    "--neo4j",
    "use_neo4j",
    is_flag=True,
    help="Read the --entity, --paper or --query view from Neo4j instead of the local store; see --uri.",
)
@neo4j_options
@reports_errors
def viz_cmd(
    store: str | None,
    output: str,
    entity: str | None,
    paper: str | None,
    hops: int,
    types: tuple[str, ...],
    min_mentions: int,
    max_nodes: int,
    cypher: str | None,
    params: tuple[str, ...],
    json_params: tuple[str, ...],
    open_browser: bool,
    use_neo4j: bool,
    uri: str | None,
    user: str | None,
    database: str | None,
) -> None:
    """Write an interactive graph page: the whole graph, the view around --entity/--paper, or a --query's nodes."""
    for option, value in (("--entity", entity), ("--paper", paper)):
        if value is not None and not value.strip():
            raise click.UsageError(f"{option} needs a name; leave it out to draw the whole graph")
    if (params or json_params) and not cypher:
        raise click.UsageError("--param and --param-json need --query")
    if cypher and click.get_current_context().get_parameter_source("hops") is not ParameterSource.DEFAULT:
        raise click.UsageError("--hops applies to --entity and --paper; --query draws the nodes the query returns")
    if not use_neo4j and (uri or user or database):
        raise click.UsageError("--uri, --user and --database need --neo4j")
    from kg.api import view_neo4j, view_store
    from kg.viz import ViewOptions

    view = ViewOptions(
        entity=entity,
        paper=paper,
        query=cypher,
        params=query_params(params, json_params),
        hops=hops,
        types=types,
        min_mentions=min_mentions,
        max_nodes=max_nodes,
    )
    if use_neo4j:
        report = view_neo4j(neo4j_settings(uri, user, database), output, view, open_browser=open_browser)
    else:
        report = view_store(store, output, view, open_browser=open_browser, **store_options())
    echo(report.summary())
    if report.cut:
        echo(f"note: {report.cut}", err=True)
