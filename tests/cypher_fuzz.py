"""Random ordinary read queries over kg's graph model, for comparing the local store with a real Neo4j.

Two generators, each deterministic for a given `random.Random`:

- `pattern_query`: MATCH patterns of up to two hops over every label, label expression, relationship type
  and direction; WHERE predicates over the model's properties (comparisons, IN with nulls, string
  predicates, regular expressions, quantifiers, IS NULL, AND/OR/XOR/NOT); grouped, counted or listed rows.
- `rich_query`: expressions (string and list functions, arithmetic, CASE, coalesce, quantifiers, EXISTS and
  COUNT subqueries, map projections), WITH ... WHERE, UNWIND, OPTIONAL MATCH, variable-length patterns,
  WITH ... ORDER BY ... SKIP/LIMIT followed by MATCH.

Run against a real Neo4j 5.26, they found seven differences the hand-written query sets had not (see
`kg.query.translate` and the git log). Every query orders its rows completely, or returns one row.
"""

from __future__ import annotations

import random

# ------------------------------------------------------------------------------------------------ patterns

NODE_LABELS = [
    "Paper",
    "Entity",
    "Method",
    "Model",
    "Dataset",
    "Hardware",
    "Framework",
    None,
    "Entity:Hardware",
    "Hardware|Framework",
]
REL_TYPES = ["MENTIONS", "INTRODUCES", "CITES", "VARIANT_OF", None, "MENTIONS|INTRODUCES"]
ENTITY_PROPS = {
    "name": "str",
    "type": "str",
    "vendor": "str",
    "year": "int",
    "source": "str",
    "aliases": "list",
    "description": "str",
}
PAPER_PROPS = {"id": "str", "title": "str", "year": "int", "abstract": "str", "sources": "list"}
REL_PROPS = {"count": "int", "confidence": "float", "surfaces": "list", "rules": "list", "via": "list"}
WORDS = [
    "A100",
    "NVIDIA",
    "Meta",
    "Google",
    "Model",
    "Hardware",
    "catalog",
    "discovered",
    "LoRA",
    "DeepSpeed",
    "Transformer",
    "x",
    "",
    "Mixture-of-Experts",
    "ImageNet",
]


def _node(r: random.Random, var: str) -> str:
    label = r.choice(NODE_LABELS)
    return f"({var}:{label})" if label else f"({var})"


def _rel(r: random.Random, var: str) -> str:
    rel = r.choice(REL_TYPES)
    body = f"{var}:{rel}" if rel else var
    return r.choice([f"-[{body}]->", f"<-[{body}]-", f"-[{body}]-"])


def _value(r: random.Random, kind: str) -> str:
    if kind == "int":
        return str(r.choice([2019, 2020, 2022, 2023, 1, 2, 3, 0]))
    if kind == "float":
        return str(r.choice([0.5, 0.9, 0.95, 1.0]))
    return "'" + r.choice(WORDS) + "'"


def _predicate(r: random.Random, variables: list[tuple[str, str]], depth: int = 0) -> str:
    var, kind = r.choice(variables)
    props = PAPER_PROPS if kind == "n" and r.random() < 0.3 else ENTITY_PROPS if kind == "n" else REL_PROPS
    prop, prop_kind = r.choice(list(props.items()))
    roll = r.random()
    if depth < 2 and roll < 0.15:
        op = r.choice(["AND", "OR", "XOR"])
        return f"({_predicate(r, variables, depth + 1)} {op} {_predicate(r, variables, depth + 1)})"
    if depth < 2 and roll < 0.22:
        return f"NOT {_predicate(r, variables, depth + 1)}"
    if prop_kind == "list":
        return r.choice(
            [
                f"{_value(r, 'str')} IN {var}.{prop}",
                f"size({var}.{prop}) > {r.choice([0, 1, 2, 5])}",
                f"any(x IN {var}.{prop} WHERE x STARTS WITH {_value(r, 'str')})",
                f"{var}.{prop} IS NULL",
            ]
        )
    if prop_kind == "str":
        op = r.choice(["=", "<>", "<", "STARTS WITH", "ENDS WITH", "CONTAINS", "IN", "IS NULL", "IS NOT NULL", "=~"])
        if op == "IN":
            return f"{var}.{prop} IN [{_value(r, prop_kind)}, {_value(r, prop_kind)}, null]"
        if op.startswith("IS"):
            return f"{var}.{prop} {op}"
        if op == "=~":
            return f"{var}.{prop} =~ '(?i).*{r.choice(['a', 'b', 'gpu', 'net', '1'])}.*'"
        if op == "<" and r.random() < 0.3:
            return f"{var}.{prop} < {_value(r, 'int')}"
        return f"{var}.{prop} {op} {_value(r, prop_kind)}"
    op = r.choice(["=", "<>", "<", ">=", "IS NULL"])
    if op == "IS NULL":
        return f"{var}.{prop} IS NULL"
    return f"{var}.{prop} {op} {_value(r, prop_kind)}"


