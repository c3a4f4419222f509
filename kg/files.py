"""Where kg's output files go, and how they are written: atomically, through symlinks, never over a device.

Every artifact kg writes (the store, exports, the viewer's HTML) is written to a
temporary file beside its target and renamed over it, so a reader sees the old
file or the new one. Two things that rename must not do: replace a symlink
(the link would become a file and its target silently keep the old content), or
replace a device or pipe (`-o /dev/null` run as root replaced the device node
with a regular file). `output_target` resolves both before anything is written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.errors import KGError

_KINDS = ((stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "pipe (FIFO)"),
          (stat.S_ISSOCK, "socket"))


@dataclass(frozen=True)
class OutputTarget:
    """`path` as given; `real`: the file a write replaces (symlinks followed); `stream`: the target is a device
    or pipe (`/dev/stdout`, `/dev/null`, a FIFO), written in place because it cannot be replaced."""

    path: Path
    real: Path
    stream: bool = False
    kind: str = "file"


def output_target(path: str | os.PathLike, *, error: type[KGError] = KGError, option: str = "-o",
                  allow_stream: bool = True) -> OutputTarget:
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


def write_atomic(path: str | os.PathLike, write: Callable[[IO[str]], object], *, error: type[KGError] = KGError,
                 option: str = "-o", newline: str | None = None) -> OutputTarget:
    """Write text to `path` atomically (temporary file beside the real target, then rename), or straight
    into a device or pipe. On failure the previous file is intact and the temporary file is removed."""
    target = output_target(path, error=error, option=option)
    if target.stream:
        try:
            with open(target.path, "w", encoding="utf-8", newline=newline) as f:
                write(f)
        except BrokenPipeError:
            raise  # a reader that stopped early (`| head`): the CLI exits quietly, as for stdout
        except OSError as exc:
            raise error(f"{target.path}: cannot write: {exc.strerror or exc}") from None
        return target
    directory = target.real.parent
    if not directory.is_dir():
        raise error(f"{target.path}: directory {directory} does not exist; create it or choose another {option}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.real.name}.", suffix=".tmp", dir=directory)
    except PermissionError:
        raise error(f"{target.path}: permission denied writing in {directory}; choose another {option}") from None
    except OSError as exc:
        raise error(f"{target.path}: cannot write in {directory}: {exc.strerror or exc}; "
                    f"choose another {option}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output is an ordinary file
        os.replace(tmp, target.real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise error(f"{target.path}: cannot write: {exc.strerror or exc}; the previous file is intact") from None
        raise
    return target
