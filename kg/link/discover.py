"""Discovery of entities the catalog does not know, from how a paper talks about them.

Rules (each a pure function over the paper text, returning `Candidate`s):
- `title_names`: the name a paper introduces before the colon of its title
  ("LlamaRL: A Distributed ...").
- `acronym_names`: Schwartz–Hearst acronym definitions (see `abbreviation.py`)
  whose long form is a proper name ("Web Rephrase Augmented Pre-training
  (WRAP)") or that the paper says it introduces.
- `introduced_names`: "we propose/introduce/present NAME".
- `context_names`: typed context patterns: "the X dataset", "on X and Y
  benchmarks", "N X GPUs", "X-7B".
Each candidate gets a type from its context (`infer_type`) and a confidence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple

from kg.link.abbreviation import find_abbreviations

METHOD, MODEL, DATASET, HARDWARE, FRAMEWORK = "Method", "Model", "Dataset", "Hardware", "Framework"

GENERIC = frozenset("""
ai ml nlp cv rl llm llms ptq qat nas mt ir ssm ssms convnet convnets miou auroc matmul matmuls alltoall
allreduce allgather gemm gemms spmm ocr rag ssl moe kv lm lms mllm mllms vlm vlms lvlm lvlms slm slms gpu gpus cpu cpus npu npus
asr tts wer cer bleu fid is psnr ssim lpips rouge map iou auc f1 em sota api apis sdk io gb tb
cnn cnns rnn rnns gan gans mlp mlps nn nns dnn dnns snn snns gnn gnns vae vaes ae
qa vqa iid ood kl mse rmse mae nll ppl pdf ode odes pde pdes sde sdes
ar nar moes sft icl kd pt ft pef peft hpc ddp ddl dl dnn flops flop tflops mfu
usa uk eu us id ids url it ie eg et al fig tab sec app
neurips nips icml iclr cvpr eccv iccv acl emnlp naacl aaai ijcai kdd sigir coling interspeech icassp wacv bmvc
cider meteor spice clipscore bertscore mauve pcie nvme fp4 fp8 fp16 bf16 fp32 tf32 int4 int8 pypi github
""".split())

ORGANISATIONS = frozenset("""
openai deepmind google meta microsoft nvidia amd intel huawei apple qualcomm amazon aws alibaba baidu tencent
bytedance anthropic huggingface hugging deepseek mistralai inclusionai github arxiv ibm salesforce nvlabs
stanford berkeley mit cmu tsinghua pku ucla
""".split())

STOP_NAMES = frozenset("""
a an the this that these those our we it its their they in on of for to with via by from and or but as at
survey position review tutorial overview erratum note correction introduction keynote abstract summary
part chapter appendix towards toward beyond rethinking revisiting understanding
through using via given while when where since because although however moreover furthermore thus
each every both all any some many most several such other new novel large small existing standard
english chinese multilingual public private real synthetic training test validation evaluation downstream
mixture 3d 2d 1d rgb ocr
""".split())

LF_STOPWORDS = frozenset("of and the for with in on to via a an by from at as".split())

HEAD_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DATASET, ("dataset", "datasets", "benchmark", "benchmarks", "corpus", "corpora", "suite", "testbed",
               "leaderboard", "bench", "collection", "challenge", "arena", "data set")),
    (HARDWARE, ("chip", "chips", "accelerator", "accelerators", "processor", "gpu", "gpus", "npu", "npus",
                "supercomputer", "robot", "humanoid")),
    (FRAMEWORK, ("library", "toolkit", "toolbox", "system", "systems", "engine", "platform", "infrastructure",
                 "compiler", "simulator", "package", "software", "codebase", "runtime", "server", "serving",
                 "implementation", "implementations",
                 "kernel", "kernels", "sdk", "api")),
    (MODEL, ("model", "models", "llm", "llms", "lm", "network", "networks", "architecture", "transformer",
             "transformers", "backbone", "encoder", "decoder", "agent", "family", "series", "generator",
             "detector", "classifier", "vlm", "mllm", "net", "machine", "autoencoder", "tokenizer", "assistant",
             "chatbot", "foundation")),
    (METHOD, ("method", "methods", "approach", "technique", "algorithm", "strategy", "framework", "paradigm",
              "recipe", "scheme", "procedure", "objective", "loss", "optimizer", "optimiser", "mechanism",
              "module", "block", "attention", "routing", "training", "pre-training", "pretraining", "learning",
              "tuning", "fine-tuning", "pruning", "quantization", "sampling", "decoding", "search", "distillation",
              "alignment", "adaptation", "averaging", "regularization", "initialization", "schedule",
              "parametrization", "parameterization", "policy", "optimization", "estimation", "guidance",
              "augmentation", "masking", "merging", "compression", "measurement", "summarization", "metric",
              "pipeline", "protocol", "prompting", "decomposer", "binding", "planning", "reasoning")),
)
_HEAD_INDEX = {w: t for t, words in HEAD_TYPES for w in words}
SYSTEM_CUES = re.compile(
    r"\b(?:distributed|cluster|clusters|gpus?|serving|infrastructure|open-source|codebase|system|kernels?|"
    r"parallelism|asynchronous|orchestrat\w+)\b", re.IGNORECASE)

NAME_TOKEN = r"[A-Za-z0-9μ](?:[\w+μ]|\.(?=\d))*(?:-(?:[\w+μ]|\.(?=\d))+)*"
LIST_AFTER_HEAD = re.compile(
    r"\b(?:datasets|benchmarks|corpora|tasks|suites)\s*(?:\(|,)?\s*(?:including|such as|like|e\.g\.,?|namely|:)\s+"
    r"((?:" + NAME_TOKEN + r")(?:,? (?:and |or )?(?:" + NAME_TOKEN + r")){0,8})")
MODEL_SIZE = re.compile(
    r"(?<![\w-])([A-Za-z][\w.]*(?:-[A-Za-z][\w.]*)*)-(\d+(?:\.\d+)?[BM])(?:-(?:Instruct|Chat|Base|it))?(?![\w-])")
MEMORY_SIZE = re.compile(r"\d+\s?(?:[KMGT]i?B?|GB|G)")
TITLE_PREFIX = re.compile(r"^\s*([^:]{1,60}?)\s*:\s+\S")


INTRO_VERBS = ("propose", "proposes", "introduce", "introduces", "present", "presents", "develop", "develops",
               "design", "designs", "release", "releases", "build", "builds", "construct", "constructs",
               "contribute", "curate", "curates", "create", "creates", "collect", "train", "trained", "pretrain",
               "open-source", "term", "dub", "call", "name", "show the capabilities of")
SUBJECT_BEFORE = re.compile(r"(?:\bwe|\bthis (?:paper|work|report)|\bthe paper|\bour work|\bhere)\s+(?:[\w-]+,?\s+){0,3}$")
TRIGGERS = {
    "dataset": ("dataset", "datasets", "benchmark", "benchmarks", "corpus", "suite", "test set", "data set"),
    "list": ("datasets", "benchmarks", "corpora", "tasks", "suites"),
    "hardware": ("gpu", "gpus", "tpu", "tpus", "npu", "npus", "accelerator", "accelerators", "chip", "chips"),
    "verb": INTRO_VERBS,
    "naming": ("called", "named", "dubbed", "termed", "coined", "namely", "our", "proposed"),
}
SENTENCE_BREAKS = (". ", "? ", "! ", "\n")


def _trigger_automaton():
    import ahocorasick

    automaton = ahocorasick.Automaton()
    keys: dict[str, list[str]] = {}
    for kind, words in TRIGGERS.items():
        for w in words:
            keys.setdefault(w, []).append(kind)
    for w, kinds in keys.items():
        automaton.add_word(w, (len(w), tuple(kinds)))
    automaton.make_automaton()
    return automaton


_TRIGGER_AUTOMATON = _trigger_automaton()
_CLASS_TABLE = bytes(
    (ord("a") if 97 <= i <= 122 else ord("A") if 65 <= i <= 90 else ord("0") if 48 <= i <= 57 else
     i if chr(i) in "-+." else 32) for i in range(256))
_CLASS_PATTERNS = (b"aA", b"a0a", b"A0a", b"a0A", b"A0A", b"AAa")


class Scan(NamedTuple):
    """What the rules need from one text, computed once: keyword positions, sentence starts, coined-token starts."""

    lowered: str
    triggers: dict[str, list[tuple[int, int]]]
    verbs: tuple[tuple[int, int], ...]
    coined_starts: tuple[int, ...]
    sentences: list[int]


def _token_start(text: str, i: int) -> int:
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "-+"):
        i -= 1
    return i


@lru_cache(maxsize=8)
def scan(text: str) -> Scan:
    lowered = text.lower()
    triggers: dict[str, list[tuple[int, int]]] = {k: [] for k in TRIGGERS}
    n = len(lowered)
    for last, (length, kinds) in _TRIGGER_AUTOMATON.iter(lowered):
        start = last - length + 1
        if (start and lowered[start - 1].isalnum()) or (last + 1 < n and lowered[last + 1].isalnum()):
            continue
        for kind in kinds:
            triggers[kind].append((start, last + 1))
    verbs = tuple((vs, ve) for vs, ve in triggers["verb"]
                  if SUBJECT_BEFORE.search(lowered, max(0, vs - 60), vs))
    try:
        classes = text.encode("ascii").translate(_CLASS_TABLE)
    except UnicodeEncodeError:
        classes = "".join(c if c.isascii() else ("a" if c.islower() else "A" if c.isupper() else " ")
                          for c in text).encode("ascii").translate(_CLASS_TABLE)
    starts = set()
    for pattern in _CLASS_PATTERNS:
        i = classes.find(pattern)
        while i >= 0:
            starts.add(_token_start(text, i))
            i = classes.find(pattern, i + 1)
    sentences = [0]
    for brk in SENTENCE_BREAKS:
        i = text.find(brk)
        while i >= 0:
            sentences.append(i + 1)
            i = text.find(brk, i + 1)
    sentences.sort()
    return Scan(lowered, triggers, verbs, tuple(sorted(starts)), sentences)


class Candidate(NamedTuple):
    """A discovered mention: `surfaces` are (text, start, end); the first is the name."""

    name: str
    type: str
    confidence: float
    introduced: bool
    rule: str
    surfaces: tuple[tuple[str, int, int], ...]


_LOWER_COINED = re.compile(r"[a-z]{1,3}[A-Z]{2,}[\w]*|[a-z]{1,2}[A-Z]\d[\w]*|[a-z]{2,}\d[a-z]{2,}")
_UNIT = re.compile(r"\d+(?:\.\d+)?\s?(?:[KMGT]B|[KMGT]iB|GHz|MHz|W|K|M|B|k|x|X|D|d|nm|ms)")
_PLUS_SPLIT = re.compile(r"[-+]")
_LF_SPLIT = re.compile(r"[\s\-]+")
_WORDS = re.compile(r"[A-Za-z][A-Za-z-]*")
_MODEL_NAME = re.compile(r"(?:GPT|LM|BERT|Net|ViT|Former|former|Diffusion|VL|LLaMA|Llama|Mamba|\d+[BM])$")
_DATASET_NAME = re.compile(r"(?:Bench|QA|Eval|Set|-\d+[Kk])$")
_SIMPLE_NAME = re.compile(r"[A-Z][\w.+-]+")
_TITLE_PUNCT = re.compile(r"[,;'\u2019!?()]")
_TOKEN_CHAR = re.compile(r"[\w-]")


def find_token(text: str, token: str, start: int = 0, plural: bool = False):
    """Start and end of each occurrence of `token` in `text` as a whole token (an "s" after it allowed if `plural`)."""
    n = len(token)
    i = text.find(token, start)
    while i >= 0:
        end = i + n
        if plural and text.startswith("s", end) and not (end + 1 < len(text) and _TOKEN_CHAR.match(text, end + 1)):
            end += 1
        if (i == 0 or not _TOKEN_CHAR.match(text, i - 1)) and (end >= len(text) or not _TOKEN_CHAR.match(text, end)):
            yield i, end
        i = text.find(token, i + 1)


def _coined_part(part: str) -> bool:
    """One hyphen-free piece of a token that looks coined."""
    letters = [c for c in part if c.isalpha()]
    if not letters:
        return False
    if part[0].isupper():
        stem = part[:-1] if part.endswith("s") and part[:-1].isupper() else part
        if stem.isupper():
            return len([c for c in stem if c.isalpha()]) >= 2 or any(c.isdigit() for c in stem)
        return any(c.isupper() for c in part[1:]) or any(c.isdigit() for c in part)
    if part[0].isdigit():
        return any(c.isupper() for c in part)
    return _LOWER_COINED.fullmatch(part) is not None


@lru_cache(maxsize=1 << 16)
def is_name_like(token: str) -> bool:
    """Looks like a coined name: CamelCase, ALLCAPS (2+ letters), or letters mixed with digits; not generic.

    Hyphenated words count only through a coined piece ("Video-XL" yes,
    "Parameter-Efficient" no); plurals of generic acronyms ("LLMs") never.
    """
    core = token.strip(".,;:()[]\"'!?")
    low = core.lower()
    if len(core) < 2 or low in GENERIC or low in STOP_NAMES or low in ORGANISATIONS or "_" in core:
        return False
    if low.endswith("s") and (low[:-1] in GENERIC or low[:-1] in ORGANISATIONS):
        return False
    if _UNIT.fullmatch(core):
        return False
    return any(_coined_part(p) for p in _PLUS_SPLIT.split(core) if p)


@lru_cache(maxsize=1 << 16)
def is_mixed_case(token: str) -> bool:
    """Coined with mixed case or digits ("SeTa", "DiNA", "3DGS"), not a plain acronym ("NAS", "PTQs")."""
    core = token.rstrip("s") if token[:-1].isupper() else token
    return is_name_like(token) and (not core.isupper() or any(c.isdigit() for c in core))


def is_short_acronym(token: str) -> bool:
    """Two or three capitals ("MD", "IQA"): too often a task or field to take for a dataset's name."""
    stem = token[:-1] if token.endswith("s") else token
    return len(stem) <= 3 and stem.isalpha() and stem.isupper()


