"""kg: turn ML paper listings into a citation-style knowledge graph.

The Python API mirrors the CLI:

    import kg
    report = kg.build(["data/seeds"], store="kg-store.jsonl.gz")
    store = kg.open_store("kg-store.jsonl.gz")
    store.lookup("megatron lm"); store.query("MATCH (e:Hardware) RETURN e.name")
    store.graph  # the networkx.MultiDiGraph
"""

from kg.model.errors import KGError
from kg.model.version import __version__ as __version__

_LAZY = {"read_papers": "kg.ingest", "EntityType": "kg.model.types", "LinkedPaper": "kg.model.types",
         "Paper": "kg.model.types"}


def __getattr__(name: str):
    """Names imported on first use, so `import kg` (and every kg command) starts fast."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def build(*args, **kwargs):
    """Read, link and save into the store: see `kg.pipeline.build`."""
    from kg.pipeline import build as _build

    return _build(*args, **kwargs)


def open_store(path=None, **kwargs):
    """Open the local store for queries, lookups and stats: see `kg.api.Store`."""
    from kg.api import open_store as _open

    return _open(path, **kwargs)


def link_papers(papers, catalog=(), propagate=True):
    """Link papers to entities: see `kg.link.Linker.link_many`."""
    from kg.api import make_linker

    return make_linker(catalog).link_many(papers, propagate=propagate)


__all__ = ["KGError", "EntityType", "LinkedPaper", "Paper", "build", "link_papers", "open_store", "read_papers"]
