"""The embedded local store: the graph as a NetworkX MultiDiGraph, persisted to one file.

File format (version 1): gzip-compressed JSON Lines.
  line 1   {"format": "kg-store", "version": 1, "kg": "<kg version>"}
  nodes    {"n": "<node key>", "labels": [...], "props": {...}}
  edges    {"r": ["<from key>", "<to key>", "<TYPE>"], "props": {...}}
  last     {"end": true, "nodes": N, "relationships": M}
The last line makes a truncated file detectable. Saves are atomic: the file is
written beside the store under a temporary name, flushed and fsynced, then
renamed over the old one, so an interrupted save leaves the old store intact.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import json
import os
import shlex
import shutil
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from io import BufferedIOBase
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from kg.graph import REL_LABELS, SharedValues, compact_mention, labels_of
from kg.model.errors import StoreError
from kg.model.files import atomic_output, temp_prefix
from kg.model.types import STORE_FORMAT, Label, Paper, Properties, Source

if TYPE_CHECKING:
    import networkx as nx

FORMAT = STORE_FORMAT
VERSION = 1
DEFAULT_STORE = "kg-store.jsonl.gz"
LOCK_TIMEOUT = 60.0

Record: TypeAlias = dict[str, Any]
"""One line of a store file, a JSON object. Any, because its values are whatever JSON holds."""


def default_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """`path`, else $KG_STORE, else kg-store.jsonl.gz in the current directory."""
    return Path(path or os.environ.get("KG_STORE") or DEFAULT_STORE)


def _jsonable(props: Properties) -> Properties:
    return {k: (sorted(v) if isinstance(v, (set, frozenset)) else v) for k, v in props.items() if k != "__labels__"}


def _element(obj: Record) -> str:
    if "n" in obj:
        return f"node {obj['n']!r}"
    if "r" in obj:
        return f"relationship {obj['r']!r}"
    return "store header"


def write_graph(g: nx.MultiDiGraph, stream: BufferedIOBase) -> None:
    """Write `g` in the store format to a binary stream (gzip is applied by the caller)."""
    from kg.model.version import __version__

    def line(obj: Record) -> None:
        # A value JSON cannot hold (a set inside a property, an object, an int of 4300+ digits) or a string
        # with a lone surrogate (no UTF-8 form; possible in a graph made through the Python API) used to
        # escape as a raw TypeError/UnicodeEncodeError. It is a StoreError naming the node or relationship;
        # the save is abandoned, so the previous store stays as it was. Surrogates are refused rather than
        # escaped: JSON would read "\\ud800\\udc00" back as one other character, a silent change.
        try:
            data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise StoreError(
                f"{_element(obj)}: text holds an unpaired UTF-16 surrogate "
                f"\\u{ord(exc.object[exc.start]):04x}; the store keeps UTF-8 text only (fix the value)"
            ) from None
        except (TypeError, ValueError) as exc:
            raise StoreError(
                f"{_element(obj)}: a property cannot be stored as JSON ({exc}); "
                "use strings, numbers, booleans, lists and maps"
            ) from None
        stream.write(data)
        stream.write(b"\n")

    header: Record = {"format": FORMAT, "version": VERSION, "kg": __version__}
    if g.graph.get("catalogs"):
        header["catalogs"] = list(g.graph["catalogs"])
    line(header)
    for key, data in g.nodes(data=True):
        line({"n": key, "labels": sorted(data.get("__labels__", ())), "props": _jsonable(data)})
    for u, v, k, data in g.edges(keys=True, data=True):
        line({"r": [u, v, k], "props": _jsonable(data)})
    line({"end": True, "nodes": g.number_of_nodes(), "relationships": g.number_of_edges()})


def check_header(obj: Record, source: str) -> None:
    if obj.get("format") != FORMAT:
        raise StoreError(f"{source}: not a kg store (no kg-store header); point --store at a file made by kg build")
    if not isinstance(obj.get("version"), int) or obj["version"] > VERSION:
        raise StoreError(
            f"{source}: store format version {obj.get('version')} is newer than this kg "
            f"supports ({VERSION}); upgrade kg"
        )
    catalogs = obj.get("catalogs", [])
    if not isinstance(catalogs, list) or not all(isinstance(c, str) for c in catalogs):
        raise StoreError(
            f'{source}: store is corrupt at line 1 (its "catalogs" is not a list of paths); {repair_hint(source)}'
        )


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


def repair_hint(path: str | os.PathLike[str]) -> str:
    """The exact commands that repair a damaged store: keep it aside (for a bug report), build it again.

    "Rebuild it with kg build" did not work: kg build merges into the store, so it read the damaged file
    and stopped with the same error."""
    quoted = shlex.quote(str(path))
    return (
        f"move it aside and build it again from your inputs: mv {quoted} {quoted}.damaged && "
        f"kg build INPUT... --store {quoted}"
    )


def read_graph(lines: Iterable[bytes | str], source: str) -> nx.MultiDiGraph:
    """Parse the store format from an iterable of byte lines."""
    import networkx as nx

    g = nx.MultiDiGraph()
    number = 0
    header: Record | None = None
    end: Record | None = None
    stream = iter(lines)
    # CPython's decoder has scan_once (str, index) -> (value, end); typeshed does not declare it.
    scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    intern = sys.intern  # node keys and property names: one string object each, not one per line
    node_labels: dict[tuple[str, ...], frozenset[str]] = {}
    shared = SharedValues()
    try:
        while True:
            number += 1
            raw = next(stream, None)
            if raw is None:
                break
            obj, _ = scan_once(raw.decode("utf-8") if isinstance(raw, bytes) else raw, 0)
            if not isinstance(obj, dict):
                raise ValueError("line is not a JSON object")
            if number == 1:
                header = obj
                check_header(obj, source)
                if obj.get("catalogs"):
                    g.graph["catalogs"] = list(obj["catalogs"])
                continue
            if "n" in obj:
                props = {intern(k): v for k, v in obj["props"].items()}
                key = tuple(obj["labels"])
                labels = node_labels.get(key)
                if labels is None:
                    labels = node_labels[key] = labels_of(key)
                props["__labels__"] = labels
                g.add_node(intern(obj["n"]), **props)
            elif "r" in obj:
                u, v, k = obj["r"]
                u, v = intern(u), intern(v)
                props = {intern(name): value for name, value in obj["props"].items()}
                props["__labels__"] = REL_LABELS.get(k) or labels_of((k,))
                if k == "MENTIONS":
                    compact_mention(props, shared)
                g.add_edge(u, v, key=k, **props)
            elif obj.get("end"):
                end = obj
            else:
                raise ValueError("unknown record")
    except StoreError:
        raise
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        StopIteration,
        EOFError,
        OSError,
        zlib.error,
    ) as exc:  # scan_once raises StopIteration on a line that is not JSON at all
        raise StoreError(
            f"{source}: store is corrupt at line {number} ({exc.__class__.__name__}); {repair_hint(source)}"
        ) from None
    if header is None:
        raise StoreError(f"{source}: store is empty; {repair_hint(source)}")
    if end is None or end.get("nodes") != g.number_of_nodes() or end.get("relationships") != g.number_of_edges():
        raise StoreError(
            f"{source}: store is truncated or corrupt (end marker missing or counts differ); {repair_hint(source)}"
        )
    return g


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
        with gzip.open(path, "rb") as f:
            return read_graph(f, str(path))
    except PermissionError:
        raise StoreError(f"{path}: permission denied reading the store; check its permissions") from None
    except IsADirectoryError:
        raise StoreError(f"{path}: is a directory, not a store file; pass the store file path") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store: {exc.strerror or exc}; check the path") from None
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
    """Write atomically (`kg.model.files.atomic_output`: a temporary file beside the store, fsync, rename, fsync the
    directory), through a symlink to the file it names.

    Any failure (disk full, permission denied, read-only file system, a file
    where a directory should be, a value JSON cannot hold) is a one-line
    `StoreError` saying the previous store is intact; the temporary file is removed.
    """
    with atomic_output(path, binary=True, error=StoreError, option="--store", noun="store", allow_stream=False) as raw:
        try:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=compresslevel, mtime=0) as z:
                if _fault is not None:
                    _fault(z)
                write_graph(g, z)
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
        out = []
        for _, d in self.graph.nodes(data=True):
            if Label.PAPER.value not in d.get("__labels__", ()):
                continue
            sources = [Source(file=s.rsplit(":", 1)[0], line=int(s.rsplit(":", 1)[1])) for s in d.get("sources", [])]
            out.append(
                Paper(
                    id=d["id"],
                    title=d["title"],
                    abstract=d.get("abstract", ""),
                    sources=sources,
                    arxiv_id=d.get("arxiv_id"),
                    authors=d.get("authors", []),
                    year=d.get("year"),
                    url=d.get("url"),
                )
            )
        return out
