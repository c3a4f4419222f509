"""What every export shares: `ExportReport` (what was written), `ExportError`, and its one way to write a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO

from kg.model.errors import KGError
from kg.model.files import write_atomic
from kg.model.types import Strict


class ExportError(KGError):
    """An export that cannot be written."""


class ExportReport(Strict):
    format: str
    path: str
    files: list[str]
    nodes: int
    relationships: int
    import_command: str | None = None
    stale_temp_files_removed: int = 0  # left by exports that were killed, removed before this one


def write_export(
    path: str | os.PathLike[str], write: Callable[[IO[str]], object], *, newline: str | None = None
) -> None:
    """Write one export file atomically (see `kg.model.files.write_atomic`); a failure is an ExportError on -o."""
    write_atomic(path, write, error=ExportError, option="-o", newline=newline)
