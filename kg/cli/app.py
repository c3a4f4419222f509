"""The `kg` command line: each command parses options, makes one library call and prints.

The text printed for each report comes from `kg.report_text`; process-wide settings (the Neo4j driver's
logger, freezing the loaded graph out of the collector's reach) are set here, explicitly, not by the library.

`KGError` becomes a one-line `click.ClickException`; no traceback reaches a user.
"""

from __future__ import annotations

import click

from kg.cli.input_commands import build_cmd, eval_cmd, evaluate_cmd, link_cmd, read_cmd
from kg.cli.store_commands import export_cmd, load_cmd, lookup_cmd, query_cmd, stats_cmd, viz_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def cli() -> None:
    """kg: ML paper listings -> a knowledge graph of methods, models, datasets, hardware and frameworks."""
    silence_driver_logs()


def silence_driver_logs() -> None:
    """Drop the Neo4j driver's log records (retries, server notifications): with no logging set up, Python would
    print them, multi-line, on stderr beside kg's one-line messages. Process-wide, so set here, by the CLI."""
    import logging

    driver_log = logging.getLogger("neo4j")
    if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())


for command in (
    read_cmd,
    link_cmd,
    evaluate_cmd,
    eval_cmd,
    build_cmd,
    lookup_cmd,
    query_cmd,
    stats_cmd,
    viz_cmd,
    load_cmd,
    export_cmd,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="kg")
