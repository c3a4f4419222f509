"""Options several commands share: input files and formats, --catalog, --store, query parameters, the Neo4j
connection, and how a command opens the local store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kg.cli.output import echo

if TYPE_CHECKING:
    from kg.api import StoreOptions
    from kg.store.neo4j_settings import Neo4jSettings

Callback = TypeVar("Callback", bound=Callable[..., Any])  # a command's callback, whatever its parameters

FORMAT_CHOICE = click.Choice(["listing", "jsonl", "arxiv", "csv"])


def input_options(func: Callback) -> Callback:
    return _input_options(func, required=True)


def optional_input_options(func: Callback) -> Callback:
    """`input_options` whose INPUTS may be left out (`kg build --from-mentions DIR` reads none)."""
    return _input_options(func, required=False)


def _input_options(func: Callback, required: bool) -> Callback:
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
    func = click.argument("inputs", nargs=-1, required=required)(func)
    return func


def catalog_option(func: Callback) -> Callback:
    return click.option(
        "--catalog",
        "catalogs",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Extra catalog YAML (same schema as kg/catalog/*.yaml); overrides built-in entries.",
    )(func)


def workers_option(func: Callback) -> Callback:
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Linking processes (the output is the same whatever the number).",
    )(func)


def quiet_option(func: Callback) -> Callback:
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="No progress bar (it is shown only when stderr is a terminal); the summary is still printed.",
    )(func)


def show_progress(quiet: bool) -> bool:
    """Whether a command draws a progress bar: on stderr when it is a terminal, unless --quiet."""
    return not quiet and sys.stderr.isatty()


def store_option(func: Callback) -> Callback:
    return click.option(
        "--store",
        "store",
        type=click.Path(readable=False),
        envvar="KG_STORE",
        default=None,
        help="Store file (default: $KG_STORE or ./kg-store.jsonl.gz).",
    )(func)


def param_options(func: Callback) -> Callback:
    """--param K=V and --param-json K=JSON, the query parameters (`query_params` reads them)."""
    func = click.option(
        "--param-json",
        "json_params",
        multiple=True,
        metavar="K=JSON",
        help="Query parameter given as JSON: a number, boolean, list, map or null (repeatable).",
    )(func)
    func = click.option(
        "--param",
        "params",
        multiple=True,
        metavar="K=V",
        help="Query parameter, bound as the string V exactly as typed (repeatable).",
    )(func)
    return func


def query_params(params: tuple[str, ...], json_params: tuple[str, ...]) -> dict[str, Any]:
    """The --param and --param-json values; a malformed one is a usage error (exit 2), as click's own are."""
    from kg.model.errors import QueryError
    from kg.model.text import terminal_safe
    from kg.query import parse_params

    try:
        return parse_params(list(params), list(json_params))
    except QueryError as exc:
        raise click.UsageError(terminal_safe(str(exc))) from None


def neo4j_options(func: Callback) -> Callback:
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


def neo4j_settings(uri: str | None, user: str | None, database: str | None) -> Neo4jSettings:
    """Settings from options and environment; prompts (hidden) for a missing password on a terminal."""
    from kg.store.neo4j_settings import Neo4jSettings

    settings = Neo4jSettings.from_env(uri=uri, user=user, database=database)
    if settings.uri_has_credentials:
        return settings  # refused when connecting, with one line; no point asking for a password first
    if not settings.has_password and sys.stdin.isatty() and sys.stderr.isatty():
        password = click.prompt(f"Neo4j password for {settings.user}", hide_input=True, err=True)
        settings = settings.with_password(password)
    return settings


def store_options() -> StoreOptions:
    """How a command opens the local store: what it says (on stderr) when the store's query database must be
    rebuilt before it answers, and `freeze` (a CLI process holds one graph; see `kg.store.local.load_graph`)."""

    def notify(message: str) -> None:
        echo(f"kg: {message}", err=True)

    def progress(step: str) -> None:
        if sys.stderr.isatty():
            echo(f"kg:   {step}", err=True)

    return {"notify": notify, "progress": progress, "freeze": True}
