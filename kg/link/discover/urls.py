"""Names inside URLs are not entities: `in_url` tells a span within a link or path."""

from __future__ import annotations

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
    token = text[start : end if newline < 0 else newline]
    if "." not in token and "/" not in token and "@" not in token:
        return False
    at = token.find("@")
    return (at >= 0 and token.find(".", at) >= 0) or any(hint in token for hint in _PATH_HINTS)


def may_hold_url(text: str) -> bool:
    """Some `URL_HINT` may occur in `text`; when none does, `in_url` is False everywhere. A "/" or "@"
    (one fast character search) decides most texts; the two hints without one are searched for only then."""
    return "/" in text or "@" in text or "www." in text or "github.com" in text
