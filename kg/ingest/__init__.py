"""Read papers from files, directories, globs or stdin, in any supported format, and deduplicate them.

`read_papers(inputs)` is the library entry point (`read.py`). Beside it:
`inputs.py` expands what the inputs name, `decode.py` turns bytes into lines,
`formats.py` picks a parser, and the parsers (`listing.py`, `jsonl.py`,
`csvfile.py`) take lines, so tests feed them strings. `records.py` holds what
the parsers yield.
"""

from kg.ingest.decode import split_lines
from kg.ingest.formats import EXTENSIONS, FORMATS, PARSERS, detect_format
from kg.ingest.inputs import InputFiles, expand_inputs
from kg.ingest.read import (
    ReadReport,
    SkippedRecord,
    iter_records,
    merge_papers,
    merged_paper,
    read_papers,
)

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "PARSERS",
    "InputFiles",
    "ReadReport",
    "SkippedRecord",
    "detect_format",
    "expand_inputs",
    "iter_records",
    "merge_papers",
    "merged_paper",
    "read_papers",
    "split_lines",
]
