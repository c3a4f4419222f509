"""Where kg's output files go, and how they are written: atomically, through symlinks, never over a device.

Every artifact kg writes (the store, its query database and checksum, exports,
the viewer's HTML) is written to a temporary file beside its target, flushed to
disk and renamed over it (`atomic_output`, or `durable_replace` for a file an
engine wrote), so a reader sees the old file or the new one, even after a
crash or a power loss. Two things that rename must not do: replace a symlink
(the link would become a file and its target silently keep the old content), or
replace a device or pipe (`-o /dev/null` run as root replaced the device node
with a regular file). `output_target` resolves both before anything is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kg.model.errors import KGError

_KINDS = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "pipe (FIFO)"),
    (stat.S_ISSOCK, "socket"),
)


@dataclass(frozen=True)
class OutputTarget:
    """`path` as given; `real`: the file a write replaces (symlinks followed); `stream`: the target is a device
    or pipe (`/dev/stdout`, `/dev/null`, a FIFO), written in place because it cannot be replaced."""

    path: Path
    real: Path
    stream: bool = False
    kind: str = "file"


def output_target(
    path: str | os.PathLike[str], *, error: type[KGError] = KGError, option: str = "-o", allow_stream: bool = True
) -> OutputTarget:
    """Resolve where a write to `path` goes; raise `error` (one line naming `option`) where it cannot go.

    A directory is refused; a device, pipe or socket is written in place when `allow_stream`, else refused
    (a store must be a regular file). A dangling symlink resolves to the file it names, which is created.
    """
    given = Path(path)
    try:
        st = os.stat(given)  # follows symlinks: /dev/stdout is the terminal or pipe behind it
    except OSError:  # not there (or not reachable): the write itself reports what is wrong
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise error(f"{given}: is a directory; give a file name, e.g. {option} {given / 'out'}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "special file")
        if not allow_stream:
            raise error(f"{given}: is a {kind}, not a regular file; choose a file path for {option}")
        return OutputTarget(given, given, stream=True, kind=kind)
    return OutputTarget(given, Path(os.path.realpath(given)))


def temp_prefix(path: Path, pid: int | None = None) -> str:
    """Temporary files of a write are `.<name>.<host>.<pid>.<random>.tmp`, so a later run can tell whose they
    are (`kg.store.local.remove_stale_temps` removes those of dead processes)."""
    host = socket.gethostname().replace(".", "_") or "host"
    return f".{path.name}.{host}.{os.getpid() if pid is None else pid}."


def file_mode(path: Path) -> int:
    """The permission bits a rewritten file gets: those of the file it replaces, else 0666 less the umask.

    mkstemp creates its file 0600 and the rename kept that, so every save made a
    shared store private to the user who saved it."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def durable_replace(written: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Put a finished file in place: flush it to disk, rename it over `target`, then flush the directory entry.

    The only rename kg does; an OSError is the caller's to report."""
    with open(written, "rb") as f:
        os.fsync(f.fileno())
    os.replace(written, target)
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(Path(target).parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _writer(file: int | Path, binary: bool, newline: str | None) -> IO[Any]:
    """The file (a path, or a descriptor it then owns) opened for writing: bytes, or UTF-8 text."""
    if isinstance(file, int):  # os.fdopen, where the fault tests inject a full disk
        return os.fdopen(file, "wb") if binary else os.fdopen(file, "w", encoding="utf-8", newline=newline)
    return open(file, "wb") if binary else open(file, "w", encoding="utf-8", newline=newline)


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str],
    *,
    binary: bool = False,
    newline: str | None = None,
    error: type[KGError] = KGError,
    option: str = "-o",
    noun: str = "file",
    allow_stream: bool = True,
) -> Iterator[IO[Any]]:
    """Yield a file to write `path` through: a temporary file beside the real target (symlinks followed),
    renamed over it by `durable_replace` when the block ends; or the device or pipe itself, written in place.

    If the block raises, or the write fails, the temporary file is removed and
    the previous `noun` is intact; a failed write is `error`, one line naming
    `path`, what went wrong and what to do (`option` is the option that named
    the path). A device is refused unless `allow_stream`.
    """
    target = output_target(path, error=error, option=option, allow_stream=allow_stream)
    shown = target.path
    if target.stream:
        try:
            with _writer(target.path, binary, newline) as f:
                yield f
        except BrokenPipeError:
            raise  # a reader that stopped early (`| head`): the CLI exits quietly, as for stdout
        except OSError as exc:
            raise error(f"{shown}: cannot write: {exc.strerror or exc}") from None
        return
    directory = target.real.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target.real), suffix=".tmp", dir=directory)
    except FileNotFoundError:
        raise error(f"{shown}: directory {directory} does not exist; create it or choose another {option}") from None
    except PermissionError:
        raise error(f"{shown}: permission denied writing in {directory}; choose another {option}") from None
    except OSError as exc:
        raise error(
            f"{shown}: cannot write in {directory}: {exc.strerror or exc}; the previous {noun} is intact. "
            f"Choose another {option}"
        ) from None
    try:
        os.fchmod(fd, file_mode(target.real))
        with _writer(fd, binary, newline) as f:
            yield f
        durable_replace(tmp, target.real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise error(
                f"{shown}: disk full while saving; the previous {noun} is intact. Free space and re-run"
            ) from None
        if isinstance(exc, PermissionError):
            raise error(f"{shown}: permission denied while saving; the previous {noun} is intact") from None
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise error(
                f"{shown}: cannot save the {noun}: {exc.strerror or exc}; the previous {noun} is intact"
            ) from None
        raise


class WorkDirectory:
    """A private directory (0700) beside `beside` for a run's temporary files, made when first asked for
    (`path`), so a small run writes nothing there; named like `beside`'s temporary files, so that
    `kg.store.local.remove_stale_temps` removes one a killed run left. `remove` removes it with everything
    in it. Beside the store, not in /tmp: that disk must take the store anyway, and /tmp is often a
    RAM-backed tmpfs."""

    def __init__(self, beside: str | os.PathLike[str], error: type[KGError] = KGError, option: str = "--store"):
        self.beside, self.error, self.option = Path(beside), error, option
        self.made: str | None = None

    def path(self, name: str = "") -> str:
        """The directory (made now if need be), or `name` in it."""
        if self.made is None:
            directory = self.beside.parent
            try:
                self.made = tempfile.mkdtemp(prefix=temp_prefix(self.beside), suffix=".tmp", dir=str(directory))
            except FileNotFoundError:
                raise self.error(
                    f"{self.beside}: directory {directory} does not exist; create it or choose another {self.option}"
                ) from None
            except PermissionError:
                raise self.error(
                    f"{self.beside}: permission denied writing in {directory}; choose another {self.option}"
                ) from None
            except OSError as exc:
                raise self.error(f"{self.beside}: cannot write in {directory}: {exc.strerror or exc}") from None
        return os.path.join(self.made, name) if name else self.made

    def remove(self) -> None:
        if self.made is not None:
            shutil.rmtree(self.made, ignore_errors=True)
            self.made = None


def write_atomic(
    path: str | os.PathLike[str],
    write: Callable[[IO[str]], object],
    *,
    error: type[KGError] = KGError,
    option: str = "-o",
    newline: str | None = None,
) -> None:
    """Write text to `path` through `atomic_output`: `write(f)` fills the file."""
    with atomic_output(path, newline=newline, error=error, option=option) as f:
        write(f)


def cache_dirs() -> list[Path]:
    """Where kg may keep caches (a read-only store's query database, the compiled catalog), in order of
    preference: $KG_CACHE_DIR, $XDG_CACHE_HOME/kg or ~/.cache/kg, then a per-user directory in the temp dir."""
    out = []
    if os.environ.get("KG_CACHE_DIR"):
        out.append(Path(os.environ["KG_CACHE_DIR"]))
    base = os.environ.get("XDG_CACHE_HOME")
    with contextlib.suppress(RuntimeError, KeyError):
        base = base or str(Path.home() / ".cache")
    if base:
        out.append(Path(base) / "kg")
    out.append(Path(tempfile.gettempdir()) / f"kg-cache-{os.getuid()}")
    return out


class BackgroundWriter:
    """Writes to `stream` from a thread of its own, a block at a time, so that what `stream.write` does
    without the interpreter lock (gzip's deflate and CRC, the file's write) runs beside the caller's Python
    work: on two cores `kg build` writes its store while it encodes the next lines.

    `write` takes whole blocks (the caller buffers; `StoreWriter` hands over ~1 MiB at a time) and returns
    at once unless `QUEUED_BLOCKS` wait already. A failure in the thread (a full disk) is raised by the next
    `write` or by `close`. Use it as a context manager: on leaving with an exception, what is queued is
    dropped and the thread ended; otherwise everything is written before the block ends.
    """

    QUEUED_BLOCKS = 4

    def __init__(self, stream: IO[bytes]) -> None:
        import queue
        import threading

        self.stream = stream
        self.queue: queue.Queue[bytes | None] = queue.Queue(self.QUEUED_BLOCKS)
        self.error: BaseException | None = None
        self.dropping = False  # after a failure in the caller: what is queued is not written
        self.thread = threading.Thread(target=self._run, name="kg-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            block = self.queue.get()
            if block is None:
                return
            if self.error is None and not self.dropping:
                try:
                    self.stream.write(block)
                except BaseException as exc:  # raised in the caller's thread (`_raise`)
                    self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def write(self, block: bytes) -> None:
        self._raise()
        self.queue.put(block)

    def close(self) -> None:
        """Wait until everything queued is written; a failure in the thread is raised here."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        self._raise()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
            return
        self.dropping = True
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
