"""Reading a word list, its vocabulary, and the (context -> next character) examples.

A file holds one item a line. The vocabulary is built from the data: `.` (index 0) is the boundary
token that starts and ends every word, then the data's characters in sorted order. For names that
gives the 27 symbols of the lectures. Examples are built with numpy in one pass over the whole
text, so a file of millions of lines loads in seconds.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

BOUNDARY = "."
MAX_LINE_CHARS = 1_000
LARGE_VOCAB = 100  # above this many symbols the loader adds a notice
_PACKAGE = Path(__file__).resolve().parent


class DataError(ValueError):
    """Input that cannot be trained on; the message says what is wrong and where."""


def _split_sizes(n: int) -> tuple[int, int]:
    return int(0.8 * n), int(0.9 * n)


def _min_words() -> int:
    n = 1
    while True:
        n1, n2 = _split_sizes(n)
        if n1 > 0 and n2 > n1 and n > n2:
            return n
        n += 1


MIN_WORDS = _min_words()  # the fewest lines that leave every split (train, dev, test) non-empty


def bundled_dataset() -> Path:
    """The project's own names list: inside the installed wheel, or data/ of a source checkout."""
    for candidate in (_PACKAGE / "data" / "names.txt", _PACKAGE.parent.parent / "data" / "names.txt"):
        if candidate.is_file():
            return candidate
    raise DataError("the bundled names list is missing from this installation; pass a file with -i")


def read_words(path: str | os.PathLike, progress: Callable[[str], None] | None = None) -> list[str]:
    """The non-blank lines of a UTF-8 text file, stripped. Raises DataError for unusable input."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"input file {p} does not exist")
    if p.is_dir():
        raise DataError(f"input file {p} is a directory, not a text file")
    try:
        raw = p.read_bytes()
    except PermissionError:
        raise DataError(f"input file {p} cannot be read (permission denied)") from None
    except OSError as e:
        raise DataError(f"input file {p} cannot be read: {e.strerror or e}") from None
    if progress:
        progress(f"read {len(raw):,} bytes")
    if b"\x00" in raw:
        raise DataError(f"input file {p} contains NUL bytes: it looks binary, not a text file of one item a line")
    try:
        text = raw.decode("utf-8-sig")  # -sig drops a byte-order mark
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DataError(f"input file {p} is not UTF-8 (bad byte at line {line}, byte offset {e.start})") from None
    return words_from_text(text, source=str(p))


def words_from_text(text: str, source: str = "input") -> list[str]:
    """Split text into stripped, non-blank lines and check them. Windows line endings are fine."""
    words = [w for w in (line.strip() for line in text.splitlines()) if w]
    if not words:
        raise DataError(f"{source} has no words: it is empty or holds only blank lines")
    longest = max(words, key=len)
    if len(longest) > MAX_LINE_CHARS:
        n = words.index(longest) + 1
        raise DataError(
            f"{source}: item {n} is {len(longest):,} characters long; items are names or words "
            f"of at most {MAX_LINE_CHARS:,} characters, one a line"
        )
    for i, w in enumerate(words):
        if BOUNDARY in w:
            raise DataError(
                f"{source}: item {i + 1} ({w[:40]!r}) contains '{BOUNDARY}', which the model reserves "
                "as the start/end token; remove or replace it"
            )
    if len(words) < MIN_WORDS:
        raise DataError(
            f"{source} has {len(words)} item(s); at least {MIN_WORDS} are needed to split them "
            "80/10/10 into non-empty train, dev and test sets"
        )
    return words


@dataclass(frozen=True)
class Vocab:
    itos: tuple[str, ...]  # index -> symbol; itos[0] is the boundary token

    @classmethod
    def from_words(cls, words: list[str]) -> "Vocab":
        return cls((BOUNDARY, *sorted(set("".join(words)))))

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def stoi(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.itos)}

    def encode(self, s: str) -> list[int]:
        stoi = self.stoi
        try:
            return [stoi[c] for c in s]
        except KeyError as e:
            raise DataError(f"character {e.args[0]!r} is not in the vocabulary") from None

    def decode(self, ix) -> str:
        return "".join(self.itos[int(i)] for i in ix)

    def codes(self, text: str) -> np.ndarray:
        """Vocabulary index of each character of `text`, vectorised (every char must be known)."""
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        keys = np.array([ord(c) for c in self.itos], dtype=np.uint32)
        order = np.argsort(keys)
        pos = np.searchsorted(keys[order], cps)
        return order[pos].astype(np.int64)


def build_examples(words: list[str], vocab: Vocab, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n, block_size) of previous-character indices, zero-padded at each word's start; Y (n,)."""
    if not words:
        return torch.zeros((0, block_size), dtype=torch.long), torch.zeros((0,), dtype=torch.long)
    pad = BOUNDARY * block_size
    # Each word becomes `pad + word + '.'`; its targets are the characters after the pad.
    codes = vocab.codes("".join(pad + w + BOUNDARY for w in words))
    n_targets = np.fromiter((len(w) + 1 for w in words), dtype=np.int64, count=len(words))
    seg_len = n_targets + block_size
    seg_start = np.cumsum(seg_len) - seg_len
    first_target = np.repeat(seg_start + block_size, n_targets)
    within = np.arange(n_targets.sum()) - np.repeat(np.cumsum(n_targets) - n_targets, n_targets)
    pos = first_target + within
    X = codes[pos[:, None] + np.arange(-block_size, 0)]
    Y = codes[pos]
    return torch.from_numpy(X), torch.from_numpy(Y)


