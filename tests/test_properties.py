"""Property-based tests (hypothesis): readers, linker and store against hostile input.

Readers get arbitrary bytes and arbitrary Unicode (RTL and zero-width marks,
combining characters, NUL, lone surrogates in JSON, CRLF/CR line ends, a UTF-8
BOM, gzip) and must either read every record verbatim or report each one they
skip; 10 MB lines must read whole. The linker gets arbitrary text and must
never raise, give spans that index the text, and give the same answer every
time (in other processes with other hash seeds too). The store must give back
exactly the graph it saved, for arbitrary graphs, and reject a damaged file
rather than return a different graph.

The number of examples comes from the hypothesis profile (tests/conftest.py,
KG_HYPOTHESIS_PROFILE); costly properties run a fraction of it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from conftest import kg_cli
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kg.ingest import iter_records, read_papers, split_lines
from kg.ingest.listing import TITLE_MAX_CHARS, parse_listing
from kg.ingest.records import Record, Skip
from kg.model.errors import InputError, StoreError
from kg.model.text import match_key
from kg.store import LocalStore
from kg.store.local import load_graph
from kg.store.store_file import read_graph, write_graph

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "data" / "seeds"
DEV = Path(__file__).parent / "data" / "dev.jsonl"
KG = [sys.executable, "-m", "kg.cli"]
BASE = settings.default.max_examples


def scaled(fraction: float, minimum: int = 10) -> settings:
    """The profile's settings with a fraction of its examples (for properties that cost a file or a build)."""
    return settings(settings.default, max_examples=max(minimum, int(BASE * fraction)))


# ------------------------------------------------------------------------------------------------ text

# Characters that break naive text handling: bidi controls, zero-width, combining marks, BOM, NUL and
# other C0/C1 controls, Unicode line separators, ligatures and compatibility forms NFKC changes, a
# character whose case folding changes its length, astral characters (surrogate pairs in JSON).
NASTY = [
    "\u200f",
    "\u200e",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u0301",
    "\u0308",
    "\u20dd",
    "\x00",
    "\x01",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufb01",
    "\u2167",
    "\u00b2",
    "\u0130",
    "\u00df",
    "\U0001f600",
    "\U0001d400",
    "\u05d0",
    "\u0627",
    "\t",
    " ",
    "\u00a0",
    "\u3000",
    "\\",
    '"',
    "'",
    "`",
    ",",
    ";",
    "$",
    "{",
    "}",
    "<",
    ">",
    "&",
    "é",
    "ß",
    "中",
]
WORDS = [
    "LoRA",
    "A100",
    "NVIDIA H800",
    "DeepSpeed",
    "Megatron-LM",
    "Llama-2 7B",
    "ImageNet",
    "we propose",
    "(WRAP)",
    "Web Rephrase Augmented Pre-training",
    "et al., 2023",
    "E$^{2}$GAN",
    "PixArt-$\\alpha$",
    "Daily Papers",
    "Subscribe",
    "Jul 29",
    "title",
    "abstract",
    "GPU",
    "Ray",
    "Adam",
    "}) DETACH DELETE n //",
]

nasty_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.sampled_from(WORDS), st.text(min_size=1, max_size=3)), max_size=25
).map("".join)
any_text = st.one_of(st.text(), nasty_text)


def collapse(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------------ readers


def _read(path: Path, fmt: str | None, skip_bad: bool):
    return read_papers([path], format=fmt, skip_bad=skip_bad)


def _check_counts(report) -> None:
    """Nothing is lost silently: every record read is a paper or merged into one."""
    assert len(report.papers) + report.duplicates_merged == report.records_read
    assert sum(len(p.sources) for p in report.papers) == report.records_read
    assert all(match_key(p.title) for p in report.papers)


def _write(tmp_path: Path, name: str, data: bytes, compress: bool) -> Path:
    path = tmp_path / (name + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


line_piece = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            b'{"title": "A paper", "abstract": "text"}',
            b'{"title": 5}',
            b"[1, 2]",
            b'{"title": "\\ud800"}',
            b"title,abstract",
            b'"quoted, title",x',
            b'"unclosed',
            b"Daily Papers",
            b"Jul 29",
            b"",
            b"\xef\xbb\xbf",
            b"\x00",
            b"\xff\xfe",
            b"\xc3",
            b'{"title": "x", "year": "\xc2\xb2"}',
            b'{"title": "y", "year": 1' + b"0" * 4400 + b"}",
            b"[" * 3000,
            b"\x1f\x8b",
        ]
    ),
    nasty_text.map(lambda t: t.encode("utf-8")),
)
line_end = st.sampled_from([b"\n", b"\r\n", b"\r"])
structured_bytes = st.lists(st.tuples(line_piece, line_end), max_size=30).map(
    lambda parts: b"".join(p + e for p, e in parts)
)