def is_capitalised_word(token: str) -> bool:
    return token[:1].isupper() and token.lower() not in STOP_NAMES and token.lower() not in GENERIC


def is_proper_long_form(long: str) -> bool:
    """A long form written as a proper name: most content words capitalised."""
    words = [w for w in _LF_SPLIT.split(long) if w and w.lower() not in LF_STOPWORDS]
    if not words:
        return False
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return capitalised / len(words) >= 0.6


PREPOSITION = re.compile(r"\s(?:for|with|via|to|in|on|of|into|that|which|using|from|by|towards|toward|through|at|and)\s",
                         re.IGNORECASE)


def word_type(word: str) -> str | None:
    w = word.lower()
    return _HEAD_INDEX.get(w) or _HEAD_INDEX.get(w[:-1] if w.endswith("s") else w)


def head_type(phrase: str) -> str | None:
    """Type of a noun phrase from its head, the last word before any preposition.

    "scaled error correction model" -> Model; "Distributed ... Framework for
    Efficient LLM Training" -> the head is "Framework".
    """
    head_phrase = PREPOSITION.split(" " + phrase + " ", maxsplit=1)[0]
    words = _WORDS.findall(head_phrase)
    if not words:
        return None
    return word_type(words[-1]) or word_type(words[-1].split("-")[-1])