def pattern_query(r: random.Random) -> str:
    hops = r.choice([0, 1, 1, 2])
    parts = [_node(r, "a")]
    variables = [("a", "n")]
    names = ["a"]
    for i in range(hops):
        rel_var, node_var = f"r{i}", "bcd"[i]
        parts += [_rel(r, rel_var), _node(r, node_var)]
        variables += [(rel_var, "r"), (node_var, "n")]
        names.append(node_var)
    q = ("OPTIONAL MATCH " if r.random() < 0.1 else "MATCH ") + "".join(parts)
    if r.random() < 0.7:
        q += " WHERE " + _predicate(r, variables)
    mode = r.choice(["agg", "agg", "rows", "count", "collect"])
    if mode == "count":
        return q + " RETURN count(*) AS n"
    if mode == "agg":
        v = r.choice(names)
        group = r.choice([f"{v}.name", f"{v}.type", f"labels({v})[0]", f"{v}.vendor", f"{v}.year"])
        agg = r.choice(["count(*)", "count(DISTINCT a)", "max(a.year)", "min(a.name)", "sum(a.year)", "avg(a.year)"])
        return q + f" RETURN {group} AS g, {agg} AS v ORDER BY v DESC, g LIMIT {r.choice([5, 10, 50])}"
    if mode == "collect":
        v = r.choice(names)
        return q + f" WITH {v}, count(*) AS c RETURN c, count({v}) AS n ORDER BY c, n"
    columns = [f"{v}.{r.choice(['name', 'id', 'title', 'type'])}" for v in names]
    listed = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns))
    return q + f" RETURN DISTINCT {listed} ORDER BY " + ", ".join(f"c{i}" for i in range(len(columns))) + " LIMIT 20"


# ------------------------------------------------------------------------------------------------ expressions

STRINGS = [
    "'A100'",
    "'NVIDIA'",
    "'Meta'",
    "'LoRA'",
    "'DeepSpeed'",
    "'x'",
    "''",
    "'-'",
    "' '",
    "'a'",
    "'GPT'",
    "'Llama 2'",
]
INTEGERS = ["0", "1", "2", "3", "-1", "10", "2023", "2020"]


def _text(r: random.Random, v: str, depth: int = 0) -> str:
    base = r.choice([f"{v}.name", f"{v}.vendor", f"{v}.description", f"{v}.type", r.choice(STRINGS), f"{v}.id"])
    if depth > 1:
        return base
    roll = r.random()
    inner = _text(r, v, depth + 1)
    if roll < 0.1:
        return f"toLower({inner})"
    if roll < 0.2:
        return f"toUpper({inner})"
    if roll < 0.3:
        return f"substring({inner}, {r.choice(['0', '1', '2', '5'])}, {r.choice(['1', '3', '10'])})"
    if roll < 0.37:
        return f"left({inner}, {r.choice(['1', '2', '4'])})"
    if roll < 0.44:
        return f"right({inner}, {r.choice(['1', '2', '4'])})"
    if roll < 0.5:  # not '' as the search text: refused on the local store (Java's meaning differs)
        return f"replace({inner}, {r.choice([x for x in STRINGS if x != repr('')])}, {r.choice(STRINGS)})"
    if roll < 0.56:
        return f"coalesce({v}.vendor, {r.choice(STRINGS)})"
    if roll < 0.62:
        return f"trim({inner})"
    if roll < 0.68:
        return f"({inner} + {r.choice(STRINGS)})"
    if roll < 0.72:
        return f"reverse({inner})"
    if roll < 0.76:
        return f"toString({_integer(r, v, depth + 1)})"
    if roll < 0.8:
        return f"split({inner}, {r.choice(['-', ' ', 'a', 'LoRA'])!r})[{r.choice(['0', '1', '-1'])}]"
    if roll < 0.84:
        return f"CASE WHEN {_condition(r, v, depth + 1)} THEN {r.choice(STRINGS)} ELSE {inner} END"
    if roll < 0.88:
        return f"{v}.aliases[{r.choice(['0', '1', '-1', '5'])}]"
    return base


def _integer(r: random.Random, v: str, depth: int = 0) -> str:
    base = r.choice([f"{v}.year", r.choice(INTEGERS), f"size({v}.aliases)", f"size({v}.name)"])
    if depth > 1:
        return base
    roll = r.random()
    if roll < 0.12:
        return f"({_integer(r, v, depth + 1)} {r.choice(['+', '-', '*'])} {_integer(r, v, depth + 1)})"
    if roll < 0.18:
        return f"({_integer(r, v, depth + 1)} {r.choice(['/', '%'])} {r.choice(['2', '3', '7', '-2'])})"
    if roll < 0.25:
        return f"size({_text(r, v, depth + 1)})"
    if roll < 0.3:
        return f"size([a IN {v}.aliases WHERE a CONTAINS {r.choice(STRINGS)}])"
    if roll < 0.35:
        return f"coalesce({v}.year, {r.choice(INTEGERS)})"
    if roll < 0.4:
        return f"abs({_integer(r, v, depth + 1)})"
    if roll < 0.45:
        return f"toInteger({r.choice([r.choice(STRINGS), repr('12'), repr('3.7'), '2.5'])})"
    return base


