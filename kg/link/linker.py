"""The entity linker: catalog detection + discovery + resolution, with evidence on every link.

A paper's text is its title, a newline, then its abstract; every mention's
`start`/`end` index that string. `Linker.link` handles one paper;
`Linker.link_many` links a corpus and then matches the names that papers
introduce in every other paper, so one new entity found in several papers is
one entity, and papers that use it can be linked to the paper that made it.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

from kg.catalog import aliases_of, build_index, load_catalog
from kg.link.detect import DictionaryMatcher, fold, make_rule
from kg.link.discover import (
    Candidate,
    discover,
    find_token,
    is_introduced,
    is_mixed_case,
    is_name_like,
    named_right_before,
    scan,
    token_occurrences,
)
from kg.link.resolve import FUZZY_CUTOFF, Resolver
from kg.model.text import match_key, slug, spaced_key
from kg.model.types import CatalogEntity, EntityType, Evidence, LinkedEntity, LinkedPaper, Mention, Paper

CATALOG_CONFIDENCE = 0.95
CONTEXT_CONFIDENCE = 0.85
MIN_CONFIDENCE = 0.5
CORPUS_MIN_CONFIDENCE = 0.7
CORPUS_CONFIDENCE = 0.65

HYPHEN_SUFFIX = re.compile(r"-(?:[A-Z0-9][\w+]*|[a-z]{1,2}\d[\w]*)(?:-(?:[A-Z0-9][\w+]*))*(?![\w-])")
DESCRIPTIVE_SUFFIX = re.compile(
    r"-(?:\w+(?:ed|ing|ly|ive|able|ible|ful|less)|Based|Like|Style|Free|Aware|Specific|Only|Level|Scale|Wise|"
    r"Agnostic|Friendly|Ready|Compatible|Native|Centric|Oriented|Size|Sized)(?![\w-])")
EXTENDABLE = frozenset({"Model", "Dataset", "Method"})
VARIANT_SUFFIX = re.compile(
    r"(?:(?:-| )(?:\d+(?:\.\d+)?[BMK]|\d+x\d+[BM])(?![\w])|-(?:[Bb]ase|[Ll]arge|[Ss]mall|[Tt]iny|[Hh]uge|XXL|XL|"
    r"Instruct|Chat|Math|Coder|it|[SBLHG]/\d+|[SBLHGT])(?![\w]))+")
LEADING_SPACE = re.compile(r"\s*")
TITLE_SLOT_END = re.compile(r"\s*(?::|$|(?:technical report|report|system card|model card)\s*$)", re.IGNORECASE)
OVERRIDING_RULES = frozenset({"title", "intro", "acronym"})
CITATION_OPENERS = (" (", " [", "(", "[")
CITATION = re.compile(r"\s*(?:\(([^()]{0,80}?\bet al\.?,?\s*\d{4}[a-z]?(?:;[^()]{0,80})?)\)"  # (Sun et al., 2023)
                      r"|\[(\d+(?:\s*[,\u2013-]\s*\d+)*)\])")  # [12] or [3, 4-6]


cached_slug = lru_cache(maxsize=1 << 16)(slug)


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    entity_id: str
    rule: str
    confidence: float
    introduced: bool = False


FEW_SURFACES = 16
"""Up to this many discovered names, each is searched for in the text on its own (one `str.find` pass per
name, fastest for an ordinary abstract); above it, one pass over the text's tokens finds them all
(`token_occurrences`), so a long text with many names stays linear."""

class _SpanIndex:
    """The hits of one text by position, for overlap tests in O(log n + k) instead of a scan of every hit.

    A linear scan per candidate made linking quadratic in text length (a 10 MB abstract took a minute).
    Spans are found by their start: one overlapping [start, end) starts in (start - longest, end), where
    `longest` is the longest span held. Ties go to the earliest added, as the scan they replace did.
    """

    __slots__ = ("count", "items", "keys", "longest", "per_entity")

    def __init__(self, hits: Iterable[_Hit] = ()):
        self.items: dict[int, _Hit] = dict(enumerate(hits, 1))
        self.keys: list[tuple[int, int]] = sorted((h.start, seq) for seq, h in self.items.items())  # (start, seq)
        self.longest = max((h.end - h.start for h in self.items.values()), default=0)
        self.count = len(self.items)
        self.per_entity: dict[str, int] = {}  # hits held per entity: which entities still have one
        for h in self.items.values():
            self.per_entity[h.entity_id] = self.per_entity.get(h.entity_id, 0) + 1

    def add(self, hit: _Hit) -> None:
        self.count += 1
        insort(self.keys, (hit.start, self.count))
        self.items[self.count] = hit
        self.longest = max(self.longest, hit.end - hit.start)
        self.per_entity[hit.entity_id] = self.per_entity.get(hit.entity_id, 0) + 1

    def _overlaps(self, start: int, end: int) -> Iterator[int]:
        """Sequence numbers of the hits overlapping [start, end), in position order."""
        lo = bisect_right(self.keys, (start - self.longest, self.count + 1))
        hi = bisect_left(self.keys, (end, 0))
        items = self.items
        return (seq for _, seq in self.keys[lo:hi] if items[seq].start < end and items[seq].end > start)

    def overlapping(self, start: int, end: int) -> list[tuple[int, _Hit]]:
        """(sequence, hit) of every hit overlapping [start, end), in the order they were added."""
        return [(seq, self.items[seq]) for seq in sorted(self._overlaps(start, end))]

    def first(self, start: int, end: int) -> str | None:
        """The entity of the earliest-added hit overlapping [start, end), else None."""
        seq = min(self._overlaps(start, end), default=None)
        return None if seq is None else self.items[seq].entity_id

    def inside(self, start: int, end: int) -> list[tuple[int, _Hit]]:
        """(sequence, hit) of the hits within [start, end], in the order they were added."""
        lo = bisect_left(self.keys, (start, 0))
        hi = bisect_right(self.keys, (end, self.count + 1))
        return sorted((seq, self.items[seq]) for _, seq in self.keys[lo:hi] if self.items[seq].end <= end)

    def starting_at(self, position: int) -> Iterator[_Hit]:
        """The hits that start at `position`."""
        lo = bisect_left(self.keys, (position, 0))
        hi = bisect_right(self.keys, (position, self.count + 1))
        return (self.items[seq] for _, seq in self.keys[lo:hi])

    def remove(self, seq: int) -> None:
        hit = self.items.pop(seq)
        del self.keys[bisect_left(self.keys, (hit.start, seq))]
        self.per_entity[hit.entity_id] -= 1


@dataclass(slots=True)
class _EntityInfo:
    name: str
    type: str
    source: str
    confidence: float
    parent: str | None = None


@dataclass(slots=True)
class PaperAnalysis:
    """Everything found in one paper before it is assembled into a `LinkedPaper`.

    The paper's text is derived from title and abstract on demand rather than
    stored, so a corpus of analyses does not hold a second copy of every abstract.
    """

    id: str
    title: str
    abstract: str
    hits: list[_Hit] = field(default_factory=list)
    entities: dict[str, _EntityInfo] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}"

    @property
    def title_end(self) -> int:
        return len(self.title)


_HIT_ORDER = attrgetter("start", "end")
_new_evidence = tuple.__new__
"""`_new_evidence(Evidence, values)` skips the Python-level `Evidence.__new__` (one per entity per paper)."""


class Linker:
    """Links papers to catalog and discovered entities.

    Thresholds:
    - `fuzzy_cutoff` (0-100): rapidfuzz ratio at which a discovered surface is
      taken as a spelling of a catalog alias.
    - `min_confidence`: discovered entities below it are dropped.
    - `corpus_min_confidence`: an introduced, discovered entity at or above it
      is matched in every other paper by `link_many`.
    """

    def __init__(self, entities: Sequence[CatalogEntity] | None = None, *, catalog_files: Iterable[str | Path] = (),
                 fuzzy_cutoff: float = FUZZY_CUTOFF, min_confidence: float = MIN_CONFIDENCE,
                 corpus_min_confidence: float = CORPUS_MIN_CONFIDENCE):
        if entities is None:
            entities = load_catalog(catalog_files)
        self.by_id, self.by_alias = build_index(entities)
        self.parents: dict[str, str] = {}
        name_to_id = {match_key(e.name): eid for eid, e in self.by_id.items()}
        for eid, e in self.by_id.items():
            if e.parent:
                pid = e.parent if e.parent in self.by_id else name_to_id.get(match_key(e.parent))
                if pid and pid != eid:
                    self.parents[eid] = pid
        self._catalog_info = {eid: (e.name, e.type.value, "catalog", CATALOG_CONFIDENCE, self.parents.get(eid))
                              for eid, e in self.by_id.items()}
        self._hit_info = {eid: (len(e.name), e.type.value, fold(e.name)) for eid, e in self.by_id.items()}
        rules = []
        spaced: dict[str, str] = {}
        exact_forms: dict[str, list[tuple[str, str | None]]] = {}
        for eid, e in self.by_id.items():
            for a in aliases_of(e):
                rule = make_rule(eid, a.text, a.case, a.context, a.veto_next)
                rules.append(rule)
                spaced.setdefault(spaced_key(a.text), eid)
                exact_forms.setdefault(match_key(a.text), []).append((eid, rule.exact))
        self.matcher = DictionaryMatcher(rules)
        self.resolver = Resolver(self.by_alias, spaced, exact_forms=exact_forms, fuzzy_cutoff=fuzzy_cutoff)
        self.min_confidence = min_confidence
        self.corpus_min_confidence = corpus_min_confidence

    # -- one paper -----------------------------------------------------------------

    def link(self, paper: Paper) -> LinkedPaper:
        return self.assemble(self.analyse(paper.id, paper.title, paper.abstract))

    def link_text(self, title: str, abstract: str = "", paper_id: str = "") -> LinkedPaper:
        return self.assemble(self.analyse(paper_id, title, abstract))

    def analyse(self, paper_id: str, title: str, abstract: str) -> PaperAnalysis:
        a = PaperAnalysis(paper_id, title, abstract)
        text = a.text
        folded = fold(text)
        hits = a.hits
        entities = a.entities
        hit_info = self._hit_info
        for m in self.matcher.find(text, folded, text.lower()):
            start, end, rule = m
            eid = rule.entity_id
            conf = CONTEXT_CONFIDENCE if rule.context is not None else CATALOG_CONFIDENCE
            self._add_catalog(a, eid)
            name_len, etype, folded_name = hit_info[eid]
            if end - start > name_len and etype == "Model" and folded.startswith(folded_name, start):
                tail = VARIANT_SUFFIX.fullmatch(text, start + name_len, end)
                if tail:
                    vid = self._add_variant(a, eid, text[start:end], tail.group(0))
                    hits.append(_Hit(start, end, vid, "catalog-variant", conf))
                    continue
            variant = None
            if etype in EXTENDABLE:
                if etype == "Model" and text.startswith(("-", " "), end):
                    variant = VARIANT_SUFFIX.match(text, end)
                if variant is None and text.startswith("-", end):
                    variant = HYPHEN_SUFFIX.match(text, end)
                    if variant and DESCRIPTIVE_SUFFIX.match(variant.group(0)):
                        variant = None
            if variant:
                vid = self._add_variant(a, eid, text[start:variant.end()], variant.group(0))
                hits.append(_Hit(start, variant.end(), vid, "catalog-variant", conf))
                continue
            hits.append(_Hit(start, end, eid, "catalog", conf))
        covered = bytearray(len(text))
        for h in hits:
            covered[h.start:h.end] = b"\x01" * (h.end - h.start)
        self._apply_candidates(a, discover(text, a.title_end, covered), text)
        self._repeat_discovered(a, text)
        title_end = a.title_end
        title_slot = None
        for h in hits:
            if h.introduced:
                continue
            if entities[h.entity_id].source == "discovered":
                h.introduced = is_introduced(text, h.start, title_end)
                continue
            if title_slot is None:
                title_slot = self._title_slot_entities(a, text)
            if h.entity_id in title_slot:
                h.introduced = h.start < title_end or named_right_before(text, scan(text), h.start, strong=True)
        return a

    def _title_slot_entities(self, a: PaperAnalysis, text: str, spans: _SpanIndex | None = None) -> set[str]:
        """Catalog entities whose name fills the title's name slot ("GPipe: ...", "Qwen2.5-Coder Technical Report").

        With `spans` (the index of `a.hits`) only the hits at the title's start are looked at, not every hit."""
        title_start = LEADING_SPACE.match(text).end()
        hits = a.hits if spans is None else spans.starting_at(title_start)
        return {h.entity_id for h in hits
                if h.start == title_start and TITLE_SLOT_END.match(text, h.end, a.title_end) is not None}

    def _introducible(self, a: PaperAnalysis, hit: _Hit, text: str, spans: _SpanIndex) -> bool:
        """Whether a hit may mark its entity as introduced by this paper.

        Discovered names: always. Catalog entities are known things, so only
        when the title starts with their name ("GPipe: ...", "Qwen2.5-Coder
        Technical Report"); "We introduce LoRA adapters into ..." or a title
        ending "... for Mixture of Experts" does not make a paper the origin
        of LoRA or MoE.
        """
        if a.entities[hit.entity_id].source == "discovered":
            return True
        return hit.entity_id in self._title_slot_entities(a, text, spans)

    def _add_catalog(self, a: PaperAnalysis, eid: str) -> None:
        if eid not in a.entities:
            a.entities[eid] = _EntityInfo(*self._catalog_info[eid])

    def _add_variant(self, a: PaperAnalysis, base_id: str, surface: str, suffix: str) -> str:
        """A named variant of a catalog entity ("Llama-2 7B", "COCO-POS"), with the entity as its parent.

        A variant the catalog lists as an entity of its own is that entity; one it lists only as
        an alias of the family ("Qwen2.5-Coder-32B-Instruct") becomes a variant entity.
        """
        name = self.by_id[base_id].name + suffix
        known = [eid for eid in (self.resolver.by_alias.get(match_key(surface)) or
                                 self.resolver.by_alias.get(match_key(name)) or []) if eid != base_id]
        if known:
            self._add_catalog(a, known[0])
            return known[0]
        vid = cached_slug(name)
        if vid not in a.entities:
            a.entities[vid] = _EntityInfo(name, self.by_id[base_id].type.value, "discovered", 0.85, base_id)
        return vid

    def _apply_candidates(self, a: PaperAnalysis, candidates: list[Candidate], text: str) -> None:
        spans = _SpanIndex(a.hits)
        overlapping = spans.first
        gone: set[int] = set()  # ids of hits dropped by `_drop_contained`, taken out of `a.hits` at the end

        for c in candidates:
            resolved = None
            for surface, _, _ in c.surfaces:
                r = self.resolver.resolve_mention(surface)
                if r is not None:
                    resolved = r
                    break
            if resolved is not None:
                eid = resolved.entity_id
                self._add_catalog(a, eid)
                for _, start, end in c.surfaces:
                    other = overlapping(start, end)
                    if other is None:
                        hit = _Hit(start, end, eid, "fuzzy" if resolved.how == "fuzzy" else c.rule,
                                   min(c.confidence, resolved.score / 100))
                        a.hits.append(hit)
                        spans.add(hit)
                    elif other == eid and c.introduced:
                        for _, h in spans.overlapping(start, end):
                            if h.entity_id == eid and self._introducible(a, h, text, spans):
                                h.introduced = True
                continue
            if c.confidence < self.min_confidence:
                continue
            name = c.name
            eid = cached_slug(name)
            if eid not in a.entities and name.endswith("s") and cached_slug(name[:-1]) in a.entities:
                eid = cached_slug(name[:-1])
            if c.rule in OVERRIDING_RULES and c.confidence >= 0.7:
                self._drop_contained(a, spans, c.surfaces, gone)
            if any(overlapping(s, e) not in (None, eid) for _, s, e in c.surfaces[:1]):
                continue
            info = a.entities.get(eid)
            if info is None:
                a.entities[eid] = _EntityInfo(name, c.type, "discovered", c.confidence)
            elif c.confidence > info.confidence:
                info.type, info.confidence = c.type, c.confidence
            for _, start, end in c.surfaces:
                if overlapping(start, end) is None:
                    hit = _Hit(start, end, eid, c.rule, c.confidence, c.introduced)
                    a.hits.append(hit)
                    spans.add(hit)
                elif c.introduced:
                    for _, h in spans.overlapping(start, end):
                        if h.entity_id == eid:
                            h.introduced = True
        if gone:
            a.hits[:] = [h for h in a.hits if id(h) not in gone]

    @staticmethod
    def _drop_contained(a: PaperAnalysis, spans: _SpanIndex, surfaces, gone: set[int]) -> None:
        """A name the paper introduces wins over catalog names inside it ("Pre-gated MoE" over "MoE").

        The dropped hits leave `spans` now and `a.hits` when the caller is done (their ids go to `gone`):
        filtering the list on every drop made a long text quadratic. A catalog entity left without a hit
        goes at once, as later candidates look entities up."""
        dropped = False
        for _, start, end in surfaces:
            inside = [(seq, h) for seq, h in spans.inside(start, end) if (h.start, h.end) != (start, end)]
            if not inside:
                continue
            for seq, h in inside:
                gone.add(id(h))
                spans.remove(seq)
            dropped = True
        if not dropped:
            return
        held = spans.per_entity
        for eid in [e for e, info in a.entities.items() if not held.get(e) and info.source == "catalog"]:
            del a.entities[eid]

    def _repeat_discovered(self, a: PaperAnalysis, text: str) -> None:
        """Later occurrences of a discovered name in the same paper are mentions too."""
        discovered = {eid for eid, info in a.entities.items() if info.source == "discovered"}
        if not discovered:
            return
        taken = bytearray(len(text))
        surfaces = {}
        for h in a.hits:
            taken[h.start:h.end] = b"\x01" * (h.end - h.start)
            if h.entity_id in discovered:
                s = text[h.start:h.end]
                if len(s) >= 2 and (is_name_like(s) or " " in s):
                    surfaces[s] = h.entity_id
        found = token_occurrences(text, surfaces) if len(surfaces) > FEW_SURFACES else None
        for s, eid in surfaces.items():
            for start, end in (found[s] if found is not None and s in found else find_token(text, s, plural=True)):
                if taken.find(1, start, end) < 0:
                    a.hits.append(_Hit(start, end, eid, "repeat", a.entities[eid].confidence))
                    taken[start:end] = b"\x01" * (end - start)

    # -- assembly ------------------------------------------------------------------

    def evidence(self, a: PaperAnalysis) -> list[Evidence]:
        """Each linked entity of a paper with its mentions, as plain tuples in order of first mention.

        This is what `kg build` puts into the graph; `assemble` wraps the same in pydantic models.
        """
        by_entity: dict[str, list[_Hit]] = {}
        for h in sorted(a.hits, key=_HIT_ORDER):
            group = by_entity.get(h.entity_id)
            if group is None:
                by_entity[h.entity_id] = [h]
            else:
                group.append(h)
        text = a.text
        out = []
        for eid, hits in by_entity.items():
            info = a.entities[eid]
            mentions = []
            confidence = 0.0
            introduced = False
            for h in hits:
                start, end = h.start, h.end
                cite = CITATION.match(text, end) if text.startswith(CITATION_OPENERS, end) else None
                citation = (cite.group(1) or cite.group(2)) if cite else None
                mentions.append((start, end, text[start:end], h.rule, citation))
                if h.confidence > confidence:
                    confidence = h.confidence
                introduced = introduced or h.introduced
            out.append(_new_evidence(Evidence, (eid, info.name, info.type, info.source, info.parent,
                                                 round(confidence, 3), introduced, mentions)))
        return out

    def assemble(self, a: PaperAnalysis) -> LinkedPaper:
        """The linker's output for one paper."""
        return LinkedPaper(id=a.id, title=a.title, entities=[
            LinkedEntity(
                id=e.id, name=e.name, type=EntityType(e.type), surfaces=e.surfaces,
                confidence=e.confidence, introduced=e.introduced, source=e.source, parent=e.parent,
                mentions=[Mention(start=s, end=t, surface=surface, rule=rule, citation=citation)
                          for s, t, surface, rule, citation in e.mentions])
            for e in self.evidence(a)])

    # -- a corpus ------------------------------------------------------------------

    def link_many(self, papers: Iterable[Paper], propagate: bool = True) -> list[LinkedPaper]:
        """Link every paper; with `propagate`, names that papers introduce are then matched in all papers."""
        with paused_gc():
            analyses = [self.analyse(p.id, p.title, p.abstract) for p in papers]
            if propagate:
                self.propagate(analyses)
            return [self.assemble(a) for a in analyses]

    def propagate(self, analyses: list[PaperAnalysis]) -> None:
        """Match introduced, discovered names across the corpus and give each one type by vote."""
        votes: dict[str, dict[str, float]] = {}
        surfaces: dict[str, str] = {}
        min_confidence = self.corpus_min_confidence
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
                s = text[h.start:h.end]
                if is_propagatable(s):
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
                taken = _SpanIndex(hits)
                for start, end, rule in matches:
                    if taken.first(start, end) is not None:
                        continue
                    eid = rule.entity_id
                    if eid not in a.entities:
                        a.entities[eid] = _EntityInfo(names[eid], "", "discovered", CORPUS_CONFIDENCE)
                    hit = _Hit(start, end, eid, "corpus", CORPUS_CONFIDENCE)
                    hits.append(hit)
                    taken.add(hit)
            if winners.keys().isdisjoint(a.entities):
                continue
            for eid, info in a.entities.items():
                if eid in winners:
                    info.type = winners[eid]


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector for a batch: linking allocates many small acyclic objects,
    and full collections over a large live heap would otherwise dominate the run time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def is_propagatable(surface: str) -> bool:
    """Distinctive enough to match in other papers: a coined, mixed-case name of 4+ characters ("SeTa", "ProX").

    Short or all-caps names ("CO2", "SPA", "COMET") collide with other meanings across a corpus.
    """
    return len(surface) >= 4 and is_mixed_case(surface)


def resolve_mention(surface: str, linker: Linker | None = None) -> str | None:
    """The catalog id a surface string names, or None (convenience for the Python API)."""
    linker = linker or Linker()
    r = linker.resolver.resolve_mention(surface)
    return r.entity_id if r else None
