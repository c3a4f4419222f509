"""kg: turn ML paper listings into a citation-style knowledge graph.

The Python API mirrors the CLI: `kg.read_papers(...)`, `kg.link_papers(...)`.
"""

from kg.errors import KGError
from kg.ingest import read_papers
from kg.models import EntityType, LinkedPaper, Paper

__all__ = ["KGError", "EntityType", "LinkedPaper", "Paper", "read_papers"]
__version__ = "0.1.0"
