"""A corpus through the linker, in this process or in worker processes, with the same result either way.

Every paper is analysed, the names papers introduce are matched across the corpus (`kg.link.propagation`),
then each paper is finished by a `finish` function (`kg.link.evidence.evidence` for `kg build`,
`kg.link.evidence.json_line` for `kg link`) and handed back in corpus order, a chunk at a time.

With workers (`LinkWorkers`), each worker process keeps the analyses of the chunks it linked, so that the
steps after analysis, which need the whole corpus analysed first, run in the workers too: the parent sends
texts and receives only each paper's votes (`propagation.introductions`, a few tuples), the first name of
each voted entity, and the finished papers. Before, the workers sent every analysis back and the parent
alone matched names across the corpus and finished every paper, a share of the work that two workers could
not halve. The parent tallies the votes in corpus order, so the result is byte for byte what one process
gives, whatever the number of workers. One process takes the same steps (votes, tally, first names, plan,
then each paper finished), so that it too holds a chunk at a time rather than the corpus.

Between the two passes the analysed chunks are held (`Held`): in memory for a corpus of up to `SPILL_PAST`
papers, else each chunk in a file of a private temporary directory, read back when it is finished, so that
what a process holds is a chunk of analyses, not the corpus's (which took ~2 KB a paper, ~3.5 KB with its
text in a worker: gigabytes at a million papers). What crosses the corpus in memory is small: the tally of
votes, and the first name of each voted entity, read from a short index at the head of each chunk's file.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from kg.link.analysis import EntityInfo, Hit, PaperAnalysis
from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.link.linker import Linker
from kg.link.propagation import Introduction, Plan, Tally, introductions
from kg.model.errors import KGError
from kg.model.files import temp_prefix

T = TypeVar("T")

CHUNK = 256
"""Papers per message to a worker: large enough that a message costs little beside the linking of its papers,
small enough that the workers share the corpus evenly."""

PREFETCH = 2
"""Chunks each worker holds ahead, so it never waits for the parent between two chunks: sent to it before it
asks, and finished before the parent takes them (no more, or a slower parent would find a corpus's worth of
finished papers waiting in the queue)."""

SPILL_PAST = 10_000
"""A corpus of more papers than this holds its analysed chunks on disk between the two passes (`Held`). Below
it they take a few tens of MB at most, and writing and reading them back would only cost time (15-20 us a
paper, ~4-7% of linking it, measured at 100,000 papers) and a temporary directory."""

Record = tuple[str, str, str]
"""(id, title, abstract): a paper as the linker reads it."""

Progress = Callable[[str, int], None]
"""Told (step, papers) as papers get through a step: "linking" (analysis), then "finishing" (matched across
the corpus and finished)."""

LINKING, FINISHING = "linking", "finishing"


def link_corpus(
    records: Sequence[Record],
    linker: Linker,
    finish: Callable[[PaperAnalysis], T],
    *,
    propagate: bool = True,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    spill_past: int | None = None,
    spill_beside: str | os.PathLike[str] | None = None,
) -> Generator[list[T], None, None]:
    """In this process: `finish` of each paper, in order, a list per chunk of `chunk` papers.

    A chunk's analyses are let go once it is finished; past `spill_past` papers (default `SPILL_PAST`) they
    wait on disk from their analysis (see `spill_directory` for where). Run it with the collector paused
    (`kg.model.collector.paused_gc`) for a large corpus."""
    config = linker.config
    analyse, is_mixed_case = linker.analyse, linker.context.is_mixed_case
    min_confidence, min_length = config.corpus_min_confidence, config.propagate_min_length
    tally = Tally() if propagate else None
    with spill_directory(len(records), spill_past, spill_beside) as directory:
        held = Held(directory, records, chunk)
        for index, i in enumerate(range(0, len(records), chunk)):
            analyses = [analyse(pid, title, abstract) for pid, title, abstract in records[i : i + chunk]]
            if tally is not None:
                for a in analyses:
                    tally.add(introductions(a, min_confidence, min_length, is_mixed_case))
            held.put(index, analyses)
            if progress is not None:
                progress(LINKING, len(analyses))
            del analyses
        plan = None
        if tally is not None and tally.surfaces:  # else nothing to match across the corpus: no paper changes
            names = held.first_names(set(tally.votes))
            plan = tally.plan({eid: name for eid, (_, name) in names.items()}, config.corpus_confidence)
        for index in held.indices():
            analyses = held.take(index)
            if plan is not None:
                for a in analyses:
                    plan.apply(a)
            done = [finish(a) for a in analyses]
            del analyses
            if progress is not None:
                progress(FINISHING, len(done))
            yield done


# -- held analyses: in memory, or spilled to disk ------------------------------------------------------------

HIT_FIELDS = ("start", "end", "entity_id", "rule", "confidence", "introduced")
INFO_FIELDS = ("name", "type", "source", "confidence", "parent")
"""The fields of `Hit` and `EntityInfo`, in order, as `Held` writes them (a test holds them to the classes)."""
_hit_fields, _info_fields = attrgetter(*HIT_FIELDS), attrgetter(*INFO_FIELDS)


@contextlib.contextmanager
def spill_directory(
    papers: int, spill_past: int | None = None, beside: str | os.PathLike[str] | None = None
) -> Iterator[str | None]:
    """A private temporary directory (0700) for the analyses of a corpus of `papers` that is past `spill_past`
    (default `SPILL_PAST`), else None; removed with everything in it when the block ends, however it ends.

    Beside the file `beside` (the store, for `kg build`), named like its temporary files, so that the
    `kg.store.local.remove_stale_temps` of that path removes one that a killed run left: that disk must
    take the store anyway, and `/tmp` is often a RAM-backed tmpfs, where spilled analyses would still take
    memory. Without `beside` (`kg link`), in the temporary directory ($TMPDIR)."""
    if papers <= (SPILL_PAST if spill_past is None else spill_past):
        yield None
        return
    if beside is None:
        where, prefix = None, f"kg-link-{os.getpid()}-"
    else:
        target = Path(beside)
        where, prefix = str(target.parent), temp_prefix(target)
    try:
        directory = tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=where)
    except OSError as exc:
        place = where if where is not None else tempfile.gettempdir()
        raise KGError(
            f"{place}: cannot make a temporary directory for the linked papers: {exc.strerror or exc}"
        ) from None
    try:
        yield directory
    finally:
        remove_spill(directory)


def remove_spill(directory: str) -> bool:
    """Remove a spill directory and its files; False if some are still there (a worker was still writing)."""
    shutil.rmtree(directory, ignore_errors=True)
    return not os.path.lexists(directory)


class Held:
    """The analysed chunks of a corpus, by index, from their analysis until they are finished: in memory, or,
    with a `directory` (`spill_directory`), each in a file there (spilled), so that a chunk is in memory at a
    time rather than the corpus.

    A chunk's file holds two pickles: first the first name of each entity in the chunk, (position, name) by
    id, read alone to name the corpus's voted entities (`first_names`); then the analyses as plain tuples,
    which pickle and load ~3x faster than the dataclasses. With `records` (one process, whose caller holds
    every record anyway), the papers' ids and texts are not written but taken from there, `chunk` per chunk.
    """

    def __init__(self, directory: str | None, records: Sequence[Record] | None = None, chunk: int = CHUNK) -> None:
        self.directory, self.records, self.chunk = directory, records, chunk
        self.chunks: dict[int, list[PaperAnalysis] | None] = {}  # None: in its file

    def path(self, index: int) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, f"{index}.pickle")

    def indices(self) -> list[int]:
        return sorted(self.chunks)

    def put(self, index: int, analyses: list[PaperAnalysis]) -> None:
        if self.directory is None:
            self.chunks[index] = analyses
            return
        names = _first_positions(analyses)
        texts = self.records is None
        packed = [
            (
                (a.id, a.title, a.abstract) if texts else None,
                list(map(_hit_fields, a.hits)),
                list(a.entities),
                list(map(_info_fields, a.entities.values())),
            )
            for a in analyses
        ]
        path = self.path(index)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            with open(fd, "wb") as f:
                pickler = pickle.Pickler(f, 5)  # one pickler, one unpickler: the second pickle refers to the first's
                pickler.dump(names)
                pickler.dump(packed)
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            raise KGError(
                f"{self.directory}: cannot hold the linked papers there until the whole corpus is linked: "
                f"{exc.strerror or exc}" + ("; free space and re-run" if full else "")
            ) from None
        self.chunks[index] = None

    def take(self, index: int) -> list[PaperAnalysis]:
        """A chunk's analyses, let go by this holder (its file removed)."""
        analyses = self.chunks.pop(index)
        if analyses is not None:
            return analyses
        path = self.path(index)
        with open(path, "rb") as f:
            unpickler = pickle.Unpickler(f)
            unpickler.load()  # the names
            packed = unpickler.load()
        os.unlink(path)
        if self.records is not None:
            start = index * self.chunk
            texts: Sequence[Record] = self.records[start : start + len(packed)]
        else:
            texts = [paper[0] for paper in packed]
        return [
            PaperAnalysis(pid, title, abstract, list(starmap(Hit, hits)), dict(zip(ids, starmap(EntityInfo, infos))))
            for (pid, title, abstract), (_, hits, ids, infos) in zip(texts, packed, strict=True)
        ]

    def first_names(self, wanted: set[str]) -> dict[str, tuple[tuple[int, int], str]]:
        """Where (chunk, position) each wanted entity first occurs among the held papers, and its name there."""
        found: dict[str, tuple[tuple[int, int], str]] = {}
        for index in sorted(self.chunks):
            if len(found) == len(wanted):
                break
            analyses = self.chunks[index]
            if analyses is None:  # spilled: the index at the head of its file
                with open(self.path(index), "rb") as f:
                    names: dict[str, tuple[int, str]] = pickle.Unpickler(f).load()
            else:
                names = _first_positions(analyses)
            for eid in wanted.intersection(names):
                if eid not in found:
                    position, name = names[eid]
                    found[eid] = ((index, position), name)
        return found


