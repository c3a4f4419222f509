"""Hostile and unlucky input: every record lands or is reported, and outputs never replace links or devices.

Each case builds the input as real files, runs the CLI through CliRunner, and checks the exit code, the
exact report line, and that nothing intact was lost: records read + reported = records in the input.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
import zlib

import pytest
from conftest import kg_cli

import kg
from kg.ingest import read_papers
from kg.ingest.csvfile import parse_csv
from kg.ingest.listing import parse_listing
from kg.ingest.records import Record, Skip

run = kg_cli  # `kg ARGS` in this process (tests/conftest.py)


def last_line(result) -> str:
    """The last line a command printed: where its one-line error stands."""
    return result.output.strip().splitlines()[-1]


def jsonl(n: int, start: int = 0) -> str:
    return "".join(
        json.dumps(
            {
                "title": f"Paper number {i} on sparse attention",
                "abstract": f"We study method {i} with LoRA on ImageNet. " * 8,
            }
        )
        + "\n"
        for i in range(start, start + n)
    )


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    "rows,kept,skipped_lines",
    [
        # a quoted field never closed: its row is reported, the rows after it are kept (they used to be swallowed)
        (
            [
                '"P1","A one.",2017',
                '"P2","unclosed quote here,2018',
                '"P3","Three, with a comma.",2019',
                "P4,plain,2020",
            ],
            ["P1", "P3", "P4"],
            [3],
        ),
        # unquoted rows, one opening quote that never closes: the rest of the file is re-read from the next line
        (["A1,abs,2017", 'B2,"abs unclosed,2018', "C3,abs,2019", "D4,abs,2020"], ["A1", "C3", "D4"], [3]),
        # a row with more fields than the header names: reported, not cut short
        (["A1,abs,2017,extra", "B2,abs,2018"], ["B2"], [2]),
        # a multi-line quoted abstract is one record, numbered by its first line
        (['"M1","line one', 'line two",2020', "N2,abs,2021"], ["M1", "N2"], []),
    ],
)
def test_csv_bad_rows_are_reported_and_the_rest_kept(rows, kept, skipped_lines):
    lines = [line + "\n" for line in ["title,abstract,year", *rows]]
    items = list(parse_csv(lines, "t.csv"))
    assert [r.title for r in items if isinstance(r, Record)] == kept
    assert [s.line for s in items if isinstance(s, Skip)] == skipped_lines


def test_csv_unclosed_quote_cli_names_the_row(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text('title,abstract\n"P1","ok"\n"P2","never closed\n"P3","fine"\n')
    result = run("read", str(f))
    assert result.exit_code == 1
    assert last_line(result) == (
        f"Error: {f}:3: malformed CSV row: ',' expected after '\"' (fix the quoting of that row (a quote inside a "
        'quoted field is written twice: ""), or pass --skip-bad to skip it)'
    )
    report = read_papers([f], skip_bad=True)
    assert [p.title for p in report.papers] == ["P1", "P3"] and len(report.skipped) == 1


def test_csv_with_listing_words_is_read_as_csv(tmp_path):
    f = tmp_path / "daily.csv"
    f.write_text('title,abstract\n"A Survey of Daily Papers","We study Daily Papers feeds."\n"Second","We train."\n')
    assert [p.title for p in read_papers([f]).papers] == ["A Survey of Daily Papers", "Second"]


# --------------------------------------------------------------------------- gzip


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_truncated_gzip_keeps_every_intact_record(tmp_path, fraction):
    data = gzip.compress(jsonl(2000).encode())
    f = tmp_path / "p.jsonl.gz"
    f.write_bytes(data[: int(len(data) * fraction)])
    # what can be recovered from the cut file: every complete line, then a partial one
    recovered = zlib.decompressobj(wbits=31).decompress(f.read_bytes()).decode("utf-8", "replace")
    complete = recovered.count("\n")
    report = read_papers([f], skip_bad=True)
    assert report.records_read == complete  # it used to lose up to a whole 1 MiB chunk before the damage
    partial, damage = report.skipped
    assert (partial.line, partial.reason.split(":")[0]) == (complete + 1, "malformed JSON")
    assert damage.line == complete + 2
    assert damage.reason == (
        f"corrupt compressed data after line {complete + 1}: "
        "Compressed file ended before the end-of-stream marker was reached"
    )


@pytest.mark.parametrize("name", ["p.csv.gz", "p.jsonl.gz", "p.txt.gz"])
def test_gzip_cut_after_its_first_byte_is_reported_as_damaged(tmp_path, name):
    """One byte of gzip's two-byte magic is a cut gzip, not a text file holding a control character (the CSV
    reader took it for a header without a title column, and the record the file held went unreported)."""
    f = tmp_path / name
    f.write_bytes(gzip.compress(b"title,abstract\nLoRA,text\n")[:1])
    report = read_papers([f], skip_bad=True)
    assert report.records_read == 0
    assert [(s.line, s.reason) for s in report.skipped] == [
        (None, "corrupt gzip data: the gzip header is cut short after 1 byte")
    ]


def test_csv_gzip_cut_inside_its_header_reports_the_damage_too(tmp_path):
    """The CSV reader stops at a header without a title column; the damage that cut the header, and the records
    behind it, are still reported (they went unmentioned: the rest of the stream was never read)."""
    body = "title,abstract\n" + "".join(f"Paper {i},Abstract {i}\n" for i in range(3))
    packed = gzip.compress(body.encode(), mtime=0)
    f = tmp_path / "p.csv.gz"
    for cut in range(12, len(packed)):  # the first cut that leaves part of the header and no title column
        f.write_bytes(packed[:cut])
        report = read_papers([f], skip_bad=True)
        if report.skipped and "no 'title' column" in report.skipped[0].reason:
            break
    else:
        pytest.fail("no cut leaves a header without its title column")
    assert report.records_read == 0
    header, damage = report.skipped
    assert (header.line, damage.line) == (1, 2)
    assert damage.reason.startswith("corrupt compressed data after line 1: ")


def test_gzip_members_and_zero_padding_are_read(tmp_path):
    f = tmp_path / "m.jsonl.gz"
    f.write_bytes(gzip.compress(jsonl(3).encode()) + gzip.compress(jsonl(2, 3).encode()) + b"\0" * 64)
    report = read_papers([f])
    assert report.records_read == 5 and not report.skipped


@pytest.mark.parametrize(
    "name, data",
    [
        ("h.csv", b"title,abstract\n"),  # a header and no rows
        ("c.jsonl", b"\x1f\n\n"),  # control characters only (a gzip cut after its first byte reads so)
        ("b.txt", b"Daily Papers\n\nJul 29\n"),  # a listing page's boilerplate alone
    ],
)
def test_a_file_without_papers_is_reported_not_read_as_nothing(tmp_path, name, data):
    f = tmp_path / name
    f.write_bytes(data)
    result = run("read", str(f))
    assert result.exit_code == 1
    assert last_line(result) == (
        f"Error: {f}: no papers in the file (only blank lines, control characters or a header) (give a file with "
        "at least one paper, or pass --skip-bad to skip it)"
    )


# --------------------------------------------------------------------------- listings


def test_text_that_is_not_a_listing_is_reported(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("buy milk\n")
    result = run("read", str(f))
    assert result.exit_code == 1
    assert last_line(result) == (
        f"Error: {f}:1: no title is followed by an abstract: not a listing page (a listing has each title "
        "followed by its abstract; pass --format if it is another format, or pass --skip-bad to skip it)"
    )


def test_listing_with_pairs_keeps_a_trailing_title():
    items = list(parse_listing(["Title A\n", "\n", "Abstract of A is long enough.\n", "\n", "Title B\n"], "x"))
    assert [(r.title, r.abstract) for r in items] == [("Title A", "Abstract of A is long enough."), ("Title B", "")]


def _abstract(words: str) -> str:
    """An abstract of realistic length (abstracts run to 1,000-2,000 characters; titles to about 250)."""
    return f"We propose {words}." + " It trains large models faster on fewer accelerators than before." * 8


LISTING = [
    ("GPipe: Pipeline Parallelism for Giant Networks", _abstract("GPipe")),
    ("ZeRO: Memory Optimizations Toward Training Trillion Parameter Models", _abstract("ZeRO")),
    ("LoRA: Low-Rank Adaptation of Large Language Models", _abstract("LoRA")),
    ("Mixtral of Experts", _abstract("Mixtral")),
]


def _listing(papers, separator: str) -> list[str]:
    blocks = [part for title, abstract in papers for part in (title, abstract) if part is not None]
    return ("Daily Papers" + separator + separator.join(blocks) + "\n").splitlines(keepends=True)


@pytest.mark.parametrize("separator", ["\n\n", "\n"])  # both layouts: blank-line blocks, one line each
@pytest.mark.parametrize("missing", [0, 1, 2])
def test_listing_entry_without_abstract_does_not_shift_the_pairs(separator, missing):
    papers = [(t, None if i == missing else a) for i, (t, a) in enumerate(LISTING)]
    items = list(parse_listing(_listing(papers, separator), "l.txt"))
    assert [(r.title, r.abstract or None) for r in items] == papers


@pytest.mark.parametrize("separator", ["\n\n", "\n"])
def test_listing_abstract_without_title_is_reported_and_the_rest_kept(separator):
    papers = [LISTING[0], (None, LISTING[1][1]), *LISTING[2:]]
    lines = _listing(papers, separator)
    items = list(parse_listing(lines, "l.txt"))
    records = [(r.title, r.abstract) for r in items if isinstance(r, Record)]
    assert records == [LISTING[0], *LISTING[2:]]
    [skip] = [s for s in items if isinstance(s, Skip)]
    assert lines[skip.line - 1].startswith("We propose ZeRO.")
    assert (
        skip.reason == f"a paragraph of {len(LISTING[1][1].strip()):,} characters where a title should be: "
        "an abstract without its title"
    )


def test_listing_without_abstract_is_reported_by_the_build(tmp_path):
    f = tmp_path / "l.txt"
    f.write_text("".join(_listing([LISTING[0], (None, LISTING[1][1]), LISTING[2]], "\n\n")))
    result = run("read", str(f))
    assert result.exit_code == 1
    assert last_line(result).startswith(
        f"Error: {f}:7: a paragraph of {len(LISTING[1][1].strip()):,} characters where a title should be"
    )
    report = read_papers([f], skip_bad=True)
    assert report.records_read == 2 and len(report.skipped) == 1


# --------------------------------------------------------------------------- directories and paths


def test_directory_walk_reads_paper_files_and_counts_the_rest(tmp_path):
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "papers.jsonl").write_text(jsonl(3))
    (d / "README.md").write_text("# Readme\n\nHow to use this folder.\n")
    (d / "data.xml").write_text("<x/>")
    (d / ".hidden.jsonl").write_text(jsonl(1))
    os.mkfifo(d / "pipe.jsonl")
    os.symlink("loopb", d / "loopa")
    os.symlink("loopa", d / "loopb")
    os.symlink("..", d / "sub" / "up")
    result = run("read", "--json", str(d))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["files"] == 1 and summary["records_read"] == 3
    assert {(os.path.basename(e["source"]), e["reason"]) for e in summary["ignored_entries"]} == {
        (".hidden.jsonl", "hidden"),
        ("README.md", "Markdown, taken for documentation in a directory (name the file to read it as a listing)"),
        (
            "data.xml",
            "not a paper file extension (.xml; a directory walk reads .csv, .json, .jsonl, .ndjson, "
            ".text, .txt, also gzipped)",
        ),
        ("pipe.jsonl", "not a regular file (device, pipe or socket)"),
        ("loopa", "broken or looping symlink"),
        ("loopb", "broken or looping symlink"),
        ("up", "directory already walked (symlink loop)"),
    }
    assert summary["ignored"] == 7


def test_one_file_by_two_spellings_is_read_once(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.jsonl").write_text(jsonl(2))
    monkeypatch.chdir(tmp_path)
    report = read_papers(["./a.jsonl", "sub/../a.jsonl"])
    assert report.files == 1 and report.records_read == 2
    assert [(i.source, i.reason) for i in report.ignored] == [("sub/../a.jsonl", "the same file as an earlier input")]


def test_build_of_its_own_directory_does_not_read_its_store(tmp_path, monkeypatch):
    (tmp_path / "a.jsonl").write_text(jsonl(4))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KG_STORE", raising=False)
    first = run("build", ".", "--json")
    assert first.exit_code == 0, first.output
    second = run("build", ".", "--json")
    assert second.exit_code == 0, second.output
    report = json.loads(second.output)
    assert report["files"] == 1 and report["records_read"] == 4 and report["papers"] == 4
    assert report["ignored_reasons"].get("a kg store, not papers") == 1


# --------------------------------------------------------------------------- outputs


@pytest.fixture
def sample_store(tmp_path):
    (tmp_path / "in.jsonl").write_text(jsonl(5))
    store = tmp_path / "s.jsonl.gz"
    assert run("build", str(tmp_path / "in.jsonl"), "--store", str(store)).exit_code == 0
    return store


def test_store_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path, sample_store):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "t.jsonl.gz"
    link = tmp_path / "link.jsonl.gz"
    os.symlink(target, link)
    assert run("build", str(tmp_path / "in.jsonl"), "--store", str(link)).exit_code == 0
    (tmp_path / "more.jsonl").write_text(jsonl(1, 100))
    assert run("build", str(tmp_path / "more.jsonl"), "--store", str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    stats = run("stats", "--json", "--store", str(target))
    assert json.loads(stats.output)["labels"]["Paper"] == 6, stats.output


@pytest.mark.parametrize("fmt,name", [("graphml", "g.graphml"), ("jsonl", "g.jsonl"), ("cypher", "g.cypher")])
def test_export_through_a_symlink_replaces_the_target(tmp_path, sample_store, fmt, name):
    target = tmp_path / ("real-" + name)
    target.write_text("old")
    link = tmp_path / name
    os.symlink(target, link)
    result = run("export", "--format", fmt, "-o", str(link), "--store", str(sample_store))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text() != "old"


def test_viz_through_a_symlink_is_atomic(tmp_path, sample_store):
    target = tmp_path / "real.html"
    target.write_text("old")
    inode = target.stat().st_ino
    link = tmp_path / "v.html"
    os.symlink(target, link)
    result = run("viz", "-o", str(link), "--store", str(sample_store))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.stat().st_ino != inode and "<html" in target.read_text().lower()


@pytest.fixture
def null_device(tmp_path):
    """A character device like /dev/null, made here so a bug cannot replace the machine's own."""
    path = tmp_path / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs root (CAP_MKNOD)")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "graphml", "-o", "{dev}"],
        ["export", "--format", "jsonl", "-o", "{dev}"],
        ["export", "--format", "cypher", "-o", "{dev}"],
        ["viz", "-o", "{dev}"],
    ],
)
def test_outputs_write_into_a_device_without_replacing_it(null_device, sample_store, args):
    result = run(*[a.format(dev=null_device) for a in args], "--store", str(sample_store))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null_device).st_mode)


