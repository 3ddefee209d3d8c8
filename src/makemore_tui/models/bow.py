"""makemore.py's BoW: a causal bag of words, reading each window's word prefix (sequence.py).

Each position's token embedding plus its position embedding; then x + the average of x over that
position and every earlier one of its prefix (makemore's CausalBoW: an attention whose weights are
all equal, "suspiciously like" a transformer's); then x + an MLP of one tanh layer
(n_embd -> n_embd2 -> n_embd); then lm_head. makemore.py's sizes: n_embd 64, n_embd2 64, block
16 = the longest name and one.

Init: makemore.py's, PyTorch's default of nn.Linear and nn.Embedding, drawn in makemore.py's order
(wte, wpe, the MLP's c_fc and c_proj, lm_head) from torch.manual_seed(cfg.seed): the weights equal
those of makemore.py's BoW built after the same seed (tests/test_makemore_parity.py).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .base import WHY, record
from .sequence import SequenceModel, prefix_layout


class BoW(SequenceModel):
    """makemore's BoW on the prefixes' padded (B, L, E) layout: the running mean along each
    prefix is a cumulative sum divided by the position count, which is what makemore's all-equal
    causal attention computes (the padding after a prefix never reaches its positions)."""

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        T, E, H, V = cfg.block_size, cfg.n_embd, cfg.n_hidden, vocab_size
        self.block_size, self.n_embd, self.n_hidden, self.vocab_size = T, E, H, V
        with torch.random.fork_rng(devices=[]):  # nn's default inits (makemore's), seeded, global state untouched
            torch.manual_seed(cfg.seed)
            self.wte = nn.Embedding(V, E)
            self.wpe = nn.Embedding(T, E)
            self.c_fc = nn.Linear(E, H)
            self.c_proj = nn.Linear(H, E)
            self.lm_head = nn.Linear(E, V)

    @property
    def C(self) -> torch.Tensor:
        return self.wte.weight

    def _hidden(self, A, rec):
        """(the MLP's tanh layer, the block's output), both (B, L, ...)."""
        B, L = A.shape
        x = self.wte(A) + self.wpe(torch.arange(L, device=A.device))[None]
        record(rec, "x", "wte[seq] + wpe[position]", x,
               f"each position of the {B} prefixes: character + position in the word{WHY}"
               f"makemore.py's x is (B, T, C) = ({B}, {self.block_size}, {self.n_embd}); here each prefix is "
               f"padded only to the batch's longest, {L}, and the padding after a prefix never reaches it")
        count = torch.arange(1, L + 1, device=A.device, dtype=x.dtype)[None, :, None]
        bag = x.cumsum(1) / count
        record(rec, "bag", "mean of x over positions 0..t", bag,
               "the causal bag of words: an attention whose weights are all 1/(t+1)")
        x = x + bag
        record(rec, "x+bag", "x + bag", x, "residual")
        t = torch.tanh(self.c_fc(x))
        record(rec, "tanh", "tanh(c_fc(x))", t, f"the MLP's hidden layer, n_embd {self.n_embd} -> {self.n_hidden}")
        x = x + self.c_proj(t)
        record(rec, "h", "x + c_proj(tanh)", x, f"back to n_embd {self.n_embd}: a state after every position")
        return t, x

    def _run(self, A, n, targets, rec):
        B, L = A.shape
        _, h = self._hidden(A, rec)
        h_last = h[torch.arange(B, device=A.device), n - 1]
        record(rec, "h_last", "h at each prefix's last position", h_last)
        all_pos = None
        if targets is not None:
            valid = torch.arange(L, device=A.device)[None, :] < n[:, None]
            all_pos = (h[valid], targets[valid])
        return None, h_last, all_pos

    @torch.no_grad()
    def activations(self, X):
        A, n, _ = prefix_layout(X)
        t, _ = self._hidden(A, None)
        return [("tanh", t[torch.arange(A.shape[0], device=A.device), n - 1])]
