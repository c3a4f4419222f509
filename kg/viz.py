"""Interactive graph viewer: a self-contained HTML page (pyvis + vis-network, inlined, no CDN).

    from kg.viz import render
    report = render(store.graph, "graph.html", entity="LoRA", hops=2)

Three layers, each usable alone:

* selection, pure functions on the NetworkX graph: `parse_types`, `candidates`,
  `graph_entity_node` and `graph_paper_node` (from kg.lookup), `ego_nodes`, `cap_nodes` and `select` (which combines them
  and returns a `Selection`: the node keys to draw and what was cut);
* `to_pyvis(graph, ...)`: a `pyvis.network.Network` of the selection with kg's
  styling (colour and shape per node type, size by degree, colour and dash per
  relationship type, plain-text tooltips) and kg's page template, so
  `net.write_html("x.html")` writes the same offline page as `render`;
* `render(graph, output, ...) -> VizReport`: writes the page.

The page inlines pyvis's bundled copy of vis-network (JS and CSS): it loads
nothing from the network. Physics stabilises once (forceAtlas2Based, a bounded
number of iterations) and is then switched off, so a 500-node view settles in
seconds and then stays still.

Escaping: titles and abstracts are untrusted. Node and edge data reach the page
only as JSON inside a script (`tojson`: `<`, `>`, `&` and `'` become `\\u00XX`
escapes); tooltips are built in the page as DOM elements whose text is set with
`textContent` (never `innerHTML`); every other string (heading, legend, the
message about what was cut) goes through Jinja's HTML autoescaping. Labels are
drawn on the canvas as text.
"""

from __future__ import annotations

import copy
import math
import os
import re
import webbrowser
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import networkx as nx

from kg.lookup import graph_entity_node, graph_paper_node
from kg.model.errors import KGError
from kg.model.files import write_atomic
from kg.model.types import ENTITY_TYPES, Label, Rel, Strict

DEFAULT_MAX_NODES = 500
DEFAULT_HOPS = 1
ABSTRACT_EXCERPT = 280
PAPER_LABEL = 36
MAX_ALIASES = 12
MAX_SOURCES = 3

PAPER = Label.PAPER.value

# Node style per type: (colour, vis-network shape, legend glyph).
NODE_STYLES: dict[str, dict[str, str]] = {
    PAPER: {"color": "#7f8c9d", "shape": "square", "glyph": "\u25a0"},
    "Method": {"color": "#1f77b4", "shape": "dot", "glyph": "\u25cf"},
    "Model": {"color": "#d62728", "shape": "diamond", "glyph": "\u25c6"},
    "Dataset": {"color": "#2ca02c", "shape": "triangle", "glyph": "\u25b2"},
    "Hardware": {"color": "#ff7f0e", "shape": "star", "glyph": "\u2605"},
    "Framework": {"color": "#9467bd", "shape": "hexagon", "glyph": "\u2b22"},
}

# Edge style per relationship type: colour, width, dashes (False or a dash pattern) and a short meaning.
EDGE_STYLES: dict[str, dict] = {
    Rel.MENTIONS.value: {"color": "#b4b9c2", "width": 1, "dashes": False, "meaning": "paper mentions entity"},
    Rel.INTRODUCES.value: {"color": "#e377c2", "width": 2.5, "dashes": False, "meaning": "paper introduces entity"},
    Rel.CITES.value: {"color": "#17becf", "width": 2, "dashes": [8, 5], "meaning": "paper builds on paper"},
    Rel.VARIANT_OF.value: {"color": "#8c564b", "width": 1.5, "dashes": [2, 4],
                           "meaning": "entity is a variant of entity"},
}

# vis-network options: forceAtlas2Based stabilises a few hundred nodes in a few hundred
# iterations; the page switches physics off once stabilisation is done (see the template).
VIS_OPTIONS: dict = {
    "autoResize": True,
    "layout": {"improvedLayout": False, "randomSeed": 7},
    "physics": {
        "enabled": True,
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -45, "centralGravity": 0.015, "springLength": 55,
                             "springConstant": 0.08, "damping": 0.55, "avoidOverlap": 0.3},
        "maxVelocity": 60,
        "minVelocity": 1.5,
        "timestep": 0.45,
        "adaptiveTimestep": True,
        "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 20, "fit": True},
    },
    "nodes": {
        "borderWidth": 1,
        "font": {"size": 13, "face": "sans-serif", "color": "#222222", "strokeWidth": 3, "strokeColor": "#ffffff"},
        "scaling": {"min": 7, "max": 40,
                    "label": {"enabled": True, "min": 14, "max": 40, "maxVisible": 30, "drawThreshold": 5}},
    },
    "edges": {
        "smooth": False,
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
        "selectionWidth": 2,
        "hoverWidth": 1.5,
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True, "keyboard": False,
                    "multiselect": False, "navigationButtons": False},
}