@scaled(1.0)
@given(
    data=st.one_of(st.binary(max_size=2000), structured_bytes),
    name=st.sampled_from(["in.jsonl", "in.csv", "in.txt", "in.dat", "in"]),
    fmt=st.sampled_from([None, "listing", "jsonl", "arxiv", "csv"]),
    compress=st.booleans(),
)
@example(data=b'{"title": "x", "year": "\xc2\xb2"}\n', name="in.jsonl", fmt=None, compress=False)
@example(
    data=b'{"title": "a", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", name="in.jsonl", fmt=None, compress=False
)
@example(data=b'{"title": "a", "year": ' + b"1" * 5000 + b"}\n", name="in.jsonl", fmt=None, compress=False)
def test_any_bytes_are_read_or_reported_never_a_crash(tmp_path_factory, data, name, fmt, compress):
    path = _write(tmp_path_factory.mktemp("bytes"), name, data, compress)
    report = _read(path, fmt, skip_bad=True)
    _check_counts(report)
    for s in report.skipped:
        assert s.source == str(path) and s.reason and "\n" not in s.reason
    try:
        strict = _read(path, fmt, skip_bad=False)
    except InputError as exc:
        assert report.skipped, "an error without --skip-bad must be a skip with it"
        assert "\n" not in str(exc) and str(exc).startswith(str(path)) and "--skip-bad" in str(exc)
    else:
        assert not report.skipped and strict.summary() == report.summary()


def _records_strategy(allow_newlines: bool, allow_nul: bool, title_max: int | None = None):
    """(title, abstract) pairs; `title_max` keeps titles within a format's cap (a listing's TITLE_MAX_CHARS)."""

    def ok(text: str) -> bool:
        return (allow_newlines or ("\n" not in text and "\r" not in text)) and (allow_nul or "\x00" not in text)

    def title_ok(text: str) -> bool:
        return ok(text) and (title_max is None or len(text) <= title_max - len("P9 "))

    return st.lists(st.tuples(any_text.filter(title_ok), any_text.filter(ok)), min_size=1, max_size=8)


def _expected(records) -> list[tuple[str, str]]:
    return [(collapse(f"P{i} {t}"), collapse(f"A{i} {a}")) for i, (t, a) in enumerate(records)]


@scaled(1.0)
@given(
    records=_records_strategy(allow_newlines=True, allow_nul=True),
    ascii_only=st.booleans(),
    end=line_end,
    bom=st.booleans(),
    compress=st.booleans(),
)
def test_jsonl_unicode_is_read_verbatim(tmp_path_factory, records, ascii_only, end, bom, compress):
    lines = [
        json.dumps({"title": f"P{i} {t}", "abstract": f"A{i} {a}"}, ensure_ascii=ascii_only).encode()
        for i, (t, a) in enumerate(records)
    ]
    data = (b"\xef\xbb\xbf" if bom else b"") + end.join(lines) + end
    path = _write(tmp_path_factory.mktemp("jsonl"), "p.jsonl", data, compress)
    report = read_papers([path])
    assert [(p.title, p.abstract) for p in report.papers] == _expected(records)
    assert [p.sources[0].line for p in report.papers] == list(range(1, len(records) + 1))
    _check_counts(report)


@scaled(1.0)
@given(
    records=_records_strategy(allow_newlines=True, allow_nul=False),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    compress=st.booleans(),
)
def test_csv_unicode_is_read_verbatim(tmp_path_factory, records, end, bom, compress):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=end, quoting=csv.QUOTE_ALL)  # minimal quoting leaves a bare LF
    # unquoted when the line end is CR, and no reader can tell it from a line end
    writer.writerow(["title", "abstract"])
    for i, (t, a) in enumerate(records):
        writer.writerow([f"P{i} {t}", f"A{i} {a}"])
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()
    path = _write(tmp_path_factory.mktemp("csv"), "p.csv", data, compress)
    report = read_papers([path], format="csv")
    assert [(p.title, p.abstract) for p in report.papers] == _expected(records)
    _check_counts(report)


