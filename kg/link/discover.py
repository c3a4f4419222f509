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
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import NamedTuple

import ahocorasick

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

# A name token: word characters and "+", a "." only before a digit, single hyphens between.
# Written as runs of a character class ("[\w+μ]*"), which `re` matches far faster than the
# equivalent "(?:[\w+μ]|\.(?=\d))*", one alternation per character.
_NAME_RUN = r"[\w+μ]*(?:\.(?=\d)[\w+μ]*)*"
NAME_TOKEN = r"[A-Za-z0-9μ]" + _NAME_RUN + r"(?:-(?:[\w+μ]|\.(?=\d))" + _NAME_RUN + r")*"
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


def _alternation(words) -> str:
    """A regex matching any of `words`, shaped as a trie so that `re` tries one branch per letter."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
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
    (ord("a") if 97 <= i <= 122 else ord("A") if 65 <= i <= 90 else ord("0") if 48 <= i <= 57 else
     i if chr(i) in "-+" else 32) for i in range(256))
# Where a token turns coined: "aA", "AAa", or a digit between letters ("a0a", "A0A", ...), each
# match running on to the end of its token. Two patterns, each starting with one literal byte,
# because `re` searches for a literal far faster than for a character set.
_COINED_CLASSES = (re.compile(rb"A(?:(?<=aA)|(?<=AA)(?=a)|0[aA]|(?<=a0A))[aA0+-]*"),
                   re.compile(rb"0(?<=a0)(?=a)[aA0+-]*"))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _spaced(lowered: str) -> bytes:
    """`lowered` as ASCII bytes with each non-alphanumeric character a space, padded with a space each side."""
    if lowered.isascii():
        return b" " + lowered.encode("ascii").translate(_SPACED_TABLE) + b" "
    return b" " + _NOT_ALNUM.sub(" ", lowered).encode("ascii", "replace") + b" "


def _find_triggers(lowered: str) -> dict[str, list[tuple[int, int]]]:
    """Start and end of each whole-word `TRIGGERS` keyword in `lowered`, by kind."""
    triggers: dict[str, list[tuple[int, int]]] = {kind: [] for kind in TRIGGERS}
    for last, (n, word, kinds) in _TRIGGER_AUTOMATON.iter(_spaced(lowered).decode("latin-1")):
        start = last - n - 1
        if word is None or lowered.startswith(word, start):
            for kind in kinds:
                triggers[kind].append((start, start + n))
    return triggers


def _has_subject(lowered: str, start: int, end: int) -> bool:
    """`SUBJECT_BEFORE` matches in lowered[start:end]; tried only where one of its subjects starts."""
    for subject in _SUBJECT_STARTS:
        i = lowered.find(subject, start, end)
        while i >= 0:
            if SUBJECT_BEFORE.match(lowered, i, end):
                return True
            i = lowered.find(subject, i + 1, end)
    return False


def _ascii_class(c: str) -> str:
    return "a" if c.islower() else "A" if c.isupper() else " "


def _token_start(text: str, i: int) -> int:
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "-+"):
        i -= 1
    return i


def _coined_starts(text: str) -> tuple[int, ...]:
    """Starts of the tokens (runs of letters, digits, "-" and "+") holding one of the `_COINED_CLASSES`."""
    if text.isascii():
        classes = text.encode("ascii").translate(_CLASS_TABLE)
        return tuple(sorted({classes.rfind(b" ", 0, m.start()) + 1
                             for pattern in _COINED_CLASSES for m in pattern.finditer(classes)}))
    # Non-ASCII letters count by case; the token bounds come from the text itself.
    ascii_text = _NON_ASCII.sub(lambda m: _ascii_class(m.group()), text)
    classes = ascii_text.encode("ascii").translate(_CLASS_TABLE)
    return tuple(sorted({_token_start(text, m.start()) for pattern in _COINED_CLASSES for m in pattern.finditer(classes)}))


def _sentence_starts(text: str) -> list[int]:
    """Where sentences start: 0 and after each of `SENTENCE_BREAKS`."""
    starts = [0]
    for char, brk in _SENTENCE_BREAKS:
        if char in text:
            starts += [m.start() + 1 for m in brk.finditer(text)]
    starts.sort()
    return starts


class Scan(NamedTuple):
    """What the rules need from one text, computed once: keyword positions, sentence starts, coined-token starts.

    `naming_ends` are where a naming word ends ("called", "dubbed", "we call", "our", not "namely"), for
    `named_right_before`; `strong_naming_ends` leave out `WEAK_NAMING`.
    """

    lowered: str
    triggers: dict[str, list[tuple[int, int]]]
    verbs: tuple[tuple[int, int], ...]
    coined_starts: tuple[int, ...]
    sentences: list[int]
    naming_ends: tuple[int, ...] = ()          # sorted
    strong_naming_ends: tuple[int, ...] = ()   # sorted
    verb_starts: tuple[int, ...] = ()          # the verbs' starts, sorted
    verb_min_end: tuple[int, ...] = ()         # verb_min_end[i]: the earliest end among verbs from verb_starts[i] on


@lru_cache(maxsize=8)
def scan(text: str) -> Scan:
    lowered = text.lower()
    triggers = _find_triggers(lowered)
    verbs = tuple((vs, ve) for vs, ve in triggers["verb"] if _has_subject(lowered, max(0, vs - 60), vs))
    strong = tuple(ke for ks, ke in triggers["naming"] if not lowered.startswith(("namely", *WEAK_NAMING), ks))
    strong += tuple(ve for vs, ve in verbs if lowered.startswith(NAMING_VERB_WORDS, vs))
    weak = tuple(ke for ks, ke in triggers["naming"] if lowered.startswith(WEAK_NAMING, ks))
    by_start = sorted(verbs)
    min_end: list[int] = []
    for _, ve in reversed(by_start):
        min_end.append(min(ve, min_end[-1]) if min_end else ve)
    return Scan(lowered, triggers, verbs, _coined_starts(text), _sentence_starts(text), tuple(sorted(strong + weak)),
                tuple(sorted(strong)), tuple(vs for vs, _ in by_start), tuple(reversed(min_end)))


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
# The characters those two end with, for a quick test before the search, which tries every position.
_MODEL_NAME_LAST = frozenset("TMtrnLAaB")
_DATASET_NAME_LAST = frozenset("hAltKk")

_SIMPLE_NAME = re.compile(r"[A-Z][\w.+-]+")
_TITLE_PUNCT = re.compile(r"[,;'\u2019!?()]")
_TOKEN_CHAR = re.compile(r"[\w-]")


def _last_char_in(name: str, chars: frozenset[str]) -> bool:
    """The last character of `name`, before a final newline (where "$" also matches), is one of `chars`."""
    return (name[-2:-1] if name.endswith("\n") else name[-1:]) in chars


def find_token(text: str, token: str, start: int = 0, plural: bool = False):
    """Start and end of each occurrence of `token` in `text` as a whole token (an "s" after it allowed if `plural`)."""
    i = text.find(token, start)
    while i >= 0:
        end = token_end(text, token, i, plural)
        if end is not None:
            yield i, end
        i = text.find(token, i + 1)


def token_end(text: str, token: str, i: int, plural: bool = False) -> int | None:
    """Where the occurrence of `token` at `i` ends if it is a whole token there (see `find_token`), else None."""
    end = i + len(token)
    if plural and text.startswith("s", end) and not (end + 1 < len(text) and _TOKEN_CHAR.match(text, end + 1)):
        end += 1
    if (i == 0 or not _TOKEN_CHAR.match(text, i - 1)) and (end >= len(text) or not _TOKEN_CHAR.match(text, end)):
        return end
    return None


def _coined_part(part: str) -> bool:
    """One hyphen-free piece of a token that looks coined."""
    if not any(map(str.isalpha, part)):
        return False
    if part[0].isupper():
        stem = part[:-1] if part.endswith("s") and part[:-1].isupper() else part
        if stem.isupper():
            return sum(map(str.isalpha, stem)) >= 2 or any(map(str.isdigit, stem))
        return any(map(str.isupper, part[1:])) or any(map(str.isdigit, part))
    if part[0].isdigit():
        return any(map(str.isupper, part))
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
    if "-" not in core and "+" not in core:
        return _coined_part(core)
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


PREPOSITIONS = ("for", "with", "via", "to", "in", "on", "of", "into", "that", "which", "using", "from", "by", "towards",
                "toward", "through", "at", "and")
PREPOSITION = re.compile(r"\s" + _alternation(PREPOSITIONS) + r"\s", re.IGNORECASE)


# Head words and their plurals ("suites"), a head word's own entry first ("models" is not "model" + s).
_WORD_TYPES = {**{w + "s": t for w, t in _HEAD_INDEX.items()}, **_HEAD_INDEX}


def word_type(word: str) -> str | None:
    return _WORD_TYPES.get(word.lower())


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
CHUNK_BREAKS = ("for", "with", "via", "to", "in", "on", "of", "into", "that", "which", "using", "from", "by", "towards",
                "through", "at", "comprising", "containing", "including", "consisting", "trained", "designed", "built",
                "based", "where", "whose", "achieves", "achieving", "outperforms", "enables", "enabling", "allows",
                "can", "is", "are", "was")
CHUNK_END = re.compile(r"[,;.:()]|\s" + _alternation(CHUNK_BREAKS) + r"\s", re.IGNORECASE)
_CHUNK_END_LOWERED = re.compile(CHUNK_END.pattern)
CONNECTOR_WORDS = (",", ":", "named", "called", "dubbed", "termed", "coined", "namely", "as", "i.e.", "which we call")
CONNECTORS = re.compile(r"(?:\s*(?:" + "|".join(map(re.escape, CONNECTOR_WORDS)) + r"))+\s*$", re.IGNORECASE)
# What an `APPOSITIVE` match can open with, after spaces.
_APPOSITIVE_OPENERS = ("(", ",", ":", "\u2014", "-", "is", "which", "a", "the", "our")
# First and last characters of those openers and of `CONNECTOR_WORDS`, in either case: one set
# lookup rules out most positions before the slicing and lowering.
_OPENER_FIRSTS = frozenset(c for w in _APPOSITIVE_OPENERS for c in (w[0], w[0].upper()))
_CONNECTOR_LASTS = frozenset(c for w in CONNECTOR_WORDS for c in (w[-1], w[-1].upper()))


def connectors_start(window: str) -> int | None:
    """Where the run of `CONNECTORS` that ends `window` starts ("a model, dubbed " -> at ","), else None.

    Peels `CONNECTOR_WORDS` off the end instead of searching: none ends another, so the peeling is
    unambiguous. Non-ASCII windows, where case-insensitive matching goes beyond `str.lower`
    ("ſ" matches "s"), take the regex.
    """
    if not window.isascii():
        m = CONNECTORS.search(window)
        return m.start() if m and m.group(0).strip() else None
    rest = window.rstrip().lower()
    cut = None
    while rest.endswith(CONNECTOR_WORDS):
        for word in CONNECTOR_WORDS:
            if rest.endswith(word):
                rest = rest[:-len(word)].rstrip()
                break
        cut = len(rest)
    return cut


def _case_blind_chunks(phrase: str, maxsplit: int = 0) -> list[str]:
    """`CHUNK_END.split(phrase)` for readers that ignore case: ASCII text is lowered first, where the
    case-sensitive pattern runs faster."""
    if phrase.isascii():
        return _CHUNK_END_LOWERED.split(phrase.lower(), maxsplit)
    return CHUNK_END.split(phrase, maxsplit)


def chunk_head_type(words: str) -> str | None:
    """Type of the head (last typed word) of the first noun chunk in `words`.

    "framework" is a Method unless the chunk itself says it is software
    ("a distributed training framework" -> Framework).
    """
    chunk = _case_blind_chunks(" " + words + " ", maxsplit=1)[0]
    found = None
    last = ""
    for w in _WORDS.findall(chunk):
        t = word_type(w)
        if t:
            found, last = t, w.lower()
    if found == METHOD and last == "framework" and SYSTEM_CUES.search(chunk):
        return FRAMEWORK
    return found


def _may_open_appositive(text: str, pos: int) -> bool:
    """A cheap test before `APPOSITIVE`: after spaces, text at `pos` opens with one of `_APPOSITIVE_OPENERS`.

    Non-ASCII text passes: `re.IGNORECASE` equates more than `str.lower` ("İ" with "i").
    """
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos < n and text[pos] not in _OPENER_FIRSTS and text[pos].isascii():
        return False
    head = text[pos:pos + 5]
    return not head.isascii() or head.lower().startswith(_APPOSITIVE_OPENERS)


def _may_end_in_connector(text: str, pos: int) -> bool:
    """A cheap test before `connectors_start`: but for spaces, text before `pos` ends in one of `CONNECTOR_WORDS`.

    Non-ASCII text passes, as in `_may_open_appositive`.
    """
    pos -= 1
    while pos >= 0 and text[pos].isspace():
        pos -= 1
    if pos < 0 or (text[pos] not in _CONNECTOR_LASTS and text[pos].isascii()):
        return False
    tail = text[max(0, pos - 12):pos + 1]
    return not tail.isascii() or tail.lower().endswith(CONNECTOR_WORDS)


def appositive_type(text: str, end: int) -> str | None:
    """Type from an appositive after a name: "NAME, a scalable training framework ..." -> Framework."""
    if not _may_open_appositive(text, end):
        return None
    m = APPOSITIVE.match(text, end, end + 160)
    if not m:
        return None
    return chunk_head_type(m.group(1))


def preceding_type(text: str, start: int) -> str | None:
    """Type from the noun that names the kind just before a name: "a benchmark named X", "a model, dubbed X"."""
    if not _may_end_in_connector(text, start):
        return None
    window = text[max(sentence_start(text, start), start - 100):start]
    cut = connectors_start(window)
    if cut is None:
        return None
    before = window[:cut]
    chunks = [c for c in _case_blind_chunks(" " + before) if c.strip()]
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
    if _last_char_in(name, _MODEL_NAME_LAST) and _MODEL_NAME.search(name):
        return MODEL, 0.7
    if _last_char_in(name, _DATASET_NAME_LAST) and _DATASET_NAME.search(name):
        return DATASET, 0.7
    return METHOD, 0.55


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding `pos` starts (after ". ", "? ", "! " or a newline)."""
    starts = scan(text).sentences
    return starts[bisect_right(starts, pos) - 1]


