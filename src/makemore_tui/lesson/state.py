"""What the lesson's steps share, computed once on first use and kept: the vocabulary, the first
batch (X, Y), the initial weights, the two loops of step 8, the short training of step 9 and the
names of step 10.

Every piece is drawn from its own seeded generator, so any step computed alone gives the numbers it
gives after the steps before it. The weights are drawn as in the lecture (one generator seeded with
`seed`; C, W1, b1, W2, b2 in that order), which is how the seed MLP of a run is drawn (models/mlp.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from ..data import SPACE_MARK, Vocab, build_examples, make_dataset
from ..symbols import split_text

PARAM_NAMES = ("C", "W1", "b1", "W2", "b2")
EPOCHS = 100  # step 8: the notes' loop over one batch
RATE = 0.1  # the size of every update in steps 8 and 9
TRAIN_STEPS = 2_000  # step 9: minibatch steps trained right there
EVAL_EVERY = 100  # step 9: steps between two points of its chart
CURVE_EXAMPLES = 5_000  # step 9: examples of each split a chart point's loss is computed on
MAX_NAME = 40  # step 10: a sampled name stops here even without the boundary token
NAMES = 2  # step 10: how many names are sampled


def forward(params, X: torch.Tensor) -> torch.Tensor:
    """The lecture's forward pass: the logits (B, V) of the windows X (B, T)."""
    C, W1, b1, W2, b2 = params
    emb = C[X]
    h = torch.tanh(emb.view(X.shape[0], -1) @ W1 + b1)
    return h @ W2 + b2


def split_loss(params, split) -> float:
    """The mean loss over every example of a data split (splits.Split), a block of windows at a time."""
    total, n = 0.0, 0
    with torch.no_grad():
        for X, Y in split.batches(8192):
            total += F.cross_entropy(forward(params, X), Y, reduction="sum").item()
            n += int(Y.shape[0])
    return total / max(n, 1)


@dataclass(frozen=True)
class Loop:
    """The losses of a loop over the batch (one before each update) and the weights it ended on."""

    rate: float  # `learning_rate` as the code sets it
    losses: tuple[float, ...]
    params: tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class Trained:
    """Step 9: the weights after TRAIN_STEPS minibatch steps and the losses along the way."""

    params: tuple[torch.Tensor, ...]
    train_curve: tuple[float, ...]  # after every EVAL_EVERY steps, on CURVE_EXAMPLES train examples
    dev_curve: tuple[float, ...]
    start_train: float  # the initial weights' loss on the train split (its evaluation sample)
    start_dev: float
    train: float  # the trained weights' loss on the train split (its evaluation sample)
    dev: float


@dataclass(frozen=True)
class Draw:
    """One character of a sampled name: its context, every symbol's probability, the drawn symbol."""

    context: tuple[int, ...]
    probs: tuple[float, ...]
    drawn: int


def vocab_of(words: list[str]) -> Vocab:
    """The vocabulary a run builds of these words: their symbols (grapheme clusters, symbols.py),
    sorted after the boundary token."""
    return Vocab.of_symbols({c for w in words for c in split_text(w, True)})