@scaled(1.0)
@given(
    records=_records_strategy(allow_newlines=False, allow_nul=False, title_max=TITLE_MAX_CHARS),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
    blank_separated=st.booleans(),
    bom=st.booleans(),
    compress=st.booleans(),
)
def test_listing_unicode_and_line_ends_are_read_verbatim(
    tmp_path_factory, records, end, blank_separated, bom, compress
):
    """Both listing layouts, every line end: CR-only files used to read as one paper holding all records."""
    sep = end * 2 if blank_separated else end
    blocks = ["Daily Papers", "byAK and the research community"]
    for i, (t, a) in enumerate(records):
        blocks += [f"P{i} {t}", f"A{i} {a}"]
    data = (b"\xef\xbb\xbf" if bom else b"") + (sep.join(blocks) + end).encode()
    path = _write(tmp_path_factory.mktemp("listing"), "p.txt", data, compress)
    report = read_papers([path])
    assert [(p.title, p.abstract) for p in report.papers] == _expected(records)
    _check_counts(report)


@scaled(0.5)
@given(
    records=st.lists(
        st.tuples(
            any_text, st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\u00e9", ""])
        ),
        min_size=1,
        max_size=8,
    )
)
def test_lone_surrogates_in_json_are_reported_not_stored(tmp_path_factory, records):
    """JSON can spell a lone surrogate; such a record has no UTF-8 form and used to crash `kg build`."""
    lines = [f'{{"title": "P{i} {json.dumps(t)[1:-1]}{esc}"}}' for i, (t, esc) in enumerate(records)]
    path = tmp_path_factory.mktemp("sur") / "s.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = read_papers([path], skip_bad=True)
    bad = [i + 1 for i, (_, esc) in enumerate(records) if esc in ("\\ud800", "\\udfff", "\\ud83d", "\\ude00")]
    assert sorted(s.line for s in report.skipped) == bad
    assert all("unpaired UTF-16 surrogate" in s.reason for s in report.skipped)
    for p in report.papers:
        p.title.encode("utf-8")  # every kept title can be written
    assert len(report.papers) == len(records) - len(bad)
    if bad:
        with pytest.raises(InputError, match=rf":{bad[0]}: \"title\" holds an unpaired UTF-16 surrogate"):
            read_papers([path])


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "listing"])
def test_ten_megabyte_lines_read_whole(tmp_path, fmt):
    big = ("word " * (2 * 2**20)).strip()  # 10 MiB abstract on one line
    if fmt == "jsonl":
        data = json.dumps({"title": "A paper with a huge abstract", "abstract": big}) + "\n"
    elif fmt == "csv":
        data = f"title,abstract\r\nA paper with a huge abstract,{big}\r\n"
    else:
        data = f"Daily Papers\n\nA paper with a huge abstract\n\n{big}\n"
    path = tmp_path / f"big.{ {'listing': 'txt'}.get(fmt, fmt) }"
    path.write_text(data, encoding="utf-8")
    report = read_papers([path])
    assert len(report.papers) == 1 and report.papers[0].abstract == big and not report.skipped


@settings(settings.default, max_examples=max(200, BASE * 4))
@given(
    data=st.lists(
        st.sampled_from([b"a", b"bcd", b"\r", b"\n", b"\r\n", b"xyz" * 5, b"\xff", b"\x00"]), max_size=60
    ).map(b"".join),
    limit=st.integers(1, 20),
    chunk=st.integers(1, 9),
)
def test_split_lines_matches_bytes_splitlines(data, limit, chunk):
    """LF, CRLF and CR end lines wherever the reads split them; an over-long line is None, never held whole."""
    got = list(split_lines(io.BufferedReader(io.BytesIO(data)), limit=limit, chunk=chunk))
    assert got == [line if len(line) <= limit else None for line in data.splitlines()]


