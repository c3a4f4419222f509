"""The linker's general rules, each on sentences written for it (not gold papers): versions and sizes around
catalog names, derived names, coordinated lists, names that are not entities, and typing from context."""

from __future__ import annotations

import pytest

from kg.link import Linker
from kg.link.evaluate import score_key
from kg.link.lists import MIN_KNOWN_TO_RETYPE, ListItem, coordinated_lists, list_type
from kg.link.variants import compound_start, derived_prefix, size_before, variant_suffix


@pytest.fixture(scope="module")
def linker():
    return Linker()


def entities(linker: Linker, abstract: str, title: str = "A study") -> dict[str, str]:
    """name -> type of what the linker finds in one paper, names in the scorer's normal form ("DiT XL/2" is
    "DiT-XL/2")."""
    return {score_key(e.name): e.type.value for e in linker.link_text(title, abstract).entities}


def surfaces(linker: Linker, abstract: str, title: str = "A study") -> set[str]:
    return {s for e in linker.link_text(title, abstract).entities for s in e.surfaces}


@pytest.mark.parametrize(
    ("abstract", "name", "entity_type"),
    [
        # releases, sizes and year editions after a catalog name
        ("We compare with BLOOM-V9.5 on charts.", "BLOOM-V9.5", "Model"),
        ("It beats Vicuna-7B-v1.5 in one minute.", "Vicuna-7B-v1.5", "Model"),
        ("Results on AlpacaEval 2.0 improve.", "AlpacaEval 2.0", "Dataset"),
        ("We report box AP on COCO 2017 for all runs.", "COCO 2017", "Dataset"),
        ("We train on the COCO2017 split.", "COCO 2017", "Dataset"),
        ("VQ4DiT quantizes a DiT XL/2 model on one GPU.", "DiT-XL/2", "Model"),
        ("We deploy the 70B Llama-2 model on a phone.", "Llama 2 70B", "Model"),
        # a name derived from a catalog name with a glued prefix
        ("Our fine-tuned SWE-Llama resolves issues.", "SWE-Llama", "Model"),
        ("Inspired by Geo-RoBERTa in mapping, we pre-train.", "Geo-RoBERTa", "Model"),
        ("Models like LLaVA-Med fail on shifted images.", "LLaVA-Med", "Model"),
        # a model's name before "benchmark" names a dataset
        ("It reaches 99% of ChatGPT on the Vicuna benchmark.", "Vicuna benchmark", "Dataset"),
        # coordination: the list's known items type the others
        ("We evaluate on COCO, LVIS, ODinW, and RefCOCO.", "ODinW", "Dataset"),
        (
            "We time the four boards: Orbit Edge K3, Raspberry Pi 4, Nvidia Jetson Nano.",
            "Orbit Edge K3",
            "Hardware",
        ),
        # capitalised words before Transformer in running text name an architecture
        (
            "BLIP-2 bridges the gap with a lightweight Bridging Transformer, trained in two stages.",
            "Bridging Transformer",
            "Model",
        ),
        # an appositive of adjectives between commas still has its head
        (
            "We present ReplicaCAD: an artist-authored, annotated, reconfigurable 3D dataset of rooms.",
            "ReplicaCAD",
            "Dataset",
        ),
        # a score "on X" types X a dataset; a name also written with a size is a model
        ("We gain 4.6% on MedMNIST and 5.8% on NonMNIST overall.", "NonMNIST", "Dataset"),
        ("LongVILA-R1 scales RL. LongVILA-R1-7B achieves strong results.", "LongVILA-R1", "Model"),
        # what the paper introduces and names
        (
            "Here we introduce a fast, beam search-based adversarial attack (BEAST) for language models.",
            "BEAST",
            "Method",
        ),
        (
            "To bound the cost, we introduce a Random Projection Squashing step after each layer.",
            "Random Projection Squashing",
            "Method",
        ),
        # an acronym with a proper long form names a thing, even one the paper only uses
        ("The detector trains a Unified Feature Optimization (UFO) model in 8 days.", "UFO", "Model"),
        # an acronym whose long form disagrees with the catalog's entity of that acronym is a new name
        ("Such methods, like Grounded Action Transformation (GAT), use real-world data.", "GAT", "Method"),
        # an acronym's long form says what it is, unless the words right after the acronym say more
        (
            "We introduce the All-atom Diffusion Transformer (ADiT), a unified latent diffusion framework.",
            "ADiT",
            "Model",
        ),
        # naming shapes and heads
        ("On the GenomicBenchmarks, the model surpasses prior work.", "GenomicBenchmarks", "Dataset"),
        ("We build a large instruction-tuning dataset, Square-10M, from open images.", "Square-10M", "Dataset"),
        ("We propose ThinkPRM, a long chain-of-thought verifier fine-tuned on few labels.", "ThinkPRM", "Model"),
        ("It beats the baselines on MATH-500 and AIME '24 under sampling.", "AIME 2024", "Dataset"),
        # an appositive saying "inference framework" is software
        (
            "Alongside the method, we implement TinyChat, an efficient inference framework for edge GPUs.",
            "TinyChat",
            "Framework",
        ),
    ],
)
def test_general_rules_find_and_type(linker, abstract, name, entity_type):
    found = entities(linker, abstract)
    assert found.get(score_key(name)) == entity_type, found


