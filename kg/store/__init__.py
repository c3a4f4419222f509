"""Stores: the embedded local store (`LocalStore`) and, optionally, Neo4j (`kg.store.neo4j`)."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx

from kg.graph import Label, counts
from kg.models import Paper, Source
from kg.store.local import default_store_path, load_graph, save_graph, store_lock


class LocalStore:
    """A graph kept in one local file; see `kg.store.local` for the format.

    `store.graph` is the NetworkX MultiDiGraph itself.
    """

    def __init__(self, graph: nx.MultiDiGraph | None = None, path: str | os.PathLike | None = None):
        self.graph = graph if graph is not None else nx.MultiDiGraph()
        self.path = default_store_path(path)
        self._index = None

    @classmethod
    def open(cls, path: str | os.PathLike | None = None) -> "LocalStore":
        path = default_store_path(path)
        return cls(load_graph(path), path)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        target = default_store_path(path) if path else self.path
        save_graph(self.graph, target)
        return target

    def papers(self) -> list[Paper]:
        """The papers in the store, as read (for merging more input into it)."""
        out = []
        for _, d in self.graph.nodes(data=True):
            if Label.PAPER.value not in d.get("__labels__", ()):
                continue
            sources = [Source(file=s.rsplit(":", 1)[0], line=int(s.rsplit(":", 1)[1])) for s in d.get("sources", [])]
            out.append(Paper(id=d["id"], title=d["title"], abstract=d.get("abstract", ""), sources=sources,
                             arxiv_id=d.get("arxiv_id"), authors=d.get("authors", []), year=d.get("year"),
                             url=d.get("url")))
        return out

    def lookup(self, name: str, *, limit: int = 10):
        from kg.lookup import EntityIndex, lookup

        if self._index is None:
            self._index = EntityIndex.build(self.graph)
        return lookup(self.graph, name, index=self._index, limit=limit)

    def query(self, cypher: str, params: dict | None = None):
        from kg.query import run_local

        return run_local(self.graph, cypher, params)

    def named_query(self, name: str, params: dict | None = None):
        """Run a named query; entity and paper parameters are resolved like `lookup` first."""
        from kg.lookup import EntityIndex
        from kg.query import get_named_query, resolve_params

        q = get_named_query(name)
        if self._index is None:
            self._index = EntityIndex.build(self.graph)
        return self.query(q.cypher, resolve_params(self.graph, q, params or {}, self._index))

    def stats(self, top: int = 5) -> dict:
        from kg.lookup import mention_count

        result = counts(self.graph)
        tops: dict[str, list] = {}
        for node, d in self.graph.nodes(data=True):
            if Label.ENTITY.value in d.get("__labels__", ()):
                tops.setdefault(d["type"], []).append((mention_count(self.graph, node), d["name"]))
        result["top_entities"] = {t: [{"name": n, "papers": c} for c, n in sorted(v, key=lambda x: (-x[0], x[1]))[:top]]
                                  for t, v in sorted(tops.items())}
        return result

    def to_pyvis(self, **kwargs):
        from kg.viz import to_pyvis

        return to_pyvis(self.graph, **kwargs)


def open_store(path: str | os.PathLike | None = None) -> LocalStore:
    """Open the local store at `path` (default: $KG_STORE or kg-store.jsonl.gz)."""
    return LocalStore.open(path)


__all__ = ["LocalStore", "open_store", "store_lock", "default_store_path"]
