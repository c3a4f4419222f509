"""Values as Cypher literals, for the script `kg export --format cypher` writes (kg's own queries use parameters).

A literal is lossless for every value the graph holds: strings escaped as
Neo4j's lexer reads them, floats by `repr`, lists and maps nested, map keys in
backticks unless they are plain identifiers. A non-finite float becomes null
(Neo4j stores no NaN property; the databases drop it too, see `kg.cypher.codec`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from kg.cypher.rows import Row

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNWIND_ROWS = "UNWIND $rows AS row "  # how every load statement of kg.cypher.statements begins

# Characters a string literal writes as a backslash escape; other control and line-separator characters as \uXXXX.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def cypher_value(value: Any) -> str:
    """A value as a lossless Cypher literal: null, booleans, numbers, strings, lists (sets sorted) and maps."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        return repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(cypher_value(v) for v in items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{cypher_key(k)}: {cypher_value(v)}" for k, v in value.items()) + "}"
    return cypher_string(str(value))


def cypher_key(key: str) -> str:
    """A map key or property name: as it is when a plain identifier, else in backticks (a backtick doubled)."""
    if _IDENT.match(key):
        return key
    return "`" + key.replace("`", "``") + "`"


def cypher_string(text: str) -> str:
    """A double-quoted string literal: quote, backslash and control characters escaped, U+2028/9 as \\u escapes."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def script_statement(template: str, rows: list[Row]) -> str:
    """A load statement of `kg.cypher.statements` with its `$rows` replaced by a literal list of the rows."""
    if not template.startswith(_UNWIND_ROWS):
        raise ValueError(f"not a load statement (it must begin {_UNWIND_ROWS!r}): {template!r}")
    return "UNWIND " + cypher_value(rows) + " AS row " + template[len(_UNWIND_ROWS) :]
