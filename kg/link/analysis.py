"""What the linker finds in one paper before it becomes a `LinkedPaper`: hits, entity facts, the analysis."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Hit:
    """One span of the paper's text linked to an entity, by a rule, with a confidence."""

    start: int
    end: int
    entity_id: str
    rule: str
    confidence: float
    introduced: bool = False


@dataclass(slots=True)
class EntityInfo:
    """What the paper's analysis knows of one entity: name, type, where it came from, parent (variants)."""

    name: str
    type: str
    source: str
    confidence: float
    parent: str | None = None


@dataclass(slots=True)
class PaperAnalysis:
    """Everything found in one paper before it is assembled into a `LinkedPaper`.

    The paper's text is derived from title and abstract on demand rather than
    stored, so a corpus of analyses does not hold a second copy of every abstract.
    """

    id: str
    title: str
    abstract: str
    hits: list[Hit] = field(default_factory=list)
    entities: dict[str, EntityInfo] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}"

    @property
    def title_end(self) -> int:
        return len(self.title)
