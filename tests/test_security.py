"""Hostile data: Cypher injection on the local store, HTML in the viewer's fields, code in catalog files.

Neo4j/Bolt injection is covered with the Neo4j backend (tests/test_neo4j.py); here every query runs on the
local store's query database, where parameters travel as the engine's parameters and, inside list
functions (where the engine takes none), as escaped literals.
"""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from conftest import kg_cli as kg
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.api import open_store
from kg.graph import entity_attrs, entity_key, paper_key
from kg.model.errors import CatalogError, QueryError
from kg.model.schema import Rel
from kg.query import parse_params
from kg.query.tx import string_literal
from kg.store import LocalStore

ROOT = Path(__file__).parent.parent
BASE = settings.default.max_examples

INJECTIONS = [
    "}) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n //',
    "'}) MATCH (n) DETACH DELETE n //",
    '\\"}) DETACH DELETE n //',
    "\\",
    '\\\\"',
    "`}) DETACH DELETE n //`",
    "x` OR 1=1 //",
    '" OR p.title <> "',
    "$entity",
    "/* c */ CREATE (n) /* c */",
    "'; DROP TABLE papers; --",
    "line\nbreak",
    "nul\x00byte",
    "\u202eRTL\u200b zero-width\u0301",
    "\\u0022 escaped quote",
    "\\N{QUOTATION MARK}",
    "' + __import__('os').system('touch /tmp/kg-pwned') + '",
]


def snapshot(g: nx.MultiDiGraph):
    return copy.deepcopy((list(g.nodes(data=True)), sorted(map(repr, g.edges(keys=True, data=True)))))


# ------------------------------------------------------------------------------------------------ Cypher


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Path:
    """A store built by `kg build` from papers and a catalog whose names and titles are injections."""
    d = tmp_path_factory.mktemp("hostile")
    catalog = d / "evil.yaml"
    catalog.write_text(
        '- name: "Evil\\"Net`}) DETACH DELETE n //"\n'
        "  type: Framework\n"
        '  aliases: ["EvilNet-X"]\n'
        "  description: \"' + __import__('os').system('touch /tmp/kg-pwned') + '\"\n",
        encoding="utf-8",
    )
    papers = d / "papers.jsonl"
    lines = [
        {"title": f"Paper {i}: {text}", "abstract": f"We train with EvilNet-X and DeepSpeed. {text}", "authors": [text]}
        for i, text in enumerate(INJECTIONS)
    ]
    papers.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    store = d / "s.jsonl.gz"
    proc = kg("build", papers, "--catalog", catalog, "--store", store)
    assert proc.exit_code == 0, proc.output
    return store


def test_hostile_names_and_titles_are_stored_and_returned_verbatim(hostile_store):
    before = hostile_store.read_bytes()
    store = open_store(hostile_store)
    titles = {d["title"] for _, d in store.graph.nodes(data=True) if "Paper" in d["__labels__"]}
    expected = {" ".join(f"Paper {i}: {t}".split()) for i, t in enumerate(INJECTIONS)}
    assert titles == expected
    evil = store.lookup("EvilNet-X")
    assert evil.name == 'Evil"Net`}) DETACH DELETE n //' and evil.mention_count == len(INJECTIONS)
    assert evil.description == "' + __import__('os').system('touch /tmp/kg-pwned') + '"
    for title in sorted(titles):
        rows = store.query("MATCH (p:Paper) WHERE p.title = $t RETURN p.title, p.authors", {"t": title}).rows
        assert len(rows) == 1 and rows[0][0] == title
    rows = store.named_query("papers-mentioning", {"entity": evil.name}).rows
    assert len(rows) == len(INJECTIONS)
    # the CLI, with the parameter as a user types it
    proc = kg(
        "query", "--name", "papers-mentioning", "--param", f"entity={evil.name}", "--store", hostile_store, "--json"
    )
    assert proc.exit_code == 0, proc.output
    assert {json.loads(line)["title"] for line in proc.stdout.splitlines()} == titles
    assert hostile_store.read_bytes() == before and not Path("/tmp/kg-pwned").exists()


