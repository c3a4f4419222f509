"""Stores: the local store file (`kg.store.local`), its query database (the package `kg.store.querydb`) and
Neo4j (`kg.store.neo4j`: connection, batching, retries; beside it `neo4j_settings`, `neo4j_errors`,
`neo4j_reports`). `LocalStore` pairs a graph with its file; `kg.api.Store` adds queries on top."""

from kg.store.local import LocalStore, default_store_path, load_graph, save_graph, store_lock

__all__ = ["LocalStore", "default_store_path", "load_graph", "save_graph", "store_lock"]