APPOSITIVE = re.compile(
    r"\s*(?:\([^()]{0,80}\)\s*)?(?:,|:|\u2014|-{1,2}|is|which is|as)?\s*(?:a|an|the|our)\s+((?:[\w-]+,?\s+){0,7}[\w-]+)",
    re.IGNORECASE)
CHUNK_END = re.compile(r"[,;.:()]|\s(?:for|with|via|to|in|on|of|into|that|which|using|from|by|towards|through|at|"
                       r"comprising|containing|including|consisting|trained|designed|built|based|where|whose|"
                       r"achieves|achieving|outperforms|enables|enabling|allows|can|is|are|was)\s", re.IGNORECASE)
CONNECTORS = re.compile(r"(?:\s*(?:,|:|named|called|dubbed|termed|coined|namely|as|i\.e\.|which we call))+\s*$",
                        re.IGNORECASE)


def chunk_head_type(words: str) -> str | None:
    """Type of the head (last typed word) of the first noun chunk in `words`.

    "framework" is a Method unless the chunk itself says it is software
    ("a distributed training framework" -> Framework).
    """
    chunk = CHUNK_END.split(" " + words + " ", maxsplit=1)[0]
    found = None
    last = ""
    for w in _WORDS.findall(chunk):
        t = word_type(w)
        if t:
            found, last = t, w.lower()
    if found == METHOD and last == "framework" and SYSTEM_CUES.search(chunk):
        return FRAMEWORK
    return found


