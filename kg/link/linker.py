"""The entity linker: catalog detection + discovery + resolution, with evidence on every link.

A paper's text is its title, a newline, then its abstract; every mention's
`start`/`end` index that string. `Linker.link` handles one paper;
`Linker.link_many` links a corpus and then matches the names that papers
introduce in every other paper, so one new entity found in several papers is
one entity, and papers that use it can be linked to the paper that made it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from kg.link import propagation
from kg.link.analysis import EntityInfo, Hit, PaperAnalysis
from kg.link.compiled import CatalogInfo, CompiledCatalog, compile_catalog, load_compiled
from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.link.detect import fold
from kg.link.discover import (
    Candidate,
    DiscoveryContext,
    discover,
    find_token,
    named_right_before,
    token_occurrences,
)
from kg.link.discover.urls import in_url, may_hold_url
from kg.link.evidence import assemble, evidence
from kg.link.extension import NameExtender
from kg.link.lists import type_by_lists
from kg.link.resolve import long_form_agrees, long_name_stems
from kg.link.spans import SpanIndex
from kg.model.collector import paused_gc
from kg.model.text import slug
from kg.model.types import CatalogEntity, Evidence, LinkedPaper, Paper

LEADING_SPACE = re.compile(r"\s*")
TITLE_SLOT_END = re.compile(r"\s*(?::|$|(?:technical report|report|system card|model card)\s*$)", re.IGNORECASE)
OVERRIDING_RULES = frozenset({"title", "intro", "acronym"})
_LINK_BEFORE = frozenset("/.-_@=")
_LINK_AFTER = frozenset("/._")
"""Characters next to a name inside a link ("github.com/microsoft/Swin-Transformer"): only then is `in_url` asked."""
METRIC_AFTER = re.compile(r"[- ]?(?:Score|score|Scores)\b")
"""A name that a metric is named after ("CLIP-Score", "BERTScore"): the guideline leaves metrics out."""
_METRIC_STARTS = ("-S", "-s", " S", " s", "S", "s")


def catalog_adder(catalog_info: dict[str, CatalogInfo]) -> Callable[[PaperAnalysis, str], None]:
    """A function that adds a catalog entity to a paper's analysis. A closure over the table, not a method:
    the `NameExtender` a `Linker` holds keeps it, and a bound method would make the linker a reference cycle,
    which only the cyclic collector frees (60 ms over the ~140,000 objects of its tables)."""

    def add(a: PaperAnalysis, eid: str) -> None:
        if eid not in a.entities:
            a.entities[eid] = EntityInfo(*catalog_info[eid])

    return add


class Linker:
    """Links papers to catalog and discovered entities, with the thresholds of `config` (see `LinkerConfig`).

    Caches live here, not in modules: `slug` of discovered names, the name tests and per-paper scan of
    discovery (in `DiscoveryContext`), and the resolver's memory of surfaces.
    """

    def __init__(
        self,
        entities: Sequence[CatalogEntity] | None = None,
        *,
        catalog_files: Iterable[str | Path] = (),
        config: LinkerConfig = DEFAULT_CONFIG,
        compiled: CompiledCatalog | None = None,
    ):
        if compiled is None:  # given: compiled elsewhere (`kg link --engine spark` broadcasts the driver's)
            compiled = (
                load_compiled(list(catalog_files), config) if entities is None else compile_catalog(entities, config)
            )
        self.config = config
        self.by_id, self.by_alias, self.parents = compiled.by_id, compiled.by_alias, compiled.parents
        self._catalog_info, self._hit_info = compiled.catalog_info, compiled.hit_info
        self.matcher, self.resolver = compiled.matcher, compiled.resolver
        self._add_catalog = catalog_adder(self._catalog_info)
        self._slug = lru_cache(maxsize=config.slug_cache_size)(slug)
        """`slug` of discovered names, remembered for this linker's corpus."""
        self.extender = NameExtender(
            self.by_id, self.by_alias, self._hit_info, self._add_catalog, self._slug, config.variant_confidence
        )
        self.context = DiscoveryContext(config)
        self._long_name_stems: dict[str, list[set[str]]] = {}

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
        extend = self.extender.extend
        catalog_confidence, context_confidence = self.config.catalog_confidence, self.config.context_confidence
        extended_to = 0  # the end of the last hit a variant or derived name stretched past its alias
        urls = may_hold_url(text)
        may_extend = self.extender.may_extend
        catalog_info = self._catalog_info
        for m in self.matcher.find(text, folded, text.lower()):
            start, end, rule = m
            if (
                start < extended_to
                or (
                    urls
                    and (text[start - 1 : start] in _LINK_BEFORE or text[end : end + 1] in _LINK_AFTER)
                    and in_url(text, start)
                )
                or (text.startswith(_METRIC_STARTS, end) and METRIC_AFTER.match(text, end))
            ):
                continue  # inside a name already taken, a link ("github.com/microsoft/Swin-Transformer"), a metric
            eid = rule.entity_id
            conf = context_confidence if rule.context is not None else catalog_confidence
            if eid not in entities:
                entities[eid] = EntityInfo(*catalog_info[eid])
            if not may_extend(text, start, end, eid):
                hits.append(Hit(start, end, eid, "catalog", conf))  # the common case: plain words around it
                continue
            hit = extend(a, text, folded, start, end, eid, conf)
            hits.append(hit)
            if hit.end > end:
                extended_to = hit.end
        covered = bytearray(len(text))
        for h in hits:
            covered[h.start : h.end] = b"\x01" * (h.end - h.start)
        self._apply_candidates(a, discover(text, a.title_end, covered, self.context), text)
        type_by_lists(a, text, self.resolver.resolve_mention, self._add_catalog, self._slug, self.config)
        self._repeat_discovered(a, text)
        title_end = a.title_end
        title_slot = None
        context = self.context
        for h in hits:
            if h.introduced:
                continue
            if entities[h.entity_id].source == "discovered":
                h.introduced = context.is_introduced(text, h.start, title_end)
                continue
            if title_slot is None:
                title_slot = self._title_slot_entities(a, text)
            if h.entity_id in title_slot:
                h.introduced = h.start < title_end or named_right_before(
                    text, context.scan(text), h.start, self.config.naming_lookback, strong=True
                )
        return a

    def _title_slot_entities(self, a: PaperAnalysis, text: str, spans: SpanIndex | None = None) -> set[str]:
        """Catalog entities whose name fills the title's name slot ("GPipe: ...", "Qwen2.5-Coder Technical Report").

        With `spans` (the index of `a.hits`) only the hits at the title's start are looked at, not every hit."""
        leading = LEADING_SPACE.match(text)
        title_start = leading.end() if leading else 0
        hits = a.hits if spans is None else spans.starting_at(title_start)
        return {
            h.entity_id
            for h in hits
            if h.start == title_start and TITLE_SLOT_END.match(text, h.end, a.title_end) is not None
        }

    def _introducible(self, a: PaperAnalysis, hit: Hit, text: str, spans: SpanIndex) -> bool:
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

    def _long_names(self, eid: str) -> list[set[str]]:
        """The content stems of each long name of a catalog entity (see `kg.link.resolve.long_form_agrees`),
        remembered: an acronym of a known entity comes up again and again."""
        found = self._long_name_stems.get(eid)
        if found is None:
            found = self._long_name_stems[eid] = long_name_stems(self.by_id[eid])
        return found

    def _apply_candidates(self, a: PaperAnalysis, candidates: list[Candidate], text: str) -> None:
        spans = SpanIndex(a.hits)
        overlapping = spans.first
        cached_slug = self._slug
        min_confidence, overriding_min_confidence = self.config.min_confidence, self.config.overriding_min_confidence
        typed_min_confidence = self.config.typed_by_hint_confidence
        derived = any(h.rule == "catalog-derived" for h in a.hits)
        gone: set[int] = set()  # ids of hits dropped by `_drop_contained`, taken out of `a.hits` at the end

        for c in candidates:
            resolved = None
            for surface, _, _ in c.surfaces:
                r = self.resolver.resolve_mention(surface)
                if r is not None:
                    resolved = r
                    break
            if (
                resolved is not None
                and c.rule == "acronym"
                and not long_form_agrees(self._long_names(resolved.entity_id), c.surfaces[-1][0])
            ):
                resolved = None  # "Least Recently Used (LRU)" is not the catalog's LRU, a Linear Recurrent Unit
            if resolved is not None:
                eid = resolved.entity_id
                found = c.surfaces
                if c.type == "Dataset" and self.by_id[eid].type.value in ("Model", "Method"):
                    benchmark = self.extender.benchmark_for(a, eid, text, found[0])
                    if benchmark is not None:
                        eid, found = benchmark
                self._add_catalog(a, eid)
                for _, start, end in found:
                    other = overlapping(start, end)
                    if other is None:
                        hit = Hit(
                            start,
                            end,
                            eid,
                            "fuzzy" if resolved.how == "fuzzy" else c.rule,
                            min(c.confidence, resolved.score / 100),
                        )
                        a.hits.append(hit)
                        spans.add(hit)
                    elif other == eid and c.introduced:
                        for _, h in spans.overlapping(start, end):
                            if h.entity_id == eid and self._introducible(a, h, text, spans):
                                h.introduced = True
                continue
            if c.confidence < min_confidence:
                continue
            name = c.name
            eid = cached_slug(name)
            if eid not in a.entities and name.endswith("s") and cached_slug(name[:-1]) in a.entities:
                eid = cached_slug(name[:-1])
            if c.rule in OVERRIDING_RULES and c.confidence >= overriding_min_confidence:
                self._drop_contained(a, spans, c.surfaces, gone)
            if derived and c.confidence >= typed_min_confidence:
                self._drop_derived(a, spans, c.surfaces, gone)
            if any(overlapping(s, e) not in (None, eid) for _, s, e in c.surfaces[:1]):
                continue
            info = a.entities.get(eid)
            if info is None:
                a.entities[eid] = EntityInfo(name, c.type, "discovered", c.confidence)
            elif c.confidence > info.confidence:
                info.type, info.confidence = c.type, c.confidence
            for _, start, end in c.surfaces:
                if overlapping(start, end) is None:
                    hit = Hit(start, end, eid, c.rule, c.confidence, c.introduced)
                    a.hits.append(hit)
                    spans.add(hit)
                elif c.introduced:
                    for _, h in spans.overlapping(start, end):
                        if h.entity_id == eid:
                            h.introduced = True
        if gone:
            a.hits[:] = [h for h in a.hits if id(h) not in gone]

    @staticmethod
    def _drop_contained(
        a: PaperAnalysis, spans: SpanIndex, surfaces: Iterable[tuple[str, int, int]], gone: set[int]
    ) -> None:
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

    @staticmethod
    def _drop_derived(
        a: PaperAnalysis, spans: SpanIndex, surfaces: Iterable[tuple[str, int, int]], gone: set[int]
    ) -> None:
        """A name discovery reads from the text and types from its context ("X-CLIP, a method that ...")
        wins over the same word read as a derived catalog name, which is typed only by its family."""
        claimed = {
            h.entity_id
            for _, start, end in surfaces
            for _, h in spans.inside(start, end)
            if h.rule == "catalog-derived"
        }
        if not claimed:
            return
        for seq, h in [(seq, h) for seq, h in spans.items.items() if h.entity_id in claimed]:
            gone.add(id(h))
            spans.remove(seq)
        for eid in claimed:
            del a.entities[eid]

    def _repeat_discovered(self, a: PaperAnalysis, text: str) -> None:
        """Later occurrences of a discovered name in the same paper are mentions too."""
        discovered = {eid for eid, info in a.entities.items() if info.source == "discovered"}
        if not discovered:
            return
        taken = bytearray(len(text))
        is_name_like = self.context.is_name_like
        surfaces = {}
        for h in a.hits:
            taken[h.start : h.end] = b"\x01" * (h.end - h.start)
            if h.entity_id in discovered:
                s = text[h.start : h.end]
                if len(s) >= 2 and (is_name_like(s) or " " in s):
                    surfaces[s] = h.entity_id
        found = token_occurrences(text, surfaces) if len(surfaces) > self.config.few_surfaces else None
        for s, eid in surfaces.items():
            for start, end in found[s] if found is not None and s in found else find_token(text, s, plural=True):
                if taken.find(1, start, end) < 0:
                    a.hits.append(Hit(start, end, eid, "repeat", a.entities[eid].confidence))
                    taken[start:end] = b"\x01" * (end - start)

    # -- assembly ------------------------------------------------------------------

    def evidence(self, a: PaperAnalysis) -> list[Evidence]:
        """Each linked entity of a paper with its mentions, as plain tuples (see `kg.link.evidence.evidence`)."""
        return evidence(a)

    def assemble(self, a: PaperAnalysis) -> LinkedPaper:
        """The linker's output for one paper."""
        return assemble(a)

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
        propagation.propagate(
            analyses,
            self.config.corpus_min_confidence,
            self.config.corpus_confidence,
            self.config.propagate_min_length,
            self.context.is_mixed_case,
        )


def resolve_mention(surface: str, linker: Linker | None = None) -> str | None:
    """The catalog id a surface string names, or None (convenience for the Python API)."""
    linker = linker or Linker()
    r = linker.resolver.resolve_mention(surface)
    return r.entity_id if r else None
