"""Reading a word list, its vocabulary, and the (context -> next character) examples.

A file holds one item a line. The vocabulary is built from the data: `.` (index 0) is the boundary
token that starts and ends every word, then the data's characters in sorted order. For names that
gives the 27 symbols of the lectures. Examples are built with numpy in one pass over the whole
text, so a file of millions of lines loads in seconds, in memory proportional to the data.

What the loader accepts, and what it refuses (with a DataError that says which line and why):
- UTF-8 text. A byte-order mark is dropped; Windows (CRLF) and old Mac (CR) line endings are fine.
  Text is NFC-normalised, so an accented letter typed as one code point or as letter + accent is one
  symbol. Not UTF-8, or NUL bytes (a binary file): refused.
- Each line is stripped; blank lines are skipped. Any other character is a symbol of the vocabulary:
  capitals (a separate symbol from the lower-case letter; a notice says so), digits, accents, emoji,
  and spaces inside a line. A notice is added above LARGE_VOCAB symbols. `.` is refused: it is the
  start/end token.
- Refused: no items at all (empty, or only blank lines), fewer than MIN_WORDS items (the 80/10/10
  split would leave a set empty), an item over MAX_LINE_CHARS characters.
- Missing files, directories, unreadable files, anything but a regular file (a device such as
  /dev/zero, a FIFO, a socket) and files over MAX_INPUT_BYTES are refused with the reason.
"""

from __future__ import annotations

import os
import random
import stat
import unicodedata
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


class VocabError(DataError):
    """The data has characters that a given vocabulary (a checkpoint's) lacks."""


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


READ_CHUNK = 16 << 20  # bytes read at a time, so progress can be shown for a large file
MAX_INPUT_BYTES = 4 << 30  # the largest word list read (the text is held in memory while it is split)


