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


# The engine reserves address space for the largest database it may grow to (its `max_db_size`), by
# default 8 TiB per open database; x86-64 gives a process 128 TiB, so the 16th open database failed
# ("Mmap for size 8796093022208 failed"). A read-only database never grows: a reservation of a few
# times its size is enough, and thousands can be open at once.
MIN_RESERVATION = 1 << 30
"""The smallest reservation (1 GiB): a query's temporary memory does not come out of it."""

BUILD_RESERVATION = 1 << 40
"""The reservation while building (1 TiB): all of arXiv makes a ~5 GB database, 1,000,000 papers 1.9 GB."""


def reservation_for(size_bytes: int) -> int:
    """The engine's `max_db_size` for a read-only database of `size_bytes`: a power of two (the engine's rule)
    of at least four times its size and at least `MIN_RESERVATION`."""
    need = max(4 * size_bytes, MIN_RESERVATION)
    return 1 << (need - 1).bit_length()
