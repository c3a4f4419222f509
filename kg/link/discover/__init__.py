"""Discovery of entities the catalog does not know, from how a paper talks about them.

One module per job: `vocabulary` (words and patterns), `scanner` (one pass over the text), `names` (name
tests), `inference` (the type of a name from its context), `introduction` (whether the paper introduces
it), one module per rule, each a pure function over the paper text returning `Candidate`s:
- `title_rule.title_names`: the name a paper introduces before the colon of its title
  ("LlamaRL: A Distributed ...").
- `acronym_rule.acronym_names`: Schwartz-Hearst acronym definitions (see `kg.link.abbreviation`) whose
  long form is a proper name ("Web Rephrase Augmented Pre-training (WRAP)") or that the paper says it
  introduces.
- `naming_rule.introduced_names`: "we propose/introduce/present NAME".
- `coined_rule.coined_names`: coined words the paper uses.
- `context_rule.context_names`: typed context patterns: "the X dataset", "on X and Y benchmarks",
  "N X GPUs", "X-7B".
`urls` keeps names inside links out, `context.DiscoveryContext` is what the rules share (one per
`Linker`: its config and caches), and `run.discover` runs them all. Each candidate gets a type from its
context (`inference.infer_type`) and a confidence.
"""

from kg.link.discover.acronym_rule import acronym_names
from kg.link.discover.candidate import Candidate
from kg.link.discover.coined_rule import coined_names
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.context_rule import context_names, is_name_token, words_before
from kg.link.discover.inference import (
    appositive_type,
    chunk_head_type,
    connectors_start,
    following_type,
    head_type,
    infer_type,
    preceding_type,
    word_type,
)
from kg.link.discover.introduction import is_introduced, is_title_name, named_right_before, sentence_start
from kg.link.discover.names import (
    find_token,
    is_capitalised_word,
    is_mixed_case,
    is_name_like,
    is_proper_long_form,
    is_short_acronym,
    token_end,
    token_occurrences,
)
from kg.link.discover.naming_rule import introduced_names, leading_name
from kg.link.discover.run import discover
from kg.link.discover.scanner import Scan, scan
from kg.link.discover.title_rule import title_names
from kg.link.discover.urls import in_url, may_hold_url
from kg.link.discover.vocabulary import GENERIC, ORGANISATIONS, STOP_NAMES

__all__ = [
    "Candidate",
    "DiscoveryContext",
    "GENERIC",
    "ORGANISATIONS",
    "STOP_NAMES",
    "Scan",
    "acronym_names",
    "appositive_type",
    "chunk_head_type",
    "coined_names",
    "connectors_start",
    "context_names",
    "discover",
    "find_token",
    "following_type",
    "head_type",
    "in_url",
    "infer_type",
    "introduced_names",
    "is_capitalised_word",
    "is_introduced",
    "is_mixed_case",
    "is_name_like",
    "is_name_token",
    "is_proper_long_form",
    "is_short_acronym",
    "is_title_name",
    "leading_name",
    "may_hold_url",
    "named_right_before",
    "preceding_type",
    "scan",
    "sentence_start",
    "title_names",
    "token_end",
    "token_occurrences",
    "word_type",
    "words_before",
]
