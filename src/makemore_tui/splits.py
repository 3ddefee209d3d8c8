"""The train/dev/test splits: how a word list is dealt into them (the lectures' seeded shuffle, cut
80/10/10; or makemore.py's split, `split_plan`), and each split's words as one flat array of token ids, with the (context -> next
character) windows cut from it when they are needed.

nanoGPT keeps its tokens as one flat array and cuts each batch out of it; so does a Split. `tokens`
holds every word's codes followed by the end token 0, in the smallest integer type that holds the
vocabulary (one byte a character up to 256 symbols); it is also the list of targets, in order.
`starts` says where each word begins (one more entry: the total). The window of target i is the
`block_size` tokens before it, zeroed where that would reach into the previous word: what the
lecture's loop builds one character at a time, cut for a batch of targets at once (a gather and a
cumulative sum a batch: the cut costs the same on any size of list). So memory is a
byte or two a character of text, whatever the block size, and every model type reads the same data.

The evaluation sample is a split's first words (`head`): the split's order is the seeded shuffle,
so its first words are a random sample of it, the same every time, and a view of it, not a copy.
EVAL_EXAMPLES of them (rounded up to a whole word) keep a loss within about +-0.002 of the whole
split's (one standard error; README, "Data"); a split that is smaller is evaluated whole.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Mapping

import numpy as np
import torch

from .config import EVAL_EXAMPLES

SPLIT_SEED = 42  # the lectures' random.seed(42) before the shuffle
MAKEMORE_SEED = 3407  # makemore.py's default --seed: its torch.randperm is the first draw after it
MAKEMORE_TEST_MAX = 1000  # makemore.py holds out 10% of the words, at most this many
GATHER_WORDS = 1 << 16  # words copied or searched at a time: bounds the index arrays (some 15 MB)


def shuffled_order(n: int, seed: int = SPLIT_SEED) -> np.ndarray:
    """The permutation `random.Random(seed).shuffle` makes of n items (the lectures' split), as an
    array of 4 bytes an item: the same Fisher-Yates steps and random draws as the library's shuffle,
    several times faster than shuffling a list of n items and without a Python object each."""
    getrandbits = random.Random(seed).getrandbits
    order = array("I" if n < 1 << 32 else "Q", range(n))
    top = n - 1
    while top > 0:  # random.shuffle: for i from n-1 down to 1, j = randbelow(i + 1), swap x[i] and x[j]
        k = (top + 1).bit_length()  # randbelow(i + 1) draws k bits until one is <= i: k is fixed for a band of i
        low = max(1, (1 << (k - 1)) - 1)
        for i in range(top, low - 1, -1):
            j = getrandbits(k)
            while j > i:
                j = getrandbits(k)
            order[i], order[j] = order[j], order[i]
        top = low - 1
    return np.frombuffer(order, dtype=np.uint32 if n < 1 << 32 else np.uint64)


def split_words(words: list[str], seed: int = SPLIT_SEED) -> tuple[list[str], list[str], list[str]]:
    """Shuffle a copy as the lectures do (random.seed(42); shuffle) and cut 80/10/10."""
    words = [words[i] for i in shuffled_order(len(words), seed)]
    n1, n2 = split_sizes(len(words))
    return words[:n1], words[n1:n2], words[n2:]


def split_sizes(n: int) -> tuple[int, int]:
    """Where the 80/10/10 cuts fall in n shuffled words: train is [0, n1), dev [n1, n2), test [n2, n)."""
    return int(0.8 * n), int(0.9 * n)


def makemore_test_size(n: int) -> int:
    """How many of n words makemore.py holds out as its test set: min(1000, int(n * 0.1))."""
    return min(MAKEMORE_TEST_MAX, int(n * 0.1))


def split_plan(n: int, kind: str = "lecture") -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """How n words are dealt: (order, {split: (a, b)}), split k being the words order[a:b].

    lecture: the lectures' shuffle (random.seed(42)), cut 80/10/10. makemore: makemore.py's split:
    torch.randperm(n) drawn right after torch.manual_seed(3407) (its default seed), the last
    min(1000, n // 10) words of it held out as its test set and the rest training; makemore.py
    evaluates on that test set as its only held-out set, so here dev and test are both that set
    (makemore.py's "test loss" is this dev loss). The global generator is left as it was."""
    if kind == "makemore":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(MAKEMORE_SEED)
            order = torch.randperm(n).numpy().astype(np.uint32 if n < 1 << 32 else np.uint64)
        cut = n - makemore_test_size(n)
        return order, {"train": (0, cut), "dev": (cut, n), "test": (cut, n)}
    n1, n2 = split_sizes(n)
    return shuffled_order(n), {"train": (0, n1), "dev": (n1, n2), "test": (n2, n)}


def token_dtype(vocab_size: int) -> torch.dtype:
    """The smallest integer type that holds every token id of a vocabulary."""
    if vocab_size <= 256:
        return torch.uint8
    if vocab_size <= 1 << 15:
        return torch.int16
    return torch.int32


class Split:
    """The words of one split (train, dev or test) as token ids, and the windows cut from them.

    For the lecture's code, `X, Y = split` (or split[0], split[1]) gives every window at once as
    int64 tensors: fine for a small list and for tests; the program itself cuts only the windows
    it uses (`windows`)."""

    def __init__(self, tokens: torch.Tensor, starts: torch.Tensor, block_size: int):
        self.tokens = tokens  # (examples,) every word's codes, then 0
        self.starts = starts  # (n_words + 1,) int64: where each word starts, then the total
        self.block_size = block_size
        self._back = torch.arange(block_size, 0, -1, device=tokens.device)  # column j holds the token T - j back

    @property
    def examples(self) -> int:
        """How many (window, target) examples: one per character and one per word's end."""
        return int(self.tokens.shape[0])

    @property
    def n_words(self) -> int:
        return int(self.starts.shape[0]) - 1

    @property
    def longest_word(self) -> int:
        """Characters in the split's longest word (0 when it has none)."""
        return int((self.starts[1:] - self.starts[:-1]).max()) - 1 if self.n_words else 0

    def word_ends(self, words: torch.Tensor) -> torch.Tensor:
        """The target index of each word's end token (its last example)."""
        return self.starts[words + 1] - 1

    def word_lengths(self, words: torch.Tensor) -> torch.Tensor:
        return self.starts[words + 1] - self.starts[words] - 1

    def windows(self, ix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """X (len(ix), block_size) and Y (len(ix),), int64, of the examples whose targets are at ix.

        The block_size tokens before each target, with the previous word's end token and all before
        it zeroed: a character is never 0, so the last 0 of a row is where its word begins."""
        ix = ix.to(self.tokens.device)
        pos = ix[:, None] - self._back[None, :]
        X = self.tokens[pos.clamp(min=0)].long()
        X.masked_fill_(pos < 0, 0)
        X *= (X == 0).flip(1).cumsum(1).flip(1) == 0  # keep what follows the row's last 0
        return X, self.tokens[ix].long()

    def word_windows(self, words: torch.Tensor) -> torch.Tensor:
        """The windows that end the given words (each holds its whole word when it fits the block)."""
        return self.windows(self.word_ends(words))[0]

    def targets_of(self, words: torch.Tensor) -> torch.Tensor:
        """The target index of every example of the given words, word after word."""
        words = words.to(self.starts.device)
        first, n = self.starts[words], self.word_lengths(words) + 1
        offset = torch.cumsum(n, 0) - n  # where each word's run begins in the result
        return torch.repeat_interleave(first - offset, n) + torch.arange(int(n.sum()), device=n.device)

    def first(self, n: int, words: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(X, Y) of the first n examples; with `words`, of the windows that end the first n words."""
        if words:
            return self.windows(self.word_ends(torch.arange(min(n, self.n_words), device=self.starts.device)))
        return self.windows(torch.arange(min(n, self.examples), device=self.tokens.device))

    def batches(self, rows: int):
        """Every example, in order, as (X, Y) of at most `rows` windows at a time."""
        for i in range(0, self.examples, rows):
            yield self.windows(torch.arange(i, min(i + rows, self.examples), device=self.tokens.device))

    def head(self, examples: int | None = None) -> "Split":
        """The split's first words holding at least `examples` (default EVAL_EXAMPLES) examples, all
        when it has fewer: the evaluation sample. A view: no tokens are copied."""
        examples = EVAL_EXAMPLES if examples is None else examples
        if self.examples <= examples:
            return self
        k = int(torch.searchsorted(self.starts, torch.tensor([examples], device=self.starts.device)))
        return Split(self.tokens[: int(self.starts[k])], self.starts[: k + 1], self.block_size)

    def to(self, device) -> "Split":
        if self.tokens.device == torch.device(device):
            return self
        return Split(self.tokens.to(device), self.starts.to(device), self.block_size)

    # ---- every window at once (small lists, tests, the lecture's code) -----------------------------
    @property
    def X(self) -> torch.Tensor:
        return self.windows(torch.arange(self.examples, device=self.tokens.device))[0]

    @property
    def Y(self) -> torch.Tensor:
        return self.tokens.long()

    def __iter__(self):
        return iter((self.X, self.Y))

    def __getitem__(self, i: int) -> torch.Tensor:
        if i in (0, -2):
            return self.X
        if i in (1, -1):
            return self.Y
        raise IndexError("a split unpacks as (X, Y)")

    def decode(self, itos, a: int = 0, b: int | None = None) -> list[str]:
        """Words a to b (default: all) as text, a Python string a word: for small lists and tests,
        or a bounded range of a large one."""
        b = self.n_words if b is None else min(b, self.n_words)
        out: list[str] = []
        for lo in range(a, b, GATHER_WORDS):
            s = self.starts[lo : min(lo + GATHER_WORDS, b) + 1].tolist()
            t = self.tokens[s[0] : s[-1]].tolist()
            out += ["".join(itos[c] for c in t[x - s[0] : y - s[0] - 1]) for x, y in zip(s, s[1:])]
        return out

    @classmethod
    def gather(cls, stream: np.ndarray, starts: np.ndarray, order: np.ndarray, block_size: int) -> "Split":
        """The words `order` (indices into a stream of words, each followed by 0, starting at `starts`),
        copied into a split of their own in that order, a bounded number of words at a time."""
        blocks = [(a, min(a + GATHER_WORDS, len(order))) for a in range(0, len(order), GATHER_WORDS)]
        out_starts = np.zeros(len(order) + 1, dtype=np.int64)
        for a, b in blocks:  # each word's length + 1, summed: where it starts in the split
            w = order[a:b]
            np.cumsum(starts[w + 1] - starts[w], out=out_starts[a + 1 : b + 1])
            out_starts[a + 1 : b + 1] += out_starts[a]
        tokens = np.empty(int(out_starts[-1]), dtype=stream.dtype)
        for a, b in blocks:
            w = order[a:b]
            lo, hi = int(out_starts[a]), int(out_starts[b])
            src = np.repeat(starts[w].astype(np.int64) - out_starts[a:b], np.diff(out_starts[a : b + 1]))
            src += np.arange(lo, hi, dtype=np.int64)
            tokens[lo:hi] = stream[src]
        return cls(torch.from_numpy(tokens), torch.from_numpy(out_starts), block_size)


def find_words(split: Split, words: list[np.ndarray | None]) -> np.ndarray:
    """Which of `words` (each a word's token ids, without its end token; None for a word that cannot
    be one, e.g. of symbols the vocabulary lacks) the split holds. One pass over the split's token
    arrays, GATHER_WORDS words at a time, for only these words: no index is built and nothing is
    kept, so the memory is a few arrays of a block of words whatever the split's size. A block's
    words are first matched on (length, first token), then the few that match compared token by
    token; the pass ends early once every word is found."""
    found = np.zeros(len(words), dtype=bool)
    want: dict[int, list[int]] = {}  # (length << 32 | first token) -> the words that have it
    for i, w in enumerate(words):
        if w is not None and len(w) and (w > 0).all():
            want.setdefault(len(w) << 32 | int(w[0]), []).append(i)
    tokens, starts = split.tokens.numpy(), split.starts.numpy()
    n = split.n_words
    for a in range(0, n, GATHER_WORDS):
        if not want:
            break
        s = starts[a : min(a + GATHER_WORDS, n) + 1].astype(np.int64, copy=False)
        first = s[:-1]
        key = (s[1:] - first - 1) << 32 | tokens[first].astype(np.int64)
        hit = np.flatnonzero(np.isin(key, np.fromiter(want, dtype=np.int64, count=len(want))))
        for k in np.unique(key[hit]).tolist():
            cand = first[hit[key[hit] == k]]
            for i in want[k]:
                w, c = words[i], cand
                for j in range(1, len(w)):
                    c = c[tokens[c + j] == w[j]]
                    if not len(c):
                        break
                found[i] = len(c) > 0
            want[k] = [i for i in want[k] if not found[i]]
            if not want[k]:
                del want[k]
    return found


class SplitWords(Mapping):
    """Each split's words as text (Dataset.split_words), decoded on each access and not kept."""

    def __init__(self, splits: dict[str, Split], itos):
        self._splits, self._itos = splits, itos

    def __getitem__(self, name: str) -> list[str]:
        return self._splits[name].decode(self._itos)

    def __iter__(self):
        return iter(self._splits)

    def __len__(self) -> int:
        return len(self._splits)


def examples_of(X, Y: torch.Tensor | None = None):
    """(how many examples, ix -> (X, Y) of those examples) of a Split (Y None: its windows are cut
    when asked for) or of tensors of windows and targets: what the insight views draw batches from."""
    if Y is None:
        return X.examples, X.windows
    return int(X.shape[0]), lambda ix: (X[ix], Y[ix])