NAMING_FILLERS = frozenset(("", "proposed", "new", "novel", "it"))


def named_right_before(text: str, sc: Scan, start: int, strong: bool = False) -> bool:
    """A naming word ends just before `start`: "called X", "dubbed X", "we call it X", and unless
    `strong`, "our (proposed) X". ("namely X" lists as often as it names, so it does not count.)"""
    ends = sc.strong_naming_ends if strong else sc.naming_ends
    for i in range(bisect_left(ends, start - 40), bisect_right(ends, start)):  # the ends in [start - 40, start]
        if text[ends[i]:start].strip().lower() in NAMING_FILLERS:
            return True
    return False


@lru_cache(maxsize=1024)
def is_introduced(text: str, start: int, title_end: int) -> bool:
    """The paper presents the thing at `start`: it is in the title, named, "our X", or after "we propose".

    Cached: the rules ask it for a candidate and the linker again for each of its hits.
    """
    if start < title_end:
        return True
    sc = scan(text)
    if named_right_before(text, sc, start):
        return True
    if not sc.verbs:
        return False
    s = sc.sentences[bisect_right(sc.sentences, start) - 1]
    i = bisect_left(sc.verb_starts, s)  # a verb starting at s or later and ending by `start`
    return start - s < 260 and i < len(sc.verb_starts) and sc.verb_min_end[i] <= start


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
    m = TITLE_PREFIX.match(text[:title_end]) if text.find(":", 0, title_end) >= 0 else None
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
# `AFTER_VERB` without its "a model called" part, for texts with none of those participles, where
# the part cannot match and the regex need not try it at every verb.
_AFTER_VERB_PLAIN = re.compile(r"s?\s+" + _NAME_SEQ, re.IGNORECASE)
_PARTICIPLES = ("called", "named", "dubbed", "termed")
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


