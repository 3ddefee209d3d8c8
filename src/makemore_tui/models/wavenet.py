"""Lecture 5's WaveNet-like model: the hierarchical, pairwise merging of van den Oord et al. 2016,
"WaveNet: A Generative Model for Raw Audio" (https://arxiv.org/abs/1609.03499), without its
dilated causal convolutions: each level merges neighbouring positions by a Linear on the pair.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .base import Model, normal_, record


class Merge(nn.Module):
    """FlattenConsecutive(2), Linear(no bias), BatchNorm1d, Tanh: one level of the WaveNet tree."""

    def __init__(self, fan_in: int, n_hidden: int, g: torch.Generator):
        super().__init__()
        self.linear = nn.Linear(fan_in, n_hidden, bias=False)
        normal_(self.linear.weight, fan_in ** -0.5, g)  # the lecture's Linear: randn / sqrt(fan_in)
        self.bn = nn.BatchNorm1d(n_hidden, eps=1e-5, momentum=0.1)


class WaveNet(Model):
    """Lecture 5's hierarchical model: pairs of neighbouring positions are merged, level by level.

        x = C[X]                               (B, 8, E)
        x = tanh(bn(x.view(B, 4, 2E) @ W))     (B, 4, H)     level 1 merges characters 1+2, 3+4, ...
        x = tanh(bn(x.view(B, 2, 2H) @ W))     (B, 2, H)     level 2 merges the pairs
        x = tanh(bn(x.view(B, 2H) @ W))        (B, H)        level 3: one vector for all 8
        logits = x @ W_out + b_out

    A block of 2^k characters takes k levels. BatchNorm normalises over the batch and the positions
    together (the lecture's fix for 3-d input) and keeps running statistics for eval.
    """

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        T, E, H, V = cfg.block_size, cfg.n_embd, cfg.n_hidden, vocab_size
        if T < 2 or T & (T - 1):
            raise ValueError(f"wavenet needs a block size that is a power of two, got {T}")
        self.block_size, self.n_embd, self.n_hidden, self.vocab_size = T, E, H, V
        self.n_levels = T.bit_length() - 1
        g = torch.Generator().manual_seed(cfg.seed)
        self.emb = nn.Embedding(V, E)
        normal_(self.emb.weight, 1.0, g)
        self.merges = nn.ModuleList(Merge(2 * (E if i == 0 else H), H, g) for i in range(self.n_levels))
        self.head = nn.Linear(H, V)
        normal_(self.head.weight, H ** -0.5 * 0.1, g)  # last layer made less confident, as in the lecture
        nn.init.zeros_(self.head.bias)

    @property
    def C(self) -> torch.Tensor:
        return self.emb.weight

    def _levels(self, X, rec):
        B, T = X.shape
        record(rec, "X", "X", X, f"{B} examples of the {T} previous characters")
        x = self.emb(X)
        record(rec, "emb", "C[X]", x, f"rows of C ({self.vocab_size}, {self.n_embd})")
        outs = []
        for i, m in enumerate(self.merges, 1):
            n, c = x.shape[1], x.shape[2]
            x = x.view(B, n // 2, 2 * c)
            what = "neighbouring characters" if i == 1 else "neighbouring groups"
            record(rec, f"pairs{i}", f"x.view({B}, {n // 2}, {2 * c})", x,
                 f"level {i}: {what} side by side ({n} -> {n // 2})")
            x = m.linear(x)
            record(rec, f"lin{i}", f"pairs{i} @ W{i}", x, f"({2 * c}, {self.n_hidden}), no bias")
            x = m.bn(x.view(-1, x.shape[-1])).view(x.shape)
            record(rec, f"bn{i}", f"batchnorm(lin{i})", x, "over batch and positions; running stats in eval")
            x = torch.tanh(x)
            record(rec, f"h{i}", f"tanh(bn{i})", x)
            outs.append((f"h{i}", x))
        x = x.view(B, -1)
        record(rec, "h", f"h{self.n_levels}.view({B}, {x.shape[1]})", x, "one position left: drop it")
        return x, outs

    def _forward(self, X, rec):
        x, _ = self._levels(X, rec)
        logits = self.head(x)
        record(rec, "logits", "h @ W_out + b_out", logits, f"one score per symbol ({self.vocab_size} classes)")
        return logits

    @torch.no_grad()
    def activations(self, X):
        return self._levels(X, None)[1]