def read_words(path: str | os.PathLike, progress: Callable[[str], None] | None = None) -> list[str]:
    """The non-blank lines of a UTF-8 text file, stripped. Raises DataError for unusable input.

    `progress`, when given, is called with a short sentence now and then (reading a large file)."""
    if str(path) == "":
        raise DataError("the input file name is empty")
    p = Path(path)
    try:
        st = os.stat(p)  # before opening: opening a FIFO with no writer would wait for one forever
        if stat.S_ISDIR(st.st_mode):
            raise DataError(f"input file {p} is a directory, not a text file")
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"input file {p} is not a regular file (a device, pipe or socket); give a text file")
        if st.st_size > MAX_INPUT_BYTES:
            raise DataError(f"input file {p} is {st.st_size / 2**30:,.1f} GiB, more than the "
                            f"{MAX_INPUT_BYTES / 2**30:,.0f} GiB a word list may be")
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size <= READ_CHUNK:
                raw = f.read()
            else:
                parts, got = [], 0
                while True:
                    chunk = f.read(READ_CHUNK)
                    if not chunk:
                        break
                    parts.append(chunk)
                    got += len(chunk)
                    if progress:
                        progress(f"reading {p.name}: {got / max(size, got):.0%} ({got / 1e6:,.0f} of {size / 1e6:,.0f} MB)")
                raw = b"".join(parts)
                del parts
    except FileNotFoundError:
        raise DataError(f"input file {p} does not exist") from None
    except PermissionError:
        raise DataError(f"input file {p} cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise DataError(f"input file {p} is a directory, not a text file") from None
    except OSError as e:
        raise DataError(f"input file {str(p)[:200]} cannot be read: {e.strerror or e}") from None
    return words_from_bytes(raw, source=str(p), progress=progress)


def words_from_bytes(raw: bytes, source: str = "input", progress: Callable[[str], None] | None = None) -> list[str]:
    """Decode a file's bytes (UTF-8, an optional byte-order mark) and split them into items."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise DataError(
            f"input file {source} contains NUL bytes (first at line {line}): it looks binary, not a text file "
            "of one item a line"
        )
    try:
        text = raw.decode("utf-8-sig")  # -sig drops a byte-order mark
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DataError(
            f"input file {source} is not UTF-8 (bad byte 0x{raw[e.start]:02x} at line {line}, byte offset "
            f"{e.start:,}); save it as UTF-8"
        ) from None
    del raw
    if progress:
        progress(f"splitting {len(text):,} characters into lines")
    return words_from_text(text, source=source)


def words_from_text(text: str, source: str = "input") -> list[str]:
    """Split text into stripped, non-blank lines and check them. Windows line endings are fine."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
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
    if BOUNDARY in text:
        i = next(i for i, w in enumerate(words) if BOUNDARY in w)
        raise DataError(
            f"{source}: item {i + 1} ({words[i][:40]!r}) contains '{BOUNDARY}', which the model reserves "
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
        if text.isascii():
            cps = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        else:
            cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        keys = np.array([ord(c) for c in self.itos], dtype=np.int64)
        if keys.max() < (1 << 20):  # a dense table: one lookup per character
            lut = np.zeros(int(keys.max()) + 1, dtype=np.int64)
            lut[keys] = np.arange(len(keys))
            return lut[cps]
        order = np.argsort(keys)
        pos = np.searchsorted(keys[order], cps)
        return order[pos].astype(np.int64)


def build_examples(words: list[str], vocab: Vocab, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n, block_size) of previous-character indices, zero-padded at each word's start; Y (n,).

    Every character of a word and its end token is a target: Y is the words' codes with a 0 after
    each, and column j of X is Y shifted down by block_size - j, zeroed where that would reach into
    the previous word. No (n, block_size) index array is ever built, so memory stays near the size
    of X itself."""
    T = block_size
    if not words:
        return torch.zeros((0, T), dtype=torch.long), torch.zeros((0,), dtype=torch.long)
    n = len(words)
    lens = np.fromiter(map(len, words), dtype=np.int64, count=n)
    seg = lens + 1  # each word's targets: its characters, then the end token
    N = int(seg.sum())
    ends = np.cumsum(seg) - 1
    Y = np.zeros(N, dtype=np.int64)
    is_char = np.ones(N, dtype=bool)
    is_char[ends] = False
    Y[is_char] = vocab.codes("".join(words))
    del is_char
    idx = np.int32 if N < 2**31 else np.int64
    # how many characters of its own word precede each target
    within = np.arange(N, dtype=idx)
    within -= np.repeat((ends - lens).astype(idx), seg)
    X = np.zeros((N, T), dtype=np.int64)
    for j in range(T):
        d = T - j  # column j holds the character d places back
        if d >= N:
            continue
        X[d:, j] = np.where(within[d:] >= d, Y[:-d], 0)
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
    progress: Callable[[str], None] | None = None,
) -> Dataset:
    present = set("".join(words))
    vocab = vocab or Vocab((BOUNDARY, *sorted(present)))  # = Vocab.from_words(words)
    missing = present - set(vocab.itos)
    if missing:
        raise VocabError(f"{source or 'input'} has characters the vocabulary lacks: {''.join(sorted(missing))[:40]!r}")
    tr, dev, te = split_words(words)
    parts = {"train": tr, "dev": dev, "test": te}
    splits = {}
    for k, v in parts.items():
        if progress:
            progress(f"building the {k} examples ({len(v):,} items)")
        splits[k] = build_examples(v, vocab, block_size)
    return Dataset(words, vocab, block_size, splits, parts, data_notices(vocab, present), source)


def data_notices(vocab: Vocab, present: set[str]) -> list[str]:
    """Sentences about a vocabulary that may not be what was meant."""
    notices = []
    if len(vocab) > LARGE_VOCAB:
        notices.append(
            f"the vocabulary is large ({len(vocab)} symbols): every distinct character in the file is a class"
        )
    both = sorted(c for c in present if c.islower() and c.upper() != c and c.upper() in present)
    if both:
        notices.append(
            f"upper- and lower-case letters are different symbols (both cases of {''.join(both[:10])!r} occur); "
            "lower-case the file to merge them"
        )
    if " " in present:
        notices.append("some items contain spaces; a space is a symbol like any other character")
    return notices


def load_dataset(
    path: str | os.PathLike | None, block_size: int, vocab: Vocab | None = None,
    progress: Callable[[str], None] | None = None,
) -> Dataset:
    """Read `path` (the bundled names when None) and build its examples."""
    if path is not None and str(path) == "":
        raise DataError("the input file name is empty")
    path = Path(path) if path is not None else bundled_dataset()
    words = read_words(path, progress)
    if progress:
        progress(f"{len(words):,} items; building examples")
    return make_dataset(words, block_size, vocab, source=path.name, progress=progress)
