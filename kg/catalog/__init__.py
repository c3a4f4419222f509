"""The curated entity catalog: YAML data files (`*.yaml` here) validated into `CatalogEntity` models.

The code is in `entries.py`: reading and checking catalog files, the built-in
catalog, and the alias index the linker resolves against.
"""

from kg.catalog.entries import (
    CATALOG_DIR,
    aliases_of,
    build_index,
    builtin_catalog,
    check_catalog,
    entity_id,
    load_catalog,
    parse_catalog,
    read_catalog_file,
)

__all__ = [
    "CATALOG_DIR",
    "aliases_of",
    "build_index",
    "builtin_catalog",
    "check_catalog",
    "entity_id",
    "load_catalog",
    "parse_catalog",
    "read_catalog_file",
]
