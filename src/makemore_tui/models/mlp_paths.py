"""The ways the MLP's fused SGD step can run, and the choice of the fastest on this machine.

With batches of 32 the step is some twenty small operator calls, and what a call costs besides its
arithmetic differs between machines: the allocator, the BLAS's small-matrix paths (MKL on an AMD
CPU is not MKL on an Intel one), the dispatcher. So the step has two paths that do the very same
arithmetic, call for call, and give bitwise the same weights (the tests check it):

Both compute the hidden layer's tanh(z) as 2 sigmoid(2z) - 1 (within 2e-7 of it): torch.tanh has
no vectorised kernel on some machines (2.7 ns an element against sigmoid's 0.4 on an AMD EPYC with
torch 2.13, the largest call of the step there), and two more small calls cost little where it has.
That is fixed, not measured: a choice between forms that round differently would make a run depend
on how loaded the machine was when it started. Two more such forms, each measured alone on that
machine with batches of 32: the `2 s - 1` is one add of a tensor of -1 (1.7 us; `mul_(2).sub_(1)`
took 2.8 and 4.1, each turning its Python number into a tensor), and the step of the embedding
table, -lr/B times its gradient, is scaled inside the matrix product that makes it (addmm's alpha,
free in the BLAS): index_add_ with an alpha of its own took 7.5 us for the 96 rows, 2.5 without.

- `plain`: each call returns a new tensor;
- `workspace`: every intermediate is written into tensors allocated once per batch size (`out=`),
  and the transposed and reshaped views the step reads (W1.t(), h.t(), ...) are made once too, so
  a step allocates nothing but its loss.

The first step with a batch size times both on copies of the weights (the model is not touched),
alternately over a few rounds so that a burst of other load hits both, and keeps the faster, as
threads.py chooses the thread count (the workspace, which makes fewer calls, unless the plain path
is clearly faster). Either way the weights are the same, so the choice never changes a run.
Each path's time is kept (`timings`) for the benchmarks.
"""

from __future__ import annotations

import time

import torch

PROBE_STEPS = 40  # steps timed per path and round
PROBE_ROUNDS = 3
PROBE_LR = 1e-3  # the copy's steps change its weights as a run's would (a zero rate could be skipped)
MIN_GAIN = 1.25  # the plain path, which makes more calls, is chosen only when this much faster
_nll = torch._C._nn.nll_loss  # F.nll_loss's own call, without its Python wrapper's checks
_MEAN = torch.nn._reduction.get_enum("mean")
FORCED: str | None = None  # a path's name to skip the measurement (benchmarks compare the paths)
timings: dict[str, float] = {}  # the last measurement: seconds a step took on each path (best round)


def plain(m, X: torch.Tensor, Y: torch.Tensor, lr: float) -> torch.Tensor:
    C, W1, b1, W2, b2 = m._raw_params()
    B = X.shape[0]
    flatX = X.view(-1)
    x = C.index_select(0, flatX).view(B, -1)  # C[X].view(B, T*E)
    s = torch.addmm(b1, x, W1, beta=2, alpha=2).sigmoid_()  # sigmoid(2z)
    h = torch.add(m._minus_ones(B, W1.shape[1]), s, alpha=2)  # tanh(z) = 2 sigmoid(2z) - 1
    logp = torch.log_softmax(torch.addmm(b2, h, W2), 1)
    loss = _nll(logp, Y, None, _MEAN)
    dlogits = logp.exp_().scatter_add_(1, Y.view(-1, 1), m._minus_ones(B))  # softmax - onehot
    a = -lr / B  # the mean's 1/B, folded into the step
    dh = dlogits.mm(W2.t())  # uses W2 before its update
    dpre = torch.addcmul(dh, dh, h.square(), value=-1.0)  # dh * (1 - h^2), through tanh
    ones = m._ones(B)
    W2.addmm_(h.t(), dlogits, alpha=a)
    b2.addmv_(dlogits.t(), ones, alpha=a)  # the bias's gradient, the batch summed, in the same call
    dx = torch.addmm(x, dpre, W1.t(), beta=0, alpha=a)  # a * d loss/d x (x ignored: beta 0); W1 before its update
    W1.addmm_(x.t(), dpre, alpha=a)
    b1.addmv_(dpre.t(), ones, alpha=a)
    C.index_add_(0, flatX, dx.view(-1, m.n_embd))  # (index_add_'s own alpha takes a slower kernel)
    return loss


