"""Across papers: a name one paper introduces is matched in every other paper, one entity with one type."""

from __future__ import annotations

from collections.abc import Callable

from kg.link.analysis import EntityInfo, Hit, PaperAnalysis
from kg.link.detect import DictionaryMatcher, make_rule
from kg.link.discover import is_mixed_case
from kg.link.spans import SpanIndex


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
    votes: dict[str, dict[str, float]] = {}
    surfaces: dict[str, str] = {}
    for a in analyses:
        text = None
        for h in a.hits:
            if not h.introduced or h.confidence < min_confidence:
                continue
            info = a.entities[h.entity_id]
            if info.source != "discovered" or info.parent:
                continue
            vote = votes.get(h.entity_id)
            if vote is None:
                vote = votes[h.entity_id] = {}
            vote[info.type] = vote.get(info.type, 0.0) + h.confidence
            text = text or a.text
            s = text[h.start : h.end]
            if is_propagatable(s, min_length, is_mixed_case):
                surfaces.setdefault(s, h.entity_id)
    if not surfaces:
        return
    names: dict[str, str] = {}
    for a in analyses:
        if votes.keys().isdisjoint(a.entities):
            continue
        for eid, info in a.entities.items():
            if eid in votes:
                names.setdefault(eid, info.name)
    winners = {eid: max(vote, key=vote.__getitem__) for eid, vote in votes.items()}
    find = DictionaryMatcher(make_rule(eid, s, "exact") for s, eid in surfaces.items()).find
    for a in analyses:
        matches = find(a.text)
        if matches:
            hits = a.hits
            taken = SpanIndex(hits)
            for start, end, rule in matches:
                if taken.first(start, end) is not None:
                    continue
                eid = rule.entity_id
                if eid not in a.entities:
                    a.entities[eid] = EntityInfo(names[eid], "", "discovered", corpus_confidence)
                hit = Hit(start, end, eid, "corpus", corpus_confidence)
                hits.append(hit)
                taken.add(hit)
        if winners.keys().isdisjoint(a.entities):
            continue
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
