"""Each command imports only what it uses: the heavy libraries stay out of the commands that do not need them.

Start-up time itself is measured by bench/run.py (section `startup`), never asserted here; these tests keep
the imports that would make it slow from creeping back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

HEAVY = ("pydantic", "networkx", "neo4j", "pyvis", "yaml", "rapidfuzz", "ladybug", "pyarrow", "tqdm")

RUN = """
import json, sys
from kg.cli.app import cli
try:
    cli(sys.argv[1:], prog_name="kg", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


def imported(args: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The heavy modules a `kg ARGS` call (a real process) imported."""
    proc = subprocess.run(
        [sys.executable, "-c", RUN.format(heavy=HEAVY), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args, allowed",
    [
        pytest.param(["--help"], [], id="help"),
        pytest.param(["lookup", "deepspeed"], ["ladybug"], id="lookup"),
        pytest.param(["lookup", "deepsped"], ["ladybug", "rapidfuzz"], id="lookup-misspelt"),
        pytest.param(["stats"], ["ladybug"], id="stats"),
        pytest.param(["query", "--name", "top-entities", "--param", "type=Hardware"], ["ladybug"], id="query"),
    ],
)
def test_read_commands_import_only_what_they_use(sample_store, args, allowed):
    assert imported([*args, "--store", str(sample_store)] if args != ["--help"] else args) == allowed


def test_kg_link_with_a_current_compiled_catalog_reads_no_yaml(tmp_path):
    paper = tmp_path / "one.jsonl"
    paper.write_text(json.dumps({"title": "LoRA on A100", "abstract": "We use DeepSpeed."}) + "\n")
    env = {"KG_CACHE_DIR": str(tmp_path / "cache")}
    assert "yaml" in imported(["link", str(paper)], env)  # the first run compiles the catalog
    assert imported(["link", str(paper)], env) == ["pydantic"]
