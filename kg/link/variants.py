"""Version, size and derivation grammar around a catalog name: where a mention of a named variant ends.

A catalog hit is often the start of a more specific name: a size ("Llama-2 7B", "70B Llama-2"), a release
("InternVL-Chat-V1.5", "OWSM v3.1", "AlpacaEval 2.0", "Whisper large-v3"), a year edition ("COCO 2017",
"YouTube-VOS 2018") or a model derived from the family ("SWE-Llama", "Audio-MAE", "LLaVA-Med"). The
guideline keeps such names distinct from their family when the text is specific, so the linker makes each
its own node, `VARIANT_OF` the family. These are pure functions over the text; the linker decides what to
do with the spans.
"""

from __future__ import annotations

import re

_SIZE = r"\d+(?:\.\d+)?[BMK]|\d+x\d+[BM]"
_NOT_A_QUANTITY = r"(?![\w%\u00d7]|\s*(?:x|times|points?|pp|percent)\b)"
"""After a decimal: "Llama 2 2.5x faster" or "GPT-4 3.1 points" is a quantity, not a release."""
VERSION = (
    r"[- ][Vv]\d+(?:\.\d+)*(?![\w])"  # " v3.1", "-V1.5", "-v2"
    r"|[- ]\d+\.\d+(?:\.\d+)?" + _NOT_A_QUANTITY + "|"  # " 2.0"
    r"[- ](?:tiny|base|small|medium|large)-v\d+(?![\w])"  # Whisper's " large-v3"
    r"|[- ][a-z]\d+\.\d+(?![\w])"  # " b1.58"
)
VARIANT_SUFFIX = re.compile(
    r"(?:(?:-| )(?:" + _SIZE + r")(?![\w])|[- ](?:XXL|XL|[SBLHG])/\d+(?![\w])|"
    r"-(?:[Bb]ase|[Ll]arge|[Ss]mall|[Tt]iny|[Hh]uge|XXL|XL|Instruct|Chat|Math|Coder|it|[SBLHGT])(?![\w])|"
    + VERSION
    + ")+"
)
"""Sizes, sizes of a family and releases after a model name ("-7B", "-Chat-7B", "-XL/2", "-v1.5 7B")."""
DATASET_SUFFIX = re.compile(r"(?:" + VERSION + r"|[- ]?(?:19|20)\d\d(?![\w.])| '\d\d(?![\w.]))+")
"""Releases and year editions after a dataset name ("AlpacaEval 2.0", "COCO 2017", "YouTube-VOS 2018", "AIME '24")."""
HYPHEN_SUFFIX = re.compile(r"-(?:[A-Z0-9][\w+]*|[a-z]{1,2}\d[\w]*)(?:-(?:[A-Z0-9][\w+]*))*(?![\w-])")
"""A capitalised or coded part glued on with a hyphen ("COCO-POS", "LLaVA-Med", "Muon-M")."""
DESCRIPTIVE_SUFFIX = re.compile(
    r"-(?:[A-Za-z]\w{2,}(?:ed|ing|ly|ive|able|ible|ful|less)|Based|Like|Style|Free|Aware|Specific|Only|Level|Scale|Wise|"
    r"Agnostic|Friendly|Ready|Compatible|Native|Centric|Oriented|Size|Sized)(?![\w-])"
)
"""A hyphenated describing word, which makes an adjective of the name, not a new name ("LoRA-based")."""
SIZE_BEFORE = re.compile(r"(?<![\w.])(?:" + _SIZE + r") $")
"""A size written before a model name ("the 70B Llama-2 model")."""
DERIVED_PREFIX = re.compile(r"(?<![\w-])(?:[A-Z][A-Za-z0-9]*|[a-z]+\d[a-z0-9]*)-$")
"""A capitalised or coded word glued before a name with a hyphen ("SWE-Llama", "w2v-BERT", "Audio-MAE")."""


_AFTER_SPACE = frozenset("vVXSBLHGbtsml'")
"""What a suffix may start with after a space, besides a digit ("v3.1", "XL/2", "large-v3", "b1.58", "'24")."""


def variant_suffix(text: str, end: int, entity_type: str) -> re.Match[str] | None:
    """The size/release/edition suffix right after a catalog name of `entity_type` ending at `end`, if any."""
    after = text[end : end + 2]
    if not after or (after[0] == " " and not (after[1:].isdigit() or after[1:] in _AFTER_SPACE)):
        return None  # " and", " model": most names are followed by a plain word, which no suffix starts with
    if entity_type == "Model":
        if text.startswith(("-", " "), end):
            m = VARIANT_SUFFIX.match(text, end)
            if m:
                return m
    elif entity_type == "Dataset":
        m = DATASET_SUFFIX.match(text, end)
        if m:
            return m
    if text.startswith("-", end):
        m = HYPHEN_SUFFIX.match(text, end)
        if m and not DESCRIPTIVE_SUFFIX.match(m.group(0)):
            return m
    return None


def size_before(text: str, start: int) -> str | None:
    """The size written right before a model name starting at `start` ("70B " in "the 70B Llama-2"), else None."""
    if start < 3 or text[start - 1] != " " or text[start - 2] not in "BMK":
        return None
    m = SIZE_BEFORE.search(text, max(0, start - 12), start)
    return m.group(0).strip() if m else None


def derived_prefix(text: str, start: int) -> int | None:
    """Where a word glued with a hyphen before a name starting at `start` begins ("SWE-" of "SWE-Llama")."""
    if start < 2 or text[start - 1] != "-":
        return None
    m = DERIVED_PREFIX.search(text, max(0, start - 24), start)
    return m.start() if m else None


COMPOUND_BEFORE = re.compile(r"(?<=[a-z,;] )((?:[A-Z][a-z]+(?:-[A-Z][a-z]+)* )+)$")
"""Capitalised words before a name, in running text, after a lower-case word or a comma: "a lightweight
Querying Transformer", "termed the Energy-Based Transformer"."""
COMPOUND_STOP = frozenset("the a an our this that we it in on of for and or with by to as".split())


def compound_start(text: str, start: int) -> int | None:
    """Where capitalised words glued before an architecture's name start ("Querying " of "Querying
    Transformer"), else None; the words must not begin a sentence nor be function words."""
    m = COMPOUND_BEFORE.search(text, max(0, start - 60), start)
    if not m:
        return None
    words = m.group(1).split()
    if any(w.lower() in COMPOUND_STOP for w in words):
        return None
    return m.start(1)
