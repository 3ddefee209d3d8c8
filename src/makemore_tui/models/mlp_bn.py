"""Lecture 3's MLP with batch normalisation (Ioffe & Szegedy 2015, "Batch Normalization:
Accelerating Deep Network Training by Reducing Internal Covariate Shift",
https://arxiv.org/abs/1502.03167), on the MLP of Bengio et al. 2003."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Model, record


class MLPBatchNorm(Model):
    """Lecture 3's MLP: scaled init, BatchNorm on the hidden pre-activation (no b1), tanh.

        emb     = C[X].view(B, T*E)
        hpre    = emb @ W1                                 (no bias: the BatchNorm's shift replaces it)
        hpre_bn = bngain * (hpre - mean) / sqrt(var + eps) + bnbias
        h       = tanh(hpre_bn);  logits = h @ W2 + b2

    Training normalises with the batch's own mean and variance and moves the running estimates
    (momentum 0.001, as in the lecture); eval() normalises with the running estimates, so a single
    example can be scored and sampled.
    """

    momentum = 0.001

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        T, E, H, V = cfg.block_size, cfg.n_embd, cfg.n_hidden, vocab_size
        self.block_size, self.n_embd, self.n_hidden, self.vocab_size = T, E, H, V
        g = torch.Generator().manual_seed(cfg.seed)
        # The lecture's calls, in its order: W1 gets the tanh gain over sqrt(fan_in), W2 is small
        # so the first loss is about -log(1/V), and b2 starts at zero.
        self.C = nn.Parameter(torch.randn((V, E), generator=g))
        self.W1 = nn.Parameter(torch.randn((T * E, H), generator=g) * (5 / 3) / (T * E) ** 0.5)
        self.W2 = nn.Parameter(torch.randn((H, V), generator=g) * 0.01)
        self.b2 = nn.Parameter(torch.randn(V, generator=g) * 0)
        self.bngain = nn.Parameter(torch.ones(H))
        self.bnbias = nn.Parameter(torch.zeros(H))
        self.register_buffer("bnmean_running", torch.zeros(H))
        self.register_buffer("bnvar_running", torch.ones(H))

    def _hidden(self, X, rec):
        B, T = X.shape
        E, H = self.n_embd, self.n_hidden
        record(rec, "X", "X", X, f"{B} examples of the {T} previous characters")
        emb = self.C[X]  # (B, T, E)
        record(rec, "emb", "C[X]", emb, f"rows of C ({self.vocab_size}, {E})")
        embcat = emb.view(B, -1)  # (B, T*E)
        record(rec, "embcat", f"emb.view({B}, {T * E})", embcat, "the embeddings side by side")
        hpre = embcat @ self.W1  # (B, H)
        record(rec, "hpreact", "embcat @ W1", hpre, "no b1: the BatchNorm's bias does its job")
        hbn = F.batch_norm(hpre, self.bnmean_running, self.bnvar_running, self.bngain, self.bnbias,
                           training=self.training, momentum=self.momentum, eps=1e-5)
        record(rec, "hpreact_bn", "bngain * (hpreact - μ) / σ + bnbias", hbn,
             "μ, σ: the batch's (training) or the running estimates (eval)")
        h = torch.tanh(hbn)
        record(rec, "h", "tanh(hpreact_bn)", h, f"{H} hidden units")
        return h

    def _forward(self, X, rec):
        h = self._hidden(X, rec)
        logits = h @ self.W2 + self.b2  # (B, V)
        record(rec, "logits", "h @ W2 + b2", logits, f"one score per symbol ({self.vocab_size} classes)")
        return logits

    @torch.no_grad()
    def activations(self, X):
        return [("h", self._hidden(X, None))]
