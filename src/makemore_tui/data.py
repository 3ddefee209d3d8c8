"""Reading a word list, its vocabulary, and its train/dev/test splits as token ids.

A file holds one item a line. The vocabulary is built from the data: the boundary token (index 0)
starts and ends every word, then the data's characters in sorted order. For names that gives the 27
symbols of the lectures. As in makemore.py the boundary is no character of the data: its mark (how
it is shown, Vocab.mark) is `.` unless the data has a `.`, else another mark the data lacks. The file is read in one streaming pass, READ_PIECE bytes at a
time, each piece checked, split into items and turned into code points at once (no Python string
is kept an item); then the items become one flat array of token ids, shuffled and dealt into the
splits (splits.py), where the (context -> next character) windows are cut per batch. So a file of
millions of lines loads in seconds, with progress, in memory proportional to its text.

What the loader accepts, and what it refuses (with a DataError that says how many lines and which
first, and why; data_lines gathers them over the whole file):
- UTF-8 text. A byte-order mark is dropped; Windows (CRLF) and old Mac (CR) line endings are fine.
  Text is NFC-normalised, so an accented letter typed as one code point or as letter + accent is one
  symbol. Not UTF-8, or NUL bytes (a binary file): refused.
- Each line is stripped; blank lines are skipped. Any other character is a symbol of the vocabulary:
  capitals (a separate symbol from the lower-case letter; a notice says so), digits, accents, emoji,
  spaces inside a line, and `.` ("St. Louis"). A notice is added above LARGE_VOCAB symbols.
- Refused: no items at all (empty, or only blank lines), fewer than MIN_WORDS items (the 80/10/10
  split would leave a set empty), an item over MAX_LINE_CHARS characters (a line over LINE_BYTES bytes
  is not kept whole: noted and skipped to its end).
- Missing files, directories, unreadable files, anything but a regular file (a device such as
  /dev/zero, a FIFO, a socket) and files over MAX_INPUT_BYTES are refused with the reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np
import torch

from .data_lines import LINE_BYTES, MAX_LINE_CHARS, DataError, _Scanner  # noqa: F401 (MAX_LINE_CHARS: API)
from .symbols import FIRST_KEY, ClusterKeys
from .vocab import BOUNDARY, BOUNDARY_MARKS, SPACE_MARK, Vocab, boundary_mark, code_points  # noqa: F401 (API)
from .splits import (  # noqa: F401 (split_words: API)
    Split, SplitWords, find_words, makemore_test_size, split_plan, split_sizes, split_words, token_dtype,
)

LARGE_VOCAB = 100  # above this many symbols the loader adds a notice
_PACKAGE = Path(__file__).resolve().parent


class VocabError(DataError):
    """The data has characters that a given vocabulary (a checkpoint's) lacks."""


def _min_words() -> int:
    n = 1
    while True:
        n1, n2 = split_sizes(n)
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


READ_CHUNK = 16 << 20  # bytes between two progress messages while a large file is read
READ_PIECE = 2 << 20  # bytes read at a time: each piece is checked and encoded before the next is read
MAX_INPUT_BYTES = 4 << 30  # the largest word list read
_LINE_END = re.compile(rb"[\r\n]")


def _check_count(n: int, source: str) -> None:
    if not n:
        raise DataError(f"{source} has no words: it is empty or holds only blank lines")
    if n < MIN_WORDS:
        raise DataError(
            f"{source} has {n} item(s); at least {MIN_WORDS} are needed to split them "
            "80/10/10 into non-empty train, dev and test sets"
        )


def _open_checked(p: Path):
    st = os.stat(p)  # before opening: opening a FIFO with no writer would wait for one forever
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"input file {p} is a directory, not a text file")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"input file {p} is not a regular file (a device, pipe or socket); give a text file")
    if st.st_size > MAX_INPUT_BYTES:
        raise DataError(f"input file {p} is {st.st_size / 2**30:,.1f} GiB, more than the "
                        f"{MAX_INPUT_BYTES / 2**30:,.0f} GiB a word list may be")
    return open(p, "rb")