class VizError(KGError):
    """A viewer request that cannot be met (bad option, nothing to show, unwritable output)."""


class VizReport(Strict):
    """What `render` wrote."""

    output: str
    nodes: int
    edges: int
    node_types: dict[str, int]
    edge_types: dict[str, int]
    graph_nodes: int
    graph_edges: int
    focus: str | None = None
    view: str
    cut: str | None = None
    bytes: int = 0

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {t}" for t, n in self.node_types.items() if n)
        rels = ", ".join(f"{n} {t}" for t, n in self.edge_types.items() if n)
        return (f"wrote {self.output}: {self.view}, {self.nodes} nodes ({kinds}), {self.edges} relationships"
                + (f" ({rels})" if rels else ""))


@dataclass(frozen=True)
class Selection:
    """The nodes to draw, in drawing order, and a note of what was left out."""

    nodes: list[str]
    view: str
    focus: str | None = None
    candidates: int = 0
    cut: str | None = None
    hops: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- selection (pure functions)


def node_kind(data: dict) -> str:
    """A node's kind: "Paper", or the entity type."""
    if PAPER in data.get("__labels__", ()):
        return PAPER
    return data.get("type", "Entity")


def parse_types(types: Iterable[str] | None) -> set[str] | None:
    """Entity types named by the user (any case, comma lists allowed); None for all. Unknown names raise VizError."""
    if not types:
        return None
    if isinstance(types, str):
        types = [types]
    canon = {t.lower(): t for t in ENTITY_TYPES}
    chosen: set[str] = set()
    for raw in types:
        for name in (p.strip() for p in str(raw).split(",")):
            if not name:
                continue
            if name.lower() == PAPER.lower():
                raise VizError(f"--type {name}: papers are always shown; --type takes entity types "
                               f"(one of {', '.join(ENTITY_TYPES)})")
            if name.lower() not in canon:
                raise VizError(f"unknown entity type {name!r} (use one of {', '.join(ENTITY_TYPES)})")
            chosen.add(canon[name.lower()])
    return chosen or None


def mentions(g: nx.MultiDiGraph, node: str) -> int:
    """How many papers mention an entity node (in the whole graph, for a neighbourhood read from a database)."""
    known = g.nodes[node].get("__mentions__")
    if known is not None:
        return known
    return sum(1 for _, _, k in g.in_edges(node, keys=True) if k == Rel.MENTIONS.value)


def degree(g: nx.MultiDiGraph, node: str) -> int:
    """A node's degree (in the whole graph, for a neighbourhood read from a database)."""
    known = g.nodes[node].get("__degree__")
    return g.degree(node) if known is None else known


def neighbours(g: nx.MultiDiGraph, node: str) -> set[str]:
    """Neighbours in either direction, any relationship."""
    return set(g.successors(node)) | set(g.predecessors(node))


def candidates(g: nx.MultiDiGraph, types: set[str] | None = None, min_mentions: int = 0) -> set[str]:
    """Nodes that pass the type and mention filters.

    Entities pass when their type is in `types` (all when None) and at least
    `min_mentions` papers mention them. Without filters every paper passes;
    with filters, only the papers linked to an entity that passes.
    """
    entities = {n for n, d in g.nodes(data=True)
                if node_kind(d) != PAPER and (types is None or d.get("type") in types)
                and (min_mentions <= 0 or mentions(g, n) >= min_mentions)}
    papers = {n for n, d in g.nodes(data=True) if node_kind(d) == PAPER}
    if types is not None or min_mentions > 0:
        papers = {p for p in papers if any(e in entities for e in g.successors(p))}
    return entities | papers


