"""One small exception hierarchy. Every message names the thing and the fix."""

from __future__ import annotations


class KGError(Exception):
    """Base class: anything kg reports to a user as a one-line message."""


class InputError(KGError):
    """A bad input file or record, located by file and line."""

    def __init__(self, source: str, line: int | None, problem: str, fix: str = ""):
        self.source = source
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{source}:{line}" if line else source
        message = f"{where}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


class CatalogError(KGError):
    """A catalog file or entry that does not validate."""


class StoreError(KGError):
    """A store that cannot be read or written."""


class QueryError(KGError):
    """A query that cannot be run."""


class Neo4jError(KGError):
    """A Neo4j server that cannot be reached or refuses the work."""


class NotFoundError(KGError):
    """A name that matches no entity or paper; carries suggestions."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        self.suggestions = suggestions or []
        super().__init__(message)
