"""Resolution of a surface string to a catalog entity: dictionaries first, rapidfuzz for the remainder.

Order (cheapest first): exact match key of an alias; the key with generic
heads and vendor prefixes removed ("NVIDIA A100 GPUs" -> "a100"); then
`rapidfuzz.fuzz.ratio` on spaced keys against the aliases (`FuzzyIndex`),
accepted at or above `fuzzy_cutoff` and only when both strings carry the same
numbers (so "Llama 3" never resolves to "Llama 2").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from rapidfuzz import fuzz, process

from kg.link.detect import fold_punct
from kg.model.text import match_key, spaced_key

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


def one_deletions(s: str) -> set[str]:
    """Every string made by deleting one character of `s`."""
    return {s[:i] + s[i + 1:] for i in range(len(s))}


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
        for i, choice in enumerate(self.choices):
            self._position.setdefault(choice, i)
            for shorter in one_deletions(choice):
                self._deleted.setdefault(shorter, []).append(i)
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
            lengths = self._lengths_for[n] = [m for m in self._by_length if n + m >= self.two_edit_length
                                              and abs(n - m) <= self._slack * (n + m) + 1e-9]
        return lengths

    def best(self, query: str) -> tuple[str, float, int] | None:
        """(choice, score, position) of the best match, or None."""
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
    """Resolve surfaces against an alias index built by `kg.catalog.build_index`."""

    def __init__(self, by_alias: dict[str, list[str]], spaced_aliases: dict[str, str], *,
                 exact_forms: dict[str, list[tuple[str, str | None]]] | None = None,
                 fuzzy_cutoff: float = FUZZY_CUTOFF, fuzzy_min_length: int = FUZZY_MIN_LENGTH):
        self.by_alias = by_alias
        self.exact_forms = exact_forms or {}
        self.spaced = spaced_aliases
        self.fuzzy = FuzzyIndex(list(spaced_aliases), fuzzy_cutoff)
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
        if len(stripped.replace(" ", "")) < self.fuzzy_min_length:
            return None
        best = self.fuzzy.best(stripped)
        if best is None:
            return None
        choice, score, _ = best
        if not same_numbers(stripped, choice):
            return None
        return Resolution(self.spaced[choice], float(score), "fuzzy")
