"""Where a store's query database lives: beside the store, or in a cache when the store's directory is read-only."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg.model.errors import StoreError
from kg.model.files import cache_dirs

SUFFIX = ".querydb"


def query_db_path(store: str | os.PathLike[str]) -> Path:
    """Where the query database of a store lives: `<store>.querydb` beside it (symlinks resolved), or, when
    the store's directory is read-only, `<cache>/kg/<store name>-<hash of its path>.querydb`, where the
    cache is $KG_CACHE_DIR, else $XDG_CACHE_HOME, else ~/.cache."""
    store = Path(store).resolve()
    beside = Path(str(store) + SUFFIX)
    if beside.exists() or os.access(store.parent, os.W_OK):
        return beside
    digest = hashlib.sha256(str(store).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    for cache in cache_dirs():
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(cache, os.W_OK):
            return cache / f"{store.name}-{digest}{SUFFIX}"
    raise StoreError(
        f"{store}: its directory is read-only and no cache directory is writable; "
        "set KG_CACHE_DIR to a writable directory"
    )
