"""Entity linking: find, discover and resolve the entities a paper mentions.

- `linker`: `Linker`, one paper or a corpus: detection, discovery, resolution, evidence.
- `config`: `LinkerConfig`, every threshold with its reason.
- `detect`: catalog aliases found in one Aho-Corasick pass; `abbreviation`: acronym definitions.
- `discover`: entities the catalog does not know (a package, one module per rule).
- `resolve`: a spelling to entities (`Resolver`, also used by `kg lookup`).
- `analysis`, `spans`, `evidence`, `propagation`: one paper's findings, its hits by position, its
  output, and names matched across papers.
- `evaluate`: scores against gold annotations (`kg eval`).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.link.config import LinkerConfig
    from kg.link.linker import Linker, resolve_mention

__all__ = ["Linker", "LinkerConfig", "resolve_mention"]


def __getattr__(name: str) -> object:
    """Imported on first use: `kg.link.resolve` alone (which lookups use) then does not load the linker and
    its discovery rules."""
    if name == "LinkerConfig":
        from kg.link.config import LinkerConfig

        return LinkerConfig
    if name in __all__:
        from kg.link import linker

        return getattr(linker, name)
    raise AttributeError(f"module 'kg.link' has no attribute {name!r}")
