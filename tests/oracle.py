"""Plain-Python oracle for tests/data/queries/user_queries.yaml: the rows Neo4j 5 returns, computed by hand.

Every query in the YAML file has a function of the same name here, `f(g, params) -> (columns, rows)`,
registered in `ORACLE`. Each one walks the NetworkX graph of the local store (`kg.store.local.load_graph`)
directly: no Cypher engine, parser or query planner is involved, so the local engine can be checked against
an independent computation. `canonical(...)` turns a result into a comparable form for those checks.

The graph (see kg/graph/model.py): a `networkx.MultiDiGraph`; node keys "paper:<id>" / "entity:<id>"; node data
holds the properties plus `__labels__` (a frozenset); edge keys are the relationship type, edge data its
properties plus `__labels__`. A property absent from the data is null (Neo4j never stores nulls). A
relationship is identified by (from, to, type): the graph holds at most one edge per type and pair.

Neo4j 5 rules applied throughout (each query function only says what is special about it):

- Relationship isomorphism: inside one MATCH clause (all of its comma-separated patterns, and every hop of a
  variable-length pattern) a relationship is bound at most once; nodes may repeat. Different MATCH clauses
  and EXISTS/COUNT subqueries do not constrain each other.
- An undirected pattern `(a)-[:R]-(b)` matches each relationship once per direction (a self-loop once).
- Three-valued logic: `_eq`, `_cmp`, `_in_list`, `_and`, `_or`, `_not` return True/False/None; WHERE keeps a row
  only when the predicate is True (`_true`).
- Aggregates skip nulls (count(expr), collect, sum, avg, min, max); count(*) counts rows; avg is a float;
  sum of ints is an int; grouping keys are the non-aggregate return items compared with Cypher equality
  (null groups with null); DISTINCT and UNION deduplicate with the same equality.
- ORDER BY uses Cypher orderability: ascending puts nulls last, descending first; strings by code point.
- Values are returned as Neo4j drivers give them: lists for the in-memory tuples, a node as its property map
  (no nulls, no `__labels__`), `labels(n)` as ["Paper"] or ["Entity", "<Type>"].
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from decimal import Decimal

# --------------------------------------------------------------------------- graph access

PAPER = "Paper"
ENTITY = "Entity"


def _has(data: dict, *labels: str) -> bool:
    return all(label in data["__labels__"] for label in labels)


def _nodes(g, *labels: str):
    """(key, data) of every node carrying all of `labels` (all nodes when none), like MATCH (n:L1:L2)."""
    for key, data in g.nodes(data=True):
        if _has(data, *labels):
            yield key, data


def _out(g, key, rtype: str | None = None):
    """Outgoing relationships of a node: (relationship id, other node key, relationship data)."""
    for u, v, k, d in g.out_edges(key, keys=True, data=True):
        if rtype is None or k == rtype:
            yield (u, v, k), v, d


def _inc(g, key, rtype: str | None = None):
    """Incoming relationships of a node: (relationship id, other node key, relationship data)."""
    for u, v, k, d in g.in_edges(key, keys=True, data=True):
        if rtype is None or k == rtype:
            yield (u, v, k), u, d


def _val(v):
    """A stored value as Neo4j returns it: tuples (shared mention lists) become lists; copies, never aliases."""
    if isinstance(v, (list, tuple)):
        return [_val(x) for x in v]
    if isinstance(v, dict):
        return {k: _val(x) for k, x in v.items()}
    return v


def _p(data: dict, name: str):
    """Property access `n.name`: null when absent."""
    return _val(data.get(name))


def _node_map(data: dict) -> dict:
    """A node returned whole, or properties(n): its stored properties, without `__labels__` and nulls."""
    return {k: _val(v) for k, v in data.items() if k != "__labels__" and v is not None}


def _labels(data: dict) -> list[str]:
    """labels(n): ["Paper"] or ["Entity", "<Type>"] (Entity first, the order kg creates the labels in)."""
    labels = data["__labels__"]
    if PAPER in labels:
        return [PAPER] + sorted(label for label in labels if label != PAPER)
    return ([ENTITY] if ENTITY in labels else []) + sorted(label for label in labels if label != ENTITY)


# --------------------------------------------------------------------------- Cypher values and logic


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _eq(a, b):
    """Cypher `a = b`: null if either side is null; numbers compare by value (1 = 1.0); lists element-wise."""
    if a is None or b is None:
        return None
    if _is_num(a) and _is_num(b):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return False
        result = True
        for x, y in zip(a, b):
            e = _eq(x, y)
            if e is False:
                return False
            if e is None:
                result = None
        return result
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        return _and(*(_eq(a[k], b[k]) for k in a))
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return a == b


def _cmp(a, op: str, b):
    """Cypher `<`, `<=`, `>`, `>=`: null when either side is null or the types are not comparable."""
    if a is None or b is None:
        return None
    if _is_num(a) and _is_num(b):
        if (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
            return False
    elif isinstance(a, str) and isinstance(b, str):
        pass
    elif isinstance(a, bool) and isinstance(b, bool):
        pass
    else:
        return None
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _in_list(x, lst):
    """Cypher `x IN list`: true if some element equals x; else null if some comparison is null; else false.
    `null IN []` is false, `null IN [1]` null, `1 IN [null, 2]` null, `1 IN [null, 1]` true."""
    if lst is None:
        return None
    result = False
    for item in lst:
        e = _eq(x, item)
        if e is True:
            return True
        if e is None:
            result = None
    return result


def _and(*values):
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(*values):
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _not(v):
    return None if v is None else not v


def _true(v) -> bool:
    """WHERE keeps a row only when its predicate is true (not false, not null)."""
    return v is True


def _contains(s, t):
    if not (isinstance(s, str) and isinstance(t, str)):
        return None
    return t in s


def _starts_with(s, t):
    if not (isinstance(s, str) and isinstance(t, str)):
        return None
    return s.startswith(t)


def _ends_with(s, t):
    if not (isinstance(s, str) and isinstance(t, str)):
        return None
    return s.endswith(t)


def _size(v):
    """size(): elements of a list, characters (code points) of a string, null for null."""
    return None if v is None else len(v)


def _index(lst, i):
    """list[i]: 0-based, negative from the end, null when out of range or either side is null."""
    if lst is None or i is None:
        return None
    if -len(lst) <= i < len(lst):
        return _val(lst[i])
    return None


def _slice(lst, start, end):
    """list[start..end]: 0-based, end exclusive, negative bounds from the end, clamped to the list (Python's
    slice semantics for integers); null when the list or a given bound is null."""
    if lst is None or start is None or end is None:
        return None
    return _val(list(lst)[start:end])


def _java_is_whitespace(ch: str) -> bool:
    """java.lang.Character.isWhitespace, which Neo4j's trim() uses."""
    if ch in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":
        return True
    if ch in "\u00a0\u2007\u202f":
        return False
    return unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def _trim(s):
    if s is None:
        return None
    start, end = 0, len(s)
    while start < end and _java_is_whitespace(s[start]):
        start += 1
    while end > start and _java_is_whitespace(s[end - 1]):
        end -= 1
    return s[start:end]


def _substring(s, start, length):
    """substring(s, start, length): 0-based; a length past the end stops at the end."""
    return None if s is None else s[start : start + length]


