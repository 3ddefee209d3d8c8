"""Confusion: the classifier's argmax prediction against the true next symbol, counted over a split
(its fixed evaluation sample, Dataset.eval_split: the same examples the dev loss is taken over)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data import Vocab
from ..models.base import eval_mode
from ..evaluation import EVAL_CHUNK
from ..splits import examples_of


@dataclass(frozen=True)
class Confusion:
    chars: list[str]
    counts: list[list[int]]  # counts[true][predicted]
    n: int  # examples
    correct: int  # argmax prediction == target
    top: list[tuple[str, str, int]]  # (true, predicted-as, count), the largest off-diagonal cells

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    def recall(self) -> list[float | None]:
        """Per true symbol: the share of its examples predicted right (None if it never occurs)."""
        out: list[float | None] = []
        for i, row in enumerate(self.counts):
            s = sum(row)
            out.append(row[i] / s if s else None)
        return out

    def predicted_totals(self) -> list[int]:
        return [sum(col) for col in zip(*self.counts)]


@torch.no_grad()
def confusion(model: torch.nn.Module, X, Y: torch.Tensor | None, vocab: Vocab, top: int = 10) -> Confusion:
    """The classifier's argmax prediction against the true next symbol for every example: of tensors
    (X, Y), or of a splits.Split X (Y None), its windows cut a pass at a time."""
    V = len(vocab)
    device = next(model.parameters()).device
    n, take = examples_of(X, Y)
    M = torch.zeros(V * V, dtype=torch.long)
    with eval_mode(model):
        for i in range(0, n, EVAL_CHUNK):
            Xb, Yb = take(torch.arange(i, min(i + EVAL_CHUNK, n)))
            pred = model(Xb.to(device)).argmax(1).cpu()
            M += torch.bincount(Yb.cpu() * V + pred, minlength=V * V)
    M = M.view(V, V)
    correct = int(M.diagonal().sum())
    off = M.clone()
    off.fill_diagonal_(0)
    flat = off.flatten()
    k = min(top, int((flat > 0).sum()))
    vals, idx = torch.topk(flat, k) if k else (torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long))
    itos = list(vocab.itos)
    pairs = sorted(((itos[int(j) // V], itos[int(j) % V], int(c)) for c, j in zip(vals, idx)),
                   key=lambda t: (-t[2], t[0], t[1]))
    return Confusion(itos, M.tolist(), n, correct, pairs)


def compute(subject) -> Confusion:
    """The view's numbers for a views.Subject: its model over its data's dev sample."""
    return confusion(subject.model, subject.data.eval_split("dev"), None, subject.vocab)
