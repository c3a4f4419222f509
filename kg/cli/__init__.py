"""The `kg` command line (`kg.cli.app`): a thin layer over `kg.api`.

`output` prints and maps errors to exit codes, `options` holds the shared options, and the commands live in
`input_commands` (read, link, eval, build) and `store_commands` (lookup, query, stats, viz, load, export).
"""

from kg.cli.app import cli, main

__all__ = ["cli", "main"]