class State:
    def __init__(self, words: list[str], *, seed: int, block_size: int, n_embd: int, n_hidden: int,
                 batch_size: int):
        self.words = words
        self.seed, self.T, self.E, self.H, self.B = seed, block_size, n_embd, n_hidden, batch_size
        self.vocab = vocab_of(words)
        self.V = len(self.vocab)
        self.mark = self.vocab.mark

    # ---- the weights -----------------------------------------------------------------------------
    def draw(self, g: torch.Generator) -> list[torch.Tensor]:
        """C, W1, b1, W2, b2 drawn from g as the lecture draws them."""
        V, T, E, H = self.V, self.T, self.E, self.H
        C = torch.randn((V, E), generator=g)
        W1 = torch.randn((T * E, H), generator=g)
        b1 = torch.randn(H, generator=g)
        W2 = torch.randn((H, V), generator=g)
        b2 = torch.randn(V, generator=g)
        return [C, W1, b1, W2, b2]

    @cached_property
    def init(self) -> tuple[torch.Tensor, ...]:
        """The initial weights (never changed: the steps that train work on copies)."""
        return tuple(self.draw(torch.Generator().manual_seed(self.seed)))

    def fresh(self, grad: bool = False) -> list[torch.Tensor]:
        return [p.clone().requires_grad_(grad) for p in self.init]

    # ---- the first batch -------------------------------------------------------------------------
    @cached_property
    def first(self) -> tuple[torch.Tensor, torch.Tensor, int, int]:
        """(X, Y) of the first B examples of the data's first words, how many words they come from,
        and how many examples those words give (one per character and one for each word's end)."""
        k, n = 0, 0
        while n < self.B:
            n += len(self.vocab.split(self.words[k])) + 1
            k += 1
        X, Y = build_examples(self.words[:k], self.vocab, self.T)
        return X[: self.B], Y[: self.B], k, n

    @property
    def X(self) -> torch.Tensor:
        return self.first[0]

    @property
    def Y(self) -> torch.Tensor:
        return self.first[1]

    @cached_property
    def example(self) -> int | None:
        """The batch's first row whose context is all characters (no boundary): the example the steps
        take apart ("emm" -> "a" on names); None when every row has a boundary in it."""
        full = (self.X != 0).all(dim=1).nonzero()
        return int(full[0, 0]) if full.numel() else None

    def word_of(self, row: int) -> int:
        """Which of the first words the batch's row `row` comes from."""
        end = 0
        for k, w in enumerate(self.words):
            end += len(self.vocab.split(w)) + 1
            if row < end:
                return k
        raise IndexError(row)

    def show(self, ix) -> str:
        """Token ids as the screens show them (the boundary as its mark, a space as ·)."""
        return "".join(SPACE_MARK if self.vocab.itos[int(i)] == " " else self.vocab.itos[int(i)] for i in ix)

    # ---- the data's splits -----------------------------------------------------------------------
    @cached_property
    def data(self):
        """The run's dataset: the same vocabulary and the lecture's train/dev/test split (splits.py)."""
        return make_dataset(self.words, self.T, vocab=self.vocab)

    # ---- step 8 ----------------------------------------------------------------------------------
    def loop(self, learning_rate: float) -> Loop:
        """EPOCHS steps on the first batch with the notes' update, `p.data += -learning_rate * p.grad`."""
        params = self.fresh(grad=True)
        losses = []
        for _ in range(EPOCHS):
            loss = F.cross_entropy(forward(params, self.X), self.Y)
            losses.append(loss.item())
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data += -learning_rate * p.grad
        return Loop(learning_rate, tuple(losses), tuple(p.detach() for p in params))

    @cached_property
    def climb(self) -> Loop:
        return self.loop(-RATE)  # the notes: learning_rate = -0.1

    @cached_property
    def descend(self) -> Loop:
        return self.loop(RATE)

    # ---- step 9 ----------------------------------------------------------------------------------
    @cached_property
    def trained(self) -> Trained:
        g = torch.Generator().manual_seed(self.seed)
        params = self.draw(g)  # the initial weights again; g goes on to draw the minibatches
        for p in params:
            p.requires_grad_()
        train, dev = self.data.splits["train"], self.data.splits["dev"]
        probe_train, probe_dev = train.head(CURVE_EXAMPLES), dev.head(CURVE_EXAMPLES)
        start_train, start_dev = split_loss(params, self.data.eval_split("train")), split_loss(params, self.data.eval_split("dev"))
        curve_train, curve_dev = [], []
        for i in range(TRAIN_STEPS):
            ix = torch.randint(0, train.examples, (self.B,), generator=g)
            Xb, Yb = train.windows(ix)  # = Xtr[ix], Ytr[ix]
            loss = F.cross_entropy(forward(params, Xb), Yb)
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data += -RATE * p.grad
            if (i + 1) % EVAL_EVERY == 0:
                curve_train.append(split_loss(params, probe_train))
                curve_dev.append(split_loss(params, probe_dev))
        final = tuple(p.detach() for p in params)
        return Trained(final, tuple(curve_train), tuple(curve_dev), start_train, start_dev,
                       split_loss(final, self.data.eval_split("train")), split_loss(final, self.data.eval_split("dev")))

    # ---- step 10 ---------------------------------------------------------------------------------
    @cached_property
    def names(self) -> tuple[tuple[Draw, ...], ...]:
        """NAMES names drawn one character at a time from step 9's weights (the lecture's loop)."""
        params = self.trained.params
        g = torch.Generator().manual_seed(self.seed + 10)
        names = []
        for _ in range(NAMES):
            context, draws = [0] * self.T, []
            while True:
                with torch.no_grad():
                    probs = F.softmax(forward(params, torch.tensor([context])), dim=1)
                ix = torch.multinomial(probs, num_samples=1, generator=g).item()
                draws.append(Draw(tuple(context), tuple(probs[0].tolist()), ix))
                context = context[1:] + [ix]
                if ix == 0 or len(draws) >= MAX_NAME:
                    break
            names.append(tuple(draws))
        return tuple(names)


def finite(values) -> bool:
    return all(math.isfinite(v) for v in values)
