"""What the viewer hands back: `VizReport` for a page written, `VizError` for a view it cannot make."""

from __future__ import annotations

from kg.model.errors import KGError
from kg.model.types import Strict


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
        return f"wrote {self.output}: {self.view}, {self.nodes} nodes ({kinds}), {self.edges} relationships" + (
            f" ({rels})" if rels else ""
        )
