"""Interactive graph viewer: a self-contained HTML page (pyvis + vis-network, inlined, no CDN).

    from kg.viz import render
    report = render(store.graph, "graph.html", ViewOptions(entity="LoRA", hops=2))

- `selection`: which nodes a view shows: `ViewOptions` (what the user asked for, checked), and pure
  functions `candidates`, `ego_nodes`, `cap_nodes`, `select(graph, view)` -> `Selection`; `ego_selection` and
  `query_selection` for views read from a database (`kg.neighbourhood`).
- `style`: how they are drawn (colour and shape per node type, colour and dash per relationship
  type, vis-network's physics, labels and plain-text tooltips).
- `details`: what the page's details panel and search box know about each drawn node (`page_details`).
- `page`: the HTML page (template, vis-network inlined from pyvis, kg's `viewer.js` and `viewer.css`:
  search, type toggles, focus on click, details panel, export as PNG, CSV and JSON; escaping).
- `render`: `to_pyvis(graph, view)`, a styled `pyvis.network.Network` whose `write_html` writes the
  same offline page, and `render(graph, output, view) -> VizReport`, which writes it.
- `report`: `VizReport` and `VizError`.
"""

from kg.viz.render import render, to_pyvis
from kg.viz.report import VizError, VizReport
from kg.viz.selection import (
    DEFAULT_VIEW,
    ViewOptions,
    candidates,
    cap_nodes,
    ego_nodes,
    ego_selection,
    parse_types,
    query_selection,
    select,
)
from kg.viz.style import EDGE_STYLES, NODE_STYLES, excerpt, tooltip_lines

__all__ = [
    "EDGE_STYLES",
    "NODE_STYLES",
    "DEFAULT_VIEW",
    "ViewOptions",
    "VizError",
    "VizReport",
    "candidates",
    "cap_nodes",
    "ego_nodes",
    "ego_selection",
    "excerpt",
    "parse_types",
    "query_selection",
    "render",
    "select",
    "to_pyvis",
    "tooltip_lines",
]