def appositive_type(text: str, end: int) -> str | None:
    """Type from an appositive after a name: "NAME, a scalable training framework ..." -> Framework."""
    m = APPOSITIVE.match(text, end, end + 160)
    if not m:
        return None
    return chunk_head_type(m.group(1))


def preceding_type(text: str, start: int) -> str | None:
    """Type from the noun that names the kind just before a name: "a benchmark named X", "a model, dubbed X"."""
    window = text[max(sentence_start(text, start), start - 100):start]
    m = CONNECTORS.search(window)
    if not m or not m.group(0).strip():
        return None
    before = window[:m.start()]
    chunks = [c for c in CHUNK_END.split(" " + before) if c.strip()]
    for chunk in reversed(chunks[-2:]):
        words = _WORDS.findall(chunk)
        if words and word_type(words[-1]):
            t = word_type(words[-1])
            if t == METHOD and words[-1].lower() == "framework" and SYSTEM_CUES.search(chunk):
                return FRAMEWORK
            return t
    return None


NEXT_WORD = re.compile(r" ([A-Za-z][\w-]*)")


def following_type(text: str, end: int) -> str | None:
    """Type from a head noun right after a name: "the ToCa dataset", "our Pre-gated MoE system"."""
    m = NEXT_WORD.match(text, end)
    return word_type(m.group(1)) if m and m.group(1).lower() != "framework" else None