@pytest.mark.parametrize("value", [v for v in INJECTIONS if "\x00" not in v])  # argv cannot hold NUL
def test_cli_parameters_are_values_never_code(hostile_store, value):
    title = " ".join(f"Paper {INJECTIONS.index(value)}: {value}".split())
    proc = kg(
        "query",
        "MATCH (p:Paper) WHERE p.title = $t RETURN p.title AS title",
        "--param",
        f"t={title}",
        "--store",
        hostile_store,
        "--json",
    )
    assert proc.exit_code == 0, proc.output
    assert [json.loads(line) for line in proc.stdout.splitlines()] == [{"title": title}]


hostile_text = st.one_of(
    st.text(),
    st.sampled_from(INJECTIONS),
    st.lists(
        st.sampled_from(list("\"'`\\$/*{}()[]; \n\r\x00\u2028") + ["DELETE", "//", "\\u0022", "\\x41", "\\N{"]),
        max_size=12,
    ).map("".join),
)


@pytest.fixture(scope="module")
def values_store(tmp_path_factory):
    """A store whose papers are titled with fixed hostile values (and a few neighbours of each)."""
    values = sorted(set(INJECTIONS) | {"", " ", "x", "\\", "'", '"', "`", "\u2028", "\x00"})
    g = nx.MultiDiGraph()
    titles = {}
    for i, value in enumerate(values):
        for j, title in enumerate([value, value + "x", "x" + value]):
            key = f"{i}-{j}"
            titles.setdefault(title, []).append(key)
            g.add_node(paper_key(key), __labels__={"Paper"}, id=key, title=title)
    path = tmp_path_factory.mktemp("values") / "v.jsonl.gz"
    LocalStore(g, path).save()
    return open_store(path), titles


@settings(settings.default, max_examples=max(100, BASE * 2), deadline=None)
@given(value=hostile_text)
@example(value='" OR p.title <> "')
def test_any_parameter_value_matches_exactly_itself(values_store, value):
    """A parameter is a value: it finds exactly the papers titled with it, whatever characters it holds."""
    store, titles = values_store
    rows = store.query("MATCH (p:Paper) WHERE p.title = $t RETURN p.id ORDER BY p.id", {"t": value}).rows
    assert [r[0] for r in rows] == sorted(titles.get(value, []))
    # inside a list function the value is written as a literal; it must still be exactly itself
    rows = store.query(
        "MATCH (p:Paper) WHERE any(t IN [p.title] WHERE t = $t) RETURN p.id ORDER BY p.id", {"t": value}
    ).rows
    assert [r[0] for r in rows] == sorted(titles.get(value, []))


@settings(settings.default, max_examples=max(100, BASE * 2), deadline=None)
@given(value=st.text())
def test_engine_literals_round_trip(values_store, value):
    """What the translator writes as a string literal reads back as exactly the same string."""
    store, _ = values_store
    literal = string_literal(value)
    assert "\n" not in literal and "\r" not in literal and "\x00" not in literal
    assert store.query("RETURN [x IN [1] | $v] AS l", {"v": value}).rows == [[[value]]]


cypherish = st.lists(
    st.sampled_from(
        [
            "MATCH",
            "(n)",
            "(p:Paper)",
            "-[:MENTIONS]->",
            "(e:Entity)",
            "WHERE",
            "n.name",
            "=",
            '"x"',
            "'y'",
            "`z`",
            "RETURN",
            "n",
            "n.title",
            "COUNT(n)",
            "DETACH",
            "DELETE",
            "CREATE",
            "MERGE",
            "SET",
            "n.x = 1",
            "REMOVE",
            "CALL",
            "db.labels()",
            "LOAD CSV FROM",
            "FOREACH",
            "DROP",
            "//",
            "/*",
            "*/",
            "\n",
            "$t",
            "$missing",
            "{",
            "}",
            "})",
            "\\",
            '"',
            "'",
            "`",
            ";",
            "UNION",
            "WITH",
            "OPTIONAL",
            "LIMIT",
            "1",
            "ORDER BY",
            "delete",
            "create",
            "nodes(n)",
            "[",
            "]",
            "|",
            "IN",
            "size(",
            ")",
            "collect(n)",
            "null",
            "-1",
            "..",
            "*",
            "n:Paper",
            "type(n)",
        ]
    ),
    max_size=14,
).map(" ".join)


