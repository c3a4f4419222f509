"""A paper's analysis as output: `evidence` (plain tuples, what `kg build` stores), `assemble` (a `LinkedPaper`)
and `json_line` (the `LinkedPaper`'s JSON, what `kg link` writes, without making the models)."""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any, Literal, cast

import orjson

from kg.link.analysis import Hit, PaperAnalysis
from kg.model.schema import EntityType
from kg.model.types import Evidence, LinkedEntity, LinkedPaper, Mention

CITATION_OPENERS = (" (", " [", "(", "[")
CITATION = re.compile(
    r"\s*(?:\(([^()]{0,80}?\bet al\.?,?\s*\d{4}[a-z]?(?:;[^()]{0,80})?)\)"  # (Sun et al., 2023)
    r"|\[(\d+(?:\s*[,\u2013-]\s*\d+)*)\])"
)  # [12] or [3, 4-6]

Source = Literal["catalog", "discovered"]
_HIT_ORDER = attrgetter("start", "end")
_new_evidence = tuple.__new__
"""`_new_evidence(Evidence, values)` skips the Python-level `Evidence.__new__` (one per entity per paper)."""


def evidence(a: PaperAnalysis) -> list[Evidence]:
    """Each linked entity of a paper with its mentions, as plain tuples in order of first mention.

    This is what `kg build` puts into the graph; `assemble` wraps the same in pydantic models.
    """
    by_entity: dict[str, list[Hit]] = {}
    for h in sorted(a.hits, key=_HIT_ORDER):
        group = by_entity.get(h.entity_id)
        if group is None:
            by_entity[h.entity_id] = [h]
        else:
            group.append(h)
    text = a.text
    out = []
    for eid, hits in by_entity.items():
        info = a.entities[eid]
        mentions = []
        confidence = 0.0
        introduced = False
        for h in hits:
            start, end = h.start, h.end
            cite = CITATION.match(text, end) if text.startswith(CITATION_OPENERS, end) else None
            citation = (cite.group(1) or cite.group(2)) if cite else None
            mentions.append((start, end, text[start:end], h.rule, citation))
            if h.confidence > confidence:
                confidence = h.confidence
            introduced = introduced or h.introduced
        out.append(
            _new_evidence(
                Evidence,
                (eid, info.name, info.type, info.source, info.parent, round(confidence, 3), introduced, mentions),
            )
        )
    return out


def assemble(a: PaperAnalysis) -> LinkedPaper:
    """The linker's output for one paper."""
    return LinkedPaper(
        id=a.id,
        title=a.title,
        entities=[
            LinkedEntity(
                id=e.id,
                name=e.name,
                type=EntityType(e.type),
                surfaces=e.surfaces,
                confidence=e.confidence,
                introduced=e.introduced,
                source=cast(Source, e.source),
                parent=e.parent,
                mentions=[
                    Mention(start=s, end=t, surface=surface, rule=rule, citation=citation)
                    for s, t, surface, rule, citation in e.mentions
                ],
            )
            for e in evidence(a)
        ],
    )


def linked_paper_json(paper_id: str, title: str, found: list[Evidence], option: int = 0) -> bytes:
    """The JSON of `LinkedPaper(id=paper_id, title=title, entities=...)` with `model_dump_json(exclude_none=True)`,
    byte for byte, written from the evidence tuples with orjson: what `kg link` prints for a paper, without a
    pydantic model per entity and mention (they cost more than the rest of the output).

    The same fields in the same order as the models (`kg.model.types.LinkedEntity`, `Mention`), `parent` and
    `citation` left out when None; tests/test_cli_link.py checks the bytes against the models'. `option`:
    orjson's (`orjson.OPT_APPEND_NEWLINE` for a line).
    """
    entities: list[dict[str, Any]] = []
    for eid, name, etype, source, parent, confidence, introduced, mentions in found:
        entity = {
            "id": eid,
            "name": name,
            "type": etype,
            "surfaces": list(dict.fromkeys([m[2] for m in mentions])),
            "confidence": float(confidence),  # a float field: the models write 1 as 1.0
            "introduced": introduced,
            "source": source,
        }
        if parent is not None:
            entity["parent"] = parent
        entity["mentions"] = [
            {"start": start, "end": end, "surface": surface, "rule": rule}
            if citation is None
            else {"start": start, "end": end, "surface": surface, "rule": rule, "citation": citation}
            for start, end, surface, rule, citation in mentions
        ]
        entities.append(entity)
    return orjson.dumps({"id": paper_id, "title": title, "entities": entities}, option=option)


def json_line(a: PaperAnalysis) -> tuple[bytes, int]:
    """One paper's line of `kg link` output (its JSON and a newline) and the number of entities on it."""
    found = evidence(a)
    return linked_paper_json(a.id, a.title, found, orjson.OPT_APPEND_NEWLINE), len(found)
