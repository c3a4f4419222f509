"""The words and patterns discovery reads by: generic words, organisations, stop names, head nouns and their
types, naming verbs, sentence breaks, and the trigger automaton the scanner runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias

import ahocorasick

from kg.model.schema import EntityType

METHOD, MODEL, DATASET, HARDWARE, FRAMEWORK = (
    EntityType.METHOD.value,
    EntityType.MODEL.value,
    EntityType.DATASET.value,
    EntityType.HARDWARE.value,
    EntityType.FRAMEWORK.value,
)

GENERIC = frozenset(
    """
ai ml nlp cv rl llm llms ptq qat nas mt ir ssm ssms convnet convnets miou auroc matmul matmuls alltoall
allreduce allgather gemm gemms spmm ocr rag ssl moe kv lm lms mllm mllms vlm vlms lvlm lvlms slm slms
gpu gpus cpu cpus npu npus
asr tts wer cer bleu fid is psnr ssim lpips rouge map iou auc f1 em sota api apis sdk io gb tb
cnn cnns rnn rnns gan gans mlp mlps nn nns dnn dnns snn snns gnn gnns vae vaes ae
qa vqa iid ood kl mse rmse mae nll ppl pdf ode odes pde pdes sde sdes
ar nar moes sft icl kd pt ft pef peft hpc ddp ddl dl dnn flops flop tflops mfu
usa uk eu us id ids url it ie eg et al fig tab sec app
neurips nips icml iclr cvpr eccv iccv acl emnlp naacl aaai ijcai kdd sigir coling interspeech icassp wacv bmvc
cider meteor spice clipscore bertscore mauve pcie nvme fp4 fp8 fp16 bf16 fp32 tf32 int4 int8 pypi github
""".split()
)

GENERIC_CLASSES = frozenset("llm lm mllm vlm lvlm slm cnn rnn gan mlp nn dnn snn gnn vae ssm lmm".split())
"""Acronyms of model classes: with a modifier they are still a class ("Med-VLMs", "s-MLLM"), not a name."""

ORGANISATIONS = frozenset(
    """
openai deepmind google meta microsoft nvidia amd intel huawei apple qualcomm amazon aws alibaba baidu tencent
bytedance anthropic huggingface hugging deepseek mistralai inclusionai github arxiv ibm salesforce nvlabs
stanford berkeley mit cmu tsinghua pku ucla
""".split()
)

STOP_NAMES = frozenset(
    """
