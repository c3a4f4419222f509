"""`kg link` end to end: its JSON Lines (written without models) against the library's models, the same
bytes whatever the number of workers, the JSONL reader's fast path against json, and the progress bar."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import INPUTS, SEEDS, kg_cli
from hypothesis import given
from hypothesis import strategies as st

from kg.api import link_inputs
from kg.ingest.jsonl import parse_jsonl
from kg.link import Linker
from kg.link.corpus import LinkWorkers, WorkerFailed, link_corpus
from kg.link.evidence import json_line, linked_paper_json
from kg.model.text import collapse_whitespace
from kg.model.types import Evidence, LinkedEntity, LinkedPaper, Mention

DATA = Path(__file__).parent / "data"
ACROSS = INPUTS / "introduced_across.jsonl"

# Inputs of every format, gold files with extra fields, and the sample corpus (names matched across papers).
LINK_INPUTS = [
    SEEDS,
    DATA / "dev.jsonl",
    INPUTS / "listing_blank.txt",
    INPUTS / "listing_lines.txt",
    INPUTS / "papers.csv.gz",
    INPUTS / "arxiv.jsonl",
    ACROSS,
]


def models_jsonl(inputs, propagate=True) -> str:
    """What `kg link` printed when it wrote `kg.api.link_inputs`'s models: the contract of its output."""
    _, linked = link_inputs(inputs, propagate=propagate)
    return "".join(p.model_dump_json(exclude_none=True) + "\n" for p in linked)


def summary(result) -> str:
    return result.stderr.splitlines()[-1]


# -- the output: the models' JSON, byte for byte -------------------------------------------------------


@pytest.mark.parametrize("path", LINK_INPUTS, ids=lambda p: p.name)
def test_link_writes_the_models_json_byte_for_byte(path):
    result = kg_cli("link", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == models_jsonl([path])


def test_link_without_propagation_writes_the_models_json():
    result = kg_cli("link", "--no-propagate", ACROSS)
    assert result.exit_code == 0, result.output
    assert result.stdout == models_jsonl([ACROSS], propagate=False)


@pytest.mark.parametrize(
    "parent,citation,confidence",
    [(None, None, 0.95), ("nvidia-hopper", "Sun et al., 2023", 0.6), (None, "12", 1), ("x", None, 0.123)],
)
def test_linked_paper_json_matches_the_models(parent, citation, confidence):
    """Every optional field, an int confidence (a float field: 1.0) and text JSON must escape."""
    odd = 'q"\\/\x00\x1f\x7f\u2028é😀'
    mentions = [(0, 4, odd, "catalog", citation), (9, 13, "H800", "title", None), (20, 24, odd, "repeat", None)]
    found = [Evidence("h800", odd, "Hardware", "catalog", parent, confidence, True, mentions)]
    model = LinkedPaper(
        id="p\n1",
        title=odd,
        entities=[
            LinkedEntity(
                id="h800",
                name=odd,
                type="Hardware",
                surfaces=[odd, "H800"],
                confidence=confidence,
                introduced=True,
                source="catalog",
                parent=parent,
                mentions=[Mention(start=s, end=e, surface=t, rule=r, citation=c) for s, e, t, r, c in mentions],
            )
        ],
    )
    assert linked_paper_json("p\n1", odd, found) == model.model_dump_json(exclude_none=True).encode()


# -- workers: the same bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("path", [SEEDS, ACROSS], ids=lambda p: p.name)
def test_link_workers_write_the_same_bytes(path, workers):
    one = kg_cli("link", path)
    many = kg_cli("link", "--workers", workers, path)
    assert one.exit_code == many.exit_code == 0, many.output
    assert many.stdout == one.stdout
    assert summary(many) == summary(one)


def test_link_workers_without_propagation_write_the_same_bytes():
    one = kg_cli("link", "--no-propagate", SEEDS)
    many = kg_cli("link", "--no-propagate", "--workers", "2", SEEDS)
    assert many.stdout == one.stdout and many.exit_code == 0


@pytest.mark.parametrize("chunk", [1, 2, 64])
def test_workers_match_names_across_chunks_as_one_process_does(chunk):
    """A chunk per paper puts the paper that introduces a name and the papers that use it in different
    workers: the corpus's names, their first spellings and voted types still come out as in one process."""
    records = [(str(i), t, a) for i, (t, a) in enumerate(_titles_and_abstracts(ACROSS))]
    expected = [line for part in link_corpus(records, Linker(), json_line, chunk=chunk) for line in part]
    with LinkWorkers(2) as pool:
        got = [line for part in pool.link(records, json_line, chunk=chunk) for line in part]
    assert got == expected
    assert b'"rule":"corpus"' in b"".join(line for line, _ in got)  # the names did cross papers


def test_a_worker_that_dies_is_reported_not_waited_for():
    with LinkWorkers(2) as pool:
        pool.processes[0].kill()
        pool.processes[0].join()
        with pytest.raises(WorkerFailed, match=r"linking process kg-link-1 ended unexpectedly \(exit code -9\)"):
            list(pool.link([("a", "A title", "An abstract.")] * 600, json_line))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_catalog_is_one_line_with_workers_too(tmp_path, workers):
    path = tmp_path / "mine.yaml"
    path.write_text("- name: X\n  type: Gadget\n")
    result = kg_cli("link", "--workers", workers, "--catalog", path, INPUTS / "papers.csv")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: entry 'X': type:")
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_build_workers_link_as_one_process(tmp_path):
    """`kg build --workers 2` links in the workers (names across papers included), as one process does."""
    from kg.store.local import load_graph

    graphs = []
    for workers in ("1", "2"):
        store = tmp_path / f"s{workers}.jsonl.gz"
        result = kg_cli("build", "--workers", workers, "--quiet", ACROSS, "--store", store)
        assert result.exit_code == 0, result.output
        g = load_graph(store)
        graphs.append(
            (
                sorted((k, sorted(d.items())) for k, d in g.nodes(data=True)),
                sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True)),
            )
        )
    assert graphs[0] == graphs[1]


