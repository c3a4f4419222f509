"""Stores: the local store file (`kg.store.local`), its query database (`kg.store.querydb`) and Neo4j
(`kg.store.neo4j`). `LocalStore` pairs a graph with its file; `kg.api.Store` adds queries on top."""

from kg.store.local import LocalStore, default_store_path, load_graph, save_graph, store_lock

__all__ = ["LocalStore", "default_store_path", "load_graph", "save_graph", "store_lock"]
