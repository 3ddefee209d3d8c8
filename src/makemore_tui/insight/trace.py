"""Sample trace: a word as the model reads it, one character at a time.

For each character of the word, and then for the end token (the boundary), the trace gives what
the model read to predict it (its context), the probability the model gave it, its rank among all
the symbols, and the likeliest symbols instead; and for the whole word its log-probability, the
mean loss per prediction (the cross-entropy the run minimises) and the perplexity.

What the context is depends on the model type (its registry entry says, models.ModelType.context):
the MLP family (mlp, mlp-bn, wavenet) reads the block_size characters before each one, padded with
the boundary's mark before the word starts; the bigram the one character before it; the sequence
models (rnn, gru, transformer, bow) the whole word so far from its start token, however long (at most
the last block_size characters; makemore's block covers the longest name).

Every prediction comes from one forward pass over the word's windows, those the trainer and the
sampler give the model (nextchar.window_logits); nothing here differs by model type but the words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..data import DataError, Vocab
from ..data_lines import MAX_LINE_CHARS
from .base import InsightError
from .nextchar import context_window, ranked, window_logits

TOP_K = 5  # alternatives kept per character
CONTEXTS = ("window", "last", "prefix")


@dataclass(frozen=True)
class TraceStep:
    context: str  # what the model read, as its symbols ('…' first: a prefix cut to the block)
    char: str  # the symbol predicted: a character of the word, or the boundary's mark for the end
    prob: float  # the model's probability of it
    rank: int  # 1: the likeliest symbol
    top: list[tuple[str, float]]  # the TOP_K likeliest symbols, most likely first

    @property
    def nll(self) -> float:
        """-ln p: this prediction's share of the loss."""
        return -math.log(self.prob) if self.prob > 0 else math.inf


@dataclass(frozen=True)
class Trace:
    word: str
    model_type: str
    context_kind: str  # one of CONTEXTS
    block_size: int
    mark: str  # how the boundary token is written (the start and end of every word)
    steps: list[TraceStep]  # one per character, then the end
    logprob: float  # natural log of the word's probability, the end included
    sampled: bool = False  # the word was drawn from the model (no word was given)
    step: int = 0  # the training step of the weights

    @property
    def loss(self) -> float:
        """The mean -ln p over the predictions: the loss of this word, per character."""
        return -self.logprob / len(self.steps)

    @property
    def perplexity(self) -> float:
        return math.exp(self.loss) if self.loss < 700 else math.inf

    def context_note(self, mark: str | None = None) -> str:
        """What the context column holds, in a sentence (`mark`: the boundary's mark as shown)."""
        m = repr(self.mark if mark is None else mark)
        kind = f"the {self.model_type}" if self.model_type else "the model"
        if self.context_kind == "last":
            return f"context: the previous character ({m} at the start): all {kind} sees"
        if self.context_kind == "prefix":
            return (f"context: the whole word so far, from the start {m}: {kind} reads all of it, not a fixed "
                    f"window (up to {self.block_size} characters)")
        return f"context: the {self.block_size} previous characters ({m} before the start): all {kind} sees"


def shown_context(prefix: str, kind: str, block_size: int, mark: str) -> str:
    """The context of the prediction after `prefix` as the trace shows it (see Trace.context_note)."""
    if kind == "last":
        return context_window(prefix, 1, mark)
    if kind == "prefix":
        return mark + prefix if len(prefix) < block_size else "…" + prefix[len(prefix) - block_size:]
    return context_window(prefix, block_size, mark)


def trace(model: torch.nn.Module, vocab: Vocab, word: str, block_size: int, *, context: str = "window",
          model_type: str = "", top_k: int = TOP_K, step: int = 0, sampled: bool = False) -> Trace:
    """The trace of `word` by `model` (which is left unchanged). `context` is the model type's kind of
    context (models.ModelType.context). DataError for a word with symbols the vocabulary lacks."""
    problem = vocab.text_problem(word)
    if problem:
        raise DataError(problem)
    if len(word) > MAX_LINE_CHARS:
        raise DataError(f"the word is {len(word):,} characters long; at most {MAX_LINE_CHARS:,}")
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}; got {context!r}")
    prefixes = [word[:i] for i in range(len(word) + 1)]
    logp = torch.log_softmax(window_logits(model, vocab, [context_window(p, block_size, vocab.mark)
                                                          for p in prefixes]), dim=-1)
    probs = logp.exp()
    targets = vocab.encode(word) + [0]
    steps = []
    for i, (prefix, t) in enumerate(zip(prefixes, targets)):
        row = probs[i]
        steps.append(TraceStep(
            context=shown_context(prefix, context, block_size, vocab.mark), char=vocab.itos[t], prob=float(row[t]),
            rank=int((row > row[t]).sum()) + 1, top=[(vocab.itos[j], float(row[j])) for j in ranked(row, top_k)]))
    logprob = float(logp[torch.arange(len(targets)), torch.tensor(targets)].sum())
    return Trace(word=word, model_type=model_type, context_kind=context, block_size=block_size, mark=vocab.mark,
                 steps=steps, logprob=logprob, sampled=sampled, step=step)


def compute(subject) -> Trace:
    """The view's numbers for a views.Subject: the trace of its word, or of a name sampled from the
    model (seeded by the run's seed) when it has none. InsightError for a word the model cannot read."""
    from ..models import model_type
    from ..sampling import sample

    cfg, word = subject.cfg, subject.word
    if word is None:
        word = sample(subject.model, subject.vocab, cfg.block_size, n=1, seed=cfg.seed)[0].text
    try:
        return trace(subject.model, subject.vocab, word, cfg.block_size, context=model_type(cfg.type).context,
                     model_type=cfg.type, step=subject.step, sampled=subject.word is None)
    except DataError as e:
        raise InsightError(f"word: {e}") from None