def test_unreadable_line_does_not_re_pair_a_listing(tmp_path):
    """An undecodable line in the one-line-per-block layout used to read as a blank line, which switched the
    whole page to the blank-separated layout and glued every title after it to its abstract."""
    path = tmp_path / "lines.txt"
    path.write_bytes(
        b"Daily Papers\nT1 Title one\nA1 abstract one\nT2 title \xff two\nA2 abstract two\n"
        b"T3 title three\nA3 abstract three\n"
    )
    report = read_papers([path], skip_bad=True)
    assert [(p.title, p.abstract) for p in report.papers] == [
        ("T1 Title one", "A1 abstract one"),
        ("T3 title three", "A3 abstract three"),
    ]
    assert [(s.line, s.reason) for s in report.skipped] == [(4, "invalid UTF-8 at byte 9")]


def test_listing_block_longer_than_the_limit_is_reported(monkeypatch):
    import kg.ingest.listing as listing

    monkeypatch.setattr(listing, "MAX_BLOCK_CHARS", 50)
    lines = [
        "Daily Papers\n",
        "\n",
        "T1 fine\n",
        "\n",
        "A1 fine\n",
        "\n",
        "T2 long\n",
        *["x" * 20 + "\n"] * 5,
        "\n",
        "A2\n",
        "\n",
        "T3 fine\n",
        "\n",
        "A3 fine\n",
    ]
    items = list(listing.parse_listing(lines, "p.txt"))
    assert [getattr(i, "title", None) for i in items] == ["T1 fine", None, "T3 fine"]
    assert isinstance(items[1], Skip) and items[1].line == 7 and "paragraph longer than" in items[1].reason


