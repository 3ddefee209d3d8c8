"""makemore's Bigram: the next character from the previous one alone (lecture 1's counting model,
as a neural net).

    logits = table[X[:, -1]]          (B, T) -> (B,) -> (B, V)

"Bigram Language Model 'neural net', simply a lookup table of logits for the next character given
a previous character" (makemore.py). Training the table by gradient descent reaches the smoothed
counts' loss.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .base import Model, record


class Bigram(Model):
    """makemore's Bigram: a (V, V) table of logits, row = the previous character."""

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        self.vocab_size = vocab_size
        self.logits = nn.Parameter(torch.zeros(vocab_size, vocab_size))

    def _forward(self, X, rec):
        V = self.vocab_size
        record(rec, "X", "X", X, f"{X.shape[0]} examples; a bigram reads only the last character")
        last = X[:, -1]  # (B,)
        record(rec, "last", "X[:, -1]", last, "the previous character")
        out = self.logits[last]  # (B, V)
        record(rec, "logits", "logits[last]", out, f"a row of the ({V}, {V}) table: counts as log-odds")
        return out
