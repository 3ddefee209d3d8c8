"""The learning-rate finder of lecture 2, on a copy of the model.

    lre = torch.linspace(-3, 0, 1000); lrs = 10**lre
    for i in range(1000): one SGD step on a random train batch at lr = lrs[i]; record the loss
    plot loss against lre

The sweep trains a deep copy (`base.snapshot`), never the live model, and draws its batches from
its own seeded generator, so the run being watched is not disturbed and the same weights give the
same curve.

The suggested rate. The raw losses are noisy (a batch of 32), so the curve is smoothed with a
centred moving average over `window` steps (no lag, so the minimum is not pushed to the right).
The rate at the smoothed curve's minimum is the edge: past it the updates overshoot and the loss
climbs. A rate a little below the edge still descends fast but stays stable, so the suggestion is
half the minimum's rate:

    suggested = rate at the smoothed minimum / 2   (clamped to the swept range)

For the seed network from its initial weights the minimum sits at 0.13-0.18 over seeds (the lecture's
"valley" around lre -1 to -0.75), so the suggestion is 0.07-0.09, next to the lecture's choice of
0.1. The steepest descent of the smoothed curve is reported beside it for reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ..models.base import train_without_dropout
from ..splits import examples_of
from .base import snapshot

LOG10_LO, LOG10_HI, STEPS = -3.0, 0.0, 1000
SUGGEST_DIVISOR = 2.0  # the suggestion is the rate at the smoothed minimum over this
BLOW_UP = 4.0  # stop once the smoothed loss exceeds this many times its best so far


@dataclass(frozen=True)
class LRFind:
    lrs: list[float]  # the planned rates, 10 ** linspace(lo, hi, steps)
    log10_lrs: list[float]
    losses: list[float]  # one per step done (len <= len(lrs): the sweep stops early if the loss blows up)
    smoothed: list[float]  # centred moving average of losses
    min_lr: float  # the rate at the smoothed minimum
    min_loss: float
    steepest_lr: float  # the rate where the smoothed loss falls fastest against log10(lr)
    suggested_lr: float
    batch_size: int
    window: int
    stopped_early: bool
    optimizer: str = "sgd"
    rule: str = "half the rate at the minimum of the smoothed loss"

    @property
    def steps(self) -> int:
        return len(self.losses)


def lr_schedule(steps: int = STEPS, lo: float = LOG10_LO, hi: float = LOG10_HI) -> tuple[list[float], list[float]]:
    """(lre, lrs): the lecture's exponentially rising rates."""
    lre = torch.linspace(lo, hi, steps, dtype=torch.float64)
    return lre.tolist(), (10 ** lre).tolist()


