"""A translated expression (engine text and static type), and the engine literals both the translator and the
function table write. Apart from the translator (`kg.query.translate`) so that the function table
(`kg.query.functions`) can use them without importing it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.query.types import ANY, T


@dataclass
class Tx:
    """A translated expression: engine text and static type."""

    text: str
    type: T = ANY


def node_type(tables: frozenset[str]) -> T:
    """NODE, remembering the tables it may come from."""
    return T("NODE", tables=frozenset(tables))


def rel_type(tables: frozenset[str]) -> T:
    return T("REL", tables=frozenset(tables))


def string_literal(value: str) -> str:
    """An engine string literal: backslash and quote escaped, control and separator characters as \\uXXXX."""
    out = []
    for ch in value:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif code < 0x20 or code == 0x7F or 0x2028 <= code <= 0x2029 or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"