def _left(s, n):
    return None if s is None else s[:n]


def _right(s, n):
    return None if s is None else (s[len(s) - n :] if n < len(s) else s)


def _split(s, sep):
    """split(s, sep): every piece, empty ones included ('a-' gives ['a', '']), like Python's str.split."""
    return None if s is None or sep is None else s.split(sep)


def _to_string(v):
    """toString(): ints in decimal, booleans as true/false, floats as Java's Double.toString (1.0, 0.1, 1.0E20)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _java_double(v)
    return str(v)


def _java_double(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        s = repr(x)  # shortest round-trip digits, plain notation in this range
        return s if "." in s else s + ".0"
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    digits = "".join(map(str, digits))
    exp10 = len(digits) - 1 + exponent
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{exp10}"


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _to_integer(v):
    """toInteger(): ints as they are, floats and booleans truncated/converted, strings parsed as an integer or
    else a decimal number truncated toward zero ('4.7' -> 4, '1e3' -> 1000); surrounding spaces or any other
    text give null (' 42 ' -> null, as Neo4j 5.26 answers). Java-only spellings (non-ASCII digits, '1.5f') are
    not modelled: only toInteger('42') occurs in the queries."""
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if _INTEGER_TEXT.fullmatch(v):
        n = int(v)
        if not -(2**63) <= n < 2**63:
            raise OverflowError(f"integer, {v}, is too large")  # Neo4j raises a TypeError here
        return n
    if _DECIMAL_TEXT.fullmatch(v):
        return int(float(v))
    return None


def _to_float(v):
    """toFloat(): numbers as floats; strings parsed as a decimal number (Java trims the text first)."""
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str) and _DECIMAL_TEXT.fullmatch(v.strip()):
        return float(v.strip())
    return None


def _div(a, b):
    """`/`: integer division truncates toward zero (Java) when both sides are integers."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


def _mod(a, b):
    """`%`: the remainder keeps the sign of the dividend (Java)."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a - b * _div(a, b)
    return math.fmod(a, b)


def _coalesce(*values):
    return next((v for v in values if v is not None), None)


def _java_full_match(pattern: str, s) -> bool | None:
    """`s =~ pattern`: a Java regex that must match the whole string; null when s is not a string.
    Java's (?i) folds ASCII case only (no UNICODE_CASE), hence re.ASCII; Java's `.` excludes every line
    terminator, Python's only \\n, so `.` is rewritten to the Java set (only bare dots occur here)."""
    if not isinstance(s, str):
        return None
    java_dot = "[^\n\r\u0085\u2028\u2029]"
    translated = re.sub(r"(?<!\\)\.", java_dot, pattern)
    return re.fullmatch(translated, s, flags=re.ASCII) is not None


# --------------------------------------------------------------------------- grouping, ordering, dedup


def _hkey(v):
    """A hashable key with Cypher equality for grouping and DISTINCT: null equals null here, 1 equals 1.0,
    true is not 1, lists by elements, maps by entries."""
    if v is None:
        return ("null",)
    if isinstance(v, bool):
        return ("bool", v)
    if _is_num(v):
        return ("num", v)
    if isinstance(v, str):
        return ("str", v)
    if isinstance(v, (list, tuple)):
        return ("list", tuple(_hkey(x) for x in v))
    if isinstance(v, dict):
        return ("map", frozenset((k, _hkey(x)) for k, x in v.items()))
    return ("other", v)


def _group(records, key_fn):
    """Group records by the Cypher-equality of key_fn(record) (a tuple of the grouping values), in first-seen
    order: returns [(key values, [records])]."""
    groups: dict = {}
    for rec in records:
        key = key_fn(rec)
        hk = tuple(_hkey(k) for k in key)
        if hk not in groups:
            groups[hk] = (key, [])
        groups[hk][1].append(rec)
    return list(groups.values())


def _distinct(values):
    """DISTINCT in first-seen order, with Cypher equality."""
    seen, out = set(), []
    for v in values:
        hk = _hkey(v)
        if hk not in seen:
            seen.add(hk)
            out.append(v)
    return out


def _count(values) -> int:
    """count(expr): the non-null values."""
    return sum(1 for v in values if v is not None)


def _count_distinct(values) -> int:
    return len(_distinct(v for v in values if v is not None))


def _collect(values) -> list:
    return [_val(v) for v in values if v is not None]


def _sum(values):
    """sum(): 0 over no values; an int when every value is an int, else a float."""
    vals = [v for v in values if v is not None]
    if not vals:
        return 0
    if all(isinstance(v, int) for v in vals):
        return sum(vals)
    return float(math.fsum(vals))


def _avg(values):
    vals = [v for v in values if v is not None]
    return math.fsum(vals) / len(vals) if vals else None


def _min(values):
    vals = [v for v in values if v is not None]
    return functools.reduce(lambda a, b: b if _order_compare(b, a) < 0 else a, vals) if vals else None


def _max(values):
    vals = [v for v in values if v is not None]
    return functools.reduce(lambda a, b: b if _order_compare(b, a) > 0 else a, vals) if vals else None


def _order_rank(v) -> int:
    """Cypher orderability of types, ascending: map < node < relationship < list < path < temporal < string
    < boolean < number < null."""
    if v is None:
        return 9
    if isinstance(v, dict):
        return 0
    if isinstance(v, (list, tuple)):
        return 3
    if isinstance(v, str):
        return 6
    if isinstance(v, bool):
        return 7
    if _is_num(v):
        return 8
    raise TypeError(f"no Cypher order for {v!r}")


def _order_compare(a, b) -> int:
    ra, rb = _order_rank(a), _order_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if a is None:
        return 0
    if ra == 8:
        a_nan = isinstance(a, float) and math.isnan(a)
        b_nan = isinstance(b, float) and math.isnan(b)
        if a_nan or b_nan:  # NaN orders after every other number
            return (a_nan > b_nan) - (a_nan < b_nan)
        return (a > b) - (a < b)
    if ra in (6, 7):
        return (a > b) - (a < b)  # strings by code point, false < true
    if ra == 3:
        for x, y in zip(a, b):
            c = _order_compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 0:
        ka, kb = sorted(a), sorted(b)
        c = _order_compare(ka, kb)
        if c:
            return c
        return _order_compare([a[k] for k in ka], [b[k] for k in kb])
    return 0


def _order_by(records, *keys):
    """ORDER BY: keys are (function of a record, descending). Ascending puts nulls last, descending first.
    Python's sort is stable, so records with equal keys keep their order (Neo4j's order among ties is open)."""

    def cmp(x, y):
        for fn, desc in keys:
            c = _order_compare(fn(x), fn(y))
            if c:
                return -c if desc else c
        return 0

    return sorted(records, key=functools.cmp_to_key(cmp))


ASC, DESC = False, True


def _col(i: int):
    return lambda row: row[i]


# --------------------------------------------------------------------------- canonical form for comparison


def _round9(x: float) -> float:
    if math.isnan(x) or math.isinf(x) or x == 0:
        return x
    return float(f"{x:.9g}")