def _condition(r: random.Random, v: str, depth: int = 0) -> str:
    roll = r.random()
    if depth < 2 and roll < 0.12:
        op = r.choice(["AND", "OR", "XOR"])
        return f"({_condition(r, v, depth + 1)} {op} {_condition(r, v, depth + 1)})"
    if depth < 2 and roll < 0.2:
        return f"NOT {_condition(r, v, depth + 1)}"
    if roll < 0.35:
        op = r.choice(["=", "<>", "<", ">=", "STARTS WITH", "ENDS WITH", "CONTAINS"])
        return f"{_text(r, v, depth + 1)} {op} {_text(r, v, depth + 1)}"
    if roll < 0.5:
        return f"{_integer(r, v, depth + 1)} {r.choice(['=', '<>', '<', '>=', '>'])} {_integer(r, v, depth + 1)}"
    if roll < 0.56:
        return f"{_text(r, v, depth + 1)} IN [{r.choice(STRINGS)}, {r.choice(STRINGS)}{r.choice(['', ', null'])}]"
    if roll < 0.62:
        quantifier = r.choice(["any", "all", "none", "single"])
        op = r.choice(["STARTS WITH", "CONTAINS", "ENDS WITH"])
        return f"{quantifier}(a IN {v}.aliases WHERE a {op} {r.choice(STRINGS)})"
    if roll < 0.68:
        return f"{v}.{r.choice(['vendor', 'year', 'description'])} IS {r.choice(['', 'NOT '])}NULL"
    if roll < 0.74:
        return f"{v}:{r.choice(['Hardware', 'Model', 'Entity', 'Paper', 'Method'])}"
    if roll < 0.8:
        return f"exists {{ ({v})<-[:MENTIONS]-(:Paper) }}"
    if roll < 0.86:
        return f"COUNT {{ ({v})<-[:MENTIONS]-() }} > {r.choice(['0', '2', '5'])}"
    if roll < 0.9:
        return f"{_text(r, v, depth + 1)} =~ '(?i).*{r.choice(['a', 'gpu', 'net', '[0-9]'])}.*'"
    return f"{v}.year {r.choice(['<', '>=', '='])} {r.choice(['2019', '2021', '2023'])}"


def rich_query(r: random.Random) -> str:
    label = r.choice(["Entity", "Hardware", "Model", "Method", "Dataset", "Framework"])
    roll = r.random()
    if roll < 0.25:
        return (
            f"MATCH (e:{label}) WHERE {_condition(r, 'e')} RETURN {_text(r, 'e')} AS a, {_integer(r, 'e')} AS b "
            "ORDER BY a, b LIMIT 15"
        )
    if roll < 0.4:
        return (
            f"MATCH (e:{label}) WITH {_text(r, 'e')} AS k, count(*) AS n WHERE n > {r.choice(['0', '1', '3'])} "
            "RETURN k, n ORDER BY n DESC, k LIMIT 10"
        )
    if roll < 0.5:
        return (
            f"MATCH (p:Paper)-[m:MENTIONS]->(e:{label}) WHERE {_condition(r, 'e')} "
            "WITH e, count(p) AS papers, sum(m.count) AS times RETURN e.name AS name, papers, times "
            "ORDER BY papers DESC, name LIMIT 10"
        )
    if roll < 0.6:
        return (
            f"MATCH (e:{label}) OPTIONAL MATCH (e)<-[:INTRODUCES]-(p:Paper) WITH e, count(p) AS intro "
            f"WHERE {_condition(r, 'e')} RETURN intro, count(e) AS n ORDER BY intro"
        )
    if roll < 0.68:
        op = r.choice(["CONTAINS", "STARTS WITH", "ENDS WITH"])
        return (
            f"MATCH (e:{label}) UNWIND e.aliases AS a WITH a WHERE a {op} {r.choice(STRINGS)} "
            "RETURN a ORDER BY a LIMIT 20"
        )
    if roll < 0.76:
        return (
            f"MATCH (v:{label})-[:VARIANT_OF*1..{r.choice(['1', '2', '3'])}]->(root) "
            f"WHERE {_condition(r, 'root')} RETURN root.name AS root, count(DISTINCT v) AS variants "
            "ORDER BY variants DESC, root LIMIT 10"
        )
    if roll < 0.84:
        return (
            f"MATCH (e:{label}) RETURN CASE WHEN {_condition(r, 'e')} THEN 'yes' WHEN {_condition(r, 'e')} "
            "THEN 'maybe' ELSE 'no' END AS k, count(*) AS n ORDER BY k"
        )
    if roll < 0.9:
        return (
            f"MATCH (e:{label}) WHERE {_condition(r, 'e')} RETURN e {{.name, .year, extra: {_integer(r, 'e')}}} "
            "AS m ORDER BY m.name, m.year, m.extra LIMIT 5"
        )
    return (
        f"MATCH (e:{label}) WITH e ORDER BY e.name, e.id SKIP {r.choice(['0', '3', '10'])} "
        f"LIMIT {r.choice(['5', '20'])} MATCH (e)<-[:MENTIONS]-(p:Paper) RETURN e.name AS name, count(p) AS n "
        "ORDER BY n DESC, name"
    )
