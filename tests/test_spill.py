"""Linking in bounded memory: a large corpus's analyses wait on disk between the linker's two passes
(`kg.link.corpus.Held`, past `SPILL_PAST` papers), with the same bytes as when they are held in memory, in one
process and in workers; the spill directory gone after a build, after a failure in the parent or in a
worker, after Ctrl-C, and (left by a SIGKILL) after the next build; and workers that do not finish papers
faster than the parent takes them.

Here every corpus spills: `SPILL_PAST` is set to 0 (`spilling`), in this process and so in the workers it
forks (the parent decides, and names the directory in each chunk it sends)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import fields
from pathlib import Path

import pytest
from conftest import SEEDS, kg_cli

import kg
from kg.ingest import read_papers
from kg.link import Linker, corpus
from kg.link.analysis import EntityInfo, Hit
from kg.link.corpus import Held, LinkWorkers, WorkerFailed, link_corpus
from kg.link.evidence import json_line
from kg.store.local import load_graph

ROOT = Path(__file__).parent.parent
ACROSS = Path(__file__).parent / "data" / "inputs" / "introduced_across.jsonl"


@pytest.fixture
def spilling(monkeypatch):
    """Every corpus spills; gives the list of the spill directories removed so far (by path)."""
    return spill_always(monkeypatch)


def spill_always(monkeypatch) -> list[Path]:
    monkeypatch.setattr(corpus, "SPILL_PAST", 0)
    removed: list[Path] = []
    remove = corpus.remove_spill

    def recording(directory: str) -> bool:
        removed.append(Path(directory))
        return remove(directory)

    monkeypatch.setattr(corpus, "remove_spill", recording)
    return removed


def sample_records():
    return [(p.id, p.title, p.abstract) for p in read_papers([SEEDS]).papers]


def leftovers(directory: Path) -> list[str]:
    """Temporary files and directories of kg's in `directory`: a store's (`.NAME.HOST.PID.*.tmp`) or kg
    link's spill (`kg-link-PID-*.tmp`)."""
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


# -- the format ------------------------------------------------------------------------------------------


def test_the_fields_written_are_the_classes_fields():
    """A field added to `Hit` or `EntityInfo` must be written too, or spilled papers would lose it."""
    assert corpus.HIT_FIELDS == tuple(f.name for f in fields(Hit))
    assert corpus.INFO_FIELDS == tuple(f.name for f in fields(EntityInfo))


@pytest.mark.parametrize("with_records", [False, True], ids=["texts in the file", "texts from the records"])
def test_spilled_chunks_come_back_as_they_went(tmp_path, with_records):
    records = sample_records()
    linker = Linker()
    chunk = 100
    parts = [[linker.analyse(*r) for r in records[i : i + chunk]] for i in range(0, len(records), chunk)]
    expected = [[linker.analyse(*r) for r in records[i : i + chunk]] for i in range(0, len(records), chunk)]
    in_memory = Held(None)
    spilled = Held(str(tmp_path), records if with_records else None, chunk)
    for index, part in enumerate(parts):
        in_memory.put(index, part)
        spilled.put(index, part)
    files = sorted(tmp_path.iterdir())
    assert len(files) == len(parts) and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    wanted = {eid for part in parts for a in part for eid in a.entities}
    assert spilled.first_names(wanted) == in_memory.first_names(wanted)
    assert spilled.first_names({"no-such-entity"}) == {}
    assert spilled.indices() == list(range(len(parts)))
    for index in spilled.indices():
        assert spilled.take(index) == expected[index]
    assert list(tmp_path.iterdir()) == []  # each file removed once its chunk is taken


