"""Rule: Schwartz-Hearst acronym definitions (`kg.link.abbreviation`) whose long form is a proper name, or
that the paper says it introduces."""

from __future__ import annotations

from kg.link.abbreviation import find_abbreviations
from kg.link.discover.candidate import Candidate
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.inference import infer_type
from kg.link.discover.names import is_proper_long_form
from kg.link.discover.vocabulary import GENERIC


def acronym_names(text: str, title_end: int, context: DiscoveryContext | None = None) -> list[Candidate]:
    """Candidates from the acronym definitions of `text`."""
    context = context or DiscoveryContext()
    config = context.config
    out = []
    for a in find_abbreviations(text, config.acronym_lookback):
        short, long = a.short, a.long
        if short.lower() in GENERIC or short.lower().rstrip("s") in GENERIC:
            continue
        introduced = context.is_introduced(text, min(a.short_start, a.long_start), title_end)
        proper = is_proper_long_form(long)
        mixed = context.is_mixed_case(short)
        if not ((introduced and (proper or mixed)) or mixed):
            continue
        t, conf = infer_type(text, short, a.short_start, a.short_start + len(short), context, hint=long)
        surfaces = ((short, a.short_start, a.short_start + len(short)), (long, a.long_start, a.long_start + len(long)))
        conf = min(config.acronym_max_confidence, conf + (config.proper_long_form_bonus if proper else 0.0))
        out.append(Candidate(short, t, conf, introduced, "acronym", surfaces))
    return out
