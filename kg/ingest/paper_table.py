"""Papers on disk while a corpus is read, merged and linked: `PaperTable`, a SQLite table with the lookups
of the identity rules (`kg.ingest.read`), and the corpus in id order (`SortedPapers`).

A million papers as pydantic models took ~3.7 GB in the building process (their texts, sources and authors);
in this table they take a file beside the store and a bounded page cache. SQLite (the standard library's)
gives the two lookups a merge needs (by arXiv id, by title key) through indexes on disk, and the id order
linking and the store need through one sort.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple, overload

import orjson

from kg.model.text import match_key
from kg.model.types import Paper, Source

PAPERS_IN_MEMORY = 10_000
"""Papers a table holds in memory before it moves to its file: a few tens of MB, and a build of a small corpus
then writes nothing beside the store but the store (as `kg.link.corpus.SPILL_PAST` for the analyses)."""

PAGE_CACHE_KIB = 64 * 1024
"""SQLite's page cache per table file: the indexes of a million papers (~60 MB) stay in memory, the texts are
read from the file (the system's cache) in order."""


class SourceRow(NamedTuple):
    file: str
    line: int


class PaperRow(NamedTuple):
    """A paper as the graph takes it (`kg.graph.model.paper_attrs` reads these attributes): no pydantic model
    per paper of a corpus in id order."""

    id: str
    title: str
    abstract: str
    sources: list[SourceRow]
    arxiv_id: str | None
    authors: list[str]
    year: int | None
    url: str | None


def _rest(p: Paper) -> bytes:
    return orjson.dumps([[[s.file, s.line] for s in p.sources], p.authors, p.year, p.url, p.categories])


class PaperTable:
    """Papers in a SQLite database: in memory for the first `in_memory` papers, then in the file `spill_to()`
    names (a new file in a private directory; the caller removes it).

    The lookups are by hash (`hash()` of the arXiv id and of the title key: small indexes, process-private
    file) and then checked against the stored values, so a collision is only a wasted read. `registered`
    is the arXiv id a paper is found by, which the identity rules do not always move with the paper's own
    (`kg.ingest.read.merge_papers` registers an id only for a paper it adds).
    """

    def __init__(self, spill_to: Callable[[], str] | None = None, in_memory: int = PAPERS_IN_MEMORY) -> None:
        self.spill_to, self.in_memory = spill_to, in_memory
        self.path = ":memory:"
        self.count = 0
        self.db = self._connect(":memory:")
        try:
            self.db.execute(
                "CREATE TABLE papers (pos INTEGER PRIMARY KEY, id TEXT NOT NULL, key_hash INTEGER NOT NULL, "
                "key TEXT NOT NULL, arxiv_hash INTEGER, registered TEXT, title TEXT NOT NULL, abstract TEXT NOT NULL, "
                "arxiv_id TEXT, rest BLOB NOT NULL)"
            )
            self.db.execute("CREATE INDEX by_key ON papers (key_hash)")
            self.db.execute("CREATE INDEX by_arxiv ON papers (arxiv_hash) WHERE arxiv_hash IS NOT NULL")
        finally:
            self.db.execute("BEGIN")

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{PAGE_CACHE_KIB}", "temp_store=FILE"):
            db.execute(f"PRAGMA {pragma}")
        return db

    def _spill(self) -> None:
        """Move the table from memory to its file (SQLite's online backup), to go on there."""
        assert self.spill_to is not None
        path = self.spill_to()
        disk = self._connect(path)
        self.db.execute("COMMIT")
        self.db.backup(disk)
        self.db.close()
        self.db, self.path = disk, path
        self.db.execute("BEGIN")

    def __len__(self) -> int:
        return self.count

    def find(self, arxiv_id: str | None, key: str) -> tuple[int, Paper] | None:
        """The paper registered under `arxiv_id`, else the one with title key `key`: (its position, the paper)."""
        if arxiv_id:
            for row in self.db.execute(
                "SELECT * FROM papers WHERE arxiv_hash = ? AND registered = ? ORDER BY pos LIMIT 1",
                (hash(arxiv_id), arxiv_id),
            ):
                return row[0], _paper(row)
        for row in self.db.execute("SELECT * FROM papers WHERE key_hash = ? ORDER BY pos", (hash(key),)):
            if row[3] == key:
                return row[0], _paper(row)
        return None

    def add(self, paper: Paper, key: str | None = None) -> None:
        """A paper new to the table, registered under its arXiv id; `key` is `match_key(paper.title)`."""
        key = match_key(paper.title) if key is None else key
        arxiv = paper.arxiv_id or None
        self.db.execute(
            "INSERT INTO papers VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                paper.id,
                hash(key),
                key,
                hash(arxiv) if arxiv else None,
                arxiv,
                paper.title,
                paper.abstract,
                paper.arxiv_id,
                _rest(paper),
            ),
        )
        self.count += 1
        if self.count == self.in_memory and self.spill_to is not None:
            self._spill()

    def update(self, pos: int, paper: Paper, register: bool) -> None:
        """Write back a paper changed by a merge; `register`: it is now found by its arXiv id too, unless another
        paper already is (`dict.setdefault`, as `read_papers` registers it)."""
        self.db.execute(
            "UPDATE papers SET abstract = ?, arxiv_id = ?, rest = ? WHERE pos = ?",
            (paper.abstract, paper.arxiv_id, _rest(paper), pos),
        )
        if register and paper.arxiv_id and self.find(paper.arxiv_id, "\0") is None:
            self.db.execute(
                "UPDATE papers SET arxiv_hash = ?, registered = ? WHERE pos = ?",
                (hash(paper.arxiv_id), paper.arxiv_id, pos),
            )

    def in_order(self) -> Iterator[Paper]:
        """Every paper in the order it was added."""
        for row in self.db.execute("SELECT * FROM papers ORDER BY pos"):
            yield _paper(row)

    def sorted(self) -> SortedPapers:
        """The papers in id order (as `kg build` links and stores them), read a slice at a time."""
        self.db.execute("CREATE TABLE sorted (src INTEGER NOT NULL)")
        self.db.execute("INSERT INTO sorted SELECT pos FROM papers ORDER BY id, pos")
        return SortedPapers(self.db, self.count)

    def close(self) -> None:
        self.db.close()