title_words = st.lists(
    st.sampled_from(WORDS + ["for", "of", "Scaling", "Efficient", "Training"]), min_size=1, max_size=12
).map(" ".join)
abstract_text = st.lists(title_words, min_size=1, max_size=40).map(  # longer than any title, as abstracts are
    lambda parts: ". ".join(parts) + "." + " We evaluate it at scale." * (TITLE_MAX_CHARS // 24)
)


def _corruption_input(fmt: str, papers: list[tuple[str, str]]) -> tuple[list[bytes], dict[int, int]]:
    """The file's lines, and for each line the index of the record it belongs to (headers belong to none)."""
    if fmt == "jsonl":
        lines = [json.dumps({"title": t, "abstract": a}).encode() for t, a in papers]
        return lines, {n: n - 1 for n in range(1, len(lines) + 1)}
    if fmt == "csv":
        lines = [b"title,abstract"] + [f"{t},{a}".encode() for t, a in papers]
        return lines, {n: n - 2 for n in range(2, len(lines) + 1)}
    lines = [b"Daily Papers"] + [part.encode() for pair in papers for part in pair]  # one line per block
    return lines, {n: (n - 2) // 2 for n in range(2, len(lines) + 1)}


@scaled(1.0)
@given(
    fmt=st.sampled_from(["jsonl", "csv", "listing"]),
    papers=st.lists(st.tuples(title_words, title_words), min_size=1, max_size=12),
    damage=st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.sampled_from([b"\xff", b"\xc3", b"\x80", b",", b"{", b"}", b":", b"\\", b"x", b"\xe2\x82", b'"']),
        ),
        max_size=6,
    ),
    truncate=st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_corruption_accounting_every_record_read_or_reported(tmp_path_factory, fmt, papers, damage, truncate):
    """Random corruption of CSV, JSONL and listings, plain or gzipped and cut short: every record in the input
    is read or reported, once. Bytes are overwritten or inserted inside lines (never a line end: a new line
    would be a new record), and the gzip stream may be truncated anywhere."""
    papers = [(f"P{i} {t}", f"A{i} {a}") for i, (t, a) in enumerate(papers)]
    lines, record_of = _corruption_input(fmt, papers)
    for line_pick, at, data in damage:
        n = line_pick % len(lines)
        if (fmt != "jsonl" and n == 0) or (fmt == "csv" and data == b'"'):
            continue  # a header is not a record (a damaged page header reads as a title: nothing tells them
            # apart); in CSV a quote may legally join lines into one field
        line = lines[n]
        cut = at % (len(line) + 1)
        lines[n] = line[:cut] + data + line[cut + (at % 2) :]  # odd: overwrite one byte; even: insert
    body = b"\n".join(lines) + b"\n"
    path = tmp_path_factory.mktemp("corrupt") / f"in.{ {'listing': 'txt'}.get(fmt, fmt) }"
    if truncate is not None:
        packed = gzip.compress(body, mtime=0)
        path = path.with_name(path.name + ".gz")
        path.write_bytes(packed[: int(len(packed) * truncate)])
    else:
        path.write_bytes(body)
    items = list(iter_records(str(path), fmt))
    read = [item.line for item in items if isinstance(item, Record)]
    skips = [item for item in items if isinstance(item, Skip)]
    assert len(read) == len(set(read)), "a record read twice"
    assert all(record_of.get(n) is not None for n in read), "a record that is not in the input"
    if any(s.line is None for s in skips):  # the whole file reported (no gzip header left, empty, binary)
        assert not read
        return
    damage_from = min((s.line for s in skips if s.reason.startswith("corrupt compressed")), default=None)
    for s in skips:
        assert s.line in record_of or s.line == 1 or s.line == damage_from, s
    reported = {record_of.get(s.line) for s in skips}
    accounted = {record_of[n] for n in read} | reported
    for i in range(len(papers)):
        first = min(n for n, r in record_of.items() if r == i)
        if damage_from is not None and first >= damage_from - 1:
            continue  # the damage report covers the rest of the file (a line cut in two is reported as itself)
        assert i in accounted, f"record {i} (line {first}) neither read nor reported: {items}"
    if fmt != "listing":  # a listing record spans two lines, each of which may be reported
        assert len(read) + len([s for s in skips if s.line in record_of]) <= len(papers)


@scaled(1.0)
@given(
    papers=st.lists(st.tuples(title_words, abstract_text), min_size=2, max_size=10),
    lost=st.lists(st.tuples(st.integers(0, 9), st.sampled_from(["title", "abstract"])), max_size=4),
    blank_separated=st.booleans(),
)
def test_listing_that_lost_a_part_never_shifts_the_pairs(papers, lost, blank_separated):
    """Titles and abstracts shaped as on arXiv, with parts removed (at most one in any two neighbouring
    entries): every record is a pair from the page, or a title whose abstract was removed; every removed
    title is reported; and records + reports account for every entry."""
    papers = [(f"P{i} {t}", f"A{i} {a}") for i, (t, a) in enumerate(papers)]
    removed: dict[int, str] = {}
    for i, part in lost:
        if i < len(papers) and not any(j in removed for j in (i - 1, i, i + 1)):
            removed[i] = part
    blocks = [
        text
        for i, pair in enumerate(papers)
        for part, text in zip(("title", "abstract"), pair)
        if removed.get(i) != part
    ]
    sep = "\n\n" if blank_separated else "\n"
    items = list(parse_listing(("Daily Papers" + sep + sep.join(blocks) + "\n").splitlines(keepends=True)))
    records = [(r.title, r.abstract) for r in items if isinstance(r, Record)]
    expected = [
        (t, "" if removed.get(i) == "abstract" else a) for i, (t, a) in enumerate(papers) if removed.get(i) != "title"
    ]
    assert records == expected
    assert len([s for s in items if isinstance(s, Skip)]) == sum(part == "title" for part in removed.values())


# ------------------------------------------------------------------------------------------------ linker


token_text = st.lists(
    st.sampled_from(
        [
            "LoRA",
            "LoRAs",
            "MoE",
            "MoEs",
            "Pre-gated MoE",
            "-",
            " ",
            "s",
            "x",
            "é",
            "GPT-4",
            "GPT-4o",
            "(",
            ")",
            "\n",
            "_",
            "ViT",
            "ViTs",
            "中",
            "2",
        ]
    ),
    max_size=40,
).map("".join)


@settings(settings.default, max_examples=max(300, BASE * 3))
@given(
    text=st.lists(st.sampled_from(["a", "bc", " ", "  ", ". ", "; ", ": ", "\n", ".", "x y", "\t"]), max_size=40).map(
        "".join
    ),
    lookback=st.integers(1, 12),
    n_words=st.integers(1, 6),
    data=st.data(),
)
def test_bounded_long_form_window_equals_the_whole_text_search(text, lookback, n_words, data):
    """The long-form window searched within a bounded lookback (linear time) is the one a search from the
    text's start finds."""
    from kg.link import abbreviation

    end = data.draw(st.integers(0, len(text)))
    assert abbreviation._window(text, end, n_words, lookback) == abbreviation._window_unbounded(text, end, n_words)


@settings(settings.default, max_examples=max(300, BASE * 3))
@given(text=token_text, surfaces=st.lists(token_text.filter(bool), max_size=12, unique=True))
def test_one_pass_token_search_finds_what_find_token_finds(text, surfaces):
    """The one-pass search the linker uses for many discovered names gives each name's occurrences exactly as
    a `find_token` pass per name would; names that open with a non-token character are left to `find_token`."""
    from kg.link.discover.names import TOKEN_RUN, find_token, token_occurrences

    found = token_occurrences(text, surfaces)
    for surface in surfaces:
        if TOKEN_RUN.match(surface):
            assert found[surface] == list(find_token(text, surface, plural=True)), surface
        else:
            assert surface not in found


@pytest.fixture(scope="module")
def linker():
    from kg.link import Linker

    return Linker()


@scaled(2.0, minimum=50)
@given(title=any_text, abstract=any_text)
@example(title="LoRA: Low-Rank Adaptation", abstract="We train Llama-2 7B on 8 NVIDIA A100 GPUs with DeepSpeed.")
@example(title="\u202eAR\u0301oL\u200b", abstract="\x00E$^{2}$GAN \ufb01ne-tuned on ImageNet\u2028(WRAP)")
def test_linker_never_raises_and_spans_index_the_text(linker, title, abstract):
    first = linker.link_text(title, abstract, paper_id="p")
    text = f"{title}\n{abstract}"
    for e in first.entities:
        assert e.mentions and e.name and e.type.value in ("Method", "Model", "Dataset", "Hardware", "Framework")
        assert 0.0 <= e.confidence <= 1.0
        for m in e.mentions:
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == m.surface
    assert linker.link_text(title, abstract, paper_id="p") == first  # deterministic within a process


@scaled(0.2)
@given(papers=st.lists(st.tuples(any_text.filter(lambda t: match_key(t) != ""), any_text), min_size=1, max_size=6))
def test_link_many_never_raises_and_is_deterministic(linker, papers):
    from kg.model.types import Paper

    items = [Paper(id=f"p{i}", title=t, abstract=a) for i, (t, a) in enumerate(papers)]
    first = linker.link_many(items)
    assert [p.id for p in first] == [p.id for p in items]
    assert linker.link_many(items) == first


FUZZY_CUTOFFS = [100.0, 94.0, 90.0, 75.0]


@pytest.fixture(scope="module")
def fuzzy_indexes(linker) -> dict:
    """A FuzzyIndex of the catalog's aliases per cutoff, built once (the linker's own at its cutoff)."""
    from kg.link.resolve import FuzzyIndex

    own = linker.resolver.fuzzy
    return {c: own if c == own.cutoff else FuzzyIndex(own.choices, c) for c in FUZZY_CUTOFFS}


@scaled(1.0, minimum=100)
@given(data=st.data(), cutoff=st.sampled_from(FUZZY_CUTOFFS))
def test_fuzzy_index_matches_scoring_every_alias(linker, fuzzy_indexes, data, cutoff):
    """`FuzzyIndex.best` gives what `process.extractOne` over all ~6,400 catalog aliases gives: real aliases
    with a few random edits, and arbitrary strings."""
    from rapidfuzz import fuzz, process

    choices = linker.resolver.fuzzy.choices
    index = fuzzy_indexes[cutoff]
    query = data.draw(st.one_of(st.sampled_from(choices), st.text(alphabet="abcdelmnorst0123 -", max_size=40)))
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(query)))
        edit = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        char = data.draw(st.sampled_from("aeilmnrst02 -"))
        query = (
            query[:i] + query[i + 1 :]
            if edit == "delete"
            else query[:i] + char + query[i:]
            if edit == "insert"
            else query[:i] + char + query[i + 1 :]
        )
    expected = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    assert index.best(query) == (tuple(expected) if expected else None)


