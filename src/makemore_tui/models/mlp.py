"""The makemore MLP (Bengio et al. 2003, "A Neural Probabilistic Language Model"; Karpathy's lecture 2).

    emb    = C[X]                         (B, T)        -> (B, T, E)
    h      = tanh(emb.view(B, T*E) @ W1 + b1)             -> (B, H)
    logits = h @ W2 + b2                                  -> (B, V)
    loss   = cross_entropy(logits, Y)

Besides the autograd forward pass, the MLP has a hand-written backward pass (`backward_by_hand`)
that fills every parameter's .grad in about a third of the operator calls autograd makes. With
batches of 32 the step is all dispatch overhead, so fewer calls is what makes training fast; the
tests check these gradients against autograd.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Interface, ShapeRow


class MLP(Interface):
    """MLP language model: Bengio et al. 2003, https://www.jmlr.org/papers/volume3/bengio03a/bengio03a.pdf

    Its five tensors are plain attributes, drawn in the lecture's order from a generator seeded
    with cfg.seed (a config.Config)."""

    param_order = ("C", "W1", "b1", "W2", "b2")
    fused_sgd = True  # sgd_step
    hand_backward = True  # backward_by_hand

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        self.block_size, self.n_embd, self.n_hidden = cfg.block_size, cfg.n_embd, cfg.n_hidden
        self.vocab_size = vocab_size
        g = torch.Generator().manual_seed(cfg.seed)
        # Same calls in the same order as the lecture, so the seed init reproduces its numbers.
        C = torch.randn((vocab_size, cfg.n_embd), generator=g)
        W1 = torch.randn((cfg.block_size * cfg.n_embd, cfg.n_hidden), generator=g)
        b1 = torch.randn(cfg.n_hidden, generator=g)
        W2 = torch.randn((cfg.n_hidden, vocab_size), generator=g)
        b2 = torch.randn(vocab_size, generator=g)
        if cfg.init == "kaiming":
            # Lecture 3: tanh gain 5/3 over sqrt(fan_in) keeps activations out of saturation, and a
            # near-zero output layer makes the first loss about -log(1/V) instead of ~20.
            W1 *= (5 / 3) / (cfg.block_size * cfg.n_embd) ** 0.5
            b1 *= 0.01
            W2 *= 0.01
            b2 *= 0.0
        self.C, self.W1, self.b1, self.W2, self.b2 = (nn.Parameter(t) for t in (C, W1, b1, W2, b2))
        self._raw: list[torch.Tensor] | None = None  # the parameters' data, for the fused SGD step
        self._neg: dict[int, torch.Tensor] = {}  # _minus_ones, by width
        self._one: torch.Tensor | None = None
        self._path = None  # (batch size, the sgd_step path chosen for it: mlp_paths.choose_path)
        self._ws = None  # the workspace path's preallocated tensors (mlp_paths.Workspace)

    def ordered_parameters(self) -> list[nn.Parameter]:
        return [getattr(self, n) for n in self.param_order]

    @torch.no_grad()
    def activations(self, X: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
        return [("h", self.hidden(X))]

    def forget_caches(self) -> None:
        self._raw = None

    def hidden(self, X: torch.Tensor) -> torch.Tensor:
        emb = self.C[X]  # (B, T, E)
        return torch.tanh(emb.view(X.shape[0], -1) @ self.W1 + self.b1)  # (B, T*E) @ (T*E, H) -> (B, H)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.hidden(X) @ self.W2 + self.b2  # (B, V)

    def loss(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self(X), Y)

    @torch.no_grad()
    def backward_by_hand(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        """Forward and backward for one batch; sets .grad on every parameter, returns the loss."""
        C, W1, b1, W2, b2 = self.C, self.W1, self.b1, self.W2, self.b2
        B = X.shape[0]
        flatX = X.reshape(-1)
        x = C.index_select(0, flatX).view(B, -1)  # C[X].view(B, T*E)
        h = torch.addmm(b1, x, W1).tanh_()
        logp = torch.log_softmax(torch.addmm(b2, h, W2), 1)
        loss = F.nll_loss(logp, Y)
        dlogits = logp.exp_().scatter_add_(1, Y.view(-1, 1), self._minus_ones(B)).div_(B)  # d loss / d logits
        W2.grad = h.t().mm(dlogits)
        b2.grad = dlogits.sum(0)
        dh = dlogits.mm(W2.t())
        dpre = torch.addcmul(dh, dh, h.square(), value=-1.0)  # dh * (1 - h^2), through tanh
        W1.grad = x.t().mm(dpre)
        b1.grad = dpre.sum(0)
        C.grad = torch.zeros_like(C).index_add_(0, flatX, dpre.mm(W1.t()).view(-1, self.n_embd))
        return loss

    def sgd_step(self, X: torch.Tensor, Y: torch.Tensor, lr: float) -> torch.Tensor:
        """One step of plain SGD with the gradient folded into the update, returns the batch loss.

        The arithmetic of backward_by_hand followed by `p -= lr * p.grad` (tanh as 2 sigmoid(2z) - 1,
        within 2e-7: faster where torch.tanh is not vectorised; mlp_paths.py), but each weight's
        gradient is accumulated straight into the weight (addmm_, index_add_ with alpha = -lr/B),
        so no gradient tensor is allocated and there is no separate update pass. It works on the
        parameters' plain data tensors, so no autograd bookkeeping is done at all. The way it runs
        (its path: a workspace of preallocated tensors or not, the same weights either way) is the
        faster this machine measured (mlp_paths.py).
        """
        path = self._path if self._path is not None and self._path[0] == X.shape[0] else self._choose_path(X, Y)
        return path[1](self, X, Y, lr)

    def _choose_path(self, X: torch.Tensor, Y: torch.Tensor):
        from .mlp_paths import choose_path

        self._path = (X.shape[0], choose_path(self, X, Y))
        return self._path

    def _raw_params(self) -> list[torch.Tensor]:
        if self._raw is None:
            self._raw = [p.data for p in self.ordered_parameters()]
        return self._raw

    def _minus_ones(self, B: int, n: int = 1) -> torch.Tensor:
        """A (B, n) tensor of -1, kept for the next step of the same shape."""
        neg = self._neg.get(n)
        if neg is None or neg.shape[0] != B or neg.device != self.C.device:
            neg = self._neg[n] = torch.full((B, n), -1.0, device=self.C.device)
        return neg

    def _ones(self, B: int) -> torch.Tensor:
        if self._one is None or self._one.shape[0] != B or self._one.device != self.C.device:
            self._one = torch.ones(B, device=self.C.device)
        return self._one

    def _apply(self, fn, *args, **kwargs):
        self._raw = self._ws = self._path = None  # .to() and friends may give the parameters new storage
        return super()._apply(fn, *args, **kwargs)

    def shape_report(self, X: torch.Tensor) -> list[ShapeRow]:
        """The real shape of every tensor along the forward pass for the batch X."""
        B, T = X.shape
        with torch.no_grad():
            emb = self.C[X]
            flat = emb.view(B, -1)
            h = torch.tanh(flat @ self.W1 + self.b1)
            logits = h @ self.W2 + self.b2
        E, H, V = self.n_embd, self.n_hidden, self.vocab_size
        return [
            ShapeRow("X", "X", tuple(X.shape), f"{B} examples of the {T} previous characters"),
            ShapeRow("emb", "C[X]", tuple(emb.shape), f"each index looks up a row of C ({V}, {E})"),
            ShapeRow(
                "emb.view", f"emb.view({B}, {T * E})", tuple(flat.shape),
                f"joins the {T} embeddings per example; without it, ({B * T}x{E}) @ W1 ({T * E}x{H}) fails: "
                f"shapes cannot be multiplied ({B * T}x{E} and {T * E}x{H})",
            ),
            ShapeRow("h", "tanh(emb.view @ W1 + b1)", tuple(h.shape), f"{H} hidden units"),
            ShapeRow("logits", "h @ W2 + b2", tuple(logits.shape), f"one score per symbol ({V} classes)"),
            ShapeRow("loss", "cross_entropy(logits, Y)", (), "a single number"),
        ]
