import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.ingest import detect_format, read_papers
from kg.ingest.csvfile import parse_csv
from kg.ingest.jsonl import normalise_arxiv_id, parse_jsonl
from kg.ingest.listing import parse_listing
from kg.ingest.records import MAX_LINE_BYTES, Record, Skip
from kg.model.text import match_key, strip_latex

DATA = Path(__file__).parent / "data"
INPUTS = DATA / "inputs"
SEEDS = Path(__file__).parent.parent / "data" / "seeds"


def records(items):
    return [r for r in items if isinstance(r, Record)]


def test_listing_blank_line_layout():
    recs = records(parse_listing((INPUTS / "listing_blank.txt").read_text().splitlines(keepends=True), "x"))
    assert [r.title for r in recs] == [
        "GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism",
        "ZeRO: Memory Optimizations Toward Training Trillion Parameter Models",
    ]
    assert recs[0].abstract.startswith("We introduce GPipe")
    assert recs[0].line == 13


def test_listing_line_layout_with_glued_header():
    recs = records(parse_listing((INPUTS / "listing_lines.txt").read_text().splitlines(keepends=True), "x"))
    assert [r.title for r in recs] == [
        "Mixture-of-Experts with Expert Choice Routing",
        "PixArt-$\\alpha$: Fast Training of Diffusion Transformer",
    ]
    assert recs[1].abstract.startswith("We train E$^{2}$GAN")
    assert [r.line for r in recs] == [3, 5]


def test_listing_trailing_title_keeps_empty_abstract():
    recs = records(parse_listing(["Title One\n", "Abstract one.\n", "Lonely Title\n"], "x"))
    assert [(r.title, r.abstract) for r in recs] == [("Title One", "Abstract one."), ("Lonely Title", "")]


def test_sample_corpus_counts():
    report = read_papers([SEEDS])
    assert report.records_read == 592
    assert report.distinct_papers == 531
    assert report.duplicates_merged == 61
    assert report.skipped == []
    merged = [p for p in report.papers if len(p.sources) > 1]
    assert all(len({(s.file, s.line) for s in p.sources}) == len(p.sources) for p in merged)


def test_jsonl_fields_and_ignored_extras():
    recs = records(parse_jsonl((INPUTS / "papers.jsonl").read_text().splitlines(), "p.jsonl"))
    assert (
        recs[0].arxiv_id == "1811.06965"
        and recs[0].year == 2018
        and recs[0].authors == ["Yanping Huang", "Youlong Cheng"]
    )
    assert recs[1].id == "my-id-1" and recs[1].arxiv_id is None and recs[1].url == "https://example.org/llamarl"


def test_arxiv_snapshot_wrapped_title_and_latex():
    report = read_papers([INPUTS / "arxiv.jsonl"])
    p = report.papers[0]
    assert p.id == "2101.00001"
    assert p.title == "Scaling Laws for Neural Language Models"
    assert p.abstract.startswith("We study empirical scaling laws")
    assert p.authors == ["Alice Smith", "Bob Jones", "Carol White"]
    assert p.categories == ["cs.LG", "stat.ML"] and p.year == 2021
    assert report.papers[1].id == "hep-th/9901001" and report.papers[1].year == 1999


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("arXiv:2101.00001v2", "2101.00001"),
        ("https://arxiv.org/abs/1811.06965", "1811.06965"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("not-an-id", None),
    ],
)
def test_normalise_arxiv_id(raw, expected):
    assert normalise_arxiv_id(raw) == expected


def test_csv_plain_and_gzip():
    for name in ("papers.csv", "papers.csv.gz"):
        report = read_papers([INPUTS / name])
        assert [p.title for p in report.papers] == ["Attention Is All You Need", "Deep Residual Learning"]
        assert report.papers[1].abstract == "ResNet on ImageNet, with commas, inside."
        assert report.papers[0].year == 2017


def test_csv_without_title_column_is_reported():
    items = list(parse_csv(["name_of_thing,abstract\n", "a,b\n"], "t.csv"))
    assert isinstance(items[0], Skip) and "no 'title' column" in items[0].reason


def test_csv_field_over_the_csv_module_limit_is_read_and_the_limit_left_as_it_was():
    default = csv.field_size_limit()
    abstract = "x" * (default + 1000)  # over the csv module's limit, far under kg's line limit
    items = parse_csv(["title,abstract\n", f'"Long","{abstract}"\n', "Short,abs\n"], "t.csv")
    first = next(items)
    assert csv.field_size_limit() == default  # between rows too: the caller sees the limit it set
    assert [r.abstract for r in records([first, *items])] == [abstract, "abs"]
    assert csv.field_size_limit() == default


def test_csv_field_limit_set_higher_by_the_caller_is_kept():
    default = csv.field_size_limit()
    csv.field_size_limit(MAX_LINE_BYTES * 2)
    try:
        assert [r.title for r in records(parse_csv(["title\n", "A\n"], "t.csv"))] == ["A"]
        assert csv.field_size_limit() == MAX_LINE_BYTES * 2
    finally:
        csv.field_size_limit(default)


def test_duplicate_across_formats_is_one_paper_with_both_sources():
    report = read_papers([INPUTS / "listing_blank.txt", INPUTS / "papers.jsonl"])
    gpipe = [p for p in report.papers if p.title.startswith("GPipe")]
    assert len(gpipe) == 1
    assert [s.file.rsplit("/", 1)[-1] for s in gpipe[0].sources] == ["listing_blank.txt", "papers.jsonl"]
    assert gpipe[0].arxiv_id == "1811.06965"
    assert report.duplicates_merged == 1