@pytest.mark.parametrize(
    ("abstract", "not_an_entity"),
    [
        ("It reaches 51.2mAP bbAP on COCO and 52.7mIoU on ADE20K.", "2mAP"),
        ("It reaches 51.2mAP bbAP on COCO and 52.7mIoU on ADE20K.", "bbAP"),
        ("We compare the mobile system-on-chips (SoCs) from major vendors.", "SoCs"),
        ("Optical circuit switches (OCSes) reconfigure the interconnect.", "OCSes"),
        ("Current Medical Vision-Language Models (Med-VLMs) are fragile.", "Med-VLMs"),
        ("It produces 20x less CO2e than a typical data centre.", "CO2e"),
        ("It was deployed on LimX Dynamics' wheeled robot.", "LimX"),
        ("Systems waste the key-value cache (KV cache) memory.", "KV cache"),
        ("Models struggle to train with multiple-GPUs at once.", "multiple-GPUs"),
        ("We present a study of pre-trained visual representations (PVRs) for robots.", "PVRs"),
        ("We present a Bayesian approach to pruning.", "Bayesian"),
        ("ASR systems support Modern Standard Arabic (MSA) but not dialects.", "MSA"),
        ("We present a bag of tricks for few-shot class-incremental learning (FSCIL), a hard task.", "FSCIL"),
        ("Each block has a Feed-Forward Network (FFN) after attention.", "FFN"),
        ("Caches keep a Least Recently Used (LRU) list of blocks.", "Linear Recurrent Unit"),
        ("Code: https://github.com/microsoft/Swin-Transformer and https://github.com/Azure/MS-AMP.", "MS-AMP"),
        (
            "Code: https://github.com/microsoft/Swin-Transformer and https://github.com/Azure/MS-AMP.",
            "Swin Transformer",
        ),
        ("It improves FID and CLIP-Score at few steps.", "CLIP"),
        ("We train 124M and 210M Llama-type models.", "LLaMA 210M"),
        ("The 8B Mamba-2-Hybrid exceeds the 8B Transformer on all tasks.", "Transformer 8B"),
    ],
)
def test_what_is_not_a_name(linker, abstract, not_an_entity):
    assert score_key(not_an_entity) not in entities(linker, abstract)


def test_maker_joins_the_product_mention(linker):
    found = surfaces(linker, "We run on a single NVIDIA A100 GPU and a Google Coral Dev Board.")
    assert {"NVIDIA A100", "Google Coral Dev Board"} <= found


def test_a_discovered_name_typed_by_context_wins_over_a_derived_one(linker):
    found = entities(linker, "We present SWE-Llama, a benchmark for agents. SWE-Llama has 2k tasks.")
    assert found.get(score_key("SWE-Llama")) == "Dataset"


@pytest.mark.parametrize(
    ("text", "end", "entity_type", "suffix"),
    [
        ("OWSM v3.1 and", 4, "Model", " v3.1"),
        ("Whisper large-v3 and", 7, "Model", " large-v3"),
        ("BitNet b1.58, a", 6, "Model", " b1.58"),
        ("DiT-XL/2 model", 3, "Model", "-XL/2"),
        ("Llama 2 2.5x faster", 7, "Model", None),
        ("GPT-4 3.1 points", 5, "Model", None),
        ("YouTube-VOS 2018 and", 11, "Dataset", " 2018"),
        ("LoRA-based adapters", 4, "Method", None),
        ("COCO-POS tags", 4, "Dataset", "-POS"),
    ],
)
def test_variant_suffix(text, end, entity_type, suffix):
    m = variant_suffix(text, end, entity_type)
    assert (m.group(0) if m else None) == suffix


def test_size_prefix_and_derived_prefix():
    assert size_before("the 70B Llama-2", 8) == "70B"
    assert size_before("the v2.70B Llama", 11) is None
    assert derived_prefix("our SWE-Llama", 8) == 4
    assert derived_prefix("the Llama", 4) is None
    assert compound_start("a lightweight Querying Transformer", 23) == 14
    assert compound_start("Querying Transformer", 9) is None  # a sentence start


def test_coordinated_lists_and_their_type():
    text = "on COCO, LVIS, ODinW, and RefCOCO."
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("COCO", "LVIS", "RefCOCO")]
    (run,) = coordinated_lists(text, spans)
    assert [text[i.start : i.end] for i in run] == ["COCO", "LVIS", "ODinW", "RefCOCO"]
    assert [i.linked for i in run] == [0, 1, -1, 2]
    assert coordinated_lists("COCO and LVIS", [(0, 4), (9, 13)]) == [[ListItem(0, 4, 0), ListItem(9, 13, 1)]]
    assert coordinated_lists("COCO, then LVIS", [(0, 4), (11, 15)]) == []  # not joined as a list
    assert list_type(["Dataset", "Dataset", None]) == "Dataset"
    assert list_type(["Dataset", "Model", None]) is None
    assert list_type(["Dataset", None, None]) is None
    assert list_type(["Dataset", None], MIN_KNOWN_TO_RETYPE) == "Dataset"


def test_a_title_phrase_the_abstract_never_repeats_is_a_topic(linker):
    assert score_key("Predictable Scale") not in entities(
        linker, "We study how hyperparameters scale with model size.", title="Predictable Scale: Part I"
    )
    assert (
        entities(
            linker, "We propose Scale Efficient Training, which prunes samples.", title="Scale Efficient Training: Data"
        ).get(score_key("Scale Efficient Training"))
        == "Method"
    )