def ego_nodes(g: nx.MultiDiGraph, focus: str, hops: int, allowed: set[str] | None = None) -> dict[str, int]:
    """Nodes within `hops` of `focus` (edges followed both ways, only through `allowed`), with their distance."""
    dist = {focus: 0}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        if dist[node] >= hops:
            continue
        for other in sorted(neighbours(g, node)):
            if other not in dist and (allowed is None or other in allowed):
                dist[other] = dist[node] + 1
                queue.append(other)
    return dist


def cap_nodes(g: nx.MultiDiGraph, nodes: set[str], max_nodes: int) -> tuple[list[str], int, int]:
    """At most `max_nodes` of `nodes`: the most connected entities, each with its papers.

    Entities are taken by degree within `nodes` (ties by name); an entity is
    added with every paper it links to, and skipped when that would pass the
    cap. Returns the kept nodes, how many entities and how many papers.
    """
    sub = g.subgraph(nodes)
    degree = {n: len(neighbours(sub, n)) for n in nodes}
    entities = sorted((n for n in nodes if node_kind(g.nodes[n]) != PAPER),
                      key=lambda n: (-degree[n], g.nodes[n].get("name", ""), n))
    kept: dict[str, None] = {}
    n_entities = 0
    for e in entities:
        if len(kept) >= max_nodes:
            break
        papers = sorted(p for p in neighbours(sub, e) if node_kind(g.nodes[p]) == PAPER and p not in kept)
        if len(kept) + 1 + len(papers) > max_nodes:
            continue
        kept[e] = None
        n_entities += 1
        for p in papers:
            kept[p] = None
    if not kept:  # no entity fits with its papers (a tiny cap): the most connected nodes alone
        kept = dict.fromkeys(sorted(nodes, key=lambda n: (-degree[n], n))[:max_nodes])
        n_entities = sum(1 for n in kept if node_kind(g.nodes[n]) != PAPER)
    return list(kept), n_entities, len(kept) - n_entities


def _describe(g: nx.MultiDiGraph, node: str) -> str:
    d = g.nodes[node]
    if node_kind(d) == PAPER:
        return f"paper {d.get('title', node)!r}"
    return f"{d.get('type', 'entity')} {d.get('name', node)!r}"


def select(g: nx.MultiDiGraph, *, entity: str | None = None, paper: str | None = None, hops: int = DEFAULT_HOPS,
           types: Iterable[str] | None = None, min_mentions: int = 0,
           max_nodes: int = DEFAULT_MAX_NODES) -> Selection:
    """Which nodes a view shows: the whole graph (capped), or the ego view around an entity or a paper."""
    check_options(entity, paper, hops, max_nodes, min_mentions)
    wanted = parse_types(types)
    if g.number_of_nodes() == 0:
        raise VizError("the graph is empty (build it first: kg build INPUT... --store STORE)")
    allowed = candidates(g, wanted, min_mentions)
    filters = filters_text(wanted, min_mentions)

    if entity or paper:
        focus = graph_entity_node(g, entity) if entity else graph_paper_node(g, paper)
        dist = ego_nodes(g, focus, hops, allowed | {focus})
        order = sorted(dist, key=lambda n: (dist[n], -degree(g, n), n))
        return ego_selection(g, focus, order[:max_nodes], dist, len(order), hops, filters)

    if not allowed:
        raise VizError(f"nothing to show: no node passes{filters} (lower --min-mentions or choose other --type)")
    if len(allowed) <= max_nodes:
        order = sorted(allowed, key=lambda n: (node_kind(g.nodes[n]) == PAPER, -degree(g, n), n))
        return Selection(order, f"whole graph{filters}", None, len(allowed))
    kept, n_entities, n_papers = cap_nodes(g, allowed, max_nodes)
    cut = (f"the graph{filters} has {len(allowed)} nodes; showing the {n_entities} most connected "
           f"entit{'y' if n_entities == 1 else 'ies'} and their {n_papers} paper{'s' if n_papers != 1 else ''} "
           f"({len(kept)} nodes), {len(allowed) - len(kept)} left out "
           f"(raise --max-nodes, or narrow with --type, --min-mentions, --entity or --paper)")
    return Selection(kept, f"most connected part of the graph{filters}", None, len(allowed), cut)


def check_options(entity: str | None, paper: str | None, hops: int, max_nodes: int, min_mentions: int) -> None:
    if entity and paper:
        raise VizError("give --entity or --paper, not both")
    if hops < 0:
        raise VizError(f"--hops must be 0 or more, not {hops}")
    if max_nodes < 1:
        raise VizError(f"--max-nodes must be at least 1, not {max_nodes}")
    if min_mentions < 0:
        raise VizError(f"--min-mentions must be 0 or more, not {min_mentions}")


