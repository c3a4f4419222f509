import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rapidfuzz import fuzz, process

from kg.catalog import build_index, check_catalog, load_catalog, read_catalog_file
from kg.cli import cli
from kg.link import Linker
from kg.link.abbreviation import best_long_form, find_abbreviations
from kg.link.detect import fold
from kg.link.discover import (
    acronym_names,
    context_names,
    discover,
    head_type,
    introduced_names,
    is_name_like,
    title_names,
)
from kg.link.evaluate import score_key
from kg.link.resolve import FuzzyIndex, same_numbers, strip_generic
from kg.model.errors import CatalogError
from kg.model.types import Paper

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def small():
    return Linker(read_catalog_file(DATA / "catalog_small.yaml"))


@pytest.fixture(scope="module")
def full():
    return Linker()


def names(linked, with_type=False):
    return {(e.name, e.type.value) if with_type else e.name for e in linked.entities}


# -- detection and case rules ---------------------------------------------------------


@pytest.mark.parametrize(
    "abstract,expected",
    [
        ("We scale training with Megatron LM.", {"Megatron-LM"}),
        ("We use MegatronLM and Deepspeed.", {"Megatron-LM", "DeepSpeed"}),
        ("Trained on 64 NVIDIA A100 GPUs.", {"A100"}),
        ("Trained on 64 A100s.", {"A100"}),
        ("A distributed Ray cluster runs the actors.", {"Ray"}),
        ("Ray tracing in distributed cluster renderers.", set()),
        ("We use ray to schedule a distributed cluster.", set()),
        ("Adam Smith studied the optimizer landscape.", set()),
        ("We train with the Adam optimizer.", {"Adam"}),
        ("An adam-like update without any optimizer named.", set()),
        ("They wrote on the pile of papers.", set()),
        ("We pretrain on the Pile.", {"the Pile"}),
        ("The Pile is a corpus.", {"the Pile"}),
        ("They whisper quietly.", set()),
        ("We transcribe with Whisper.", {"Whisper"}),
        ("A transformer encoder.", {"Transformer"}),
        ("Sparse MoE layers.", {"Mixture-of-Experts"}),
        ("Zero-shot CLIPs and CLIP.", {"CLIP"}),
        ("The clip was short.", set()),
    ],
)
def test_catalog_detection_and_case_rules(small, abstract, expected):
    assert names(small.link_text("A title", abstract)) - {"A title"} == expected


def test_spans_index_title_newline_abstract(small):
    linked = small.link_text("GPipe for Llama 2", "Uses H800 GPUs.")
    text = "GPipe for Llama 2\nUses H800 GPUs."
    for e in linked.entities:
        for m in e.mentions:
            assert text[m.start : m.end] == m.surface


def test_fold_keeps_length():
    text = "Megatron–LM İstanbul_x/y"
    assert len(fold(text)) == len(text)
    assert fold("Megatron-LM") == "megatron lm"


def test_longest_match_wins(small):
    linked = small.link_text("T", "We fine-tune Llama 2 and LLaMA.")
    assert names(linked) == {"Llama 2", "LLaMA"}


def test_model_size_variant_gets_parent(small):
    linked = small.link_text("T", "We fine-tune Llama-2 7B and Llama-2-70B.")
    by_surface = {e.surfaces[0]: e for e in linked.entities}
    assert by_surface["Llama-2 7B"].parent == "llama-2"
    assert by_surface["Llama-2-70B"].parent == "llama-2"


def test_inline_citation_kept_as_evidence(small):
    linked = small.link_text("T", "Pipeline training with GPipe (Huang et al., 2019) scales.")
    (gpipe,) = [e for e in linked.entities if e.name == "GPipe"]
    assert gpipe.mentions[0].citation == "Huang et al., 2019"


# -- discovery rules ------------------------------------------------------------------


def test_schwartz_hearst_both_orders():
    found = find_abbreviations(
        "we propose Web Rephrase Augmented Pre-training (WRAP) that, "
        "and WRAP (Web Rephrase Augmented Pre-training) again"
    )
    assert [(a.short, a.long) for a in found] == [("WRAP", "Web Rephrase Augmented Pre-training")] * 2
    assert (
        best_long_form(
            "MEDIDA", "the capabilities of Model Error Discovery with Interpretability and Data Assimilation"
        )
        == "Model Error Discovery with Interpretability and Data Assimilation"
    )
    assert best_long_form("XYZ", "nothing alike") is None