def smooth(xs: list[float], window: int) -> list[float]:
    """Centred moving average; near the ends the window shrinks symmetrically. Non-finite values are
    left out of every mean they fall in."""
    n = len(xs)
    half = max(0, window // 2)
    finite = [x if math.isfinite(x) else 0.0 for x in xs]
    ok = [1 if math.isfinite(x) else 0 for x in xs]
    cs, co = [0.0], [0]
    for x, o in zip(finite, ok):
        cs.append(cs[-1] + x)
        co.append(co[-1] + o)
    out = []
    for i in range(n):
        r = min(half, i, n - 1 - i)
        a, b = i - r, i + r + 1
        c = co[b] - co[a]
        out.append((cs[b] - cs[a]) / c if c else float("nan"))
    return out


def suggest(log10_lrs: list[float], smoothed: list[float]) -> tuple[float, float, float, float]:
    """(suggested_lr, min_lr, min_loss, steepest_lr) from a smoothed curve."""
    n = len(smoothed)
    finite = [i for i in range(n) if math.isfinite(smoothed[i])]
    if not finite:
        lo = 10 ** log10_lrs[0]
        return lo, lo, float("nan"), lo
    imin = min(finite, key=lambda i: smoothed[i])
    min_lre = log10_lrs[imin]
    suggested_lre = max(log10_lrs[0], min_lre - math.log10(SUGGEST_DIVISOR))
    # steepest descent before the minimum: the most negative slope of loss against log10(lr)
    best, isteep = 0.0, finite[0]
    for i in finite:
        if i == 0 or i > imin or not math.isfinite(smoothed[i - 1]):
            continue
        d = (smoothed[i] - smoothed[i - 1]) / max(1e-12, log10_lrs[i] - log10_lrs[i - 1])
        if d < best:
            best, isteep = d, i
    return 10 ** suggested_lre, 10 ** min_lre, smoothed[imin], 10 ** log10_lrs[isteep]


def lr_find(
    model: torch.nn.Module,
    X,
    Y: torch.Tensor | None,
    batch_size: int = 32,
    steps: int = STEPS,
    lo: float = LOG10_LO,
    hi: float = LOG10_HI,
    seed: int = 0,
    window: int | None = None,
    optimizer: str = "sgd",
    weight_decay: float = 0.0,
    copy_model: bool = True,
    progress: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LRFind:
    """Sweep the rate from 10**lo to 10**hi over `steps` steps, one step per rate on a random batch
    of (X, Y) (tensors, or a splits.Split X with Y None: its windows cut a batch at a time), on a copy of `model` (pass copy_model=False only with a model you own). `progress`
    is called with (step, loss) every step; `should_stop` can end the sweep early."""
    m = train_without_dropout(snapshot(model) if copy_model else model)
    device = next(m.parameters()).device
    params = [p for p in m.parameters()]
    opt = None
    if optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=10 ** lo, weight_decay=weight_decay, betas=(0.9, 0.99))
    lre, lrs = lr_schedule(steps, lo, hi)
    g = torch.Generator().manual_seed(seed)
    n, take = examples_of(X, Y)
    losses: list[float] = []
    best_ema, ema, stopped = math.inf, None, False
    for i, lr in enumerate(lrs):
        if should_stop is not None and should_stop():
            stopped = True
            break
        xb, yb = (t.to(device) for t in take(torch.randint(0, n, (batch_size,), generator=g)))
        loss = m.loss(xb, yb)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            if opt is None:
                if weight_decay:
                    torch._foreach_mul_(params, 1.0 - lr * weight_decay)
                for p in params:
                    p.add_(p.grad, alpha=-lr)
            else:
                for group in opt.param_groups:
                    group["lr"] = lr
                opt.step()
        value = float(loss.detach())
        losses.append(value)
        if progress is not None:
            progress(i + 1, value)
        if not math.isfinite(value):
            stopped = True
            break
        ema = value if ema is None else 0.9 * ema + 0.1 * value
        best_ema = min(best_ema, ema)
        if i >= 20 and ema > BLOW_UP * best_ema:
            stopped = True
            break
    window = window if window is not None else max(5, steps // 20)
    sm = smooth(losses, window)
    suggested, min_lr, min_loss, steep = suggest(lre[: len(sm)], sm)
    return LRFind(
        lrs=lrs, log10_lrs=lre, losses=losses, smoothed=sm, min_lr=min_lr, min_loss=min_loss, steepest_lr=steep,
        suggested_lr=suggested, batch_size=batch_size, window=window, stopped_early=stopped, optimizer=optimizer,
    )


ADAMW_RANGE = (-5.0, -1.0)  # Adam's steps are normalised: its useful rates sit about two decades lower


def sweep_range(optimizer: str) -> tuple[float, float]:
    """log10 of the sweep's first and last rate for an optimiser."""
    return ADAMW_RANGE if optimizer == "adamw" else (LOG10_LO, LOG10_HI)


def sweep_settings(cfg, sweep: int = 0) -> dict:
    """lr_find's arguments for a run's settings: its batch size, optimiser and weight decay, the
    optimiser's range, and a seed from the run's (the first sweep, 0, the same in the app and in
    `--inspect lr-find`, so both suggest the same rate; `f` in the app sweeps again with the next)."""
    lo, hi = sweep_range(cfg.optimizer)
    return dict(batch_size=cfg.batch_size, lo=lo, hi=hi, seed=cfg.seed + sweep, optimizer=cfg.optimizer,
                weight_decay=cfg.weight_decay)

