"""`python -m kg.cli`: the `kg` command, for when the console script is not on PATH."""

from kg.cli.app import main

main()
