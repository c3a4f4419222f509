"""The pydantic models (and the `Evidence` tuple) that cross module boundaries: papers as read, catalog
entities as written, and papers as linked. The graph's names (entity types, labels, relationship types) are
in `kg.model.schema`, a query's rows in `kg.model.results`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kg.model.schema import EntityType


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # each schema is built on first use: imports stay cheap


class Source(Strict):
    """Where a record was read: file and 1-based line."""

    file: str
    line: int


class Paper(Strict):
    """One distinct paper. `id` is the arXiv id when known, else a hash of the normalised title."""

    id: str
    title: str
    abstract: str = ""
    sources: list[Source] = Field(default_factory=list)
    arxiv_id: str | None = None
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    url: str | None = None
    categories: list[str] = Field(default_factory=list)


class PaperLike(Protocol):
    """What the graph reads of a paper (`kg.graph.model.paper_attrs`): a `Paper`, or a lighter row of one."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...
    @property
    def sources(self) -> Sequence[SourceLike]: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def year(self) -> int | None: ...
    @property
    def url(self) -> str | None: ...


class SourceLike(Protocol):
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...


class Alias(Strict):
    """One spelling of a catalog entity with its matching rule.

    case: "exact" matches only as written, "ignore" in any case, "auto" is exact
    for short aliases (`LinkerConfig.short_alias`) and otherwise any case, with
    a capital required for a plain word (see `kg.link.detect.make_rule`).
    context: cue words; when given, the alias matches only if one of them
    occurs in the same paper (for ambiguous names such as Ray or Adam).
    veto_next: words that, directly after the alias, mean it is not this entity
    ("Ray tracing").
    """

    text: str
    case: Literal["auto", "exact", "ignore"] = "auto"
    context: list[str] = Field(default_factory=list)
    veto_next: list[str] = Field(default_factory=list)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("alias text is empty")
        return v


class CatalogEntity(Strict):
    """A curated entity as written in `kg/catalog/*.yaml` or a user's `--catalog` file."""

    id: str | None = None
    name: str
    type: EntityType
    aliases: list[Alias | str] = Field(default_factory=list)
    case: Literal["auto", "exact", "ignore"] = "auto"
    context: list[str] = Field(default_factory=list)
    veto_next: list[str] = Field(default_factory=list)
    parent: str | None = None
    vendor: str | None = None
    year: int | None = None
    description: str | None = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("name is empty")
        return v.strip()


class Mention(Strict):
    """One occurrence of an entity in a paper's text (title, a newline, then abstract)."""

    start: int
    end: int
    surface: str
    rule: str
    citation: str | None = None


class Evidence(NamedTuple):
    """One entity linked in one paper, as the linker hands it to `kg.graph.GraphBuilder`.

    `mentions` are (start, end, surface, rule, citation) tuples: the fields of
    `Mention`. A typed tuple, not a pydantic model, because the linker makes one
    per entity per paper (tens of millions for arXiv) and `LinkedPaper` is built
    from it only when a caller asks for models.
    """

    id: str
    name: str
    type: str
    source: str
    parent: str | None
    confidence: float
    introduced: bool
    mentions: list[tuple[int, int, str, str, str | None]]

    @property
    def surfaces(self) -> list[str]:
        """The distinct surface strings, in order of first mention."""
        return list(dict.fromkeys(m[2] for m in self.mentions))


class LinkedEntity(Strict):
    id: str
    name: str
    type: EntityType
    surfaces: list[str]
    confidence: float
    introduced: bool
    source: Literal["catalog", "discovered"] = "catalog"
    parent: str | None = None
    mentions: list[Mention]


class LinkedPaper(Strict):
    id: str
    title: str
    entities: list[LinkedEntity]
