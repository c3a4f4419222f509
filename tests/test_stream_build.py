"""`kg build` as a stream (`kg.pipeline`, `kg.graph.stream`, `kg.ingest.paper_table`): the store file is byte
for byte the one the in-memory graph gave, whether the papers and relationships wait in memory or on disk;
no NetworkX graph ever holds a paper while building; the papers table keeps `read_papers`' and
`merge_papers`' identity rules; the query database loaded in parts answers as one loaded whole; and the
build's temporary files are gone after success and failure alike."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import networkx as nx
import pytest
from conftest import INPUTS, SEEDS, kg_cli

import kg
from kg.graph import GraphBuilder
from kg.graph import stream as graph_stream
from kg.ingest import paper_table, read_papers
from kg.ingest.paper_table import PaperTable
from kg.ingest.read import PaperList, merge_into, merge_papers, read_into
from kg.link import Linker
from kg.link.corpus import link_corpus
from kg.link.evidence import evidence
from kg.model.schema import Label
from kg.store.local import LocalStore, load_graph, save_graph
from kg.store.querydb import build as querydb_build


def in_memory_store(inputs: list[Path], path: Path, existing: Path | None = None) -> bytes:
    """The store bytes the in-memory path made before the stream: every paper in a `GraphBuilder`'s graph,
    then `save_graph` (the reference the stream must equal)."""
    linker = Linker()
    papers = read_papers(inputs).papers
    if existing is not None:
        papers, _, _ = merge_papers(LocalStore(load_graph(existing)).papers(), papers)
    papers.sort(key=lambda p: p.id)
    builder = GraphBuilder(linker)
    for p in papers:
        builder.add_paper(p)
    records = [(p.id, p.title, p.abstract) for p in papers]
    position = 0
    for part in link_corpus(records, linker, evidence):
        for found in part:
            builder.add_evidence(records[position][0], found)
            position += 1
    save_graph(builder.finish(), path)
    return path.read_bytes()


def assert_same_answers(store: Path, reference: Path) -> None:
    """The two stores' query databases answer alike: node counts, mentions, citations and families."""
    queries = [
        "MATCH (n) RETURN labels(n)[0] AS label, count(*), count(n.id) ORDER BY label",
        "MATCH (p:Paper) RETURN count(p), count(p.abstract)",
        "MATCH (p:Paper)-[m:MENTIONS]->(e:Entity) RETURN e.name, count(*), sum(m.count) ORDER BY e.name",
        "MATCH (a:Paper)-[c:CITES]->(b:Paper) RETURN a.id, b.id, c.via ORDER BY a.id, b.id",
        "MATCH (e:Entity)-[:VARIANT_OF]->(f:Entity) RETURN e.id, f.id ORDER BY e.id, f.id",
    ]
    with kg.open_store(store) as built, kg.open_store(reference) as shared:
        for q in queries:
            assert built.query(q).rows == shared.query(q).rows, q


@pytest.fixture
def on_disk(monkeypatch):
    """Every paper table and every relationship spool moves to disk at once (as past 10,000 papers)."""
    monkeypatch.setattr(paper_table, "PAPERS_IN_MEMORY", 1)
    monkeypatch.setattr(PaperTable.__init__, "__defaults__", (None, 1))
    monkeypatch.setattr(graph_stream, "SPOOL_PAST", 0)


@pytest.mark.parametrize("where", ["in memory", "on disk"])
def test_the_streamed_store_is_the_in_memory_one_byte_for_byte(request, tmp_path, where):
    if where == "on disk":
        request.getfixturevalue("on_disk")
    kg.build([SEEDS], store=tmp_path / "s.jsonl.gz")
    assert (tmp_path / "s.jsonl.gz").read_bytes() == in_memory_store([SEEDS], tmp_path / "ref.jsonl.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ref.jsonl.gz",
        "s.jsonl.gz",
        "s.jsonl.gz.lock",
        "s.jsonl.gz.querydb",
        "s.jsonl.gz.querydb.sha256",
    ]


