"""What the inputs name: files, directories (walked), globs and stdin, each file once; what a walk leaves
out, and why."""

from __future__ import annotations

import glob
import gzip
import os
import stat
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.ingest.decode import GZIP_MAGIC
from kg.ingest.formats import EXTENSIONS
from kg.model.errors import InputError
from kg.model.schema import STORE_FORMAT


@dataclass
class InputFiles:
    """What the inputs name: the files to read (each once), and the directory entries left out, with why."""

    files: list[str] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)


STORE_HEADER = tuple(f'{{"format":{sep}"{STORE_FORMAT}"'.encode() for sep in ("", " "))  # compact or spaced JSON


def _is_kg_store(path: Path) -> bool:
    """A store kg wrote (gzip JSON Lines opening with its format header), not a file of papers."""
    try:
        with open(path, "rb") as raw:
            if raw.read(2) != GZIP_MAGIC:
                return False
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as z:
                return z.read(32).startswith(STORE_HEADER)
    except (OSError, EOFError, zlib.error):
        return False


def _walk_reason(path: Path, also: Collection[str] = ()) -> str | None:
    """Why a directory walk leaves `path` out (None: read it). Files named explicitly are always read; `also`:
    more extensions to read (".parquet" for `kg link --engine spark`)."""
    if path.name.startswith("."):
        return "hidden"
    try:
        st = path.stat()
    except OSError as exc:  # a broken link, a link loop
        return "broken or looping symlink" if path.is_symlink() else f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (device, pipe or socket)"
    ext = os.path.splitext(path.name.removesuffix(".gz"))[1].lower()
    if ext == ".md":
        return "Markdown, taken for documentation in a directory (name the file to read it as a listing)"
    if ext not in EXTENSIONS and ext not in also:
        walked = ", ".join(sorted({e for e in EXTENSIONS if e != ".md"} | set(also)))
        return f"not a paper file extension ({ext or 'none'}; a directory walk reads {walked}, also gzipped)"
    if path.name.endswith(".gz") and _is_kg_store(path):
        return "a kg store, not papers"
    return None


def _walk(directory: Path, found: InputFiles, seen_dirs: set[str], also: Collection[str] = ()) -> None:
    """Depth-first, sorted; symlinked directories are followed once (a loop is reported, not followed)."""
    real = os.path.realpath(directory)
    if real in seen_dirs:
        found.ignored.append((str(directory), "directory already walked (symlink loop)"))
        return
    seen_dirs.add(real)
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        found.ignored.append((str(directory), f"directory cannot be read: {exc.strerror or exc}"))
        return
    for entry in entries:
        reason = _walk_reason(entry, also)
        if reason is not None:
            found.ignored.append((str(entry), reason))
        elif entry.is_dir():
            _walk(entry, found, seen_dirs, also)
        else:
            found.files.append(str(entry))


def expand_inputs(inputs: Iterable[str | os.PathLike[str]], also: Collection[str] = ()) -> InputFiles:
    """Files as given, directories walked (sorted, only paper-file extensions), globs expanded, '-' kept for
    stdin. A file reached by two spellings (`a.jsonl`, `sub/../a.jsonl`, a symlink) is read once. Everything
    a walk leaves out (hidden files, other extensions, devices, link loops, kg's own stores) is listed in
    `ignored`, so it can be counted. `also`: more extensions a walk reads (".parquet" for the Spark engine)."""
    found = InputFiles()
    seen: set[str] = set()

    def add(name: str) -> None:
        key = name if name == "-" else os.path.realpath(name)
        if key in seen:
            found.ignored.append((name, "the same file as an earlier input"))
            return
        seen.add(key)
        found.files.append(name)

    for raw in inputs:
        item = os.fspath(raw)
        if item == "-":
            add(item)
        elif os.path.isdir(item):
            walked = InputFiles()
            _walk(Path(item), walked, set(), also)
            if not walked.files:
                raise InputError(
                    item,
                    None,
                    "directory has no paper files",
                    f"point kg at a directory of {', '.join(sorted(set(EXTENSIONS) | set(also)))} files",
                )
            for name in walked.files:
                add(name)
            found.ignored.extend(walked.ignored)
        elif os.path.exists(item):
            add(item)
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not matches:
                raise InputError(item, None, "pattern matches no files", "check the glob")
            for name in matches:
                add(name)
        else:
            raise InputError(item, None, "no such file or directory", "check the path")
    return found
