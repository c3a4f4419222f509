"""Opening the store's query database read-only, and rebuilding it first when it is missing, stale or damaged."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from kg.model.errors import StoreError
from kg.store.querydb import embedded
from kg.store.querydb.build import build_from_store_file
from kg.store.querydb.paths import query_db_path
from kg.store.querydb.schema import Schema
from kg.store.querydb.stamp import META_TABLE, Stamp, changed_since_built, staleness

# Buffer pool of a query process: queries that need more fail with a clear message instead of
# growing without bound (the engine's default is ~80% of the machine's memory).
QUERY_BUFFER_POOL = 512 * 1024 * 1024


class QueryDatabase:
    """An open, read-only query database: `conn` runs Cypher, `schema` says what is in it."""

    def __init__(
        self, path: Path, db: embedded.Database, conn: embedded.Connection, schema: Schema, stamp: Stamp
    ) -> None:
        self.path = path
        self.db = db
        self.conn = conn
        self.schema = schema
        self.stamp = stamp

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.db.close()

    def __enter__(self) -> QueryDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(path: Path) -> QueryDatabase:
    """Open read-only and read the stamp; a StoreError if it is not a query database this kg can read."""
    lb = embedded.engine()
    try:
        db = lb.Database(
            str(path),
            read_only=True,
            buffer_pool_size=QUERY_BUFFER_POOL,
            max_db_size=embedded.reservation_for(path.stat().st_size),
        )
        conn = lb.Connection(db)
        rows = conn.execute(f"MATCH (m:{META_TABLE}) RETURN m.key, m.value").get_all()
    except Exception as exc:  # a damaged file, another engine version's format: the engine raises RuntimeError
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"{path}: not a readable query database ({first})") from None
    meta = dict(rows)
    try:
        stamp = Stamp.from_json(meta["stamp"])
        schema = Schema.from_json(meta["schema"])
    except (KeyError, TypeError, ValueError):
        conn.close()
        db.close()
        raise StoreError(f"{path}: the query database has no valid stamp") from None
    return QueryDatabase(path, db, conn, schema, stamp)


def _current(path: Path, store: Path) -> tuple[QueryDatabase | None, str | None]:
    """The database at `path` opened, if it exists, is readable and matches the store; else None and why not.

    One look answers both, so a changed file is opened and hashed once, not again to say why."""
    if not path.exists():
        return None, "there is none yet"
    try:
        qdb = open_database(path)
    except StoreError as exc:
        return None, f"it cannot be read: {str(exc).split(': ', 1)[-1]}"
    why = staleness(qdb.stamp, store) or changed_since_built(path)
    if why is None:
        return qdb, None
    qdb.close()
    return None, why


def why_stale(store: str | os.PathLike[str]) -> str | None:
    """Why the store's query database must be rebuilt before use (None: it is current)."""
    store = Path(store)
    qdb, why = _current(query_db_path(store), store)
    if qdb is not None:
        qdb.close()
    return why


def open_current(
    store: str | os.PathLike[str],
    *,
    notify: Callable[[str], None] | None = None,
    progress: Callable[[str], None] | None = None,
    freeze: bool = False,
) -> QueryDatabase:
    """The store's query database, opened read-only; built first if it is missing or stale.

    `notify` gets one line saying why a rebuild happens. The rebuild holds the
    store's lock, so it never races a `kg build`, and a second process that
    waited for the lock finds the database current and uses it. `freeze` is
    `load_graph`'s, for the store loaded to rebuild it.
    """
    from kg.store.local import check_store

    store = Path(store)
    check_store(store)
    path = query_db_path(store)
    qdb, _ = _current(path, store)
    if qdb is not None:
        return qdb
    with _lock(store, path):
        qdb, why = _current(path, store)  # again under the lock: another process may have rebuilt it
        if qdb is not None:
            return qdb
        _build_from_store(
            store,
            f"building the query database {path.name} ({why}); it is rebuilt only when the store changes",
            notify,
            progress,
            freeze,
        )
    qdb, _ = _current(path, store)
    if qdb is None:
        raise StoreError(
            f"{path}: the query database does not match the store even after a rebuild; delete {path} and re-run"
        )
    return qdb


def _lock(store: Path, path: Path) -> AbstractContextManager[None]:
    """The lock a query-database build holds: the store's, or the database's own when it lives in a cache."""
    from kg.store.local import store_lock

    return store_lock(store if path.parent == store.resolve().parent else path)


def rebuild(
    store: str | os.PathLike[str],
    why: str,
    *,
    notify: Callable[[str], None] | None = None,
    progress: Callable[[str], None] | None = None,
    freeze: bool = False,
) -> None:
    """Build the store's query database again though its stamp matches (it was found damaged: `why`);
    `freeze` as for `open_current`."""
    store = Path(store)
    path = query_db_path(store)
    with _lock(store, path):
        _build_from_store(store, f"rebuilding the query database {path.name} ({why})", notify, progress, freeze)


def _build_from_store(
    store: Path, notice: str, notify: Callable[[str], None] | None, progress: Callable[[str], None] | None, freeze: bool
) -> None:
    """Under the lock: check the store, say why, build from the store file read as a stream.

    The check reads the file to its end marker, parsing its nodes and counting its relationships (a few
    seconds at a million papers), so that a damaged store is one error line, not a notice and then an error."""
    from kg.store.local import store_elements

    for _ in store_elements(store, relationships=False):
        pass
    if notify:
        notify(notice)
    build_from_store_file(store, progress)
