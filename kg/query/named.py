"""Named queries and query parameters.

Named queries live in `cypher/queries/*.cypher`, each with a header of `//`
comment lines: `// name:`, `// answers:`, and one `// param: NAME - meaning
(example: VALUE)` per parameter. The same files run unchanged on the local
store and on Neo4j. Parameters marked `(entity)` or `(paper)` are resolved
like `kg lookup` before the query runs.

`--param k=v` binds the string `v`, exactly as typed (`--param id=2401.12345`
stays the text "2401.12345"); `--param-json k=JSON` binds a number, boolean,
list, map or null.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from kg.cypher.scripts import cypher_dir
from kg.model.errors import QueryError
from kg.query.types import Params, Value

if TYPE_CHECKING:  # kg.lookup is imported where it runs: it loads rapidfuzz
    from kg.lookup import EntityIndex, Run


@dataclass(frozen=True)
class NamedQuery:
    """A query of cypher/queries/: its name, what it answers, its parameters (name -> meaning), their kinds
    (entity, paper, type) and examples, the Cypher text and the file it came from."""

    name: str
    answers: str
    cypher: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)


def parse_named_query(text: str, path: str) -> NamedQuery:
    header: dict[str, str] = {}  # name, answers
    params: dict[str, str] = {}
    kinds: dict[str, str] = {}
    examples: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        m = re.match(r"//\s*(name|answers|param):\s*(.*)", stripped)
        if m and not body:
            field, value = m.groups()
            if field == "param":
                pm = re.match(r"(\w+)(?:\s*\((entity|paper|type)\))?\s*-\s*(.*?)(?:\s*\(example:\s*(.*)\))?$", value)
                if not pm:
                    raise QueryError(
                        f"{path}: bad param header {value!r}; "
                        "write '// param: NAME [(entity|paper|type)] - meaning (example: VALUE)'"
                    )
                params[pm.group(1)] = pm.group(3)
                if pm.group(2):
                    kinds[pm.group(1)] = pm.group(2)
                if pm.group(4):
                    examples[pm.group(1)] = pm.group(4)
            else:
                header[field] = value
        elif stripped.startswith("//") and not body:
            continue
        elif stripped or body:
            body.append(line)
    if "name" not in header or "answers" not in header:
        raise QueryError(f"{path}: named query needs '// name:' and '// answers:' header lines")
    return NamedQuery(
        cypher="\n".join(body).strip().rstrip(";"), path=path, params=params, kinds=kinds, examples=examples, **header
    )


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


def parse_params(pairs: Sequence[str], json_pairs: Sequence[str] = ()) -> Params:
    """`--param k=v` pairs as strings, `--param-json k=JSON` pairs as JSON values."""
    params: Params = {}
    for pair in pairs:
        if "=" not in pair:
            raise QueryError(f"bad --param {pair!r}; write --param name=value")
        key, value = pair.split("=", 1)
        params[_param_name(key, "--param")] = value
    for pair in json_pairs:
        if "=" not in pair:
            raise QueryError(f"bad --param-json {pair!r}; write --param-json name=JSON, e.g. n=5 or names='[\"A100\"]'")
        key, value = pair.split("=", 1)
        try:
            parsed = json.loads(value, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise QueryError(
                f'--param-json {key}: {value[:40]!r} is not JSON ({exc}); quote strings as JSON ("text") or use --param'
            ) from None
        if not _finite(parsed):
            raise QueryError(f"--param-json {key}: NaN and infinite numbers cannot be bound")
        params[_param_name(key, "--param-json")] = parsed
    return params


def _param_name(key: str, option: str) -> str:
    if not key or not (key[0].isalpha() or key[0] == "_") or not all(c.isalnum() or c == "_" for c in key):
        raise QueryError(f"bad {option} name {key!r}; a parameter name is letters, digits and _")
    return key


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number kg binds")


def _finite(value: Value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def canonical_params(run: Run, query: NamedQuery, params: Params, index: EntityIndex | None = None) -> Params:
    """Named-query parameters as the graph stores them: an entity parameter becomes the name of the entity it
    means (found like `kg lookup`, spelling-tolerant), a paper parameter the paper's id, a type its canonical name.

    `run` runs read-only Cypher on the graph (the query database or Neo4j); see `kg.lookup.Run`.
    """
    from kg.lookup import EntityIndex, find_paper

    out = dict(params)
    for name, kind in query.kinds.items():
        if name not in out or not isinstance(out[name], str):
            continue
        if kind == "entity":
            index = index or EntityIndex.read(run)
            entity_id, _, _ = index.resolve(out[name])
            out[name] = index.names[entity_id]
        elif kind == "paper":
            out[name] = find_paper(run, out[name])
        elif kind == "type":
            out[name] = entity_type(out[name])
    return out


def entity_type(value: str) -> str:
    """An entity type as its label, whatever its case (`hardware` -> `Hardware`); unknown types are an error
    naming the five (a misspelt type used to give no rows without a word)."""
    from kg.model.schema import EntityType

    for t in EntityType:
        if t.value.lower() == value.strip().lower():
            return t.value
    raise QueryError(f"unknown entity type {value!r}; use one of {', '.join(t.value for t in EntityType)}")
