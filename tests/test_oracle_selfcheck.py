"""Self-checks of the plain-Python Cypher oracle (tests/oracle.py) on the sample graph.

The oracle is only useful if it is right, so besides checking that it covers every query in
tests/data/queries/user_queries.yaml and returns well-formed results, this file checks its answers by other
means:

- literal values read off `kg stats`, `kg lookup` and the README (counts per label and type, the A100 alias
  list, the H800 node, DeepSpeed's hardware, ...), worked by hand where a query computes on them;
- the same questions asked in SQL (sqlite3, standard library) over a relational copy of the graph, so a
  second, declarative formulation (joins, GROUP BY, EXISTS, LEFT JOIN, ORDER BY ... LIMIT/OFFSET) must
  agree with the oracle's hand-written loops;
- tiny hand-made graphs for the subtle rules (relationship uniqueness in variable-length patterns and
  comma-separated patterns, undirected self-loops, OPTIONAL MATCH nulls, three-valued logic), with the rows
  worked out by hand.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import networkx as nx
import pytest
import yaml
from oracle import ORACLE, canonical

QUERIES_FILE = Path(__file__).parent / "data" / "queries" / "user_queries.yaml"
QUERIES = yaml.safe_load(QUERIES_FILE.read_text(encoding="utf-8"))
BY_NAME = {q["name"]: q for q in QUERIES}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def oracle_graph(sample_store):
    """The sample corpus graph (conftest's session store built with kg.pipeline.build). Read-only."""
    from kg.store.local import load_graph

    return load_graph(sample_store)


@pytest.fixture(scope="session")
def results(oracle_graph):
    """Every oracle's (columns, rows) on the sample graph, computed once."""
    return {q["name"]: ORACLE[q["name"]](oracle_graph, q.get("params") or {}) for q in QUERIES}


def rows_of(results, name):
    return results[name][1]


@pytest.fixture(scope="session")
def db(oracle_graph):
    """A relational copy of the graph: nodes(key, is_paper, etype, id, name, vendor, type, props JSON) and
    rels(src, dst, type, props JSON); tuples stored as JSON arrays."""
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE nodes (key TEXT PRIMARY KEY, is_paper INT, etype TEXT, id TEXT, name TEXT, "
        "vendor TEXT, type TEXT, props TEXT)"
    )
    con.execute("CREATE TABLE rels (src TEXT, dst TEXT, type TEXT, props TEXT)")
    for key, data in oracle_graph.nodes(data=True):
        labels = set(data["__labels__"])
        props = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items() if k != "__labels__"}
        etype = next(iter(labels - {"Entity"})) if "Entity" in labels else None
        con.execute(
            "INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                int("Paper" in labels),
                etype,
                props.get("id"),
                props.get("name"),
                props.get("vendor"),
                props.get("type"),
                json.dumps(props),
            ),
        )
    for u, v, k, data in oracle_graph.edges(keys=True, data=True):
        props = {pk: list(pv) if isinstance(pv, tuple) else pv for pk, pv in data.items() if pk != "__labels__"}
        con.execute("INSERT INTO rels VALUES (?, ?, ?, ?)", (u, v, k, json.dumps(props)))
    con.execute("CREATE INDEX rs ON rels (src, type)")
    con.execute("CREATE INDEX rd ON rels (dst, type)")
    yield con
    con.close()


def sql(db, statement, *args):
    return [list(r) for r in db.execute(statement, args).fetchall()]


def same(results, name, expected_rows):
    """The oracle's rows for `name` equal `expected_rows`, compared as the engine tests compare results."""
    q = BY_NAME[name]
    columns, rows = results[name]
    ordered, lists = q.get("ordered", False), q.get("unordered_lists", ())
    return canonical(columns, rows, ordered, lists) == canonical(columns, expected_rows, ordered, lists)


# --------------------------------------------------------------------------- coverage and shape


def test_every_query_has_an_oracle_and_every_oracle_a_query():
    names = [q["name"] for q in QUERIES]
    assert len(names) == len(set(names)), "duplicate query names in the YAML"
    assert set(names) - set(ORACLE) == set(), "queries without an oracle function"
    assert set(ORACLE) - set(names) == set(), "oracle functions without a query"
    for name, fn in ORACLE.items():
        assert callable(fn) and fn.__name__ == name