def infer_type(text: str, name: str, start: int, end: int, hint: str = "") -> tuple[str, float]:
    """A type for a discovered name and how sure we are: from the noun that introduces it, an appositive,
    a hint phrase (the rest of a title, an acronym's long form) and finally the name itself."""
    t = preceding_type(text, start) or appositive_type(text, end) or following_type(text, end)
    if t:
        return t, 0.85
    t = head_type(hint) if hint else None
    if t == METHOD and "framework" in hint.lower() and SYSTEM_CUES.search(hint):
        return FRAMEWORK, 0.8
    if t:
        return t, 0.75
    if _MODEL_NAME.search(name):
        return MODEL, 0.7
    if _DATASET_NAME.search(name):
        return DATASET, 0.7
    return METHOD, 0.55


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding `pos` starts (after ". ", "? ", "! " or a newline)."""
    starts = scan(text).sentences
    return starts[bisect_right(starts, pos) - 1]


NAMING_FILLERS = frozenset(("", "proposed", "new", "novel", "it"))


WEAK_NAMING = ("our", "proposed")


def named_right_before(text: str, sc: Scan, start: int, strong: bool = False) -> bool:
    """A naming word ends just before `start`: "called X", "dubbed X", "we call it X", and unless
    `strong`, "our (proposed) X". ("namely X" lists as often as it names, so it does not count.)"""
    for ks, ke in sc.triggers["naming"]:
        if sc.lowered.startswith("namely", ks) or (strong and sc.lowered.startswith(WEAK_NAMING, ks)):
            continue
        if start - 40 <= ke <= start and text[ke:start].strip().lower() in NAMING_FILLERS:
            return True
    for vs, ve in sc.verbs:
        if start - 40 <= ve <= start and sc.lowered.startswith(("call", "name", "term", "dub"), vs) \
                and text[ve:start].strip().lower() in NAMING_FILLERS:
            return True
    return False


def is_introduced(text: str, start: int, title_end: int) -> bool:
    """The paper presents the thing at `start`: it is in the title, named, "our X", or after "we propose"."""
    if start < title_end:
        return True
    sc = scan(text)
    if named_right_before(text, sc, start):
        return True
    s = sc.sentences[bisect_right(sc.sentences, start) - 1]
    return start - s < 260 and any(s <= vs and ve <= start for vs, ve in sc.verbs)


GENERIC_TITLE_WORDS = frozenset("""
scaling laws law models model networks network learning training transformers transformer language vision
large small deep neural data efficient inverse
""".split())


def is_title_name(prefix: str) -> bool:
    """The part of a title before its colon names something: a coined token, or a short Capitalised phrase."""
    words = prefix.split()
    if not words or len(words) > 4 or words[0].lower() in STOP_NAMES:
        return False
    if len(words) == 1:
        if is_name_like(prefix):
            return True
        return (is_capitalised_word(prefix) and not prefix.lower().endswith("ing")
                and _SIMPLE_NAME.fullmatch(prefix) is not None)
    if _TITLE_PUNCT.search(prefix) or not all(w[:1].isupper() or w[:1].isdigit() for w in words):
        return False
    if any(is_name_like(w) for w in words):
        return True
    if words[0].lower().endswith("ing"):
        return False
    return not all(w.lower() in GENERIC_TITLE_WORDS for w in words)


def title_names(text: str, title_end: int) -> list[Candidate]:
    """The name before the title's colon; typed from how the abstract first describes it, else the title."""
    m = TITLE_PREFIX.match(text[:title_end])
    if not m:
        return []
    prefix = m.group(1).strip().rstrip("!?.")
    words = prefix.split()
    if words and is_name_like(words[0]) and any(w[:1].islower() or not w[:1].isalnum() for w in words[1:]):
        prefix = words[0]
    if not is_title_name(prefix):
        return []
    start = m.start(1)
    end = start + len(prefix)
    t = None
    for later_start, later_end in find_token(text, prefix, title_end):
        t = preceding_type(text, later_start) or appositive_type(text, later_end) or following_type(text, later_end)
        if t:
            break
    conf = 0.85
    if t is None:
        t, conf = infer_type(text, prefix, start, end, hint=text[end + 1:title_end])
    single = len(prefix.split()) == 1 or any(is_name_like(w) for w in prefix.split())
    return [Candidate(prefix, t, max(conf, 0.8) if single else 0.7, True, "title", ((prefix, start, end),))]