def _canon_value(v, sort_list: bool = False):
    """A totally ordered, hashable form: type tag first, floats to 9 significant digits, maps order-free."""
    if v is None:
        return (0,)
    if isinstance(v, bool):
        return (1, v)
    if isinstance(v, int):
        return (2, "int", v)
    if isinstance(v, float):
        x = _round9(v)
        return (2, "float", (1, 0.0) if math.isnan(x) else (0, x))
    if isinstance(v, str):
        return (3, v)
    if isinstance(v, (list, tuple)):
        items = [_canon_value(x) for x in v]
        if sort_list:
            items.sort()
        return (4, tuple(items))
    if isinstance(v, dict):
        return (5, tuple(sorted((str(k), _canon_value(x)) for k, x in v.items())))
    return (6, repr(v))


def canonical(columns, rows, ordered: bool = False, unordered_lists=()) -> object:
    """A comparable form of a result (columns, rows): rows as a sorted multiset unless `ordered`; the lists in
    the columns named in `unordered_lists` (collect()ed, order open in Cypher) sorted; floats rounded to 9
    significant digits (int and float stay distinct: Neo4j returns 3 and 3.0 differently); maps compared
    whatever their key order. canonical(engine) == canonical(oracle) is the check."""
    columns = list(columns)
    unordered = set(unordered_lists or ())
    unknown = unordered - set(columns)
    if unknown:
        raise ValueError(f"unordered_lists names columns not in the result: {sorted(unknown)}")
    sort_col = [c in unordered for c in columns]
    out = []
    for row in rows:
        row = list(row)
        if len(row) != len(columns):
            raise ValueError(f"row {row!r} has {len(row)} values for {len(columns)} columns")
        out.append(tuple(_canon_value(v, s) for v, s in zip(row, sort_col)))
    if not ordered:
        out.sort()
    return (tuple(columns), tuple(out))


# --------------------------------------------------------------------------- the queries


def papers_mentioning_deepspeed(g, params):
    """MATCH (e:Entity {name: 'DeepSpeed'})<-[:MENTIONS]-(p:Paper) RETURN p.title ORDER BY p.title
    An unaliased return item is named by its expression text: the column is `p.title`."""
    rows = []
    for ek, e in _nodes(g, ENTITY):
        if not _true(_eq(_p(e, "name"), "DeepSpeed")):
            continue
        for _, pk, _ in _inc(g, ek, "MENTIONS"):
            p = g.nodes[pk]
            if _has(p, PAPER):
                rows.append([_p(p, "title")])
    return ["p.title"], _order_by(rows, (_col(0), ASC))


def count_star_per_label(g, params):
    """MATCH (n) RETURN labels(n) AS labels, count(*) AS n ORDER BY n DESC, labels
    After an aggregating RETURN, ORDER BY sees the projected names: `n` is the count (it shadows the node)."""
    groups = _group((d for _, d in g.nodes(data=True)), lambda d: (_labels(d),))
    rows = [[key[0], len(recs)] for key, recs in groups]
    return ["labels", "n"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))


def relationship_types(g, params):
    """MATCH ()-[r]->() RETURN type(r) AS rel, count(*) AS n ORDER BY rel"""
    groups = _group(g.edges(keys=True), lambda e: (e[2],))
    rows = [[key[0], len(recs)] for key, recs in groups]
    return ["rel", "n"], _order_by(rows, (_col(0), ASC))


def undirected_cites(g, params):
    """MATCH (a:Paper)-[:CITES]-(b:Paper) RETURN a.id AS a, b.id AS b
    Undirected: every CITES relationship matches twice, once each way round (a self-loop would match once)."""
    rows = []
    for u, v, k in g.edges(keys=True):
        if k != "CITES":
            continue
        orientations = [(u, v)] if u == v else [(u, v), (v, u)]
        for a, b in orientations:
            da, db = g.nodes[a], g.nodes[b]
            if _has(da, PAPER) and _has(db, PAPER):
                rows.append([_p(da, "id"), _p(db, "id")])
    return ["a", "b"], rows


def hardware_with_megatron_style(g, params):
    """MATCH (h:Hardware)<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(f:Framework)
    WHERE f.name IN ['DeepSpeed', 'Megatron-LM']
    RETURN f.name AS framework, h.name AS hardware, count(DISTINCT p) AS papers
    ORDER BY papers DESC, framework, hardware
    The two MENTIONS are distinct relationships (isomorphism); they are anyway, as h and f differ in label."""
    wanted = ["DeepSpeed", "Megatron-LM"]
    recs = []
    for pk, _ in _nodes(g, PAPER):
        mentions = list(_out(g, pk, "MENTIONS"))
        for r1, hk, _ in mentions:
            h = g.nodes[hk]
            if not _has(h, "Hardware"):
                continue
            for r2, fk, _ in mentions:
                f = g.nodes[fk]
                if r2 == r1 or not _has(f, "Framework"):
                    continue
                if _true(_in_list(_p(f, "name"), wanted)):
                    recs.append((_p(f, "name"), _p(h, "name"), pk))
    groups = _group(recs, lambda r: (r[0], r[1]))
    rows = [[key[0], key[1], _count_distinct(r[2] for r in rs)] for key, rs in groups]
    return ["framework", "hardware", "papers"], _order_by(rows, (_col(2), DESC), (_col(0), ASC), (_col(1), ASC))


def lower_case_aggregates(g, params):
    """MATCH (p:Paper)-[:MENTIONS]->(e:Hardware)
    RETURN e.name AS hardware, count(p) AS papers, collect(p.id) AS ids ORDER BY papers DESC, hardware LIMIT 5
    Grouped by the name (not the node); lower-case aggregate names are the same functions."""
    recs = []
    for ek, e in _nodes(g, "Hardware"):
        for _, pk, _ in _inc(g, ek, "MENTIONS"):
            p = g.nodes[pk]
            if _has(p, PAPER):
                recs.append((_p(e, "name"), pk, _p(p, "id")))
    groups = _group(recs, lambda r: (r[0],))
    rows = [[key[0], _count(r[1] for r in rs), _collect(r[2] for r in rs)] for key, rs in groups]
    return ["hardware", "papers", "ids"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))[:5]


def _mention_counts(g, *labels):
    """MATCH (e:<labels>)<-[:MENTIONS]-(p:Paper) WITH e, count(p) AS papers: [(entity key, papers)], only
    entities with at least one such row (a MATCH produces no row for the others)."""
    out = []
    for ek, _ in _nodes(g, *labels):
        n = sum(1 for _, pk, _ in _inc(g, ek, "MENTIONS") if _has(g.nodes[pk], PAPER))
        if n:
            out.append((ek, n))
    return out


def with_where_threshold(g, params):
    """MATCH (e:Entity)<-[:MENTIONS]-(p:Paper) WITH e, count(p) AS papers WHERE papers >= 10
    RETURN e.name AS name, e.type AS type, papers ORDER BY papers DESC, name
    WITH groups by the node e; its WHERE filters the aggregated rows."""
    rows = []
    for ek, n in _mention_counts(g, ENTITY):
        if _true(_cmp(n, ">=", 10)):
            e = g.nodes[ek]
            rows.append([_p(e, "name"), _p(e, "type"), n])
    return ["name", "type", "papers"], _order_by(rows, (_col(2), DESC), (_col(0), ASC))