def _driver_like(value) -> bool:
    """Only the types a Neo4j driver returns for these queries: no tuples, sets or NetworkX internals."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_driver_like(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k != "__labels__" and _driver_like(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("name", [q["name"] for q in QUERIES])
def test_oracle_runs_and_rows_fit_columns(name, oracle_graph, results):
    q = BY_NAME[name]
    columns, rows = results[name]
    assert isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)
    assert len(columns) == len(set(columns))
    for col in columns:
        assert col in q["cypher"], f"column {col!r} is not named in the query"
    assert isinstance(rows, list)
    for row in rows:
        assert isinstance(row, list) and len(row) == len(columns), row
        assert _driver_like(row), row
    for col in q.get("unordered_lists", ()):
        assert col in columns
        i = columns.index(col)
        assert all(row[i] is None or isinstance(row[i], list) for row in rows)
    # deterministic, and returns fresh values (callers may mutate them)
    again = ORACLE[name](oracle_graph, q.get("params") or {})
    ordered, lists = q.get("ordered", False), q.get("unordered_lists", ())
    assert canonical(*again, ordered, lists) == canonical(columns, rows, ordered, lists)
    assert canonical(columns, rows, False, lists) == canonical(columns, list(reversed(rows)), False, lists)


def test_every_query_returns_rows_on_the_sample(results):
    """A query with no rows would compare nothing; every query in the file has rows on the sample."""
    assert [n for n, (_, rows) in results.items() if not rows] == []


# --------------------------------------------------------------------------- canonical()


def test_canonical():
    cols = ["a", "b"]
    assert canonical(cols, [[1, "x"], [2, None]]) == canonical(cols, [[2, None], [1, "x"]])
    assert canonical(cols, [[1, "x"], [2, None]], True) != canonical(cols, [[2, None], [1, "x"]], True)
    assert canonical(cols, [[1, "x"], [1, "x"]]) != canonical(cols, [[1, "x"]])  # a multiset, not a set
    assert canonical(["f"], [[0.1 + 0.2]]) == canonical(["f"], [[0.3]])  # 9 significant digits
    assert canonical(["f"], [[0.3001]]) != canonical(["f"], [[0.3]])
    assert canonical(["f"], [[3]]) != canonical(["f"], [[3.0]])  # Neo4j tells an int from a float
    assert canonical(["m"], [[{"x": 1, "y": [1, 2]}]]) == canonical(["m"], [[{"y": [1, 2], "x": 1}]])
    assert canonical(["l"], [[[2, 1]]], True, ["l"]) == canonical(["l"], [[[1, 2]]], True, ["l"])
    assert canonical(["l"], [[[2, 1]]], True) != canonical(["l"], [[[1, 2]]], True)
    mixed = [[None], [True], [1], [1.5], ["s"], [[1]], [{"k": None}]]  # sortable whatever the types
    assert canonical(["v"], mixed) == canonical(["v"], list(reversed(mixed)))
    with pytest.raises(ValueError):
        canonical(["a"], [[1, 2]])


def test_expression_helpers_follow_neo4j():
    """The expression rules the oracle relies on; each expected value is what Neo4j 5.26 returns for the
    expression in the comment (checked on a real server)."""
    import oracle as o

    assert (o._div(-7, 2), o._mod(-7, 3), o._mod(7, -3)) == (-3, -1, 1)  # -7/2, -7%3, 7%-3
    assert o._in_list(None, []) is False and o._in_list(None, [1]) is None  # null IN [], null IN [1]
    assert o._in_list(1, [None, 2]) is None and o._in_list(1, [None, 1]) is True
    assert (o._index([1, 2, 3], -1), o._index([1, 2, 3], 5)) == (3, None)  # [1,2,3][-1], [1,2,3][5]
    assert (o._slice([1, 2, 3], 1, 3), o._slice([1, 2, 3], 2, 1)) == ([2, 3], [])  # [1..3], [2..1]
    assert (o._split("a-", "-"), o._split("-", "-"), o._split("", "-")) == (["a", ""], ["", ""], [""])
    assert o._trim("\u00a0 x \t") == "\u00a0 x"  # Java whitespace only
    assert (o._right("a", 2), o._substring("abc", 1, 10), o._size("\U0001f600")) == ("a", "bc", 1)
    assert o._java_full_match("(?i)llama.*", "LLAMA") is True
    assert o._java_full_match("(?i)llama.*", "xllama") is False  # =~ matches the whole string
    assert o._java_full_match("(?i)llama.*", "llama\nx") is False  # . stops at line ends
    assert [o._to_integer(s) for s in ("42", "4.7", "1e3", " 42 ", "0x1F")] == [42, 4, 1000, None, None]
    assert [o._to_string(x) for x in (60, 1.0, 0.1, 1e20, True)] == ["60", "1.0", "0.1", "1.0E20", "true"]
    assert (o._any([]), o._all([]), o._all([None, True]), o._any([None, False])) == (False, True, None, None)


# --------------------------------------------------------------------------- values from kg stats / lookup / README

# `kg stats` on the sample: 1651 nodes, 2485 relationships.
LABEL_COUNTS = {"Paper": 531, "Method": 371, "Model": 408, "Dataset": 239, "Framework": 67, "Hardware": 35}
TYPE_COUNTS = {"CITES": 18, "INTRODUCES": 428, "MENTIONS": 1751, "VARIANT_OF": 288}
# `kg lookup A100`: its aliases (stored sorted; this is code-point order, ' ' < '-' < digits < capitals).
A100_ALIASES = [
    "A100 40GB",
    "A100 80GB",
    "A100 PCIe",
    "A100 SXM",
    "A100 SXM4",
    "A100 Tensor Core GPU",
    "A100-40G",
    "A100-40GB",
    "A100-80G",
    "A100-80GB",
    "A100-PCIE-40GB",
    "A100-PCIE-80GB",
    "A100-SXM4",
    "A100-SXM4-40GB",
    "A100-SXM4-80GB",
    "NVIDIA A100",
    "NVIDIA A100 Tensor Core",
    "Tesla A100",
]
# `kg lookup H800`.
H800 = {
    "id": "h800",
    "name": "H800",
    "type": "Hardware",
    "source": "catalog",
    "vendor": "NVIDIA",
    "year": 2023,
    "aliases": ["H800 80GB", "H800 PCIe", "H800 SXM", "NVIDIA H800"],
    "description": "Export variant of the NVIDIA H100 for China with reduced interconnect bandwidth.",
}


def test_counts_per_label_and_type(results):
    assert rows_of(results, "count_star_per_label") == [
        [["Paper"], 531],
        [["Entity", "Model"], 408],
        [["Entity", "Method"], 371],
        [["Entity", "Dataset"], 239],
        [["Entity", "Framework"], 67],
        [["Entity", "Hardware"], 35],
    ]
    assert sum(n for _, n in rows_of(results, "count_star_per_label")) == 1651
    assert rows_of(results, "relationship_types") == [[t, n] for t, n in sorted(TYPE_COUNTS.items())]
    assert sum(TYPE_COUNTS.values()) == 2485
    assert rows_of(results, "multi_label_pattern") == [[35]]
    assert rows_of(results, "label_predicate_in_where") == [["Framework", 67], ["Hardware", 35]]
    assert rows_of(results, "simple_case") == [["hw", 35], ["other", 1120 - 35 - 67], ["sw", 67]]
    assert rows_of(results, "distinct_types") == [["Dataset"], ["Framework"], ["Hardware"], ["Method"], ["Model"]]
    assert sum(n for _, n in rows_of(results, "coalesce_vendor")) == 67
    # every paper of the listing files lacks year and arXiv id; the projection groups them into one row
    assert rows_of(results, "null_handling") == [[True, True, 531]]


def test_arithmetic_worked_by_hand(results):
    # n * 100 / 1120 truncates (23900 / 1120 = 21.34 -> 21); n % 7 by hand; toInteger('42') + n.
    expected = [
        ["Dataset", 239, 21, 239 / 1120, 1, "239 entities", 281],
        ["Framework", 67, 5, 67 / 1120, 4, "67 entities", 109],
        ["Hardware", 35, 3, 35 / 1120, 0, "35 entities", 77],
        ["Method", 371, 33, 371 / 1120, 0, "371 entities", 413],
        ["Model", 408, 36, 408 / 1120, 2, "408 entities", 450],
    ]
    rows = rows_of(results, "arithmetic_and_conversion")
    assert same(results, "arithmetic_and_conversion", expected)
    assert all(isinstance(r[2], int) and isinstance(r[3], float) for r in rows)


def test_a100_aliases_and_list_expressions(results):
    assert rows_of(results, "unwind_aliases") == [[a] for a in A100_ALIASES]
    assert rows_of(results, "list_comprehension_and_index") == [
        [
            ["nvidia a100", "nvidia a100 tensor core"],  # the two aliases starting with NVIDIA, lower-cased
            "A100 40GB",
            "Tesla A100",  # [0] and [-1]
            ["A100 80GB", "A100 PCIe"],  # [1..3]: indexes 1 and 2
            5,
        ]
    ]  # 80GB, -80G, -80GB, PCIE-80GB, SXM4-80GB
    assert rows_of(results, "size_of_lists_and_strings")[0] == ["A100", 18, 4]
    assert "A100" in [r[0] for r in rows_of(results, "quantifier_predicates")]  # it has SXM aliases


def test_single_entities(results):
    assert rows_of(results, "labels_function") == [[["Entity", "Hardware"], "Hardware"]]
    assert rows_of(results, "unwind_literal_list") == [["A100", "NVIDIA"], ["H100", "NVIDIA"], ["No Such GPU", None]]
    assert rows_of(results, "map_projection") == [[{"name": "H800", "vendor": "NVIDIA", "type": "Hardware"}]]
    assert rows_of(results, "return_whole_node") == [[H800]]
    assert rows_of(results, "properties_and_keys") == [[H800]]
    assert rows_of(results, "parameter_list") == [["A100", "Hardware"], ["ImageNet", "Dataset"], ["LoRA", "Method"]]
    assert rows_of(results, "in_list_literal") == [
        ["JAX", "Framework"],
        ["PyTorch", "Framework"],
        ["TensorFlow", "Framework"],
    ]


def test_string_functions_by_hand(results):
    rows = {r[0]: r for r in rows_of(results, "string_functions")}
    assert rows["Megatron-LM"] == [
        "Megatron-LM",
        "MEGATRON-LM",
        "megatron-lm",
        "Mega",
        "Me",
        "LM",
        "Megatron LM",
        ["Megatron", "LM"],
        "Megatron-LM",
        "ML-nortageM",
    ]
    assert rows["vLLM"][3] == "vLLM" and rows["vLLM"][7] == ["vLLM"]
    assert {"DeepSpeed", "PyTorch", "Megatron-LM"} <= set(rows)


def test_deepspeed(results):
    # `kg lookup DeepSpeed`: mentioned by 7 papers, the README's first one among them.
    titles = [r[0] for r in rows_of(results, "papers_mentioning_deepspeed")]
    assert len(titles) == 7 and titles == sorted(titles)
    assert "A Hybrid Tensor-Expert-Data Parallelism Approach to Optimize Mixture-of-Experts Training" in titles
    # README `kg query --name hardware-with-framework --param framework=DeepSpeed`: V100 2, A100 1, DGX-2 1
    # (Megatron-LM's papers mention no hardware; the SQL check below confirms it).
    assert rows_of(results, "hardware_with_megatron_style") == [
        ["DeepSpeed", "V100", 2],
        ["DeepSpeed", "A100", 1],
        ["DeepSpeed", "DGX-2", 1],
    ]


def test_top_entities_agree_with_kg_stats(results):
    # `kg stats` top Hardware: A100 (33), RTX 4090 (6), TPU (6), V100 (6), H100 (5)
    rows = rows_of(results, "lower_case_aggregates")
    assert [r[:2] for r in rows] == [["A100", 33], ["RTX 4090", 6], ["TPU", 6], ["V100", 6], ["H100", 5]]
    assert all(len(r[2]) == r[1] == len(set(r[2])) for r in rows)
    # Every entity with >= 16 papers is in some type's top 5 (the fifth of each type has at most 15), so
    # those rows are known from `kg stats`; ties sort by name.
    big = [r for r in rows_of(results, "with_where_threshold") if r[2] >= 16]
    assert big == [
        ["Transformer", "Model", 96],
        ["A100", "Hardware", 33],
        ["ImageNet", "Dataset", 28],
        ["Mixture-of-Experts", "Method", 28],
        ["ViT", "Model", 22],
        ["LoRA", "Method", 20],
        ["DiT", "Model", 16],
    ]
    assert all(r[2] >= 10 for r in rows_of(results, "with_where_threshold"))
    hubs = dict(rows_of(results, "case_buckets"))["hub"]
    assert hubs == len(rows_of(results, "with_where_threshold"))
    # top Frameworks: DeepSpeed (7), PyTorch (6), Megatron-LM (5); Megatron-LM is kept by the LIMIT 3 but
    # its papers mention no hardware, so the second MATCH drops it.
    rows = rows_of(results, "with_order_limit_then_match")
    assert [r[:2] for r in rows] == [["DeepSpeed", 7], ["PyTorch", 6]]
    assert sorted(rows[0][2]) == ["A100", "DGX-2", "V100"]


def test_citations(results, oracle_graph):
    assert len(rows_of(results, "citations_with_via")) == 18
    pairs = [tuple(r) for r in rows_of(results, "undirected_cites")]
    assert len(pairs) == 36 and sorted(pairs) == sorted((b, a) for a, b in pairs)
    # t-0061d8efa964 (DeepSeekMoE) mentions 7 entities and introduces one (kg lookup DeepSeekMoE)
    assert rows_of(results, "type_of_relationship") == [["INTRODUCES", 1], ["MENTIONS", 7]]


def test_shortest_path(results, oracle_graph):
    # `kg lookup A100` lists LoRA among its co-mentioned entities (4 papers): A100 <- paper -> LoRA is a path
    # of 2; there is no relationship between the two themselves, so 2 is the shortest.
    assert not oracle_graph.has_edge("entity:a100", "entity:lora")
    assert not oracle_graph.has_edge("entity:lora", "entity:a100")
    assert rows_of(results, "shortest_path_length") == [[2]]


def test_variant_paths_against_networkx(results, oracle_graph):
    """In the sample, VARIANT_OF is a forest (at most one parent each), so every path is the unique chain up:
    *1..3 to LLaMA means "an ancestor within 3 hops is LLaMA", and a * path ending at a root is the whole chain."""
    variants = nx.DiGraph((u, v) for u, v, k in oracle_graph.edges(keys=True) if k == "VARIANT_OF")
    assert max(d for _, d in variants.out_degree()) == 1 and nx.is_directed_acyclic_graph(variants)
    nodes = oracle_graph.nodes
    llama = [n for n in variants if nodes[n].get("name") == "LLaMA"]
    expected = sorted(
        nodes[v]["name"]
        for root in llama
        for v, d in nx.single_source_shortest_path_length(variants.reverse(), root, cutoff=3).items()
        if d >= 1
    )
    assert [r[0] for r in rows_of(results, "variable_length_family")] == expected
    chains = []
    for v in variants:
        if "Hardware" in nodes[v]["__labels__"] and variants.out_degree(v):
            top, depth = v, 0
            while variants.out_degree(top):
                top, depth = next(iter(variants.successors(top))), depth + 1
            if "Hardware" in nodes[top]["__labels__"]:
                chains.append([nodes[v]["name"], nodes[top]["name"], depth])
    chains.sort(key=lambda r: (-r[2], r[0], r[1]))
    assert rows_of(results, "variable_length_depth") == chains[:10]


# --------------------------------------------------------------------------- the same questions in SQL

MENTION = (
    "rels r JOIN nodes p ON p.key = r.src AND p.is_paper = 1 JOIN nodes e ON e.key = r.dst AND e.etype IS NOT NULL"
)


def test_sql_count_distinct_and_buckets(results, db):
    assert rows_of(results, "count_distinct") == sql(
        db,
        f"""
        SELECT e.type, COUNT(DISTINCT p.key), COUNT(DISTINCT e.key), COUNT(*) FROM {MENTION}
        WHERE r.type = 'MENTIONS' GROUP BY e.type ORDER BY e.type""",
    )
    assert rows_of(results, "case_buckets") == sql(
        db,
        f"""
        SELECT CASE WHEN n >= 10 THEN 'hub' WHEN n >= 3 THEN 'common' ELSE 'rare' END AS b, COUNT(*)
        FROM (SELECT e.key, COUNT(*) AS n FROM {MENTION} WHERE r.type = 'MENTIONS' GROUP BY e.key)
        GROUP BY b ORDER BY b""",
    )
    assert rows_of(results, "with_where_threshold") == sql(
        db,
        f"""
        SELECT e.name, e.type, COUNT(*) AS n FROM {MENTION} WHERE r.type = 'MENTIONS'
        GROUP BY e.key HAVING n >= 10 ORDER BY n DESC, e.name""",
    )


def test_sql_pairs(results, db):
    assert rows_of(results, "comma_separated_patterns") == sql(
        db,
        """
        SELECT h.name, d.name, COUNT(*) AS n FROM rels r1
        JOIN nodes p ON p.key = r1.src AND p.is_paper = 1
        JOIN nodes h ON h.key = r1.dst AND h.etype = 'Hardware'
        JOIN rels r2 ON r2.src = r1.src AND r2.type = 'MENTIONS' AND r2.rowid <> r1.rowid
        JOIN nodes d ON d.key = r2.dst AND d.etype = 'Dataset'
        WHERE r1.type = 'MENTIONS' GROUP BY h.name, d.name ORDER BY n DESC, h.name, d.name LIMIT 10""",
    )
    pairs = sql(
        db,
        """
        SELECT a.name, b.name, COUNT(*) AS n FROM rels r1
        JOIN nodes p ON p.key = r1.src AND p.is_paper = 1
        JOIN nodes a ON a.key = r1.dst AND a.etype = 'Hardware'
        JOIN rels r2 ON r2.src = r1.src AND r2.type = 'MENTIONS' AND r2.rowid <> r1.rowid
        JOIN nodes b ON b.key = r2.dst AND b.etype = 'Hardware'
        WHERE r1.type = 'MENTIONS' GROUP BY a.name, b.name ORDER BY n DESC, a.name, b.name""",
    )
    assert rows_of(results, "co_mention_pairs_no_self") == pairs[:10]
    assert all(a != b for a, b, _ in pairs)
    assert rows_of(results, "hardware_with_megatron_style") == sql(
        db,
        """
        SELECT f.name, h.name, COUNT(DISTINCT p.key) AS n FROM rels r1
        JOIN nodes p ON p.key = r1.src AND p.is_paper = 1
        JOIN nodes h ON h.key = r1.dst AND h.etype = 'Hardware'
        JOIN rels r2 ON r2.src = r1.src AND r2.type = 'MENTIONS' AND r2.rowid <> r1.rowid
        JOIN nodes f ON f.key = r2.dst AND f.etype = 'Framework' AND f.name IN ('DeepSpeed', 'Megatron-LM')
        WHERE r1.type = 'MENTIONS' GROUP BY f.name, h.name ORDER BY n DESC, f.name, h.name""",
    )


def test_sql_aggregates(results, db):
    rows = sql(
        db,
        f"""
        SELECT e.name, SUM(json_extract(r.props, '$.count')) AS t, AVG(json_extract(r.props, '$.confidence')),
               MIN(json_extract(r.props, '$.count')), MAX(json_extract(r.props, '$.count'))
        FROM {MENTION} WHERE r.type = 'MENTIONS' AND e.etype = 'Hardware' GROUP BY e.name ORDER BY t DESC, e.name
        LIMIT 5""",
    )
    assert same(results, "sum_and_avg", rows)
    rows = sql(
        db,
        f"""
        SELECT e.name, COUNT(*) AS n, json_group_array(p.id) FROM {MENTION}
        WHERE r.type = 'MENTIONS' AND e.etype = 'Hardware' GROUP BY e.name ORDER BY n DESC, e.name LIMIT 5""",
    )
    assert same(results, "lower_case_aggregates", [[a, n, json.loads(ids)] for a, n, ids in rows])
    assert rows_of(results, "skip_limit_paging") == sql(
        db,
        f"""
        SELECT e.name, COUNT(*) AS n FROM {MENTION} WHERE r.type = 'MENTIONS' AND e.etype = 'Dataset'
        GROUP BY e.name ORDER BY n DESC, e.name LIMIT 5 OFFSET 3""",
    )
    rows = sql(
        db,
        """SELECT vendor, COUNT(*) AS n, json_group_array(DISTINCT type) FROM nodes
                      WHERE etype = 'Hardware' AND vendor IS NOT NULL GROUP BY vendor ORDER BY n DESC, vendor""",
    )
    assert rows_of(results, "collect_distinct_vendors") == [[v, n, json.loads(t)] for v, n, t in rows]
    assert rows_of(results, "coalesce_vendor") == sql(
        db,
        """
        SELECT COALESCE(vendor, 'unknown') AS v, COUNT(*) AS n FROM nodes WHERE etype = 'Framework'
        GROUP BY v ORDER BY n DESC, v""",
    )


def test_sql_existence_and_counts(results, db):
    assert rows_of(results, "exists_subquery") == sql(
        db,
        """
        SELECT p.id FROM nodes p WHERE p.is_paper = 1 AND EXISTS (SELECT 1 FROM rels r JOIN nodes f
        ON f.key = r.dst AND f.etype = 'Framework' WHERE r.src = p.key AND r.type = 'INTRODUCES') ORDER BY p.id""",
    )
    assert rows_of(results, "exists_pattern_short_form") == sql(
        db,
        """
        SELECT COUNT(*) FROM nodes p WHERE p.is_paper = 1
        AND EXISTS (SELECT 1 FROM rels r JOIN nodes q ON q.key = r.dst AND q.is_paper = 1
                    WHERE r.src = p.key AND r.type = 'CITES')
        AND NOT EXISTS (SELECT 1 FROM rels r WHERE r.dst = p.key AND r.type = 'CITES')""",
    )
    assert rows_of(results, "count_subquery") == sql(
        db,
        """
        SELECT p.id, (SELECT COUNT(*) FROM rels r JOIN nodes h ON h.key = r.dst AND h.etype = 'Hardware'
                      WHERE r.src = p.key AND r.type = 'MENTIONS') AS n
        FROM nodes p WHERE p.is_paper = 1 ORDER BY n DESC, p.id LIMIT 5""",
    )
    assert rows_of(results, "most_introducing_papers") == sql(
        db,
        """
        SELECT p.id, COUNT(e.name) AS n FROM rels r JOIN nodes p ON p.key = r.src AND p.is_paper = 1
        JOIN nodes e ON e.key = r.dst WHERE r.type = 'INTRODUCES' GROUP BY p.key HAVING n > 2
        ORDER BY n DESC, p.id""",
    )
    assert rows_of(results, "type_of_relationship") == sql(
        db,
        """
        SELECT r.type, COUNT(*) FROM rels r JOIN nodes p ON p.key = r.src AND p.is_paper = 1
        WHERE p.id = ? GROUP BY r.type ORDER BY r.type""",
        BY_NAME["type_of_relationship"]["params"]["paper"],
    )


def test_sql_citations(results, db):
    rows = sql(
        db,
        """
        SELECT a.id, b.id, json_extract(r.props, '$.via') FROM rels r JOIN nodes b ON b.key = r.src AND b.is_paper = 1
        JOIN nodes a ON a.key = r.dst AND a.is_paper = 1 WHERE r.type = 'CITES' ORDER BY a.id, b.id""",
    )
    assert rows_of(results, "citations_with_via") == [[a, b, json.loads(v)] for a, b, v in rows]
    assert rows_of(results, "two_hop_citations") == sql(
        db,
        """
        SELECT a.id, b.id, c.id FROM rels r1 JOIN rels r2 ON r2.src = r1.dst AND r2.type = 'CITES'
        AND r2.rowid <> r1.rowid JOIN nodes a ON a.key = r1.src AND a.is_paper = 1
        JOIN nodes b ON b.key = r1.dst AND b.is_paper = 1 JOIN nodes c ON c.key = r2.dst AND c.is_paper = 1
        WHERE r1.type = 'CITES' ORDER BY a.id, b.id, c.id""",
    )


def test_sql_optional_match_and_projections(results, db):
    assert rows_of(results, "optional_match_introducers") == sql(
        db,
        """
        SELECT f.name, p.id FROM nodes f LEFT JOIN (rels r JOIN nodes p ON p.key = r.src AND p.is_paper = 1)
        ON r.dst = f.key AND r.type = 'INTRODUCES' WHERE f.etype = 'Framework'
        ORDER BY f.name, p.id IS NULL, p.id""",
    )
    rows = sql(
        db,
        """
        SELECT e.name, p.id FROM rels r JOIN nodes p ON p.key = r.src AND p.is_paper = 1
        JOIN nodes e ON e.key = r.dst AND e.etype = 'Framework' WHERE r.type = 'INTRODUCES' ORDER BY e.name, p.id""",
    )
    assert rows_of(results, "map_projection_with_extra") == [
        [{"name": n, "introduced_by": p, "kind": "framework"}] for n, p in rows
    ]
    assert rows_of(results, "parameterised_limit") == sql(
        db,
        """
        SELECT e.name AS m FROM rels r JOIN nodes p ON p.key = r.src AND p.is_paper = 1
        JOIN nodes e ON e.key = r.dst AND e.etype = 'Model' WHERE r.type = 'INTRODUCES' ORDER BY m LIMIT 3""",
    )
    rows = sql(
        db,
        """
        SELECT p.id, json_extract(r.props, '$.surfaces'), json_extract(r.props, '$.count') FROM rels r
        JOIN nodes p ON p.key = r.src AND p.is_paper = 1 JOIN nodes e ON e.key = r.dst AND e.etype = 'Framework'
        WHERE r.type = 'MENTIONS' AND e.name = 'PyTorch' AND json_extract(r.props, '$.confidence') > 0.5
        AND EXISTS (SELECT 1 FROM json_each(r.props, '$.rules') WHERE value = 'catalog') ORDER BY p.id""",
    )
    assert rows_of(results, "mention_properties") == [[p, json.loads(s), n] for p, s, n in rows]


def test_sql_text_predicates(results, db):
    # instr() is case-sensitive like CONTAINS; LIKE is ASCII-case-insensitive like Java's (?i) here
    assert rows_of(results, "paper_text_search") == sql(
        db,
        """
        SELECT id FROM nodes WHERE is_paper = 1 AND (instr(json_extract(props, '$.title'), 'Mixture-of-Experts') > 0
        OR instr(json_extract(props, '$.abstract'), 'H800') > 0) ORDER BY id""",
    )
    assert [r[0] for r in rows_of(results, "regex_match")] == [
        r[0]
        for r in sql(
            db,
            """
        SELECT name FROM nodes WHERE etype IS NOT NULL AND name LIKE 'llama%' ORDER BY name""",
        )
    ]
    assert rows_of(results, "where_not_and_or") == sql(
        db,
        """
        SELECT name, vendor, json_extract(props, '$.year') AS y FROM nodes WHERE etype = 'Model'
        AND vendor IN ('Meta', 'Google') AND instr(name, 'BERT') = 0 AND y >= 2022 ORDER BY y, name""",
    )
    names = sql(db, "SELECT name FROM nodes WHERE etype IN ('Hardware', 'Framework') AND vendor = 'Google'")
    assert sorted(r[0] for r in rows_of(results, "union_of_names")) == sorted({n for (n,) in names})
    rows = sql(
        db,
        f"""
        SELECT e.key, e.name, COUNT(*) AS n FROM {MENTION} WHERE r.type = 'MENTIONS' AND e.etype = 'Framework'
        GROUP BY e.key ORDER BY n DESC, e.name LIMIT 3""",
    )
    expected = []
    for key, name, n in rows:
        hardware = sql(
            db,
            """
            SELECT DISTINCT h.name FROM rels r1 JOIN nodes q ON q.key = r1.src AND q.is_paper = 1
            JOIN rels r2 ON r2.src = q.key AND r2.type = 'MENTIONS'
            JOIN nodes h ON h.key = r2.dst AND h.etype = 'Hardware' WHERE r1.dst = ? AND r1.type = 'MENTIONS'""",
            key,
        )
        if hardware:
            expected.append([name, n, [h for (h,) in hardware]])
    assert same(results, "with_order_limit_then_match", expected)
    assert expected[0][0] == "DeepSpeed" and len(expected) == 2


# --------------------------------------------------------------------------- subtle rules on hand-made graphs


def _graph(nodes, edges):
    """nodes: key -> (labels, props); edges: (from, to, type, props)."""
    g = nx.MultiDiGraph()
    for key, (labels, props) in nodes.items():
        g.add_node(key, __labels__=frozenset(labels), **props)
    for u, v, k, props in edges:
        g.add_edge(u, v, key=k, __labels__=frozenset({k}), **props)
    return g


def _ent(eid, etype, **props):
    return f"entity:{eid}", ({"Entity", etype}, {"id": eid, "type": etype, "aliases": [], **props})


def _paper(pid, **props):
    return f"paper:{pid}", ({"Paper"}, {"id": pid, "title": pid, "abstract": "", **props})


def test_variable_length_respects_relationship_uniqueness_on_a_cycle():
    # X -> Y -> X (a cycle) and Y -> T (a root). Paths from X ending at T: X-Y-T (2), X-Y-X-Y-T? No: it would use
    # X->Y twice. So (X, T, 2); from Y: Y-T (1), Y-X-Y-T (3: Y->X, X->Y, Y->T, all distinct relationships).
    g = _graph(
        dict([_ent("x", "Hardware", name="X"), _ent("y", "Hardware", name="Y"), _ent("t", "Hardware", name="T")]),
        [
            ("entity:x", "entity:y", "VARIANT_OF", {}),
            ("entity:y", "entity:x", "VARIANT_OF", {}),
            ("entity:y", "entity:t", "VARIANT_OF", {}),
        ],
    )
    assert ORACLE["variable_length_depth"](g, {})[1] == [["Y", "T", 3], ["X", "T", 2], ["Y", "T", 1]]
    # a diamond gives one row per path: D -> L2 -> LLaMA and D -> LLaMA
    g = _graph(
        dict([_ent("d", "Model", name="D"), _ent("l2", "Model", name="L2"), _ent("l", "Model", name="LLaMA")]),
        [
            ("entity:d", "entity:l2", "VARIANT_OF", {}),
            ("entity:l2", "entity:l", "VARIANT_OF", {}),
            ("entity:d", "entity:l", "VARIANT_OF", {}),
        ],
    )
    assert ORACLE["variable_length_family"](g, {})[1] == [["D"], ["D"], ["L2"]]


def test_undirected_self_loop_and_two_hop():
    g = _graph(
        dict([_paper("a"), _paper("b")]),
        [
            ("paper:a", "paper:a", "CITES", {"via": ["s"]}),
            ("paper:a", "paper:b", "CITES", {"via": ["x"]}),
            ("paper:b", "paper:a", "CITES", {"via": ["y"]}),
        ],
    )
    # the self-loop matches once, the others once each way
    assert sorted(ORACLE["undirected_cites"](g, {})[1]) == [["a", "a"], ["a", "b"], ["a", "b"], ["b", "a"], ["b", "a"]]
    # a->a->a would reuse the self-loop; a->a->b, a->b->a, b->a->a, b->a->b are fine
    assert ORACLE["two_hop_citations"](g, {})[1] == [["a", "a", "b"], ["a", "b", "a"], ["b", "a", "a"], ["b", "a", "b"]]
    # cites and is cited (by itself and by b): not counted
    assert ORACLE["exists_pattern_short_form"](g, {})[1] == [[0]]


def test_optional_match_nulls_and_three_valued_logic():
    g = _graph(
        dict(
            [
                _ent("f", "Framework", name="F"),
                _ent("g", "Framework", name="G"),
                _ent("n", "Framework"),
                _ent("m1", "Model", name="M1", vendor="Meta"),
                _ent("m2", "Model", name="M2", vendor="Meta", year=2023),
                _ent("h", "Hardware", name="H"),
                _ent("h2", "Hardware", name="H2", aliases=["SXM", None]),
                _paper("p"),
                _paper("q"),
            ]
        ),
        [("paper:p", "entity:f", "INTRODUCES", {}), ("paper:q", "entity:f", "INTRODUCES", {})],
    )
    # G and the nameless framework have no introducer: one row with null each; null names sort last
    assert ORACLE["optional_match_introducers"](g, {})[1] == [["F", "p"], ["F", "q"], ["G", None], [None, None]]
    # M1 has no year: `e.year >= 2022` is null, so the row is dropped
    assert ORACLE["where_not_and_or"](g, {})[1] == [["M2", "Meta", 2023]]
    # H: all() over no aliases is true; H2: any() is true although another predicate is null
    assert ORACLE["quantifier_predicates"](g, {})[1] == [["H"], ["H2"]]
    assert ORACLE["map_projection"](_graph(dict([_ent("h800", "Hardware", name="H800")]), []), {})[1] == [
        [{"name": "H800", "vendor": None, "type": "Hardware"}]
    ]
    assert ORACLE["return_whole_node"](_graph(dict([_ent("h800", "Hardware", name="H800")]), []), {})[1] == [
        [{"id": "h800", "type": "Hardware", "aliases": [], "name": "H800"}]
    ]
