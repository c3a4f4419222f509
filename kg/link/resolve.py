"""Resolution of a spelling to entities: dictionaries first, rapidfuzz for the remainder; one `Resolver`.

Order (cheapest first): exact match key of an alias; the key with generic
heads and vendor prefixes removed ("NVIDIA A100 GPUs" -> "a100"); then
`rapidfuzz.fuzz.ratio` on spaced keys against the aliases, accepted at or
above a cut-off and only when both strings carry the same numbers (so "Llama
3" never resolves to "Llama 2"). The linker and `kg lookup` use the same
`Resolver` with two cut-offs (`LinkerConfig.fuzzy_cutoff`,
`LinkerConfig.lookup_fuzzy_cutoff`): linking must not invent links; a lookup
tolerates a user's typo.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.link.detect import written_form
from kg.model.text import match_key, spaced_key

if TYPE_CHECKING:
    from kg.model.types import CatalogEntity

LOOKUP_CANDIDATES = 20
"""Best-scoring choices a lookup reads for one with the same numbers as the name typed."""
VENDORS = (
    "nvidia",
    "amd",
    "google",
    "intel",
    "huawei",
    "apple",
    "qualcomm",
    "meta",
    "microsoft",
    "openai",
    "graphcore",
    "cerebras",
    "aws",
    "amazon",
    "geforce",
    "tesla",
)
HEADS = (
    "gpus",
    "gpu",
    "tpus",
    "npus",
    "npu",
    "chips",
    "chip",
    "accelerators",
    "accelerator",
    "cards",
    "models",
    "model",
    "dataset",
    "datasets",
    "benchmark",
    "benchmarks",
    "corpus",
    "framework",
    "library",
    "toolkit",
    "architecture",
    "architectures",
    "algorithm",
    "optimizer",
    "method",
)
_NUMBERS = re.compile(r"\d+")
_HEAD_RE = re.compile(r"\s+(?:" + "|".join(HEADS) + r")$")
_VENDOR_RE = re.compile(r"^(?:" + "|".join(VENDORS) + r")\s+")


class Resolution(NamedTuple):
    entity_id: str
    score: float
    how: str


def same_numbers(a: str, b: str) -> bool:
    """Both strings carry the same digit groups: versions and sizes must agree exactly."""
    return _NUMBERS.findall(a) == _NUMBERS.findall(b)


def strip_generic(spaced: str) -> str:
    """Drop a vendor prefix and a generic head noun: "nvidia a100 gpus" -> "a100"."""
    prev = None
    while prev != spaced:
        prev = spaced
        spaced = _HEAD_RE.sub("", _VENDOR_RE.sub("", spaced))
    return spaced


def one_deletions(s: str) -> set[str]:
    """Every string made by deleting one character of `s`."""
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


class FuzzyIndex:
    """The best `fuzz.ratio` match of a query among `choices` at or above `cutoff`: what
    `process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)` returns, ties going to the
    earlier choice, without scoring every choice.

    `fuzz.ratio` is 100 * (1 - d / (n + m)) for strings of lengths n and m at indel distance d. So a
    match needs |n - m| <= d <= (1 - cutoff / 100) * (n + m), and below `two_edit_length` (n + m < 200 /
    (100 - cutoff), 33.3 at the default cutoff: most names) only d <= 1 can reach the cutoff. Those
    matches are found in dictionaries by the deletion neighbourhood of Bocek, Hunt & Stiller (2007),
    "Fast Similarity Search in Large Dictionaries" (FastSS): a choice at d = 1 is the query with one
    character deleted, or the query is the choice with one deleted. Only longer pairs are scored by
    rapidfuzz, one call per alias length that can match. A few microseconds a query instead of
    scoring all ~6,400 aliases (~300 us).
    """

    def __init__(self, choices: Sequence[str], cutoff: float):
        self.choices = list(choices)
        self.cutoff = cutoff
        slack = 1 - cutoff / 100
        self._slack = slack
        self.two_edit_length = math.floor(2 / slack) if slack > 0 else math.inf
        self._position: dict[str, int] = {}
        self._deleted: dict[str, list[int]] = {}
        self._by_length: dict[int, tuple[list[str], list[int]]] = {}
        self._lengths_for: dict[int, list[int]] = {}
        deleted = self._deleted
        for i, choice in enumerate(self.choices):
            self._position.setdefault(choice, i)
            if 2 * len(choice) - 1 < self.two_edit_length:  # a longer choice meets every query by scoring
                for shorter in one_deletions(choice):
                    deleted.setdefault(shorter, []).append(i)
            same_length = self._by_length.setdefault(len(choice), ([], []))
            same_length[0].append(choice)
            same_length[1].append(i)

    def _near(self, query: str) -> set[int]:
        """Positions of the choices within one insertion or deletion of `query`."""
        found = set(self._deleted.get(query, ()))
        position = self._position.get(query)
        if position is not None:
            found.add(position)
        for shorter in one_deletions(query):
            position = self._position.get(shorter)
            if position is not None:
                found.add(position)
        return found

    def _long_lengths(self, n: int) -> list[int]:
        """Lengths of the choices a query of length `n` may match at indel distance 2 or more."""
        lengths = self._lengths_for.get(n)
        if lengths is None:
            lengths = self._lengths_for[n] = [
                m
                for m in self._by_length
                if n + m >= self.two_edit_length and abs(n - m) <= self._slack * (n + m) + 1e-9
            ]
        return lengths

    def best(self, query: str) -> tuple[str, float, int] | None:
        """(choice, score, position) of the best match, or None."""
        from rapidfuzz import fuzz, process  # imported on first fuzzy use: an exact lookup never needs it

        best = None
        for i in sorted(self._near(query)):
            score = fuzz.ratio(query, self.choices[i], score_cutoff=self.cutoff)
            if score >= self.cutoff and (best is None or score > best[1]):
                best = (self.choices[i], score, i)
        for m in self._long_lengths(len(query)):
            choices, positions = self._by_length[m]
            found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=self.cutoff)
            if found is not None:
                choice, score, k = found
                if best is None or score > best[1] or (score == best[1] and positions[k] < best[2]):
                    best = (choice, score, positions[k])
        return best


class Resolver:
    """Spellings to entities, over `by_key` (match key -> entity ids) and `by_spaced` (spaced key -> entity ids).

    `resolve_mention` is the linker's policy: the first entity of a key, an alias's case rule (`exact_forms`,
    match key -> (entity, exact form) pairs) respected, a plural "s" read off, and fuzzy matching only at
    `config.fuzzy_cutoff`, for names of `config.fuzzy_min_length` or more, taking the single best choice.
    `resolve_name` is the lookup's: every entity of the key (the caller breaks ties), and fuzzy matching at
    `config.lookup_fuzzy_cutoff`, taking the best choice with the same numbers among the best few.
    """

    def __init__(
        self,
        by_key: dict[str, list[str]],
        by_spaced: dict[str, list[str]],
        *,
        exact_forms: dict[str, list[tuple[str, str | None]]] | None = None,
        config: LinkerConfig = DEFAULT_CONFIG,
    ):
        self.by_alias = by_key
        self.exact_forms = exact_forms or {}
        self.spaced = by_spaced
        self.config = config
        self._cache: dict[str, Resolution | None] = {}

    @cached_property
    def fuzzy(self) -> FuzzyIndex:
        """The aliases' spaced keys for `fuzz.ratio` at the linking cut-off (built on first use)."""
        return FuzzyIndex(list(self.spaced), self.config.fuzzy_cutoff)

    def resolve_mention(self, surface: str) -> Resolution | None:
        """The catalog entity a surface in a paper names, or None (remembered for the next paper)."""
        if surface in self._cache:
            return self._cache[surface]
        result = self._resolve(surface)
        if len(self._cache) < self.config.resolution_cache_size:
            self._cache[surface] = result
        return result

    def _cased(self, key: str, surface: str) -> str | None:
        """The first entity under `key` whose case rule admits `surface` ("MATH" is not "Math")."""
        forms = self.exact_forms.get(key)
        if forms is None:
            return self.by_alias[key][0]
        written = written_form(surface)
        for eid, exact in forms:
            lowered_first = written[:1].lower() + written[1:]
            if exact is None or exact == written or (exact[:1].islower() and lowered_first == exact):
                return eid
        return None

    def _resolve(self, surface: str) -> Resolution | None:
        key = match_key(surface)
        if not key:
            return None
        if key in self.by_alias:
            eid = self._cased(key, surface)
            return Resolution(eid, 100.0, "exact") if eid else None
        if key.endswith("s") and key[:-1] in self.by_alias:
            eid = self._cased(key[:-1], surface[:-1])
            if eid:
                return Resolution(eid, 100.0, "plural")
        spaced = spaced_key(surface)
        stripped = strip_generic(spaced)
        if stripped != spaced:
            ids = self.by_alias.get(stripped.replace(" ", ""))
            if ids:
                return Resolution(ids[0], 100.0, "normalised")
        if len(stripped.replace(" ", "")) < self.config.fuzzy_min_length:
            return None
        best = self.fuzzy.best(stripped)
        if best is None:
            return None
        choice, score, _ = best
        if not same_numbers(stripped, choice):
            return None
        return Resolution(self.spaced[choice][0], float(score), "fuzzy")

    def resolve_name(self, name: str, fuzzy_cutoff: float | None = None) -> tuple[list[str], str, float] | None:
        """The entities a name a user typed may mean, how it matched and the score; None if nothing does.

        `fuzzy_cutoff` defaults to `config.lookup_fuzzy_cutoff`.
        """
        cutoff = self.config.lookup_fuzzy_cutoff if fuzzy_cutoff is None else fuzzy_cutoff
        key = match_key(name)
        if key in self.by_alias:
            return self.by_alias[key], "exact", 100.0
        spaced = spaced_key(name)
        stripped = strip_generic(spaced)
        if stripped != spaced and stripped.replace(" ", "") in self.by_alias:
            return self.by_alias[stripped.replace(" ", "")], "normalised", 100.0
        from rapidfuzz import fuzz, process

        choices = list(self.spaced)
        hits = process.extract(stripped, choices, scorer=fuzz.ratio, limit=LOOKUP_CANDIDATES) if choices else []
        for choice, score, _ in hits:
            if score >= cutoff and same_numbers(stripped, choice):
                return self.spaced[choice], "fuzzy", float(score)
        return None

    def similar(self, name: str, limit: int) -> list[str]:
        """Entity ids of the `limit` spaced keys most like `name` by `fuzz.WRatio`, best first (for suggestions)."""
        from rapidfuzz import fuzz, process

        stripped = strip_generic(spaced_key(name))
        found = process.extract(stripped, list(self.spaced), scorer=fuzz.WRatio, limit=limit)
        return [eid for choice, _, _ in found for eid in self.spaced[choice]]


_STEM_STOPWORDS = frozenset("and the for with via from into".split())


def content_stems(phrase: str) -> set[str]:
    """The first five letters of each word of three or more letters: enough to tell "Least Recently Used" from
    "Linear Recurrent Unit" while "low-rank adapters" still meets "Low-Rank Adaptation"."""
    return {w[:5] for w in re.findall(r"[a-z]{3,}", phrase.lower()) if w not in _STEM_STOPWORDS}


def long_name_stems(entity: CatalogEntity) -> list[set[str]]:
    """`content_stems` of each of an entity's names that is more than one word."""
    from kg.catalog import aliases_of  # here: lookups use the resolver without the catalog module

    return [content_stems(a.text) for a in aliases_of(entity) if " " in a.text or "-" in a.text]


def long_form_agrees(long_names: list[set[str]], long: str) -> bool:
    """An acronym the text defines names the catalog entity its short form resolves to only if the long
    form shares a content word with one of the entity's long names (`long_name_stems`), or the entity has
    none to compare: "Least Recently Used (LRU)" is not the Linear Recurrent Unit."""
    words = content_stems(long)
    return not long_names or not words or any(words & stems for stems in long_names)