def test_store_on_a_device_is_refused(null_device, tmp_path):
    (tmp_path / "in.jsonl").write_text(jsonl(2))
    result = run("build", str(tmp_path / "in.jsonl"), "--store", str(null_device))
    assert result.exit_code == 1
    assert stat.S_ISCHR(os.stat(null_device).st_mode)
    assert f"{null_device}: is a character device, not a regular file; choose a file path for --store" in result.output


# --------------------------------------------------------------------------- messages and terminals


def kg_process(*args: str, env: dict | None = None, stdout=subprocess.PIPE):
    """A real `kg` process: for what CliRunner cannot stand in for, a stdout that is a real file descriptor."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_output_to_a_full_device_is_one_line(tmp_path):
    (tmp_path / "in.jsonl").write_text(jsonl(50))
    with open("/dev/full", "w") as full:
        proc = kg_process("link", tmp_path / "in.jsonl", stdout=full)
    assert proc.returncode == 1
    assert proc.stderr == "Error: No space left on device; nothing more was written (KG_DEBUG=1 shows the traceback)\n"


def test_kg_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"not a store")
    quiet = kg_cli("stats", "--store", bad, env={"KG_DEBUG": None})
    loud = kg_cli("stats", "--store", bad, env={"KG_DEBUG": "1"})
    assert quiet.exit_code == loud.exit_code == 1
    assert quiet.stderr.count("\n") == 1 and quiet.stderr.startswith(f"Error: {bad}")
    assert "Traceback (most recent call last)" in loud.stderr and loud.stderr.endswith(quiet.stderr)


def test_damaged_store_message_gives_commands_that_repair_it(tmp_path, monkeypatch):
    (tmp_path / "in.jsonl").write_text(jsonl(5))
    monkeypatch.chdir(tmp_path)
    assert run("build", "in.jsonl", "--store", "s.jsonl.gz").exit_code == 0
    data = (tmp_path / "s.jsonl.gz").read_bytes()
    (tmp_path / "s.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = run("stats", "--store", "s.jsonl.gz")
    assert result.exit_code == 1
    hint = (
        "move it aside and build it again from your inputs: mv s.jsonl.gz s.jsonl.gz.damaged && "
        "kg build INPUT... --store s.jsonl.gz"
    )
    assert last_line(result).endswith(hint)
    os.replace("s.jsonl.gz", "s.jsonl.gz.damaged")  # the hint's commands, INPUT... being in.jsonl
    assert run("build", "in.jsonl", "--store", "s.jsonl.gz").exit_code == 0
    assert json.loads(run("stats", "--json", "--store", "s.jsonl.gz").output)["labels"]["Paper"] == 5


# --------------------------------------------------------------------------- catalogs kept by the store

CUSTOM = "- name: Quokka Engine\n  type: Framework\n  description: An in-house trainer.\n"


@pytest.fixture
def custom_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"title": "Training with the quokka engine", "abstract": "We train with the Quokka Engine."}) + "\n"
    )
    (tmp_path / "b.jsonl").write_text(json.dumps({"title": "More quokka", "abstract": "Quokka Engine again."}) + "\n")
    (tmp_path / "mine.yaml").write_text(CUSTOM)
    assert run("build", "a.jsonl", "--store", "s.jsonl.gz", "--catalog", "mine.yaml").exit_code == 0
    return tmp_path / "s.jsonl.gz"


def _quokka_papers(store) -> int:
    with kg.open_store(store) as s:
        return s.query("MATCH (p:Paper)-[:MENTIONS]->(:Framework {name: 'Quokka Engine'}) RETURN count(p)").rows[0][0]


def test_a_build_without_catalog_keeps_the_stores_catalog(custom_store, tmp_path):
    result = run("build", "b.jsonl", "--store", "s.jsonl.gz")
    assert result.exit_code == 0, result.output
    assert (
        f"catalogs:   {tmp_path / 'mine.yaml'} (the store's own, as no --catalog was given; --forget-catalogs "
        "drops them)" in result.output.splitlines()
    )
    assert _quokka_papers(custom_store) == 2  # it used to be 0: both papers relinked without the catalog


def test_a_stores_catalog_that_is_gone_stops_the_build_before_any_change(custom_store, tmp_path):
    before = custom_store.read_bytes()
    (tmp_path / "mine.yaml").rename(tmp_path / "moved.yaml")
    result = run("build", "b.jsonl", "--store", "s.jsonl.gz")
    assert result.exit_code == 1
    assert last_line(result) == (
        f"Error: s.jsonl.gz: the store was built with --catalog {tmp_path / 'mine.yaml'}, which cannot be read now; "
        "pass --catalog with its new path to keep its entities, or --forget-catalogs to build with the built-in "
        "catalog only"
    )
    assert custom_store.read_bytes() == before
    assert run("build", "b.jsonl", "--store", "s.jsonl.gz", "--catalog", "moved.yaml").exit_code == 0
    assert _quokka_papers(custom_store) == 2


def test_forget_catalogs_builds_with_the_built_in_catalog_only(custom_store):
    result = run("build", "b.jsonl", "--store", "s.jsonl.gz", "--forget-catalogs")
    assert result.exit_code == 0 and "catalogs:" not in result.output
    assert _quokka_papers(custom_store) == 0
    assert "catalogs:" not in run("build", "b.jsonl", "--store", "s.jsonl.gz").output  # forgotten for good


ESCAPES = "Evil \x1b[31mRED\x1b[0m \x9b C1 title \x07 with \x1b]0;pwned\x07 and more"


@pytest.fixture
def hostile_store(tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"title": ESCAPES, "abstract": "We fine-tune with LoRA."}) + "\n")
    store = tmp_path / "s.jsonl.gz"
    assert run("build", str(tmp_path / "in.jsonl"), "--store", str(store)).exit_code == 0
    return store


@pytest.mark.parametrize(
    "args",
    [
        ["query", "MATCH (p:Paper) RETURN p.title AS t"],
        ["lookup", "LoRA"],
        ["query", "--name", "papers-mentioning", "--param", "entity=LoRA"],
    ],
)
def test_terminal_output_neutralises_control_characters(hostile_store, args):
    result = run(*args, "--store", str(hostile_store))
    assert result.exit_code == 0, result.output
    assert not any(ch in result.output for ch in "\x1b\x07\x9b")
    assert "Evil \\x1b[31mRED\\x1b[0m \\x9b C1 title \\x07 with" in result.output


def test_json_and_csv_keep_the_exact_text(hostile_store):
    as_json = run("query", "MATCH (p:Paper) RETURN p.title AS t", "--json", "--store", str(hostile_store))
    assert json.loads(as_json.output)["t"] == ESCAPES
    as_csv = run("query", "MATCH (p:Paper) RETURN p.title AS t", "--csv", "--store", str(hostile_store))
    assert ESCAPES in as_csv.output


@pytest.mark.parametrize("option", ["--entity", "--paper"])
def test_viz_with_an_empty_focus_is_a_usage_error(sample_store, tmp_path, option):
    result = run("viz", option, "", "-o", str(tmp_path / "v.html"), "--store", str(sample_store))
    assert result.exit_code == 2
    assert last_line(result) == f"Error: {option} needs a name; leave it out to draw the whole graph"
    assert not (tmp_path / "v.html").exists()


@pytest.mark.parametrize("value", ["Hardware", "hardware", "HARDWARE", " hArDwArE "])
def test_entity_types_match_in_any_case(tmp_path, value):
    (tmp_path / "in.jsonl").write_text(
        json.dumps({"title": "Training on H100 and A100 GPUs", "abstract": "We train on NVIDIA H100 and A100 GPUs."})
        + "\n"
    )
    store = tmp_path / "s.jsonl.gz"
    assert run("build", str(tmp_path / "in.jsonl"), "--store", str(store)).exit_code == 0
    result = run("query", "--name", "top-entities", "--param", f"type={value}", "--json", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert {json.loads(line)["entity"] for line in result.output.splitlines()} == {"H100", "A100"}


def test_unknown_entity_type_is_an_error(sample_store):
    result = run("query", "--name", "top-entities", "--param", "type=GPU", "--store", str(sample_store))
    assert result.exit_code == 1
    assert (
        last_line(result) == "Error: unknown entity type 'GPU'; use one of Method, Model, Dataset, Hardware, Framework"
    )


@pytest.mark.parametrize("command", ["read", "link", "build"])
def test_strict_turns_any_skip_into_exit_1_after_the_work(tmp_path, command):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.jsonl").write_text(jsonl(3) + "{broken\n")
    (d / "notes.md").write_text("# notes\n")
    extra = ["--store", str(tmp_path / "s.jsonl.gz")] if command == "build" else []
    lenient = run(command, "--skip-bad", str(d), *extra)
    assert lenient.exit_code == 0, lenient.output
    strict = run(command, "--skip-bad", "--strict", str(d), *extra)
    assert strict.exit_code == 1
    assert strict.stderr.strip().splitlines()[-1] == "Error: --strict: 1 skipped, 1 not read (see above)"
    if command == "build":  # the work is done and saved before the exit code says something was skipped
        stats = run("stats", "--json", "--store", str(tmp_path / "s.jsonl.gz"))
        assert json.loads(stats.output)["labels"]["Paper"] == 3
