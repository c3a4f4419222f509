"""The embedded engine of the query database (LadybugDB, `ladybug` on PyPI): imported on first use.

Its name and version go in every database's stamp, so a database another engine
version built is rebuilt. Other modules read these through this module
(`embedded.engine()`), so a benchmark can point them at another engine with the same API.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, TypeAlias

from kg.model.errors import StoreError

ENGINE = "ladybug"

Database: TypeAlias = Any
"""The engine's open database. Any, because the engine is a module picked at run time (`engine()`: ladybug, or
another with its API), so its objects are known only by that API."""

Connection: TypeAlias = Any
"""A connection to the engine's database, which runs Cypher. Any, as for `Database`."""


def engine() -> ModuleType:
    """The embedded engine's module, imported on first use."""
    try:
        import ladybug
    except ImportError:
        raise StoreError("the query database needs the ladybug package: pip install ladybug") from None
    return ladybug


def engine_version() -> str:
    """The engine's version, as each database's stamp records it."""
    return str(getattr(engine(), "__version__", "unknown"))
