"""Where and how to reach Neo4j: URI, user, database and password, from options and the environment.

The password is taken from NEO4J_PASSWORD (or given in Python); it is never
printed, logged, or put in an exception message. A URI that carries a user name
or password (`bolt://user:pw@host`) is refused when connecting, and shown only as
`bolt://***@host`: credentials belong in NEO4J_USERNAME and NEO4J_PASSWORD.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_URI = "bolt://localhost:7687"
DEFAULT_USER = "neo4j"
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def redact_uri(uri: str) -> tuple[str, bool]:
    """`uri` with any user name and password replaced by `***` (`bolt://***@host:7687`), and whether it had any.

    Everything between `://` (or the start) and the last `@` counts as credentials, so a password holding
    `@`, `/` or `:` is hidden whole."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        scheme, rest = "", uri
    if "@" not in rest:
        return uri, False
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}", True


class Neo4jSettings:
    """Where and how to connect. The password is kept out of repr(), str() and messages.

    `uri` is kept without credentials (see `redact_uri`); a URI that had some cannot be connected to."""

    __slots__ = ("uri", "user", "database", "_password", "uri_has_credentials")

    def __init__(
        self, uri: str = DEFAULT_URI, user: str = DEFAULT_USER, password: str | None = None, database: str | None = None
    ):
        self.uri, self.uri_has_credentials = redact_uri(uri)
        self.user = user
        self.database = database or None
        self._password = password

    @classmethod
    def from_env(
        cls,
        uri: str | None = None,
        user: str | None = None,
        database: str | None = None,
        password: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Neo4jSettings:
        """Arguments first, then NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE, then defaults."""
        env = os.environ if environ is None else environ
        return cls(
            uri=uri or env.get("NEO4J_URI") or DEFAULT_URI,
            user=user or env.get("NEO4J_USERNAME") or DEFAULT_USER,
            password=password if password is not None else env.get("NEO4J_PASSWORD"),
            database=database or env.get("NEO4J_DATABASE") or None,
        )

    @property
    def has_password(self) -> bool:
        return self._password is not None

    def auth(self) -> tuple[str, str] | None:
        """(user, password) for the driver; None when no password is set."""
        return None if self._password is None else (self.user, self._password)

    def with_password(self, password: str) -> Neo4jSettings:
        return Neo4jSettings(self.uri, self.user, password, self.database)

    def where(self) -> str:
        return f"{self.uri}" + (f" (database {self.database})" if self.database else "")

    def __repr__(self) -> str:
        return (
            f"Neo4jSettings(uri={self.uri!r}, user={self.user!r}, database={self.database!r}, "
            f"password={'set' if self.has_password else 'unset'})"
        )

    __str__ = __repr__