def ego_selection(g: nx.MultiDiGraph, focus: str, kept: list[str], dist: dict[str, int], total: int, hops: int,
                  filters: str) -> Selection:
    """The view around `focus`: the `kept` nodes of the `total` within `hops`, and a note of what was cut."""
    view = f"{_describe(g, focus)} and its neighbourhood within {hops} hop{'s' if hops != 1 else ''}"
    cut = None
    if total > len(kept):
        cut = (f"the view within {hops} hop{'s' if hops != 1 else ''} of {_describe(g, focus)} has "
               f"{total} nodes; showing the {len(kept)} nearest (most connected first), "
               f"{total - len(kept)} left out (raise --max-nodes, lower --hops or narrow with "
               f"--type/--min-mentions)")
    return Selection(kept, view + filters, focus, total, cut, {n: dist[n] for n in kept})


def filters_text(types: set[str] | None, min_mentions: int) -> str:
    parts = []
    if types:
        parts.append("types " + ", ".join(t for t in ENTITY_TYPES if t in types))
    if min_mentions > 0:
        parts.append(f"entities mentioned by at least {min_mentions} paper{'s' if min_mentions != 1 else ''}")
    return f" ({'; '.join(parts)})" if parts else ""


# ---------------------------------------------------------------- tooltips and styling


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def excerpt(text: str, limit: int = ABSTRACT_EXCERPT) -> str:
    """The start of a text, cut at a word boundary, with an ellipsis when cut."""
    text = _squash(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:.") + "\u2026"


def short_label(text: str, limit: int = PAPER_LABEL) -> str:
    return excerpt(text, limit)


def tooltip_lines(g: nx.MultiDiGraph, node: str) -> list[str]:
    """A node's tooltip as plain-text lines (the page sets them with textContent: never parsed as HTML)."""
    d = g.nodes[node]
    if node_kind(d) == PAPER:
        head = ["Paper"]
        if d.get("arxiv_id"):
            head.append(f"arXiv {d['arxiv_id']}")
        if d.get("year"):
            head.append(str(d["year"]))
        lines = [_squash(d.get("title", "")), " \u00b7 ".join(head)]
        if d.get("abstract"):
            lines.append(excerpt(d["abstract"]))
        sources = list(d.get("sources", []))
        if sources:
            more = f" (+{len(sources) - MAX_SOURCES} more)" if len(sources) > MAX_SOURCES else ""
            lines.append("sources: " + ", ".join(sources[:MAX_SOURCES]) + more)
        return lines
    n = mentions(g, node)
    lines = [_squash(d.get("name", "")),
             f"{d.get('type', 'Entity')} \u00b7 mentioned by {n} paper{'s' if n != 1 else ''}"]
    aliases = [_squash(a) for a in d.get("aliases", [])]
    if aliases:
        more = f" (+{len(aliases) - MAX_ALIASES} more)" if len(aliases) > MAX_ALIASES else ""
        lines.append("aliases: " + ", ".join(aliases[:MAX_ALIASES]) + more)
    if d.get("description"):
        lines.append(excerpt(d["description"], 200))
    extra = [f"vendor {d['vendor']}" if d.get("vendor") else "", f"year {d['year']}" if d.get("year") else ""]
    if any(extra):
        lines.append(", ".join(x for x in extra if x))
    return lines


def edge_tooltip(g: nx.MultiDiGraph, u: str, v: str, key: str, data: dict) -> str:
    text = key
    if key == Rel.MENTIONS.value:
        surfaces = ", ".join(data.get("surfaces", [])[:5])
        text += f" \u00d7{data.get('count', 1)}" + (f" as {surfaces}" if surfaces else "")
    elif key == Rel.CITES.value and data.get("via"):
        text += " via " + ", ".join(data["via"][:5])
    return text


# ---------------------------------------------------------------- pyvis


def _vis_dir() -> Path:
    import pyvis

    base = Path(pyvis.__file__).parent
    for sub in ("templates/lib/vis-9.1.2", "lib/vis-9.1.2"):
        d = base / sub
        if (d / "vis-network.min.js").is_file() and (d / "vis-network.css").is_file():
            return d
    raise VizError(f"pyvis's bundled vis-network is missing under {base} (reinstall it: pip install 'pyvis>=0.3.2')")


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS from pyvis's package, safe to inline in <script> and <style>."""
    d = _vis_dir()
    js = (d / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (d / "vis-network.css").read_text(encoding="utf-8").replace("</style", "<\\/style")
    return js, css


def _page_env(globals_: dict):
    from jinja2 import DictLoader, Environment, select_autoescape

    env = Environment(loader=DictLoader({"kg_viz.html": PAGE_TEMPLATE}),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(globals_)
    return env


def to_pyvis(graph: nx.MultiDiGraph, *, entity: str | None = None, paper: str | None = None,
             hops: int = DEFAULT_HOPS, types: Iterable[str] | None = None, min_mentions: int = 0,
             max_nodes: int = DEFAULT_MAX_NODES, selection: Selection | None = None, heading: str = "kg graph",
             totals: tuple[int, int] | None = None):
    """A pyvis `Network` of a view of the graph (see `select`), styled and set up for kg's offline page.

    `net.write_html(path)` / `net.generate_html()` produce the self-contained
    page; `net.kg_selection` is the `Selection` drawn and `net.kg_counts` the
    node and relationship counts per type.
    """
    from markupsafe import Markup
    from pyvis.edge import Edge
    from pyvis.network import Network

    sel = selection or select(graph, entity=entity, paper=paper, hops=hops, types=types,
                              min_mentions=min_mentions, max_nodes=max_nodes)
    keep = set(sel.nodes)
    view = graph.subgraph(keep)
    degree = {n: len(neighbours(view, n)) for n in keep}
    net = Network(height="100%", width="100%", directed=True, heading=heading, cdn_resources="in_line")
    node_types = {t: 0 for t in NODE_STYLES}
    for n in sel.nodes:
        d = graph.nodes[n]
        kind = node_kind(d)
        style = NODE_STYLES.get(kind, NODE_STYLES["Method"])
        node_types[kind] = node_types.get(kind, 0) + 1
        label = short_label(d.get("title", "")) if kind == PAPER else _squash(d.get("name", n))
        # vis sizes nodes (and their labels) by `value`: the square root of the degree keeps hubs from swamping
        options = {"title": "\n".join(tooltip_lines(graph, n)), "value": round(math.sqrt(degree[n]), 3),
                   "degree": degree[n], "kind": kind,
                   "color": {"background": style["color"], "border": "#333333" if n == sel.focus else style["color"],
                             "highlight": {"background": style["color"], "border": "#000000"},
                             "hover": {"background": style["color"], "border": "#000000"}}}
        if kind == PAPER:  # titles are long: keep their labels small, whatever the degree
            options["scaling"] = {"label": {"enabled": True, "min": 9, "max": 15, "maxVisible": 30, "drawThreshold": 5}}
        if n == sel.focus:
            options["borderWidth"] = 4
        net.add_node(n, label=label, shape=style["shape"], **options)
    edge_types = {r.value: 0 for r in Rel}
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        if u not in keep or v not in keep:
            continue
        style = EDGE_STYLES.get(key, EDGE_STYLES[Rel.MENTIONS.value])
        options = {"title": edge_tooltip(graph, u, v, key, data), "color": {"color": style["color"],
                   "highlight": "#000000", "hover": "#444444"}, "width": style["width"], "dashes": style["dashes"],
                   "rel": key}
        if key == Rel.INTRODUCES.value:  # drawn beside the MENTIONS edge between the same two nodes
            options["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25}
        net.edges.append(Edge(u, v, True, **options).options)  # add_edge checks membership in a list: O(n) each
        edge_types[key] = edge_types.get(key, 0) + 1
    net.options = copy.deepcopy(VIS_OPTIONS)
    if len(sel.nodes) < 100:  # small views: longer springs, so labels do not sit on each other
        net.options["physics"]["forceAtlas2Based"].update(springLength=120, avoidOverlap=0.6)
    net.kg_selection = sel
    net.kg_counts = {"nodes": node_types, "edges": edge_types}

    js, css = vis_assets()
    legend_nodes = [{"kind": k, "count": node_types.get(k, 0), **NODE_STYLES[k]} for k in NODE_STYLES]
    legend_edges = [{"rel": r, "count": edge_types.get(r, 0), **EDGE_STYLES[r],
                     "dasharray": " ".join(map(str, EDGE_STYLES[r]["dashes"])) if EDGE_STYLES[r]["dashes"] else ""}
                    for r in EDGE_STYLES]
    env = _page_env({"kg": {"vis_js": Markup(js), "vis_css": Markup(css), "legend_nodes": legend_nodes,
                            "legend_edges": legend_edges, "view": sel.view, "cut": sel.cut,
                            "shown": len(sel.nodes), "edges": sum(edge_types.values()),
                            "graph_nodes": totals[0] if totals else graph.number_of_nodes(),
                            "graph_edges": totals[1] if totals else graph.number_of_edges()}})
    net.templateEnv = env
    net.path = "kg_viz.html"
    return net


def render(graph: nx.MultiDiGraph, output: str | os.PathLike = "graph.html", *, entity: str | None = None,
           paper: str | None = None, hops: int = DEFAULT_HOPS, types: Iterable[str] | None = None,
           min_mentions: int = 0, max_nodes: int = DEFAULT_MAX_NODES, open_browser: bool = False,
           heading: str = "kg graph", selection: Selection | None = None,
           totals: tuple[int, int] | None = None) -> VizReport:
    """Write the view as one self-contained HTML page at `output`; open it in a browser if asked."""
    out = Path(output)
    if out.is_dir():
        raise VizError(f"cannot write {out}: it is a directory (give a file name, e.g. -o {out / 'graph.html'})")
    if not out.parent.exists():
        raise VizError(f"cannot write {out}: directory {out.parent} does not exist "
                       "(create it or choose another -o path)")
    net = to_pyvis(graph, entity=entity, paper=paper, hops=hops, types=types, min_mentions=min_mentions,
                   max_nodes=max_nodes, heading=heading, selection=selection, totals=totals)
    html = net.generate_html()
    data = html.encode("utf-8")
    write_atomic(out, lambda f: f.write(html), error=VizError, option="-o")
    sel = net.kg_selection
    report = VizReport(output=str(out), nodes=len(sel.nodes), edges=sum(net.kg_counts["edges"].values()),
                       node_types=net.kg_counts["nodes"], edge_types=net.kg_counts["edges"],
                       graph_nodes=totals[0] if totals else graph.number_of_nodes(),
                       graph_edges=totals[1] if totals else graph.number_of_edges(),
                       focus=sel.focus, view=sel.view, cut=sel.cut, bytes=len(data))
    if open_browser:
        webbrowser.open(out.resolve().as_uri())
    return report


# ---------------------------------------------------------------- the page

PAGE_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>{{ heading }}</title>
<style>{{ kg.vis_css }}</style>
<style>
  html, body { margin: 0; height: 100%; font-family: sans-serif; background: #ffffff; color: #222; }
  body { display: flex; flex-direction: column; }
  #kg-header { flex: 0 0 auto; padding: 6px 14px; border-bottom: 1px solid #ddd; background: #f7f7f9; }
  #kg-header h1 { font-size: 16px; margin: 0 0 2px 0; }
  #kg-header .kg-view { font-size: 12px; color: #444; }
  #kg-header .kg-cut { display: block; color: #8a4b00; }
  #kg-main { position: relative; flex: 1 1 auto; min-height: 300px; }
  #mynetwork { position: absolute; inset: 0; background: {{ bgcolor }}; }
  #kg-legend { position: absolute; top: 10px; left: 10px; background: rgba(255,255,255,0.93); border: 1px solid #ccc; border-radius: 6px; padding: 8px 10px; font-size: 12px; line-height: 1.5; z-index: 5; box-shadow: 0 1px 4px rgba(0,0,0,0.15); }
  #kg-legend h2 { font-size: 12px; margin: 0 0 2px 0; text-transform: uppercase; letter-spacing: 0.05em; color: #555; }
  #kg-legend .kg-glyph { display: inline-block; width: 18px; text-align: center; font-size: 15px; }
  #kg-legend .kg-count { color: #777; }
  #kg-legend .kg-empty { opacity: 0.45; }
  #kg-legend svg { vertical-align: middle; margin-right: 4px; }
  #kg-progress { position: absolute; top: 10px; right: 12px; font-size: 12px; color: #555; background: rgba(255,255,255,0.9); padding: 3px 8px; border-radius: 4px; z-index: 5; }
  div.vis-tooltip { max-width: 420px; white-space: normal; font-family: sans-serif; font-size: 12px; line-height: 1.35; padding: 6px 8px; }
  .kg-tip-head { font-weight: bold; font-size: 13px; margin-bottom: 2px; }
  .kg-tip-meta { color: #555; margin-bottom: 3px; }
  .kg-tip-line { margin-top: 2px; }
</style>
<script>{{ kg.vis_js }}</script>
</head>
<body>
<div id="kg-header">
  <h1>{{ heading }}</h1>
  <div class="kg-view" id="kg-view">{{ kg.view }}: {{ kg.shown }} of {{ kg.graph_nodes }} nodes, {{ kg.edges }} of {{ kg.graph_edges }} relationships{% if kg.cut %} <span class="kg-cut" id="kg-cut">{{ kg.cut[:1]|upper }}{{ kg.cut[1:] }}.</span>{% endif %}</div>
</div>
<div id="kg-main">
  <div id="mynetwork"></div>
  <div id="kg-legend" role="region" aria-label="Legend">
    <h2>Nodes</h2>
    {% for item in kg.legend_nodes %}<div class="kg-legend-node{% if not item.count %} kg-empty{% endif %}" data-kind="{{ item.kind }}"><span class="kg-glyph" style="color: {{ item.color }}">{{ item.glyph }}</span> {{ item.kind }} <span class="kg-count">({{ item.count }})</span></div>
    {% endfor %}
    <h2 style="margin-top: 6px">Relationships</h2>
    {% for item in kg.legend_edges %}<div class="kg-legend-edge{% if not item.count %} kg-empty{% endif %}" data-rel="{{ item.rel }}" title="{{ item.meaning }}"><svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{{ item.color }}" stroke-width="{{ item.width }}"{% if item.dasharray %} stroke-dasharray="{{ item.dasharray }}"{% endif %}/></svg>{{ item.rel }} <span class="kg-count">({{ item.count }})</span></div>
    {% endfor %}
    <div class="kg-count" style="margin-top: 4px">size: degree &middot; hover for details</div>
  </div>
  <div id="kg-progress">laying out&hellip;</div>
</div>
<script>
(function () {
  "use strict";
  var started = performance.now();
  window.kgViz = {stabilized: false, stabilizeMs: null, iterations: 0, nodeCount: 0, edgeCount: 0};

  // Tooltips: plain text lines -> DOM elements via textContent (never parsed as HTML).
  function tip(text, isNode) {
    var box = document.createElement("div");
    box.className = "kg-tip";
    String(text).split("\n").forEach(function (line, i) {
      var el = document.createElement("div");
      el.className = i === 0 ? "kg-tip-head" : (i === 1 && isNode ? "kg-tip-meta" : "kg-tip-line");
      el.textContent = line;
      box.appendChild(el);
    });
    return box;
  }

  var nodeData = {{ nodes|tojson }};
  var edgeData = {{ edges|tojson }};
  nodeData.forEach(function (n) { if (n.title !== undefined) { n.title = tip(n.title, true); } });
  edgeData.forEach(function (e) { if (e.title !== undefined) { e.title = tip(e.title, false); } });
  var nodes = new vis.DataSet(nodeData);
  var edges = new vis.DataSet(edgeData);
  var options = {{ options|safe }};
  var container = document.getElementById("mynetwork");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  var progress = document.getElementById("kg-progress");

  function settle(iterations) {
    if (window.kgViz.stabilized) { return; }
    network.setOptions({physics: {enabled: false}});   // stabilise once, then freeze
    window.kgViz.stabilized = true;
    window.kgViz.iterations = iterations || 0;
    window.kgViz.stabilizeMs = Math.round(performance.now() - started);
    progress.style.display = "none";
    document.body.setAttribute("data-stabilized", "true");
  }
  network.on("stabilizationProgress", function (p) {
    window.kgViz.iterations = p.iterations;
    progress.textContent = "laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", function () { settle(window.kgViz.iterations); });
  network.once("stabilized", function (p) { settle(p && p.iterations); });
  if (nodes.length === 0 || !options.physics || options.physics.enabled === false) { settle(0); }

  window.kgViz.network = network;
  window.kgViz.nodes = nodes;
  window.kgViz.edges = edges;
  window.kgViz.nodeCount = nodes.length;
  window.kgViz.edgeCount = edges.length;
})();
</script>
</body>
</html>
"""
