"""Cypher queries: named query files, parameters, and running them on the local store.

Named queries live in `cypher/queries/*.cypher`, each with a header of `//`
comment lines: `// name:`, `// answers:`, and one `// param: NAME - meaning
(example: VALUE)` per parameter. The same files run unchanged on Neo4j.

The local store runs Cypher with grand-cypher (NetworkX). It supports MATCH
with chained patterns, labels, relationship types and inline property maps,
WHERE with comparisons, AND/OR/NOT, IN lists, CONTAINS/STARTS WITH/ENDS WITH,
RETURN with DISTINCT, aliases (AS), COUNT/SUM/AVG/MIN/MAX (upper case),
ORDER BY, SKIP and LIMIT. It does not support WITH, OPTIONAL MATCH, UNWIND,
comma-separated patterns or lower-case aggregate names. Query parameters
(`$name`) are bound by kg: on Neo4j by the driver, locally as escaped
literals. Write clauses are refused locally; on Neo4j queries run in a READ
session.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import networkx as nx
from pydantic import Field

from kg.errors import QueryError
from kg.models import Strict

WRITE_CLAUSE = re.compile(r"(?<![.\w$])(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD\s+CSV|FOREACH)\b",
                          re.IGNORECASE)
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|//[^\n]*|\$([A-Za-z_][A-Za-z0-9_]*)|[^"\'`$/]+|.', re.S)


class NamedQuery(Strict):
    name: str
    answers: str
    params: dict[str, str] = Field(default_factory=dict)
    kinds: dict[str, str] = Field(default_factory=dict)
    examples: dict[str, str] = Field(default_factory=dict)
    cypher: str
    path: str


class QueryResult(Strict):
    columns: list[str]
    rows: list[list]


def cypher_dir() -> Path:
    """`cypher/` of the source tree (or $KG_CYPHER_DIR)."""
    env = os.environ.get("KG_CYPHER_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "cypher"


def parse_named_query(text: str, path: str) -> NamedQuery:
    header: dict = {"params": {}, "kinds": {}, "examples": {}}
    body = []
    for line in text.splitlines():
        stripped = line.strip()
        m = re.match(r"//\s*(name|answers|param):\s*(.*)", stripped)
        if m and not body:
            field, value = m.groups()
            if field == "param":
                pm = re.match(r"(\w+)(?:\s*\((entity|paper)\))?\s*-\s*(.*?)(?:\s*\(example:\s*(.*)\))?$", value)
                if not pm:
                    raise QueryError(f"{path}: bad param header {value!r}; "
                                     "write '// param: NAME [(entity|paper)] - meaning (example: VALUE)'")
                header["params"][pm.group(1)] = pm.group(3)
                if pm.group(2):
                    header["kinds"][pm.group(1)] = pm.group(2)
                if pm.group(4):
                    header["examples"][pm.group(1)] = pm.group(4)
            else:
                header[field] = value
        elif stripped.startswith("//") and not body:
            continue
        elif stripped or body:
            body.append(line)
    if "name" not in header or "answers" not in header:
        raise QueryError(f"{path}: named query needs '// name:' and '// answers:' header lines")
    return NamedQuery(cypher="\n".join(body).strip().rstrip(";"), path=path, **header)


def named_queries(directory: str | Path | None = None) -> dict[str, NamedQuery]:
    directory = Path(directory) if directory else cypher_dir() / "queries"
    if not directory.is_dir():
        raise QueryError(f"{directory}: named query directory not found; set KG_CYPHER_DIR to the cypher/ folder")
    out = {}
    for path in sorted(directory.glob("*.cypher")):
        q = parse_named_query(path.read_text(encoding="utf-8"), str(path))
        out[q.name] = q
    return out


def get_named_query(name: str, directory: str | Path | None = None) -> NamedQuery:
    queries = named_queries(directory)
    if name not in queries:
        raise QueryError(f"no named query {name!r}; kg query --list shows them ({', '.join(queries)})")
    return queries[name]


def parse_params(pairs: list[str]) -> dict:
    """`k=v` pairs; a value that parses as a JSON number, boolean or list is taken as such, else a string.

    `NaN`, `Infinity` and numbers too large for a float (`1e999`) stay strings:
    Python's json reads them as non-finite floats, which no literal can bind,
    so `--param title=NaN` matched nothing instead of the paper titled "NaN".
    """
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise QueryError(f"bad --param {pair!r}; write --param name=value")
        key, value = pair.split("=", 1)
        try:
            parsed = json.loads(value, parse_constant=_no_constant)
        except (ValueError, RecursionError):  # JSONDecodeError, NaN/Infinity, an int of more than 4300 digits
            params[key] = value
            continue
        params[key] = parsed if isinstance(parsed, (int, float, bool, list)) and _finite(parsed) else value
    return params


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number kg binds")


def _finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape_unprintable(m: re.Match) -> str:
    return f"\\u{ord(m.group()):04x}"


def cypher_literal(value) -> str:
    """A value as a Cypher literal: strings double-quoted with backslash escapes.

    Control characters, line separators and lone surrogates are written as
    `\\uXXXX` escapes (valid in Cypher, and in the Python literal syntax
    grand-cypher evaluates strings with). They used to be replaced by a space
    (newlines), so a parameter holding a newline silently matched nothing, or
    made the query fail (NUL, surrogates).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{_UNPRINTABLE.sub(_escape_unprintable, text)}"'


