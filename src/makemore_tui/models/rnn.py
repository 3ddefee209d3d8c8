"""makemore's recurrent models: an RNN (Mikolov et al. 2010, "Recurrent neural network based
language model", https://www.fit.vutbr.cz/research/groups/speech/publi/2010/mikolov_interspeech2010_IS100722.pdf)
and a GRU (Cho et al. 2014, "On the Properties of Neural Machine Translation: Encoder-Decoder
Approaches", https://arxiv.org/abs/1409.1259), unrolled over each window's word prefix (sequence.py).

Init: makemore.py's, PyTorch's default of nn.Linear and nn.Embedding, drawn in makemore.py's
order from torch.manual_seed(cfg.seed): the weights equal those of makemore.py's RNN built after the
same seed (tests/test_makemore_parity.py). Dropout (Config.dropout, off by default as makemore.py
has none) acts on the hidden states before lm_head, in training only.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Dropout, record
from .sequence import SequenceModel, prefix_layout


class RNNCell(nn.Module):
    """makemore's RNNCell: h_t = tanh(W [x_t, h_{t-1}] + b)."""

    def __init__(self, E: int, H: int):
        super().__init__()
        self.xh_to_h = nn.Linear(E + H, H)


class GRUCell(nn.Module):
    """makemore's GRUCell: a reset gate r, an update gate z and a candidate state hbar."""

    def __init__(self, E: int, H: int):
        super().__init__()
        self.xh_to_z = nn.Linear(E + H, H)
        self.xh_to_r = nn.Linear(E + H, H)
        self.xh_to_hbar = nn.Linear(E + H, H)


class RNN(SequenceModel):
    """makemore's RNN and GRU: a learned start state, then one cell step per character.

    Two changes of arithmetic order, none of result: the input halves of the cell's matrices are
    applied to every position in one product before the loop (makemore multiplies cat([x_t, h])
    at each step), and the rows are sorted longest first so that step t runs only the rows whose
    prefix is still going (as pack_padded_sequence does).
    """

    def __init__(self, cfg, vocab_size: int, cell_type: str = "rnn"):
        super().__init__()
        E, H, V = cfg.n_embd, cfg.n_hidden, vocab_size
        self.block_size, self.n_embd, self.n_hidden, self.vocab_size = cfg.block_size, E, H, V
        self.cell_type = cell_type
        with torch.random.fork_rng(devices=[]):  # nn's default inits (makemore's), seeded, global state untouched
            torch.manual_seed(cfg.seed)
            self.start = nn.Parameter(torch.zeros(1, H))
            self.wte = nn.Embedding(V, E)
            self.cell = RNNCell(E, H) if cell_type == "rnn" else GRUCell(E, H)
            self.lm_head = nn.Linear(H, V)
        self.drop = Dropout(cfg.dropout)

    @property
    def C(self) -> torch.Tensor:
        return self.wte.weight

    def _run(self, A, n, targets, rec):
        E, H = self.n_embd, self.n_hidden
        order = torch.argsort(n, descending=True, stable=True)
        A, n = A[order], n[order]
        B, L = A.shape
        if rec is not None:
            record(rec, "seq[order]", "seq sorted longest first", A, "step t runs only the rows still going")
        n_at = (n[None, :] > torch.arange(L, device=A.device)[:, None]).sum(1).tolist()  # rows alive at t
        emb = self.wte(A)
        record(rec, "emb", "wte[seq]", emb, f"rows of wte ({self.vocab_size}, {E})")
        h = self.start.expand(B, -1)
        record(rec, "h_0", "start", h, "the learned start state")
        outs = []
        if self.cell_type == "rnn":
            w, b = self.cell.xh_to_h.weight, self.cell.xh_to_h.bias
            xw = F.linear(emb, w[:, :E], b)  # (B, L, H): the input half of every step at once
            record(rec, "x @ Wx", "emb @ W[:, :E]ᵀ + b", xw, "the input part of every step, in one product")
            wh = w[:, E:].t()
            for t, k in enumerate(n_at):
                h = torch.tanh(torch.addmm(xw[:k, t], h[:k], wh))
                record(rec, f"h_{t + 1}", f"tanh(W [x_{t + 1}, h_{t}] + b)", h,
                     f"step {t + 1}: {k} of {B} rows; {E} input + {H} state -> {H}")
                outs.append(h)
        else:
            cz, cr, chb = self.cell.xh_to_z, self.cell.xh_to_r, self.cell.xh_to_hbar
            wx = torch.cat([cr.weight[:, :E], cz.weight[:, :E], chb.weight[:, :E]], 0)
            bx = torch.cat([cr.bias, cz.bias, chb.bias])
            xw = F.linear(emb, wx, bx)  # (B, L, 3H): the input halves of r, z and hbar
            record(rec, "x @ Wx", "emb @ [Wr; Wz; Whbar][:, :E]ᵀ + b", xw, "input parts of r, z, hbar at once")
            wrz = torch.cat([cr.weight[:, E:], cz.weight[:, E:]], 0).t()  # (H, 2H)
            whb = chb.weight[:, E:].t()
            for t, k in enumerate(n_at):
                h = h[:k]
                xr, xz, xh = xw[:k, t].split(H, 1)
                rz = h @ wrz
                r = torch.sigmoid(xr + rz[:, :H])
                z = torch.sigmoid(xz + rz[:, H:])
                hbar = torch.tanh(torch.addmm(xh, r * h, whb))
                if t == 0:
                    record(rec, "r_1", "sigmoid(Wr [x_1, h_0] + br)", r, "reset gate: how much of h_0 to use")
                    record(rec, "z_1", "sigmoid(Wz [x_1, h_0] + bz)", z, "update gate: how much to renew")
                    record(rec, "hbar_1", "tanh(Wh [x_1, r_1 * h_0] + bh)", hbar, "the candidate state")
                h = h + z * (hbar - h)  # (1 - z) * h + z * hbar
                record(rec, f"h_{t + 1}", f"(1 - z) * h_{t} + z * hbar_{t + 1}", h,
                     f"step {t + 1}: {k} of {B} rows" + ("; r, z, hbar as above" if t else ""))
                outs.append(h)
        flat = self.drop(torch.cat(outs, 0))  # every valid position, step-major
        offsets = torch.tensor([0, *n_at[:-1]], device=A.device).cumsum(0)
        h_last = flat[offsets[n - 1] + torch.arange(B, device=A.device)]
        record(rec, "h_last", "each row's state after its last character", h_last)
        all_pos = None
        if targets is not None:
            valid = torch.arange(L, device=A.device)[None, :] < n[:, None]
            all_pos = (flat, targets[order].t()[valid.t()])  # the same step-major order
        return order, h_last, all_pos

    @torch.no_grad()
    def activations(self, X):
        A, n, _ = prefix_layout(X)
        order, h_last, _ = self._run(A, n, None, None)
        out = torch.empty_like(h_last)
        out[order] = h_last
        return [("h", out)]
