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
gives, whatever the number of workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from kg.link.analysis import PaperAnalysis
from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.link.linker import Linker
from kg.link.propagation import Introduction, Plan, Tally, introductions
from kg.model.errors import KGError

T = TypeVar("T")

CHUNK = 256
"""Papers per message to a worker: large enough that a message costs little beside the linking of its papers,
small enough that the workers share the corpus evenly."""

PREFETCH = 2
"""Chunks each worker holds ahead, so it never waits for the parent between two chunks."""

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
) -> Iterator[list[T]]:
    """In this process: `finish` of each paper, in order, a list per chunk of `chunk` papers.

    Analyses are let go as soon as they are finished. Run it with the collector paused
    (`kg.model.collector.paused_gc`) for a large corpus."""
    analyses: list[PaperAnalysis] = []
    analyse = linker.analyse
    for i in range(0, len(records), chunk):
        part = records[i : i + chunk]
        analyses.extend([analyse(pid, title, abstract) for pid, title, abstract in part])
        if progress is not None:
            progress(LINKING, len(part))
    if propagate:
        linker.propagate(analyses)
    analyses.reverse()  # popped in order: each analysis is freed once it is finished
    while analyses:
        done = [finish(analyses.pop()) for _ in range(min(chunk, len(analyses)))]
        if progress is not None:
            progress(FINISHING, len(done))
        yield done


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
        without `wait` (after a failure, when they may be busy with work nobody will read)."""
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

    def link(
        self,
        records: Sequence[Record],
        finish: Callable[[PaperAnalysis], T],
        *,
        propagate: bool = True,
        progress: Progress | None = None,
        chunk: int = CHUNK,
    ) -> Iterator[list[T]]:
        """`link_corpus` in the workers: `finish` (a module-level function, sent to them by name) of each
        paper, in order, a list per chunk."""
        chunks = [records[i : i + chunk] for i in range(0, len(records), chunk)]
        votes: list[list[list[Introduction]]] = [[] for _ in chunks]
        sent = 0

        def send(k: int) -> None:
            nonlocal sent
            if sent < len(chunks):
                self.tasks[k].put(("analyse", sent, chunks[sent]))
                sent += 1

        for _ in range(PREFETCH):
            for k in range(len(self.tasks)):
                send(k)
        for _ in chunks:
            _, k, index, found = self._receive("analysed")
            votes[index] = found
            send(k)
            if progress is not None:
                progress(LINKING, len(found))
        plan = self._plan(votes) if propagate else None
        del votes
        for q in self.tasks:
            q.put(("finish", plan, finish))
        waiting: dict[int, list[T]] = {}
        index = 0
        total = (len(records) + chunk - 1) // chunk
        while index < total:
            _, _, done_index, done = self._receive("done")
            waiting[done_index] = done
            while index in waiting:
                part = waiting.pop(index)
                index += 1
                if progress is not None:
                    progress(FINISHING, len(part))
                yield part

    def _plan(self, votes: list[list[list[Introduction]]]) -> Plan | None:
        """The votes tallied in corpus order, and the first name of each voted entity from the workers."""
        tally = Tally()
        for part in votes:
            for paper in part:
                tally.add(paper)
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
    """A worker's loop: analyse the chunks it is sent and keep them; name the entities it is asked about;
    then match the corpus's names in its papers and finish them, chunk by chunk, in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report; it ends the workers
    gc.disable()  # linking makes many small acyclic objects, held until finished (see `paused_gc`)
    try:
        linker = _inherited if _inherited is not None else Linker(catalog_files=catalog_files, config=config)
        config = linker.config
        is_mixed_case = linker.context.is_mixed_case
        held: dict[int, list[PaperAnalysis]] = {}
        while True:
            try:
                message = tasks.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:
                    return  # the parent is gone (killed): nobody will send or read anything more
                continue
            if message is None:
                return
            kind = message[0]
            if kind == "analyse":
                _, index, part = message
                analyses = [linker.analyse(pid, title, abstract) for pid, title, abstract in part]
                held[index] = analyses
                found = [
                    introductions(a, config.corpus_min_confidence, config.propagate_min_length, is_mixed_case)
                    for a in analyses
                ]
                results.put(("analysed", k, index, found))
            elif kind == "names":
                results.put(("names", k, -1, _first_names(held, message[1])))
            elif kind == "finish":
                _, plan, finish = message
                for index in sorted(held):
                    analyses = held.pop(index)
                    if plan is not None:
                        for a in analyses:
                            plan.apply(a)
                    results.put(("done", k, index, [finish(a) for a in analyses]))
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent, which raises it
        text = str(exc) if isinstance(exc, KGError) else f"{type(exc).__name__}: {exc}"
        results.put(("error", k, -1, (isinstance(exc, KGError), text, traceback.format_exc())))


def _first_names(held: dict[int, list[PaperAnalysis]], wanted: set[str]) -> dict[str, tuple[tuple[int, int], str]]:
    """Where (chunk, position) each wanted entity first occurs among a worker's papers, and its name there."""
    found: dict[str, tuple[tuple[int, int], str]] = {}
    for index in sorted(held):
        for position, a in enumerate(held[index]):
            if wanted.isdisjoint(a.entities):
                continue
            for eid, info in a.entities.items():
                if eid in wanted and eid not in found:
                    found[eid] = ((index, position), info.name)
    return found
