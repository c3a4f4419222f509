"""The query database: a derived on-disk copy of the local store in LadybugDB, an embedded Cypher engine.

The local store (`kg.store.local`, one gzip JSON Lines file) stays the source
of truth. Beside it, `<store>.querydb` holds the same graph in LadybugDB
(`ladybug` on PyPI, the maintained fork of Kùzu), so `kg query`, `kg lookup`
and `kg stats` answer from disk without loading the whole graph into memory.
A database whose stamp does not match the store (changed, replaced, built by
another engine version) or whose file changed since it was built is rebuilt on
first use.

One module per job:
- `embedded`: the engine module, imported on first use, and its name and version.
- `schema`: the node and relationship tables and their property types (graph model and data).
- `stamp`: the stamp (what a database was built from), the checksum sidecar, and the staleness checks.
- `paths`: where a store's database lives (beside it, or in a cache for a read-only directory).
- `build`: writing a database from a graph, atomically.
- `current`: opening it read-only, rebuilding it first when missing, stale or damaged.
"""