@pytest.mark.parametrize(
    "title,abstract,name,etype",
    [
        (
            "LlamaRL: A Distributed Asynchronous Reinforcement Learning Framework for Efficient Large-scale "
            "LLM Training",
            "We present LlamaRL, a fully distributed, asynchronous reinforcement learning framework "
            "on thousands of GPUs.",
            "LlamaRL",
            "Framework",
        ),
        (
            "Seer: Language Instructed Video Prediction with Latent Diffusion Models",
            "We present Seer, a sample-efficient model.",
            "Seer",
            "Model",
        ),
        (
            "ToolFlow: Boosting LLM Tool-Calling Through Natural and Coherent Dialogue Synthesis",
            "We construct ToolFlow, a dataset of 8,000 dialogues.",
            "ToolFlow",
            "Dataset",
        ),
    ],
)
def test_title_name_is_introduced_and_typed(title, abstract, name, etype):
    text = f"{title}\n{abstract}"
    (c,) = title_names(text, len(title))
    assert (c.name, c.type, c.introduced) == (name, etype, True)


@pytest.mark.parametrize(
    "title",
    [
        "Scaling Laws: An Overview of Things",
        "Rethinking the Web: A Recipe",
        "A Survey: Of Everything",
    ],
)
def test_title_without_name_yields_nothing(title):
    assert title_names(title + "\nabstract", len(title)) == []


def test_acronym_with_proper_long_form_is_discovered():
    text = "T\nwe propose Scale Efficient Training (SeTa) for large datasets."
    (c,) = acronym_names(text, 1)
    assert (c.name, c.type, c.introduced) == ("SeTa", "Method", True)
    assert [s for s, _, _ in c.surfaces] == ["SeTa", "Scale Efficient Training"]


def test_generic_acronym_is_not_an_entity():
    text = "T\nLanguage models (LMs) improve automatic speech recognition (ASR) and word error rate (WER)."
    assert acronym_names(text, 1) == []


def test_introduced_name_pattern():
    text = "T\nTo address this, we propose Fallback Quantization, implementing mixed-precision GEMM."
    (c,) = introduced_names(text, 1)
    assert c.name == "Fallback Quantization" and c.introduced


@pytest.mark.parametrize(
    "abstract,name,etype",
    [
        ("We evaluate on the ToCa dataset.", "ToCa", "Dataset"),
        ("experiments on synthetic datasets, including ToCa, SS1M, and ST+MJ.", "SS1M", "Dataset"),
        ("Training uses 2048 H900X GPUs.", "H900X", "Hardware"),
        ("We release Foo-7B.", "Foo-7B", "Model"),
    ],
)
def test_typed_context_patterns(abstract, name, etype):
    found = {(c.name, c.type) for c in context_names("T\n" + abstract, 1)}
    assert (name, etype) in found


def test_memory_sizes_are_not_hardware():
    assert not [c for c in context_names("T\nWe use 80GB GPUs.", 1) if c.type == "Hardware"]


@pytest.mark.parametrize(
    "token,expected",
    [
        ("SeTa", True),
        ("WRAP", True),
        ("SS1M", True),
        ("long2short", True),
        ("vLLM", True),
        ("LLMs", False),
        ("GPU", False),
        ("The", False),
        ("OpenAI", False),
        ("80GB", False),
        ("hello", False),
    ],
)
def test_is_name_like(token, expected):
    assert is_name_like(token) is expected


@pytest.mark.parametrize(
    "phrase,etype",
    [
        ("scaled error correction model", "Model"),
        (
            "A Distributed Asynchronous Reinforcement Learning Framework for Efficient Large-scale LLM Training",
            "Method",
        ),
        ("benchmark for code", "Dataset"),
        ("open-source library", "Framework"),
    ],
)
def test_head_type(phrase, etype):
    assert head_type(phrase) == etype


def test_nothing_discovered_inside_urls():
    text = "T\nCode at https://github.com/SomeOrg/CoolThing and more."
    assert discover(text, 1) == []


# -- resolution ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "surface,expected",
    [
        ("Megatron LM", "megatron-lm"),
        ("Deepspeed", "deepspeed"),
        ("NVIDIA A100 GPUs", "a100"),
        ("Llama-2", "llama-2"),
        ("llama2", "llama-2"),
        ("Megatron-LMM", "megatron-lm"),
        ("LLaMAX", None),
        ("Llama 3", None),
    ],
)
def test_resolve_mention(small, surface, expected):
    r = small.resolver.resolve_mention(surface)
    assert (r.entity_id if r else None) == expected


