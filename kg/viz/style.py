"""How the graph is drawn: node and edge styles, vis-network's options, labels and plain-text tooltips."""

from __future__ import annotations

import re
from typing import Any

import networkx as nx

from kg.model.schema import Properties, Rel
from kg.viz.selection import PAPER, mentions, node_kind

ABSTRACT_EXCERPT = 280  # characters of an abstract in a paper's tooltip
PAPER_LABEL = 36  # characters of a title drawn beside a paper
DESCRIPTION_EXCERPT = 200  # characters of an entity's description in its tooltip
MAX_ALIASES = 12  # aliases listed in an entity's tooltip
MAX_SOURCES = 3  # input records listed in a paper's tooltip

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
EDGE_STYLES: dict[str, dict[str, Any]] = {
    Rel.MENTIONS.value: {"color": "#b4b9c2", "width": 1, "dashes": False, "meaning": "paper mentions entity"},
    Rel.INTRODUCES.value: {"color": "#e377c2", "width": 2.5, "dashes": False, "meaning": "paper introduces entity"},
    Rel.CITES.value: {"color": "#17becf", "width": 2, "dashes": [8, 5], "meaning": "paper builds on paper"},
    Rel.VARIANT_OF.value: {
        "color": "#8c564b",
        "width": 1.5,
        "dashes": [2, 4],
        "meaning": "entity is a variant of entity",
    },
}

# vis-network options: forceAtlas2Based stabilises a few hundred nodes in a few hundred
# iterations; the page switches physics off once stabilisation is done (see the template).
VIS_OPTIONS: dict[str, Any] = {
    "autoResize": True,
    "layout": {"improvedLayout": False, "randomSeed": 7},
    "physics": {
        "enabled": True,
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {
            "gravitationalConstant": -45,
            "centralGravity": 0.015,
            "springLength": 55,
            "springConstant": 0.08,
            "damping": 0.55,
            "avoidOverlap": 0.3,
        },
        "maxVelocity": 60,
        "minVelocity": 1.5,
        "timestep": 0.45,
        "adaptiveTimestep": True,
        "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 20, "fit": True},
    },
    "nodes": {
        "borderWidth": 1,
        "font": {"size": 13, "face": "sans-serif", "color": "#222222", "strokeWidth": 3, "strokeColor": "#ffffff"},
        "scaling": {
            "min": 7,
            "max": 40,
            "label": {"enabled": True, "min": 14, "max": 40, "maxVisible": 30, "drawThreshold": 5},
        },
    },
    "edges": {
        "smooth": False,
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
        "selectionWidth": 2,
        "hoverWidth": 1.5,
    },
    "interaction": {
        "hover": True,
        "tooltipDelay": 150,
        "hideEdgesOnDrag": True,
        "hideEdgesOnZoom": True,  # thousands of arrows drawn in software made zooming 2,000 nodes ~12 fps
        "keyboard": False,
        "multiselect": False,
        "navigationButtons": False,
    },
}


def squash(text: str) -> str:
    """Text on one line: runs of whitespace (newlines too) as one space."""
    return re.sub(r"\s+", " ", str(text)).strip()


def excerpt(text: str, limit: int = ABSTRACT_EXCERPT) -> str:
    """The start of a text, cut at a word boundary, with an ellipsis when cut."""
    text = squash(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",;:.") + "\u2026"


def short_label(text: str, limit: int = PAPER_LABEL) -> str:
    return excerpt(text, limit)


def node_label(data: Properties, node: str) -> str:
    """The text drawn beside a node: a paper's title, shortened, or an entity's name."""
    if node_kind(data) == PAPER:
        return short_label(data.get("title", ""))
    return squash(data.get("name", node))


def tooltip_lines(g: nx.MultiDiGraph, node: str) -> list[str]:
    """A node's tooltip as plain-text lines (the page sets them with textContent: never parsed as HTML)."""
    d = g.nodes[node]
    if node_kind(d) == PAPER:
        head = ["Paper"]
        if d.get("arxiv_id"):
            head.append(f"arXiv {d['arxiv_id']}")
        if d.get("year"):
            head.append(str(d["year"]))
        lines = [squash(d.get("title", "")), " \u00b7 ".join(head)]
        if d.get("abstract"):
            lines.append(excerpt(d["abstract"]))
        sources = list(d.get("sources", []))
        if sources:
            more = f" (+{len(sources) - MAX_SOURCES} more)" if len(sources) > MAX_SOURCES else ""
            lines.append("sources: " + ", ".join(sources[:MAX_SOURCES]) + more)
        return lines
    n = mentions(g, node)
    lines = [
        squash(d.get("name", "")),
        f"{d.get('type', 'Entity')} \u00b7 mentioned by {n} paper{'s' if n != 1 else ''}",
    ]
    aliases = [squash(a) for a in d.get("aliases", [])]
    if aliases:
        more = f" (+{len(aliases) - MAX_ALIASES} more)" if len(aliases) > MAX_ALIASES else ""
        lines.append("aliases: " + ", ".join(aliases[:MAX_ALIASES]) + more)
    if d.get("description"):
        lines.append(excerpt(d["description"], DESCRIPTION_EXCERPT))
    extra = [f"vendor {d['vendor']}" if d.get("vendor") else "", f"year {d['year']}" if d.get("year") else ""]
    if any(extra):
        lines.append(", ".join(x for x in extra if x))
    return lines


def edge_tooltip(g: nx.MultiDiGraph, u: str, v: str, key: str, data: Properties) -> str:
    text = key
    if key == Rel.MENTIONS.value:
        surfaces = ", ".join(data.get("surfaces", [])[:5])
        text += f" \u00d7{data.get('count', 1)}" + (f" as {surfaces}" if surfaces else "")
    elif key == Rel.CITES.value and data.get("via"):
        text += " via " + ", ".join(data["via"][:5])
    return text
