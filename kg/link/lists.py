"""Coordinated lists of names: "on COCO, LVIS, ODinW and RefCOCO", "the four SoCs: Asus Tinker Edge R,
Raspberry Pi 4, Google Coral Dev Board, Nvidia Jetson Nano".

The items of a list are things of one kind, so the items whose type the linker knows (catalog entities)
type the ones it does not: a name only discovery found takes the list's type, and a capitalised item
between known ones that no rule found becomes an entity of that type. This is the coordination cue of
named-entity recognition (a conjunct shares its conjuncts' class), as used for instance by Collins and
Singer, "Unsupervised Models for Named Entity Classification" (EMNLP 1999), in spelling and context rules.
`coordinated_lists` and `list_type` are pure functions over the text and spans; `type_by_lists` applies them
to one paper's analysis.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from kg.link.analysis import EntityInfo, Hit, PaperAnalysis
from kg.link.discover.vocabulary import GENERIC, ORGANISATIONS, STOP_NAMES

if TYPE_CHECKING:
    from kg.link.config import LinkerConfig
    from kg.link.resolve import Resolution

_SEPARATOR_TEXT = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)"
SEPARATOR = re.compile(_SEPARATOR_TEXT)
"""What joins two items of a list: a comma, "and", "or", or a comma and one of them."""
_ITEM_TEXT = r"[A-Z][\w.+-]*(?: (?:[A-Z0-9][\w.+-]*|v\d[\w.]*))*"
ITEM = re.compile(_ITEM_TEXT)
"""An unlinked item: capitalised words, with digits and versions ("Asus Tinker Edge R", "Raspberry Pi 4")."""
MAX_SEPARATOR = len(", and ")
"""The longest separator: a longer gap between two linked names holds something else."""
MAX_GAP = 120
"""The longest run of unlinked items between two linked ones read as part of one list."""
MAX_ITEM_WORDS = 5
"""Longer capitalised runs are headings or sentences in title case, not product names."""
MIN_KNOWN = 2
"""Known items needed before a list may add an unlinked item as an entity: one could be a coincidence."""
MIN_KNOWN_TO_RETYPE = 1
"""Known items needed to retype a name discovery found but could not type ("UnifiedQA and CrossFit"): the
name is already a name, only its kind is open, and a conjunct shares its conjunct's kind."""
MIN_SHARE = 2 / 3
"""Share of the known items that must agree on the type."""


class ListItem(NamedTuple):
    """An item of a coordinated list: a linked span (`linked`, its index in the spans given) or a new name (-1).

    A typed tuple, not a dataclass: one is made for every linked name of every abstract."""

    start: int
    end: int
    linked: int


def _unlinked_item(text: str, start: int, end: int, stop_words: frozenset[str]) -> tuple[int, int] | None:
    """The capitalised name filling text[start:end] exactly, if it is one."""
    m = ITEM.fullmatch(text, start, end)
    if not m:
        return None
    words = m.group(0).split()
    if len(words) > MAX_ITEM_WORDS or all(w.lower() in stop_words for w in words):
        return None
    return start, end


def coordinated_lists(
    text: str, spans: Sequence[tuple[int, int]], stop_words: frozenset[str] = frozenset()
) -> list[list[ListItem]]:
    """Runs of `spans` (sorted by start, not overlapping) joined by list separators, with the unlinked
    capitalised items between and just before them; single items are left out."""
    runs: list[list[ListItem]] = []
    run: list[ListItem] = []
    prev_end = -1
    for i, (start, end) in enumerate(spans):
        if run:
            gap = start - prev_end
            if gap <= MAX_SEPARATOR and SEPARATOR.fullmatch(text, prev_end, start):
                run.append(ListItem(start, end, i))
                prev_end = end
                continue
            filled = (
                _fill_gap(text, prev_end, start, stop_words)
                if gap <= MAX_GAP and text.startswith(_SEPARATOR_STARTS, prev_end)
                else None
            )
            if filled is not None:
                run.extend(filled)
                run.append(ListItem(start, end, i))
                prev_end = end
                continue
            if len(run) >= 2:
                runs.append(run)
        leading = _leading_items(text, start, stop_words) if text.endswith(_SEPARATOR_ENDS, start - 5, start) else []
        run = [*leading, ListItem(start, end, i)]
        prev_end = end
    if len(run) >= 2:
        runs.append(run)
    return runs


def _fill_gap(text: str, start: int, end: int, stop_words: frozenset[str]) -> list[ListItem] | None:
    """Unlinked items between two linked ones (", Asus Tinker Edge R, "), or None when the gap is not a list's."""
    if not SEPARATOR.match(text, start, end):
        return None  # prose between two names, not ", A, B, " (the cheap test first: most gaps are prose)
    gap = text[start:end]
    pieces = SEPARATOR.split(gap)
    if len(pieces) < 3 or pieces[0] or pieces[-1]:
        return None
    items = []
    pos = start
    for m in SEPARATOR.finditer(gap):
        piece_end = start + m.start()
        if piece_end > pos:
            found = _unlinked_item(text, pos, piece_end, stop_words)
            if found is None:
                return None
            items.append(ListItem(found[0], found[1], -1))
        pos = start + m.end()
    return items