@settings(settings.default, max_examples=max(100, BASE * 2), deadline=None)
@given(query=st.one_of(cypherish, st.text(max_size=60)))
@example(query='MATCH (n) WHERE n.name = "x" DETACH DELETE n')
@example(query="MATCH (n) RETURN n // DELETE n")
@example(query="RETURN nodes(null)")
def test_any_query_is_answered_or_refused_and_never_changes_the_graph(values_store, query):
    store, _ = values_store
    path = store.querydb.path
    before = path.read_bytes()
    try:
        store.query(query, {"t": "One"}, timeout=5)
    except QueryError as exc:
        assert "\n" not in str(exc)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "query, clause",
    [
        ("MATCH (n) DETACH DELETE n", "DETACH DELETE"),
        ("MATCH (n) delete n", "DELETE"),
        ("CREATE (n:Paper {title: 'x'})", "CREATE"),
        ("MERGE (n:Paper {id: 'x'})", "MERGE"),
        ("MATCH (n) SET n.title = 'x'", "SET"),
        ("MATCH (n) REMOVE n.title", "REMOVE"),
        ("LOAD  CSV FROM 'file:///etc/passwd' AS row RETURN row", "LOAD CSV"),
        ("MATCH (n) FOREACH (x IN [1] | SET n.a = x)", "FOREACH"),
        ("DROP INDEX foo", "DROP"),
        ("MATCH (n) /* comment */\nDETACH\nDELETE n", "DETACH DELETE"),
        ("MATCH (n) /* ' */ CREATE (:X) RETURN 1", "CREATE"),
        ('MATCH (n) WHERE n.title = "a\\" DELETE n //" RETURN n', None),  # inside a string: allowed
        ("MATCH (n:`DELETE`) RETURN n", None),  # a quoted name, not a clause
        ("MATCH (n) RETURN n.created, n.settings // DELETE", None),
    ],
)
def test_write_clauses_are_refused_with_a_clear_message(hostile_store, query, clause):
    before = hostile_store.read_bytes()
    proc = kg("query", query, "--store", hostile_store)
    if clause is None:
        assert "read-only" not in proc.stderr and "Traceback" not in proc.stderr
        assert proc.exit_code == 0, proc.output
        return
    assert proc.exit_code == 1 and proc.stdout == ""
    assert proc.stderr == (f"Error: queries are read-only: {clause} is not allowed; use kg build to change the graph\n")
    assert hostile_store.read_bytes() == before


def test_procedure_calls_are_a_one_line_error(hostile_store):
    """The local engine runs db.labels() and db.relationshipTypes() only: others are a clear error, nothing changed."""
    before = hostile_store.read_bytes()
    proc = kg("query", "CALL db.createLabel('X')", "--store", hostile_store)
    assert proc.exit_code == 1 and proc.stderr == (
        "Error: the local store does not support procedure calls (CALL db.createLabel) (README: Cypher on the local "
        "store); run the query on Neo4j with --neo4j\n"
    )
    assert hostile_store.read_bytes() == before


@pytest.mark.parametrize(
    "raw",
    [
        "NaN",
        "Infinity",
        "1e999",
        "[1, NaN]",
        "1" * 5000,
        "[" * 5000,
        "12",
        "1.5",
        "true",
        '["a", 1]',
        '"quoted"',
        "2401.12345",
        "0012",
    ],
)
def test_parameter_values_stay_the_text_typed(raw):
    assert parse_params([f"v={raw}"]) == {"v": raw}


# ------------------------------------------------------------------------------------------------ HTML (kg viz)

