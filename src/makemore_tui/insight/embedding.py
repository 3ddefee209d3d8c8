"""Embedding map: the rows of C in 2-D (C itself when n_embd is 2, else its PCA projection), and
how tightly the vowels sit together."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data import Vocab
from .base import InsightError

VOWELS = "aeiou"


@dataclass(frozen=True)
class EmbeddingMap:
    chars: list[str]
    xs: list[float]
    ys: list[float]
    n_embd: int
    method: str  # "C": the embedding itself (n_embd 2, or 1 with y = 0); "PCA": the top two principal axes
    explained: tuple[float, float]  # share of C's variance along each plotted axis (about the mean)
    vowel_spread: float | None  # mean distance between vowels / mean distance between all letters, in C

    def point(self, ch: str) -> tuple[float, float]:
        i = self.chars.index(ch)
        return self.xs[i], self.ys[i]


def pca_axes(C: torch.Tensor, k: int = 2) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean, axes (n_embd, k), variance share of each axis) of the rows of C. Each axis's sign is
    fixed so that its largest-magnitude entry is positive, so the map does not flip between frames."""
    C = C.double()
    mean = C.mean(0)
    Xc = C - mean
    _, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    axes = Vh[:k].T.clone()
    for j in range(axes.shape[1]):
        col = axes[:, j]
        if col[col.abs().argmax()] < 0:
            axes[:, j] = -col
    var = S.square()
    total = float(var.sum())
    share = var[:k] / total if total > 0 else torch.zeros(k, dtype=torch.float64)
    return mean, axes, share


def vowel_spread(C: torch.Tensor, vocab: Vocab) -> float | None:
    """How tightly the vowels sit together in the embedding: the mean distance between two vowels
    over the mean distance between two letters (any symbol but the boundary). Below 1: closer than average."""
    itos = list(vocab.itos)
    letters = list(range(1, len(itos)))
    vowels = [itos.index(v) for v in VOWELS if v in vocab.symbols]
    if len(vowels) < 2 or len(letters) < 3:
        return None
    C = C.detach().double().cpu()

    def mean_dist(ix: list[int]) -> float:
        P = C[ix]
        d = torch.cdist(P, P)
        n = len(ix)
        return float(d.sum() / (n * (n - 1)))

    all_ = mean_dist(letters)
    return mean_dist(vowels) / all_ if all_ > 0 else None


def embedding_map(model: torch.nn.Module, vocab: Vocab) -> EmbeddingMap:
    """InsightError for a model without an embedding table C."""
    C = model.embedding()
    if C is None:
        raise InsightError("this model has no embedding table C (a bigram's table is the logits themselves)")
    return embedding_from_C(C, vocab)


@torch.no_grad()
def embedding_from_C(C: torch.Tensor, vocab: Vocab) -> EmbeddingMap:
    """The map of a (V, n_embd) embedding table: C itself when n_embd <= 2, else its PCA projection."""
    C = C.detach().double().cpu()
    V, E = C.shape
    if E <= 2:
        xs = C[:, 0].tolist()
        ys = C[:, 1].tolist() if E == 2 else [0.0] * V
        var = C.var(0, unbiased=False) if V > 1 else torch.zeros(E, dtype=torch.float64)
        total = float(var.sum())
        shares = [float(v) / total if total > 0 else 0.0 for v in var.tolist()] + [0.0]
        method, explained = "C", (shares[0], shares[1])
    else:
        mean, axes, share = pca_axes(C)
        P = (C - mean) @ axes
        xs, ys = P[:, 0].tolist(), P[:, 1].tolist()
        method, explained = "PCA", (float(share[0]), float(share[1]))
    return EmbeddingMap(list(vocab.itos), xs, ys, E, method, explained, vowel_spread(C, vocab))


def compute(subject) -> EmbeddingMap:
    """The view's numbers for a views.Subject (InsightError for a model without C)."""
    return embedding_map(subject.model, subject.vocab)
