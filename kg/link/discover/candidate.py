"""What every discovery rule returns: a `Candidate` name with its type, confidence and surfaces."""

from __future__ import annotations

from typing import NamedTuple


class Candidate(NamedTuple):
    """A discovered mention: `surfaces` are (text, start, end); the first is the name."""

    name: str
    type: str
    confidence: float
    introduced: bool
    rule: str
    surfaces: tuple[tuple[str, int, int], ...]
