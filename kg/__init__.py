"""kg: turn ML paper listings into a citation-style knowledge graph.

The Python API mirrors the CLI:

    import kg
    report = kg.build(["data/seeds"], store="kg-store.jsonl.gz")
    store = kg.open_store("kg-store.jsonl.gz")
    store.lookup("megatron lm"); store.query("MATCH (e:Hardware) RETURN e.name")
    store.graph  # the networkx.MultiDiGraph
"""

from kg.errors import KGError
from kg.ingest import read_papers
from kg.models import EntityType, LinkedPaper, Paper
from kg.version import __version__ as __version__


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