def test_stable_title_id():
    a = read_papers([INPUTS / "listing_blank.txt"]).papers[0].id
    b = read_papers([INPUTS / "listing_blank.txt"]).papers[0].id
    assert a == b and a.startswith("t-")


def test_latex_normalised_for_matching_but_kept_for_display():
    report = read_papers([INPUTS / "listing_lines.txt"])
    assert report.papers[1].title == "PixArt-$\\alpha$: Fast Training of Diffusion Transformer"
    assert strip_latex("E$^{2}$GAN") == "E2GAN"
    assert strip_latex("PixArt-$\\alpha$") == "PixArt-α"
    assert match_key("PixArt-$\\alpha$") == match_key("PixArt-α") == "pixartα"


def test_glob_directory_and_stdin(monkeypatch):
    assert read_papers([str(INPUTS / "*.csv")]).files == 1
    assert read_papers([INPUTS]).files == len([p for p in INPUTS.iterdir() if p.is_file()])
    data = gzip.compress((INPUTS / "papers.jsonl").read_bytes())
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert read_papers(["-"]).distinct_papers == 2


@pytest.mark.parametrize(
    "name,head,expected",
    [
        ("a.jsonl", b'{"title": "x"}', "jsonl"),
        ("a.txt", b'{"title": "x"}', "jsonl"),
        ("a.csv", b"title,abstract\n", "csv"),
        ("noext", b"title,abstract\n", "csv"),
        ("noext", b"Get trending papers in your email inbox!\n", "listing"),
        ("a.txt.gz", b"Some Title\nSome abstract\n", "listing"),
        ("a.pdf", b"%PDF-1.4 stuff", None),
    ],
)
def test_detect_format(name, head, expected):
    assert detect_format(name, head) == expected


BAD_CASES = [
    ("empty.txt", b"", "{path}: file is empty (give a file with at least one paper, or pass --skip-bad to skip it)"),
    (
        "blank.jsonl",
        b"\n  \n",
        "{path}: file is empty (give a file with at least one paper, or pass --skip-bad to skip it)",
    ),
    (
        "bin.dat",
        b"\x7fELF\x00\x01\x02",
        "{path}: binary file, not text (give a text file: listing, JSONL, arXiv JSONL or CSV, "
        "or pass --skip-bad to skip it)",
    ),
    (
        "bad.jsonl",
        b'{"title": "ok"}\n{"title": "caf\xe9"}\n',
        "{path}:2: invalid UTF-8 at byte 14 (re-encode the file as UTF-8, or pass --skip-bad to skip it)",
    ),
    (
        "bad2.jsonl",
        b'{"title": "ok"}\n{broken\n',
        "{path}:2: malformed JSON: Expecting property name enclosed in double quotes at column 2 "
        "(fix or remove the line, or pass --skip-bad to skip it)",
    ),
    (
        "cut.jsonl",
        b'{"title": "ok"}\n{"title": "x"\n',
        "{path}:2: malformed JSON: Expecting ',' delimiter at column 14 "
        "(fix or remove the line, or pass --skip-bad to skip it)",
    ),
    (
        "notitle.jsonl",
        b'{"title": "ok"}\n{"abstract": "no title"}\n',
        '{path}:2: record has no title (every record needs a non-empty "title", or pass --skip-bad to skip it)',
    ),
    (
        "weird.xyz",
        b"just some words\n",
        "{path}: unknown format (pass --format listing|jsonl|arxiv|csv, or pass --skip-bad to skip it)",
    ),
    (
        "year.jsonl",
        b'{"title": "ok"}\n{"title": "Huge", "year": 1000000000000000000000000}\n',
        '{path}:2: "year" 10000000000000000000\u2026 does not fit a 64-bit integer, the largest a graph database holds '
        "(give the year as four digits, or pass --skip-bad to skip it)",
    ),
]


@pytest.mark.parametrize("name,content,message", BAD_CASES)
def test_bad_input_one_line_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["read", str(path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {message.format(path=path)}\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name,content,message", BAD_CASES)
def test_bad_input_skipped_and_counted(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    good = tmp_path / "good.jsonl"
    good.write_text('{"title": "A good paper", "abstract": "x"}\n')
    result = CliRunner().invoke(cli, ["read", "--skip-bad", "--json", str(good), str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["skipped"] == 1
    assert report["distinct_papers"] == 1 + (
        1 if name in ("bad.jsonl", "bad2.jsonl", "cut.jsonl", "notitle.jsonl", "year.jsonl") else 0
    )
    reason = message.format(path=path).split(": ", 1)[1].split(" (")[0]
    assert report["skipped_records"][0]["reason"] == reason


def test_missing_file_and_unknown_format_option(tmp_path):
    result = CliRunner().invoke(cli, ["read", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'nope.txt'}: no such file or directory (check the path)\n"
    result = CliRunner().invoke(cli, ["read", "--format", "xml", str(INPUTS / "papers.csv")])
    assert result.exit_code == 2 and "'xml' is not one of" in result.output


def test_read_cli_reports_counts():
    result = CliRunner().invoke(cli, ["read", str(SEEDS)])
    assert result.exit_code == 0
    assert "records read:      592" in result.output
    assert "distinct papers:   531" in result.output
    assert "duplicates merged: 61" in result.output
