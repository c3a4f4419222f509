"""`kg evaluate` and the accuracy bars: each shared gold set, overall and per type, must stay within a small
margin of the figure measured when the bar was set, so that a regression in the linker fails CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.api import evaluate_gold_sets
from kg.cli import cli

DATA = Path(__file__).parent / "data"
SETS = ("dev.jsonl", "dev_unseen.jsonl")

MEASURED = {
    # typed F1 measured on each shared set by `kg evaluate` on 2026-12-05 (the linker and catalog of this commit)
    "dev.jsonl": {
        "overall": 0.941,
        "Method": 0.896,
        "Model": 0.962,
        "Dataset": 0.959,
        "Hardware": 1.0,
        "Framework": 0.947,
    },
    "dev_unseen.jsonl": {
        "overall": 0.954,
        "Method": 0.909,
        "Model": 0.978,
        "Dataset": 0.969,
        "Hardware": 0.949,
        "Framework": 0.929,
    },
}
METHOD_PRECISION = {"dev.jsonl": 0.945, "dev_unseen.jsonl": 0.929}
OVERALL_MARGIN = 0.01
"""About three entities of ~330: a real regression moves the overall score by more."""
TYPE_MARGIN = 0.03
"""Per type, one entity of the smallest type (~14 Frameworks) moves F1 by ~0.035; larger types by less."""


@pytest.fixture(scope="module")
def reports():
    return dict(zip(SETS, evaluate_gold_sets([DATA / s for s in SETS])))


@pytest.mark.parametrize("gold", SETS)
@pytest.mark.parametrize("part", ["overall", "Method", "Model", "Dataset", "Hardware", "Framework"])
def test_typed_f1_stays_at_the_measured_bar(reports, gold, part):
    typed = reports[gold]["typed"]
    f1 = typed["overall"]["f1"] if part == "overall" else typed["per_type"][part]["f1"]
    margin = OVERALL_MARGIN if part == "overall" else TYPE_MARGIN
    assert f1 >= MEASURED[gold][part] - margin, f"{gold} {part}: typed F1 {f1:.3f}, bar {MEASURED[gold][part]}"


@pytest.mark.parametrize("gold", SETS)
def test_method_precision_stays_at_the_measured_bar(reports, gold):
    precision = reports[gold]["typed"]["per_type"]["Method"]["precision"]
    assert precision >= METHOD_PRECISION[gold] - TYPE_MARGIN


def test_scores_split_by_origin_add_up(reports):
    for report in reports.values():
        typed, origins = report["typed"]["overall"], report["typed_by_origin"]
        assert origins["catalog"]["tp"] + origins["unknown"]["tp"] == typed["tp"]
        assert origins["catalog"]["fn"] + origins["unknown"]["fn"] == typed["fn"]
        assert origins["catalog"]["fp"] + origins["unknown"]["fp"] == typed["fp"]


def test_evaluate_cli_prints_each_set_and_the_origin_split():
    result = CliRunner().invoke(cli, ["evaluate", *(str(DATA / s) for s in SETS)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{DATA / 'dev.jsonl'}: 90 papers"
    assert f"{DATA / 'dev_unseen.jsonl'}: 80 papers" in lines
    assert sum(line.startswith("  unknown names") for line in lines) == 2


def test_evaluate_json_and_the_eval_alias():
    result = CliRunner().invoke(cli, ["eval", "--json", str(DATA / "dev.jsonl")])
    assert result.exit_code == 0
    (scores,) = json.loads(result.output)["sets"]
    assert scores["papers"] == 90 and "errors" not in scores
    assert scores["gold"] == str(DATA / "dev.jsonl")
    assert "eval " not in CliRunner().invoke(cli, ["--help"]).output  # listed once, as evaluate


def test_cross_validation_holds_each_set_out():
    result = CliRunner().invoke(cli, ["evaluate", "--json", "--cross-validate", *(str(DATA / s) for s in SETS)])
    assert result.exit_code == 0, result.output
    folds = json.loads(result.output)["cross_validation"]
    assert [f["held_out"] for f in folds] == [str(DATA / s) for s in SETS]
    assert [f["trained_on"] for f in folds] == [[str(DATA / SETS[1])], [str(DATA / SETS[0])]]
    for fold in folds:
        assert 0.5 <= fold["threshold"] <= 0.8 and 0.0 < fold["held_out_f1"] <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cross-validate", "dev.jsonl"], "Error: --cross-validate needs two or more GOLD sets"),
        (["missing.jsonl"], "Error: missing.jsonl: cannot read gold file"),
        (["bad.jsonl"], "Error: bad.jsonl:2: not a gold record"),
    ],
)
def test_evaluate_bad_input(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dev.jsonl").write_text((DATA / "dev.jsonl").read_text())
    (tmp_path / "bad.jsonl").write_text('{"title": "x", "entities": []}\nnot json\n')
    result = CliRunner().invoke(cli, ["evaluate", *args])
    assert result.exit_code in (1, 2)
    assert result.output.splitlines()[-1].startswith(message), result.output
