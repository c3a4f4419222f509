"""The embedded local store: the graph as a NetworkX MultiDiGraph, persisted to one file.

The file's format (gzip JSON Lines ending in a marker that makes a truncated
file detectable) is `kg.store.store_file`'s; this module opens, saves and
locks the file. Saves are atomic: the file is
written beside the store under a temporary name, flushed and fsynced, then
renamed over the old one, so an interrupted save leaves the old store intact.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from io import BufferedIOBase
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from kg.graph.model import labels_of
from kg.model.errors import StoreError
from kg.model.files import BackgroundWriter, atomic_output, temp_prefix
from kg.model.schema import Label, Properties
from kg.store.store_file import (
    NODE,
    Record,
    StoreElement,
    StoreWriter,
    check_header,
    iter_store,
    read_graph,
    repair_hint,
)

if TYPE_CHECKING:
    import networkx as nx

    from kg.model.types import Paper

DEFAULT_STORE = "kg-store.jsonl.gz"
LOCK_TIMEOUT = 60.0


def default_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """`path`, else $KG_STORE, else kg-store.jsonl.gz in the current directory."""
    return Path(path or os.environ.get("KG_STORE") or DEFAULT_STORE)


def check_store(path: str | os.PathLike[str]) -> Record:
    """A quick look before long work: the file is there, readable, gzip, and starts with a kg-store header,
    which is returned. (A truncated store is found only by reading it to the end, as `load_graph` does.)"""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no store here; build one with kg build INPUT... --store {path}")
    try:
        with gzip.open(path, "rb") as f:
            first = f.readline(1 << 20)
        obj = json.loads(first.decode("utf-8"))
    except PermissionError:
        raise StoreError(f"{path}: permission denied reading the store; check its permissions") from None
    except IsADirectoryError:
        raise StoreError(f"{path}: is a directory, not a store file; pass the store file path") from None
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile) and exc.errno is not None:
            raise StoreError(f"{path}: cannot read the store: {exc.strerror or exc}; check the path") from None
        raise StoreError(
            f"{path}: store is corrupt at line 1 ({exc.__class__.__name__}); {repair_hint(path)}"
        ) from None
    if not isinstance(obj, dict):
        raise StoreError(f"{path}: store is corrupt at line 1 (ValueError); {repair_hint(path)}")
    check_header(obj, str(path))
    return obj


def load_graph(path: str | os.PathLike[str], *, freeze: bool = False) -> nx.MultiDiGraph:
    """Load a store file.

    A graph is millions of small acyclic containers: the cyclic GC is paused
    while loading (collections would triple the load time). With `freeze`, the
    loaded objects are then frozen out of its reach (`gc.freeze`), so later
    collections do not walk the whole graph again; that moves every live object
    of the process, so only a caller that owns the process asks for it (the CLI).
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no store here; build one with kg build INPUT... --store {path}")
    enabled = gc.isenabled()
    gc.disable()
    try:
        with _reading(path), gzip.open(path, "rb") as f:
            return read_graph(f, str(path))
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def remove_stale_temps(path: str | os.PathLike[str]) -> int:
    """Delete temporary files left beside the store by saves that were killed (SIGKILL, power loss).

    A killed save cannot clean up after itself; each left a partial file as
    big as the store, and they piled up. Only files of this host whose writing
    process no longer exists are removed, so a save still running is never
    touched; `kg build` calls this while it holds the store lock. Returns how
    many files were removed.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    mine = temp_prefix(path, 0).rsplit(".", 2)[0] + "."  # ".<name>.<host>."
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        if not (name.startswith(mine) and name.endswith(".tmp")):
            continue
        pid_text = name[len(mine) :].split(".", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            target = directory / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)  # a killed query-database build's working directory
            else:
                os.unlink(target)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def save_graph(
    g: nx.MultiDiGraph,
    path: str | os.PathLike[str],
    *,
    compresslevel: int = 1,
    _fault: Callable[[gzip.GzipFile], object] | None = None,
) -> None:
    """Write atomically (`store_writer`), through a symlink to the file it names.

    Any failure (disk full, permission denied, read-only file system, a file
    where a directory should be, a value JSON cannot hold) is a one-line
    `StoreError` saying the previous store is intact; the temporary file is removed.
    """
    with store_writer(path, g.graph.get("catalogs"), compresslevel=compresslevel, _fault=_fault) as writer:
        for key, data in g.nodes(data=True):
            writer.node(key, data)
        for u, v, k, data in g.edges(keys=True, data=True):
            writer.relationship(u, v, k, data)


@contextlib.contextmanager
def store_writer(
    path: str | os.PathLike[str],
    catalogs: list[str] | None = None,
    *,
    compresslevel: int = 1,
    _fault: Callable[[gzip.GzipFile], object] | None = None,
) -> Iterator[StoreWriter]:
    """A `StoreWriter` into a new store file at `path`, put in place atomically when the block ends without
    error (`kg.model.files.atomic_output`: a temporary file beside the store, fsync, rename, fsync the
    directory); after an error the previous store is intact and the temporary file removed."""
    with atomic_output(path, binary=True, error=StoreError, option="--store", noun="store", allow_stream=False) as raw:
        try:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=compresslevel, mtime=0) as z:
                if _fault is not None:
                    _fault(z)
                with BackgroundWriter(cast(IO[bytes], z)) as compressing:  # gzip beside the encoding
                    writer = StoreWriter(cast(BufferedIOBase, compressing), catalogs)
                    yield writer
                    writer.close()
        except StoreError as exc:
            raise StoreError(f"{path}: not saved, the previous store is intact: {exc}") from None


@contextlib.contextmanager
def store_lock(path: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive lock beside the store, so two builds never interleave their writes."""
    import fcntl

    lock_path = Path(os.path.realpath(path) + ".lock")  # one lock per store, whichever path reaches it
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot create lock file {lock_path}: {exc.strerror}; "
            "the store is unchanged. Make its directory writable or choose another --store"
        ) from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{path}: another kg process holds the store lock ({lock_path}); "
                        "wait for it to finish and re-run"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class LocalStore:
    """A graph and the file it is kept in (see the module docstring for the format).

    `store.graph` is the NetworkX MultiDiGraph itself.
    """

    def __init__(self, graph: nx.MultiDiGraph | None = None, path: str | os.PathLike[str] | None = None):
        import networkx as nx

        self.graph = graph if graph is not None else nx.MultiDiGraph()
        self.path = default_store_path(path)

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, freeze: bool = False) -> LocalStore:
        """The store at `path` (default: $KG_STORE or kg-store.jsonl.gz), loaded; `freeze` is `load_graph`'s."""
        path = default_store_path(path)
        return cls(load_graph(path, freeze=freeze), path)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        target = default_store_path(path) if path else self.path
        save_graph(self.graph, target)
        return target

    def papers(self) -> list[Paper]:
        """The papers in the store, as read (for merging more input into it)."""
        return [paper_of(d) for _, d in self.graph.nodes(data=True) if Label.PAPER.value in d.get("__labels__", ())]