a an the this that these those our we it its their they in on of for to with via by from and or but as at
survey position review tutorial overview erratum note correction introduction keynote abstract summary
part chapter appendix towards toward beyond rethinking revisiting understanding
through using via given while when where since because although however moreover furthermore thus
each every both all any some many most several such other new novel large small existing standard
english chinese multilingual public private real synthetic training test validation evaluation downstream
mixture 3d 2d 1d rgb ocr
""".split()
)

LF_STOPWORDS = frozenset("of and the for with in on to via a an by from at as".split())

HEAD_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        DATASET,
        (
            "dataset",
            "datasets",
            "benchmark",
            "benchmarks",
            "corpus",
            "corpora",
            "suite",
            "testbed",
            "leaderboard",
            "bench",
            "collection",
            "challenge",
            "arena",
            "data set",
        ),
    ),
    (
        HARDWARE,
        (
            "chip",
            "chips",
            "accelerator",
            "accelerators",
            "processor",
            "gpu",
            "gpus",
            "npu",
            "npus",
            "supercomputer",
            "robot",
            "humanoid",
        ),
    ),
    (
        FRAMEWORK,
        (
            "library",
            "toolkit",
            "toolbox",
            "system",
            "systems",
            "engine",
            "platform",
            "infrastructure",
            "compiler",
            "simulator",
            "package",
            "software",
            "codebase",
            "runtime",
            "server",
            "serving",
            "implementation",
            "implementations",
            "kernel",
            "kernels",
            "sdk",
            "api",
        ),
    ),
    (
        MODEL,
        (
            "model",
            "models",
            "llm",
            "llms",
            "lm",
            "network",
            "networks",
            "architecture",
            "transformer",
            "transformers",
            "backbone",
            "encoder",
            "decoder",
            "agent",
            "family",
            "series",
            "generator",
            "detector",
            "classifier",
            "vlm",
            "mllm",
            "net",
            "machine",
            "autoencoder",
            "tokenizer",
            "assistant",
            "chatbot",
            "foundation",
            "verifier",
            "retriever",
            "reranker",
            "critic",
        ),
    ),
    (
        METHOD,
        (
            "method",
            "methods",
            "approach",
            "technique",
            "algorithm",
            "strategy",
            "framework",
            "paradigm",
            "recipe",
            "scheme",
            "procedure",
            "objective",
            "loss",
            "optimizer",
            "optimiser",
            "mechanism",
            "module",
            "block",
            "attention",
            "routing",
            "training",
            "pre-training",
            "pretraining",
            "learning",
            "tuning",
            "fine-tuning",
            "pruning",
            "quantization",
            "sampling",
            "decoding",
            "search",
            "distillation",
            "alignment",
            "adaptation",
            "averaging",
            "regularization",
            "initialization",
            "schedule",
            "parametrization",
            "parameterization",
            "policy",
            "optimization",
            "estimation",
            "guidance",
            "augmentation",
            "masking",
            "merging",
            "compression",
            "measurement",
            "summarization",
            "metric",
            "pipeline",
            "protocol",
            "prompting",
            "decomposer",
            "binding",
            "planning",
            "reasoning",
        ),
    ),
)
HEAD_INDEX = {w: t for t, words in HEAD_TYPES for w in words}
SYSTEM_CUES = re.compile(
    r"\b(?:distributed|cluster|clusters|gpus?|serving|infrastructure|open-source|codebase|system|kernels?|"
    r"parallelism|asynchronous|orchestrat\w+|inference|execution|code|software|library|deployment|runtime)\b",
    re.IGNORECASE,
)

# A name token: word characters and "+", a "." only before a digit, single hyphens between.
# Written as runs of a character class ("[\w+μ]*"), which `re` matches far faster than the
# equivalent "(?:[\w+μ]|\.(?=\d))*", one alternation per character.
_NAME_RUN = r"[\w+μ]*(?:\.(?=\d)[\w+μ]*)*"
NAME_TOKEN = r"[A-Za-z0-9μ]" + _NAME_RUN + r"(?:-(?:[\w+μ]|\.(?=\d))" + _NAME_RUN + r")*"
LIST_AFTER_HEAD = re.compile(
    r"\b(?:datasets|benchmarks|corpora|tasks|suites)\s*(?:\(|,)?\s*(?:including|such as|like|e\.g\.,?|namely|:)\s+"
    r"((?:" + NAME_TOKEN + r")(?:,? (?:and |or )?(?:" + NAME_TOKEN + r")){0,8})"
)
MODEL_SIZE = re.compile(
    r"(?<![\w-])([A-Za-z][\w.]*(?:-[A-Za-z][\w.]*)*)-(\d+(?:\.\d+)?[BM])(?:-(?:Instruct|Chat|Base|it))?(?![\w-])"
)
MEMORY_SIZE = re.compile(r"\d+\s?(?:[KMGT]i?B?|GB|G)")
TITLE_PREFIX = re.compile(r"^\s*([^:]{1,60}?)\s*:\s+\S")


INTRO_VERBS = (
    "propose",
    "proposes",
    "introduce",
    "introduces",
    "present",
    "presents",
    "develop",
    "develops",
    "design",
    "designs",
    "release",
    "releases",
    "build",
    "builds",
    "construct",
    "constructs",
    "contribute",
    "curate",
    "curates",
    "create",
    "creates",
    "collect",
    "train",
    "trained",
    "pretrain",
    "open-source",
    "term",
    "dub",
    "call",
    "name",
    "show the capabilities of",
)
SUBJECT_BEFORE = re.compile(
    r"(?:\bwe|\bthis (?:paper|work|report)|\bthe paper|\bour work|\bhere)\s+(?:[\w-]+,?\s+){0,3}$"
)
TRIGGERS = {
    "dataset": ("dataset", "datasets", "benchmark", "benchmarks", "corpus", "suite", "test set", "data set"),
    "list": ("datasets", "benchmarks", "corpora", "tasks", "suites"),
    "hardware": ("gpu", "gpus", "tpu", "tpus", "npu", "npus", "accelerator", "accelerators", "chip", "chips"),
    "verb": INTRO_VERBS,
    "naming": ("called", "named", "dubbed", "termed", "coined", "namely", "our", "proposed"),
}


# A trie of words: each letter maps to the trie of what may follow it; the key "" marks a word's end.
_Trie: TypeAlias = dict[str, "_Trie"]


def alternation(words: Iterable[str]) -> str:
    """A regex matching any of `words`, shaped as a trie so that `re` tries one branch per letter."""
    tree: _Trie = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return pattern(tree)


_TRIGGER_KINDS: dict[str, tuple[str, ...]] = {}
for _kind, _words in TRIGGERS.items():
    for _w in _words:
        _TRIGGER_KINDS[_w] = _TRIGGER_KINDS.get(_w, ()) + (_kind,)
# Over the lowered text with every non-alphanumeric character made a space (`_spaced`), a trigger is a
# whole word exactly when a space precedes and follows it: no boundary checks at every character.
_SPACED_TABLE = bytes(i if chr(i).isalnum() else 32 for i in range(128)) + bytes(range(128, 256))
_NOT_ALNUM = re.compile(r"[\W_]")
# An Aho-Corasick automaton over the spaced text (one pass in C, not a regex attempt at every space),
# each keyword padded with spaces. Values: length, the keyword itself where the spaced form loses
# characters ("open-source" must not match "open source"), kinds. No padded keyword holds another,
# so matches come in order of start.
_TRIGGER_AUTOMATON = ahocorasick.Automaton()
for _w, _kinds in _TRIGGER_KINDS.items():
    _TRIGGER_AUTOMATON.add_word(" " + _NOT_ALNUM.sub(" ", _w) + " ", (len(_w), None if _w.isalnum() else _w, _kinds))
_TRIGGER_AUTOMATON.make_automaton()
# What each `SUBJECT_BEFORE` subject starts with, for `str.find`.
_SUBJECT_STARTS = ("we", "this ", "the paper", "our work", "here")
NAMING_VERB_WORDS = ("call", "name", "term", "dub")
WEAK_NAMING = ("our", "proposed")
SENTENCE_BREAKS = (". ", "? ", "! ", "\n")
_SENTENCE_BREAKS = tuple((brk[0], re.compile(re.escape(brk))) for brk in SENTENCE_BREAKS)
# Character classes for coinages: letters "a"/"A", digits "0", "-" and "+" kept (with the letters
# and digits, the characters of a token), all else a space.
_CLASS_TABLE = bytes(
    (
        ord("a")
        if 97 <= i <= 122
        else ord("A")
        if 65 <= i <= 90
        else ord("0")
        if 48 <= i <= 57
        else i
        if chr(i) in "-+"
        else 32
    )
    for i in range(256)
)
# Where a token turns coined: "aA", "AAa", or a digit between letters ("a0a", "A0A", ...), each
# match running on to the end of its token. Two patterns, each starting with one literal byte,
# because `re` searches for a literal far faster than for a character set.
_COINED_CLASSES = (
    re.compile(rb"A(?:(?<=aA)|(?<=AA)(?=a)|0[aA]|(?<=a0A))[aA0+-]*"),
    re.compile(rb"0(?<=a0)(?=a)[aA0+-]*"),
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