def _unwind(value):
    """UNWIND: a list gives one row per element, null gives no row, any other value one row."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [_val(v) for v in value]
    return [value]


def unwind_aliases(g, params):
    """MATCH (h:Hardware {name: 'A100'}) UNWIND h.aliases AS alias RETURN alias ORDER BY alias"""
    rows = []
    for _, h in _nodes(g, "Hardware"):
        if _true(_eq(_p(h, "name"), "A100")):
            rows.extend([a] for a in _unwind(_p(h, "aliases")))
    return ["alias"], _order_by(rows, (_col(0), ASC))


def unwind_literal_list(g, params):
    """UNWIND ['A100', 'H100', 'No Such GPU'] AS wanted OPTIONAL MATCH (h:Hardware {name: wanted})
    RETURN wanted, h.vendor AS vendor ORDER BY wanted
    OPTIONAL MATCH: every match gives a row; no match gives one row with h null, so h.vendor is null."""
    rows = []
    for wanted in ["A100", "H100", "No Such GPU"]:
        matches = [h for _, h in _nodes(g, "Hardware") if _true(_eq(_p(h, "name"), wanted))]
        if matches:
            rows.extend([wanted, _p(h, "vendor")] for h in matches)
        else:
            rows.append([wanted, None])
    return ["wanted", "vendor"], _order_by(rows, (_col(0), ASC))


def optional_match_introducers(g, params):
    """MATCH (e:Framework) OPTIONAL MATCH (p:Paper)-[:INTRODUCES]->(e)
    RETURN e.name AS framework, p.id AS introduced_by ORDER BY framework, introduced_by
    A framework no paper introduces gives one row with null, which sorts last among its name's rows."""
    rows = []
    for ek, e in _nodes(g, "Framework"):
        intro = [g.nodes[pk] for _, pk, _ in _inc(g, ek, "INTRODUCES") if _has(g.nodes[pk], PAPER)]
        if intro:
            rows.extend([_p(e, "name"), _p(p, "id")] for p in intro)
        else:
            rows.append([_p(e, "name"), None])
    return ["framework", "introduced_by"], _order_by(rows, (_col(0), ASC), (_col(1), ASC))


def comma_separated_patterns(g, params):
    """MATCH (p:Paper)-[:MENTIONS]->(h:Hardware), (p)-[:MENTIONS]->(d:Dataset)
    RETURN h.name AS hardware, d.name AS dataset, count(*) AS pairs ORDER BY pairs DESC, hardware, dataset LIMIT 10
    Both patterns are one MATCH, so the two MENTIONS must be different relationships (they are: h is Hardware,
    d Dataset). count(*) counts (p, h, d) rows per (hardware name, dataset name)."""
    recs = []
    for pk, _ in _nodes(g, PAPER):
        mentions = list(_out(g, pk, "MENTIONS"))
        for r1, hk, _ in mentions:
            if not _has(g.nodes[hk], "Hardware"):
                continue
            for r2, dk, _ in mentions:
                if r2 != r1 and _has(g.nodes[dk], "Dataset"):
                    recs.append((_p(g.nodes[hk], "name"), _p(g.nodes[dk], "name")))
    groups = _group(recs, lambda r: r)
    rows = [[key[0], key[1], len(rs)] for key, rs in groups]
    return ["hardware", "dataset", "pairs"], _order_by(rows, (_col(2), DESC), (_col(0), ASC), (_col(1), ASC))[:10]


def exists_subquery(g, params):
    """MATCH (p:Paper) WHERE EXISTS { MATCH (p)-[:INTRODUCES]->(:Framework) } RETURN p.id AS paper ORDER BY paper"""
    rows = []
    for pk, p in _nodes(g, PAPER):
        if any(_has(g.nodes[ek], "Framework") for _, ek, _ in _out(g, pk, "INTRODUCES")):
            rows.append([_p(p, "id")])
    return ["paper"], _order_by(rows, (_col(0), ASC))


def exists_pattern_short_form(g, params):
    """MATCH (p:Paper) WHERE exists { (p)-[:CITES]->(:Paper) } AND NOT exists { (p)<-[:CITES]-() }
    RETURN count(p) AS papers
    Papers that cite some paper and are cited by nothing. `()` is any node, of any label; each EXISTS is its
    own subquery, so no relationship of one constrains the other. A paper citing itself would satisfy the
    first and fail the second (its own CITES is incoming too); kg makes no self-citations. count(p) over no
    rows is one row with 0 (an aggregate without grouping keys always gives one row)."""
    n = 0
    for pk, _ in _nodes(g, PAPER):
        cites = any(_has(g.nodes[ok], PAPER) for _, ok, _ in _out(g, pk, "CITES"))
        cited = any(True for _ in _inc(g, pk, "CITES"))
        if _true(_and(cites, _not(cited))):
            n += 1
    return ["papers"], [[n]]


def regex_match(g, params):
    """MATCH (e:Entity) WHERE e.name =~ '(?i)llama.*' RETURN e.name AS name, labels(e) AS labels ORDER BY name
    `=~` is a Java regex over the whole string (not a search): names starting with llama in any ASCII case."""
    rows = []
    for _, e in _nodes(g, ENTITY):
        if _true(_java_full_match("(?i)llama.*", _p(e, "name"))):
            rows.append([_p(e, "name"), _labels(e)])
    return ["name", "labels"], _order_by(rows, (_col(0), ASC))


def in_list_literal(g, params):
    """MATCH (e:Entity) WHERE e.name IN ['PyTorch', 'JAX', 'TensorFlow', 'No Such Thing']
    RETURN e.name AS name, e.type AS type ORDER BY name"""
    wanted = ["PyTorch", "JAX", "TensorFlow", "No Such Thing"]
    rows = [[_p(e, "name"), _p(e, "type")] for _, e in _nodes(g, ENTITY) if _true(_in_list(_p(e, "name"), wanted))]
    return ["name", "type"], _order_by(rows, (_col(0), ASC))


def count_distinct(g, params):
    """MATCH (p:Paper)-[:MENTIONS]->(e:Entity)
    RETURN e.type AS type, count(DISTINCT p) AS papers, count(DISTINCT e) AS entities, count(*) AS mentions
    ORDER BY type"""
    recs = []
    for pk, _ in _nodes(g, PAPER):
        for _, ek, _ in _out(g, pk, "MENTIONS"):
            e = g.nodes[ek]
            if _has(e, ENTITY):
                recs.append((_p(e, "type"), pk, ek))
    groups = _group(recs, lambda r: (r[0],))
    rows = [
        [key[0], _count_distinct(r[1] for r in rs), _count_distinct(r[2] for r in rs), len(rs)] for key, rs in groups
    ]
    return ["type", "papers", "entities", "mentions"], _order_by(rows, (_col(0), ASC))


def size_of_lists_and_strings(g, params):
    """MATCH (e:Hardware) WHERE size(e.aliases) > 5
    RETURN e.name AS name, size(e.aliases) AS aliases, size(e.name) AS chars ORDER BY aliases DESC, name
    size() of a string counts characters (Unicode code points in Neo4j); of a list, elements."""
    rows = []
    for _, e in _nodes(g, "Hardware"):
        if _true(_cmp(_size(_p(e, "aliases")), ">", 5)):
            rows.append([_p(e, "name"), _size(_p(e, "aliases")), _size(_p(e, "name"))])
    return ["name", "aliases", "chars"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))


