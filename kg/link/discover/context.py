"""`DiscoveryContext`: what the discovery rules share within one `Linker`: its config and its caches.

The caches belong to the linker rather than to modules. Two kinds: answers about tokens (`is_name_like`,
`is_mixed_case`), which repeat across a corpus and are kept in bounded LRU caches; and answers about the
paper being linked (its `Scan`, `is_introduced` at a position), kept until the next paper's text comes.
The rules take one `DiscoveryContext` and bind the cached callables to locals where they loop, so a
cached call costs what a module-level cache did.
"""

from __future__ import annotations

from functools import lru_cache, partial

from kg.link.config import DEFAULT_CONFIG, LinkerConfig
from kg.link.discover import introduction, names, scanner
from kg.link.discover.scanner import Scan


class DiscoveryContext:
    """The thresholds (`config`) and memo of the discovery rules for one linker."""

    __slots__ = ("_introduced", "_scan", "_text", "config", "is_mixed_case", "is_name_like")

    def __init__(self, config: LinkerConfig = DEFAULT_CONFIG):
        self.config = config
        self.is_name_like = lru_cache(maxsize=config.token_cache_size)(names.is_name_like)
        self.is_mixed_case = lru_cache(maxsize=config.token_cache_size)(
            partial(names.is_mixed_case, name_like=self.is_name_like)
        )
        self._text: str | None = None
        self._scan: Scan | None = None
        self._introduced: dict[tuple[int, int], bool] = {}

    def scan(self, text: str) -> Scan:
        """The `Scan` of `text`, made once per paper (each rule and the linker ask for it)."""
        sc = self._scan
        if sc is None or (text is not self._text and text != self._text):
            sc = self._scan = scanner.scan(text)
            self._text, self._introduced = text, {}
        return sc

    def sentence_start(self, text: str, pos: int) -> int:
        """`introduction.sentence_start` in `text`."""
        return introduction.sentence_start(self.scan(text), pos)

    def is_introduced(self, text: str, start: int, title_end: int) -> bool:
        """`introduction.is_introduced`, remembered for the paper being linked."""
        sc = self.scan(text)
        key = (start, title_end)
        found = self._introduced.get(key)
        if found is None:
            found = self._introduced[key] = introduction.is_introduced(
                text, sc, start, title_end, self.config.introduction_window, self.config.naming_lookback
            )
        return found