class Workspace:
    """The step's intermediates for a batch size, allocated once, and the views it reads."""

    def __init__(self, m, B: int):
        C, W1, b1, W2, b2 = m._raw_params()
        T, E, H, V = m.block_size, m.n_embd, m.n_hidden, m.vocab_size
        new = lambda *shape: torch.empty(shape, dtype=C.dtype, device=C.device)  # noqa: E731
        self.B, self.params = B, (C, W1, b1, W2, b2)
        self.emb, self.h, self.logits, self.logp = new(B * T, E), new(B, H), new(B, V), new(B, V)
        self.dh, self.hsq, self.dpre = new(B, H), new(B, H), new(B, H)
        self.dx, self.ones = new(B, T * E), m._ones(B)
        self.logpt, self.dpret = self.logp.t(), self.dpre.t()
        self.x, self.xt, self.ht = self.emb.view(B, T * E), self.emb.view(B, T * E).t(), self.h.t()
        self.W1t, self.W2t, self.dxe = W1.t(), W2.t(), self.dx.view(B * T, E)
        self.neg, self.negh = m._minus_ones(B), m._minus_ones(B, H)


def workspace(m, X: torch.Tensor, Y: torch.Tensor, lr: float) -> torch.Tensor:
    w = m._ws
    if w is None or w.B != X.shape[0]:  # (reset with the parameters' storage: MLP._apply)
        w = m._ws = Workspace(m, X.shape[0])
    C, W1, b1, W2, b2 = w.params
    flatX = X.view(-1)
    torch.index_select(C, 0, flatX, out=w.emb)
    s = torch.addmm(b1, w.x, W1, beta=2, alpha=2, out=w.h).sigmoid_()
    h = torch.add(w.negh, s, alpha=2, out=w.h)  # tanh, as plain
    logp = torch._log_softmax(torch.addmm(b2, h, W2, out=w.logits), 1, False, out=w.logp)
    loss = _nll(logp, Y, None, _MEAN)
    dlogits = logp.exp_().scatter_add_(1, Y.view(-1, 1), w.neg)  # softmax - onehot
    a = -lr / w.B
    torch.mm(dlogits, w.W2t, out=w.dh)  # uses W2 before its update
    dpre = torch.addcmul(w.dh, w.dh, torch.mul(h, h, out=w.hsq), value=-1.0, out=w.dpre)
    W2.addmm_(w.ht, dlogits, alpha=a)
    b2.addmv_(w.logpt, w.ones, alpha=a)
    torch.addmm(w.dx, dpre, w.W1t, beta=0, alpha=a, out=w.dx)  # uses W1 before its update
    W1.addmm_(w.xt, dpre, alpha=a)
    b1.addmv_(w.dpret, w.ones, alpha=a)
    C.index_add_(0, flatX, w.dxe)
    return loss


PATHS = {"plain": plain, "workspace": workspace}


def choose_path(m, X: torch.Tensor, Y: torch.Tensor):
    """The fastest path for batches like (X, Y), timed on a copy of the model (FORCED: that one)."""
    if FORCED is not None:
        return PATHS[FORCED]
    import copy

    probe = copy.deepcopy(m)
    probe._raw = probe._ws = None
    best = {k: float("inf") for k in PATHS}
    for r in range(PROBE_ROUNDS):
        for k in (PATHS if r % 2 == 0 else reversed(list(PATHS))):
            fn = PATHS[k]
            fn(probe, X, Y, PROBE_LR)  # warm-up (and the workspace's allocation)
            t0 = time.perf_counter()
            for _ in range(PROBE_STEPS):
                fn(probe, X, Y, PROBE_LR)
            best[k] = min(best[k], (time.perf_counter() - t0) / PROBE_STEPS)
    timings.clear()
    timings.update(best)
    return plain if best["plain"] * MIN_GAIN < best["workspace"] else workspace


def chosen() -> str:
    """The name of the path the last measurement chose."""
    return "plain" if timings and timings["plain"] * MIN_GAIN < timings["workspace"] else "workspace"