MARK = "<img src=x onerror=alert('{}')>\"&</script><script>alert(1)</script>"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def _viz_graph() -> tuple[nx.MultiDiGraph, dict[str, str]]:
    """Every field the viewer shows holds its own marker (those the browser test does not already cover)."""
    m = {
        f: MARK.format(f)
        for f in (
            "sources",
            "arxiv_id",
            "paper_year",
            "name",
            "alias",
            "description",
            "vendor",
            "entity_year",
            "surfaces",
            "via",
            "type",
            "rel",
            "heading",
            "id",
        )
    }
    g = nx.MultiDiGraph()
    g.add_node(
        paper_key("p1"),
        __labels__={"Paper"},
        id=m["id"],
        title="Plain title one",
        abstract="Plain.",
        sources=[m["sources"], "b.txt:2"],
        arxiv_id=m["arxiv_id"],
        year=m["paper_year"],
    )
    g.add_node(
        paper_key("p2"), __labels__={"Paper"}, id="p2", title="Plain title two", abstract="Plain.", sources=["c.txt:3"]
    )
    attrs = entity_attrs(
        "evil",
        m["name"],
        "Framework",
        source="catalog",
        aliases=[m["alias"]],
        description=m["description"],
        vendor=m["vendor"],
    )
    attrs["year"] = m["entity_year"]
    g.add_node(entity_key("evil"), **attrs)
    g.add_node(entity_key("odd"), __labels__={"Entity", "Method"}, id="odd", name="Odd", type=m["type"], aliases=[])
    g.add_edge(
        paper_key("p1"),
        entity_key("evil"),
        key=Rel.MENTIONS.value,
        __labels__={Rel.MENTIONS.value},
        count=2,
        surfaces=[m["surfaces"]],
    )
    g.add_edge(
        paper_key("p2"),
        entity_key("evil"),
        key=Rel.MENTIONS.value,
        __labels__={Rel.MENTIONS.value},
        count=1,
        surfaces=["EvilNet"],
    )
    g.add_edge(paper_key("p2"), paper_key("p1"), key=Rel.CITES.value, __labels__={Rel.CITES.value}, via=[m["via"]])
    g.add_edge(paper_key("p2"), entity_key("odd"), key=m["rel"], __labels__={m["rel"]})
    return g, m


def _page_data(html: str) -> tuple[list[dict], list[dict]]:
    nodes = json.loads(re.search(r"var nodeData = (.*?);\n", html).group(1))
    edges = json.loads(re.search(r"var edgeData = (.*?);\n", html).group(1))
    return nodes, edges


@pytest.mark.parametrize("view", ["whole", "entity", "cut"])
def test_every_viewer_field_is_escaped_and_kept_verbatim(tmp_path, view):
    from markupsafe import escape

    from kg.viz import ViewOptions, render

    g, m = _viz_graph()
    out = tmp_path / "g.html"
    kwargs = {
        "whole": {},
        "entity": {"entity": m["name"], "hops": 2},
        "cut": {"entity": m["name"], "hops": 2, "max_nodes": 2},
    }[view]
    report = render(g, out, ViewOptions(**kwargs), heading=m["heading"])
    html = out.read_text(encoding="utf-8")
    for field, marker in m.items():
        assert marker not in html, f"{field} reaches the page unescaped"
    parser = _Tags()
    parser.feed(html)
    assert set(parser.tags) <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "script",
        "body",
        "div",
        "h1",
        "h2",
        "span",
        "svg",
        "line",
        "input",  # the viewer's search box, type toggles and mention slider
        "label",
        "button",  # its reset button
    }, set(parser.tags)
    assert parser.tags.count("script") == 2 and not any(a.startswith("on") for a, _ in parser.attrs)
    # shown as text: the heading (and the view line naming the entity) HTML-escaped...
    assert html.count(str(escape(m["heading"]))) == 2  # <title> and <h1>
    if view != "whole":
        assert f"Framework {escape(repr(m['name']))} and its neighbourhood" in html
    if view == "cut":
        assert report.cut and str(escape(report.cut[1:])) in html
    # ...and the graph data as JSON that gives back every value exactly
    nodes, edges = _page_data(html)
    tips = "\n".join(n.get("title", "") for n in nodes) + "\n" + "\n".join(e.get("title", "") for e in edges)
    drawn = {n["id"] for n in nodes}
    shown = {"name", "alias", "description", "vendor", "entity_year"}  # the focus entity is always drawn
    if paper_key("p1") in drawn:
        shown |= {"sources", "arxiv_id", "paper_year", "surfaces"}
        if paper_key("p2") in drawn:
            shown.add("via")
    for field in shown:
        assert m[field] in tips, f"{field} is missing from the tooltips"
    assert any(n["label"] == m["name"] for n in nodes)
    # ...and the details panel's data too, JSON that gives back every value exactly
    details = json.loads(re.search(r"window.kgDetails = (.*?);\n", html).group(1))
    evil = details[entity_key("evil")]
    assert (evil["name"], evil["aliases"], evil["description"], evil["vendor"], evil["year"]) == (
        m["name"],
        [m["alias"]],
        m["description"],
        m["vendor"],
        m["entity_year"],
    )
    if paper_key("p1") in drawn:
        p1 = details[paper_key("p1")]
        assert (p1["arxiv_id"], p1["year"], p1["sources"][0]) == (m["arxiv_id"], m["paper_year"], m["sources"])
        assert p1["url"] == "https://arxiv.org/abs/" + m["arxiv_id"]  # a link the panel makes, never javascript:
    if view == "whole":
        assert len(nodes) == g.number_of_nodes() and any(e["rel"] == m["rel"] for e in edges)