@pytest.mark.parametrize("where", ["in memory", "on disk"])
def test_a_merge_into_a_store_is_the_in_memory_one_byte_for_byte(request, sample_store, tmp_path, where):
    if where == "on disk":
        request.getfixturevalue("on_disk")
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(sample_store.read_bytes())
    more = [INPUTS / "cites_gpipe.jsonl", INPUTS / "papers.jsonl", INPUTS / "arxiv.jsonl"]
    report = kg.build(more, store=store)
    assert report.papers_before == 531 and report.papers_added > 0 and report.records_merged > 0
    assert store.read_bytes() == in_memory_store(more, tmp_path / "ref.jsonl.gz", existing=sample_store)


def test_no_graph_holds_a_paper_while_building(monkeypatch, tmp_path):
    """The old build added every paper to one NetworkX graph (~6 GB at a million papers); now only the
    entities' small graph is built. A paper node added to any graph during the build fails this test."""
    added: list[str] = []
    add_node = nx.MultiDiGraph.add_node

    def watching(self, key, **attrs):
        if Label.PAPER.value in attrs.get("__labels__", ()):
            added.append(key)
        return add_node(self, key, **attrs)

    monkeypatch.setattr(nx.MultiDiGraph, "add_node", watching)
    report = kg.build([SEEDS], store=tmp_path / "s.jsonl.gz", workers=2)
    assert report.papers == 531 and added == []
    monkeypatch.undo()
    assert load_graph(tmp_path / "s.jsonl.gz").number_of_nodes() == report.nodes


RECORDS = [  # identity chains: a later record joins two papers' keys through an arXiv id filled on a merge
    {"title": "Alpha", "abstract": ""},
    {"title": "Alpha", "abstract": "Alpha on A100s.", "arxiv_id": "2401.00001", "year": 2024},
    {"title": "Beta", "arxiv_id": "2401.00001", "abstract": "Beta."},
    {"title": "Gamma", "arxiv_id": "2401.00002"},
    {"title": "gamma!", "abstract": "Gamma again, with LoRA.", "url": "https://example.org/g"},
    {"title": "Delta", "authors": ["A. Author"], "categories": ["cs.LG"]},
    {"title": "DELTA", "authors": ["B. Author"], "arxiv_id": "2401.00003"},
    {"title": "Epsilon", "arxiv_id": "2401.00003"},
]


def _papers(index) -> list[dict]:
    papers = index.papers if isinstance(index, PaperList) else list(index.in_order())
    return [p.model_dump() for p in papers]


def test_the_papers_table_keeps_the_identity_rules(tmp_path):
    source = tmp_path / "records.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    expected = read_papers([source])
    table = PaperTable(lambda: str(tmp_path / "t.sqlite"), in_memory=2)  # to disk after two papers
    report = read_into([source], table)
    assert (tmp_path / "t.sqlite").exists() and table.path == str(tmp_path / "t.sqlite")
    assert _papers(table) == [p.model_dump() for p in expected.papers]
    assert report.summary() == expected.summary()
    more = read_papers([INPUTS / "arxiv.jsonl", INPUTS / "papers.jsonl", source]).papers
    reference, added, merged = merge_papers(read_papers([source]).papers, more)
    assert merge_into(table, more) == (added, merged)
    assert _papers(table) == [p.model_dump() for p in reference]
    table.close()


