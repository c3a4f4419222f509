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
    min_confidence: float = 0.6
    """Discovered names below this are dropped: a name with no type evidence at all (`untyped_confidence`) is
    more often not a named entity, or one of another type, than a Method; a coinage typed by its context
    (`coined_max_confidence`) stays. Cross-validation over the shared gold sets (`kg evaluate
    --cross-validate`) picks 0.5 or 0.6; 0.6 gave the better Method precision on papers read for checking."""
    overriding_min_confidence: float = 0.7
    """A name the paper introduces (title, "we propose", acronym rules) at this confidence or more replaces the
    catalog hits inside it ("Pre-gated MoE" over "MoE"); below it the catalog hits stand."""
    acronym_lookback: int = 4096
    """Characters before an acronym's parenthesis searched first for the sentence break that bounds its long
    form (see `kg.link.abbreviation`); bounds the cost per definition, so a long text stays linear."""
    introduction_window: int = 260
    """A naming verb ("we propose") introduces a name fewer than this many characters into its sentence:
    further on, a long sentence is usually about something else the paper uses."""
    naming_lookback: int = 40
    """A naming word ("called", "dubbed", "our proposed") ending up to this many characters before a name
    names it: room for a few filler words ("we call it"), not for another clause."""
    typed_by_context_confidence: float = 0.85
    """A discovered name typed by the words right around it ("a benchmark named X", "X, a framework for",
    "the X dataset"): the surest type evidence discovery has."""
    typed_by_framework_hint_confidence: float = 0.8
    """Typed Framework because its hint phrase (title rest, acronym long form) says "framework" with a
    system cue ("distributed", "GPU"): a strong hint, one step from the name."""
    typed_by_hint_confidence: float = 0.75
    """Typed by the head noun of its hint phrase only ("... Benchmark for X")."""
    typed_by_name_confidence: float = 0.7
    """Typed by the name's own shape only ("...Net", "...GPT" a Model; "...Bench", "...QA" a Dataset)."""
    untyped_confidence: float = 0.55
    """No type evidence at all: taken as a Method, under `min_confidence`, so such a name survives only where
    a rule that vouches for it raises it (an acronym with a proper long form, the title's name)."""
    title_phrase_confidence: float = 0.7
    """The name before a title's colon when it is a phrase of plain words ("Scaling Laws: ..."): often a
    topic rather than a name."""
    title_name_min_confidence: float = 0.8
    """The least a coined or one-word name before a title's colon gets: titles name what the paper makes."""
    acronym_max_confidence: float = 0.95
    """A discovered acronym never reaches 1 (nor above a catalog match, `catalog_confidence`)."""
    introduced_name_min_confidence: float = 0.65
    """A coined name or acronym the paper gives what it introduces ("we propose TopKLD", "a beam search-based
    adversarial attack (BEAST)") is a name even when nothing around it says its type: kept (above
    `min_confidence`), as a Method unless typed."""
    proper_long_form_bonus: float = 0.1
    """Added to an acronym whose long form is written as a proper name ("Web Rephrase Augmented Pre-training")."""
    named_phrase_confidence: float = 0.7
    """A multi-word name right after "we propose" typed only as a Method: the phrase may run on past the name."""
    coined_max_confidence: float = 0.6
    """A coined word found only by its shape: it may be something the paper merely uses, or a typo."""
    dataset_context_confidence: float = 0.75
    """A name before "dataset"/"benchmark" ("the ToCa dataset")."""
    pattern_confidence: float = 0.7
    """A name from a list after "datasets such as", before "GPUs", or with a size ("X-7B"): right pattern,
    but lists and sizes also hold generic words."""
    list_confidence: float = 0.8
    """A name typed by the list it sits in ("COCO, LVIS, ODinW and RefCOCO"): two or more known items agree
    on the type, which is strong evidence, but the item's own extent is read from capitals and commas."""
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
