"""kg: turn ML paper listings into a citation-style knowledge graph.

The Python API mirrors the CLI:

    import kg
    report = kg.build(["data/seeds"], store="kg-store.jsonl.gz")
    store = kg.open_store("kg-store.jsonl.gz")
    store.lookup("megatron lm"); store.query("MATCH (e:Hardware) RETURN e.name")
    store.graph  # the networkx.MultiDiGraph
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kg.model.errors import KGError
from kg.model.version import __version__ as __version__

if TYPE_CHECKING:
    from kg.api import link_papers as link_papers
    from kg.api import open_store as open_store
    from kg.ingest import read_papers as read_papers
    from kg.model.schema import EntityType as EntityType
    from kg.model.types import LinkedPaper as LinkedPaper
    from kg.model.types import Paper as Paper
    from kg.pipeline import build as build

_LAZY = {
    "read_papers": "kg.ingest",
    "EntityType": "kg.model.schema",
    "LinkedPaper": "kg.model.types",
    "Paper": "kg.model.types",
    "build": "kg.pipeline",
    "open_store": "kg.api",
    "link_papers": "kg.api",
}
"""Names imported on first use, so `import kg` (and every kg command) starts fast. `build` is
`kg.pipeline.build` (read, link and save into the store); `open_store` and `link_papers` are `kg.api`'s."""


def __getattr__(name: str) -> Any:
    """The name from `_LAZY`, imported now (Any: it is a class or a function, whichever the name is)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


__all__ = ["KGError", "EntityType", "LinkedPaper", "Paper", "build", "link_papers", "open_store", "read_papers"]
