"""`discover`: every rule over one paper, its candidates in one list (see the package docstring)."""

from __future__ import annotations

from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.link.discover.acronym_rule import acronym_names
from kg.link.discover.caches import DiscoveryCaches
from kg.link.discover.candidate import Candidate
from kg.link.discover.coined_rule import coined_names
from kg.link.discover.context_rule import context_names
from kg.link.discover.naming_rule import introduced_names
from kg.link.discover.title_rule import title_names
from kg.link.discover.urls import in_url, may_hold_url


def discover(text: str, title_end: int, covered: bytes | bytearray | None = None,
             config: LinkerConfig = DEFAULT_CONFIG, caches: DiscoveryCaches | None = None) -> list[Candidate]:
    """All discovery rules over one paper's text (title, newline, abstract); nothing inside URLs.

    `covered` marks characters already linked to the catalog: the context and
    coinage rules skip names that start there. `config` gives the thresholds the rules take from it;
    `caches` is what the rules remember (the linker's own; a new one when not given).
    """
    caches = caches or DiscoveryCaches(config.token_cache_size)
    candidates = (title_names(text, title_end, caches) + acronym_names(text, title_end, caches, config.acronym_lookback)
                  + introduced_names(text, title_end, caches) + context_names(text, title_end, covered, caches)
                  + coined_names(text, title_end, covered, caches))
    if not may_hold_url(text):
        return candidates
    return [c for c in candidates if not in_url(text, c.surfaces[0][1])]
