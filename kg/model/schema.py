"""The graph's schema: entity types, node labels, relationship types, property maps and the store format's name.

Plain enums and aliases, no pydantic, so the commands that only read the graph (`kg query`, `kg lookup`,
`kg stats`) import nothing heavy; `kg.model.types` holds the pydantic models.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeAlias


class EntityType(str, Enum):
    """The five entity types; also the only node labels besides Paper and Entity."""

    METHOD = "Method"
    MODEL = "Model"
    DATASET = "Dataset"
    HARDWARE = "Hardware"
    FRAMEWORK = "Framework"


ENTITY_TYPES = tuple(t.value for t in EntityType)

Properties: TypeAlias = dict[str, Any]
"""A node's or relationship's properties by name. Any, because the values are whatever the input, the
catalog or a query put there (str, int, float, bool, lists of them; tuples and frozensets in the store)."""

STORE_FORMAT = "kg-store"
"""The `format` of a store file's header line: how the store reader and a directory walk know a kg store."""


class Label(str, Enum):
    """Node labels and relationship types: the only names kg ever puts into a Cypher statement."""

    PAPER = "Paper"
    ENTITY = "Entity"
    METHOD = "Method"
    MODEL = "Model"
    DATASET = "Dataset"
    HARDWARE = "Hardware"
    FRAMEWORK = "Framework"


class Rel(str, Enum):
    MENTIONS = "MENTIONS"
    INTRODUCES = "INTRODUCES"
    CITES = "CITES"
    VARIANT_OF = "VARIANT_OF"
