"""makemore's Transformer: a small GPT (Vaswani et al. 2017, "Attention Is All You Need",
https://arxiv.org/abs/1706.03762; the decoder-only layout of GPT-2, Radford et al. 2019), reading
each window's word prefix (sequence.py).

Init (Config.init): "makemore" (the type's own, also Config's default "seed") is makemore.py's:
PyTorch's default init of every nn.Linear and nn.Embedding (embeddings N(0, 1), weights and biases
uniform within +-1/sqrt(fan_in)), drawn in makemore.py's order from torch.manual_seed(cfg.seed), so
the weights equal those of makemore.py's Transformer built after the same seed. "gpt2" is GPT-2's
(minGPT's): N(0, 0.02), zero biases, the residual projections scaled by 1/sqrt(2 n_layer). With
makemore.py's settings, 3,000 steps reached dev 2.078 with makemore's init and 2.137 with GPT-2's
(issue 13's measurement; makemore.py's own model: 2.077).
Dropout (Config.dropout) is nanoGPT's: on the embeddings, the attention weights and each residual
branch's output, in training only; 0 (makemore.py's) leaves it out. `--tie-embeddings` makes the
output layer read the token embedding's matrix (GPT-2's layout; makemore.py's keeps two).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import WHY, Dropout, normal_, record
from .sequence import SequenceModel


class Block(nn.Module):
    """makemore's transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).

    x holds the N real positions of a batch as rows (N, E), no padding. The attention runs on the
    list of (query, key) pairs that causal attention allows, each position with itself and every
    earlier position of its own prefix: the lower triangle of makemore's (T, T) mask for each
    prefix, without the masked-out half or the padding. The softmax runs over each query's pairs.
    """

    def __init__(self, E: int, n_head: int, dropout: float = 0.0):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(E)
        self.c_attn = nn.Linear(E, 3 * E)  # query, key, value for all heads at once
        self.c_proj = nn.Linear(E, E)
        self.ln_2 = nn.LayerNorm(E)
        self.c_fc = nn.Linear(E, 4 * E)
        self.mlp_proj = nn.Linear(4 * E, E)
        self.drop = Dropout(dropout)  # no parameters: makemore's init draws are unchanged

    def forward(self, x, qi: torch.Tensor, ki: torch.Tensor, rec=None, i: int = 1):
        N, E = x.shape
        nh = self.n_head
        hs = E // nh
        q, k, v = self.c_attn(self.ln_1(x)).view(N, 3, nh, hs).unbind(1)
        record(rec, f"q,k,v.{i}", f"c_attn(ln_1(x)).view({N}, 3, {nh}, {hs})", q,
             f"{nh} heads of {hs} dims, for query, key and value")
        score = (q.index_select(0, qi) * k.index_select(0, ki)).sum(-1) * hs ** -0.5  # (P, nh)
        # softmax over each query's keys; the shift by the (constant) maximum is for range only
        top = score.new_full((N, nh), float("-inf")).scatter_reduce(
            0, qi[:, None].expand(-1, nh), score.detach(), "amax")
        e = (score - top.index_select(0, qi)).exp()
        att = self.drop(e / e.new_zeros(N, nh).index_add(0, qi, e).index_select(0, qi))
        record(rec, f"att.{i}", "softmax over earlier keys of (q · k) / √hs", att,
             f"a weight per head for each of the {qi.shape[0]} (position, earlier position) pairs "
             "= the causal triangles (B, heads, T, T) without the masked half")
        y = x.new_zeros(N, nh, hs).index_add(0, qi, att[..., None] * v.index_select(0, ki))
        record(rec, f"att @ v.{i}", "Σ att · v over each position's keys", y, "each head's mix of values")
        x = x + self.drop(self.c_proj(y.view(N, E)))
        record(rec, f"x.{i}+attn", "x + c_proj(heads side by side)", x, f"heads joined back to {E}")
        m = self.c_fc(self.ln_2(x))
        record(rec, f"mlp.{i}", "c_fc(ln_2(x)), then gelu", m, f"{4 * E} = 4 x n_embd")
        x = x + self.drop(self.mlp_proj(F.gelu(m, approximate="tanh")))
        record(rec, f"x.{i}", "x + c_proj(mlp)", x, f"block {i} out")
        return x


class Transformer(SequenceModel):
    """makemore's Transformer (a small GPT): token + position embeddings, n_layer blocks of causal
    self-attention with n_head heads and an MLP, a final LayerNorm, the lm_head.

    The N real positions of a batch (each prefix, <START> first) travel as the rows of one (N, E)
    matrix and attention visits only the causal pairs (see Block), so no work is spent on padding:
    most prefixes are short (windows of 16 over names hold about 4.5 real positions each). The
    result at every real position is makemore's, computed on its padded (B, T, E) layout.
    """

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        T, E, V = cfg.block_size, cfg.n_embd, vocab_size
        if E % cfg.n_head:
            raise ValueError(f"n_embd {E} must be a multiple of n_head {cfg.n_head}")
        self.block_size, self.n_embd, self.vocab_size = T, E, V
        self.n_layer, self.n_head = cfg.n_layer, cfg.n_head
        with torch.random.fork_rng(devices=[]):  # seeded, the global generator left as it was
            torch.manual_seed(cfg.seed)
            # makemore.py's modules in its order: nn's default inits draw what makemore.py's draw
            self.wte = nn.Embedding(V, E)
            self.wpe = nn.Embedding(T, E)
            self.h = nn.ModuleList(Block(E, cfg.n_head, cfg.dropout) for _ in range(cfg.n_layer))
            self.ln_f = nn.LayerNorm(E)
            self.lm_head = nn.Linear(E, V, bias=False)
        self.drop = Dropout(cfg.dropout)
        if cfg.tie_embeddings:  # one (V, E) matrix: wte's rows are read in, and scored against h out
            with torch.no_grad():
                self.wte.weight.copy_(self.lm_head.weight)  # the head's init scale (makemore's wte: N(0, 1))
            self.lm_head.weight = self.wte.weight
        if cfg.init == "gpt2":
            self._gpt2_init(torch.Generator().manual_seed(cfg.seed), cfg.n_layer)

    def _gpt2_init(self, g: torch.Generator, n_layer: int) -> None:
        """GPT-2's init (minGPT): N(0, 0.02) weights, zero biases, residual projections scaled down."""
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name or name.startswith("ln_"):
                nn.init.ones_(p)
            else:
                resid = name.endswith(("c_proj.weight", "mlp_proj.weight"))
                normal_(p, 0.02 / math.sqrt(2 * n_layer) if resid else 0.02, g)

    @property
    def C(self) -> torch.Tensor:
        return self.wte.weight

    def _run(self, A, n, targets, rec):
        B, L = A.shape
        valid = torch.arange(L, device=A.device)[None, :] < n[:, None]
        where = valid.view(-1).nonzero().squeeze(1)  # flat (row * L + col) of every real position
        tok, pos = A.view(-1)[where], where % L
        # causal pairs: position p of a prefix attends to positions 0..p of the same prefix
        count = pos + 1
        qi = torch.repeat_interleave(torch.arange(pos.shape[0], device=A.device), count)
        ki = qi - pos.index_select(0, qi) + torch.arange(qi.shape[0], device=A.device) - torch.repeat_interleave(
            count.cumsum(0) - count, count)
        x = self.drop(self.wte(tok) + self.wpe(pos))
        N, E = x.shape
        record(rec, "x", "wte[seq] + wpe[position]", x,
               f"the {N} real positions of the {B} prefixes as rows: character + position in the word{WHY}"
               f"makemore.py's x is (B, T, C) = ({B}, {self.block_size}, {E}), each prefix padded to "
               f"{self.block_size}. Here the {N} real positions are the rows of one (positions, n_embd) matrix, "
               f"no padding; attention pairs each with the earlier ones of its own prefix, so each row is "
               f"makemore.py's x[b, t]")
        for i, block in enumerate(self.h, 1):
            x = block(x, qi, ki, rec if i == 1 else None, i)
            if i > 1:
                record(rec, f"x.{i}", f"block {i}", x, "same shapes as block 1")
        x = self.ln_f(x)
        record(rec, "h", "ln_f(x)", x, "a state after every position")
        h_last = x[n.cumsum(0) - 1]  # rows are prefix-major: each prefix ends where the next begins
        record(rec, "h_last", "h at each prefix's last position", h_last)
        all_pos = (x, targets.view(-1)[where]) if targets is not None else None
        return None, h_last, all_pos