def paper_of(props: Properties) -> Paper:
    """A paper node's properties as the paper read from the inputs (for merging more input into it)."""
    from kg.model.types import Paper, Source  # here: opening a store for queries needs no pydantic

    sources = [s.rsplit(":", 1) for s in props.get("sources", [])]
    return Paper(
        id=props["id"],
        title=props["title"],
        abstract=props.get("abstract", ""),
        sources=[Source(file=file, line=int(line)) for file, line in sources],
        arxiv_id=props.get("arxiv_id"),
        authors=props.get("authors", []),
        year=props.get("year"),
        url=props.get("url"),
    )


class StoreFile:
    """A store file opened once, to be read as a stream as many times as needed (`elements`), each time the same
    bytes: kg replaces a store by renaming a new file over it, never by writing into it, so the file open here
    stays as it was even when a build replaces the store meanwhile. Use as a context manager.

    Opening it reports a missing, unreadable or directory path as `store_elements` does."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._raw: BinaryIO | None = open(self.path, "rb")  # closed by close()
        except OSError as exc:
            raise _read_error(self.path, exc) from None

    def elements(self, *, relationships: bool = True) -> Iterator[StoreElement]:
        """The file's elements, from its first line, as `store_elements` gives them."""
        if self._raw is None:
            raise ValueError("the store file is closed")
        raw = self._raw
        path = self.path
        node_labels: dict[tuple[str, ...], frozenset[str]] = {}
        try:
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw, mode="rb") as f:
                for element in iter_store(f, str(path), relationships=relationships):
                    if element[0] == NODE:
                        labels = node_labels.get(element[2])
                        if labels is None:
                            labels = node_labels[element[2]] = labels_of(element[2])
                        element[3]["__labels__"] = labels
                    yield element
        except OSError as exc:
            raise _read_error(path, exc) from None

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def __enter__(self) -> StoreFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_error(path: Path, exc: OSError) -> StoreError:
    """An error opening or reading the store file at `path` as one line naming the file and the fix."""
    if isinstance(exc, PermissionError):
        return StoreError(f"{path}: permission denied reading the store; check its permissions")
    if isinstance(exc, IsADirectoryError):
        return StoreError(f"{path}: is a directory, not a store file; pass the store file path")
    if isinstance(exc, FileNotFoundError):
        return StoreError(f"{path}: no store here; build one with kg build INPUT... --store {path}")
    return StoreError(f"{path}: cannot read the store: {exc.strerror or exc}; check the path")


def store_elements(path: str | os.PathLike[str], *, relationships: bool = True) -> Iterator[StoreElement]:
    """The store file at `path` as a stream of `kg.store.store_file.StoreElement`s, in file order, nodes with
    their shared label set in `props["__labels__"]` (as in a loaded graph); checked to its end marker as
    `load_graph` checks it. With `relationships=False` they are counted, not yielded."""
    with StoreFile(path) as f:
        yield from f.elements(relationships=relationships)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """A store file's OSErrors while it is opened and read, as one line each (`_read_error`)."""
    try:
        yield
    except OSError as exc:
        raise _read_error(path, exc) from None


def store_papers(path: str | os.PathLike[str]) -> Iterator[Paper]:
    """The papers of the store file at `path`, in file order, read as a stream (`store_elements`)."""
    for kind, _, labels, props in store_elements(path, relationships=False):
        if kind == NODE and Label.PAPER.value in labels:
            yield paper_of(props)