def _after_verb_in_sentence(text: str, sc: Scan, start: int) -> bool:
    """An introducing verb ("we propose") comes before `start` in its sentence, fewer than 260 characters before."""
    if not sc.verbs:
        return False
    s = sentence_start(text, start)
    lo = max(s, start - 259)  # a verb starting in [s, start) and fewer than 260 characters before `start`
    return bisect_left(sc.verb_starts, lo) < bisect_left(sc.verb_starts, start)


def introduced_names(text: str, title_end: int) -> list[Candidate]:
    """Names right after "we propose/introduce/present", "our proposed method," or "called/dubbed".

    "namely X" also names things the paper only lists ("existing works, namely
    PEFT and ..."), so it marks X as introduced only inside a "we propose" sentence.
    """
    sc = scan(text)
    participles = any(sc.lowered.startswith(_PARTICIPLES, ks) for ks, _ in sc.triggers["naming"])
    after_verb = AFTER_VERB if participles else _AFTER_VERB_PLAIN
    matches = [(after_verb.match(text, ve), True) for vs, ve in sc.verbs if sc.lowered.startswith(NAMING_VERBS, vs)]
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
        introduced = presents or _after_verb_in_sentence(text, sc, start)
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
        count = COUNT_PREFIX.match(name) if name[:1].isdigit() else None
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