def _paper(row: tuple[Any, ...]) -> Paper:
    sources, authors, year, url, categories = orjson.loads(row[9])
    return Paper.model_construct(
        id=row[1],
        title=row[6],
        abstract=row[7],
        sources=[Source.model_construct(file=f, line=n) for f, n in sources],
        arxiv_id=row[8],
        authors=authors,
        year=year,
        url=url,
        categories=categories,
    )


class SortedPapers(Sequence[tuple[str, str, str]]):
    """The table's papers in id order as the linker reads them, (id, title, abstract), a slice at a time
    (`kg.link.corpus` asks for consecutive chunks); `rows` gives the same slice as `PaperRow`s."""

    def __init__(self, db: sqlite3.Connection, count: int) -> None:
        self.db, self.size = db, count

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> tuple[str, str, str]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, str, str]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, str, str] | list[tuple[str, str, str]]:
        if isinstance(index, int):
            if not -self.size <= index < self.size:
                raise IndexError(index)
            return self[index % self.size : index % self.size + 1][0]
        start, stop, step = index.indices(self.size)
        assert step == 1, "slices in order only"
        return list(
            self.db.execute(
                "SELECT p.id, p.title, p.abstract FROM sorted s JOIN papers p ON p.pos = s.src "
                "WHERE s.rowid > ? AND s.rowid <= ? ORDER BY s.rowid",
                (start, stop),
            )
        )

    def rows(self, start: int, stop: int) -> list[PaperRow]:
        """Papers `start` to `stop` (exclusive) in id order, whole."""
        out = []
        for pid, title, abstract, arxiv_id, rest in self.db.execute(
            "SELECT p.id, p.title, p.abstract, p.arxiv_id, p.rest FROM sorted s JOIN papers p ON p.pos = s.src "
            "WHERE s.rowid > ? AND s.rowid <= ? ORDER BY s.rowid",
            (start, stop),
        ):
            sources, authors, year, url, _ = orjson.loads(rest)
            out.append(
                PaperRow(
                    pid,
                    title,
                    abstract,
                    [SourceRow(f, n) for f, n in sources],
                    arxiv_id,
                    authors,
                    year,
                    url,
                )
            )
        return out
