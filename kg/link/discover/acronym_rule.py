"""Rule: Schwartz-Hearst acronym definitions (`kg.link.abbreviation`) whose long form is a proper name, or
that the paper says it introduces."""

from __future__ import annotations

from kg.link.abbreviation import find_abbreviations
from kg.link.discover.candidate import Candidate
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.inference import following_type, head_type, infer_type, preceding_type
from kg.link.discover.names import PLURAL_ACRONYM, is_proper_long_form
from kg.link.discover.vocabulary import GENERIC, GENERIC_CLASSES

FIELD_OR_TASK = tuple(
    """intelligence computing processing vision science analytics robotics engineering recognition understanding
    answering retrieval translation estimation detection segmentation classification generation reasoning
    learning modeling modelling prediction synthesis tracking captioning summarization inference pre-training
    pretraining""".split()
)
CLASS_OR_LANGUAGE = tuple("network networks representation representations model models arabic english chinese".split())
"""Long forms that name a field or a task ("Named Entity Recognition", "Federated Learning"), which the guideline
leaves out; `CLASS_OR_LANGUAGE`, a class of models or a language ("Feed-Forward Network", "Modern Standard
Arabic"), which names one thing only when the paper introduces it."""
MIN_COINED_ACRONYM = 4
"""An acronym of four or more letters that the paper introduces names what it made, whatever its long form's
case ("a beam search-based adversarial attack (BEAST)"); shorter ones are too often abbreviations of
ordinary phrases ("a deep neural network (DNN)")."""


def is_class_acronym(short: str) -> bool:
    """An acronym for a class of things, not one thing: a plural ("SoCs", "OCSes") or a model class with a
    modifier ("Med-VLMs", "s-MLLM")."""
    last = short.rsplit("-", 1)[-1]
    return PLURAL_ACRONYM.fullmatch(last) is not None or last.lower().rstrip("s") in GENERIC_CLASSES


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
        if not introduced and (is_class_acronym(short) or " " in short):
            continue  # "system-on-chips (SoCs)", "key-value cache (KV cache)"
        proper = is_proper_long_form(long)
        mixed = context.is_mixed_case(short)
        long_lower = long.lower()
        coined = (
            len(short) >= MIN_COINED_ACRONYM
            and short.isalpha()
            and not PLURAL_ACRONYM.fullmatch(short)
            and not long_lower.endswith(FIELD_OR_TASK)
        )
        named = (
            proper
            and len(short) >= 3
            and not long_lower.endswith(FIELD_OR_TASK)
            and not long_lower.endswith(CLASS_OR_LANGUAGE)
        )  # "Unified Feature Optimization (UFO)"
        if not ((introduced and (proper or mixed or coined)) or mixed or named):
            continue
        named_as = preceding_type(text, a.long_start, context, singular=True) if a.long_start < a.short_start else None
        after = a.short_start + len(short)
        after += text.startswith(")", after)  # "a Unified Feature Optimization (UFO) model": read past ")"
        head = named_as or following_type(text, after) or (head_type(long) if proper else None)
        if head:  # "named X (X)", "X (X) model", or the name's own head: "All-atom Diffusion Transformer (ADiT)"
            t, conf = head, config.typed_by_context_confidence
        else:
            t, conf = infer_type(text, short, a.short_start, after, context, hint=long)
        surfaces = ((short, a.short_start, a.short_start + len(short)), (long, a.long_start, a.long_start + len(long)))
        conf = min(config.acronym_max_confidence, conf + (config.proper_long_form_bonus if proper else 0.0))
        if introduced and (coined or mixed):
            conf = max(conf, config.introduced_name_min_confidence)
        out.append(Candidate(short, t, conf, introduced, "acronym", surfaces))
    return out
