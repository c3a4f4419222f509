"""Interactive graph viewer: a self-contained HTML page (pyvis + vis-network, inlined, no CDN).

    from kg.viz import render
    report = render(store.graph, "graph.html", entity="LoRA", hops=2)

- `selection`: which nodes a view shows (pure functions: `parse_types`, `candidates`, `ego_nodes`,
  `cap_nodes`, `select` -> `Selection`).
- `style`: how they are drawn (colour and shape per node type, colour and dash per relationship
  type, vis-network's physics, labels and plain-text tooltips).
- `page`: the HTML page (template, vis-network inlined from pyvis, escaping).
- `render`: `to_pyvis(graph, ...)`, a styled `pyvis.network.Network` whose `write_html` writes the
  same offline page, and `render(graph, output, ...) -> VizReport`, which writes it.
- `report`: `VizReport` and `VizError`.
"""

from kg.viz.render import render, to_pyvis
from kg.viz.report import VizError, VizReport
from kg.viz.selection import (
    candidates,
    cap_nodes,
    check_options,
    ego_nodes,
    ego_selection,
    filters_text,
    parse_types,
    select,
)
from kg.viz.style import EDGE_STYLES, NODE_STYLES, excerpt, tooltip_lines

__all__ = [
    "EDGE_STYLES",
    "NODE_STYLES",
    "VizError",
    "VizReport",
    "candidates",
    "cap_nodes",
    "check_options",
    "ego_nodes",
    "ego_selection",
    "excerpt",
    "filters_text",
    "parse_types",
    "render",
    "select",
    "to_pyvis",
    "tooltip_lines",
]
