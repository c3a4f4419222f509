"""The viewer's HTML page: its Jinja template, vis-network inlined from pyvis's package, and the page's data.

The page loads nothing from the network: vis-network's JS and CSS are inlined
and a Content-Security-Policy forbids every other source. Physics stabilises
once and is then switched off (see `settle` in the template).

Escaping: titles and abstracts are untrusted. Node and edge data reach the page
only as JSON inside a script (`tojson`: `<`, `>`, `&` and `'` become `\\u00XX`
escapes), and so does the details panel's data (`window.kgDetails`). Tooltips,
search suggestions and the details panel are built in the page as DOM elements
whose text is set with `textContent` (never `innerHTML`). Every other string
(heading, legend, the message about what was cut) goes through Jinja's HTML
autoescaping. Labels are drawn on the canvas as text.

Export (the toolbar's PNG, CSV and JSON buttons, viewer.js): files are made in
the page and saved through a Blob's object URL clicked as an `<a download>`. That
is a download, not a fetch: the CSP above governs no download, and nothing is
requested. CSV cells are quoted as RFC 4180 says and never start a formula.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.viz.report import VizError
from kg.viz.selection import Selection
from kg.viz.style import EDGE_STYLES, NODE_STYLES

if TYPE_CHECKING:
    from jinja2 import Environment

PAGE_NAME = "kg_viz.html"  # the template's name, which pyvis renders as `net.path`


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


@lru_cache(maxsize=1)
def viewer_assets() -> tuple[str, str]:
    """kg's own viewer JS and CSS (search, toggles, focus, details panel: package data next to this module)."""
    here = Path(__file__).parent
    js = (here / "viewer.js").read_text(encoding="utf-8").replace("</", "<\\/")
    css = (here / "viewer.css").read_text(encoding="utf-8").replace("</", "<\\/")
    return js, css


def page_environment(
    sel: Selection,
    node_types: dict[str, int],
    edge_types: dict[str, int],
    totals: tuple[int, int],
    details: dict[str, dict[str, Any]] | None = None,
) -> Environment:
    """The Jinja environment pyvis renders the page with: kg's template, and as `kg` the page's own data
    (assets, legend with counts, the view's description and what was cut, shown and total counts, and the
    details panel's data per node)."""
    from jinja2 import DictLoader, Environment, select_autoescape
    from markupsafe import Markup

    js, css = vis_assets()
    viewer_js, viewer_css = viewer_assets()
    details = details or {}
    max_mentions = max((d.get("mention_count", 0) for d in details.values() if d["kind"] != "Paper"), default=0)
    legend_nodes = [{"kind": k, "count": node_types.get(k, 0), **NODE_STYLES[k]} for k in NODE_STYLES]
    legend_edges = [
        {
            "rel": r,
            "count": edge_types.get(r, 0),
            **EDGE_STYLES[r],
            "dasharray": " ".join(map(str, EDGE_STYLES[r]["dashes"])) if EDGE_STYLES[r]["dashes"] else "",
        }
        for r in EDGE_STYLES
    ]
    env = Environment(
        loader=DictLoader({PAGE_NAME: PAGE_TEMPLATE}),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.globals.update(
        {
            "kg": {
                "vis_js": Markup(js),
                "vis_css": Markup(css),
                "viewer_js": Markup(viewer_js),
                "viewer_css": Markup(viewer_css),
                "details": details,
                "max_mentions": max_mentions,
                "legend_nodes": legend_nodes,
                "legend_edges": legend_edges,
                "view": sel.view,
                "cut": sel.cut,
                "shown": len(sel.nodes),
                "edges": sum(edge_types.values()),
                "graph_nodes": totals[0],
                "graph_edges": totals[1],
            }
        }
    )
    return env


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
  #kg-progress { position: absolute; bottom: 10px; left: 12px; font-size: 12px; color: #555; background: rgba(255,255,255,0.9); padding: 3px 8px; border-radius: 4px; z-index: 5; }
  div.vis-tooltip { max-width: 420px; white-space: normal; font-family: sans-serif; font-size: 12px; line-height: 1.35; padding: 6px 8px; }
  .kg-tip-head { font-weight: bold; font-size: 13px; margin-bottom: 2px; }
  .kg-tip-meta { color: #555; margin-bottom: 3px; }
  .kg-tip-line { margin-top: 2px; }
</style>
<style>{{ kg.viewer_css }}</style>
<script>{{ kg.vis_js }}</script>
</head>
<body>
<div id="kg-header">
  <h1>{{ heading }}</h1>
  <div class="kg-view" id="kg-view">{{ kg.view }}: {{ kg.shown }} of {{ kg.graph_nodes }} nodes, {{ kg.edges }} of {{ kg.graph_edges }} relationships{% if kg.cut %} <span class="kg-cut" id="kg-cut">{{ kg.cut[:1]|upper }}{{ kg.cut[1:] }}.</span>{% endif %}</div>
  <div id="kg-tools">
    <input id="kg-search" type="search" placeholder="Search names and aliases&hellip;" aria-label="Search nodes" autocomplete="off" spellcheck="false">
    <button id="kg-reset" type="button" disabled>Reset view (Esc)</button>
    <span id="kg-export" role="group" aria-label="Export the view">Export
      <button id="kg-export-png" type="button" title="The drawing as it is now, as a PNG image">PNG</button>
      <button id="kg-export-csv" type="button" title="The nodes in view (not hidden by a toggle, the slider or a hop view), as CSV">CSV</button>
      <button id="kg-export-json" type="button" title="The nodes and relationships in view, as JSON">JSON</button>
    </span>
    <div id="kg-hits" role="listbox"></div>
  </div>
</div>
<div id="kg-main">
  <div id="mynetwork"></div>
  <div id="kg-legend" role="region" aria-label="Legend">
    <h2>Nodes</h2>
    {% for item in kg.legend_nodes %}<div class="kg-legend-node{% if not item.count %} kg-empty{% endif %}" data-kind="{{ item.kind }}"><label><input type="checkbox" data-toggle="kind" value="{{ item.kind }}" checked><span class="kg-glyph" style="color: {{ item.color }}">{{ item.glyph }}</span> {{ item.kind }} <span class="kg-count">({{ item.count }})</span></label></div>
    {% endfor %}
    <h2 style="margin-top: 6px">Relationships</h2>
    {% for item in kg.legend_edges %}<div class="kg-legend-edge{% if not item.count %} kg-empty{% endif %}" data-rel="{{ item.rel }}" title="{{ item.meaning }}"><label><input type="checkbox" data-toggle="rel" value="{{ item.rel }}" checked><svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{{ item.color }}" stroke-width="{{ item.width }}"{% if item.dasharray %} stroke-dasharray="{{ item.dasharray }}"{% endif %}/></svg>{{ item.rel }} <span class="kg-count">({{ item.count }})</span></label></div>
    {% endfor %}
    {% if kg.max_mentions > 1 %}<div class="kg-slider" style="margin-top: 6px"><label>min. mentions <input id="kg-min-mentions" type="range" min="0" max="{{ kg.max_mentions }}" value="0" step="1"> <span id="kg-min-mentions-value">0</span></label></div>{% endif %}
    <div class="kg-count" style="margin-top: 4px">size: degree &middot; click to focus, double-click for its neighbours</div>
  </div>
  <div id="kg-details" role="region" aria-label="Details"></div>
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
window.kgDetails = {{ kg.details|tojson }};
{{ kg.viewer_js }}
</script>
</body>
</html>
"""