def coalesce_vendor(g, params):
    """MATCH (e:Framework) RETURN coalesce(e.vendor, 'unknown') AS vendor, count(*) AS n ORDER BY n DESC, vendor"""
    groups = _group((d for _, d in _nodes(g, "Framework")), lambda d: (_coalesce(_p(d, "vendor"), "unknown"),))
    rows = [[key[0], len(rs)] for key, rs in groups]
    return ["vendor", "n"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))


def case_buckets(g, params):
    """MATCH (e:Entity)<-[:MENTIONS]-(p:Paper) WITH e, count(p) AS papers
    RETURN CASE WHEN papers >= 10 THEN 'hub' WHEN papers >= 3 THEN 'common' ELSE 'rare' END AS bucket,
           count(*) AS entities ORDER BY bucket
    Only mentioned entities exist after the MATCH, so every entity counted has papers >= 1."""

    def bucket(n):
        if _true(_cmp(n, ">=", 10)):
            return "hub"
        if _true(_cmp(n, ">=", 3)):
            return "common"
        return "rare"

    groups = _group(_mention_counts(g, ENTITY), lambda r: (bucket(r[1]),))
    rows = [[key[0], len(rs)] for key, rs in groups]
    return ["bucket", "entities"], _order_by(rows, (_col(0), ASC))


def simple_case(g, params):
    """MATCH (e:Entity)
    RETURN CASE e.type WHEN 'Hardware' THEN 'hw' WHEN 'Framework' THEN 'sw' ELSE 'other' END AS kind, count(*) AS n
    ORDER BY kind
    A simple CASE tests equality in order; a null type matches no WHEN and falls to ELSE."""

    def kind(t):
        if _true(_eq(t, "Hardware")):
            return "hw"
        if _true(_eq(t, "Framework")):
            return "sw"
        return "other"

    groups = _group((d for _, d in _nodes(g, ENTITY)), lambda d: (kind(_p(d, "type")),))
    rows = [[key[0], len(rs)] for key, rs in groups]
    return ["kind", "n"], _order_by(rows, (_col(0), ASC))


def string_functions(g, params):
    """MATCH (e:Framework)
    WHERE toLower(e.name) STARTS WITH 'deep' OR e.name ENDS WITH 'LM' OR e.name CONTAINS 'Torch'
    RETURN e.name AS name, toUpper(e.name) AS upper, toLower(e.name) AS lower, substring(e.name, 0, 4) AS head4,
           left(e.name, 2) AS l2, right(e.name, 2) AS r2, replace(e.name, '-', ' ') AS spaced,
           split(e.name, '-') AS parts, trim('  ' + e.name + ' ') AS trimmed, reverse(e.name) AS backwards
    ORDER BY name
    substring/left/right are 0-based and stop at the string's end; split keeps empty pieces; trim strips
    Java whitespace at both ends (which includes any at the ends of the name itself)."""
    rows = []
    for _, e in _nodes(g, "Framework"):
        name = _p(e, "name")
        if name is None:
            continue  # every predicate below is null for a null name: the row is dropped
        low = name.lower()
        if not _true(_or(_starts_with(low, "deep"), _ends_with(name, "LM"), _contains(name, "Torch"))):
            continue
        rows.append(
            [
                name,
                name.upper(),
                low,
                _substring(name, 0, 4),
                _left(name, 2),
                _right(name, 2),
                name.replace("-", " "),
                _split(name, "-"),
                _trim("  " + name + " "),
                name[::-1],
            ]
        )
    columns = ["name", "upper", "lower", "head4", "l2", "r2", "spaced", "parts", "trimmed", "backwards"]
    return columns, _order_by(rows, (_col(0), ASC))


def _projection(data: dict, keys) -> dict:
    """A map projection's `.key` items: the key is present with null when the node lacks the property."""
    return {k: _p(data, k) for k in keys}


def map_projection(g, params):
    """MATCH (h:Hardware {name: 'H800'}) RETURN h {.name, .vendor, .type} AS hardware"""
    rows = [
        [_projection(h, ["name", "vendor", "type"])]
        for _, h in _nodes(g, "Hardware")
        if _true(_eq(_p(h, "name"), "H800"))
    ]
    return ["hardware"], rows


def map_projection_with_extra(g, params):
    """MATCH (p:Paper)-[:INTRODUCES]->(e:Framework)
    RETURN e {.name, introduced_by: p.id, kind: 'framework'} AS item ORDER BY item.name, item.introduced_by"""
    rows = []
    for pk, p in _nodes(g, PAPER):
        for _, ek, _ in _out(g, pk, "INTRODUCES"):
            e = g.nodes[ek]
            if _has(e, "Framework"):
                item = _projection(e, ["name"])
                item["introduced_by"] = _p(p, "id")
                item["kind"] = "framework"
                rows.append([item])
    return ["item"], _order_by(rows, (lambda r: r[0]["name"], ASC), (lambda r: r[0]["introduced_by"], ASC))


def labels_function(g, params):
    """MATCH (e {name: 'A100'}) RETURN labels(e) AS labels, e.type AS type
    No label in the pattern: every node whose name is 'A100' (papers have no name)."""
    rows = [[_labels(d), _p(d, "type")] for _, d in g.nodes(data=True) if _true(_eq(_p(d, "name"), "A100"))]
    return ["labels", "type"], rows


def _trails(g, start, rtype: str, min_len: int, max_len: int | None):
    """Variable-length `(start)-[:rtype*min..max]->(end)`: every directed path whose relationships are all
    distinct (relationship isomorphism; nodes may repeat), as (end key, length), one per path: a node reached
    by two different paths gives two rows."""
    out = []

    def walk(node, used, depth):
        if depth >= min_len:
            out.append((node, depth))
        if max_len is not None and depth >= max_len:
            return
        for rid, nxt, _ in _out(g, node, rtype):
            if rid not in used:
                used.add(rid)
                walk(nxt, used, depth + 1)
                used.remove(rid)

    walk(start, set(), 0)
    return out


def variable_length_family(g, params):
    """MATCH (v:Entity)-[:VARIANT_OF*1..3]->(root:Entity {name: 'LLaMA'}) RETURN v.name AS variant ORDER BY variant
    One row per path of 1 to 3 VARIANT_OF relationships (no relationship twice), so an entity reaching LLaMA
    along two different chains appears twice; intermediate nodes may have any label."""
    rows = []
    for vk, v in _nodes(g, ENTITY):
        for end, _ in _trails(g, vk, "VARIANT_OF", 1, 3):
            root = g.nodes[end]
            if _has(root, ENTITY) and _true(_eq(_p(root, "name"), "LLaMA")):
                rows.append([_p(v, "name")])
    return ["variant"], _order_by(rows, (_col(0), ASC))