def test_a_merge_finds_a_paper_by_an_arxiv_id_it_was_given_only_if_it_was_added_with_it(tmp_path):
    """`merge_papers` registers an arXiv id only for a paper it adds: an id filled in by a merge does not find
    that paper later (`read_papers` registers it). The table must do the same."""
    from kg.model.types import Paper

    existing = [Paper(id="t-zeta", title="Zeta")]
    new = [
        Paper(id="2402.00001", title="Zeta", arxiv_id="2402.00001"),
        Paper(id="2402.00001", title="Eta", arxiv_id="2402.00001"),
    ]
    reference, added, merged = merge_papers([p.model_copy(deep=True) for p in existing], new)
    assert (added, merged) == (1, 1) and len(reference) == 2
    table = PaperTable(lambda: str(tmp_path / "t.sqlite"), in_memory=1)
    table.add(existing[0])
    assert merge_into(table, new) == (added, merged)
    assert _papers(table) == [p.model_dump() for p in reference]


def test_a_full_disk_while_the_papers_wait_is_one_line(on_disk, monkeypatch, tmp_path):
    def full(self):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(PaperTable, "_spill", full)
    store = tmp_path / "s.jsonl.gz"
    result = kg_cli("build", SEEDS, "--store", store)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert result.stderr.startswith(f"Error: {store}: disk full while building (in ")
    assert result.stderr.endswith("the previous store is intact. Free space and re-run\n")
    assert [p.name for p in tmp_path.iterdir()] == ["s.jsonl.gz.lock"]


def test_a_full_disk_while_the_relationships_wait_is_one_line(on_disk, monkeypatch, tmp_path):
    real_open = open

    def full(path, *args, **kwargs):
        if str(path).endswith("links.spool") or (isinstance(path, int) and args and args[0] == "wb"):
            raise OSError(28, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(graph_stream, "open", full, raising=False)
    store = tmp_path / "s.jsonl.gz"
    result = kg_cli("build", SEEDS, "--store", store)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "cannot hold the graph's relationships there" in result.stderr and "free space and re-run" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["s.jsonl.gz.lock"]


def test_the_query_database_loaded_in_parts_answers_as_one(monkeypatch, sample_store, tmp_path):
    """Parts of 7 nodes and 50 relationships: ~80 COPYs of papers, each relationship table one COPY of its
    parts, and a pool grown for the relationships: the same answers as the shared store's."""
    monkeypatch.setattr(querydb_build, "NODES_PER_COPY", 7)
    monkeypatch.setattr(querydb_build, "RELATIONSHIPS_PER_FILE", 50)
    monkeypatch.setattr(querydb_build, "POOL_BYTES_PER_RELATIONSHIP", 10**6)
    store = tmp_path / "s.jsonl.gz"
    store.write_bytes(sample_store.read_bytes())
    parts: list[str] = []
    querydb_build.build_from_store_file(store, progress=parts.append)
    assert sum(step.startswith("copied Paper") for step in parts) == 531 // 7 + 1
    assert sum(step == "copied MENTIONS Paper-Model" for step in parts) == 1
    assert any(step.startswith("buffer pool ") and "MENTIONS relationships" in step for step in parts), parts
    assert_same_answers(store, sample_store)


def test_the_store_file_streams_with_its_checks(sample_store):
    """`iter_store` reads what `read_graph` reads; a line cut off is the store's own one-line error."""
    from kg.model.errors import StoreError
    from kg.store.store_file import iter_store

    with gzip.open(sample_store, "rb") as f:
        lines = f.readlines()
    elements = list(iter_store(lines, "s"))
    g = load_graph(sample_store)
    assert len(elements) == g.number_of_nodes() + g.number_of_edges()
    with pytest.raises(StoreError, match="store is truncated or corrupt"):
        list(iter_store(lines[:-2] + lines[-1:], "s"))
    with pytest.raises(StoreError, match="store is corrupt at line 3"):
        list(iter_store([*lines[:2], lines[2][:40], *lines[3:]], "s"))


def test_no_query_db_writes_the_store_only(tmp_path):
    store = tmp_path / "s.jsonl.gz"
    result = kg_cli("build", SEEDS, "--store", store, "--no-query-db")
    assert result.exit_code == 0, result.output
    assert "query db:   not built (--no-query-db); the first kg query builds it from the store\n" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl.gz", "s.jsonl.gz.lock"]
    result = kg_cli("query", "MATCH (p:Paper) RETURN count(p) AS n", "--store", store, "--csv")
    assert result.exit_code == 0 and result.stdout == "n\n531\n", result.output
    assert result.stderr.startswith("kg: building the query database s.jsonl.gz.querydb (there is none yet)")


@pytest.mark.parametrize("early", [True, False])
def test_the_node_tables_load_while_the_relationships_are_written(monkeypatch, sample_store, tmp_path, early):
    """With room on the disk the engine loads the node tables in a thread of its own while the store's
    relationships are written; on a nearly full disk (here: less free than asked for) only after the store is
    saved. Either way the database answers as the shared store's."""
    monkeypatch.setattr(querydb_build, "EARLY_LOAD_FREE_BYTES", 0 if early else 2**62)
    started: list[int] = []
    start_nodes = querydb_build._Loader.start_nodes

    def recording(self, files):
        started.append(len(files))
        start_nodes(self, files)

    monkeypatch.setattr(querydb_build._Loader, "start_nodes", recording)
    store = tmp_path / "s.jsonl.gz"
    report = kg.build([SEEDS], store=store)
    assert report.query_db_error == "" and store.read_bytes() == sample_store.read_bytes()
    assert started == ([6] if early else [])  # Paper and the five entity tables, one part each
    assert_same_answers(store, sample_store)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "s.jsonl.gz",
        "s.jsonl.gz.lock",
        "s.jsonl.gz.querydb",
        "s.jsonl.gz.querydb.sha256",
    ]


