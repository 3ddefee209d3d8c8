"""What a symbol is: the unit a word is cut into, one class of the model's output each.

- `grapheme` (the default): an extended grapheme cluster (Unicode UAX #29, the `regex` module's
  \\X), what a reader sees as one character: a letter with its combining marks (Hindi's स्ते), an
  emoji with its skin tone, a flag (two regional indicators), a ZWJ family. A sample is then never
  cut inside one: no lone flag halves, orphan skin-tone marks or stray joiners.
- `codepoint`: each Unicode code point is a symbol (makemore.py's `set(''.join(words))`).

On text where every cluster is one code point (makemore's names, any ASCII list) the two are the
same symbols, in the same order: the 27 of the lectures. benchmarks/bench_symbols.py measures both
on emoji and on Devanagari names (README: "What a symbol is").

While a file is encoded, a cluster of more than one code point gets a key above the last code
point (0x110000 + n, never a character of any text), so the loader's arrays of code points carry
whole clusters unchanged; Vocab then maps each key to its cluster's index.
"""

from __future__ import annotations

import numpy as np
import regex

from .settings import BY_NAME

SYMBOLS = BY_NAME["symbols"].choices  # the setting `symbols` (--symbols): grapheme, codepoint
_CLUSTER = regex.compile(r"\X")
FIRST_KEY = 0x110000  # the first key of a multi-code-point cluster (past every code point)


def clusters(text: str) -> list[str]:
    """The extended grapheme clusters of `text`, in order."""
    return _CLUSTER.findall(text)


def split_text(text: str, grapheme: bool) -> list[str]:
    """`text` cut into symbols: its clusters, or its code points."""
    return clusters(text) if grapheme and not text.isascii() else list(text)


class ClusterKeys:
    """The keys of the multi-code-point clusters met while encoding (first met, first key)."""

    def __init__(self) -> None:
        self.key: dict[str, int] = {}
        self.cluster: dict[int, str] = {}

    @staticmethod
    def needed(text: str) -> bool:
        """Whether some cluster of `text` has more than one code point (else code points will do,
        and the loader keeps its vectorised path)."""
        return len(_CLUSTER.findall(text)) != len(text)

    def codes(self, items: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each item's symbols as code points (a multi-code-point cluster as its key), and how many
        symbols each item has."""
        codes: list[int] = []
        lens = np.zeros(len(items), dtype=np.int64)
        for i, item in enumerate(items):
            parts = split_text(item, True)
            lens[i] = len(parts)
            for c in parts:
                if len(c) == 1:
                    codes.append(ord(c))
                else:
                    k = self.key.get(c)
                    if k is None:
                        k = self.key[c] = FIRST_KEY + len(self.key)
                        self.cluster[k] = c
                    codes.append(k)
        return np.array(codes, dtype=np.uint32), lens

    def symbol(self, code: int) -> str:
        """The symbol a code point or a key stands for."""
        return chr(code) if code < FIRST_KEY else self.cluster[code]


def broken(text: str) -> int:
    """How many pieces of characters `text` holds: a regional indicator without its pair, a skin-tone
    modifier, variation selector, joiner or combining mark with nothing to attach to (at the start
    of a cluster), and bidirectional controls (U+202A-E, U+2066-9). What a sample must never hold."""
    n = 0
    for c in clusters(text):
        first = ord(c[0])
        if 0x1F1E6 <= first <= 0x1F1FF and not (len(c) >= 2 and 0x1F1E6 <= ord(c[1]) <= 0x1F1FF):
            n += 1  # half a flag
        elif 0x1F3FB <= first <= 0x1F3FF or first in (0x200D, 0xFE0F, 0xFE0E, 0x20E3):
            n += 1  # a modifier, joiner or selector on its own
        elif _is_mark(c[0]):
            n += 1  # a vowel sign or virama with no letter
        elif c.endswith("\u200d"):
            n += 1  # a cluster ending in a joiner: its other half is missing
        n += sum(0x202A <= ord(x) <= 0x202E or 0x2066 <= ord(x) <= 0x2069 for x in c)
    return n


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) in ("Mn", "Mc", "Me")
