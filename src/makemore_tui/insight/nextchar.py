"""Next character: the model's 27-way distribution over the symbol that follows a typed context."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data import BOUNDARY, DataError, Vocab
from ..models.base import eval_mode
from .base import InsightError


@dataclass(frozen=True)
class NextChar:
    context: str  # what was typed
    window: str  # the block_size symbols the model sees: the context's tail, padded with the boundary's mark
    chars: list[str]  # the vocabulary, index order
    logits: list[float]
    probs: list[float]  # softmax of logits; sums to 1
    top: list[tuple[str, float]]  # the likeliest symbols, most likely first

    def prob(self, ch: str) -> float:
        return self.probs[self.chars.index(ch)]


def context_window(context: str, block_size: int, mark: str = BOUNDARY) -> str:
    """The block_size symbols the model sees after `context`: its last characters, with the start
    token (written `mark`, Vocab.mark: '.' for names) filling in on the left as at the start of every word."""
    padded = mark * block_size + context
    return padded[len(padded) - block_size:]


@torch.no_grad()
def window_logits(model: torch.nn.Module, vocab: Vocab, windows: list[str]) -> torch.Tensor:
    """The model's logits for the symbol after each window (block_size symbols, the boundary's mark
    as padding), all in one forward pass in eval mode: (len(windows), V), float64, on the CPU."""
    device = next(model.parameters()).device
    X = torch.tensor([vocab.encode(w) for w in windows], dtype=torch.long, device=device)
    with eval_mode(model):
        return model(X).double().cpu()


def ranked(probs: torch.Tensor, k: int) -> list[int]:
    """The indices of the k likeliest symbols of one distribution, most likely first (ties: the
    lower index first)."""
    k = max(0, min(k, probs.shape[0]))
    return sorted(range(probs.shape[0]), key=lambda i: (-float(probs[i]), i))[:k]


def next_char(model: torch.nn.Module, vocab: Vocab, context: str, block_size: int | None = None,
              top_k: int = 5) -> NextChar:
    """The model's distribution over the next symbol after `context` ('' = the start of a word).
    Raises ValueError (DataError) for a character the vocabulary lacks."""
    block_size = block_size or model.block_size
    if vocab.text_problem(context):
        raise DataError(vocab.text_problem(context))
    window = context_window(context, block_size, vocab.mark)
    logits = window_logits(model, vocab, [window])[0]
    probs = torch.softmax(logits, 0)
    return NextChar(
        context=context, window=window, chars=list(vocab.itos), logits=logits.tolist(), probs=probs.tolist(),
        top=[(vocab.itos[i], float(probs[i])) for i in ranked(probs, top_k)],
    )


def compute(subject) -> NextChar:
    """The view's numbers for a views.Subject: the distribution after its context (InsightError for
    a character the vocabulary lacks)."""
    try:
        return next_char(subject.model, subject.vocab, subject.context, block_size=subject.cfg.block_size)
    except DataError as e:
        raise InsightError(f"context: {e}") from None
