"""`discover`: every rule over one paper, its candidates in one list (see the package docstring)."""

from __future__ import annotations

from kg.link.discover.acronym_rule import acronym_names
from kg.link.discover.candidate import Candidate
from kg.link.discover.coined_rule import coined_names
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.context_rule import context_names
from kg.link.discover.naming_rule import introduced_names
from kg.link.discover.title_rule import title_names
from kg.link.discover.urls import in_url, may_hold_url


def discover(
    text: str, title_end: int, covered: bytes | bytearray | None = None, context: DiscoveryContext | None = None
) -> list[Candidate]:
    """All discovery rules over one paper's text (title, newline, abstract); nothing inside URLs.

    `covered` marks characters already linked to the catalog: the context and
    coinage rules skip names that start there. `context` holds the thresholds and caches the rules
    share (the linker's own; one with the default config when not given).
    """
    context = context or DiscoveryContext()
    candidates = (
        title_names(text, title_end, context)
        + acronym_names(text, title_end, context)
        + introduced_names(text, title_end, context)
        + context_names(text, title_end, covered, context)
        + coined_names(text, title_end, covered, context)
    )
    if not may_hold_url(text):
        return candidates
    return [c for c in candidates if not in_url(text, c.surfaces[0][1])]