def bind_parameters(cypher: str, params: dict) -> str:
    """Replace `$name` tokens outside strings and comments with literals; unknown parameters are an error."""
    out = []
    for m in _TOKENS.finditer(cypher):
        name = m.group(1)
        if name is None:
            out.append(m.group(0))
            continue
        if name not in params:
            raise QueryError(f"query needs parameter ${name}; pass --param {name}=VALUE")
        out.append(cypher_literal(params[name]))
    return "".join(out)


def strip_comments(cypher: str) -> str:
    return "".join(m.group(0) for m in _TOKENS.finditer(cypher) if not m.group(0).startswith("//"))


def write_clause(cypher: str) -> str | None:
    """The first write clause of a query (outside strings, quoted names and comments), upper-cased, or None.

    A property or alias that happens to spell a keyword (`n.set`) is not a clause.
    """
    code = "".join(m.group(0) for m in _TOKENS.finditer(cypher)
                   if not (m.group(0)[:1] in "\"'`" or m.group(0).startswith("//")))
    m = WRITE_CLAUSE.search(code)
    return " ".join(m.group(1).upper().split()) if m else None


def refuse_writes(cypher: str) -> None:
    clause = write_clause(cypher)
    if clause:
        raise QueryError(f"the local store is read-only for queries: {clause} is not allowed; "
                         "use kg build to change the graph")


def run_local(g: nx.MultiDiGraph, cypher: str, params: dict | None = None) -> QueryResult:
    """Run a read-only Cypher query on a NetworkX graph with grand-cypher."""
    from grandcypher import GrandCypher

    refuse_writes(cypher)
    bound = bind_parameters(strip_comments(cypher), params or {}).strip().rstrip(";")
    try:
        raw = GrandCypher(g).run(bound)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise QueryError(f"cannot run query on the local store: {first} (see kg query --help for supported Cypher)") from None
    columns = [str(getattr(c, "value", c)) for c in raw]
    values = list(raw.values())
    n = len(values[0]) if values else 0
    rows = [[_plain(values[c][i]) for c in range(len(columns))] for i in range(n)]
    return QueryResult(columns=columns, rows=rows)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "__labels__"}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def resolve_params(g: nx.MultiDiGraph, query: NamedQuery, params: dict, index=None) -> dict:
    """Named-query parameters of kind entity or paper resolved against the store (spelling-tolerant)."""
    from kg.lookup import EntityIndex, resolve_entity, resolve_paper

    out = dict(params)
    for name, kind in query.kinds.items():
        if name not in out or not isinstance(out[name], str):
            continue
        if kind == "entity":
            index = index or EntityIndex.build(g)
            node, _, _ = resolve_entity(g, index, out[name])
            out[name] = g.nodes[node]["name"]
        elif kind == "paper":
            out[name] = g.nodes[resolve_paper(g, out[name])]["id"]
    return out
