"""Cypher tokens: the lexical layer of the query parser (`kg.query.parser`).

Follows the lexical rules of Neo4j 5's Cypher: keywords are case-insensitive,
strings take single or double quotes with backslash escapes, names may be
quoted with backticks (a doubled backtick is a literal one), `//` and `/* */`
are comments, parameters are `$name` or `$0`. Every token keeps its offsets
in the query text, so errors can point at a column and unaliased return
items can be named by their text as written (as Neo4j names them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from kg.model.errors import QueryError


class Tok(str, Enum):
    NAME = "name"  # identifier or keyword (keywords are recognised by the parser, case-insensitively)
    QUOTED = "quoted"  # `backtick quoted` name: never a keyword
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    PARAM = "param"
    SYMBOL = "symbol"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Tok
    text: str  # the value: unescaped string, name, number text, symbol
    start: int
    end: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind is Tok.NAME and self.text.upper() in words


# Longest symbols first, so `<>` wins over `<` and `..` over `.`.
_SYMBOLS = (
    "=~",
    "<>",
    "!=",
    "<=",
    ">=",
    "->",
    "<-",
    "..",
    "||",
    "::",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "|",
    ";",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "=",
    "<",
    ">",
    "&",
    "!",
    "$",
)
_SYMBOL_RE = re.compile("|".join(re.escape(s) for s in _SYMBOLS))
_NAME_RE = re.compile(r"[^\W\d]\w*|_\w*", re.UNICODE)
# Numbers as Cypher writes them: hex, octal, decimal integers; floats with a fraction and/or exponent.
_NUMBER_RE = re.compile(
    r"0x[0-9a-fA-F_]+|0o[0-7_]+|(?:[0-9][0-9_]*)?\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?"
    r"|[0-9][0-9_]*[eE][+-]?[0-9]+|[0-9][0-9_]*"
)
_PARAM_RE = re.compile(r"\$(?:([^\W\d]\w*)|(\d+)|`((?:[^`]|``)*)`)", re.UNICODE)
_DIGITS = frozenset("0123456789")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def column_of(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset in the query text."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def syntax_error(text: str, offset: int, problem: str) -> QueryError:
    line, col = column_of(text, offset)
    where = f"line {line}, column {col}" if "\n" in text else f"column {col}"
    return QueryError(f"Cypher syntax error at {where}: {problem}")


def _string(text: str, start: int) -> tuple[str, int]:
    """The unescaped value of the string literal opening at `start`, and the offset after it."""
    quote = text[start]
    out: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == quote:
            return "".join(out), i + 1
        if c == "\\":
            if i + 1 >= n:
                break
            e = text[i + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
                continue
            if e in "uU":
                width = 4 if e == "u" else 8
                digits = text[i + 2 : i + 2 + width]
                if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise syntax_error(text, i, f"bad unicode escape \\{e}{digits} in a string")
                code = int(digits, 16)
                if code > 0x10FFFF:
                    raise syntax_error(text, i, f"unicode escape \\{e}{digits} is out of range")
                out.append(chr(code))
                i += 2 + width
                continue
            raise syntax_error(text, i, f"unknown escape \\{e} in a string (write \\\\ for a backslash)")
        out.append(c)
        i += 1
    raise syntax_error(text, start, "string is not closed (missing " + quote + ")")


def _ends_operand(tokens: list[Token]) -> bool:
    """After a name or a closing bracket, `.5` is not a number (`.` is property access there)."""
    if not tokens:
        return False
    last = tokens[-1]
    return last.kind in (Tok.NAME, Tok.QUOTED, Tok.PARAM) or last.kind is Tok.SYMBOL and last.text in (")", "]", "}")


def tokenize(text: str) -> list[Token]:
    """The tokens of a query, ending with one `END` token; a `QueryError` names the column of a bad one."""
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise syntax_error(text, i, "comment /* is not closed (missing */)")
            i = j + 2
            continue
        if c in "'\"":
            value, j = _string(text, i)
            tokens.append(Token(Tok.STRING, value, i, j))
            i = j
            continue
        if c == "`":
            j = i + 1
            parts = []
            while True:
                k = text.find("`", j)
                if k < 0:
                    raise syntax_error(text, i, "quoted name is not closed (missing `)")
                parts.append(text[j:k])
                if text.startswith("``", k):
                    parts.append("`")
                    j = k + 2
                    continue
                break
            tokens.append(Token(Tok.QUOTED, "".join(parts), i, k + 1))
            i = k + 1
            continue
        if c == "$":
            m = _PARAM_RE.match(text, i)
            if not m:
                raise syntax_error(text, i, "a parameter is $ followed by a name, e.g. $name")
            name = m.group(1) or m.group(2) or (m.group(3) or "").replace("``", "`")
            tokens.append(Token(Tok.PARAM, name, i, m.end()))
            i = m.end()
            continue
        if c in _DIGITS or c == "." and i + 1 < n and text[i + 1] in _DIGITS and not _ends_operand(tokens):
            m = _NUMBER_RE.match(text, i)
            assert m is not None
            raw = m.group()
            # "1..3" is 1, "..", 3 inside a range: a number never swallows the dots of a range
            if "." in raw and not raw.lower().startswith("0x") and text.startswith("..", i + raw.index(".")):
                raw = raw[: raw.index(".")]
            j = i + len(raw)
            if j < n and (text[j].isalpha() or text[j] == "_"):
                raise syntax_error(text, i, f"bad number {text[i : j + 1]!r}")
            is_float = not raw.lower().startswith(("0x", "0o")) and any(ch in raw for ch in ".eE")
            tokens.append(Token(Tok.FLOAT if is_float else Tok.INTEGER, raw, i, j))
            i = j
            continue
        m = _NAME_RE.match(text, i)
        if m:
            tokens.append(Token(Tok.NAME, m.group(), i, m.end()))
            i = m.end()
            continue
        m = _SYMBOL_RE.match(text, i)
        if m:
            tokens.append(Token(Tok.SYMBOL, m.group(), i, m.end()))
            i = m.end()
            continue
        raise syntax_error(text, i, f"unexpected character {c!r}")
    tokens.append(Token(Tok.END, "", n, n))
    return tokens