_SEPARATOR_ENDS = (", ", ",", " and ", " or ")
"""How the text before a list's first linked item ends if unlinked items come before it (a cheap first test)."""
_SEPARATOR_STARTS = (",", " and ", " or ")
"""How a gap between two linked items starts if it holds unlinked items of their list (a cheap first test)."""
OPENERS = (":", "(", "such as ", "including ", "like ", "e.g. ", "e.g., ", "namely ", "upon ")
"""What opens a list whose first items are not linked: ": Asus Tinker Edge R, ", "such as A, "."""
LEADING = re.compile(r"\s*((?:" + _ITEM_TEXT + _SEPARATOR_TEXT + r")+)")
"""The unlinked items between an opener and a list's first linked item."""


def _leading_items(text: str, start: int, stop_words: frozenset[str]) -> list[ListItem]:
    """Unlinked items before a list's first linked one, back to an opener ("such as", ":")."""
    window = max(0, start - 160)
    opened = -1
    for opener in OPENERS:
        at = text.rfind(opener, window, start)
        if at >= 0:
            opened = max(opened, at + len(opener))
    if opened < 0:
        return []
    m = LEADING.fullmatch(text, opened, start)  # one attempt from the opener, not a search over the window
    if not m:
        return []
    items = []
    pos = m.start(1)
    for sep in SEPARATOR.finditer(text, m.start(1), start):
        found = _unlinked_item(text, pos, sep.start(), stop_words)
        if found is None:
            return []
        items.append(ListItem(found[0], found[1], -1))
        pos = sep.end()
    return items


def list_type(types: Sequence[str | None], min_known: int = MIN_KNOWN) -> str | None:
    """The type most known items of a list share, when enough of them agree (`min_known`, `MIN_SHARE`)."""
    counts: dict[str, int] = {}
    for t in types:
        if t is not None:
            counts[t] = counts.get(t, 0) + 1
    total = sum(counts.values())
    if total < min_known:
        return None
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] >= min_known and counts[best] / total >= MIN_SHARE else None


LIST_STOP_WORDS = STOP_NAMES | GENERIC | ORGANISATIONS
"""Words that alone are no list item's name ("the", "GPUs", "NVIDIA")."""


def _may_change(a: PaperAnalysis, text: str, sure: float) -> bool:
    """A cheap test before `type_by_lists`, true of every paper it would change (one in fifty): a name is
    followed by a list separator and then by a capitalised word no hit starts at (an item to add), or by a
    name of which one of the two is a discovered name typed by less than its context (one to retype); or a
    name is preceded by a separator (unlinked items may come before it)."""
    by_start = {h.start: h for h in a.hits}
    entities = a.entities
    for h in a.hits:
        if not text.startswith(_SEPARATOR_STARTS, h.end):
            continue
        m = SEPARATOR.match(text, h.end)
        if m is None or m.end() >= len(text):
            continue
        after = by_start.get(m.end())
        if after is None:
            if text[m.end()].isupper():
                return True
            continue
        for info in (entities[h.entity_id], entities[after.entity_id]):
            if info.source == "discovered" and info.confidence < sure:
                return True
    for h in a.hits:
        if h.start >= 5 and text.endswith(_SEPARATOR_ENDS, h.start - 5, h.start):
            if _leading_items(text, h.start, LIST_STOP_WORDS):
                return True
    return False


def type_by_lists(
    a: PaperAnalysis,
    text: str,
    resolve: Callable[[str], Resolution | None],
    add_catalog: Callable[[PaperAnalysis, str], None],
    slug: Callable[[str], str],
    config: LinkerConfig,
) -> None:
    """Items of a coordinated list take the type its known items share (see `kg.link.lists`): a
    discovered name typed by less than its context is retyped, an unlinked item becomes an entity."""
    hits = a.hits
    if len(hits) < 2 or not _may_change(a, text, config.typed_by_context_confidence):
        return
    spans: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if not spans or h.start >= spans[-1].end:
            spans.append(h)
    runs = coordinated_lists(text, [(h.start, h.end) for h in spans], LIST_STOP_WORDS)
    if not runs:
        return
    entities, sure = a.entities, config.typed_by_context_confidence
    list_confidence = config.list_confidence
    for run in runs:
        known: list[str | None] = []
        for item in run:
            info = entities[spans[item.linked].entity_id] if item.linked >= 0 else None
            known.append(info.type if info is not None and info.confidence >= sure else None)
        kind = list_type(known, MIN_KNOWN_TO_RETYPE)
        if kind is None:
            continue
        for item in run:
            if item.linked >= 0:
                info = entities[spans[item.linked].entity_id]
                if info.source == "discovered" and info.confidence < sure:
                    info.type, info.confidence = kind, list_confidence
        if list_type(known) is None:
            continue  # enough to retype what discovery found, not to make entities of bare words
        for item in run:
            if item.linked >= 0:
                continue
            surface = text[item.start : item.end]
            resolved = resolve(surface)
            if resolved is not None:
                eid = resolved.entity_id
                add_catalog(a, eid)
            else:
                eid = slug(surface)
                if eid not in entities:
                    entities[eid] = EntityInfo(surface, kind, "discovered", list_confidence)
            a.hits.append(Hit(item.start, item.end, eid, "list", list_confidence))
