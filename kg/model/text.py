"""Text normalisation shared by readers, linker and lookup.

Two forms of every string exist: the *display* form (what was read, NFKC and
whitespace cleaned, LaTeX kept so it can be shown) and its *key* (LaTeX markup
dropped, case folded, anything but letters and digits a separator), made by
one normaliser, `name_key`. Its three uses differ only in the separator:
`match_key` (none: names compare equal whatever their spacing or hyphens),
`spaced_key` (a space: token boundaries kept for fuzzy scoring and whole-word
search) and `slug` (a hyphen: readable ids). The linker's `kg.link.detect.fold`
is not a key: it keeps the text's length so that spans carry over.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WS = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00]")
_LATEX_CMD = re.compile(
    r"\\(?:mathrm|mathbf|mathit|text|textbf|textit|emph|texttt|mathcal|operatorname)"
    r"\s*\{([^{}]*)\}"
)
_LATEX_SIMPLE = {r"\%": "%", r"\&": "&", r"\_": "_", r"\#": "#", r"\$": "$", "~": " ", "--": "-"}
_LATEX_SYMBOLS = {
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\delta": "δ",
    r"\epsilon": "ε",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\pi": "π",
    r"\sigma": "σ",
    r"\tau": "τ",
    r"\theta": "θ",
    r"\phi": "φ",
    r"\omega": "ω",
    r"\times": "×",
    r"\infty": "∞",
    r"\sim": "~",
    r"\approx": "≈",
    r"\leq": "≤",
    r"\geq": "≥",
    r"\pm": "±",
    r"\cdot": "·",
    r"\ell": "ℓ",
}
_LATEX_SYMBOL_RE = re.compile(
    "|".join(re.escape(k) + r"(?![A-Za-z])" for k in sorted(_LATEX_SYMBOLS, key=len, reverse=True))
)
_MATH = re.compile(r"\$([^$]{0,80})\$")
_SUPSUB = re.compile(r"[\^_]\{([^{}]*)\}|[\^_](\w)")
_NON_ALNUM = re.compile(r"[^0-9a-zα-ω]+")


_ASCII_WHITESPACE_BUT_SPACE = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def collapse_whitespace(text: str) -> str:
    """`" ".join(text.split())`: every run of whitespace one space, none at either end.

    Most abstracts are so already, and telling that is three times faster than splitting 1.5 kB into words
    and joining them again (the reader's largest cost). Every whitespace character but the space is
    non-printable (Unicode's Cc and Z* categories), so a printable text without two spaces in a row or a space
    at either end is unchanged by the split and join; pure ASCII is checked faster still, for the few
    whitespace bytes ASCII has.
    """
    if "  " not in text and text[:1] != " " and text[-1:] != " ":
        if text.isascii():
            raw = text.encode("ascii")
            if len(raw.translate(None, _ASCII_WHITESPACE_BUT_SPACE)) == len(raw):
                return text
        elif text.isprintable():
            return text
    return " ".join(text.split())


def clean(text: str) -> str:
    """Display form: NFKC, zero-width and control characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    return _WS.sub(" ", text).strip()


def strip_latex(text: str) -> str:
    """Remove leftover inline LaTeX so `E$^{2}$GAN` reads `E2GAN` and `PixArt-$\\alpha$` reads `PixArt-α`."""
    if "$" not in text and "\\" not in text:
        return text
    text = _LATEX_CMD.sub(r"\1", text)
    text = _LATEX_SYMBOL_RE.sub(lambda m: _LATEX_SYMBOLS[m.group(0)], text)

    def _math(m: re.Match[str]) -> str:
        inner = _SUPSUB.sub(lambda s: s.group(1) if s.group(1) is not None else s.group(2), m.group(1))
        return inner.replace("{", "").replace("}", "").replace(" ", "")

    text = _MATH.sub(_math, text)
    for k, v in _LATEX_SIMPLE.items():
        text = text.replace(k, v)
    return text


def name_key(text: str, separator: str) -> str:
    """The one key normaliser: display form, LaTeX dropped, case folded, each run of characters other than
    letters and digits replaced by `separator`, none at either end."""
    return _NON_ALNUM.sub(separator, strip_latex(clean(text)).casefold()).strip(separator)


def match_key(text: str) -> str:
    """Key for comparing names: only letters and digits kept ("Llama-2" and "LLaMA 2" are "llama2")."""
    return name_key(text, "")


def spaced_key(text: str) -> str:
    """Like `match_key` but keeps token boundaries as single spaces (for fuzzy scoring and word search)."""
    return name_key(text, " ")


def slug(text: str) -> str:
    """A readable id fragment: lowercase words joined by '-' ("x" for a text with no letter or digit)."""
    return name_key(text, "-") or "x"


def stable_hash(text: str, length: int = 12) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()[:length]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text to print on a terminal: C0 and C1 control characters (ESC, BEL, CR, backspace, CSI …) written as
    visible escapes (`\\x1b`), so a title cannot recolour, retitle or rewrite the terminal. Line feeds and
    tabs stay. JSON, CSV and the viewer keep the exact text; only what is shown as text passes here."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
