"""Rule: the name a paper introduces before the colon of its title ("LlamaRL: A Distributed ...")."""

from __future__ import annotations

from kg.link.discover.candidate import Candidate
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.inference import (
    BENCHMARK_NAME,
    appositive_type,
    following_type,
    head_type,
    infer_type,
    preceding_type,
)
from kg.link.discover.introduction import is_title_name
from kg.link.discover.names import find_token
from kg.link.discover.vocabulary import DATASET, FRAMEWORK, METHOD, TITLE_PREFIX

TITLE_KINDS = frozenset({FRAMEWORK, DATASET})
"""Title heads that say more than the abstract's "method" or "framework": a system or a benchmark."""


def title_names(text: str, title_end: int, context: DiscoveryContext | None = None) -> list[Candidate]:
    """The name before the title's colon; typed from how the abstract first describes it, else the title."""
    context = context or DiscoveryContext()
    is_name_like = context.is_name_like
    m = TITLE_PREFIX.match(text[:title_end]) if text.find(":", 0, title_end) >= 0 else None
    if not m:
        return []
    prefix = m.group(1).strip().rstrip("!?.")
    words = prefix.split()
    if words and is_name_like(words[0]) and any(w[:1].islower() or not w[:1].isalnum() for w in words[1:]):
        prefix = words[0]
    if not is_title_name(prefix, is_name_like):
        return []
    start = m.start(1)
    end = start + len(prefix)
    later = list(find_token(text, prefix, title_end))
    if not later and len(prefix.split()) > 1 and not any(is_name_like(w) for w in prefix.split()):
        return []  # "Predictable Scale: Part I": a phrase of plain words the abstract never uses again is a topic
    t = None
    for later_start, later_end in later:
        t = (
            preceding_type(text, later_start, context)
            or appositive_type(text, later_end)
            or following_type(text, later_end)
        )
        if t:
            break
    config = context.config
    conf = config.typed_by_context_confidence
    if BENCHMARK_NAME.search(prefix):
        t = DATASET
    elif t == METHOD:  # "a framework" in the abstract; the title may say what kind ("A ... Inference Engine")
        title_head = head_type(text[end + 1 : title_end])
        if title_head in TITLE_KINDS:
            t = title_head
    if t is None:
        t, conf = infer_type(text, prefix, start, end, context, hint=text[end + 1 : title_end])
    single = len(prefix.split()) == 1 or any(is_name_like(w) for w in prefix.split())
    return [
        Candidate(
            prefix,
            t,
            max(conf, config.title_name_min_confidence) if single else config.title_phrase_confidence,
            True,
            "title",
            ((prefix, start, end),),
        )
    ]
