# Adapted from makemore.py (https://github.com/karpathy/makemore). MIT License, Copyright (c) 2022 Andrej Karpathy.
"""makemore.py's own forward passes, run on this project's models' parameters: the reference the
tests compare the models against (test_models.py). Each follows makemore.py's code for its model:
whole words in makemore's padded layout, <START> first, and a (T, T) causal mask for attention."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def rnn_forward(m, seq):
    """makemore.py's RNN forward on one sequence (1, t): cat([x_t, h]) through the cell each step."""
    emb, h, hs = m.wte(seq), m.start, []
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
