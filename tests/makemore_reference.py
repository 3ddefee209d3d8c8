# Adapted from makemore.py (https://github.com/karpathy/makemore). MIT License, Copyright (c) 2022 Andrej Karpathy.
"""makemore.py's own forward passes, run on this project's models' parameters: the reference the
tests compare the models against (test_models.py). Each follows makemore.py's code for its model:
whole words in makemore's padded layout, <START> first, and a (T, T) causal mask for attention.
Below them, makemore.py's models as modules of their own (test_makemore_parity.py)."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def rnn_forward(m, seq):
    """makemore.py's RNN forward on sequences (b, t): cat([x_t, h]) through the cell each step."""
    emb, h, hs = m.wte(seq), m.start.expand(seq.shape[0], -1), []
    for t in range(seq.shape[1]):
        xt = emb[:, t]
        xh = torch.cat([xt, h], 1)
        if m.cell_type == "rnn":
            h = torch.tanh(m.cell.xh_to_h(xh))
        else:
            c = m.cell
            r = torch.sigmoid(c.xh_to_r(xh))
            hbar = torch.tanh(c.xh_to_hbar(torch.cat([xt, r * h], 1)))
            z = torch.sigmoid(c.xh_to_z(xh))
            h = (1 - z) * h + z * hbar
        hs.append(h)
    return m.lm_head(torch.stack(hs, 1))


def transformer_forward(m, idx):
    """makemore.py's Transformer forward on (b, t): padded layout, masked (T, T) attention."""
    b, t = idx.shape
    x = m.wte(idx) + m.wpe(torch.arange(t))[None]
    for blk in m.h:
        C, nh = x.shape[-1], blk.n_head
        q, k, v = blk.c_attn(blk.ln_1(x)).split(C, 2)
        q, k, v = (z.view(b, t, nh, C // nh).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(torch.tril(torch.ones(t, t)) == 0, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, C)
        x = x + blk.c_proj(y)
        x = x + blk.mlp_proj(F.gelu(blk.c_fc(blk.ln_2(x)), approximate="tanh"))
    return m.lm_head(m.ln_f(x))


def bow_forward(m, idx):
    """makemore.py's BoW forward on (b, t): padded layout, an all-equal masked (T, T) attention."""
    b, t = idx.shape
    x = m.wte(idx) + m.wpe(torch.arange(t))[None]
    att = torch.zeros(b, t, t).masked_fill(torch.tril(torch.ones(t, t)) == 0, float("-inf")).softmax(-1)
    x = x + att @ x
    x = x + m.c_proj(torch.tanh(m.c_fc(x)))
    return m.lm_head(x)


# ---- makemore.py's models as modules, for the parity test (test_makemore_parity.py) ----------------
# Built as makemore.py builds them: the same modules created in the same order with PyTorch's default
# inits (makemore.py sets no init of its own), so after the same torch.manual_seed they hold the same
# weights. forward(idx, targets) takes makemore's padded layout: <START> (0) first, targets -1 where
# masked, and returns (logits, loss) as makemore.py's models do.


class MakemoreAttention(nn.Module):
    """makemore.py's CausalSelfAttention: c_attn for q, k, v of every head at once, then c_proj."""

    def __init__(self, n_embd: int, n_head: int, block_size: int):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (z.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for z in self.c_attn(x).split(self.n_embd, dim=2))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = F.softmax(att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf")), dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))


class MakemoreBlock(nn.Module):
    """makemore.py's Block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) with NewGELU (gelu, tanh form)."""

    def __init__(self, n_embd: int, n_head: int, block_size: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = MakemoreAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(n_embd, 4 * n_embd), c_proj=nn.Linear(4 * n_embd, n_embd)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class MakemoreTransformer(nn.Module):
    """makemore.py's Transformer: wte, wpe, n_layer blocks, ln_f, lm_head without bias."""

    def __init__(self, vocab_size: int, block_size: int, n_embd: int = 64, n_layer: int = 4, n_head: int = 4):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            h=nn.ModuleList([MakemoreBlock(n_embd, n_head, block_size) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

    def forward(self, idx, targets=None):
        t = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t, device=idx.device))[None]
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


class MakemoreRNN(nn.Module):
    """makemore.py's RNN (cell_type "rnn") and GRU ("gru"): a learned start state, wte, the cell's
    Linear layers on cat([x_t, h]) (the GRU's z, r, hbar in that order), lm_head."""

    def __init__(self, vocab_size: int, n_embd: int = 64, n_embd2: int = 64, cell_type: str = "rnn"):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(1, n_embd2))
        self.wte = nn.Embedding(vocab_size, n_embd)
        cell = nn.Module()
        if cell_type == "rnn":
            cell.xh_to_h = nn.Linear(n_embd + n_embd2, n_embd2)
        else:
            cell.xh_to_z = nn.Linear(n_embd + n_embd2, n_embd2)
            cell.xh_to_r = nn.Linear(n_embd + n_embd2, n_embd2)
            cell.xh_to_hbar = nn.Linear(n_embd + n_embd2, n_embd2)
        self.cell, self.cell_type = cell, cell_type
        self.lm_head = nn.Linear(n_embd2, vocab_size)

    def forward(self, idx, targets=None):
        logits = rnn_forward(self, idx)  # the same recurrence as rnn_forward above, on this module
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


class MakemoreBoW(nn.Module):
    """makemore.py's BoW: wte, wpe, a BoWBlock (the all-equal causal average, then an MLP of
    c_fc, tanh, c_proj, each added to x) and lm_head with a bias."""

    def __init__(self, vocab_size: int, block_size: int, n_embd: int = 64, n_embd2: int = 64):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.c_fc = nn.Linear(n_embd, n_embd2)  # makemore.py: context_block.mlp.c_fc
        self.c_proj = nn.Linear(n_embd2, n_embd)  # context_block.mlp.c_proj
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        logits = bow_forward(self, idx)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def makemore_batch(words: list[list[int]], max_word_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """makemore.py's CharDataset items stacked: x = <START> then the word's ids, 0-padded; y = the
    word's ids, then 0 (the end), then -1 (masked), each (B, max_word_length + 1)."""
    B, T = len(words), max_word_length + 1
    x = torch.zeros(B, T, dtype=torch.long)
    y = torch.zeros(B, T, dtype=torch.long)
    for i, ix in enumerate(words):
        ix = torch.tensor(ix, dtype=torch.long)
        x[i, 1 : 1 + len(ix)] = ix
        y[i, : len(ix)] = ix
        y[i, len(ix) + 1 :] = -1
    return x, y