def split_words(words: list[str], seed: int = 42) -> tuple[list[str], list[str], list[str]]:
    """Shuffle a copy as the lectures do (random.seed(42); shuffle) and cut 80/10/10."""
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = _split_sizes(len(words))
    return words[:n1], words[n1:n2], words[n2:]


@dataclass
class Dataset:
    """A word list, its vocabulary and the train/dev/test examples for one block size."""

    words: list[str]
    vocab: Vocab
    block_size: int
    splits: dict[str, tuple[torch.Tensor, torch.Tensor]]
    split_words: dict[str, list[str]]
    notices: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def max_word_len(self) -> int:
        return max(len(w) for w in self.words)

    def is_known(self, word: str) -> bool:
        """Whether `word` is in the training split (what 'already in the data' means for samples)."""
        return word in self._train_set

    def __post_init__(self):
        self._train_set = frozenset(self.split_words["train"])


def make_dataset(
    words: list[str], block_size: int, vocab: Vocab | None = None, source: str = "",
) -> Dataset:
    vocab = vocab or Vocab.from_words(words)
    missing = set("".join(words)) - set(vocab.itos)
    if missing:
        raise DataError(f"{source or 'input'} has characters the vocabulary lacks: {''.join(sorted(missing))[:40]!r}")
    tr, dev, te = split_words(words)
    parts = {"train": tr, "dev": dev, "test": te}
    splits = {k: build_examples(v, vocab, block_size) for k, v in parts.items()}
    notices = []
    if len(vocab) > LARGE_VOCAB:
        notices.append(
            f"the vocabulary is large ({len(vocab)} symbols): every distinct character in the file is a class"
        )
    return Dataset(words, vocab, block_size, splits, parts, notices, source)


def load_dataset(
    path: str | os.PathLike | None, block_size: int, vocab: Vocab | None = None,
    progress: Callable[[str], None] | None = None,
) -> Dataset:
    """Read `path` (the bundled names when None) and build its examples."""
    path = Path(path) if path else bundled_dataset()
    words = read_words(path, progress)
    if progress:
        progress(f"{len(words):,} items; building examples")
    return make_dataset(words, block_size, vocab, source=path.name)
