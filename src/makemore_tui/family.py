"""The other model types: bigram, mlp-bn, wavenet, rnn, gru and transformer.

Every model here speaks the engine's one interface, the same as the MLP in model.py:

    forward(X)            X (B, T) previous-character indices, 0-padded on the left -> logits (B, V)
    loss(X, Y)            the training loss of a batch (autograd; the trainer calls .backward())
    shape_report(X)       the real shape of every tensor along the forward pass, for the shapes pane
    activations(X)        named outputs of the squashing layers (tanh/sigmoid), for saturation views
    C                     the (V, E) character embedding table, where the model has one

Shape reports come from the very code that trains: each forward takes an optional `rec` list and,
when given one, appends a ShapeRow for every tensor it makes, so a row cannot drift from the real
shape.

Sequence models (rnn, gru, transformer). makemore.py feeds them whole words, <START> first and
right-padded, and trains every position at once. This engine feeds every model windows of the
`block_size` characters before one target, left-padded with '.' (index 0). The sequence models
turn each window back into makemore's layout (prefix_layout): the window's last padding '.' is the
<START> token, the characters follow, left-aligned; the padding before <START> is dropped. So a
window's output is exactly makemore's output at the end of that word prefix, whatever the padding,
and the block only needs to cover the longest word + 1 (makemore's block size).

Training on every position. Inside a window, character t+1 is the target of position t, so a
window holds one prediction per character of its prefix, not one. With `train_all_positions` (on
for the sequence models) `loss()` takes its gradient from all of them, as makemore does; the number
it returns (the per-step loss the app plots) still estimates the dev loss: see SequenceModel.loss.
The models also ask the trainer (`trains_on_words`) to draw only the windows that end a word, which
makes a batch exactly makemore's batch of words (Trainer.__init__ honours it).

Only real positions cost work: the RNNs step only the rows whose prefix is still going, and the
transformer carries the batch's real positions as the rows of one matrix and attends over the
causal pairs alone (see Block). Tests check forward and gradient against makemore's own code.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import Config
from .model import ShapeRow

def _add(rec, name: str, expr: str, t: torch.Tensor | tuple, note: str = "") -> None:
    if rec is not None:
        rec.append(ShapeRow(name, expr, tuple(t.shape) if isinstance(t, torch.Tensor) else tuple(t), note))


def _normal_(t: torch.Tensor, std: float, g: torch.Generator) -> torch.Tensor:
    with torch.no_grad():
        return t.copy_(torch.randn(t.shape, generator=g) * std)


class FamilyModel(nn.Module):
    """What the models here share: loss through forward, the shape report, activations."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self._forward(X, None)

    def loss(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self(X), Y)

    def shape_report(self, X: torch.Tensor) -> list[ShapeRow]:
        rec: list[ShapeRow] = []
        was_training = self.training
        self.eval()  # no running statistics move because a report was drawn
        try:
            with torch.no_grad():
                self._forward(X, rec)
        finally:
            self.train(was_training)
        rec.append(ShapeRow("loss", "cross_entropy(logits, Y)", (), "a single number"))
        return rec

    @torch.no_grad()
    def activations(self, X: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
        return []

    def _forward(self, X: torch.Tensor, rec) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


# ---- bigram ------------------------------------------------------------------------------------


class Bigram(FamilyModel):
    """makemore's Bigram: a (V, V) table of logits, row = the previous character."""

    def __init__(self, cfg: Config, vocab_size: int):
        super().__init__()
        self.vocab_size = vocab_size
        self.logits = nn.Parameter(torch.zeros(vocab_size, vocab_size))

    def _forward(self, X, rec):
        V = self.vocab_size
        _add(rec, "X", "X", X, f"{X.shape[0]} examples; a bigram reads only the last character")
        last = X[:, -1]
        _add(rec, "last", "X[:, -1]", last, "the previous character")
        out = self.logits[last]
        _add(rec, "logits", "logits[last]", out, f"a row of the ({V}, {V}) table: counts as log-odds")
        return out


# ---- lecture 3: MLP with batch normalisation ---------------------------------------------------


class MLPBatchNorm(FamilyModel):
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

    def __init__(self, cfg: Config, vocab_size: int):
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
        _add(rec, "X", "X", X, f"{B} examples of the {T} previous characters")
        emb = self.C[X]
        _add(rec, "emb", "C[X]", emb, f"rows of C ({self.vocab_size}, {E})")
        embcat = emb.view(B, -1)
        _add(rec, "embcat", f"emb.view({B}, {T * E})", embcat, "the embeddings side by side")
        hpre = embcat @ self.W1
        _add(rec, "hpreact", "embcat @ W1", hpre, "no b1: the BatchNorm's bias does its job")
        hbn = F.batch_norm(hpre, self.bnmean_running, self.bnvar_running, self.bngain, self.bnbias,
                           training=self.training, momentum=self.momentum, eps=1e-5)
        _add(rec, "hpreact_bn", "bngain * (hpreact - μ) / σ + bnbias", hbn,
             "μ, σ: the batch's (training) or the running estimates (eval)")
        h = torch.tanh(hbn)
        _add(rec, "h", "tanh(hpreact_bn)", h, f"{H} hidden units")
        return h

    def _forward(self, X, rec):
        h = self._hidden(X, rec)
        logits = h @ self.W2 + self.b2
        _add(rec, "logits", "h @ W2 + b2", logits, f"one score per symbol ({self.vocab_size} classes)")
        return logits

    @torch.no_grad()
    def activations(self, X):
        return [("h", self._hidden(X, None))]


# ---- lecture 5: WaveNet ------------------------------------------------------------------------


class Merge(nn.Module):
    """FlattenConsecutive(2), Linear(no bias), BatchNorm1d, Tanh: one level of the WaveNet tree."""

    def __init__(self, fan_in: int, n_hidden: int, g: torch.Generator):
        super().__init__()
        self.linear = nn.Linear(fan_in, n_hidden, bias=False)
        _normal_(self.linear.weight, fan_in ** -0.5, g)  # the lecture's Linear: randn / sqrt(fan_in)
        self.bn = nn.BatchNorm1d(n_hidden, eps=1e-5, momentum=0.1)


class WaveNet(FamilyModel):
    """Lecture 5's hierarchical model: pairs of neighbouring positions are merged, level by level.

        x = C[X]                               (B, 8, E)
        x = tanh(bn(x.view(B, 4, 2E) @ W))     (B, 4, H)     level 1 merges characters 1+2, 3+4, ...
        x = tanh(bn(x.view(B, 2, 2H) @ W))     (B, 2, H)     level 2 merges the pairs
        x = tanh(bn(x.view(B, 2H) @ W))        (B, H)        level 3: one vector for all 8
        logits = x @ W_out + b_out

    A block of 2^k characters takes k levels. BatchNorm normalises over the batch and the positions
    together (the lecture's fix for 3-d input) and keeps running statistics for eval.
    """

    def __init__(self, cfg: Config, vocab_size: int):
        super().__init__()
        T, E, H, V = cfg.block_size, cfg.n_embd, cfg.n_hidden, vocab_size
        if T < 2 or T & (T - 1):
            raise ValueError(f"wavenet needs a block size that is a power of two, got {T}")
        self.block_size, self.n_embd, self.n_hidden, self.vocab_size = T, E, H, V
        self.n_levels = T.bit_length() - 1
        g = torch.Generator().manual_seed(cfg.seed)
        self.emb = nn.Embedding(V, E)
        _normal_(self.emb.weight, 1.0, g)
        self.merges = nn.ModuleList(Merge(2 * (E if i == 0 else H), H, g) for i in range(self.n_levels))
        self.head = nn.Linear(H, V)
        _normal_(self.head.weight, H ** -0.5 * 0.1, g)  # last layer made less confident, as in the lecture
        nn.init.zeros_(self.head.bias)

    @property
    def C(self) -> torch.Tensor:
        return self.emb.weight

    def _levels(self, X, rec):
        B, T = X.shape
        _add(rec, "X", "X", X, f"{B} examples of the {T} previous characters")
        x = self.emb(X)
        _add(rec, "emb", "C[X]", x, f"rows of C ({self.vocab_size}, {self.n_embd})")
        outs = []
        for i, m in enumerate(self.merges, 1):
            n, c = x.shape[1], x.shape[2]
            x = x.view(B, n // 2, 2 * c)
            what = "neighbouring characters" if i == 1 else "neighbouring groups"
            _add(rec, f"pairs{i}", f"x.view({B}, {n // 2}, {2 * c})", x,
                 f"level {i}: {what} side by side ({n} -> {n // 2})")
            x = m.linear(x)
            _add(rec, f"lin{i}", f"pairs{i} @ W{i}", x, f"({2 * c}, {self.n_hidden}), no bias")
            x = m.bn(x.view(-1, x.shape[-1])).view(x.shape)
            _add(rec, f"bn{i}", f"batchnorm(lin{i})", x, "over batch and positions; running stats in eval")
            x = torch.tanh(x)
            _add(rec, f"h{i}", f"tanh(bn{i})", x)
            outs.append((f"h{i}", x))
        x = x.view(B, -1)
        _add(rec, "h", f"h{self.n_levels}.view({B}, {x.shape[1]})", x, "one position left: drop it")
        return x, outs

    def _forward(self, X, rec):
        x, _ = self._levels(X, rec)
        logits = self.head(x)
        _add(rec, "logits", "h @ W_out + b_out", logits, f"one score per symbol ({self.vocab_size} classes)")
        return logits

    @torch.no_grad()
    def activations(self, X):
        return self._levels(X, None)[1]


# ---- sequence models: the window as a word prefix ----------------------------------------------


def prefix_layout(X: torch.Tensor, Y: torch.Tensor | None = None):
    """Each window's word prefix, left-aligned as makemore lays out a word: <START> (the window's
    last padding '.') first, then the characters, then 0s. Returns (A, n, targets): A (B, L) with
    L the longest prefix; n (B,) each row's length; targets (B, L) the next character of every
    position (Y after the last one, -1 past the end), or None without Y. A window with no padding
    (longer than its block) starts at its first character."""
    B, T = X.shape
    lead = ((X != 0).cumsum(1) == 0).sum(1)  # leading padding per row
    s = (lead - 1).clamp(min=0)  # where the prefix starts
    n = T - s
    L = int(n.max()) if B else 1
    j = torch.arange(L, device=X.device)
    valid = j[None, :] < n[:, None]
    A = X.gather(1, (s[:, None] + j[None, :]).clamp(max=T - 1)).masked_fill(~valid, 0)
    if Y is None:
        return A, n, None
    Z = torch.cat([X, Y[:, None]], 1)
    targets = Z.gather(1, (s[:, None] + j[None, :] + 1).clamp(max=T)).masked_fill(~valid, -1)
    return A, n, targets


class SequenceModel(FamilyModel):
    """Shared by rnn, gru and transformer: windows become left-aligned prefixes (prefix_layout);
    `_run(A, n, targets, rec)` returns (row order or None, the final hidden state of every row, and
    with targets the hidden states of all real positions with their targets)."""

    train_all_positions = True
    # Asks the trainer to draw training batches only from the windows whose target is the end
    # token '.'. With block_size >= the longest word + 1 such a window holds
    # the whole word, so a batch is makemore's batch of words, each position counted once; on names
    # it learns about twice as fast per second as windows drawn at random (see the family report).
    trains_on_words = True
    EVAL_CHUNK = 4096

    def _forward(self, X, rec):
        if rec is None and X.shape[0] > self.EVAL_CHUNK and not torch.is_grad_enabled():
            return self._forward_sorted(X)
        A, n, _ = prefix_layout(X)
        _add(rec, "X", "X", X, f"{X.shape[0]} windows of {X.shape[1]} characters, '.'-padded on the left")
        _add(rec, "seq", "the prefix from <START> on", A,
             f"left-aligned as makemore lays out a word: <START>, the characters, 0s (longest {A.shape[1]})")
        order, h_last, _ = self._run(A, n, None, rec)
        logits = self.lm_head(h_last)
        _add(rec, "logits", "lm_head(h at each row's last position)", logits,
             f"the next character after each window ({self.vocab_size} classes)")
        if order is None:
            return logits
        out = torch.empty_like(logits)
        out[order] = logits
        return out

    def _forward_sorted(self, X):
        """Large inference batches (a whole split): rows sorted by prefix length and run in chunks, so
        each chunk is only as long as its own longest prefix and memory stays bounded."""
        lead = ((X != 0).cumsum(1) == 0).sum(1)
        order = torch.argsort(lead, descending=True)
        out = torch.empty(X.shape[0], self.vocab_size, device=X.device)
        for i in range(0, X.shape[0], self.EVAL_CHUNK):
            ix = order[i : i + self.EVAL_CHUNK]
            out[ix] = self._forward(X[ix], None)
        return out

    def loss(self, X, Y):
        """Training loss. With train_all_positions the gradient is that of the cross-entropy over
        every position of every prefix (makemore's loss). The value returned estimates the dev loss
        (the mean over all examples) from this batch: for windows drawn at random that is the loss
        of the windows' own targets, returned as `all + (last - all).detach()`, which has the value
        of one and the gradient of the other; when every window ends its word (whole-word batches,
        see trains_on_words) it is the all-positions loss itself, each character counted once."""
        if not self.train_all_positions:
            return F.cross_entropy(self(X), Y)
        A, n, targets = prefix_layout(X, Y)
        order, h_last, (h_all, t_all) = self._run(A, n, targets, None)
        all_pos = F.cross_entropy(self.lm_head(h_all), t_all)
        if bool((Y == 0).all()):
            return all_pos
        with torch.no_grad():
            last = F.cross_entropy(self.lm_head(h_last), Y if order is None else Y[order])
        return all_pos + (last - all_pos).detach()

    def _run(self, A, n, targets, rec):  # pragma: no cover - abstract
        raise NotImplementedError


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

    def __init__(self, cfg: Config, vocab_size: int, cell_type: str = "rnn"):
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

    @property
    def C(self) -> torch.Tensor:
        return self.wte.weight

    def _run(self, A, n, targets, rec):
        E, H = self.n_embd, self.n_hidden
        order = torch.argsort(n, descending=True, stable=True)
        A, n = A[order], n[order]
        B, L = A.shape
        if rec is not None:
            _add(rec, "seq[order]", "seq sorted longest first", A, "step t runs only the rows still going")
        n_at = (n[None, :] > torch.arange(L, device=A.device)[:, None]).sum(1).tolist()  # rows alive at t
        emb = self.wte(A)
        _add(rec, "emb", "wte[seq]", emb, f"rows of wte ({self.vocab_size}, {E})")
        h = self.start.expand(B, -1)
        _add(rec, "h_0", "start", h, "the learned start state")
        outs = []
        if self.cell_type == "rnn":
            w, b = self.cell.xh_to_h.weight, self.cell.xh_to_h.bias
            xw = F.linear(emb, w[:, :E], b)  # (B, L, H): the input half of every step at once
            _add(rec, "x @ Wx", "emb @ W[:, :E]ᵀ + b", xw, "the input part of every step, in one product")
            wh = w[:, E:].t()
            for t, k in enumerate(n_at):
                h = torch.tanh(torch.addmm(xw[:k, t], h[:k], wh))
                _add(rec, f"h_{t + 1}", f"tanh(W [x_{t + 1}, h_{t}] + b)", h,
                     f"step {t + 1}: {k} of {B} rows; {E} input + {H} state -> {H}")
                outs.append(h)
        else:
            cz, cr, chb = self.cell.xh_to_z, self.cell.xh_to_r, self.cell.xh_to_hbar
            wx = torch.cat([cr.weight[:, :E], cz.weight[:, :E], chb.weight[:, :E]], 0)
            bx = torch.cat([cr.bias, cz.bias, chb.bias])
            xw = F.linear(emb, wx, bx)  # (B, L, 3H): the input halves of r, z and hbar
            _add(rec, "x @ Wx", "emb @ [Wr; Wz; Whbar][:, :E]ᵀ + b", xw, "input parts of r, z, hbar at once")
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
                    _add(rec, "r_1", "sigmoid(Wr [x_1, h_0] + br)", r, "reset gate: how much of h_0 to use")
                    _add(rec, "z_1", "sigmoid(Wz [x_1, h_0] + bz)", z, "update gate: how much to renew")
                    _add(rec, "hbar_1", "tanh(Wh [x_1, r_1 * h_0] + bh)", hbar, "the candidate state")
                h = h + z * (hbar - h)  # (1 - z) * h + z * hbar
                _add(rec, f"h_{t + 1}", f"(1 - z) * h_{t} + z * hbar_{t + 1}", h,
                     f"step {t + 1}: {k} of {B} rows" + ("; r, z, hbar as above" if t else ""))
                outs.append(h)
        flat = torch.cat(outs, 0)  # every valid position, step-major
        offsets = torch.tensor([0, *n_at[:-1]], device=A.device).cumsum(0)
        h_last = flat[offsets[n - 1] + torch.arange(B, device=A.device)]
        _add(rec, "h_last", "each row's state after its last character", h_last)
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


class Block(nn.Module):
    """makemore's transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).

    x holds the N real positions of a batch as rows (N, E), no padding. The attention runs on the
    list of (query, key) pairs that causal attention allows, each position with itself and every
    earlier position of its own prefix: the lower triangle of makemore's (T, T) mask for each
    prefix, without the masked-out half or the padding. The softmax runs over each query's pairs.
    """

    def __init__(self, E: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = nn.LayerNorm(E)
        self.c_attn = nn.Linear(E, 3 * E)  # query, key, value for all heads at once
        self.c_proj = nn.Linear(E, E)
        self.ln_2 = nn.LayerNorm(E)
        self.c_fc = nn.Linear(E, 4 * E)
        self.mlp_proj = nn.Linear(4 * E, E)

    def forward(self, x, qi: torch.Tensor, ki: torch.Tensor, rec=None, i: int = 1):
        N, E = x.shape
        nh = self.n_head
        hs = E // nh
        q, k, v = self.c_attn(self.ln_1(x)).view(N, 3, nh, hs).unbind(1)
        _add(rec, f"q,k,v.{i}", f"c_attn(ln_1(x)).view({N}, 3, {nh}, {hs})", q,
             f"{nh} heads of {hs} dims, for query, key and value")
        score = (q.index_select(0, qi) * k.index_select(0, ki)).sum(-1) * hs ** -0.5  # (P, nh)
        # softmax over each query's keys; the shift by the (constant) maximum is for range only
        top = score.new_full((N, nh), float("-inf")).scatter_reduce(
            0, qi[:, None].expand(-1, nh), score.detach(), "amax")
        e = (score - top.index_select(0, qi)).exp()
        att = e / e.new_zeros(N, nh).index_add(0, qi, e).index_select(0, qi)
        _add(rec, f"att.{i}", "softmax over earlier keys of (q · k) / √hs", att,
             f"a weight per head for each of the {qi.shape[0]} (position, earlier position) pairs "
             "= the causal triangles (B, heads, T, T) without the masked half")
        y = x.new_zeros(N, nh, hs).index_add(0, qi, att[..., None] * v.index_select(0, ki))
        _add(rec, f"att @ v.{i}", "Σ att · v over each position's keys", y, "each head's mix of values")
        x = x + self.c_proj(y.view(N, E))
        _add(rec, f"x.{i}+attn", "x + c_proj(heads side by side)", x, f"heads joined back to {E}")
        m = self.c_fc(self.ln_2(x))
        _add(rec, f"mlp.{i}", "c_fc(ln_2(x)), then gelu", m, f"{4 * E} = 4 x n_embd")
        x = x + self.mlp_proj(F.gelu(m, approximate="tanh"))
        _add(rec, f"x.{i}", "x + c_proj(mlp)", x, f"block {i} out")
        return x


class Transformer(SequenceModel):
    """makemore's Transformer (a small GPT): token + position embeddings, n_layer blocks of causal
    self-attention with n_head heads and an MLP, a final LayerNorm, the lm_head.

    The N real positions of a batch (each prefix, <START> first) travel as the rows of one (N, E)
    matrix and attention visits only the causal pairs (see Block), so no work is spent on padding:
    most prefixes are short (windows of 16 over names hold about 4.5 real positions each). The
    result at every real position is makemore's, computed on its padded (B, T, E) layout.
    """

    def __init__(self, cfg: Config, vocab_size: int):
        super().__init__()
        T, E, V = cfg.block_size, cfg.n_embd, vocab_size
        if E % cfg.n_head:
            raise ValueError(f"n_embd {E} must be a multiple of n_head {cfg.n_head}")
        self.block_size, self.n_embd, self.vocab_size = T, E, V
        self.n_layer, self.n_head = cfg.n_layer, cfg.n_head
        self.wte = nn.Embedding(V, E)
        self.wpe = nn.Embedding(T, E)
        self.h = nn.ModuleList(Block(E, cfg.n_head) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(E)
        self.lm_head = nn.Linear(E, V, bias=False)
        g = torch.Generator().manual_seed(cfg.seed)
        # GPT-2's init (minGPT): N(0, 0.02) weights, zero biases, residual projections scaled down
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif ".ln_" in name or name.startswith("ln_"):
                nn.init.ones_(p)
            else:
                resid = name.endswith(("c_proj.weight", "mlp_proj.weight"))
                _normal_(p, 0.02 / math.sqrt(2 * cfg.n_layer) if resid else 0.02, g)

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
        x = self.wte(tok) + self.wpe(pos)
        _add(rec, "x", "wte[seq] + wpe[position]", x,
             f"the {x.shape[0]} real positions of the {B} prefixes as rows: character + position in the word")
        for i, block in enumerate(self.h, 1):
            x = block(x, qi, ki, rec if i == 1 else None, i)
            if i > 1:
                _add(rec, f"x.{i}", f"block {i}", x, "same shapes as block 1")
        x = self.ln_f(x)
        _add(rec, "h", "ln_f(x)", x, "a state after every position")
        h_last = x[n.cumsum(0) - 1]  # rows are prefix-major: each prefix ends where the next begins
        _add(rec, "h_last", "h at each prefix's last position", h_last)
        all_pos = (x, targets.view(-1)[where]) if targets is not None else None
        return None, h_last, all_pos


# ---- registry ----------------------------------------------------------------------------------


def build_family_model(cfg: Config, vocab_size: int) -> FamilyModel:
    if cfg.type == "bigram":
        return Bigram(cfg, vocab_size)
    if cfg.type == "mlp-bn":
        return MLPBatchNorm(cfg, vocab_size)
    if cfg.type == "wavenet":
        return WaveNet(cfg, vocab_size)
    if cfg.type in ("rnn", "gru"):
        return RNN(cfg, vocab_size, cfg.type)
    if cfg.type == "transformer":
        return Transformer(cfg, vocab_size)
    raise ValueError(f"unknown model type {cfg.type!r}")
