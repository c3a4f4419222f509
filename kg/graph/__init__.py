"""The graph model shared by every backend (`model`) and its construction from linked papers (`builder`).

The names below are imported on first use, so a module that needs only the keys (`kg.lookup`) does not load
the builder and the pydantic models it works with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.graph.builder import MAX_INTRODUCERS as MAX_INTRODUCERS
    from kg.graph.builder import Catalog as Catalog
    from kg.graph.builder import GraphBuilder as GraphBuilder
    from kg.graph.model import ENTITY_LABEL_SETS as ENTITY_LABEL_SETS
    from kg.graph.model import PAPER_LABELS as PAPER_LABELS
    from kg.graph.model import REL_LABELS as REL_LABELS
    from kg.graph.model import Counts as Counts
    from kg.graph.model import SharedValues as SharedValues
    from kg.graph.model import compact_mention as compact_mention
    from kg.graph.model import counts as counts
    from kg.graph.model import entity_attrs as entity_attrs
    from kg.graph.model import entity_key as entity_key
    from kg.graph.model import labels_of as labels_of
    from kg.graph.model import paper_attrs as paper_attrs
    from kg.graph.model import paper_key as paper_key

_BUILDER = ("MAX_INTRODUCERS", "Catalog", "GraphBuilder")
_MODEL = (
    "ENTITY_LABEL_SETS",
    "PAPER_LABELS",
    "REL_LABELS",
    "Counts",
    "SharedValues",
    "compact_mention",
    "counts",
    "entity_attrs",
    "entity_key",
    "labels_of",
    "paper_attrs",
    "paper_key",
)


def __getattr__(name: str) -> Any:
    """The name from `builder` or `model`, imported now (Any: a class, a function or a constant)."""
    if name in _BUILDER or name in _MODEL:
        import importlib

        value = getattr(importlib.import_module(f"kg.graph.{'builder' if name in _BUILDER else 'model'}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kg.graph' has no attribute {name!r}")


__all__ = [*_BUILDER, *_MODEL]
