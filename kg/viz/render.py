"""A view of the graph as a pyvis `Network` (`to_pyvis`) and as a page written to a file (`render`)."""

from __future__ import annotations

import copy
import math
import os
import webbrowser
from pathlib import Path
from typing import Any

import networkx as nx

from kg.model.files import write_atomic
from kg.model.schema import Rel
from kg.viz.details import page_details
from kg.viz.page import PAGE_NAME, page_environment
from kg.viz.report import VizError, VizReport
from kg.viz.selection import DEFAULT_VIEW, PAPER, Selection, ViewOptions, neighbours, node_kind, select
from kg.viz.style import EDGE_STYLES, NODE_STYLES, VIS_OPTIONS, edge_tooltip, node_label, tooltip_lines

SMALL_VIEW = 100  # nodes: below this, longer springs, so labels do not sit on each other


def to_pyvis(
    graph: nx.MultiDiGraph,
    view: ViewOptions = DEFAULT_VIEW,
    *,
    selection: Selection | None = None,
    heading: str = "kg graph",
    totals: tuple[int, int] | None = None,
) -> Any:
    """A pyvis `Network` of a view of the graph (`select(graph, view)`, unless `selection` is given), styled and
    set up for kg's offline page.

    `net.write_html(path)` / `net.generate_html()` produce the self-contained
    page; `net.kg_selection` is the `Selection` drawn and `net.kg_counts` the
    node and relationship counts per type.
    """
    from pyvis.edge import Edge
    from pyvis.network import Network

    sel = selection or select(graph, view)
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
        # vis sizes nodes (and their labels) by `value`: the square root of the degree keeps hubs from swamping
        options: dict[str, Any] = {
            "title": "\n".join(tooltip_lines(graph, n)),
            "value": round(math.sqrt(degree[n]), 3),
            "degree": degree[n],
            "kind": kind,
            "color": {
                "background": style["color"],
                "border": "#333333" if n == sel.focus else style["color"],
                "highlight": {"background": style["color"], "border": "#000000"},
                "hover": {"background": style["color"], "border": "#000000"},
            },
        }
        if kind == PAPER:  # titles are long: keep their labels small, whatever the degree
            options["scaling"] = {"label": {"enabled": True, "min": 9, "max": 15, "maxVisible": 30, "drawThreshold": 5}}
        if n == sel.focus:
            options["borderWidth"] = 4
        net.add_node(n, label=node_label(d, n), shape=style["shape"], **options)
    edge_types = {r.value: 0 for r in Rel}
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        if u not in keep or v not in keep:
            continue
        style = EDGE_STYLES.get(key, EDGE_STYLES[Rel.MENTIONS.value])
        options = {
            "title": edge_tooltip(graph, u, v, key, data),
            "color": {"color": style["color"], "highlight": "#000000", "hover": "#444444"},
            "width": style["width"],
            "dashes": style["dashes"],
            "rel": key,
        }
        if key == Rel.INTRODUCES.value:  # drawn beside the MENTIONS edge between the same two nodes
            options["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25}
        net.edges.append(Edge(u, v, True, **options).options)  # add_edge checks membership in a list: O(n) each
        edge_types[key] = edge_types.get(key, 0) + 1
    net.options = copy.deepcopy(VIS_OPTIONS)
    if len(sel.nodes) < SMALL_VIEW:
        net.options["physics"]["forceAtlas2Based"].update(springLength=120, avoidOverlap=0.6)
    net.kg_selection = sel
    net.kg_counts = {"nodes": node_types, "edges": edge_types}
    net.templateEnv = page_environment(
        sel,
        node_types,
        edge_types,
        totals or (graph.number_of_nodes(), graph.number_of_edges()),
        page_details(graph, sel.nodes),
    )
    net.path = PAGE_NAME
    return net


def render(
    graph: nx.MultiDiGraph,
    output: str | os.PathLike[str] = "graph.html",
    view: ViewOptions = DEFAULT_VIEW,
    *,
    open_browser: bool = False,
    heading: str = "kg graph",
    selection: Selection | None = None,
    totals: tuple[int, int] | None = None,
) -> VizReport:
    """Write the view as one self-contained HTML page at `output`; open it in a browser if asked."""
    out = Path(output)
    if out.is_dir():
        raise VizError(f"cannot write {out}: it is a directory (give a file name, e.g. -o {out / 'graph.html'})")
    if not out.parent.exists():
        raise VizError(
            f"cannot write {out}: directory {out.parent} does not exist (create it or choose another -o path)"
        )
    net = to_pyvis(graph, view, heading=heading, selection=selection, totals=totals)
    html = net.generate_html()
    data = html.encode("utf-8")
    write_atomic(out, lambda f: f.write(html), error=VizError, option="-o")
    sel = net.kg_selection
    report = VizReport(
        output=str(out),
        nodes=len(sel.nodes),
        edges=sum(net.kg_counts["edges"].values()),
        node_types=net.kg_counts["nodes"],
        edge_types=net.kg_counts["edges"],
        graph_nodes=totals[0] if totals else graph.number_of_nodes(),
        graph_edges=totals[1] if totals else graph.number_of_edges(),
        focus=sel.focus,
        view=sel.view,
        cut=sel.cut,
        bytes=len(data),
    )
    if open_browser:
        webbrowser.open(out.resolve().as_uri())
    return report