def _first_positions(analyses: list[PaperAnalysis]) -> dict[str, tuple[int, str]]:
    """Each entity of a chunk: the position of the first paper that has it, and its name there."""
    names: dict[str, tuple[int, str]] = {}
    for position, a in enumerate(analyses):
        for eid, info in a.entities.items():
            if eid not in names:
                names[eid] = (position, info.name)
    return names


# -- worker processes -------------------------------------------------------------------------------------


class WorkerFailed(RuntimeError):
    """A worker process failed on something other than a `KGError`, or ended without a word."""


class LinkWorkers:
    """`workers` processes that link a corpus together (`link`), each with a `Linker` of its own.

    They start at once: each builds its linker (from `catalog_files` and `config`) while the parent does
    something else, such as reading its inputs. Given `linker`, and where processes start by forking, the
    workers use a copy of that one instead of building their own. Close them with `close` (or `with`).
    """

    def __init__(
        self,
        workers: int,
        catalog_files: Sequence[str] = (),
        config: LinkerConfig = DEFAULT_CONFIG,
        linker: Linker | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1 (got {workers})")
        context = multiprocessing.get_context()
        self.config = linker.config if linker is not None else config
        self.results: multiprocessing.Queue[Any] = context.Queue()
        self.tasks: list[multiprocessing.Queue[Any]] = [context.Queue() for _ in range(workers)]
        self.spills: list[str] = []  # spill directories not removed yet (a worker may still have been writing)
        global _inherited
        _inherited = linker if context.get_start_method() == "fork" else None
        try:
            self.processes = [
                context.Process(
                    target=_serve,
                    args=(k, self.tasks[k], self.results, list(catalog_files), self.config, os.getpid()),
                    name=f"kg-link-{k + 1}",
                    daemon=True,
                )
                for k in range(workers)
            ]
            for p in self.processes:
                p.start()
        finally:
            _inherited = None

    def __enter__(self) -> LinkWorkers:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(wait=exc_type is None)

    def close(self, wait: bool = True) -> None:
        """Stop the workers: asked to, and ended if they do not stop within a few seconds; ended at once
        without `wait` (after a failure, when they may be busy with work nobody will read). Then what they
        spilled is removed."""
        for q in self.tasks:
            q.put(None)
        for p in self.processes:
            if wait:
                p.join(timeout=5)
            if p.is_alive():
                p.terminate()
            p.join()
        for q in (*self.tasks, self.results):
            q.cancel_join_thread()  # what a dead worker left unread must not hold up the parent's exit
            q.close()
        while self.spills:
            remove_spill(self.spills.pop())

    def link(
        self,
        records: Sequence[Record],
        finish: Callable[[PaperAnalysis], T],
        *,
        propagate: bool = True,
        progress: Progress | None = None,
        chunk: int = CHUNK,
        spill_past: int | None = None,
        spill_beside: str | os.PathLike[str] | None = None,
    ) -> Generator[list[T], None, None]:
        """`link_corpus` in the workers: `finish` (a module-level function, sent to them by name) of each
        paper, in order, a list per chunk. Past `spill_past` papers, the workers hold their chunks in files of
        one `spill_directory`, removed when this ends or, if a worker was still writing, by `close`."""
        with spill_directory(len(records), spill_past, spill_beside) as directory:
            if directory is not None:
                self.spills.append(directory)  # for `close`, should a worker write on after a failure here
            yield from self._link(records, finish, propagate, progress, chunk, directory)
        if directory is not None and not os.path.lexists(directory):
            self.spills.remove(directory)  # every chunk was finished: the workers wrote nothing more

    def _link(
        self,
        records: Sequence[Record],
        finish: Callable[[PaperAnalysis], T],
        propagate: bool,
        progress: Progress | None,
        chunk: int,
        directory: str | None,
    ) -> Generator[list[T], None, None]:
        # A chunk is read from `records` when it is sent, so that at most PREFETCH per worker are in the
        # parent at once: a corpus on disk (`kg.ingest.paper_table.SortedPapers`) never comes into memory whole.
        total = (len(records) + chunk - 1) // chunk
        # The votes are tallied in corpus order as soon as the chunks before them are in, so only those that
        # came early wait here (a few), not the corpus's (~300 MB a million papers).
        tally = Tally() if propagate else None
        early: dict[int, list[list[Introduction]]] = {}
        tallied = 0
        sent = 0

        def send(k: int) -> None:
            nonlocal sent
            if sent < total:
                self.tasks[k].put(("analyse", sent, records[sent * chunk : (sent + 1) * chunk], directory))
                sent += 1

        for _ in range(PREFETCH):
            for k in range(len(self.tasks)):
                send(k)
        for _ in range(total):
            _, k, index, found = self._receive("analysed")
            send(k)
            if progress is not None:
                progress(LINKING, len(found))
            if tally is None:
                continue
            early[index] = found
            while tallied in early:
                for paper in early.pop(tallied):
                    tally.add(paper)
                tallied += 1
        plan = self._plan(tally) if tally is not None else None
        for q in self.tasks:
            q.put(("finish", plan, finish))
        waiting: dict[int, tuple[int, list[T]]] = {}
        index = 0
        while index < total:
            _, k, done_index, done = self._receive("done")
            waiting[done_index] = (k, done)
            while index in waiting:
                k, part = waiting.pop(index)
                self.tasks[k].put(("taken",))  # worker k may finish one more chunk
                index += 1
                if progress is not None:
                    progress(FINISHING, len(part))
                yield part

    def _plan(self, tally: Tally) -> Plan | None:
        """The plan of the votes tallied in corpus order, with the first name of each voted entity from the
        workers."""
        if not tally.surfaces:
            return None  # nothing to match across the corpus: no paper changes (as in `propagation.propagate`)
        wanted = set(tally.votes)
        for q in self.tasks:
            q.put(("names", wanted))
        first: dict[str, tuple[tuple[int, int], str]] = {}
        for _ in self.tasks:
            _, _, _, found = self._receive("names")
            for eid, (where, name) in found.items():
                if eid not in first or where < first[eid][0]:
                    first[eid] = (where, name)
        return tally.plan({eid: name for eid, (_, name) in first.items()}, self.config.corpus_confidence)

    def _receive(self, kind: str) -> tuple[str, int, int, Any]:
        """The next message from a worker, which must be of `kind`; a worker's failure raised here."""
        while True:
            try:
                message: tuple[str, int, int, Any] = self.results.get(timeout=0.5)
            except queue.Empty:
                for p in self.processes:
                    if not p.is_alive():
                        raise WorkerFailed(
                            f"linking process {p.name} ended unexpectedly (exit code {p.exitcode})"
                        ) from None
                continue
            if message[0] == "error":
                is_kg_error, text, remote = message[3]
                if is_kg_error:
                    raise KGError(text)
                raise WorkerFailed(text) from _RemoteTraceback(remote)
            if message[0] != kind:
                raise WorkerFailed(f"expected {kind!r} from a linking process, got {message[0]!r}")
            return message


class _RemoteTraceback(Exception):
    """A worker's traceback, chained to the parent's exception so that KG_DEBUG=1 shows where it failed."""

    def __str__(self) -> str:
        return str(self.args[0])


_inherited: Linker | None = None
"""The parent's linker while `LinkWorkers` forks its processes: a forked worker uses its copy."""


def _serve(
    k: int,
    tasks: multiprocessing.Queue[Any],
    results: multiprocessing.Queue[Any],
    catalog_files: list[str],
    config: LinkerConfig,
    parent: int,
) -> None:
    """A worker's loop: analyse the chunks it is sent and hold them (`Held`, in the directory the parent names
    when it spills); name the entities it is asked about; then match the corpus's names in its papers and
    finish them, chunk by chunk, in order, no more than `PREFETCH` chunks ahead of what the parent took."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report; it ends the workers
    gc.disable()  # linking makes many small acyclic objects, held until finished (see `paused_gc`)
    try:
        linker = _inherited if _inherited is not None else Linker(catalog_files=catalog_files, config=config)
        config = linker.config
        is_mixed_case = linker.context.is_mixed_case
        held: Held | None = None  # the chunks of the corpus being linked
        while True:
            message = _next(tasks, parent)
            if message is None:
                return
            kind = message[0]
            if kind == "analyse":
                _, index, part, directory = message
                if held is None:
                    held = Held(directory)
                analyses = [linker.analyse(pid, title, abstract) for pid, title, abstract in part]
                found = [
                    introductions(a, config.corpus_min_confidence, config.propagate_min_length, is_mixed_case)
                    for a in analyses
                ]
                held.put(index, analyses)
                del analyses, part, message
                results.put(("analysed", k, index, found))
            elif kind == "names":
                results.put(("names", k, -1, held.first_names(message[1]) if held is not None else {}))
            elif kind == "finish":
                _, plan, finish = message
                done, held = held or Held(None), None
                ahead = 0  # chunks sent back that the parent has not taken yet
                for index in done.indices():
                    # At most PREFETCH ahead: when the parent is the slower (building the graph), finished papers
                    # would otherwise pile up in this process's queue, a corpus's worth by the end.
                    while ahead >= PREFETCH:
                        message = _next(tasks, parent)
                        if message is None:
                            return
                        if message[0] != "taken":
                            raise RuntimeError(f"expected 'taken' while finishing, got {message[0]!r}")
                        ahead -= 1
                    analyses = done.take(index)
                    if plan is not None:
                        for a in analyses:
                            plan.apply(a)
                    results.put(("done", k, index, [finish(a) for a in analyses]))
                    ahead += 1
                    del analyses
            # "taken" after the last chunk is finished: nothing to wait for
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent, which raises it
        text = str(exc) if isinstance(exc, KGError) else f"{type(exc).__name__}: {exc}"
        results.put(("error", k, -1, (isinstance(exc, KGError), text, traceback.format_exc())))


def _next(tasks: multiprocessing.Queue[Any], parent: int) -> Any:
    """A worker's next message from the parent; None to stop: asked to, or the parent is gone (killed), when
    nobody will send or read anything more."""
    while True:
        try:
            return tasks.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return None