def variable_length_depth(g, params):
    """MATCH path = (v:Hardware)-[:VARIANT_OF*]->(root:Hardware) WHERE NOT (root)-[:VARIANT_OF]->()
    RETURN v.name AS variant, root.name AS root, length(path) AS depth ORDER BY depth DESC, variant, root LIMIT 10
    `*` is 1 or more relationships, unbounded, never the same relationship twice in a path (so a cycle is
    walked at most once round). The WHERE pattern is an existence test of its own (no uniqueness against the
    path's relationships): root has no outgoing VARIANT_OF at all, i.e. it is the top of its family.
    length(path) counts relationships."""
    rows = []
    for vk, v in _nodes(g, "Hardware"):
        for end, depth in _trails(g, vk, "VARIANT_OF", 1, None):
            root = g.nodes[end]
            if _has(root, "Hardware") and not any(True for _ in _out(g, end, "VARIANT_OF")):
                rows.append([_p(v, "name"), _p(root, "name"), depth])
    return ["variant", "root", "depth"], _order_by(rows, (_col(2), DESC), (_col(0), ASC), (_col(1), ASC))[:10]


def _bfs_length(g, source, target, max_len: int):
    """Length of a shortest undirected path of any relationship types, at most max_len hops; None if none.
    A shortest path never repeats a relationship, so plain BFS over neighbours gives shortestPath's length."""
    if source == target:
        return None  # shortestPath needs at least one relationship here ([*..4] is *1..4)
    seen, frontier = {source}, [source]
    for depth in range(1, max_len + 1):
        nxt = []
        for node in frontier:
            for other in list(g.successors(node)) + list(g.predecessors(node)):
                if other == target:
                    return depth
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = nxt
    return None


def shortest_path_length(g, params):
    """MATCH (a:Hardware {name: 'A100'}), (b:Method {name: 'LoRA'}) MATCH path = shortestPath((a)-[*..4]-(b))
    RETURN length(path) AS hops
    One row per (a, b) pair joined by a path of 1 to 4 relationships of any type in either direction; a pair
    without one gives no row (a MATCH, not OPTIONAL)."""
    rows = []
    for ak, a in _nodes(g, "Hardware"):
        if not _true(_eq(_p(a, "name"), "A100")):
            continue
        for bk, b in _nodes(g, "Method"):
            if not _true(_eq(_p(b, "name"), "LoRA")):
                continue
            hops = _bfs_length(g, ak, bk, 4)
            if hops is not None:
                rows.append([hops])
    return ["hops"], rows


def skip_limit_paging(g, params):
    """MATCH (e:Dataset)<-[:MENTIONS]-(p:Paper) RETURN e.name AS dataset, count(p) AS papers
    ORDER BY papers DESC, dataset SKIP 3 LIMIT 5"""
    recs = []
    for ek, e in _nodes(g, "Dataset"):
        for _, pk, _ in _inc(g, ek, "MENTIONS"):
            if _has(g.nodes[pk], PAPER):
                recs.append((_p(e, "name"), pk))
    groups = _group(recs, lambda r: (r[0],))
    rows = [[key[0], _count(r[1] for r in rs)] for key, rs in groups]
    return ["dataset", "papers"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))[3 : 3 + 5]


def type_of_relationship(g, params):
    """MATCH (p:Paper {id: $paper})-[r]->(x) RETURN type(r) AS rel, count(*) AS n ORDER BY rel"""
    recs = []
    for pk, p in _nodes(g, PAPER):
        if _true(_eq(_p(p, "id"), params["paper"])):
            recs.extend(rid[2] for rid, _, _ in _out(g, pk))
    groups = _group(recs, lambda t: (t,))
    rows = [[key[0], len(rs)] for key, rs in groups]
    return ["rel", "n"], _order_by(rows, (_col(0), ASC))


def multi_label_pattern(g, params):
    """MATCH (e:Entity:Hardware) RETURN count(e) AS hardware"""
    return ["hardware"], [[sum(1 for _ in _nodes(g, ENTITY, "Hardware"))]]


def label_predicate_in_where(g, params):
    """MATCH (e:Entity) WHERE e:Hardware OR e:Framework RETURN e.type AS type, count(*) AS n ORDER BY type"""
    matched = [d for _, d in _nodes(g, ENTITY) if _has(d, "Hardware") or _has(d, "Framework")]
    groups = _group(matched, lambda d: (_p(d, "type"),))
    rows = [[key[0], len(rs)] for key, rs in groups]
    return ["type", "n"], _order_by(rows, (_col(0), ASC))


def sum_and_avg(g, params):
    """MATCH (p:Paper)-[m:MENTIONS]->(e:Hardware)
    RETURN e.name AS hardware, sum(m.count) AS times, avg(m.confidence) AS confidence, min(m.count) AS least,
           max(m.count) AS most ORDER BY times DESC, hardware LIMIT 5
    sum of integer counts is an integer; avg a float; all skip nulls."""
    recs = []
    for ek, e in _nodes(g, "Hardware"):
        for _, pk, m in _inc(g, ek, "MENTIONS"):
            if _has(g.nodes[pk], PAPER):
                recs.append((_p(e, "name"), _p(m, "count"), _p(m, "confidence")))
    groups = _group(recs, lambda r: (r[0],))
    rows = [
        [key[0], _sum(r[1] for r in rs), _avg(r[2] for r in rs), _min(r[1] for r in rs), _max(r[1] for r in rs)]
        for key, rs in groups
    ]
    return (["hardware", "times", "confidence", "least", "most"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))[:5])


def collect_distinct_vendors(g, params):
    """MATCH (e:Hardware) WHERE e.vendor IS NOT NULL
    RETURN e.vendor AS vendor, count(*) AS n, collect(DISTINCT e.type) AS types ORDER BY n DESC, vendor"""
    matched = [d for _, d in _nodes(g, "Hardware") if _p(d, "vendor") is not None]
    groups = _group(matched, lambda d: (_p(d, "vendor"),))
    rows = [[key[0], len(rs), _collect(_distinct(_p(d, "type") for d in rs))] for key, rs in groups]
    return ["vendor", "n", "types"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))


def null_handling(g, params):
    """MATCH (p:Paper) RETURN p.year IS NULL AS no_year, p.arxiv_id IS NULL AS no_arxiv, count(*) AS n"""
    groups = _group((d for _, d in _nodes(g, PAPER)), lambda d: (_p(d, "year") is None, _p(d, "arxiv_id") is None))
    rows = [[key[0], key[1], len(rs)] for key, rs in groups]
    return ["no_year", "no_arxiv", "n"], rows


def where_not_and_or(g, params):
    """MATCH (e:Model)
    WHERE (e.vendor = 'Meta' OR e.vendor = 'Google') AND NOT e.name CONTAINS 'BERT' AND e.year >= 2022
    RETURN e.name AS name, e.vendor AS vendor, e.year AS year ORDER BY year, name
    NOT binds looser than CONTAINS: NOT (e.name CONTAINS 'BERT'). A null vendor or year makes the predicate
    null (dropped)."""
    rows = []
    for _, e in _nodes(g, "Model"):
        vendor, name, year = _p(e, "vendor"), _p(e, "name"), _p(e, "year")
        pred = _and(
            _or(_eq(vendor, "Meta"), _eq(vendor, "Google")), _not(_contains(name, "BERT")), _cmp(year, ">=", 2022)
        )
        if _true(pred):
            rows.append([name, vendor, year])
    return ["name", "vendor", "year"], _order_by(rows, (_col(2), ASC), (_col(0), ASC))


