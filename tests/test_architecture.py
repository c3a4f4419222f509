"""The package's layers point one way: a module imports only from its own layer or the layers below it.

Read from the source with `ast` (no import is run), so an import inside a
function counts as much as one at the top. See docs/architecture.md for what
each layer holds and why it sits where it does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"

# Bottom to top. A module may import its own layer and every layer listed before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("model", ("kg.model",)),
    ("catalog", ("kg.catalog",)),
    ("ingest and link", ("kg.ingest", "kg.link")),
    ("graph", ("kg.graph",)),
    ("cypher", ("kg.cypher",)),
    ("store", ("kg.store",)),
    ("lookup", ("kg.lookup", "kg.neighbourhood", "kg.stats")),
    ("query, viz and export", ("kg.query", "kg.viz", "kg.export")),
    ("api", ("kg.api", "kg.pipeline", "kg.build_mentions", "kg.report_text", "kg")),
    ("cli", ("kg.cli",)),
]


def layer_of(module: str) -> int:
    """The index of the layer that holds `module` (the longest matching package wins)."""
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer; add it to LAYERS in tests/test_architecture.py")
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(KG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def kg_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a kg module in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name == "kg" or a.name.startswith("kg.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "kg":  # `from kg import version`: the submodule, when there is one
                for a in node.names:
                    sub = KG / a.name
                    out.append(
                        (node.lineno, f"kg.{a.name}" if sub.with_suffix(".py").exists() or sub.is_dir() else "kg")
                    )
            elif node.module.startswith("kg."):
                out.append((node.lineno, node.module))
    return out


SOURCES = sorted(KG.rglob("*.py"))


def test_every_module_has_a_layer():
    for path in SOURCES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(KG.parent)))
def test_no_module_imports_a_layer_above_its_own(path):
    here = module_name(path)
    mine = layer_of(here)
    upward = [
        f"line {line}: {here} ({LAYERS[mine][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for line, target in kg_imports(path)
        if layer_of(target) > mine
    ]
    assert not upward, "\n".join(upward)


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    """The rule itself: a store module that imports the query layer is caught."""
    fake = KG / "store" / "neo4j.py"
    source = tmp_path / "neo4j.py"
    source.write_text("def f():\n    from kg.query.named import get_named_query\n")
    assert kg_imports(source) == [(2, "kg.query.named")]
    assert layer_of("kg.query.named") > layer_of(module_name(fake))


CLI_MAY_IMPORT = ("kg.api", "kg.cli", "kg.model", "kg.report_text")
"""What a command module imports from kg: the library calls (kg.api), its own helpers, the shared contracts
(errors, results, text) and the report texts. The exceptions are option parsing, which reads option values with
the library's own parsers and types: `kg.query` (`parse_params`), `kg.store.neo4j_settings`, `kg.viz`
(`ViewOptions`)."""
CLI_OPTION_TYPES = ("kg.query", "kg.store.neo4j_settings", "kg.viz")


def cli_imports_outside_the_api(path: Path) -> list[str]:
    allowed = CLI_MAY_IMPORT + CLI_OPTION_TYPES
    return [
        f"line {line}: {target}"
        for line, target in kg_imports(path)
        if target != "kg" and not any(target == a or target.startswith(a + ".") for a in allowed)
    ]


@pytest.mark.parametrize("path", sorted((KG / "cli").glob("*.py")), ids=lambda p: p.name)
def test_commands_call_the_library_through_kg_api(path):
    """Library first, CLI as glue: a command parses its options, makes one call into kg.api and prints."""
    assert cli_imports_outside_the_api(path) == []


def test_the_cli_check_finds_a_direct_call(tmp_path):
    source = tmp_path / "commands.py"
    source.write_text("def build_cmd():\n    from kg.pipeline import build\n    from kg.api import build\n")
    assert cli_imports_outside_the_api(source) == ["line 2: kg.pipeline"]
