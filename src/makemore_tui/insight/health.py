"""Activation and gradient health, as in lecture 3: the squashing layers' outputs (saturated and
dead units), every parameter's gradient, and update-to-data ratios (one SGD step's, and the live
run's over time in a RatioHistory)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..models.base import train_without_dropout
from ..series import Series
from ..splits import examples_of
from .base import named_params, snapshot

SATURATED = 0.97  # |h| above this is a saturated tanh unit (lecture 3's histogram)
DEAD = 0.99  # a unit with |h| above this for every example of the batch is dead (lecture 3's imshow)
RATIO_GUIDE = -3.0  # lecture 3: log10 update-to-data ratios should sit around -3


@dataclass(frozen=True)
class Histogram:
    edges: list[float]  # len(counts) + 1 bin edges
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


def histogram(values: torch.Tensor, bins: int = 40, lo: float | None = None, hi: float | None = None) -> Histogram:
    v = values.detach().double().flatten().cpu()
    v = v[torch.isfinite(v)]
    if v.numel() == 0:
        lo, hi = (lo if lo is not None else -1.0), (hi if hi is not None else 1.0)
        return Histogram(torch.linspace(lo, hi, bins + 1).tolist(), [0] * bins)
    if lo is None or hi is None:
        m = float(v.abs().max())
        m = m if m > 0 else 1.0
        lo, hi = (-m if lo is None else lo), (m if hi is None else hi)
    counts = torch.histc(v.clamp(lo, hi), bins=bins, min=lo, max=hi)
    return Histogram(torch.linspace(lo, hi, bins + 1).tolist(), [int(c) for c in counts.tolist()])


ZERO_MEAN_SHARE = 1e-5  # a gradient mean this small beside its std is rounding noise: shown as 0


@dataclass(frozen=True)
class GradStat:
    name: str
    shape: tuple[int, ...]
    mean: float
    std: float
    grad_data_ratio: float  # std(grad) / std(data), as lecture 3 prints beside each histogram
    hist: Histogram


@dataclass(frozen=True)
class LayerStat:
    """One squashing layer's outputs over a batch (for the MLP: h, its tanh hidden layer)."""

    name: str
    n_units: int  # the layer's width (its last dimension)
    mean: float
    std: float
    saturated: float  # share of all its outputs in the batch with |h| > the saturation threshold
    dead_units: int  # units whose |h| is above the dead threshold for every example of the batch
    dead_share: float
    hist: Histogram  # of the outputs, over [-1, 1]


@dataclass(frozen=True)
class Health:
    batch_size: int
    loss: float
    layers: list[LayerStat]  # empty for a model without squashing layers (bigram)
    grads: list[GradStat]
    saturated_threshold: float = SATURATED
    dead_threshold: float = DEAD

    @property
    def layer(self) -> LayerStat | None:
        return self.layers[0] if self.layers else None