def co_mention_pairs_no_self(g, params):
    """MATCH (a:Hardware)<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(b:Hardware)
    RETURN a.name AS a, b.name AS b, count(p) AS papers ORDER BY papers DESC, a, b LIMIT 10
    Isomorphism: the two MENTIONS are different relationships, and a paper has one MENTIONS per entity, so
    a and b are different nodes (no (X, X) pair); each unordered pair appears both ways round."""
    recs = []
    for pk, _ in _nodes(g, PAPER):
        mentions = [(rid, ek) for rid, ek, _ in _out(g, pk, "MENTIONS") if _has(g.nodes[ek], "Hardware")]
        for r1, ak in mentions:
            for r2, bk in mentions:
                if r1 != r2:
                    recs.append((_p(g.nodes[ak], "name"), _p(g.nodes[bk], "name"), pk))
    groups = _group(recs, lambda r: (r[0], r[1]))
    rows = [[key[0], key[1], _count(r[2] for r in rs)] for key, rs in groups]
    return ["a", "b", "papers"], _order_by(rows, (_col(2), DESC), (_col(0), ASC), (_col(1), ASC))[:10]


def mention_properties(g, params):
    """MATCH (p:Paper)-[m:MENTIONS]->(e:Framework {name: 'PyTorch'})
    WHERE m.confidence > 0.5 AND 'catalog' IN m.rules
    RETURN p.id AS paper, m.surfaces AS surfaces, m.count AS times ORDER BY paper"""
    rows = []
    for ek, e in _nodes(g, "Framework"):
        if not _true(_eq(_p(e, "name"), "PyTorch")):
            continue
        for _, pk, m in _inc(g, ek, "MENTIONS"):
            p = g.nodes[pk]
            if not _has(p, PAPER):
                continue
            if _true(_and(_cmp(_p(m, "confidence"), ">", 0.5), _in_list("catalog", _p(m, "rules")))):
                rows.append([_p(p, "id"), _p(m, "surfaces"), _p(m, "count")])
    return ["paper", "surfaces", "times"], _order_by(rows, (_col(0), ASC))


def citations_with_via(g, params):
    """MATCH (b:Paper)-[c:CITES]->(a:Paper) RETURN a.id AS cited, b.id AS citing, c.via AS via
    ORDER BY cited, citing"""
    rows = []
    for u, v, k, d in g.edges(keys=True, data=True):
        if k == "CITES" and _has(g.nodes[u], PAPER) and _has(g.nodes[v], PAPER):
            rows.append([_p(g.nodes[v], "id"), _p(g.nodes[u], "id"), _p(d, "via")])
    return ["cited", "citing", "via"], _order_by(rows, (_col(0), ASC), (_col(1), ASC))


def two_hop_citations(g, params):
    """MATCH (a:Paper)-[:CITES]->(b:Paper)-[:CITES]->(c:Paper) RETURN a.id AS a, b.id AS b, c.id AS c
    ORDER BY a, b, c
    The two CITES are different relationships; nodes may repeat (a = c when a and b cite each other)."""
    rows = []
    for ak, a in _nodes(g, PAPER):
        for r1, bk, _ in _out(g, ak, "CITES"):
            b = g.nodes[bk]
            if not _has(b, PAPER):
                continue
            for r2, ck, _ in _out(g, bk, "CITES"):
                c = g.nodes[ck]
                if r2 != r1 and _has(c, PAPER):
                    rows.append([_p(a, "id"), _p(b, "id"), _p(c, "id")])
    return ["a", "b", "c"], _order_by(rows, (_col(0), ASC), (_col(1), ASC), (_col(2), ASC))


def distinct_types(g, params):
    """MATCH (e:Entity) RETURN DISTINCT e.type AS type ORDER BY type"""
    rows = [[t] for t in _distinct(_p(d, "type") for _, d in _nodes(g, ENTITY))]
    return ["type"], _order_by(rows, (_col(0), ASC))


def list_comprehension_and_index(g, params):
    """MATCH (h:Hardware {name: 'A100'})
    RETURN [a IN h.aliases WHERE a STARTS WITH 'NVIDIA' | toLower(a)] AS nvidia, h.aliases[0] AS first,
           h.aliases[-1] AS last, h.aliases[1..3] AS slice, size([a IN h.aliases WHERE a CONTAINS '80']) AS n80
    The comprehension keeps elements whose predicate is true, in list order. [-1] is the last element.
    [1..3] is a slice: 0-based, end exclusive, so the 2nd and 3rd aliases (aliases are stored sorted)."""
    rows = []
    for _, h in _nodes(g, "Hardware"):
        if not _true(_eq(_p(h, "name"), "A100")):
            continue
        aliases = _p(h, "aliases")
        if aliases is None:
            rows.append([None, None, None, None, None])
            continue
        nvidia = [a.lower() for a in aliases if _true(_starts_with(a, "NVIDIA"))]
        n80 = len([a for a in aliases if _true(_contains(a, "80"))])
        rows.append([nvidia, _index(aliases, 0), _index(aliases, -1), _slice(aliases, 1, 3), n80])
    return ["nvidia", "first", "last", "slice", "n80"], rows


def _any(values):
    """any(x IN list WHERE pred): true if some pred is true, else null if some is null, else false."""
    return _or(*values) if values else False


def _all(values):
    """all(x IN list WHERE pred): false if some pred is false, else null if some is null, else true
    (true for an empty list)."""
    return _and(*values) if values else True


def quantifier_predicates(g, params):
    """MATCH (e:Hardware) WHERE any(a IN e.aliases WHERE a CONTAINS 'SXM') OR all(a IN e.aliases WHERE size(a) < 6)
    RETURN e.name AS name ORDER BY name
    all() over an empty alias list is true, so a Hardware entity without aliases is returned; over a null
    list both quantifiers are null."""
    rows = []
    for _, e in _nodes(g, "Hardware"):
        aliases = _p(e, "aliases")
        if aliases is None:
            any_sxm = all_short = None
        else:
            any_sxm = _any([_contains(a, "SXM") for a in aliases])
            all_short = _all([_cmp(_size(a), "<", 6) for a in aliases])
        if _true(_or(any_sxm, all_short)):
            rows.append([_p(e, "name")])
    return ["name"], _order_by(rows, (_col(0), ASC))


def count_subquery(g, params):
    """MATCH (p:Paper) RETURN p.id AS paper, COUNT { (p)-[:MENTIONS]->(:Hardware) } AS hardware
    ORDER BY hardware DESC, paper LIMIT 5
    COUNT {} counts the subquery's matches per row, 0 for none (every paper is a row)."""
    rows = []
    for pk, p in _nodes(g, PAPER):
        n = sum(1 for _, ek, _ in _out(g, pk, "MENTIONS") if _has(g.nodes[ek], "Hardware"))
        rows.append([_p(p, "id"), n])
    return ["paper", "hardware"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))[:5]


def union_of_names(g, params):
    """MATCH (e:Hardware {vendor: 'Google'}) RETURN e.name AS name
    UNION
    MATCH (e:Framework {vendor: 'Google'}) RETURN e.name AS name
    UNION (not UNION ALL) removes duplicate rows from the combined result: within each part as well as
    across the two."""
    first = [_p(d, "name") for _, d in _nodes(g, "Hardware") if _true(_eq(_p(d, "vendor"), "Google"))]
    second = [_p(d, "name") for _, d in _nodes(g, "Framework") if _true(_eq(_p(d, "vendor"), "Google"))]
    return ["name"], [[n] for n in _distinct(first + second)]


