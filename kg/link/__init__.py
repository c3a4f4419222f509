"""Entity linking: find, discover and resolve the entities a paper mentions."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.link.config import LinkerConfig
    from kg.link.linker import Linker, resolve_mention

__all__ = ["Linker", "LinkerConfig", "resolve_mention"]


def __getattr__(name: str) -> object:
    """Imported on first use: `kg.link.resolve` alone (which lookups use) then does not load the linker's
    automata and rules."""
    if name == "LinkerConfig":
        from kg.link.config import LinkerConfig

        return LinkerConfig
    if name in __all__:
        from kg.link import linker

        return getattr(linker, name)
    raise AttributeError(f"module 'kg.link' has no attribute {name!r}")