# -- the same bytes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 3, 256])
def test_spilled_link_corpus_and_workers_give_what_memory_gives(spilling, chunk):
    records = [(str(i), t, a) for i, (t, a) in enumerate((r["title"], r["abstract"]) for r in _jsonl(ACROSS))]
    records += sample_records()
    linker = Linker()
    expected = [
        line for part in link_corpus(records, linker, json_line, chunk=chunk, spill_past=10**9) for line in part
    ]
    got = [line for part in link_corpus(records, linker, json_line, chunk=chunk) for line in part]
    assert got == expected
    with LinkWorkers(2, linker=linker) as pool:
        assert [line for part in pool.link(records, json_line, chunk=chunk) for line in part] == expected
    assert len(spilling) == 2 and not any(d.exists() for d in spilling)
    assert b'"rule":"corpus"' in b"".join(line for line, _ in expected)  # names crossed papers (and chunks)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("path", [SEEDS, ACROSS], ids=lambda p: p.name)
def test_link_spilled_writes_the_same_bytes(monkeypatch, tmp_path, path, workers):
    """`kg link` spills in $TMPDIR, and writes what it writes without spilling."""
    in_memory = kg_cli("link", "--workers", workers, path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    removed = spill_always(monkeypatch)
    spilled = kg_cli("link", "--workers", workers, path)
    assert in_memory.exit_code == spilled.exit_code == 0, spilled.output
    assert spilled.stdout == in_memory.stdout
    assert [d.parent for d in removed] == [tmp_path] and removed[0].name.startswith(f"kg-link-{os.getpid()}-")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_build_spilled_writes_the_same_store(spilling, tmp_path, sample_build, workers):
    """`kg build` spills beside the store, and saves the store (and reports) what it does without spilling."""
    sample_store, sample_report = sample_build
    store = tmp_path / "s.jsonl.gz"
    report = kg.build([SEEDS], store=store, workers=workers)
    assert store.read_bytes() == sample_store.read_bytes()
    expected = sample_report.model_dump(exclude={"store", "seconds", "query_db", "query_db_seconds"})
    assert report.model_dump(exclude={"store", "seconds", "query_db", "query_db_seconds"}) == expected
    assert len(spilling) == 1 and spilling[0].parent == tmp_path
    assert spilling[0].name.startswith(f".{store.name}.") and not spilling[0].exists()
    assert leftovers(tmp_path) == []


def test_workers_finish_no_more_than_prefetch_ahead_of_the_parent():
    """A parent slower than its workers (building the graph) must not find their finished papers piling up in
    its queue, a corpus's worth by the end: each worker waits once `PREFETCH` chunks are not taken yet."""
    records = sample_records()
    with LinkWorkers(2) as pool:
        parts = pool.link(records, json_line, chunk=4)  # 133 chunks
        expected = [line for part in link_corpus(records, Linker(), json_line, chunk=4) for line in part]
        got = list(next(parts))
        time.sleep(1.0)  # time enough to finish every chunk (~0.2 s), if they would
        assert 1 <= pool.results.qsize() <= 2 * corpus.PREFETCH  # finished, not taken yet: ~131 if unbounded
        got += [line for part in parts for line in part]
    assert got == expected


def test_build_workers_fork_before_the_inputs_are_read(monkeypatch, tmp_path):
    """Forked after, each worker would keep the pages of every paper read (shared at first, its own as the
    parent frees and reuses them): its peak RSS was the parent's at the fork, ~400 MiB at 100k papers."""
    import multiprocessing

    from kg import pipeline

    alive = []
    read = pipeline.read_into

    def reading(*args, **kwargs):
        alive.append(sorted(p.name for p in multiprocessing.active_children()))
        return read(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_into", reading)
    kg.build([SEEDS], store=tmp_path / "s.jsonl.gz", workers=2)
    assert alive == [["kg-link-1", "kg-link-2"]]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "A", "abstract": "B"}\n{"title": \n')
    result = kg_cli("build", "--workers", "2", bad, "--store", tmp_path / "t.jsonl.gz")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and str(bad) in result.stderr, result.output
    assert multiprocessing.active_children() == []


# -- the spill directory gone after a failure ---------------------------------------------------------------


def _failing_analysis(monkeypatch, paper_id: str, exc: type[BaseException]) -> None:
    """`Linker.analyse` raises `exc` at `paper_id` (in the workers too: they fork after this)."""
    analyse = Linker.analyse

    def failing(self, pid, title, abstract):
        if pid == paper_id:
            raise exc(f"analysis of {pid} failed")
        return analyse(self, pid, title, abstract)

    monkeypatch.setattr(Linker, "analyse", failing)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_a_failed_analysis_leaves_no_spill(spilling, monkeypatch, tmp_path, workers, exc):
    """A paper past the first chunk fails, so chunks are already on disk: in this process (or Ctrl-C there),
    or in a worker (reported as `WorkerFailed`; a worker ignores SIGINT, so KeyboardInterrupt is its bug)."""
    records = sample_records()
    _failing_analysis(monkeypatch, records[300][0], exc)
    store = tmp_path / "s.jsonl.gz"
    expected = WorkerFailed if workers > 1 else exc
    with pytest.raises(expected, match=f"analysis of {records[300][0]} failed"):
        kg.build([SEEDS], store=store, workers=workers)
    assert len(spilling) >= 1 and not any(d.exists() for d in spilling)
    assert leftovers(tmp_path) == [] and not store.exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_while_finishing_leaves_no_spill(spilling, monkeypatch, tmp_path, workers):
    """Ctrl-C in the second pass, when every chunk was on disk: the parent's progress bar is interrupted."""
    from kg.link_files import ProgressBar

    shown = ProgressBar.__call__

    def interrupted(self, step, papers):
        if step == corpus.FINISHING:
            raise KeyboardInterrupt
        shown(self, step, papers)

    monkeypatch.setattr(ProgressBar, "__call__", interrupted)
    store = tmp_path / "s.jsonl.gz"
    with pytest.raises(KeyboardInterrupt):
        kg.build([SEEDS], store=store, workers=workers, progress=True)
    assert len(spilling) >= 1 and not any(d.exists() for d in spilling)
    assert leftovers(tmp_path) == [] and not store.exists()


def test_a_killed_worker_leaves_no_spill(spilling):
    records = sample_records()
    with LinkWorkers(2) as pool:
        pool.processes[0].kill()
        pool.processes[0].join()
        with pytest.raises(WorkerFailed, match=r"linking process kg-link-1 ended unexpectedly \(exit code -9\)"):
            list(pool.link(records, json_line, chunk=16))
    assert len(spilling) >= 1 and not any(d.exists() for d in spilling)


def test_a_full_disk_is_one_line(spilling, monkeypatch, tmp_path):
    """A spill that cannot be written (here: no space left) is a `KGError`, one line for the user."""
    import errno

    real_open = os.open

    def full(path, flags, mode=0o777, **kw):
        if str(path).endswith(".pickle"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(os, "open", full)
    for workers in ("1", "2"):
        result = kg_cli("build", "--workers", workers, SEEDS, "--store", tmp_path / "s.jsonl.gz")
        assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
        assert "cannot hold the linked papers there" in result.stderr and "free space and re-run" in result.stderr
    assert leftovers(tmp_path) == [] and not any(d.exists() for d in spilling)


# -- real processes: Ctrl-C, and a SIGKILL whose spill the next build removes -------------------------------

SPILLING_BUILD = textwrap.dedent("""
    import sys
    import kg
    from kg.link import corpus
    corpus.SPILL_PAST = 0
    kg.build([sys.argv[1]], store=sys.argv[2], workers=int(sys.argv[3]))
""")


def _big_input(tmp_path: Path, copies: int = 12) -> Path:
    """The sample corpus `copies` times over, each copy a paper of its own (~6,000 papers, seconds to link)."""
    path = tmp_path / "big.jsonl"
    papers = read_papers([SEEDS]).papers
    with path.open("w", encoding="utf-8") as f:
        for k in range(copies):
            for p in papers:
                f.write(json.dumps({"id": f"{p.id}-{k}", "title": f"{p.title} ({k})", "abstract": p.abstract}) + "\n")
    return path


def _spilling_build(source: Path, store: Path, workers: int) -> tuple[subprocess.Popen[bytes], Path]:
    """A real `kg.build` that spills, once its spill directory holds a few chunks: (the process, the directory)."""
    child = subprocess.Popen(
        [sys.executable, "-c", SPILLING_BUILD, str(source), str(store), str(workers)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        for spill in [store.parent / n for n in leftovers(store.parent)]:  # the build's other temporary files too
            with contextlib.suppress(OSError):
                if len([n for n in os.listdir(spill) if n.endswith(".pickle")]) >= 3:
                    return child, spill
        time.sleep(0.01)
    child.kill()
    raise AssertionError(f"the build never spilled: {child.communicate()[1].decode()}")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_of_a_real_build_leaves_no_spill(tmp_path, workers):
    source, store = _big_input(tmp_path), tmp_path / "store" / "s.jsonl.gz"
    store.parent.mkdir()
    child, spill = _spilling_build(source, store, workers)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0 and b"KeyboardInterrupt" in err, err.decode()
    assert not spill.exists() and leftovers(store.parent) == [] and not store.exists()


@pytest.mark.slow
def test_the_next_build_removes_the_spill_of_a_killed_one(tmp_path):
    """SIGKILL leaves no chance to clean up: the spill stays beside the store, named as a store's temporary
    files, and the next build removes it with those (`remove_stale_temps`)."""
    source, store = _big_input(tmp_path, copies=6), tmp_path / "store" / "s.jsonl.gz"
    store.parent.mkdir()
    child, spill = _spilling_build(source, store, 1)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stderr.close()
    assert spill.is_dir() and os.listdir(spill)
    report = kg.build([SEEDS], store=store)
    # the spill, and the store file it was writing (the graph is written as it is linked)
    assert report.stale_temp_files_removed == 2 and not spill.exists() and leftovers(store.parent) == []
    assert load_graph(store).number_of_nodes() == report.nodes


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_workers_read_the_corpus_a_chunk_at_a_time():
    """The parent reads a chunk from the corpus (a table on disk in `kg build`) only when it sends it, so at most
    `PREFETCH` chunks per worker are in its memory: slicing them all first held a 3M-paper corpus whole (6 GiB)."""

    class Recording(list):
        taken = 0

        def __getitem__(self, index):
            if isinstance(index, slice):
                Recording.taken += 1
            return super().__getitem__(index)

    records = Recording(sample_records())
    received: list[int] = []

    def progress(step: str, papers: int) -> None:
        if step == corpus.LINKING:
            received.append(papers)
            assert Recording.taken <= len(received) + 2 * corpus.PREFETCH, (Recording.taken, len(received))

    with LinkWorkers(2) as pool:
        got = [line for part in pool.link(records, json_line, chunk=4, progress=progress) for line in part]
    assert got == [line for part in link_corpus(list(records), Linker(), json_line, chunk=4) for line in part]
    assert Recording.taken == len(received) == -(-len(records) // 4)  # 133 chunks, each read once


def test_workers_votes_are_tallied_as_they_come_in_corpus_order(monkeypatch):
    """The parent tallies each chunk's votes once the chunks before it are in, not the corpus's votes at the end
    (~300 MB a million papers held until then), and in corpus order: the same plan as one process makes."""
    from kg.link import propagation

    events: list[str] = []
    add = propagation.Tally.add

    def recording(self, introduced):
        events.append("tally")
        add(self, introduced)

    monkeypatch.setattr(propagation.Tally, "add", recording)
    records = sample_records()
    with LinkWorkers(2) as pool:
        got = [
            line
            for part in pool.link(records, json_line, chunk=4, progress=lambda step, n: events.append(step))
            for line in part
        ]
    last_analysed = len(events) - 1 - events[::-1].index(corpus.LINKING)
    assert events.count("tally") == len(records) and "tally" in events[:last_analysed]
    assert got == [line for part in link_corpus(records, Linker(), json_line, chunk=4) for line in part]