def acronym_names(text: str, title_end: int) -> list[Candidate]:
    out = []
    for a in find_abbreviations(text):
        short, long = a.short, a.long
        if short.lower() in GENERIC or short.lower().rstrip("s") in GENERIC:
            continue
        introduced = is_introduced(text, min(a.short_start, a.long_start), title_end)
        proper = is_proper_long_form(long)
        mixed = is_mixed_case(short)
        if not ((introduced and (proper or mixed)) or mixed):
            continue
        t, conf = infer_type(text, short, a.short_start, a.short_start + len(short), hint=long)
        surfaces = ((short, a.short_start, a.short_start + len(short)), (long, a.long_start, a.long_start + len(long)))
        out.append(Candidate(short, t, min(0.95, conf + (0.1 if proper else 0.0)), introduced, "acronym", surfaces))
    return out


NAMING_VERBS = ("propose", "introduce", "present", "develop", "release", "call", "term", "dub", "name")
_NAME_SEQ = r"(" + NAME_TOKEN + r"(?: " + NAME_TOKEN + r"){0,4})"
AFTER_VERB = re.compile(r"s?\s+(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,5}?(?:called|named|dubbed|termed)\s+)?" + _NAME_SEQ,
                        re.IGNORECASE)
AFTER_NAMING = re.compile(r"\s+" + _NAME_SEQ)
AFTER_OUR = re.compile(r"\s+(?:proposed |new |novel )?(?:method|approach|model|framework|system|dataset|benchmark|"
                       r"algorithm|technique)?,?\s+" + _NAME_SEQ, re.IGNORECASE)


def leading_name(phrase: str) -> str | None:
    """The name at the start of a phrase: a coined token, or a run of Capitalised words."""
    words = phrase.split()
    if not words or words[0].lower() in STOP_NAMES:
        return None
    if is_name_like(words[0]) and (len(words) == 1 or not words[1][:1].isupper()):
        return words[0].rstrip(".,;:")
    kept = []
    for w in words:
        if (w[:1].isupper() or is_name_like(w)) and w.lower() not in STOP_NAMES:
            kept.append(w)
        else:
            break
    if not kept:
        return None
    name = " ".join(kept).rstrip(".,;:")
    if len(kept) == 1 and not (is_name_like(name) or (is_capitalised_word(name) and len(name) >= 3)):
        return None
    return name.rstrip("_")


def introduced_names(text: str, title_end: int) -> list[Candidate]:
    """Names right after "we propose/introduce/present", "our proposed method," or "called/dubbed".

    "namely X" also names things the paper only lists ("existing works, namely
    PEFT and ..."), so it marks X as introduced only inside a "we propose" sentence.
    """
    sc = scan(text)
    matches = [(AFTER_VERB.match(text, ve), True) for vs, ve in sc.verbs if sc.lowered.startswith(NAMING_VERBS, vs)]
    for ks, ke in sc.triggers["naming"]:
        pattern = AFTER_OUR if sc.lowered.startswith("our", ks) else AFTER_NAMING
        matches.append((pattern.match(text, ke), not sc.lowered.startswith("namely", ks)))
    out = []
    for m, presents in matches:
        if m is None:
            continue
        raw = m.group(1)
        if raw[:1].islower() and not is_name_like(raw.split()[0]):
            continue
        name = leading_name(raw)
        if not name:
            continue
        start = m.start(1)
        end = start + len(name)
        t, conf = infer_type(text, name, start, end)
        introduced = presents or any(vs < start and start - vs < 260 and sentence_start(text, start) <= vs
                                     for vs, _ in sc.verbs)
        out.append(Candidate(name, t, conf if len(name.split()) == 1 or t != METHOD else 0.7, introduced, "intro",
                             ((name, start, end),)))
    return out


