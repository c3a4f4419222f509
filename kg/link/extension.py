"""What a catalog hit becomes when the words around it make a more specific name.

The dictionary finds a catalog alias; the text may go on or start earlier with a release, a size, a derived
name, the maker, a compound architecture name or "benchmark" (the grammar is in `kg.link.variants`). The
`NameExtender` turns each such hit into the entity the whole span names: a catalog entity when the catalog
lists it, else a discovered one with the catalog entity as its parent (`VARIANT_OF` in the graph).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.link.analysis import EntityInfo, Hit, PaperAnalysis
from kg.link.discover.vocabulary import ORGANISATIONS
from kg.link.variants import VARIANT_SUFFIX, compound_start, derived_prefix, size_before, variant_suffix
from kg.model.text import match_key, spaced_key
from kg.model.types import CatalogEntity

EXTENDABLE = frozenset({"Model", "Dataset", "Method"})
"""Types whose names take versions, editions and derived forms."""
VENDOR_TYPES = frozenset({"Hardware", "Framework"})
"""Products whose maker is often written as part of the name ("Google Coral Dev Board")."""
ARCHITECTURE_WORDS = frozenset({"transformer", "transformers"})
"""Catalog names that are also the head of other architectures' names: "a lightweight Querying Transformer"
names its own architecture."""
_BENCHMARK_STARTS = (" benchmark", " test set", " eval set", " evaluation set")
NAMED_BENCHMARK = re.compile("(?:" + "|".join(_BENCHMARK_STARTS) + r")(?![\w-])")
"""A model's or method's name before "benchmark" names a dataset ("the Vicuna benchmark"), not the model."""
_SPACED_STARTS = (" tiny-v", " base-v", " small-v", " medium-v", " large-v", *_BENCHMARK_STARTS)
"""Words after a space that may start a suffix or a benchmark's name (see `kg.link.variants`)."""
COMMON_PREFIXES = frozenset(
    "non pre post anti multi semi self cross sub co re de un in inter intra over under hyper super meta mini "
    "micro macro auto bi tri uni dual ultra extra pseudo quasi proto out up down top low high full half "
    "long short fast slow small large big tiny".split()
)
"""English prefixes, which modify a name ("Non-Transformer", "Multi-LoRA") rather than derive a new one."""

# (length of the entity's name, its type, its folded name) per catalog id, for the hot loop.
HitInfo = dict[str, tuple[int, str, str]]