def test_linking_is_the_same_in_every_process(tmp_path):
    """Set and dict order must not leak into the output: `kg link` under three hash seeds, byte for byte.
    Real processes: the hash seed is fixed when an interpreter starts."""
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(
        "\n".join(
            json.dumps({"title": f"P{i} {t}", "abstract": a})
            for i, (t, a) in enumerate(
                [
                    (
                        "SeTa: Scaling Laws with \u200bLoRA",
                        "We propose SeTa. SeTa beats LoRA on ImageNet with 8 A100 GPUs.",
                    ),
                    ("Using SeTa on H800", "SeTa (Smith et al., 2024) trained with Megatron-LM and DeepSpeed [3]."),
                    (
                        "\u202eRTL \u0627\u0644\u0639\u0631\u0628\u064a\u0629 ProX",
                        "ProX, a framework for \ufb01ne-tuning.",
                    ),
                ]
            )
        )
        + "\n",
        encoding="utf-8",
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        proc = subprocess.run(
            [*KG, "link", str(SEEDS), str(DEV), str(hostile)],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=ROOT,
            check=True,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1 and len(next(iter(outputs)).splitlines()) > 500


# ------------------------------------------------------------------------------------------------ store

# Text for graphs made through the Python API; with `surrogates`, lone surrogates too (which the store refuses).
plain_store_text = st.text(max_size=12)
surrogate_store_text = st.lists(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=6).map("".join)


def json_values(text):
    scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), text)
    return st.recursive(
        scalar,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)),
        max_leaves=8,
    )


