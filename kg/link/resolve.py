"""Resolution of a surface string to a catalog entity: dictionaries first, rapidfuzz for the remainder.

Order (cheapest first): exact match key of an alias; the key with generic
heads and vendor prefixes removed ("NVIDIA A100 GPUs" -> "a100"); then
`rapidfuzz.fuzz.ratio` on spaced keys against every alias, accepted at or
above `fuzzy_cutoff` and only when both strings carry the same numbers
(so "Llama 3" never resolves to "Llama 2").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rapidfuzz import fuzz, process

from kg.link.detect import fold_punct
from kg.text import match_key, spaced_key

FUZZY_CUTOFF = 94.0
FUZZY_MIN_LENGTH = 8
VENDORS = ("nvidia", "amd", "google", "intel", "huawei", "apple", "qualcomm", "meta", "microsoft", "openai",
           "graphcore", "cerebras", "aws", "amazon", "geforce", "tesla")
HEADS = ("gpus", "gpu", "tpus", "npus", "npu", "chips", "chip", "accelerators", "accelerator", "cards",
         "models", "model", "dataset", "datasets", "benchmark", "benchmarks", "corpus", "framework", "library",
         "toolkit", "architecture", "architectures", "algorithm", "optimizer", "method")
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


class Resolver:
    """Resolve surfaces against an alias index built by `kg.catalog.build_index`."""

    def __init__(self, by_alias: dict[str, list[str]], spaced_aliases: dict[str, str], *,
                 exact_forms: dict[str, list[tuple[str, str | None]]] | None = None,
                 fuzzy_cutoff: float = FUZZY_CUTOFF, fuzzy_min_length: int = FUZZY_MIN_LENGTH):
        self.by_alias = by_alias
        self.exact_forms = exact_forms or {}
        self.spaced = spaced_aliases
        self.choices = list(spaced_aliases)
        self.fuzzy_cutoff = fuzzy_cutoff
        self.fuzzy_min_length = fuzzy_min_length
        self._cache: dict[str, Resolution | None] = {}

    def resolve_mention(self, surface: str) -> Resolution | None:
        """The catalog entity a surface names, or None."""
        if surface in self._cache:
            return self._cache[surface]
        result = self._resolve(surface)
        if len(self._cache) < 200_000:
            self._cache[surface] = result
        return result

    def _cased(self, key: str, surface: str) -> str | None:
        """The first entity under `key` whose case rule admits `surface` ("MATH" is not "Math")."""
        forms = self.exact_forms.get(key)
        if forms is None:
            return self.by_alias[key][0]
        written = " ".join(fold_punct(surface).split())
        for eid, exact in forms:
            if exact is None or exact == written or (exact[:1].islower() and written[:1].lower() + written[1:] == exact):
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
        if len(stripped.replace(" ", "")) < self.fuzzy_min_length or not self.choices:
            return None
        best = process.extractOne(stripped, self.choices, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff)
        if best is None:
            return None
        choice, score, _ = best
        if not same_numbers(stripped, choice):
            return None
        return Resolution(self.spaced[choice], float(score), "fuzzy")
