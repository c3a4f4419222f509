"""Rule: "we propose/introduce/present NAME" and "a model called NAME"."""

from __future__ import annotations

import re
from bisect import bisect_left

from kg.link.discover.candidate import Candidate
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.inference import infer_type
from kg.link.discover.introduction import sentence_start
from kg.link.discover.names import is_capitalised_word
from kg.link.discover.scanner import Scan
from kg.link.discover.vocabulary import METHOD, NAME_TOKEN, STOP_NAMES

NAMING_VERBS = ("propose", "introduce", "present", "develop", "release", "call", "term", "dub", "name")
_NAME_SEQ = r"(" + NAME_TOKEN + r"(?: " + NAME_TOKEN + r"){0,4})"
AFTER_VERB = re.compile(
    r"s?\s+(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,5}?(?:called|named|dubbed|termed)\s+)?" + _NAME_SEQ, re.IGNORECASE
)
# `AFTER_VERB` without its "a model called" part, for texts with none of those participles, where
# the part cannot match and the regex need not try it at every verb.
_AFTER_VERB_PLAIN = re.compile(r"s?\s+" + _NAME_SEQ, re.IGNORECASE)
_PARTICIPLES = ("called", "named", "dubbed", "termed")
AFTER_NAMING = re.compile(r"\s+" + _NAME_SEQ)
AFTER_OUR = re.compile(
    r"\s+(?:proposed |new |novel )?(?:method|approach|model|framework|system|dataset|benchmark|"
    r"algorithm|technique)?,?\s+" + _NAME_SEQ,
    re.IGNORECASE,
)


ARTICLE_NAME = re.compile(
    r"s?\s+(?:a|an)\s+(?:(?:novel|new|simple|lightweight|dedicated|effective|efficient)\s+)?"
    r"((?:[A-Z][\w]*(?:-[A-Za-z][\w]*)*\s+){2,5})(?=[a-z])"
)
"""A named thing after an article: "we introduce a Random Projection Squashing step", "we propose a novel
Frame Sequential Text Decomposer module": two or more capitalised words, then the lower-case kind."""


def leading_name(phrase: str, context: DiscoveryContext) -> str | None:
    """The name at the start of a phrase: a coined token, or a run of Capitalised words."""
    is_name_like = context.is_name_like
    words = phrase.split()
    if not words or words[0].lower() in STOP_NAMES:
        return None
    if is_name_like(words[0]) and (len(words) == 1 or not words[1][:1].isupper()):
        return words[0].rstrip(".,;:")
    kept = []
    for w in words:
        if (w[:1].isupper() or is_name_like(w)) and w.lower() not in STOP_NAMES:
            kept.append(w)
        else:
            break
    if not kept:
        return None
    name = " ".join(kept).rstrip(".,;:")
    if len(kept) == 1 and not (is_name_like(name) or (is_capitalised_word(name) and len(name) >= 3)):
        return None
    return name.rstrip("_")


def _after_verb_in_sentence(text: str, sc: Scan, start: int, window: int) -> bool:
    """An introducing verb ("we propose") comes before `start` in its sentence, fewer than `window` characters
    before (`LinkerConfig.introduction_window`)."""
    if not sc.verbs:
        return False
    s = sentence_start(sc, start)
    lo = max(s, start - window + 1)  # a verb starting in [s, start), fewer than the window before
    return bisect_left(sc.verb_starts, lo) < bisect_left(sc.verb_starts, start)


def introduced_names(text: str, title_end: int, context: DiscoveryContext | None = None) -> list[Candidate]:
    """Names right after "we propose/introduce/present", "our proposed method," or "called/dubbed".

    "namely X" also names things the paper only lists ("existing works, namely
    PEFT and ..."), so it marks X as introduced only inside a "we propose" sentence.
    """
    context = context or DiscoveryContext()
    is_name_like = context.is_name_like
    sc = context.scan(text)
    window, named_phrase = context.config.introduction_window, context.config.named_phrase_confidence
    participles = any(sc.lowered.startswith(_PARTICIPLES, ks) for ks, _ in sc.triggers["naming"])
    after_verb = AFTER_VERB if participles else _AFTER_VERB_PLAIN
    matches = []
    for vs, ve in sc.verbs:
        if sc.lowered.startswith(NAMING_VERBS, vs):
            matches.append((ARTICLE_NAME.match(text, ve) or after_verb.match(text, ve), True))
    for ks, ke in sc.triggers["naming"]:
        pattern = AFTER_OUR if sc.lowered.startswith("our", ks) else AFTER_NAMING
        matches.append((pattern.match(text, ke), not sc.lowered.startswith("namely", ks)))
    out = []
    for m, presents in matches:
        if m is None:
            continue
        raw = m.group(1)
        if raw[:1].islower() and not is_name_like(raw.split()[0]):
            continue
        name = leading_name(raw, context)
        if not name:
            continue
        start = m.start(1)
        end = start + len(name)
        t, conf = infer_type(text, name, start, end, context)
        introduced = presents or _after_verb_in_sentence(text, sc, start, window)
        if introduced and is_name_like(name):  # "we propose TopKLD": a coined name for what the paper made
            conf = max(conf, context.config.introduced_name_min_confidence)
        out.append(
            Candidate(
                name,
                t,
                conf if len(name.split()) == 1 or t != METHOD else named_phrase,
                introduced,
                "intro",
                ((name, start, end),),
            )
        )
    return out