@st.composite
def graphs(draw, surrogates: bool = False) -> nx.MultiDiGraph:
    text = st.one_of(plain_store_text, surrogate_store_text) if surrogates else plain_store_text
    props = st.dictionaries(text.filter(lambda k: k != "__labels__"), json_values(text), max_size=4)
    g = nx.MultiDiGraph()
    keys = draw(st.lists(text, max_size=6, unique=True))
    for key in keys:
        g.add_node(key, __labels__=draw(st.sets(text, max_size=3)), **draw(props))
    if keys:
        for _ in range(draw(st.integers(0, 10))):
            u, v = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
            rel = draw(st.sampled_from(["MENTIONS", "INTRODUCES", "CITES", "VARIANT_OF"]) | text)
            g.add_edge(u, v, key=rel, __labels__={rel}, **draw(props))
    return g


def assert_same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    """Same nodes in the same order with equal data, same keyed edges with equal data (a set of labels
    equals the frozenset the store gives back)."""
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    edges = {(u, v, k): d for u, v, k, d in a.edges(keys=True, data=True)}
    assert edges == {(u, v, k): d for u, v, k, d in b.edges(keys=True, data=True)}
    assert a.number_of_edges() == b.number_of_edges()


def holds_surrogate(g: nx.MultiDiGraph) -> bool:
    def texts(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from texts(v)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for v in value:
                yield from texts(v)

    everything = [list(g.nodes(data=True)), list(g.edges(keys=True, data=True))]
    return any("\ud800" <= c <= "\udfff" for t in texts(everything) for c in t)


@scaled(1.0)
@given(g=st.booleans().flatmap(lambda surrogates: graphs(surrogates)))
def test_store_save_then_load_gives_the_same_graph(tmp_path_factory, g):
    """Exactly the graph back; a graph with text UTF-8 cannot hold (lone surrogates, only possible through
    the Python API) is refused with a one-line error and the previous store is kept."""
    path = tmp_path_factory.mktemp("store") / "s.jsonl.gz"
    LocalStore(nx.MultiDiGraph(), path).save()
    before = path.read_bytes()
    try:
        LocalStore(g, path).save()
    except StoreError as exc:
        assert holds_surrogate(g) and "unpaired UTF-16 surrogate" in str(exc) and "\n" not in str(exc)
        assert str(exc).startswith(f"{path}: not saved, the previous store is intact: ")
        assert path.read_bytes() == before and os.listdir(path.parent) == [path.name]
        return
    assert not holds_surrogate(g)
    loaded = LocalStore.open(path).graph
    assert_same_graph(g, loaded)
    first = path.read_bytes()
    LocalStore(loaded, path).save()  # loading and saving again changes nothing, byte for byte
    assert path.read_bytes() == first


@scaled(0.5)
@given(g=graphs(), data=st.data())
def test_damaged_store_is_an_error_never_a_different_graph(g, data):
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as z:
        write_graph(g, z)
    blob = raw.getvalue()
    how = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
    at = data.draw(st.integers(0, len(blob) - 1))
    if how == "truncate":
        damaged = blob[:at]
    elif how == "flip":
        damaged = blob[:at] + bytes([blob[at] ^ data.draw(st.integers(1, 255))]) + blob[at + 1 :]
    else:
        damaged = blob[:at] + data.draw(st.binary(min_size=1, max_size=8)) + blob[at:]
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(damaged)) as f:
            loaded = read_graph(f, "s.jsonl.gz")
    except StoreError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("s.jsonl.gz: ")
        return
    assert_same_graph(g, loaded)  # only bytes that carry no content (gzip header fields) may change


