"""Neo4j driver exceptions as one-line kg errors naming the server and the fix, and which ones a retry may pass.

The driver is imported on first use, so this module loads without it.
"""

from __future__ import annotations

from kg.model.errors import Neo4jError, QueryError
from kg.store.neo4j_settings import Neo4jSettings


def first_line(text: str) -> str:
    """The first non-blank line of a message (driver and server messages run to several lines)."""
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def server_message(exc: BaseException) -> str:
    """The server's status code and the first line of its message."""
    code = getattr(exc, "code", None) or exc.__class__.__name__
    message = first_line(getattr(exc, "message", None) or str(exc))
    return f"{code}: {message}" if message else str(code)


def is_unreachable(exc: BaseException) -> bool:
    from neo4j import exceptions as ne

    return isinstance(
        exc, (ne.ServiceUnavailable, ne.SessionExpired, ne.ConnectionAcquisitionTimeoutError, OSError)
    ) or (isinstance(exc, ne.DriverError) and "defunct" in str(exc).lower())


def may_pass_later(exc: BaseException) -> bool:
    """Whether sending the same batch again may succeed: the server was away, or the error was transient."""
    from neo4j import exceptions as ne

    return is_unreachable(exc) or isinstance(exc, ne.TransientError)


def translate_error(exc: Exception, settings: Neo4jSettings, during: str, *, hint: str = "") -> Exception:
    """A driver exception as a one-line `Neo4jError` (or `QueryError`) naming the server and the fix."""
    from neo4j import exceptions as ne

    where = settings.where()
    if isinstance(exc, ne.AuthError):
        return Neo4jError(
            f"{where}: authentication failed for user {settings.user!r} while {during}; "
            "check NEO4J_USERNAME/--user and NEO4J_PASSWORD"
        )
    if "AuthenticationRateLimit" in (getattr(exc, "code", None) or ""):
        return Neo4jError(
            f"{where}: too many failed logins for user {settings.user!r}, so the server refuses it "
            f"for a few seconds (while {during}); check NEO4J_USERNAME/--user and NEO4J_PASSWORD, "
            "then retry"
        )
    if isinstance(exc, ne.Forbidden):
        return Neo4jError(
            f"{where}: user {settings.user!r} may not do this ({server_message(exc)}) while {during}; "
            "use a user with the needed privileges"
        )
    if isinstance(exc, ne.ConfigurationError):
        return Neo4jError(
            f"{settings.uri}: {first_line(str(exc))}; use a URI like bolt://localhost:7687 "
            "or neo4j://host:7687 (--uri or NEO4J_URI)"
        )
    if is_unreachable(exc):
        fix = hint or "start Neo4j (docker compose up -d) or fix --uri/NEO4J_URI, then re-run"
        reason = first_line(str(exc)).rstrip(":") or exc.__class__.__name__
        return Neo4jError(f"{where}: Neo4j is unreachable while {during} ({reason}); {fix}")
    if isinstance(exc, ne.ClientError):
        code = getattr(exc, "code", "") or ""
        if "DatabaseNotFound" in code:
            return Neo4jError(
                f"{where}: database {settings.database!r} does not exist; "
                "create it or choose another with --database/NEO4J_DATABASE"
            )
        return QueryError(
            f"{where}: Neo4j rejected the query while {during}: {server_message(exc)}" + (f"; {hint}" if hint else "")
        )
    if isinstance(exc, ne.Neo4jError):
        return Neo4jError(
            f"{where}: Neo4j failed while {during}: {server_message(exc)}" + (f"; {hint}" if hint else "")
        )
    if isinstance(exc, ne.DriverError):
        return Neo4jError(
            f"{where}: driver error while {during}: {first_line(str(exc)) or exc.__class__.__name__}"
            + (f"; {hint}" if hint else "")
        )
    return exc  # not a driver error: let it through unchanged
