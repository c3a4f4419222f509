"""The compiled catalog cache (`kg.link.compiled`): loaded when current, never stale, rebuilt when damaged."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys

import pytest

import kg.link.compiled as compiled
from kg.link import Linker
from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.model.errors import CatalogError

ROOT = compiled.CATALOG_DIR.parent.parent
TEXT = ("ZyxNet on Frobnicator boards", "We train ZyxNet with DeepSpeed on A100 GPUs and evaluate on ImageNet.")
EXTRA = "- name: Frobnicator\n  type: Hardware\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory of this test's own."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / compiled.SUBDIR


def entries(cache) -> list:
    return sorted(cache.glob("*.pickle"))


def names(linker: Linker) -> list[str]:
    return sorted(e.name for e in linker.link_text(*TEXT).entities)


def test_the_second_linker_reads_no_catalog_file(cache, monkeypatch):
    first = names(Linker())
    assert len(entries(cache)) == 1

    def no(*args, **kwargs):
        raise AssertionError("the catalog was read again")

    monkeypatch.setattr(compiled, "load_catalog", no)
    assert names(Linker()) == first


def test_a_cached_linker_links_as_a_fresh_one(cache):
    Linker()  # writes the entry
    fresh = Linker(compiled.load_catalog([]))  # entities given: compiled here, no cache
    cached = Linker()
    papers = [TEXT, ("Llama-2 70B with LoRA", "We fine-tune Llama 2 with QLoRA on 8 H800s using Megatron-LM.")]
    for title, abstract in papers:
        assert cached.link_text(title, abstract) == fresh.link_text(title, abstract)


def test_a_changed_catalog_file_is_never_served_stale(cache, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA, encoding="utf-8")
    assert "Frobnicator" in names(Linker(catalog_files=[extra]))
    extra.write_text(EXTRA.replace("Frobnicator", "Zyxnet"), encoding="utf-8")  # same size, other content
    found = names(Linker(catalog_files=[extra]))
    assert "Frobnicator" not in found and "Zyxnet" in found
    assert len(entries(cache)) == 2


def test_a_bad_catalog_file_is_still_reported(cache, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: X\n  type: Gadget\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="bad.yaml: entry 'X': type"):
        Linker(catalog_files=[bad])
    with pytest.raises(CatalogError, match="missing.yaml: catalog file not found"):
        Linker(catalog_files=[tmp_path / "missing.yaml"])
    assert entries(cache) == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"not a pickle", id="garbage"),
        pytest.param(lambda data: pickle.dumps({"an": "other object"}), id="another-object"),
    ],
)
def test_a_damaged_entry_is_rebuilt(cache, damage):
    expected = names(Linker())
    (entry,) = entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))
    assert names(Linker()) == expected
    assert pickle.loads(entry.read_bytes()).__class__ is compiled.CompiledCatalog  # written again


@pytest.mark.parametrize("mode", [0o620, 0o602], ids=["group-writable", "world-writable"])
def test_an_entry_others_may_write_is_not_loaded(cache, monkeypatch, mode):
    Linker()
    (entry,) = entries(cache)
    os.chmod(entry, mode)
    loaded = []
    monkeypatch.setattr(compiled.pickle, "loads", lambda data: loaded.append(data))
    Linker()
    assert loaded == []


def test_a_directory_others_may_write_is_not_used(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    (shared / compiled.SUBDIR).mkdir(parents=True)
    os.chmod(shared / compiled.SUBDIR, 0o777)
    monkeypatch.setattr(compiled, "cache_dirs", lambda: [shared])
    assert compiled._cache_directory() is None
    Linker()  # still links, uncached
    assert list((shared / compiled.SUBDIR).iterdir()) == []


def test_an_unwritable_cache_costs_only_time(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled, "cache_dirs", lambda: [tmp_path / "file"])
    (tmp_path / "file").write_text("a file where the cache directory would go")
    assert compiled._cache_directory() is None
    assert {"A100", "DeepSpeed", "ImageNet"} <= set(names(Linker()))


def test_old_entries_are_pruned(cache, tmp_path):
    for i in range(compiled.KEEP + 3):
        extra = tmp_path / f"extra{i}.yaml"
        extra.write_text(EXTRA.replace("Frobnicator", f"Frobnicator{i}"), encoding="utf-8")
        Linker(catalog_files=[extra])
    assert len(entries(cache)) == compiled.KEEP


def _other_value(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value / 2 if value else 0.5
    raise TypeError(f"no other value for {value!r}: teach this test the field's type")


def _contents(c: compiled.CompiledCatalog) -> tuple:
    """Everything a compiled catalog holds, as values `==` compares (pickled bytes are not stable: pickle
    shares equal strings only when they are one object)."""
    resolver = {k: v for k, v in vars(c.resolver).items() if k not in ("config", "fuzzy")}
    return (
        c.by_id,
        c.by_alias,
        c.parents,
        c.catalog_info,
        c.hit_info,
        sorted(c.matcher.automaton.items()),
        resolver,
        vars(c.resolver.fuzzy),
    )


def test_only_the_compile_fields_change_what_is_compiled():
    """A field outside COMPILE_FIELDS is taken from the caller's config after a load, so compiling with any
    other value of it must give the same tables."""
    entities = compiled.load_catalog([])

    def tables(config: LinkerConfig) -> tuple:
        return _contents(compiled.compile_catalog(entities, config))

    base = tables(DEFAULT_CONFIG)
    others = [f.name for f in dataclasses.fields(LinkerConfig) if f.name not in compiled.COMPILE_FIELDS]
    changed = dataclasses.replace(DEFAULT_CONFIG, **{n: _other_value(getattr(DEFAULT_CONFIG, n)) for n in others})
    assert tables(changed) == base
    for name in compiled.COMPILE_FIELDS:  # and each compile field does change them (else it need not be there)
        one = dataclasses.replace(DEFAULT_CONFIG, **{name: _other_value(getattr(DEFAULT_CONFIG, name))})
        assert tables(one) != base, name


def test_a_loaded_linker_takes_the_callers_thresholds(cache):
    Linker()
    strict = dataclasses.replace(DEFAULT_CONFIG, min_confidence=0.99, fuzzy_cutoff=99.0)
    linker = Linker(config=strict)
    assert linker.config is strict and linker.resolver.config is strict


def test_a_changed_source_module_gives_another_key(tmp_path, monkeypatch):
    """The key covers kg's own source: a kg upgraded in place (same version string) never loads old tables."""
    package = tmp_path / "kg"
    for sub in compiled.SOURCE_PACKAGES:
        (package / sub).mkdir(parents=True)
        (package / sub / "m.py").write_text("x = 1\n")
    monkeypatch.setattr(compiled, "CATALOG_DIR", package / "catalog")
    before = compiled.cache_key([], DEFAULT_CONFIG)
    (package / "link" / "m.py").write_text("x = 2\n")
    assert compiled.cache_key([], DEFAULT_CONFIG) != before


def test_kg_link_in_a_fresh_process_writes_then_uses_the_cache(tmp_path):
    """Two real `kg link` calls: the first compiles and writes the entry, the second loads it; same output."""
    paper = tmp_path / "one.jsonl"
    paper.write_text(json.dumps({"title": TEXT[0], "abstract": TEXT[1]}) + "\n", encoding="utf-8")
    env = {**os.environ, "KG_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-m", "kg.cli", "link", str(paper)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout and '"name":"DeepSpeed"' in runs[0].stdout
    assert len(list((tmp_path / "cache" / compiled.SUBDIR).glob("*.pickle"))) == 1


def test_a_linker_is_freed_without_the_cyclic_collector(cache):
    """No reference cycle: a linker (and its ~140,000 objects of tables) goes as soon as it is dropped, so a
    `kg link` never pays a collection over them (one did: 60 ms when the collector resumed)."""
    import gc
    import weakref

    enabled = gc.isenabled()
    gc.disable()
    try:
        linker = Linker()
        linker.link_text(*TEXT)
        gone = weakref.ref(linker)
        del linker
        assert gone() is None
    finally:
        if enabled:
            gc.enable()