@scaled(1.0)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    b'{"format": "kg-store", "version": 1}',
                    b'{"format": "kg-store", "version": "1"}',
                    b"[1]",
                    b'"n"',
                    b"{}",
                    b'{"n": ["x"], "labels": [], "props": {}}',
                    b'{"n": "x", "labels": 5, "props": {}}',
                    b'{"n": "x", "labels": [], "props": []}',
                    b'{"r": ["a", "b"], "props": {}}',
                    b'{"r": "abc", "props": {}}',
                    b'{"end": true, "nodes": 0, "relationships": 0}',
                    b"[" * 5000,
                    b"\xff",
                    b"null",
                ]
            ),
            max_size=6,
        ).map(lambda ls: b"\n".join(ls)),
    ),
    compress=st.booleans(),
)
def test_any_store_file_loads_or_is_a_one_line_error(tmp_path_factory, data, compress):
    path = tmp_path_factory.mktemp("anystore") / "s.jsonl.gz"
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    try:
        load_graph(path)
    except StoreError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))


def test_build_twice_is_byte_identical(tmp_path):
    """Idempotent: the same input again leaves the store file exactly as it was. Two real processes, each
    with its own hash seed, so set or dict order leaking into the file would fail this."""
    store = tmp_path / "s.jsonl.gz"
    command = [*KG, "build", str(SEEDS / "000_a2745034168f5649.txt"), "--store", str(store)]
    subprocess.run(command, capture_output=True, cwd=ROOT, check=True)
    first = store.read_bytes()
    subprocess.run(command, capture_output=True, cwd=ROOT, check=True)
    assert store.read_bytes() == first


def test_surrogate_record_is_skipped_by_build_not_a_traceback(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"title": "Good paper on LoRA"}\n{"title": "Bad \\ud800 paper"}\n', encoding="utf-8")
    store = tmp_path / "s.jsonl.gz"
    proc = kg_cli("build", path, "--store", store)
    assert proc.exit_code == 1 and "Traceback" not in proc.stderr
    assert proc.stderr == (
        f'Error: {path}:2: "title" holds an unpaired UTF-16 surrogate \\ud800 (write the character '
        "as a surrogate pair or as UTF-8, or pass --skip-bad to skip it)\n"
    )
    proc = kg_cli("build", "--skip-bad", "--json", path, "--store", store)
    assert proc.exit_code == 0, proc.output
    report = json.loads(proc.stdout)
    assert report["papers"] == 1 and report["skipped"] == 1
    assert report["skipped_reasons"] == {'"title" holds an unpaired UTF-16 surrogate \\ud800': 1}


@pytest.mark.parametrize(
    "value,expected",
    [
        (float("nan"), "nan"),
        (float("inf"), float("inf")),
        (float("-inf"), float("-inf")),
        (2**70, 2**70),  # past orjson's 64 bits
        (1e-05, 1e-05),  # written 1e-5 by orjson, 1e-05 by json: both read back the same float
        ({"b", "a"}, ["a", "b"]),  # a set is written as a sorted list
        ("null", "null"),  # text that looks like orjson's NaN
    ],
)
@pytest.mark.parametrize("labelled", [True, False])
def test_values_the_fast_encoder_cannot_write_are_written_as_json_writes_them(tmp_path, value, expected, labelled):
    """The store's lines are encoded by orjson, except where it would change a value (NaN and the infinities
    become null; ints past 64 bits and sets are refused): those lines are json's, as before. On nodes and on
    relationships, with labels (a graph's) or without (a streamed build's)."""
    from kg.store.local import store_writer

    path = tmp_path / "s.jsonl.gz"
    extra = {"__labels__": {"Paper"}} if labelled else {}
    with store_writer(path) as writer:
        writer.node("a", {"__labels__": {"Paper"}, "x": value})
        writer.relationship("a", "a", "CITES", {**extra, "x": value})
    g = load_graph(path)
    for got in (g.nodes["a"]["x"], g.edges["a", "a", "CITES"]["x"]):
        assert (got != got) if expected == "nan" else (got == expected and type(got) is type(expected))
