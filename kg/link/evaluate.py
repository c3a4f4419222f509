"""Scoring linker output against gold annotations (shared/gold/GUIDELINE.md).

An entity counts as found when a predicted entity of that paper has a name or
surface equal to the gold name or one of its surfaces, after lower-casing and
dropping everything but letters and digits; one-to-one. Gold entities marked
"unsure" count neither as misses nor, when found, as false positives (in the
typed scores too: an unsure entity found under another type is neutral).
Precision, recall and F1 are reported type-agnostic and typed, overall and
per type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kg.model.errors import InputError
from kg.model.schema import ENTITY_TYPES
from kg.model.text import match_key
from kg.model.types import LinkedPaper, Strict

if TYPE_CHECKING:
    from kg.link.linker import Linker

# An evaluation report: JSON-shaped (paper count, nested score tables, error records), which callers print or dump.
Report: TypeAlias = dict[str, Any]


class GoldEntity(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    type: str
    surfaces: list[str] = Field(default_factory=list)
    introduced: bool = False
    unsure: bool = False


class GoldPaper(BaseModel):
    model_config = ConfigDict(extra="ignore")
    key: str = ""
    title: str
    abstract: str = ""
    entities: list[GoldEntity] = Field(default_factory=list)


class Score(Strict):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def score_key(text: str) -> str:
    """The scoring convention's normal form: lower-cased, letters and digits only.

    Not `kg.model.text.match_key` on purpose: the gold sets' guideline defines this convention (any Unicode
    letter or digit kept, no NFKC or LaTeX handling), and scores must not move when the linker's key does."""
    return "".join(c for c in text.lower() if c.isalnum())