def _file_items(path: str | os.PathLike, progress: Callable[[str], None] | None) -> Iterator[list[str]]:
    """The items of a file, a piece (about READ_PIECE bytes, cut after a line end) at a time."""
    if str(path) == "":
        raise DataError("the input file name is empty")
    p = Path(path)
    scan = _Scanner(str(p))
    try:
        with _open_checked(p) as f:
            size = os.fstat(f.fileno()).st_size
            carry, got, said, skipping = b"", 0, 0, False
            while True:
                chunk = f.read(min(READ_PIECE, READ_CHUNK))
                if not chunk:
                    break
                if skipping:  # the rest of an overlong line, up to its end
                    end = _LINE_END.search(chunk)
                    skipping = end is None
                    n = len(chunk) if skipping else end.end()
                    scan.offset += n
                    scan.lines += chunk.count(b"\n", 0, n)
                    chunk = chunk[n:]
                got += len(chunk)
                if progress and size > READ_CHUNK and (got - said >= READ_CHUNK or got >= size):
                    said = got
                    progress(f"reading {p.name}: {got / max(size, got):.0%} ({got / 1e6:,.0f} of {size / 1e6:,.0f} MB)")
                buf = carry + chunk
                cut = max(buf.rfind(b"\n"), buf.rfind(b"\r")) + 1  # never inside a UTF-8 sequence
                carry = buf[cut:]
                if cut:
                    yield scan.items(buf[:cut])
                if "nul" in scan.problems.count and got < size:  # a binary file: its lines mean nothing
                    scan.problems.stopped_at = scan.lines  # read no further
                    break
                if len(carry) > LINE_BYTES:  # not kept whole: noted, then skipped to its end
                    scan.overlong(carry)
                    scan.offset += len(carry)
                    carry, skipping = b"", True
            if carry and scan.problems.stopped_at is None:
                yield scan.items(carry)
            scan.problems.check()
    except FileNotFoundError:
        raise DataError(f"input file {p} does not exist") from None
    except PermissionError:
        raise DataError(f"input file {p} cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise DataError(f"input file {p} is a directory, not a text file") from None
    except OSError as e:
        raise DataError(f"input file {str(p)[:200]} cannot be read: {e.strerror or e}") from None


def read_words(path: str | os.PathLike, progress: Callable[[str], None] | None = None) -> list[str]:
    """The non-blank lines of a UTF-8 text file, stripped. Raises DataError for unusable input.

    `progress`, when given, is called with a short sentence now and then (reading a large file).
    (A Python string an item: load_dataset reads a file without them.)"""
    words = [w for items in _file_items(path, progress) for w in items]
    _check_count(len(words), str(path))
    return words


def words_from_bytes(raw: bytes, source: str = "input", progress: Callable[[str], None] | None = None) -> list[str]:
    """Decode a file's bytes (UTF-8, an optional byte-order mark) and split them into items."""
    scan = _Scanner(source)
    words = scan.items(raw)
    scan.problems.check()
    _check_count(len(words), source)
    return words


def words_from_text(text: str, source: str = "input") -> list[str]:
    """Split text into stripped, non-blank lines and check them. Windows line endings are fine."""
    return words_from_bytes(text.encode("utf-8", "surrogatepass"), source)


class _Encoder:
    """Items turned into code points a piece at a time, then into the vocabulary and the splits: the
    one path from text to token ids (load_dataset and make_dataset). Keeps a byte a character for
    ASCII text and one small integer an item; no Python string is kept."""

    def __init__(self, grapheme: bool = False):
        self.keys = ClusterKeys() if grapheme else None  # symbols.py: whole clusters, not code points
        self.pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (code points, item lengths)
        self.present = np.zeros(0, dtype=np.int64)  # the distinct code points so far, sorted
        self.count = 0

    def add(self, items: list[str]) -> None:
        if not items:
            return
        text = "".join(items)
        if self.keys is not None and not text.isascii() and self.keys.needed(text):
            cps, lens = self.keys.codes(items)
        else:
            cps, lens = code_points(text), np.fromiter(map(len, items), dtype=np.int32, count=len(items))
        lens = lens.astype(np.uint16) if lens.max() < 1 << 16 else lens
        seen = np.flatnonzero(np.bincount(cps)) if cps.dtype.itemsize <= 2 else np.unique(cps)
        self.present = np.union1d(self.present, seen)
        self.pieces.append((cps, lens))
        self.count += len(items)

    def symbols(self) -> set[str]:
        """The distinct symbols added so far (a cluster's key read back as its cluster)."""
        return {chr(c) if c < FIRST_KEY else self.keys.symbol(c) for c in self.present.tolist()}

    def stream(self, vocab: Vocab, source: str = "") -> tuple[np.ndarray, np.ndarray]:
        """Every item's token ids, each item followed by the end token 0, in the smallest type that
        holds the vocabulary; and where each item starts (then the total). Empties the encoder."""
        missing = self.symbols() - set(vocab.symbols)
        if missing:
            raise VocabError(f"{source or 'input'} has characters the vocabulary lacks: {''.join(sorted(missing))[:40]!r}")
        n = self.count
        total = sum(len(c) for c, _ in self.pieces) + n
        stream = np.zeros(total, dtype=_NP_TYPES[token_dtype(len(vocab))])  # zeros: each item's end token
        starts = np.zeros(n + 1, dtype=np.int32 if total < 1 << 31 else np.int64)
        lut = vocab.ids(np.arange(int(self.present.max(initial=0)) + 1)).astype(stream.dtype)  # code point -> id
        for key, cluster in (self.keys.cluster.items() if self.keys is not None else ()):
            lut[key] = vocab.stoi[cluster]
        w = 0
        while self.pieces:
            cps, lens = self.pieces.pop(0)  # freed as it is copied
            ends = starts[w + 1 : w + 1 + len(lens)]
            np.cumsum(lens, out=ends)
            ends += np.arange(1, len(lens) + 1, dtype=ends.dtype)
            pos = int(starts[w])
            ends += pos
            is_char = np.ones(int(ends[-1]) - pos, dtype=bool)
            is_char[ends - 1 - pos] = False
            stream[pos : int(ends[-1])][is_char] = lut[cps]
            w += len(lens)
        return stream, starts

    def dataset(self, block_size: int, vocab: Vocab | None, source: str,
                progress: Callable[[str], None] | None, split: str = "lecture") -> "Dataset":
        present = self.symbols()
        vocab = vocab or Vocab.of_symbols(present)  # = Vocab.from_words(words)
        stream, starts = self.stream(vocab, source)
        n = len(starts) - 1
        record = {"items": n, "sha256": hashlib.sha256(memoryview(stream)).hexdigest()}  # Dataset.record
        if split == "makemore" and makemore_test_size(n) < 1:
            raise DataError(f"{source or 'input'} has {n} item(s); makemore.py's split holds out a tenth of them "
                            "and needs at least 10")
        if progress:
            progress(f"{n:,} items; shuffling them into train, dev and test")
        order, cuts = split_plan(n, split)
        splits: dict[str, Split] = {}
        for k, (a, b) in cuts.items():
            if k == "test" and cuts["test"] == cuts["dev"]:
                splits[k] = splits["dev"]  # makemore.py's split: one held-out set
                continue
            if progress:
                progress(f"building the {k} examples ({b - a:,} items)")
            splits[k] = Split.gather(stream, starts, order[a:b], block_size)
        return Dataset(vocab, block_size, splits, data_notices(vocab, present), source, split, record)


_NP_TYPES = {torch.uint8: np.uint8, torch.int16: np.int16, torch.int32: np.int32}


def build_examples(words: list[str], vocab: Vocab, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """X (n, block_size) of previous-character indices, zero-padded at each word's start; Y (n,):
    every window of the words at once, as the lecture's loop builds them (for small lists and tests;
    a run cuts its windows from the words' token ids when it needs them, splits.Split)."""
    enc = _Encoder(vocab.clustered)
    enc.add(words)
    stream, starts = enc.stream(vocab)
    X, Y = Split(torch.from_numpy(stream), torch.from_numpy(starts), block_size)
    return X, Y


@dataclass
class Dataset:
    """A word list's vocabulary and its train/dev/test splits (splits.Split: token ids, windows cut
    from them when needed)."""

    vocab: Vocab
    block_size: int
    splits: dict[str, Split]
    notices: list[str] = field(default_factory=list)
    source: str = ""
    split: str = "lecture"  # how the words were dealt (splits.split_plan; config.SPLITS)
    # what the run was trained on, kept in its checkpoint and config.json (--resume checks it): the
    # file's path and size in bytes (load_dataset), the items and the SHA-256 of the token stream
    record: dict = field(default_factory=dict)

    @property
    def split_words(self) -> Mapping[str, list[str]]:
        """Each split's words as text, decoded on each access, not kept (splits.SplitWords)."""
        return SplitWords(self.splits, self.vocab.itos)

    @property
    def words(self) -> list[str]:  # every word, in the file's order (a string a word: small lists, tests)
        parts = ("train", "dev") if self.splits["test"] is self.splits["dev"] else ("train", "dev", "test")
        shuffled = [w for k in parts for w in self.split_words[k]]
        out = [""] * len(shuffled)
        for w, i in zip(shuffled, split_plan(len(shuffled), self.split)[0].tolist()):
            out[i] = w
        return out

    @cached_property
    def max_word_len(self) -> int:
        return max(s.longest_word for s in self.splits.values())

    def is_known(self, word: str) -> bool:  # in the training split ('already in the data', for samples)
        return bool(self.known([word])[0])

    def known(self, texts: list[str]) -> list[bool]:
        """Which of `texts` are in the training split: one pass over its tokens for all of them."""
        return self._find(texts, ("train",))

    def held_out(self, texts: list[str]) -> list[bool]:
        """Which of `texts` are in the dev or test split (real words the model was not trained on)."""
        return self._find(texts, ("dev",) if self.splits["test"] is self.splits["dev"] else ("dev", "test"))

    def _find(self, texts: list[str], names: tuple[str, ...]) -> list[bool]:
        ids = [self.vocab.codes(t) if t else None for t in texts]  # -1: a symbol it lacks
        found = np.zeros(len(texts), dtype=bool)
        for k in names:
            found |= find_words(self.splits[k], [None if f else w for w, f in zip(ids, found)])
        return found.tolist()

    def eval_split(self, name: str, exact: bool = False) -> Split:
        """What an evaluation of a split reads: the whole split, or its fixed sample (Split.head)."""
        return self.splits[name] if exact else self.splits[name].head()


def make_dataset(
    words: list[str], block_size: int, vocab: Vocab | None = None, source: str = "",
    progress: Callable[[str], None] | None = None, split: str = "lecture", symbols: str = "grapheme",
) -> Dataset:
    """The Dataset of a list of words (as load_dataset builds it from a file), dealt by `split`."""
    enc = _Encoder(_graphemes(vocab, symbols))
    for i in range(0, len(words), 1 << 20):
        enc.add(words[i : i + (1 << 20)])
    return enc.dataset(block_size, vocab, source, progress, split)


def _graphemes(vocab: Vocab | None, symbols: str) -> bool:
    """Whether words are cut into grapheme clusters: a given vocabulary (a checkpoint's) decides."""
    return vocab.clustered if vocab is not None else symbols != "codepoint"


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
    if vocab.mark != BOUNDARY:
        notices.append(f"some items contain '{BOUNDARY}', a symbol like any other: the start/end token is shown "
                       f"as {vocab.mark!r} instead")
    return notices


def load_dataset(
    path: str | os.PathLike | None, block_size: int, vocab: Vocab | None = None,
    progress: Callable[[str], None] | None = None, split: str = "lecture", symbols: str = "grapheme",
) -> Dataset:
    """Read `path` (the bundled names when None) in one streaming pass and build its splits (`split`:
    config.SPLITS, how the words are dealt; `symbols`: symbols.SYMBOLS, what a symbol is)."""
    if path is not None and str(path) == "":
        raise DataError("the input file name is empty")
    path = Path(path) if path is not None else bundled_dataset()
    enc = _Encoder(_graphemes(vocab, symbols))
    for items in _file_items(path, progress):
        enc.add(items)
    _check_count(enc.count, str(path))
    ds = enc.dataset(block_size, vocab, source=path.name, progress=progress, split=split)
    ds.record = {"path": str(path.resolve()), "bytes": os.stat(path).st_size, **ds.record}
    return ds
