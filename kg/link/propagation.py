"""Across papers: a name one paper introduces is matched in every other paper, one entity with one type.

In three steps, so that worker processes can each hold a part of the corpus (`kg.link.corpus`) and still give
what one process gives: `introductions` of each paper, tallied in corpus order by a `Tally`; the first name
of each voted entity in corpus order (`first_names`); then a `Plan` applied to every paper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kg.link.analysis import EntityInfo, Hit, PaperAnalysis
from kg.link.detect import DictionaryMatcher, Match, make_rule
from kg.link.discover import is_mixed_case
from kg.link.spans import SpanIndex

Introduction = tuple[str, str, float, str | None]
"""(entity id, its type in the paper, the hit's confidence, the surface to match across the corpus or None):
one vote of a paper that introduces a discovered name."""


def propagate(
    analyses: list[PaperAnalysis],
    min_confidence: float,
    corpus_confidence: float,
    min_length: int,
    is_mixed_case: Callable[[str], bool] = is_mixed_case,
) -> None:
    """Match introduced, discovered names across the corpus and give each one type by vote.

    A discovered, top-level name that a paper introduces with at least `min_confidence` and that
    `is_propagatable` (`min_length` characters or more) is matched in every paper where nothing else holds
    its span, as a "corpus" hit of `corpus_confidence`; each such entity then takes the type most
    confidence voted for.
    """
    tally = Tally()
    for a in analyses:
        tally.add(introductions(a, min_confidence, min_length, is_mixed_case))
    if not tally.surfaces:
        return
    plan = tally.plan(first_names(analyses, tally.votes), corpus_confidence)
    for a in analyses:
        plan.apply(a)


def introductions(
    a: PaperAnalysis, min_confidence: float, min_length: int, is_mixed_case: Callable[[str], bool] = is_mixed_case
) -> list[Introduction]:
    """The votes of one paper: each hit that introduces a discovered, top-level name with at least
    `min_confidence`, in hit order, with its surface when that `is_propagatable`."""
    out: list[Introduction] = []
    text = None
    for h in a.hits:
        if not h.introduced or h.confidence < min_confidence:
            continue
        info = a.entities[h.entity_id]
        if info.source != "discovered" or info.parent:
            continue
        text = text or a.text
        s = text[h.start : h.end]
        out.append((h.entity_id, info.type, h.confidence, s if is_propagatable(s, min_length, is_mixed_case) else None))
    return out


class Tally:
    """The votes for each introduced entity's type and the surfaces to match, added paper by paper in corpus
    order (the order decides which entity a surface two entities share belongs to, and how floats add up)."""

    def __init__(self) -> None:
        self.votes: dict[str, dict[str, float]] = {}
        self.surfaces: dict[str, str] = {}

    def add(self, introduced: Iterable[Introduction]) -> None:
        votes, surfaces = self.votes, self.surfaces
        for eid, etype, confidence, surface in introduced:
            vote = votes.get(eid)
            if vote is None:
                vote = votes[eid] = {}
            vote[etype] = vote.get(etype, 0.0) + confidence
            if surface is not None:
                surfaces.setdefault(surface, eid)

    def plan(self, names: dict[str, str], corpus_confidence: float) -> Plan:
        winners = {eid: max(vote, key=vote.__getitem__) for eid, vote in self.votes.items()}
        return Plan(self.surfaces, names, winners, corpus_confidence)


def first_names(analyses: Iterable[PaperAnalysis], wanted: Iterable[str]) -> dict[str, str]:
    """The name of each `wanted` entity in the first paper (in the order given) that has it."""
    wanted = set(wanted)
    names: dict[str, str] = {}
    for a in analyses:
        if wanted.isdisjoint(a.entities):
            continue
        for eid, info in a.entities.items():
            if eid in wanted:
                names.setdefault(eid, info.name)
    return names


class Plan:
    """What every paper gets once the corpus is tallied: the surfaces matched in it, and the voted types.

    Made of plain dicts, so it travels to worker processes, which build the matcher themselves."""

    def __init__(
        self, surfaces: dict[str, str], names: dict[str, str], winners: dict[str, str], corpus_confidence: float
    ) -> None:
        self.surfaces, self.names, self.winners, self.corpus_confidence = surfaces, names, winners, corpus_confidence
        self._find: Callable[[str], list[Match]] | None = None

    def __getstate__(self) -> tuple[dict[str, str], dict[str, str], dict[str, str], float]:
        return self.surfaces, self.names, self.winners, self.corpus_confidence

    def __setstate__(self, state: tuple[dict[str, str], dict[str, str], dict[str, str], float]) -> None:
        self.surfaces, self.names, self.winners, self.corpus_confidence = state
        self._find = None

    def apply(self, a: PaperAnalysis) -> None:
        """Match the corpus's surfaces in one paper where nothing else holds their span, and set the voted
        types of the entities it has."""
        find = self._find
        if find is None:
            matcher = DictionaryMatcher(make_rule(eid, s, "exact") for s, eid in self.surfaces.items())
            find = self._find = matcher.find
        matches = find(a.text)
        if matches:
            hits = a.hits
            taken = SpanIndex(hits)
            names, corpus_confidence = self.names, self.corpus_confidence
            for start, end, rule in matches:
                if taken.first(start, end) is not None:
                    continue
                eid = rule.entity_id
                if eid not in a.entities:
                    a.entities[eid] = EntityInfo(names[eid], "", "discovered", corpus_confidence)
                hit = Hit(start, end, eid, "corpus", corpus_confidence)
                hits.append(hit)
                taken.add(hit)
        winners = self.winners
        if winners.keys().isdisjoint(a.entities):
            return
        for eid, info in a.entities.items():
            if eid in winners:
                info.type = winners[eid]


def is_propagatable(surface: str, min_length: int, is_mixed_case: Callable[[str], bool] = is_mixed_case) -> bool:
    """Distinctive enough to match in other papers: a coined, mixed-case name of `min_length`+ characters
    ("SeTa", "ProX" at 4).

    Short or all-caps names ("CO2", "SPA", "COMET") collide with other meanings across a corpus.
    `is_mixed_case` is `kg.link.discover.is_mixed_case` or the linker's cached one.
    """
    return len(surface) >= min_length and is_mixed_case(surface)