ALIASES = [
    "megatron lm",
    "deepspeed",
    "megatron deepspeed",
    "llama 2",
    "llama 2 7b",
    "flashattention",
    "flash attention 2",
    "mixture of experts",
    "stable diffusion xl",
    "a100",
    "h800",
    "imagenet 1k",
    "low rank adaptation",
    "low rank adaption",
    "megatron lmm",
]


@pytest.mark.parametrize(
    "query",
    [
        "megatron lm",
        "megatronlm",
        "megatron llm",
        "deepsped",
        "deepspeedd",
        "flashatention",
        "flash attention2",
        "mixture of expert",
        "mixtures of experts",
        "stable diffusion x",
        "stable difusion xl",
        "low rank adaptaion",
        "low rank adaption",
        "llama 2 7",
        "imagenet",
        "h8000",
        "completely different",
        "",
    ],
)
@pytest.mark.parametrize("cutoff", [100.0, 94.0, 85.0, 60.0])
def test_fuzzy_index_gives_what_extract_one_gives(query, cutoff):
    """Same choice, score and position (ties to the earlier alias) as scoring every alias."""
    expected = process.extractOne(query, ALIASES, scorer=fuzz.ratio, score_cutoff=cutoff)
    assert FuzzyIndex(ALIASES, cutoff).best(query) == (tuple(expected) if expected else None)


def test_same_numbers_and_strip_generic():
    assert same_numbers("llama 2 7b", "llama 2 7b") and not same_numbers("llama 3", "llama 2")
    assert strip_generic("nvidia a100 gpus") == "a100"


def test_acronym_and_long_form_are_one_entity(full):
    linked = full.link_text("T", "Sparsely-activated Mixture-of-experts (MoE) models scale; MoE layers route tokens.")
    moe = [e for e in linked.entities if e.name == "Mixture-of-Experts"]
    assert len(moe) == 1 and set(moe[0].surfaces) == {"Mixture-of-experts", "MoE"}


def test_new_entity_across_papers_is_one_entity(full):
    papers = [
        Paper(id="a", title="FooBarNet: A Tiny Model", abstract="We present FooBarNet, a small model."),
        Paper(id="b", title="Other work", abstract="We compare against FooBarNet on images."),
    ]
    a, b = full.link_many(papers)
    ea = [e for e in a.entities if e.name == "FooBarNet"][0]
    eb = [e for e in b.entities if e.name == "FooBarNet"][0]
    assert ea.id == eb.id and ea.introduced and not eb.introduced
    assert eb.type == ea.type


def test_linker_is_deterministic(full):
    p = Paper(id="x", title="GPipe: Efficient Training", abstract="We use DeepSpeed with ZeRO on A100 GPUs.")
    assert full.link(p).model_dump() == full.link(p).model_dump()


# -- catalog ---------------------------------------------------------------------------


def test_builtin_catalog_is_large_and_clean():
    entities = load_catalog()
    assert len(entities) >= 800
    assert check_catalog(entities) == []
    types = {e.type.value for e in entities}
    assert types == {"Method", "Model", "Dataset", "Hardware", "Framework"}
    by_id, by_alias = build_index(entities)
    for required in [
        "a100",
        "h100",
        "h800",
        "h20",
        "v100",
        "tpu-v4",
        "mi300x",
        "ascend-910b",
        "gaudi2",
        "deepspeed",
        "megatron-lm",
        "pytorch",
        "jax",
        "vllm",
        "ray",
        "cuda",
        "lora",
        "imagenet",
    ]:
        assert required in by_id, required
    assert by_id["h800"].parent


