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
from typing import NamedTuple

from kg.link.abbreviation import find_abbreviations

METHOD, MODEL, DATASET, HARDWARE, FRAMEWORK = "Method", "Model", "Dataset", "Hardware", "Framework"

GENERIC = frozenset("""
ai ml nlp cv rl llm llms lm lms mllm mllms vlm vlms lvlm lvlms slm slms gpu gpus cpu cpus npu npus
asr tts wer cer bleu fid is psnr ssim lpips rouge map iou auc f1 em sota api apis sdk io gb tb
cnn cnns rnn rnns gan gans mlp mlps nn nns dnn dnns snn snns gnn gnns vae vaes ae
qa vqa iid ood kl mse rmse mae nll ppl pdf ode odes pde pdes sde sdes
ar nar moes sft icl kd pt ft pef peft hpc ddp ddl dl dnn flops flop tflops mfu
usa uk eu us id ids url it ie eg et al fig tab sec app
""".split())

STOP_NAMES = frozenset("""
a an the this that these those our we it its their they in on of for to with via by from and or but as at
survey position review tutorial overview erratum note correction introduction keynote abstract summary
part chapter appendix towards toward beyond rethinking revisiting understanding
""".split())

LF_STOPWORDS = frozenset("of and the for with in on to via a an by from at as".split())

