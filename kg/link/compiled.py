"""The compiled catalog: the linker's tables built from the catalog's entities, kept between runs.

Building them (reading ~800 kB of YAML, validating ~4,200 entities, the alias
automaton and the resolver's tables) takes about 0.6 s; a one-abstract
`kg link` would spend nearly all its time there. So the first run pickles the
tables into the user's cache (`kg.model.files.cache_dirs`), and later runs
load them in ~0.05 s.

A cache entry is named by a SHA-256 of everything the tables are made from:
the catalog files' bytes (built-in and --catalog), the source of the modules
that build them (kg/link, kg/catalog, kg/model), kg's and Python's versions,
the automaton library's version and the config fields compilation reads
(`COMPILE_FIELDS`). Any change gives a new name, so a stale entry is never
read; a damaged or unreadable one is rebuilt. A cache that cannot be written
costs only time. Only files the user owns, in a directory only they can write,
are unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kg.catalog import CATALOG_DIR, aliases_of, build_index, load_catalog
from kg.link.config import LinkerConfig
from kg.link.detect import DictionaryMatcher, fold, make_rule
from kg.link.resolve import Resolver
from kg.model.collector import paused_gc
from kg.model.errors import KGError
from kg.model.files import atomic_output, cache_dirs
from kg.model.text import match_key, spaced_key
from kg.model.types import CatalogEntity
from kg.model.version import __version__

FORMAT = 1
"""Bumped when the pickled layout changes in a way the source hash would not show."""

COMPILE_FIELDS = ("short_alias", "catalog_confidence", "fuzzy_cutoff")
"""The `LinkerConfig` fields the compiled tables depend on; a loaded catalog takes the rest from the caller's
config (tests/test_compiled.py checks that no other field changes what is compiled)."""

KEEP = 8
"""Cache entries kept per directory, newest first: one per catalog and config a user links with."""

SUBDIR = "compiled-catalog"
SOURCE_PACKAGES = ("link", "catalog", "model")
"""kg's subpackages whose source makes the tables (their *.py and the catalog's *.yaml go in the key)."""

CatalogInfo = tuple[str, str, str, float, str | None]
"""An entity as a `kg.link.analysis.EntityInfo` takes it: (name, type, origin, confidence, parent id)."""


@dataclass
class CompiledCatalog:
    """The linker's catalog tables. `by_id`: id -> entity; `by_alias`: match key -> ids; `parents`: id ->
    parent id; `catalog_info`: id -> EntityInfo fields; `hit_info`: id -> (len(name), type, folded name)."""

    by_id: dict[str, CatalogEntity]
    by_alias: dict[str, list[str]]
    parents: dict[str, str]
    catalog_info: dict[str, CatalogInfo]
    hit_info: dict[str, tuple[int, str, str]]
    matcher: DictionaryMatcher
    resolver: Resolver


def compile_catalog(entities: Iterable[CatalogEntity], config: LinkerConfig) -> CompiledCatalog:
    """The tables for `entities` (later entries with the same id replace earlier ones, as in `load_catalog`),
    the resolver's fuzzy index included."""
    by_id, by_alias = build_index(entities)
    parents: dict[str, str] = {}
    name_to_id = {match_key(e.name): eid for eid, e in by_id.items()}
    for eid, e in by_id.items():
        if e.parent:
            pid = e.parent if e.parent in by_id else name_to_id.get(match_key(e.parent))
            if pid and pid != eid:
                parents[eid] = pid
    catalog_info = {
        eid: (e.name, e.type.value, "catalog", config.catalog_confidence, parents.get(eid)) for eid, e in by_id.items()
    }
    hit_info = {eid: (len(e.name), e.type.value, fold(e.name)) for eid, e in by_id.items()}
    rules = []
    spaced: dict[str, list[str]] = {}
    exact_forms: dict[str, list[tuple[str, str | None]]] = {}
    for eid, e in by_id.items():
        for a in aliases_of(e):
            rule = make_rule(eid, a.text, a.case, a.context, a.veto_next, short_alias=config.short_alias)
            rules.append(rule)
            spaced.setdefault(spaced_key(a.text), []).append(eid)
            exact_forms.setdefault(match_key(a.text), []).append((eid, rule.exact))
    resolver = Resolver(by_alias, spaced, exact_forms=exact_forms, config=config)
    resolver.fuzzy  # noqa: B018 (built now, so it is cached too: ~0.12 s to build, ~0.03 s to load)
    return CompiledCatalog(by_id, by_alias, parents, catalog_info, hit_info, DictionaryMatcher(rules), resolver)