def is_name_token(word: str) -> bool:
    """`NAME_TOKEN_RE` fullmatches `word`; plain ASCII letters and digits, most words, skip the regex."""
    return (word.isalnum() and word.isascii()) or NAME_TOKEN_RE.fullmatch(word) is not None


def words_before(text: str, end: int, n: int) -> list[tuple[int, str]]:
    """Up to `n` name-shaped words ending at `end` (exclusive), nearest last; stops at punctuation."""
    out: list[tuple[int, str]] = []
    if end <= 0:
        return out
    pos = end
    for _ in range(n):
        space = text.rfind(" ", 0, pos)
        word = text[space + 1:pos]
        if not is_name_token(word):
            break
        out.append((space + 1, word))
        pos = space
        if pos <= 0:
            break
    out.reverse()
    return out


# A size letter ("7B", "350M") after a digit; the regex finds the letter after any non-ASCII-letter
# alphanumeric, `str.isdigit` then decides (it also takes "²" and other non-decimal digits).
_SIZE_LETTERS = tuple(re.compile(letter + r"(?<=[^\W_a-zA-Z]" + letter + ")") for letter in "BM")


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


def _may_end_dataset_name(text: str, end: int) -> bool:
    """The word ending at `end` may end a `_dataset_name`: capitalised or name-like (it keeps no other)."""
    word = text[text.rfind(" ", 0, end) + 1:end]
    return word[:1].isupper() or is_name_like(word)