def activations(model: torch.nn.Module, X: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """The model's squashing-layer outputs for X (its `activations(X)`: the MLP's hidden layer
    h = tanh(C[X].view(B, -1) @ W1 + b1), ...)."""
    return [(n, t.detach()) for n, t in model.activations(X)]


def layer_stat(name: str, h: torch.Tensor, bins: int = 40, saturated_at: float = SATURATED,
               dead_at: float = DEAD) -> LayerStat:
    h = h.detach().double().cpu()
    H = h.shape[-1] if h.ndim else 1
    a = h.reshape(-1, H).abs()
    dead = int((a > dead_at).all(0).sum()) if a.shape[0] else 0
    return LayerStat(
        name=name, n_units=H, mean=float(h.mean()), std=float(h.std()) if h.numel() > 1 else 0.0,
        saturated=float((a > saturated_at).double().mean()), dead_units=dead, dead_share=dead / H,
        hist=histogram(h, bins, -1.0, 1.0),
    )


def health(model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, bins: int = 40,
           saturated_at: float = SATURATED, dead_at: float = DEAD, copy_model: bool = True) -> Health:
    """Lecture 3's diagnostics for one batch: every squashing layer's outputs and every parameter's
    gradient, in training mode (BatchNorm uses the batch's statistics, as during training). Works on
    a copy, so the model's weights, .grad and running statistics are left as they were."""
    m = train_without_dropout(snapshot(model) if copy_model else model)
    device = next(m.parameters()).device
    X, Y = X.to(device), Y.to(device)
    params = named_params(m)
    acts = activations(m, X)
    with torch.enable_grad():
        loss = m.loss(X, Y)
        grads = torch.autograd.grad(loss, [p for _, p in params], allow_unused=True)
    stats = []
    for (name, p), g in zip(params, grads):
        g = torch.zeros_like(p) if g is None else g.detach()
        gs = float(g.std()) if g.numel() > 1 else float(g.abs().sum())
        ps = float(p.detach().std()) if p.numel() > 1 else float(p.detach().abs().sum())
        mean = float(g.double().mean())
        if abs(mean) <= ZERO_MEAN_SHARE * gs:  # zero but for float32 rounding (W2's and b2's always are):
            mean = 0.0  # its digits would change with the memory's alignment from run to run
        stats.append(GradStat(
            name=name, shape=tuple(p.shape), mean=mean, std=gs,
            grad_data_ratio=gs / ps if ps > 0 else float("nan"), hist=histogram(g, bins),
        ))
    return Health(
        batch_size=int(X.shape[0]), loss=float(loss.detach()),
        layers=[layer_stat(n, h, bins, saturated_at, dead_at) for n, h in acts], grads=stats,
        saturated_threshold=saturated_at, dead_threshold=dead_at,
    )


def fixed_batch(X, Y: torch.Tensor | None, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The same `size` examples every time (seeded), so a live view's changes come from the weights,
    not from which examples were drawn: of tensors (X, Y), or of a splits.Split X (Y None)."""
    n, take = examples_of(X, Y)
    g = torch.Generator().manual_seed(seed)
    return take(torch.randint(0, n, (min(size, n) if n else 0,), generator=g))


def update_ratios(model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, lr: float) -> dict[str, float]:
    """log10 of std(lr * grad) / std(data) for one plain SGD step on (X, Y), per parameter: the
    trainer's update_ratio (events.ParamStat) for an SGD run, without taking the step."""
    m = train_without_dropout(snapshot(model))
    params = named_params(m)
    with torch.enable_grad():
        loss = m.loss(X, Y)
        grads = torch.autograd.grad(loss, [p for _, p in params], allow_unused=True)
    out = {}
    for (name, p), g in zip(params, grads):
        if g is None:
            out[name] = float("nan")
            continue
        upd = float((lr * g).std()) if g.numel() > 1 else abs(lr * float(g.sum()))
        ref = float(p.detach().std()) if p.numel() > 1 else abs(float(p.detach().sum()))
        out[name] = math.log10(upd / ref) if ref > 0 and upd > 0 else float("nan")
    return out


@dataclass(frozen=True)
class HealthCheck:
    """The health view's numbers for a model at rest (the command line's form): one batch's
    health, and the update:data ratios one SGD step at the run's rate would make."""

    health: Health
    lr: float  # the run's learning rate at that step
    optimizer: str
    ratios: dict[str, float] | None  # log10 ratio per parameter; None for an optimizer other than SGD


def compute(subject) -> HealthCheck:
    """The view's numbers for a views.Subject: the run's fixed training batch (batch_size examples,
    seeded by the run's seed)."""
    cfg = subject.cfg
    X, Y = fixed_batch(subject.data.eval_split("train"), None, cfg.batch_size, seed=cfg.seed)
    h = health(subject.model, X, Y)
    lr = cfg.lr_at(subject.step)
    ratios = update_ratios(subject.model, X, Y, lr) if cfg.optimizer == "sgd" else None
    return HealthCheck(h, lr, cfg.optimizer, ratios)


def log10_ratio(x: float) -> float:
    return math.log10(x) if x > 0 and math.isfinite(x) else float("nan")


class RatioHistory:
    """log10 update-to-data ratio per parameter over the run, from the trainer's ParamStats events.

    Each parameter's history is a series.Series: at most `capacity` buckets, merged pairwise when
    full, so memory and drawing cost stay bounded however long the run, and the history keeps a
    uniform resolution from the first step to the last."""

    def __init__(self, capacity: int = 512):
        self.capacity = max(4, capacity + capacity % 2)
        self.clear()

    def clear(self) -> None:
        self.series: dict[str, Series] = {}
        self.names: list[str] = []
        self.last_step: int | None = None
        self.count = 0

    def add(self, step: int, ratios: dict[str, float]) -> None:
        """ratios: parameter name -> update_ratio (not log10)."""
        if self.last_step is not None and step <= self.last_step:  # a restarted run starts over
            self.clear()
        self.last_step = int(step)
        self.count += 1
        for name, r in ratios.items():
            if name not in self.series:
                self.names.append(name)
                self.series[name] = Series(self.capacity)
            self.series[name].append(float(step), log10_ratio(r))

    def add_event(self, event) -> None:
        """Take an events.ParamStats."""
        self.add(event.step, {s.name: s.update_ratio for s in event.stats})

    def points(self, name: str, max_points: int) -> tuple[list[float], list[float]]:
        """(steps, mean log10 ratio) of one parameter in at most max_points groups."""
        v = self.series[name].view(max_points)
        return v.x, v.mean

    def view(self, max_points: int) -> dict[str, tuple[list[float], list[float]]]:
        """Every parameter's points, copied (safe to hand to another thread)."""
        return {name: self.points(name, max_points) for name in self.names}

    def latest(self) -> dict[str, float]:
        return {n: s.last for n, s in self.series.items()}

    def __len__(self) -> int:
        """Buckets held per parameter now (at most capacity)."""
        return max((len(s) for s in self.series.values()), default=0)
