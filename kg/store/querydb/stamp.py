"""What a query database was built from, and whether it still is that: its stamp and its checksum sidecar.

A `KgMeta` table in the database holds the stamp: the format version, the
engine and its version, and the store file's size, modification time and
SHA-256 it was built from. Beside the database, `<db>.sha256` records the
database file's own size, mtime and SHA-256, since the engine keeps no page
checksums.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from kg.model.errors import KGError, StoreError
from kg.model.files import write_atomic
from kg.store.querydb import embedded

FORMAT_VERSION = 2
META_TABLE = "KgMeta"


@dataclass(frozen=True)
class Stamp:
    """What a query database was built from, and by what."""

    format: int
    engine: str
    engine_version: str
    store_size: int
    store_mtime_ns: int
    store_sha256: str
    nodes: int
    relationships: int
    built_seconds: float

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> Stamp:
        return cls(**json.loads(text))


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


CHECKSUM_SUFFIX = ".sha256"


def checksum_path(db: Path) -> Path:
    """The file beside a query database that records its size, mtime and SHA-256 as built."""
    return Path(str(db) + CHECKSUM_SUFFIX)


def write_checksum(db_file: Path, target: Path) -> None:
    """Record `db_file`'s size, mtime and hash for `target`, the path it is about to be renamed to."""
    st = db_file.stat()
    record = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": file_sha256(db_file)}
    write_atomic(
        checksum_path(target), lambda f: f.write(json.dumps(record) + "\n"), error=StoreError, option="--store"
    )


def changed_since_built(path: Path) -> str | None:
    """Why the database file is not the file that was built (None: it is).

    The engine keeps no page checksums: bytes rewritten inside the file can
    give wrong rows without an error (an entity's name read as "ZZZZ"). So the
    build records the file's size, mtime and SHA-256 beside it. The same size
    and mtime are trusted, as for the store's own stamp; anything else is
    hashed once, and a file whose hash still matches (copied, touched) has its
    record renewed so the next query is fast again.
    """
    record_path = checksum_path(path)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        size, mtime_ns, sha256 = int(record["size"]), int(record["mtime_ns"]), str(record["sha256"])
    except FileNotFoundError:
        return f"{record_path.name}, its checksum, is missing"
    except (OSError, ValueError, TypeError, KeyError):
        return f"{record_path.name}, its checksum, cannot be read"
    st = path.stat()
    if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
        return None
    if st.st_size == size and file_sha256(path) == sha256:
        with contextlib.suppress(KGError, OSError):  # a read-only directory: hashed again next time
            write_checksum(path, path)
        return None
    return "its contents changed since it was built (the checksum differs)"


def staleness(stamp: Stamp, store: Path) -> str | None:
    """Why a database with this stamp does not match the store file (None: it matches)."""
    if stamp.format != FORMAT_VERSION or stamp.engine != embedded.ENGINE:
        return f"it was built in format {stamp.format} by {stamp.engine}; this kg uses format {FORMAT_VERSION}"
    if stamp.engine_version != embedded.engine_version():
        return f"it was built by {embedded.ENGINE} {stamp.engine_version}; this kg has {embedded.engine_version()}"
    st = store.stat()
    if stamp.store_size == st.st_size and stamp.store_mtime_ns == st.st_mtime_ns:
        return None
    if stamp.store_size == st.st_size and stamp.store_sha256 == file_sha256(store):
        return None
    return "the store changed since it was built"
