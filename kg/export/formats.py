"""One call for any format: `export_graph` (a graph in memory) and `export_store` (`kg export`)."""

from __future__ import annotations

import os
from collections.abc import Callable

import networkx as nx

from kg.export.cypher_script import export_cypher
from kg.export.graphml import export_graphml
from kg.export.jsonl import export_jsonl
from kg.export.neo4j_admin import export_neo4j_admin, export_neo4j_admin_store
from kg.export.report import ExportError, ExportReport
from kg.model.errors import StoreError

FORMATS = ("graphml", "neo4j-admin", "cypher", "jsonl")

_EXPORTERS: dict[str, Callable[[nx.MultiDiGraph, str | os.PathLike[str]], ExportReport]] = {
    "graphml": export_graphml,
    "neo4j-admin": export_neo4j_admin,
    "cypher": export_cypher,
    "jsonl": export_jsonl,
}


def export_graph(g: nx.MultiDiGraph, fmt: str, path: str | os.PathLike[str]) -> ExportReport:
    """Write `g` in `fmt` (one of FORMATS) to `path`; an OSError becomes an ExportError naming the path."""
    if fmt not in _EXPORTERS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return _writing(path, lambda: _EXPORTERS[fmt](g, path))


def _writing(path: str | os.PathLike[str], export: Callable[[], ExportReport]) -> ExportReport:
    try:
        return export()
    except (StoreError, ExportError, BrokenPipeError):  # a closed pipe: the CLI exits quietly
        raise
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot write the export ({exc.strerror or exc}); check the path and free space"
        ) from None


def export_store(
    fmt: str, path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None, *, freeze: bool = False
) -> ExportReport:
    """`kg export`: write the local store (default $KG_STORE) in `fmt` to `path`; `freeze` is `load_graph`'s.

    neo4j-admin reads the store file as a stream (`export_neo4j_admin_store`: bounded memory, the same files);
    the other formats load the graph."""
    from kg.store import LocalStore, default_store_path

    if fmt == "neo4j-admin":
        return _writing(path, lambda: export_neo4j_admin_store(default_store_path(store), path))
    if fmt not in _EXPORTERS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return export_graph(LocalStore.open(store, freeze=freeze).graph, fmt, path)