def load_compiled(catalog_files: Sequence[str | Path], config: LinkerConfig) -> CompiledCatalog:
    """The compiled built-in catalog plus `catalog_files`, from the cache when an entry for exactly these
    inputs is there, else built (a `kg.model.errors.CatalogError` for a bad file) and cached."""
    key = cache_key(catalog_files, config)  # reads the files: a missing one is reported by load_catalog below
    directory = _cache_directory()
    path = directory / f"{key}.pickle" if directory is not None and key is not None else None
    compiled = _read_entry(path, config) if path is not None else None
    if compiled is None:
        with paused_gc():  # reading and compiling make ~300,000 small objects, none of them cyclic garbage
            compiled = compile_catalog(load_catalog(catalog_files), config)
        if path is not None:
            _write_entry(path, compiled)
    return compiled


def cache_key(catalog_files: Sequence[str | Path], config: LinkerConfig) -> str | None:
    """The SHA-256 naming the cache entry of these inputs (see the module docstring); None when a file
    cannot be read (then nothing is cached, and reading the catalog reports the problem)."""
    digest = hashlib.sha256()
    try:
        automaton = version("pyahocorasick")
    except PackageNotFoundError:
        automaton = "unknown"
    fields = {name: getattr(config, name) for name in COMPILE_FIELDS}
    digest.update(repr((FORMAT, __version__, sys.version, automaton, pickle.HIGHEST_PROTOCOL, fields)).encode())
    package = CATALOG_DIR.parent
    sources = [p for sub in SOURCE_PACKAGES for p in sorted((package / sub).rglob("*.py"))]
    sources += sorted(CATALOG_DIR.glob("*.yaml"))
    try:
        for source in sources:
            digest.update(source.read_bytes())
        for extra in catalog_files:
            data = Path(extra).read_bytes()
            digest.update(len(data).to_bytes(8, "little") + data)
    except OSError:
        return None
    return digest.hexdigest()


def _cache_directory() -> Path | None:
    """The first cache directory that exists or can be made, and that only this user can write."""
    for base in cache_dirs():
        directory = base / SUBDIR
        with contextlib.suppress(OSError):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if _owned_and_private(directory) and os.access(directory, os.W_OK):
                return directory
    return None


def _owned_and_private(path: Path) -> bool:
    """Whether this user owns `path` and nobody else may write it: only then may a pickle in it be loaded
    (a pickle runs code, and a shared /tmp lets another user plant one)."""
    st = path.lstat()
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not stat.S_ISLNK(st.st_mode)


def _read_entry(path: Path, config: LinkerConfig) -> CompiledCatalog | None:
    """The entry at `path`, or None when there is none or it cannot be trusted or read (it is then rebuilt)."""
    try:
        if not _owned_and_private(path):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    try:
        with paused_gc():  # ~150,000 small objects: collections during the load would triple its time
            compiled = pickle.loads(data)
    except Exception:  # a damaged or truncated entry, or one whose classes moved: build the tables again
        return None
    if not isinstance(compiled, CompiledCatalog):
        return None
    compiled.resolver.config = config  # the fields not in COMPILE_FIELDS are the caller's
    return compiled


def _write_entry(path: Path, compiled: CompiledCatalog) -> None:
    """Write the entry atomically, then drop all but the `KEEP` newest; a failure only costs the next run time."""
    try:
        with atomic_output(path, binary=True, allow_stream=False) as f:
            pickle.dump(compiled, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(path, 0o600)
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except (KGError, OSError):
        return