def _may_end_model_number(char: str) -> bool:
    """`char` may end a `MODEL_NUMBER`: a digit or a capital."""
    return char.isdigit() or "A" <= char <= "Z"


def context_names(text: str, title_end: int, covered: bytes | None = None) -> list[Candidate]:
    """Typed context patterns, each tried only where its keyword occurs (no full-text regex scans)."""
    out: list[Candidate] = []
    triggers = scan(text).triggers
    for ks, _ in triggers["dataset"]:
        if ks < 2 or text[ks - 1] != " " or not _may_end_dataset_name(text, ks - 1):
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
        if ks < 2 or text[ks - 1] != " " or not _may_end_model_number(text[ks - 2]):
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
    for size_letter in _SIZE_LETTERS:
        for m in size_letter.finditer(text):
            i = m.start()
            if text[i - 1].isdigit():
                found = _size_token(text, i)
                if found and found[0] not in seen:
                    start, token = found
                    seen.add(start)
                    base = MODEL_SIZE.fullmatch(token).group(1)
                    if base.lower() not in GENERIC and base.lower() not in STOP_NAMES:
                        out.append(Candidate(token, MODEL, 0.7, is_introduced(text, start, title_end), "model-size",
                                             ((token, start, start + len(token)),)))
    return out


URL_HINT = ("://", "www.", ".com/", ".org/", ".io/", ".ai/", ".net/", "github.com", "@")
_PATH_HINTS = tuple(hint for hint in URL_HINT if hint != "@")


def in_url(text: str, pos: int) -> bool:
    """Whether `pos` lies in a URL or e-mail address: its token (between spaces and newlines) holds a URL hint
    ("@" only with a "." after it).

    Looks only at that token, not the whole text; every hint has a ".", "/" or "@", a quick first test.
    """
    if not 0 <= pos < len(text) or text[pos] in " \n":
        return False
    start = text.rfind(" ", 0, pos) + 1
    start = max(start, text.rfind("\n", start, pos) + 1)
    end = text.find(" ", pos)
    if end < 0:
        end = len(text)
    newline = text.find("\n", pos, end)
    token = text[start:end if newline < 0 else newline]
    if "." not in token and "/" not in token and "@" not in token:
        return False
    at = token.find("@")
    return (at >= 0 and token.find(".", at) >= 0) or any(hint in token for hint in _PATH_HINTS)


def may_hold_url(text: str) -> bool:
    """Some `URL_HINT` may occur in `text`; when none does, `in_url` is False everywhere. A "/" or "@"
    (one fast character search) decides most texts; the two hints without one are searched for only then."""
    return "/" in text or "@" in text or "www." in text or "github.com" in text


def discover(text: str, title_end: int, covered: bytes | None = None) -> list[Candidate]:
    """All discovery rules over one paper's text (title, newline, abstract); nothing inside URLs.

    `covered` marks characters already linked to the catalog: the context and
    coinage rules skip names that start there.
    """
    candidates = (title_names(text, title_end) + acronym_names(text, title_end)
                  + introduced_names(text, title_end) + context_names(text, title_end, covered)
                  + coined_names(text, title_end, covered))
    if not may_hold_url(text):
        return candidates
    return [c for c in candidates if not in_url(text, c.surfaces[0][1])]