# ------------------------------------------------------------------------------------------------ catalog YAML

PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:builtins.dict {{}}",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
@pytest.mark.parametrize("place", ["name", "description", "alias", "top"])
def test_catalog_yaml_cannot_execute_code(tmp_path, tag, place):
    from kg.catalog import read_catalog_file

    marker = tmp_path / "pwned"
    value = tag.format(marker=marker)
    text = {
        "name": f"- name: {value}\n  type: Framework\n",
        "description": f"- name: Foo\n  type: Framework\n  description: {value}\n",
        "alias": f"- name: Foo\n  type: Framework\n  aliases:\n    - {value}\n",
        "top": f"{value}\n",
    }[place]
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as exc:
        read_catalog_file(path)
    assert "invalid YAML: could not determine a constructor for the tag" in str(exc.value)
    assert str(exc.value).startswith(f"{path}:") and "\n" not in str(exc.value)
    assert not marker.exists()


def test_catalog_yaml_code_via_the_command_line(tmp_path):
    marker = tmp_path / "pwned"
    catalog = tmp_path / "evil.yaml"
    catalog.write_text(f"- name: !!python/object/apply:os.system ['touch {marker}']\n  type: Framework\n")
    papers = tmp_path / "p.jsonl"
    papers.write_text('{"title": "A paper"}\n')
    for command in (["link", papers], ["build", papers, "--store", tmp_path / "s.jsonl.gz"]):
        proc = kg(*command, "--catalog", catalog)
        assert proc.exit_code == 1 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(f"Error: {catalog}:1: invalid YAML: could not determine a constructor")
    assert not marker.exists() and not (tmp_path / "s.jsonl.gz").exists()


def test_catalog_entry_text_is_data(tmp_path):
    """Strings that look like code are names like any other: linked, stored and shown verbatim."""
    marker = tmp_path / "pwned"
    name = f"__import__('os').system('touch {marker}')"
    catalog = tmp_path / "code.yaml"
    catalog.write_text(f'- name: "{name}"\n  type: Method\n  aliases: ["ZyxCodeNet"]\n  description: "{{{{7*7}}}}"\n')
    papers = tmp_path / "p.jsonl"
    papers.write_text('{"title": "Training ZyxCodeNet models", "abstract": "ZyxCodeNet is used."}\n')
    store = tmp_path / "s.jsonl.gz"
    assert kg("build", papers, "--catalog", catalog, "--store", store).exit_code == 0
    found = open_store(store).lookup("ZyxCodeNet")
    assert (found.name, found.description) == (name, "{{7*7}}") and not marker.exists()


def _bomb(levels: int) -> str:
    lines = ['- x: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"  x{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]")
    return "\n".join(lines)


def test_alias_bomb_in_a_list_field_is_a_short_error(tmp_path):
    from kg.catalog import read_catalog_file

    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(6) + "\n  name: Bomb\n  type: Framework\n  aliases: *l5\n  context: *l5\n")
    with pytest.raises(CatalogError) as exc:
        read_catalog_file(path)
    assert len(str(exc.value)) < 300 and "entry 'Bomb'" in str(exc.value)


def test_alias_bomb_as_the_entry_name_is_a_short_error(tmp_path):
    from kg.catalog import read_catalog_file

    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(5) + "\n  name: *l4\n  type: Framework\n")
    with pytest.raises(CatalogError) as exc:
        read_catalog_file(path)
    assert len(str(exc.value)) < 300, f"the error message is {len(str(exc.value)):,} characters long"
