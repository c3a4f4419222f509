"""Pausing Python's cyclic garbage collector around work that allocates many small objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch: linking (or loading the compiled catalog) allocates many
    small acyclic objects, and full collections over a large live heap would otherwise dominate the run time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def give_back_memory() -> None:
    """Collect what is unreachable and hand the freed heap back to the system (glibc's `malloc_trim`, where
    there is one), before a step that needs memory of its own: the query database's load, after linking."""
    import contextlib
    import ctypes

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