HEAD_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DATASET, ("dataset", "datasets", "benchmark", "benchmarks", "corpus", "corpora", "suite", "testbed",
               "leaderboard", "bench", "collection", "challenge", "arena", "data set")),
    (HARDWARE, ("chip", "chips", "accelerator", "accelerators", "processor", "gpu", "gpus", "npu", "npus",
                "supercomputer", "robot", "humanoid")),
    (FRAMEWORK, ("library", "toolkit", "toolbox", "system", "systems", "engine", "platform", "infrastructure",
                 "compiler", "simulator", "package", "software", "codebase", "runtime", "server", "serving",
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
    r"\b(?:distributed|cluster|clusters|gpus?|throughput|serving|scalable infrastructure|open-source library|"
    r"codebase|system|kernels?|parallelism|asynchronous|rollout|orchestrat\w+)\b", re.IGNORECASE)

INTRO_VERB = re.compile(
    r"\b(?:we|this (?:paper|work|report)|the paper|our work|here)\s+(?:\w+\s+){0,3}?"
    r"(?:propose|proposes|introduce|introduces|present|presents|develop|develops|design|designs|release|"
    r"releases|build|builds|construct|constructs|contribute|curate|curates|create|creates|collect|train|"
    r"trained|pretrain|open-source|term|dub|call|name|show the capabilities of)\b",
    re.IGNORECASE,
)
NAMING = re.compile(r"\b(?:called|named|dubbed|termed|coined|namely|which we call|we call it|we name it)\s*$",
                    re.IGNORECASE)
OURS = re.compile(r"\b(?:our|the proposed|our proposed|our new)\s+$", re.IGNORECASE)

NAME_TOKEN = r"[A-Za-z0-9μ][\w.+μ]*(?:-[\w.+μ]+)*"
DATASET_AFTER = re.compile(
    r"(?<![\w-])((?:" + NAME_TOKEN + r")(?: " + NAME_TOKEN + r"){0,2}) (?:dataset|datasets|benchmark|benchmarks|corpus|suite|test set|data set)\b")
LIST_AFTER_HEAD = re.compile(
    r"\b(?:datasets|benchmarks|corpora|tasks|suites)\s*(?:\(|,)?\s*(?:including|such as|like|e\.g\.,?|namely|:)\s+"
    r"((?:" + NAME_TOKEN + r")(?:,? (?:and |or )?(?:" + NAME_TOKEN + r")){0,8})")
LIST_BEFORE_HEAD = re.compile(
    r"\b(?:on|across|using|with)\s+((?:" + NAME_TOKEN + r")(?:, (?:" + NAME_TOKEN + r")){0,6},? (?:and|or) (?:"
    + NAME_TOKEN + r")) (?:datasets|benchmarks)\b")
HARDWARE_CONTEXT = re.compile(
    r"\b((?:[A-Z][A-Za-z]*[ -]?)?[A-Z]?\d{2,4}[A-Z]{0,3}(?:[ -][A-Z]{1,4})?) (?:GPUs?|TPUs?|NPUs?|accelerators?|chips?)\b")
MODEL_SIZE = re.compile(
    r"(?<![\w-])([A-Za-z][\w.]*(?:-[A-Za-z][\w.]*)*)-(\d+(?:\.\d+)?[BM])(?:-(?:Instruct|Chat|Base|it))?(?![\w-])")
TITLE_PREFIX = re.compile(r"^\s*([^:]{1,60}?)\s*:\s+\S")


class Candidate(NamedTuple):
    """A discovered mention: `surfaces` are (text, start, end); the first is the name."""

    name: str
    type: str
    confidence: float
    introduced: bool
    rule: str
    surfaces: tuple[tuple[str, int, int], ...]


def is_name_like(token: str) -> bool:
    """Looks like a coined name: CamelCase, ALLCAPS (2+ letters), or letters mixed with digits; not generic."""
    core = token.strip(".,;:()[]\"'")
    if len(core) < 2 or core.lower() in GENERIC or core.lower() in STOP_NAMES:
        return False
    letters = [c for c in core if c.isalpha()]
    if not letters:
        return False
    has_digit = any(c.isdigit() for c in core)
    upper_inside = any(c.isupper() for c in core[1:])
    if core.isupper() and len(letters) >= 2:
        return not (core.endswith("S") and core[:-1].lower() in GENERIC)
    if core[0].isupper() and upper_inside:
        return not (core.endswith("s") and core[:-1].lower() in GENERIC)
    if has_digit and (core[0].isupper() or upper_inside):
        return True
    return core[0].islower() and upper_inside and not core.endswith("s")


def is_capitalised_word(token: str) -> bool:
    return token[:1].isupper() and token.lower() not in STOP_NAMES and token.lower() not in GENERIC


def is_proper_long_form(long: str) -> bool:
    """A long form written as a proper name: most content words capitalised."""
    words = [w for w in re.split(r"[\s\-]+", long) if w and w.lower() not in LF_STOPWORDS]
    if not words:
        return False
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return capitalised / len(words) >= 0.6


def head_type(phrase: str) -> str | None:
    """Type of the last typed head word in a phrase ("scaled error correction model" -> Model)."""
    found = None
    for w in re.findall(r"[A-Za-z][A-Za-z-]*", phrase.lower()):
        t = _HEAD_INDEX.get(w) or _HEAD_INDEX.get(w.rstrip("s"))
        if t:
            found = t
    return found


APPOSITIVE = re.compile(
    r"^\s*(?:\([^()]{0,80}\)\s*)?(?:,|:|\u2014|-{1,2}|is|which is|as)?\s*(?:a|an|the|our)\s+((?:[\w-]+\s+){0,6}?[\w-]+)"
    r"(?=\s*(?:that|which|to|for|with|designed|built|based|,|\.|;|$))", re.IGNORECASE)


def appositive_type(text: str, end: int) -> str | None:
    """Type from an appositive after a name: "NAME, a scalable training framework ..." -> Framework."""
    m = APPOSITIVE.match(text[end:end + 160])
    if not m:
        return None
    t = head_type(m.group(1))
    if t == METHOD and "framework" in m.group(1).lower() and SYSTEM_CUES.search(text[end:end + 240]):
        return FRAMEWORK
    return t


def infer_type(text: str, name: str, start: int, end: int, hint: str = "") -> tuple[str, float]:
    """A type for a discovered name and how sure we are, from appositive, hint phrase and the name itself."""
    t = appositive_type(text, end)
    if t:
        return t, 0.85
    t = head_type(hint) if hint else None
    if t == METHOD and "framework" in hint.lower() and SYSTEM_CUES.search(hint + " " + text[end:end + 240]):
        return FRAMEWORK, 0.8
    if t:
        return t, 0.75
    if re.search(r"(?:GPT|LM|BERT|Net|ViT|Former|former|Diffusion|VL|LLaMA|Llama|Mamba|\d+[BM])$", name):
        return MODEL, 0.7
    if re.search(r"(?:Bench|QA|Eval|Set|-\d+[Kk])$", name):
        return DATASET, 0.7
    return METHOD, 0.55


def sentence_start(text: str, pos: int) -> int:
    cut = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos), text.rfind("? ", 0, pos), text.rfind("! ", 0, pos))
    return cut + 1 if cut >= 0 else 0


def is_introduced(text: str, start: int, title_end: int) -> bool:
    """The paper presents the thing at `start`: it is in the title, named, "our X", or after "we propose"."""
    if start < title_end:
        return True
    before = text[max(0, start - 40):start]
    if NAMING.search(before) or OURS.search(before):
        return True
    s = sentence_start(text, start)
    return INTRO_VERB.search(text, s, start) is not None and start - s < 260