NOT_COINED = re.compile(r"[A-Z]{2,}[a-z]+(?:ing|ed|tion|ly|ity)|[A-Z0-9]{1,2}2[A-Z0-9]{1,2}|[A-Z]{2,}s|\d+[A-Za-z]{1,2}")
TOKEN_AT = re.compile(r"[\w.+-]+")
COUNT_PREFIX = re.compile(r"\d+[x\u00d7]")


def coined_names(text: str, title_end: int, covered: bytes | None = None) -> list[Candidate]:
    """CamelCase coinages ("CityGaussian", "GaLore", "PackMamba") and letter-digit-letter names ("long2short")."""
    out = []
    names: set[str] = set()
    for start in scan(text).coined_starts:
        if covered is not None and covered[start]:
            continue
        m = TOKEN_AT.match(text, start)
        name = m.group(0).rstrip(".-+_") if m else ""
        count = COUNT_PREFIX.match(name)
        if count:
            start += count.end()
            name = name[count.end():]
            if covered is not None and covered[start]:
                continue
        if not name or name in names or name[0] in "-+" or not is_mixed_case(name) or NOT_COINED.fullmatch(name):
            continue
        names.add(name)
        end = start + len(name)
        t_, conf = infer_type(text, name, start, end)
        out.append(Candidate(name, t_, min(conf, 0.6), is_introduced(text, start, title_end), "coined",
                             ((name, start, end),)))
    return out


def _dataset_name(phrase: str) -> str | None:
    """The name at the end of a phrase before "dataset": keep trailing name-like/capitalised tokens."""
    words = phrase.split()
    kept: list[str] = []
    for w in reversed(words):
        if is_name_like(w) or (is_capitalised_word(w) and not kept):
            kept.insert(0, w)
        else:
            break
    if not kept:
        return None
    name = " ".join(kept)
    if len(kept) == 1 and not is_name_like(name) and (name.lower() in STOP_NAMES or len(name) < 3):
        return None
    return name


NAME_TOKEN_RE = re.compile(NAME_TOKEN)
MODEL_NUMBER = re.compile(r"[A-Z]?\d{2,4}[A-Z]{0,3}|[A-Z][A-Za-z]*-?\d{2,4}[A-Z]{0,3}")
CAPITALISED = re.compile(r"[A-Z][A-Za-z]*")
LIST_LEAD = (" on ", " across ", " using ", " with ")
LIST_SPLIT = re.compile(r",? (?:and|or) |, ")
PHRASE_BREAK = (". ", "; ", ": ", "(", "\n")


def words_before(text: str, end: int, n: int) -> list[tuple[int, str]]:
    """Up to `n` name-shaped words ending at `end` (exclusive), nearest last; stops at punctuation."""
    out: list[tuple[int, str]] = []
    pos = end
    while len(out) < n and pos > 0:
        start = text.rfind(" ", 0, pos) + 1
        word = text[start:pos]
        if not word or NAME_TOKEN_RE.fullmatch(word) is None:
            break
        out.insert(0, (start, word))
        pos = start - 1
        if pos <= 0 or text[pos] != " ":
            break
    return out


def _size_token(text: str, i: int) -> tuple[int, str] | None:
    """The whitespace-delimited token around a size letter at `i` ("Llama-2-7B"), without brackets."""
    start = i
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "([{\"'":
        start -= 1
    end = i + 1
    while end < len(text) and (text[end].isalnum() or text[end] == "-"):
        end += 1
    token = text[start:end]
    return (start, token) if MODEL_SIZE.fullmatch(token) else None