def _titles_and_abstracts(path):
    return [(r["title"], r["abstract"]) for r in map(json.loads, path.read_text().splitlines())]


# -- the JSONL reader: orjson where it agrees with json, json's records and messages elsewhere ------------

TRICKY_LINES = [
    '{"title": "Big year", "year": 1000000000000000000000000}',
    '{"title": "Big negative id", "id": -9223372036854775809}',
    '{"title": "Big id", "id": 18446744073709551616}',
    '{"title": "Year 2024", "year": 2024, "id": 42}',
    '{"title": "Float year", "year": 2024.0}',
    '{"title": "Authors", "authors": ["A. B", 12345678901234567890123, {"x": 1}]}',
    '{"title": "Authors string", "authors": "A. B, C. D and E. F", "categories": "cs.LG cs.CL"}',
    '{"title": "Nested", "categories": [["cs.LG"], 1e400]}',
    '{"title": "Lone \\ud800 surrogate", "abstract": "x"}',
    '{"title": "Pair \\ud83d\\ude00 ok"}',
    '{"title": "NaN", "year": NaN}',
    '{"title": "Infinity", "x": Infinity}',
    '{"title": "Huge number", "x": 1e400}',
    '{"title": "Control \x01 char"}',
    '{"title": "dup", "title": "Duplicate key"}',
    "[1, 2]",
    '"a string"',
    "{broken",
    "[" * 3000 + "]" * 3000,
    '{"title": "' + "9" * 5000 + '"}',
    '{"title": "Long int", "x": ' + "9" * 5000 + "}",
    '{"title": "\\u00e9t\\u00e9", "abstract": "caf\u00e9 \u2028 x", "url": 5, "arxiv_id": "arXiv:2101.00001v2"}',
    '{"title": "t"} trailing',
    '\ufeff{"title": "BOM not on the first line"}',
]


def test_jsonl_reader_gives_what_json_gives(monkeypatch):
    """orjson's result is taken only where it is json's: every record, skip and message is json's."""
    import kg.ingest.jsonl as jsonl

    lines = ['\ufeff{"title": "BOM on the first line"}', *TRICKY_LINES]
    fast = list(parse_jsonl(lines, "t.jsonl"))
    monkeypatch.setattr(jsonl, "_fast_object", lambda line: None)  # json alone, as the reader was
    assert fast == list(parse_jsonl(lines, "t.jsonl"))


@given(st.text())
def test_collapse_whitespace_is_split_and_join(text):
    assert collapse_whitespace(text) == " ".join(text.split())


@pytest.mark.parametrize(
    "text", ["", " ", "a  b", " a", "a ", "a\tb", "a\nb", "a\x1cb", "a\x85b", "a\xa0b", "é\u2028b", "é b", "plain text"]
)
def test_collapse_whitespace_cases(text):
    assert collapse_whitespace(text) == " ".join(text.split())


# -- the progress bar: on a terminal only, never with --quiet ------------------------------------------------


@pytest.mark.parametrize(
    "tty,quiet,shown", [(True, False, True), (True, True, False), (False, False, False), (False, True, False)]
)
def test_progress_bar_only_on_a_terminal_and_not_quiet(monkeypatch, tty, quiet, shown):
    from kg.cli.options import show_progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert show_progress(quiet) is shown


@pytest.mark.parametrize("command", ["link", "build"])
def test_quiet_keeps_the_output_and_the_summary(tmp_path, command):
    store = ["--store", tmp_path / "s.jsonl.gz"] if command == "build" else []
    plain = kg_cli(command, ACROSS, *store)
    quiet = kg_cli(command, "--quiet", ACROSS, *(["--store", tmp_path / "q.jsonl.gz"] if store else []))
    assert plain.exit_code == quiet.exit_code == 0, quiet.output
    if command == "link":
        assert quiet.stdout == plain.stdout
        assert quiet.stderr == plain.stderr == "kg link: 5 records, 5 papers, 14 entity links, 0 skipped\n"
    else:
        assert quiet.stdout.splitlines()[1:4] == plain.stdout.splitlines()[1:4]  # read, papers, entities


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run `kg ARGS` with stderr on a pseudo-terminal (stdout to /dev/null): (exit code, what stderr showed)."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new pty is 0 columns wide
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], stdout=null, stderr=slave)
    os.close(slave)
    shown = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side was closed
            break
        if not data:
            break
        shown += data
    os.close(master)
    return proc.wait(timeout=120), shown.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_progress_bar_on_a_terminal_with_rate_and_time_left(workers):
    code, shown = on_a_terminal("link", "--workers", workers, str(SEEDS))
    assert code == 0, shown
    # papers done of all, time spent < time left, rate: after the first chunk of 256 papers
    bar = re.compile(r"\rlinking: +\d+%\|[^|]*\| (256|512|531)/531 \[\d\d:\d\d<\d\d:\d\d, +[\d.]+paper/s\]")
    assert bar.search(shown), shown
    assert "\rwriting:   0%" in shown
    assert shown.endswith("\rkg link: 592 records, 531 papers, 1751 entity links, 0 skipped\r\n")  # the bar cleared


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_quiet_on_a_terminal_shows_only_the_summary():
    code, shown = on_a_terminal("link", "--quiet", str(ACROSS))
    assert code == 0
    assert shown == "kg link: 5 records, 5 papers, 14 entity links, 0 skipped\r\n"