def title_names(text: str, title_end: int) -> list[Candidate]:
    """The name before the title's colon: one name-like token, or a short phrase with a name-like token."""
    m = TITLE_PREFIX.match(text[:title_end])
    if not m:
        return []
    prefix = m.group(1).strip()
    words = prefix.split()
    if len(words) > 4 or prefix.lower() in STOP_NAMES or words[0].lower() in STOP_NAMES:
        return []
    if len(words) == 1:
        if not (is_name_like(prefix) or (is_capitalised_word(prefix) and prefix.isalpha() or re.fullmatch(r"[A-Z][\w.+-]+", prefix))):
            return []
    elif not any(is_name_like(w) for w in words):
        return []
    start = m.start(1)
    end = start + len(prefix)
    rest = text[end + 1:title_end]
    t, conf = infer_type(text, prefix, start, end, hint=rest)
    return [Candidate(prefix, t, max(conf, 0.8), True, "title", ((prefix, start, end),))]


def acronym_names(text: str, title_end: int) -> list[Candidate]:
    out = []
    for a in find_abbreviations(text):
        short, long = a.short, a.long
        if short.lower() in GENERIC or short.lower().rstrip("s") in GENERIC:
            continue
        introduced = is_introduced(text, min(a.short_start, a.long_start), title_end)
        proper = is_proper_long_form(long)
        if not proper and not (introduced and (is_name_like(short) or len(short) >= 3)):
            continue
        t, conf = infer_type(text, short, a.short_start, a.short_start + len(short), hint=long)
        surfaces = ((short, a.short_start, a.short_start + len(short)), (long, a.long_start, a.long_start + len(long)))
        out.append(Candidate(short, t, min(0.95, conf + (0.1 if proper else 0.0)), introduced, "acronym", surfaces))
    return out


INTRODUCED_NAME = re.compile(
    r"\b(?:we|this (?:paper|work|report))\s+(?:\w+\s+){0,2}?(?:propose|introduce|present|develop|release|call|term|dub)s?\s+"
    r"(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,5}?(?:called|named|dubbed|termed)\s+)?(" + NAME_TOKEN + r"(?: " + NAME_TOKEN + r")?)",
    re.IGNORECASE)


def introduced_names(text: str, title_end: int) -> list[Candidate]:
    out = []
    for m in INTRODUCED_NAME.finditer(text):
        name = m.group(1)
        words = name.split()
        if len(words) == 2 and not is_name_like(words[1]):
            name = words[0]
        if not is_name_like(name.split()[0]):
            continue
        start = m.start(1)
        end = start + len(name)
        t, conf = infer_type(text, name, start, end)
        out.append(Candidate(name, t, conf, True, "intro", ((name, start, end),)))
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


def context_names(text: str, title_end: int) -> list[Candidate]:
    out: list[Candidate] = []
    for m in DATASET_AFTER.finditer(text):
        name = _dataset_name(m.group(1))
        if not name or (m.start(1) == sentence_start(text, m.start(1)) and " " not in name and not is_name_like(name)):
            continue
        start = m.end(1) - len(name)
        out.append(Candidate(name, DATASET, 0.75, is_introduced(text, start, title_end), "dataset-context",
                             ((name, start, start + len(name)),)))
    for pattern in (LIST_AFTER_HEAD, LIST_BEFORE_HEAD):
        for m in pattern.finditer(text):
            for item in re.finditer(NAME_TOKEN, m.group(1)):
                name = item.group(0).rstrip(".")
                if name.lower() in ("and", "or") or not is_name_like(name):
                    continue
                start = m.start(1) + item.start()
                out.append(Candidate(name, DATASET, 0.7, False, "dataset-list", ((name, start, start + len(name)),)))
    for m in HARDWARE_CONTEXT.finditer(text):
        name = m.group(1).strip(" -")
        if not any(c.isalpha() for c in name):
            continue
        out.append(Candidate(name, HARDWARE, 0.7, False, "hardware-context", ((name, m.start(1), m.start(1) + len(name)),)))
    for m in MODEL_SIZE.finditer(text):
        name = m.group(0)
        base = m.group(1)
        if base.lower() in GENERIC or base.lower() in STOP_NAMES:
            continue
        out.append(Candidate(name, MODEL, 0.7, is_introduced(text, m.start(), title_end), "model-size",
                             ((name, m.start(), m.end()),)))
    return out


def discover(text: str, title_end: int) -> list[Candidate]:
    """All discovery rules over one paper's text (title, newline, abstract)."""
    return (title_names(text, title_end) + acronym_names(text, title_end)
            + introduced_names(text, title_end) + context_names(text, title_end))