@pytest.mark.parametrize(
    "yaml_text,message",
    [
        (
            "- name: X\n  type: Gadget\n",
            "entry 'X': type: Input should be 'Method', 'Model', 'Dataset', 'Hardware' or 'Framework'",
        ),
        ("- name: X\n  type: Model\n  colour: red\n", "entry 'X': colour: Extra inputs are not permitted"),
        ("- type: Model\n", "entry '#1': name: Field required"),
        ("name: X\n", "expected a list of entities at top level"),
    ],
)
def test_catalog_validation_names_file_and_entry(tmp_path, yaml_text, message):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml_text)
    with pytest.raises(CatalogError) as err:
        read_catalog_file(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_catalog_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("- !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(CatalogError, match="invalid YAML"):
        read_catalog_file(path)


def test_user_catalog_extends_and_overrides(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "- name: FooTron 9000\n  type: Hardware\n- name: DeepSpeed\n  type: Framework\n  description: mine\n"
    )
    linker = Linker(catalog_files=[path])
    linked = linker.link_text("T", "We run DeepSpeed on the FooTron 9000.")
    assert names(linked, with_type=True) >= {("FooTron 9000", "Hardware"), ("DeepSpeed", "Framework")}
    assert linker.by_id["deepspeed"].description == "mine"


def test_bad_user_catalog_on_cli(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("- name: X\n  type: Gadget\n")
    result = CliRunner().invoke(cli, ["link", "--catalog", str(path), str(DATA / "inputs" / "papers.csv")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}: entry 'X': type:")
    assert result.output.count("\n") == 1


# -- output contract and evaluation ------------------------------------------------------------


def test_link_output_contract():
    result = CliRunner().invoke(cli, ["link", str(DATA / "inputs" / "listing_blank.txt")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert set(first) == {"id", "title", "entities"}
    assert first["title"] == "GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism"
    text = (
        first["title"]
        + "\n"
        + "We introduce GPipe, a pipeline parallelism library that allows scaling any network on TPU v3."
    )
    for e in first["entities"]:
        assert {"id", "name", "type", "surfaces", "confidence", "introduced", "mentions"} <= set(e)
        assert e["type"] in {"Method", "Model", "Dataset", "Hardware", "Framework"}
        for m in e["mentions"]:
            assert set(m) >= {"start", "end", "surface", "rule"}
            assert text[m["start"] : m["end"]] == m["surface"]
    gpipe = [e for e in first["entities"] if e["name"] == "GPipe"][0]
    assert gpipe["introduced"] is True
    assert {e["name"] for e in first["entities"]} >= {"GPipe", "TPU v3"}


def test_link_reads_gold_file_ignoring_extra_fields():
    result = CliRunner().invoke(cli, ["link", str(DATA / "dev.jsonl")])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 90


def test_score_key():
    assert score_key("Mixture-of-Experts") == score_key("mixture of experts") == "mixtureofexperts"
    assert score_key("$μ$LO") == "μlo"


@pytest.mark.parametrize(
    "abstract,expected",
    [
        ("We train on 8xA800 GPUs and 1xA100.", {("A800", "Hardware"), ("A100", "Hardware")}),
        ("Published at NeurIPS; we report CIDEr and CLIPScore with FP8 over PCIe.", set()),
        ("We evaluate on MD and IQA datasets.", set()),
        (
            "Experiments on ToCa, SS1M, and ST+MJ datasets.",
            {("ToCa", "Dataset"), ("SS1M", "Dataset"), ("ST+MJ", "Dataset")},
        ),
    ],
)
def test_counts_venues_metrics_and_short_acronyms(full, abstract, expected):
    assert names(full.link_text("A title", abstract), with_type=True) == expected


# -- configuration and the shared resolver -------------------------------------------------


def test_linker_config_is_frozen_and_threaded_to_the_rules():
    from dataclasses import FrozenInstanceError, replace

    from kg.link import LinkerConfig

    config = LinkerConfig()
    with pytest.raises(FrozenInstanceError):
        config.min_confidence = 0.9  # type: ignore[misc]
    title, abstract = "T", "We propose FooBarNet, a model for speech. FooBarNet runs on H800 GPUs."
    default = Linker(read_catalog_file(DATA / "catalog_small.yaml"))
    assert "FooBarNet" in names(default.link_text(title, abstract))
    strict = Linker(read_catalog_file(DATA / "catalog_small.yaml"), config=replace(config, min_confidence=0.99))
    assert "FooBarNet" not in names(strict.link_text(title, abstract))
    tuned = replace(config, typed_by_context_confidence=0.9)
    (c,) = [c for c in discover("T\n" + abstract, 1) if c.name == "FooBarNet" and c.rule == "intro"]
    assert c.confidence == config.typed_by_context_confidence
    from kg.link.discover import DiscoveryContext

    (c,) = [
        c
        for c in discover("T\n" + abstract, 1, context=DiscoveryContext(tuned))
        if c.name == "FooBarNet" and c.rule == "intro"
    ]
    assert c.confidence == 0.9


def test_linking_and_lookup_share_one_resolver_with_two_cutoffs():
    from kg.link.resolve import Resolver

    resolver = Resolver({"deepspeed": ["deepspeed"]}, {"deepspeed": ["deepspeed"]})
    assert resolver.resolve_mention("DeepSpeed").entity_id == "deepspeed"
    assert resolver.resolve_mention("DeepSpede") is None  # ratio 88.9: linking does not guess
    assert resolver.resolve_name("deepspede") == (["deepspeed"], "fuzzy", pytest.approx(88.9, abs=0.1))  # lookup does
    assert resolver.resolve_name("deepspede", fuzzy_cutoff=94) is None