def with_order_limit_then_match(g, params):
    """MATCH (e:Framework)<-[:MENTIONS]-(p:Paper)
    WITH e, count(p) AS papers ORDER BY papers DESC, e.name LIMIT 3
    MATCH (e)<-[:MENTIONS]-(q:Paper)-[:MENTIONS]->(h:Hardware)
    RETURN e.name AS framework, papers, collect(DISTINCT h.name) AS hardware ORDER BY papers DESC, framework
    The WITH groups by framework node, sorts the groups and keeps the first 3; only those 3 go on to the second
    MATCH. A kept framework whose papers mention no hardware then has no row at all (MATCH, not OPTIONAL).
    `papers` is still the count from the first MATCH; the two MENTIONS of the second MATCH are distinct (e is a
    Framework, h Hardware). Grouped by (framework name, papers)."""
    top = _order_by(
        _mention_counts(g, "Framework"), (lambda r: r[1], DESC), (lambda r: _p(g.nodes[r[0]], "name"), ASC)
    )[:3]
    recs = []
    for ek, papers in top:
        e = g.nodes[ek]
        for r1, qk, _ in _inc(g, ek, "MENTIONS"):
            if not _has(g.nodes[qk], PAPER):
                continue
            for r2, hk, _ in _out(g, qk, "MENTIONS"):
                h = g.nodes[hk]
                if r2 != r1 and _has(h, "Hardware"):
                    recs.append((_p(e, "name"), papers, _p(h, "name")))
    groups = _group(recs, lambda r: (r[0], r[1]))
    rows = [[key[0], key[1], _collect(_distinct(r[2] for r in rs))] for key, rs in groups]
    return ["framework", "papers", "hardware"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))


def arithmetic_and_conversion(g, params):
    """MATCH (e:Entity) WITH e.type AS type, count(*) AS n
    RETURN type, n, n * 100 / 1120 AS pct_int, toFloat(n) / 1120 AS share, n % 7 AS mod7,
           toString(n) + ' entities' AS label, toInteger('42') + n AS shifted ORDER BY type
    Integer / integer is integer division (truncating); toFloat makes share a float; % is the remainder."""
    groups = _group((d for _, d in _nodes(g, ENTITY)), lambda d: (_p(d, "type"),))
    rows = []
    for key, rs in groups:
        n = len(rs)
        rows.append(
            [
                key[0],
                n,
                _div(n * 100, 1120),
                _div(_to_float(n), 1120),
                _mod(n, 7),
                _to_string(n) + " entities",
                _to_integer("42") + n,
            ]
        )
    return ["type", "n", "pct_int", "share", "mod7", "label", "shifted"], _order_by(rows, (_col(0), ASC))


def return_whole_node(g, params):
    """MATCH (h:Hardware {name: 'H800'}) RETURN h
    A node is returned as its property map: stored properties only (no nulls, no labels)."""
    rows = [[_node_map(h)] for _, h in _nodes(g, "Hardware") if _true(_eq(_p(h, "name"), "H800"))]
    return ["h"], rows


def properties_and_keys(g, params):
    """MATCH (h:Hardware {name: 'H800'}) RETURN properties(h) AS props"""
    rows = [[_node_map(h)] for _, h in _nodes(g, "Hardware") if _true(_eq(_p(h, "name"), "H800"))]
    return ["props"], rows


def parameter_list(g, params):
    """MATCH (e:Entity) WHERE e.name IN $names RETURN e.name AS name, e.type AS type ORDER BY name"""
    names = params["names"]
    rows = [[_p(e, "name"), _p(e, "type")] for _, e in _nodes(g, ENTITY) if _true(_in_list(_p(e, "name"), names))]
    return ["name", "type"], _order_by(rows, (_col(0), ASC))


def parameterised_limit(g, params):
    """MATCH (p:Paper)-[:INTRODUCES]->(e:Model) RETURN e.name AS model ORDER BY model LIMIT $n
    One row per INTRODUCES relationship: a model introduced by two papers is listed twice."""
    rows = []
    for pk, _ in _nodes(g, PAPER):
        for _, ek, _ in _out(g, pk, "INTRODUCES"):
            e = g.nodes[ek]
            if _has(e, "Model"):
                rows.append([_p(e, "name")])
    return ["model"], _order_by(rows, (_col(0), ASC))[: params["n"]]


def paper_text_search(g, params):
    """MATCH (p:Paper) WHERE p.title CONTAINS 'Mixture-of-Experts' OR p.abstract CONTAINS 'H800'
    RETURN p.id AS paper ORDER BY paper
    CONTAINS is case-sensitive."""
    rows = [
        [_p(p, "id")]
        for _, p in _nodes(g, PAPER)
        if _true(_or(_contains(_p(p, "title"), "Mixture-of-Experts"), _contains(_p(p, "abstract"), "H800")))
    ]
    return ["paper"], _order_by(rows, (_col(0), ASC))


def most_introducing_papers(g, params):
    """MATCH (p:Paper)-[:INTRODUCES]->(e) WITH p, collect(e.name) AS introduced WHERE size(introduced) > 2
    RETURN p.id AS paper, size(introduced) AS n ORDER BY n DESC, paper
    collect skips null names; e has no label constraint."""
    rows = []
    for pk, p in _nodes(g, PAPER):
        names = _collect(_p(g.nodes[ek], "name") for _, ek, _ in _out(g, pk, "INTRODUCES"))
        if not any(True for _ in _out(g, pk, "INTRODUCES")):
            continue  # no INTRODUCES: the MATCH gives no row for p, so there is no group
        if _true(_cmp(len(names), ">", 2)):
            rows.append([_p(p, "id"), len(names)])
    return ["paper", "n"], _order_by(rows, (_col(1), DESC), (_col(0), ASC))


ORDER_OF_DEFINITION = [
    papers_mentioning_deepspeed,
    count_star_per_label,
    relationship_types,
    undirected_cites,
    hardware_with_megatron_style,
    lower_case_aggregates,
    with_where_threshold,
    unwind_aliases,
    unwind_literal_list,
    optional_match_introducers,
    comma_separated_patterns,
    exists_subquery,
    exists_pattern_short_form,
    regex_match,
    in_list_literal,
    count_distinct,
    size_of_lists_and_strings,
    coalesce_vendor,
    case_buckets,
    simple_case,
    string_functions,
    map_projection,
    map_projection_with_extra,
    labels_function,
    variable_length_family,
    variable_length_depth,
    shortest_path_length,
    skip_limit_paging,
    type_of_relationship,
    multi_label_pattern,
    label_predicate_in_where,
    sum_and_avg,
    collect_distinct_vendors,
    null_handling,
    where_not_and_or,
    co_mention_pairs_no_self,
    mention_properties,
    citations_with_via,
    two_hop_citations,
    distinct_types,
    list_comprehension_and_index,
    quantifier_predicates,
    count_subquery,
    union_of_names,
    with_order_limit_then_match,
    arithmetic_and_conversion,
    return_whole_node,
    properties_and_keys,
    parameter_list,
    parameterised_limit,
    paper_text_search,
    most_introducing_papers,
]

ORACLE = {f.__name__: f for f in ORDER_OF_DEFINITION}
