"""Entity linking: find, discover and resolve the entities a paper mentions."""

from kg.link.linker import Linker, resolve_mention

__all__ = ["Linker", "resolve_mention"]