def test_a_background_load_that_fails_leaves_the_store_saved(monkeypatch, tmp_path):
    """The engine failing while it loads the node tables in the background is the query database's one-line
    error: the store is saved, the database is built when first needed, nothing is left behind."""
    monkeypatch.setattr(querydb_build, "EARLY_LOAD_FREE_BYTES", 0)
    monkeypatch.setattr(querydb_build, "BUILD_BUFFER_POOL", 8 * 2**20)  # too small for the sample's papers
    monkeypatch.setattr(querydb_build, "MAX_BUILD_BUFFER_POOL", 8 * 2**20)
    store = tmp_path / "s.jsonl.gz"
    report = kg.build([SEEDS], store=store)
    assert report.query_db_error.startswith(
        f"{tmp_path / 's.jsonl.gz.querydb'}: the engine could not build the query database (Buffer manager exception"
    ), report.query_db_error
    assert report.query_db == "" and load_graph(store).number_of_nodes() == 1651
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl.gz", "s.jsonl.gz.lock"]


def test_a_full_disk_while_the_nodes_load_in_the_background_is_the_stores_one_line(monkeypatch, tmp_path):
    """The store failing while the engine loads the node tables in the background: the store's one-line error,
    the engine asked to stop, and nothing left but the lock."""
    from kg.store.store_file import StoreWriter

    monkeypatch.setattr(querydb_build, "EARLY_LOAD_FREE_BYTES", 0)
    started: list[bool] = []
    start_nodes = querydb_build._Loader.start_nodes
    monkeypatch.setattr(
        querydb_build._Loader, "start_nodes", lambda self, f: (started.append(True), start_nodes(self, f))
    )
    write = StoreWriter.relationship

    def full(self, *args):
        if self.relationships == 100:
            raise OSError(28, "No space left on device")
        write(self, *args)

    monkeypatch.setattr(StoreWriter, "relationship", full)
    store = tmp_path / "s.jsonl.gz"
    result = kg_cli("build", SEEDS, "--store", store)
    assert (
        result.exit_code == 1
        and result.stderr
        == f"Error: {store}: disk full while saving; the previous store is intact. Free space and re-run\n"
    ), result.output
    assert started == [True] and [p.name for p in tmp_path.iterdir()] == ["s.jsonl.gz.lock"]
