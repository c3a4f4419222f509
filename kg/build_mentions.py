"""`kg build --from-mentions DIR`: the store (and its query database) from `kg link --engine spark`'s Parquet
output, without linking.

`build_from_linked` takes the linked papers as an iterator (`kg.ingest.mentions.iter_linked`: papers in id
order, each with its evidence) and writes them as `kg build` does after linking (`kg.pipeline.GraphOutput`: a
stream into the store file and the query database, no graph in memory), so that the store is the one `kg
build` makes of the same input. It makes a new store: the linker is
corpus-level (names one paper introduces are matched in all the others), so papers linked apart cannot be
merged into a store linked before without linking them together again; a store that holds papers is refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from kg.ingest.mentions import iter_linked, read_manifest
from kg.link.linker import Linker
from kg.model.collector import paused_gc
from kg.model.errors import KGError, StoreError
from kg.model.files import output_target
from kg.model.types import Evidence, Paper
from kg.pipeline import BuildReport, GraphOutput, disk_errors, remove_stale_build_temps
from kg.store.local import check_store, default_store_path, store_elements, store_lock
from kg.store.querydb.paths import query_db_path


def build_from_mentions(
    directory: str | os.PathLike[str], *, store: str | os.PathLike[str] | None = None, query_db: bool = True
) -> BuildReport:
    """`kg build --from-mentions DIR`: a new store from a mention directory (see the module docstring), then its
    query database. The catalogs the papers were linked with (from the directory's manifest) must be readable:
    the graph takes their descriptions, aliases and families."""
    manifest = read_manifest(directory)
    catalogs = [str(c) for c in manifest.get("catalogs", [])]
    for catalog in catalogs:
        if not os.path.isfile(catalog) or not os.access(catalog, os.R_OK):
            raise KGError(
                f"{directory}: the papers were linked with --catalog {catalog}, which cannot be read here; "
                "put it back at that path (its entities' descriptions and families come from it)"
            )
    report = build_from_linked(iter_linked(directory), store=store, catalogs=catalogs, query_db=query_db)
    read = manifest.get("read", {})
    return report.model_copy(
        update={
            "files": read.get("files", 0),
            "records_read": read.get("records_read", 0),
            "skipped": read.get("skipped", 0),
            "skipped_reasons": read.get("skipped_reasons", {}),
            "ignored": read.get("ignored", 0),
            "ignored_reasons": read.get("ignored_reasons", {}),
            "records_merged": read.get("duplicates_merged", 0),
        }
    )


def build_from_linked(
    linked: Iterable[tuple[Paper, list[Evidence]]],
    *,
    store: str | os.PathLike[str] | None = None,
    catalogs: list[str] | None = None,
    query_db: bool = True,
) -> BuildReport:
    """A new store from linked papers in id order, written as a stream and put in place atomically under the
    store's lock, then its query database. `catalogs`: the extra catalog files the papers
    were linked with, recorded in the store as `kg build` records them."""
    started = time.perf_counter()
    path = default_store_path(store)
    output_target(path, error=StoreError, option="--store", allow_stream=False)
    catalog_files = list(catalogs or [])
    with store_lock(path):
        if Path(path).exists():
            check_store(path)
            if next(iter(store_elements(path)), None) is not None:  # its first node, not the whole graph
                raise StoreError(
                    f"{path}: the store already holds papers; --from-mentions makes a new store (papers linked "
                    "apart cannot be merged into it without relinking: link all inputs together), "
                    "so give a new --store"
                )
        stale = remove_stale_build_temps(path, query_db)
        output = GraphOutput(path, catalog_files, query_db)
        try:
            with disk_errors(path, output.work), output.writing(Linker(catalog_files=catalog_files)) as graph:
                paper_count = 0
                with paused_gc():
                    for paper, found in linked:
                        graph.add(paper, found)
                        paper_count += 1
            qdb_seconds, qdb_error = output.finish_query_db()
        finally:
            output.close()
    return BuildReport(
        store=str(path),
        files=0,
        records_read=0,
        skipped=0,
        papers_before=0,
        papers_added=paper_count,
        records_merged=0,
        papers=paper_count,
        **output.graph_counts(),
        seconds=round(time.perf_counter() - started, 3),
        stale_temp_files_removed=stale,
        query_db=str(query_db_path(path)) if query_db and not qdb_error else "",
        query_db_seconds=round(qdb_seconds, 3),
        query_db_error=qdb_error,
        catalogs=catalog_files,
    )