def context_names(text: str, title_end: int, covered: bytes | None = None) -> list[Candidate]:
    """Typed context patterns, each tried only where its keyword occurs (no full-text regex scans)."""
    out: list[Candidate] = []
    triggers = scan(text).triggers
    for ks, _ in triggers["dataset"]:
        if ks < 2 or text[ks - 1] != " ":
            continue
        words = words_before(text, ks - 1, 3)
        if not words:
            continue
        name = _dataset_name(" ".join(w for _, w in words))
        if not name or is_short_acronym(name):
            continue
        start = ks - 1 - len(name)
        if covered is not None and covered[start]:
            continue
        before = text[max(0, start - 4):start]
        if any(is_name_like(w) for w in name.split()) or (" " not in name and before in ("the ", "The ")):
            out.append(Candidate(name, DATASET, 0.75, is_introduced(text, start, title_end), "dataset-context",
                                 ((name, start, start + len(name)),)))
    for ks, _ in triggers["list"]:
        lists = []
        after = LIST_AFTER_HEAD.match(text, ks)
        if after:
            lists.append((after.start(1), after.group(1)))
        if text.startswith(("datasets", "benchmarks"), ks):
            segment_start = max(text.rfind(b, max(0, ks - 200), ks) + len(b) for b in PHRASE_BREAK)
            lead = max(text.rfind(w, segment_start, ks) for w in LIST_LEAD)
            if lead >= 0:
                items_start = text.index(" ", lead + 1) + 1
                lists.append((items_start, text[items_start:ks - 1]))
        for offset, items in lists:
            parts = LIST_SPLIT.split(items)
            if len(parts) < 2 and offset != (after.start(1) if after else -1):
                continue
            pos = offset
            for part in parts:
                at = text.find(part, pos)
                pos = at + len(part)
                for item in NAME_TOKEN_RE.finditer(part):
                    name = item.group(0).rstrip(".")
                    if not is_name_like(name) or is_short_acronym(name):
                        continue
                    start = at + item.start()
                    out.append(Candidate(name, DATASET, 0.7, False, "dataset-list",
                                         ((name, start, start + len(name)),)))
    for ks, _ in triggers["hardware"]:
        if ks < 2 or text[ks - 1] != " ":
            continue
        words = words_before(text, ks - 1, 2)
        if not words or MODEL_NUMBER.fullmatch(words[-1][1]) is None:
            continue
        start, name = words[-1]
        if len(words) == 2 and CAPITALISED.fullmatch(words[0][1]) and words[0][1].lower() not in STOP_NAMES:
            start, name = words[0][0], f"{words[0][1]} {name}"
        if (covered is not None and covered[start]) or not any(c.isalpha() for c in name) or MEMORY_SIZE.fullmatch(name):
            continue
        out.append(Candidate(name, HARDWARE, 0.7, False, "hardware-context", ((name, start, start + len(name)),)))
    seen = set()
    for letter in "BM":
        i = text.find(letter, 1)
        while i >= 0:
            if text[i - 1].isdigit():
                found = _size_token(text, i)
                if found and found[0] not in seen:
                    start, token = found
                    seen.add(start)
                    base = MODEL_SIZE.fullmatch(token).group(1)
                    if base.lower() not in GENERIC and base.lower() not in STOP_NAMES:
                        out.append(Candidate(token, MODEL, 0.7, is_introduced(text, start, title_end), "model-size",
                                             ((token, start, start + len(token)),)))
            i = text.find(letter, i + 1)
    return out


def url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of whitespace-delimited tokens that look like URLs or e-mail addresses."""
    spans = set()
    for hint in URL_HINT:
        i = text.find(hint)
        while i >= 0:
            start = max(text.rfind(" ", 0, i), text.rfind("\n", 0, i)) + 1
            end = len(text)
            for ws in (" ", "\n"):
                j = text.find(ws, i)
                if j >= 0:
                    end = min(end, j)
            if hint != "@" or "." in text[i:end]:
                spans.add((start, end))
            i = text.find(hint, end)
    return sorted(spans)


URL_HINT = ("://", "www.", ".com/", ".org/", ".io/", ".ai/", ".net/", "github.com", "@")


def discover(text: str, title_end: int, covered: bytes | None = None) -> list[Candidate]:
    """All discovery rules over one paper's text (title, newline, abstract); nothing inside URLs.

    `covered` marks characters already linked to the catalog: the context and
    coinage rules skip names that start there.
    """
    candidates = (title_names(text, title_end) + acronym_names(text, title_end)
                  + introduced_names(text, title_end) + context_names(text, title_end, covered)
                  + coined_names(text, title_end, covered))
    urls = url_spans(text)
    if not urls:
        return candidates
    return [c for c in candidates
            if not any(s <= c.surfaces[0][1] < e for s, e in urls)]