class NameExtender:
    """Extends catalog hits to the names around them, for one `Linker` (its catalog, aliases and caches)."""

    def __init__(
        self,
        by_id: dict[str, CatalogEntity],
        by_alias: dict[str, list[str]],
        hit_info: HitInfo,
        add_catalog: Callable[[PaperAnalysis, str], None],
        slug: Callable[[str], str],
        variant_confidence: float,
    ):
        self.by_id, self.by_alias, self.hit_info = by_id, by_alias, hit_info
        self._add_catalog, self.slug, self.variant_confidence = add_catalog, slug, variant_confidence

    def extend(self, a: PaperAnalysis, text: str, folded: str, start: int, end: int, eid: str, conf: float) -> Hit:
        """The hit for a catalog match of `eid` at text[start:end]: the match itself, or the longer name it is
        part of."""
        name_len, etype, folded_name = self.hit_info[eid]
        if etype in EXTENDABLE:
            derived = self._derived_hit(a, eid, etype, text, start, end, conf)
            if derived is not None:
                return derived
        if end - start > name_len and etype == "Model" and folded.startswith(folded_name, start):
            tail = VARIANT_SUFFIX.fullmatch(text, start + name_len, end)
            if tail:
                more = variant_suffix(text, end, etype)
                stop = more.end() if more else end
                vid = self._add_variant(a, eid, text[start:stop], text[start + name_len : stop])
                return Hit(start, stop, vid, "catalog-variant", conf)
        variant = variant_suffix(text, end, etype) if etype in EXTENDABLE else None
        if variant:
            vid = self._add_variant(a, eid, text[start : variant.end()], variant.group(0))
            return Hit(start, variant.end(), vid, "catalog-variant", conf)
        sized = self._sized_before(eid, text, start, end) if etype == "Model" else None
        if sized:
            self._add_catalog(a, sized[1])
            return Hit(sized[0], end, sized[1], "catalog-variant", conf)
        if etype in VENDOR_TYPES and start > 1 and text[start - 1] == " ":
            vendor = self._vendor_before(eid, text, start)
            if vendor is not None:
                return Hit(vendor, end, eid, "catalog", conf)
        if etype == "Model" and folded_name in ARCHITECTURE_WORDS and start > a.title_end:
            compound = compound_start(text, start)
            if compound is not None:
                cid = self._add_discovered(a, text[compound:end], text[compound:end], "Model", eid)
                return Hit(compound, end, cid, "catalog-derived", conf)
        named = (
            NAMED_BENCHMARK.match(text, end)
            if etype in ("Model", "Method") and text.startswith(_BENCHMARK_STARTS, end)
            else None
        )
        if named:
            bid = self._add_benchmark(a, eid, text[start : named.end()], named.group(0))
            return Hit(start, named.end(), bid, "catalog-benchmark", conf)
        return Hit(start, end, eid, "catalog", conf)

    def may_extend(self, text: str, start: int, end: int, eid: str) -> bool:
        """A cheap test of the characters around a hit before `extend`: most hits have a plain word on each
        side, which no prefix, suffix, maker or benchmark rule can take."""
        name_len, etype, folded_name = self.hit_info[eid]
        if end - start > name_len:
            return True  # an alias longer than the name may hold a size ("Qwen2.5-Coder-32B")
        after = text[end : end + 3]
        first = after[:1]
        if first in ("-", "'") or first.isdigit():
            return True
        if first == " " and len(after) == 3:
            second, third = after[1], after[2]
            if second.isdigit() or second == "'" or (third.isdigit() and (second.islower() or second in "vV")):
                return True  # " 7B", " '24", " v3.1", " b1.58"
            if second in "XSBLHG" and third in "L/":
                return True  # " XL/2", " L/14"
            if text.startswith(_SPACED_STARTS, end):
                return True  # " large-v3", " benchmark"
        before = text[start - 1] if start else ""
        if before == "-":
            return True
        if before != " " or start < 2:
            return False
        if etype == "Model" and text[start - 2] in "BMK":
            return True  # "70B Llama-2"
        if etype in VENDOR_TYPES or (etype == "Model" and folded_name in ARCHITECTURE_WORDS):
            return text[text.rfind(" ", 0, start - 1) + 1].isupper()  # "NVIDIA A100", "Querying Transformer"
        return False

    def _sized_before(self, eid: str, text: str, start: int, end: int) -> tuple[int, str] | None:
        """A size written before a model name that the catalog lists with that size ("70B Llama-2" is
        "Llama 2 70B"): its start and the sized entity. Unlisted sizes ("the 8B Transformer") stay the family."""
        size = size_before(text, start)
        if size is None or text.startswith("-", end):
            return None
        listed = self.by_alias.get(match_key(self.by_id[eid].name + " " + size))
        return (start - len(size) - 1, listed[0]) if listed else None

    def _vendor_before(self, eid: str, text: str, start: int) -> int | None:
        """Where the maker's name written before a product starts ("Google Coral Dev Board", "NVIDIA A100"),
        so the mention holds the product's full name; None when the word before is not its maker."""
        word_start = text.rfind(" ", 0, start - 1) + 1
        word = text[word_start : start - 1]
        vendor = self.by_id[eid].vendor
        if not word[:1].isupper() or not (
            word.lower() in ORGANISATIONS or (vendor is not None and word.lower() == vendor.lower())
        ):
            return None
        return word_start

    def _add_benchmark(self, a: PaperAnalysis, eid: str, surface: str, head: str) -> str:
        """The dataset a model's or method's name makes with "benchmark" after it ("the Vicuna benchmark")."""
        return self._add_discovered(a, surface, self.by_id[eid].name + head, "Dataset", None)

    def benchmark_for(
        self, a: PaperAnalysis, eid: str, text: str, surface: tuple[str, int, int]
    ) -> tuple[str, tuple[tuple[str, int, int]]] | None:
        """A dataset candidate that resolved to a model or method: the benchmark named after it, when
        "benchmark" follows the name, and its mention ("the Vicuna benchmark")."""
        _, start, end = surface
        named = NAMED_BENCHMARK.match(text, end)
        if named is None:
            return None
        bid = self._add_benchmark(a, eid, text[start : named.end()], named.group(0))
        return bid, ((text[start : named.end()], start, named.end()),)

    def _derived_hit(
        self, a: PaperAnalysis, eid: str, etype: str, text: str, start: int, end: int, conf: float
    ) -> Hit | None:
        """A name derived from a catalog name by a glued prefix ("SWE-Llama", "w2v-BERT", "Audio-MAE"), if any.

        The whole word is the name: a model, dataset or method of the family's type, which the catalog
        resolves when it lists it, and otherwise a discovered entity that is a variant of the family, so
        the graph still leads from "Sparse-MoE" to Mixture-of-Experts."""
        p = derived_prefix(text, start)
        if p is None or text[p : start - 1].lower() in COMMON_PREFIXES:
            return None
        suffix = variant_suffix(text, end, etype)
        stop = suffix.end() if suffix else end
        surface = text[p:stop]
        known = self.by_alias.get(match_key(surface))
        if known:
            self._add_catalog(a, known[0])
            return Hit(p, stop, known[0], "catalog", conf)
        return Hit(p, stop, self._add_discovered(a, surface, surface, etype, eid), "catalog-derived", conf)

    def _add_variant(self, a: PaperAnalysis, base_id: str, surface: str, suffix: str) -> str:
        """A named variant of a catalog entity ("Llama-2 7B", "COCO-POS"), with the entity as its parent.

        A variant the catalog lists as an entity of its own is that entity; one it lists only as
        an alias of the family ("Qwen2.5-Coder-32B-Instruct") becomes a variant entity.
        """
        family = self.by_id[base_id].name
        written = surface[: len(surface) - len(suffix)]
        name = family + suffix if spaced_key(written) == spaced_key(family) else surface
        known = [
            eid
            for eid in (self.by_alias.get(match_key(surface)) or self.by_alias.get(match_key(name)) or [])
            if eid != base_id
        ]
        if known:
            self._add_catalog(a, known[0])
            return known[0]
        return self._add_discovered(a, name, name, self.by_id[base_id].type.value, base_id)

    def _add_discovered(self, a: PaperAnalysis, key: str, name: str, etype: str, parent: str | None) -> str:
        """The id of the entity a grown name makes (`slug` of `key`), added to the paper's entities with
        `parent` as its family unless the paper has it already."""
        eid = self.slug(key)
        if eid not in a.entities:
            a.entities[eid] = EntityInfo(name, etype, "discovered", self.variant_confidence, parent)
        return eid
