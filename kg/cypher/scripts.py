"""Cypher files: where `cypher/` is (the schema and the named queries), and how a script splits into statements."""

from __future__ import annotations

import os
from pathlib import Path

from kg.model.errors import StoreError


def cypher_dir() -> Path:
    """`cypher/` of the source tree (or $KG_CYPHER_DIR)."""
    env = os.environ.get("KG_CYPHER_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "cypher"


def schema_path() -> Path:
    return cypher_dir() / "schema.cypher"


def parse_statements(text: str) -> list[str]:
    """Split a Cypher script into statements on `;`, dropping `//` comment lines and blank lines."""
    statements, current = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        current.append(stripped)
        if stripped.endswith(";"):
            statements.append(" ".join(current)[:-1].strip())
            current = []
    if current:
        statements.append(" ".join(current).strip())
    return [s for s in statements if s]


def schema_statements(path: str | os.PathLike[str] | None = None) -> list[str]:
    path = Path(path) if path else schema_path()
    try:
        return parse_statements(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{path}: schema file not found; set KG_CYPHER_DIR to the cypher/ folder") from None
