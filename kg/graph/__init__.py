"""The graph model shared by every backend (`model`) and its construction from linked papers (`builder`)."""

from kg.graph.builder import MAX_INTRODUCERS, Catalog, GraphBuilder
from kg.graph.model import (
    ENTITY_LABEL_SETS,
    PAPER_LABELS,
    REL_LABELS,
    Counts,
    SharedValues,
    compact_mention,
    counts,
    entity_attrs,
    entity_key,
    labels_of,
    paper_attrs,
    paper_key,
)

__all__ = [
    "ENTITY_LABEL_SETS",
    "MAX_INTRODUCERS",
    "PAPER_LABELS",
    "REL_LABELS",
    "Catalog",
    "Counts",
    "GraphBuilder",
    "SharedValues",
    "compact_mention",
    "counts",
    "entity_attrs",
    "entity_key",
    "labels_of",
    "paper_attrs",
    "paper_key",
]
