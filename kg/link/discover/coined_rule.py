"""Rule: coined words (mixed case, digits inside) that name something the paper uses or introduces."""

from __future__ import annotations

import re

from kg.link.discover.candidate import Candidate
from kg.link.discover.context import DiscoveryContext
from kg.link.discover.inference import chunk_head_type, infer_type
from kg.link.discover.names import is_capitalised_word
from kg.link.discover.vocabulary import STOP_NAMES
from kg.link.variants import DESCRIPTIVE_SUFFIX

NOT_COINED = re.compile(
    r"[A-Z]{2,}[a-z]+(?:ing|ed|tion|ly|ity)|[A-Z0-9]{1,2}2[A-Z0-9]{1,2}|[A-Z]{2,}s|\d+[A-Za-z]{1,2}"
)
TOKEN_AT = re.compile(r"[\w.+-]+")
COUNT_PREFIX = re.compile(r"\d+[x\u00d7]")
ORGANISATION_AFTER = re.compile(r"\s[A-Z][a-z]+(?:\u2019s?|'s?)(?=\s)")
"""A possessive after one more capitalised word: "LimX Dynamics' robot" names a company, not a product."""


def coined_names(
    text: str, title_end: int, covered: bytes | bytearray | None = None, context: DiscoveryContext | None = None
) -> list[Candidate]:
    """CamelCase coinages ("CityGaussian", "GaLore", "PackMamba") and letter-digit-letter names ("long2short")."""
    context = context or DiscoveryContext()
    is_mixed_case, coined_max = context.is_mixed_case, context.config.coined_max_confidence
    out = []
    names: set[str] = set()
    for start in context.scan(text).coined_starts:
        if covered is not None and covered[start]:
            continue
        if start and (text[start - 1].isdigit() or text[start - 1] == "." and text[start - 2 : start - 1].isdigit()):
            continue  # the tail of a number and its unit ("51.2mAP")
        m = TOKEN_AT.match(text, start)
        name = m.group(0).rstrip(".-+_") if m else ""
        descriptive = DESCRIPTIVE_SUFFIX.search(name) if "-" in name else None
        if descriptive:
            name = name[: descriptive.start()]  # "FastConformer-based" names FastConformer
        count = COUNT_PREFIX.match(name) if name[:1].isdigit() else None
        if count:
            start += count.end()
            name = name[count.end() :]
            if covered is not None and covered[start]:
                continue
        if not name or name in names or name[0] in "-+" or not is_mixed_case(name) or NOT_COINED.fullmatch(name):
            continue
        names.add(name)
        end = start + len(name)
        if ORGANISATION_AFTER.match(text, end):
            continue  # "LimX Dynamics' robot": a company's name
        # "FastConformer-based attention encoder-decoder architecture": typed by the noun after "-based"
        t_ = chunk_head_type(text[end + len(descriptive.group(0)) : start + 160]) if descriptive else None
        if t_:
            conf = context.config.typed_by_context_confidence
        else:
            t_, conf = infer_type(text, name, start, end, context)
        out.append(
            Candidate(
                name,
                t_,
                min(conf, coined_max),
                context.is_introduced(text, start, title_end),
                "coined",
                ((name, start, end),),
            )
        )
    return out


def dataset_name(phrase: str, context: DiscoveryContext) -> str | None:
    """The name at the end of a phrase before "dataset": keep trailing name-like/capitalised tokens."""
    is_name_like = context.is_name_like
    words = phrase.split()
    kept: list[str] = []
    for w in reversed(words):
        if is_name_like(w) or (is_capitalised_word(w) and not kept):
            kept.insert(0, w)
        else:
            break
    if not kept:
        return None
    name = " ".join(kept)
    if len(kept) == 1 and not is_name_like(name) and (name.lower() in STOP_NAMES or len(name) < 3):
        return None
    return name