def read_gold(path: str | Path) -> list[GoldPaper]:
    papers = []
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), None, f"cannot read gold file: {exc}", "give a gold JSONL file") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            papers.append(GoldPaper.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(
                str(path),
                number,
                f"not a gold record: {str(exc).splitlines()[0]}",
                "each line needs title, abstract and entities",
            ) from None
    if not papers:
        raise InputError(str(path), None, "gold file has no records", "give a gold JSONL file")
    return papers


class Prediction(TypedDict):
    """A predicted entity as scoring sees it."""

    name: str
    type: str
    surfaces: list[str]


class ErrorRecord(TypedDict):
    """A gold entity missed ("miss") or a predicted one not in the gold set ("extra")."""

    key: str
    kind: Literal["miss", "extra"]
    name: str
    type: str
    surfaces: list[str]


def _keys(name: str, surfaces: Iterable[str]) -> set[str]:
    return {k for k in (score_key(s) for s in [name, *surfaces]) if k}


def match_paper(
    gold: Sequence[GoldEntity], pred: Sequence[Prediction], typed: bool
) -> tuple[list[tuple[int, int]], set[int]]:
    """One-to-one greedy matching; returns (gold index, pred index) pairs and preds absorbed by unsure gold."""
    pred_keys = [_keys(p["name"], p["surfaces"]) for p in pred]
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    absorbed: set[int] = set()
    order = sorted(range(len(gold)), key=lambda i: gold[i].unsure)
    for gi in order:
        g = gold[gi]
        gk = _keys(g.name, g.surfaces)
        for pi, pk in enumerate(pred_keys):
            if pi in used or not (gk & pk) or (typed and not g.unsure and pred[pi]["type"] != g.type):
                continue
            used.add(pi)
            if g.unsure:
                absorbed.add(pi)
            else:
                pairs.append((gi, pi))
            break
    return pairs, absorbed


ORIGINS = ("catalog", "unknown")
"""How a gold entity stands to the catalog: one it lists (by name or alias), or a name it has never seen,
which only discovery can find and type from its context."""


def evaluate(
    gold: Sequence[GoldPaper],
    predicted: Sequence[LinkedPaper],
    known: Callable[[GoldEntity], bool] | None = None,
) -> Report:
    """Scores and error lists for predictions aligned with gold papers (same order).

    With `known` (does the catalog list this gold entity?), the typed scores are also split by origin
    (`ORIGINS`): recall over the gold entities of each kind, precision over the predictions from the
    catalog and from discovery."""
    result: Report = {"papers": len(gold)}
    errors: list[ErrorRecord] = []
    by_origin = {o: Score() for o in ORIGINS}
    for typed in (False, True):
        overall = Score()
        per_type = {t: Score() for t in ENTITY_TYPES}
        for g, p in zip(gold, predicted):
            pred: list[Prediction] = [
                {"name": e.name, "type": e.type.value, "surfaces": e.surfaces} for e in p.entities
            ]
            pairs, absorbed = match_paper(g.entities, pred, typed)
            matched_gold = {gi for gi, _ in pairs}
            matched_pred = {pi for _, pi in pairs} | absorbed
            for gi, _pi in pairs:
                overall.tp += 1
                if typed:
                    per_type[g.entities[gi].type].tp += 1
                    if known is not None:
                        by_origin[_origin(known, g.entities[gi])].tp += 1
            if typed and known is not None:
                for gi, ge in enumerate(g.entities):
                    if gi not in matched_gold and not ge.unsure:
                        by_origin[_origin(known, ge)].fn += 1
                for pi, e in enumerate(p.entities):
                    if pi not in matched_pred:
                        by_origin["catalog" if e.source == "catalog" else "unknown"].fp += 1
            for gi, ge in enumerate(g.entities):
                if gi not in matched_gold and not ge.unsure:
                    overall.fn += 1
                    per_type[ge.type].fn += 1
                    if typed:
                        errors.append(
                            {"key": g.key, "kind": "miss", "name": ge.name, "type": ge.type, "surfaces": ge.surfaces}
                        )
            for pi, pe in enumerate(pred):
                if pi not in matched_pred:
                    overall.fp += 1
                    per_type[pe["type"]].fp += 1
                    if typed:
                        errors.append(
                            {
                                "key": g.key,
                                "kind": "extra",
                                "name": pe["name"],
                                "type": pe["type"],
                                "surfaces": pe["surfaces"],
                            }
                        )
            if not typed:
                for gi, _pi in pairs:
                    per_type[g.entities[gi].type].tp += 1
        label = "typed" if typed else "type_agnostic"
        result[label] = {"overall": overall.as_dict(), "per_type": {t: s.as_dict() for t, s in per_type.items()}}
    if known is not None:
        result["typed_by_origin"] = {o: score.as_dict() for o, score in by_origin.items()}
    result["errors"] = errors
    return result


def _origin(known: Callable[[GoldEntity], bool], entity: GoldEntity) -> str:
    return "catalog" if known(entity) else "unknown"


def evaluate_file(path: str | Path, linker: Linker | None = None) -> Report:
    """Run the linker over a gold file's papers (as one corpus) and score it."""
    from kg.link import Linker
    from kg.model.types import Paper

    gold = read_gold(path)
    linker = linker or Linker()
    papers = [Paper(id=g.key or str(i), title=g.title, abstract=g.abstract) for i, g in enumerate(gold)]
    by_alias = linker.resolver.by_alias

    def known(entity: GoldEntity) -> bool:
        return any(match_key(s) in by_alias for s in (entity.name, *entity.surfaces))

    return evaluate(gold, linker.link_many(papers), known)


THRESHOLD_GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
"""The discovery thresholds cross-validation tries: from one that keeps names with no type evidence (0.55) to
where only context-typed names are kept."""


class Fold(TypedDict):
    """One held-out set of a cross-validation: the threshold chosen on the others and both held-out scores."""

    held_out: str
    trained_on: list[str]
    threshold: float
    """`LinkerConfig.min_confidence` that gave the best typed F1 on `trained_on`."""
    trained_f1: float
    held_out_f1: float
    """Typed F1 on `held_out` with `threshold`."""
    shipped_f1: float
    """Typed F1 on `held_out` with the shipped configuration."""


def cross_validate(paths: Sequence[str | Path], make_linker: Callable[[float], Linker], shipped: float) -> list[Fold]:
    """Hold each gold set out in turn: choose the linker's one fitted number, the threshold under which a
    discovered name is dropped (`LinkerConfig.min_confidence`), on the other sets (best typed micro-F1 over
    `THRESHOLD_GRID`), then score the held-out set with it and with the `shipped` threshold.

    The rest of the linker, the catalog and the rules, is fixed: nothing else is fitted to the gold sets,
    so this measures how far the one tuned number carries. `make_linker(t)` is the linker with threshold `t`;
    each set is linked once per threshold, the shipped one among them."""
    if len(paths) < 2:
        raise ValueError("cross-validation needs two or more gold sets")
    gold = {str(p): read_gold(p) for p in paths}
    grid = sorted({*THRESHOLD_GRID, shipped})
    linkers = {t: make_linker(t) for t in grid}
    f1 = {(t, p): _typed_f1(gold[p], linker) for t, linker in linkers.items() for p in gold}
    folds: list[Fold] = []
    for held_out in gold:
        rest = [p for p in gold if p != held_out]
        pooled = {t: _pooled_f1([f1[(t, p)] for p in rest]) for t in THRESHOLD_GRID}
        best = max(THRESHOLD_GRID, key=lambda t: (round(pooled[t], 6), -t))
        folds.append(
            {
                "held_out": held_out,
                "trained_on": rest,
                "threshold": best,
                "trained_f1": round(pooled[best], 4),
                "held_out_f1": round(f1[(best, held_out)].f1, 4),
                "shipped_f1": round(f1[(shipped, held_out)].f1, 4),
            }
        )
    return folds


def _typed_f1(gold: Sequence[GoldPaper], linker: Linker) -> Score:
    from kg.model.types import Paper

    papers = [Paper(id=g.key or str(i), title=g.title, abstract=g.abstract) for i, g in enumerate(gold)]
    overall = evaluate(gold, linker.link_many(papers))["typed"]["overall"]
    return Score(tp=overall["tp"], fp=overall["fp"], fn=overall["fn"])


def _pooled_f1(scores: Sequence[Score]) -> float:
    """Micro-F1 over several sets: their counts added."""
    return Score(tp=sum(s.tp for s in scores), fp=sum(s.fp for s in scores), fn=sum(s.fn for s in scores)).f1
