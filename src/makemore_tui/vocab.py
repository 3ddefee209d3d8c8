"""A word list's vocabulary: its symbols (symbols.py says what a symbol is), in sorted order after
the boundary token, and how the boundary is shown (its mark). data.py builds one from the data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data_lines import DataError
from .symbols import split_text

BOUNDARY = "."  # the boundary token's mark when the data has no '.' (names); Vocab.mark says which
SPACE_MARK = "·"  # how the views show a space symbol (insight.render.show_char)
BOUNDARY_MARKS = (BOUNDARY, "·", "¤", "␣", "#")  # the marks tried in turn: the first not in the data


def boundary_mark(symbols) -> str:
    """How the boundary token (index 0) is shown: '.' unless the data has a '.', else the first of
    BOUNDARY_MARKS that is not a data symbol nor how one is shown (a private-use character if all are)."""
    taken = set(symbols) | ({SPACE_MARK} if " " in symbols else set())  # a space is shown as SPACE_MARK
    return next((m for m in BOUNDARY_MARKS if m not in taken),
                next(chr(c) for c in range(0xE000, 0x110000) if chr(c) not in taken))


@dataclass(frozen=True)
class Vocab:
    """The symbols of a word list. itos[0] is the boundary token (start and end of every word),
    written as its mark (boundary_mark: never one of the data's symbols); the data's symbols follow
    in sorted order. The mark is only for showing: text is encoded with the data's symbols."""

    itos: tuple[str, ...]  # index -> symbol; itos[0] is the boundary's mark

    def __post_init__(self):
        if not self.itos or self.itos[0] in self.itos[1:]:
            raise DataError(f"a vocabulary's boundary mark must not be one of its symbols: {''.join(self.itos)[:40]!r}")

    @classmethod
    def from_words(cls, words: list[str]) -> "Vocab":
        return cls.of_symbols(set("".join(words)))

    @classmethod
    def of_symbols(cls, symbols) -> "Vocab":
        """The vocabulary of a set of data symbols: the boundary's mark first, then them sorted."""
        symbols = sorted(set(symbols))
        return cls((boundary_mark(symbols), *symbols))

    @property
    def mark(self) -> str:
        """How the boundary token (index 0) is written on every screen ('.' for names)."""
        return self.itos[0]

    @property
    def symbols(self) -> tuple[str, ...]:
        """The data's symbols (the vocabulary without the boundary)."""
        return self.itos[1:]

    @property
    def clustered(self) -> bool:
        """Some symbols are grapheme clusters of more than one code point (symbols.py): text is cut
        into clusters, not code points."""
        return any(len(s) > 1 for s in self.itos)

    def split(self, text: str) -> list[str]:
        """`text` cut into this vocabulary's units (clusters or code points)."""
        return split_text(text, self.clustered)

    def text_problem(self, text: str) -> str:
        """'' when `text` (a prefix, a context) is made of the data's symbols, else why not."""
        if self.mark in text:
            return f"{self.mark!r} is the start/end token, not one of the data's characters"
        missing = "".join(sorted(set(self.split(text)) - set(self.symbols)))
        return f"the model does not know {missing!r} (not in the data's characters)" if missing else ""

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def stoi(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.itos)}

    def encode(self, s: str) -> list[int]:
        stoi = self.stoi
        try:
            return [stoi[c] for c in self.split(s)]
        except KeyError as e:
            raise DataError(f"character {e.args[0]!r} is not in the vocabulary") from None

    def decode(self, ix) -> str:
        return "".join(self.itos[int(i)] for i in ix)

    def ids(self, cps: np.ndarray) -> np.ndarray:
        """Vocabulary index of each code point, vectorised; -1 for one the vocabulary lacks."""
        at = [(ord(c), i) for i, c in enumerate(self.itos) if i and len(c) == 1]  # the mark is no data symbol: -1
        keys = np.array([k for k, _ in at], dtype=np.int64)  # (a cluster of code points: its key, _Encoder)
        lut = np.full(int(max(keys.max(initial=0), cps.max(initial=0))) + 1, -1, dtype=np.int32)
        lut[keys] = np.array([i for _, i in at], dtype=np.int32)
        return lut[cps]

    def codes(self, text: str) -> np.ndarray:
        """Vocabulary index of each symbol of `text`, vectorised (every one must be known; -1 if not)."""
        if self.clustered:
            return np.array([self.stoi.get(c, -1) for c in self.split(text)], dtype=np.int64)
        return self.ids(code_points(text)).astype(np.int64)


def code_points(text: str) -> np.ndarray:
    """The characters of `text` as code points, in the smallest unsigned type that holds them."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return cps.astype(np.uint16) if cps.max() < 1 << 16 else cps
