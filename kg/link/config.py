"""`LinkerConfig`: every threshold the linker uses, in one frozen object, each with why it has its value.

`Linker(config=...)` takes one; `DEFAULT_CONFIG` is what a `Linker()` uses. The
defaults are the values the linker was tuned with on the gold dev sets
(`kg eval`); changing one changes what is linked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LinkerConfig:
    """The linker's thresholds. Confidences are in [0, 1]; fuzzy cut-offs are `rapidfuzz.fuzz.ratio` scores."""

    # -- resolution of a spelling to a catalog entity (`kg.link.resolve.Resolver`) ------------------
    fuzzy_cutoff: float = 94.0
    """Linking: a discovered surface is taken as a spelling of a catalog alias at this ratio or more. High,
    because linking must not invent links: at 94, a name of under ~17 characters may differ from the alias
    by one inserted or deleted character only ("Mixtral" is not "Mistral"), and numbers must agree too."""
    lookup_fuzzy_cutoff: float = 85.0
    """Lookup (`kg lookup`, named-query parameters, the viewer): a name a user typed is taken as an entity's
    at this ratio or more. Lower than `fuzzy_cutoff` because a user's typo ("pytorhc", "deepsped") should
    still find the entity, and a wrong guess is shown to the user (with its score), not stored."""
    fuzzy_min_length: int = 8
    """Surfaces (letters and digits, generic heads removed) shorter than this are not fuzzy-matched when
    linking: in a short name one character is too large a part to tell a misspelling from another name."""
    resolution_cache_size: int = 200_000
    """Surfaces whose resolution one `Resolver` remembers: a corpus repeats names; the bound keeps the memory of
    a million-paper build from growing with every distinct surface."""

    # -- catalog detection (`kg.link.detect`) -----------------------------------------------------
    short_alias: int = 4
    """Aliases of at most this many characters match only as written ("OPT", "T5", "SAM"): in another case
    they are usually a word ("opt", "sam")."""
    catalog_confidence: float = 0.95
    """A catalog alias matched with its case rule: near certain; not 1, as a name can still mean something else."""
    context_confidence: float = 0.85
    """An ambiguous catalog alias ("Ray", "Adam") matched because the paper holds one of its cue words."""
    variant_confidence: float = 0.85
    """A named variant of a catalog entity ("Llama-2 7B") that the catalog does not list: the family is
    certain, the variant's own name less so."""

    # -- discovery (`kg.link.discover`) and its place among the hits ------------------------------
    min_confidence: float = 0.5
    """Discovered names below this are dropped (the weakest rule, a coinage with no typed context, gives 0.55)."""
    overriding_min_confidence: float = 0.7
    """A name the paper introduces (title, "we propose", acronym rules) at this confidence or more replaces the
    catalog hits inside it ("Pre-gated MoE" over "MoE"); below it the catalog hits stand."""
    acronym_lookback: int = 4096
    """Characters before an acronym's parenthesis searched first for the sentence break that bounds its long
    form (see `kg.link.abbreviation`); bounds the cost per definition, so a long text stays linear."""
    few_surfaces: int = 16
    """Up to this many discovered names, each is searched for in the text on its own (one `str.find` pass per
    name, fastest for an ordinary abstract); above it, one pass over the text's tokens finds them all
    (`token_occurrences`), so a long text with many names stays linear."""

    # -- across papers (`kg.link.propagation`) ---------------------------------------------------
    corpus_min_confidence: float = 0.7
    """An introduced, discovered name at or above this is matched in every other paper by `link_many`;
    below it, a name found by weak rules alone would spread its mistakes over the corpus."""
    corpus_confidence: float = 0.65
    """A name found in a paper only because another paper introduced it: below the paper's own evidence,
    above `min_confidence`."""
    propagate_min_length: int = 4
    """Names shorter than this ("CO2", "SPA") collide with other meanings across a corpus and are not
    propagated, however coined they look."""

    # -- caches of one `Linker` -------------------------------------------------------------------
    token_cache_size: int = 1 << 16
    """Tokens whose name tests (`is_name_like`, `is_mixed_case`) are remembered: the same words recur in
    every abstract, and the tests cost a few string scans and a regex each."""
    slug_cache_size: int = 1 << 16
    """Discovered names whose id (`slug`) is remembered: names repeat across a corpus, and a slug costs
    NFKC, LaTeX stripping and a regex."""


DEFAULT_CONFIG = LinkerConfig()
"""The thresholds a `Linker()` uses, and the ones module-level helpers use when called without a config."""
