"""A model's loss over examples: tensors of windows, or a split (whole, or its fixed sample).

Evaluation runs in passes of a fraction of a second each (EVAL_CHUNK windows, or EVAL_WORDS whole
words), and a stop request is seen between two: a run asked to stop during an evaluation stops
within a second, whatever the size of the data.
"""

from __future__ import annotations

from typing import Callable

import torch

from .models.base import eval_mode
from .splits import Split

EVAL_CHUNK = 8192  # windows a pass
EVAL_WORDS = 512  # whole words a pass, for the models that read every position of a word at once


@torch.no_grad()
def evaluate(model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor) -> float:
    """Mean cross-entropy of the model over examples given as tensors of windows and targets."""
    if X.shape[0] == 0:
        return float("nan")
    total = 0.0
    with eval_mode(model):
        for i in range(0, X.shape[0], EVAL_CHUNK):
            logits = model(X[i : i + EVAL_CHUNK])
            total += torch.nn.functional.cross_entropy(logits, Y[i : i + EVAL_CHUNK], reduction="sum").item()
    return total / X.shape[0]


@torch.no_grad()
def split_loss(model: torch.nn.Module, split: Split, stop: Callable[[], bool] | None = None) -> float | None:
    """Mean cross-entropy of the model over every example of `split` (a whole split, or its sample:
    Split.head); None when `stop()` turns true part-way (asked between two passes), NaN when empty.

    A model with `word_loss` (the sequence models) reads each word that fits its block whole, in one
    pass for all its positions, which gives what its windows one by one would; other windows go
    through the model one by one."""
    by_words = model.trains_on_words
    total, count = 0.0, 0
    with eval_mode(model):
        for X, Y in _passes(split, by_words):
            if stop is not None and stop():
                return None
            if Y is None:
                s, n = model.word_loss(X)
            else:
                s, n = torch.nn.functional.cross_entropy(model(X), Y, reduction="sum"), Y.shape[0]
            total += s.item()
            count += n
    return total / count if count else float("nan")


def _passes(split: Split, by_words: bool):
    """split_loss's passes: (X, Y) of windows, or (X, None) of windows that hold whole words."""
    if not by_words:
        yield from split.batches(EVAL_CHUNK)
        return
    for a in range(0, split.n_words, EVAL_WORDS):
        words = torch.arange(a, min(a + EVAL_WORDS, split.n_words), device=split.starts.device)
        fits = split.word_lengths(words) < split.block_size  # the window that ends it starts with <START>
        if bool(fits.any()):
            yield split.word_windows(words[fits]), None
        if not bool(fits.all()):
            ix = split.targets_of(words[~fits])
            for i in range(0, ix.shape[0], EVAL_CHUNK):
                yield split.windows(ix[i : i + EVAL_CHUNK])
