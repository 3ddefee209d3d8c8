"""What the classifier is doing, as numbers: the views of the insight panes, without any UI.

makemore's MLP is a classifier with one output per symbol (27 for names). Each function here takes
a model (and examples) and returns a dataclass of plain Python numbers and lists, so the same numbers
feed the Textual panes, the `--inspect` command-line form and the tests, which check them against a
direct computation.

    next_char       the 27-way distribution after a typed context
    embedding_map   the rows of C in 2-D (C itself when n_embd is 2, else its PCA projection)
    health          tanh activations (saturated and dead units) and gradients, as in lecture 3
    update_ratios   log10 of one SGD step's update-to-data ratio per parameter
    RatioHistory    the live run's update-to-data ratios over time, in bounded memory
    confusion       true symbol x predicted symbol over a split (the dev set)
    load_run / compare_rows   earlier runs' work directories, for the comparison view

The learning-rate finder lives in lr_finder.py. None of these functions change the model they are
given: gradients are taken with torch.autograd.grad (the parameters' .grad is left alone) and
anything that trains works on a copy (see `snapshot`).
"""

from __future__ import annotations

import copy
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import torch
import torch.nn.functional as F

from .data import BOUNDARY, Vocab
from .models.base import eval_mode
from .series import Series

VOWELS = "aeiou"
SATURATED = 0.97  # |h| above this is a saturated tanh unit (lecture 3's histogram)
DEAD = 0.99  # a unit with |h| above this for every example of the batch is dead (lecture 3's imshow)
RATIO_GUIDE = -3.0  # lecture 3: log10 update-to-data ratios should sit around -3
CHUNK = 65_536  # examples per forward pass over a whole split


def snapshot(model: torch.nn.Module) -> torch.nn.Module:
    """An independent copy of the model (weights cloned, gradients dropped), safe to read or train
    in another thread while the original keeps training. Take it between two steps."""
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.grad = None
    if hasattr(m, "_raw"):  # the fused SGD step caches its parameters' data; rebuild it for the copy
        m._raw = None
    return m


def _params(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    order = getattr(model, "param_order", None)
    if order:
        return [(n, getattr(model, n)) for n in order]
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


class InsightError(ValueError):
    """A view that this model cannot show (for instance an embedding map of a bigram table)."""


# ---- next character ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NextChar:
    context: str  # what was typed
    window: str  # the block_size symbols the model sees: the context's tail, padded with '.'
    chars: list[str]  # the vocabulary, index order
    logits: list[float]
    probs: list[float]  # softmax of logits; sums to 1
    top: list[tuple[str, float]]  # the likeliest symbols, most likely first

    def prob(self, ch: str) -> float:
        return self.probs[self.chars.index(ch)]


def context_window(context: str, block_size: int) -> str:
    """The block_size symbols the model sees after `context`: its last characters, with the start
    token '.' filling in on the left as at the start of every word."""
    padded = BOUNDARY * block_size + context
    return padded[len(padded) - block_size:]


@torch.no_grad()
def next_char(model: torch.nn.Module, vocab: Vocab, context: str, block_size: int | None = None,
              top_k: int = 5) -> NextChar:
    """The model's distribution over the next symbol after `context` ('' = the start of a word).
    Raises ValueError (DataError) for a character the vocabulary lacks."""
    block_size = block_size or getattr(model, "block_size", 1)
    window = context_window(context, block_size)
    ix = vocab.encode(window)
    device = next(model.parameters()).device
    with eval_mode(model):
        logits = model(torch.tensor([ix], dtype=torch.long, device=device))[0].double().cpu()
    probs = torch.softmax(logits, 0)
    k = max(0, min(top_k, len(vocab)))
    order = sorted(range(len(vocab)), key=lambda i: (-float(probs[i]), i))[:k]
    return NextChar(
        context=context, window=window, chars=list(vocab.itos), logits=logits.tolist(), probs=probs.tolist(),
        top=[(vocab.itos[i], float(probs[i])) for i in order],
    )


# ---- embedding map -------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmbeddingMap:
    chars: list[str]
    xs: list[float]
    ys: list[float]
    n_embd: int
    method: str  # "C": the embedding itself (n_embd 2, or 1 with y = 0); "PCA": the top two principal axes
    explained: tuple[float, float]  # share of C's variance along each plotted axis (about the mean)
    vowel_spread: float | None  # mean distance between vowels / mean distance between all letters, in C

    def point(self, ch: str) -> tuple[float, float]:
        i = self.chars.index(ch)
        return self.xs[i], self.ys[i]


def pca_axes(C: torch.Tensor, k: int = 2) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean, axes (n_embd, k), variance share of each axis) of the rows of C. Each axis's sign is
    fixed so that its largest-magnitude entry is positive, so the map does not flip between frames."""
    C = C.double()
    mean = C.mean(0)
    Xc = C - mean
    _, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    axes = Vh[:k].T.clone()
    for j in range(axes.shape[1]):
        col = axes[:, j]
        if col[col.abs().argmax()] < 0:
            axes[:, j] = -col
    var = S.square()
    total = float(var.sum())
    share = var[:k] / total if total > 0 else torch.zeros(k, dtype=torch.float64)
    return mean, axes, share


def vowel_spread(C: torch.Tensor, vocab: Vocab) -> float | None:
    """How tightly the vowels sit together in the embedding: the mean distance between two vowels
    over the mean distance between two letters (any symbol but '.'). Below 1: closer than average."""
    itos = list(vocab.itos)
    letters = [i for i, s in enumerate(itos) if s != BOUNDARY]
    vowels = [itos.index(v) for v in VOWELS if v in itos]
    if len(vowels) < 2 or len(letters) < 3:
        return None
    C = C.detach().double().cpu()

    def mean_dist(ix: list[int]) -> float:
        P = C[ix]
        d = torch.cdist(P, P)
        n = len(ix)
        return float(d.sum() / (n * (n - 1)))

    all_ = mean_dist(letters)
    return mean_dist(vowels) / all_ if all_ > 0 else None


def embedding_map(model: torch.nn.Module, vocab: Vocab) -> EmbeddingMap:
    """InsightError for a model without an embedding table C."""
    C = getattr(model, "C", None)
    if not isinstance(C, torch.Tensor):
        raise InsightError("this model has no embedding table C (a bigram's table is the logits themselves)")
    return embedding_from_C(C, vocab)


@torch.no_grad()
def embedding_from_C(C: torch.Tensor, vocab: Vocab) -> EmbeddingMap:
    """The map of a (V, n_embd) embedding table: C itself when n_embd <= 2, else its PCA projection."""
    C = C.detach().double().cpu()
    V, E = C.shape
    if E <= 2:
        xs = C[:, 0].tolist()
        ys = C[:, 1].tolist() if E == 2 else [0.0] * V
        var = C.var(0, unbiased=False) if V > 1 else torch.zeros(E, dtype=torch.float64)
        total = float(var.sum())
        shares = [float(v) / total if total > 0 else 0.0 for v in var.tolist()] + [0.0]
        method, explained = "C", (shares[0], shares[1])
    else:
        mean, axes, share = pca_axes(C)
        P = (C - mean) @ axes
        xs, ys = P[:, 0].tolist(), P[:, 1].tolist()
        method, explained = "PCA", (float(share[0]), float(share[1]))
    return EmbeddingMap(list(vocab.itos), xs, ys, E, method, explained, vowel_spread(C, vocab))


# ---- activation and gradient health --------------------------------------------------------------

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
    """The model's squashing-layer outputs for X: its own `activations(X)` where it has one, else
    the MLP's hidden layer h = tanh(C[X].view(B, -1) @ W1 + b1)."""
    own = getattr(model, "activations", None)
    if callable(own):
        return [(n, t.detach()) for n, t in own(X)]
    if all(hasattr(model, n) for n in ("C", "W1", "b1")):
        with torch.no_grad():
            return [("h", torch.tanh(model.C[X].view(X.shape[0], -1) @ model.W1 + model.b1))]
    return []


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
    m = snapshot(model) if copy_model else model
    m.train()
    device = next(m.parameters()).device
    X, Y = X.to(device), Y.to(device)
    params = _params(m)
    acts = activations(m, X)
    with torch.enable_grad():
        loss = m.loss(X, Y) if hasattr(m, "loss") else F.cross_entropy(m(X), Y)
        grads = torch.autograd.grad(loss, [p for _, p in params], allow_unused=True)
    stats = []
    for (name, p), g in zip(params, grads):
        g = torch.zeros_like(p) if g is None else g.detach()
        gs = float(g.std()) if g.numel() > 1 else float(g.abs().sum())
        ps = float(p.detach().std()) if p.numel() > 1 else float(p.detach().abs().sum())
        stats.append(GradStat(
            name=name, shape=tuple(p.shape), mean=float(g.mean()), std=gs,
            grad_data_ratio=gs / ps if ps > 0 else float("nan"), hist=histogram(g, bins),
        ))
    return Health(
        batch_size=int(X.shape[0]), loss=float(loss.detach()),
        layers=[layer_stat(n, h, bins, saturated_at, dead_at) for n, h in acts], grads=stats,
        saturated_threshold=saturated_at, dead_threshold=dead_at,
    )


def fixed_batch(X: torch.Tensor, Y: torch.Tensor, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The same `size` examples every time (seeded), so a live view's changes come from the weights,
    not from which examples were drawn."""
    g = torch.Generator().manual_seed(seed)
    ix = torch.randint(0, X.shape[0], (min(size, X.shape[0]) if X.shape[0] else 0,), generator=g)
    return X[ix], Y[ix]


def update_ratios(model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, lr: float) -> dict[str, float]:
    """log10 of std(lr * grad) / std(data) for one plain SGD step on (X, Y), per parameter: the
    trainer's update_ratio (events.ParamStat) for an SGD run, without taking the step."""
    m = snapshot(model)
    m.train()
    params = _params(m)
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


# ---- confusion -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Confusion:
    chars: list[str]
    counts: list[list[int]]  # counts[true][predicted]
    n: int  # examples
    correct: int  # argmax prediction == target
    top: list[tuple[str, str, int]]  # (true, predicted-as, count), the largest off-diagonal cells

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    def recall(self) -> list[float | None]:
        """Per true symbol: the share of its examples predicted right (None if it never occurs)."""
        out: list[float | None] = []
        for i, row in enumerate(self.counts):
            s = sum(row)
            out.append(row[i] / s if s else None)
        return out

    def predicted_totals(self) -> list[int]:
        return [sum(col) for col in zip(*self.counts)]


@torch.no_grad()
def confusion(model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, vocab: Vocab, top: int = 10) -> Confusion:
    """The classifier's argmax prediction against the true next symbol for every example."""
    V = len(vocab)
    device = next(model.parameters()).device
    M = torch.zeros(V * V, dtype=torch.long)
    with eval_mode(model):
        for i in range(0, X.shape[0], CHUNK):
            pred = model(X[i:i + CHUNK].to(device)).argmax(1).cpu()
            M += torch.bincount(Y[i:i + CHUNK].cpu() * V + pred, minlength=V * V)
    M = M.view(V, V)
    correct = int(M.diagonal().sum())
    off = M.clone()
    off.fill_diagonal_(0)
    flat = off.flatten()
    k = min(top, int((flat > 0).sum()))
    vals, idx = torch.topk(flat, k) if k else (torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long))
    itos = list(vocab.itos)
    pairs = sorted(((itos[int(j) // V], itos[int(j) % V], int(c)) for c, j in zip(vals, idx)),
                   key=lambda t: (-t[2], t[0], t[1]))
    return Confusion(itos, M.tolist(), int(X.shape[0]), correct, pairs)


# ---- run comparison ------------------------------------------------------------------------------

@dataclass
class RunRecord:
    """One work directory's files: settings, results and loss curves."""

    path: str
    config: dict = field(default_factory=dict)
    summary: dict | None = None
    steps: list[int] = field(default_factory=list)  # logged steps with a train loss
    train_loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or Path(self.path).name or self.path

    def best_val(self) -> float | None:
        if self.summary and self.summary.get("val_loss") is not None:
            return float(self.summary["val_loss"])
        finite = [v for v in self.val_loss if math.isfinite(v)]
        return min(finite) if finite else None


class RunError(ValueError):
    pass


def load_run(path: str | os.PathLike, label: str = "") -> RunRecord:
    """Read metrics.jsonl, config.json and summary.json of a work directory (missing files are
    empty; a torn last line is skipped). RunError when the directory holds none of them."""
    p = Path(path)
    if not p.is_dir():
        raise RunError(f"{p} is not a directory")
    rec = RunRecord(str(p), label=label)
    found = False
    cfg = p / "config.json"
    if cfg.is_file():
        try:
            rec.config = json.loads(cfg.read_text())
            found = True
        except (ValueError, OSError):
            pass
    summ = p / "summary.json"
    if summ.is_file():
        try:
            rec.summary = json.loads(summ.read_text())
            found = True
        except (ValueError, OSError):
            pass
    met = p / "metrics.jsonl"
    if met.is_file():
        found = True
        with open(met, "rb") as f:
            for line in f:
                try:
                    d = json.loads(line)
                    step = int(d["step"])
                except (ValueError, KeyError, TypeError):
                    continue
                if d.get("train_loss") is not None:
                    rec.steps.append(step)
                    rec.train_loss.append(float(d["train_loss"]))
                if d.get("val_loss") is not None:
                    rec.val_steps.append(step)
                    rec.val_loss.append(float(d["val_loss"]))
    if not found:
        raise RunError(f"{p} holds no run (no metrics.jsonl, config.json or summary.json)")
    return rec


def downsample(xs: Sequence[float], ys: Sequence[float], n: int) -> tuple[list[float], list[float]]:
    """At most n points: consecutive buckets averaged (x: the bucket's last x). Cost O(len(xs))."""
    m = len(xs)
    if n <= 0 or m == 0:
        return [], []
    if m <= n:
        return list(xs), list(ys)
    ox, oy = [], []
    for b in range(n):
        i, j = b * m // n, (b + 1) * m // n
        if j <= i:
            continue
        seg = [y for y in ys[i:j] if math.isfinite(y)]
        ox.append(xs[j - 1])
        oy.append(sum(seg) / len(seg) if seg else float("nan"))
    return ox, oy


COMPARE_KEYS = ("preset", "block_size", "n_embd", "n_hidden", "init", "batch_size", "optimizer", "learning_rate",
                "lr_schedule", "weight_decay", "max_steps", "seed")


def compare_rows(runs: Iterable[RunRecord], keys: Sequence[str] = COMPARE_KEYS,
                 only_different: bool = False) -> tuple[list[str], list[list[str]]]:
    """A settings-and-results table with one column per run: (header, rows), where the header is
    ["", run names...] and each row is [what, one cell per run]. With only_different, settings that
    all runs share are left out (when there are two runs or more)."""
    runs = list(runs)
    keys = [k for k in keys if any(k in r.config for r in runs)] or list(keys)
    if only_different and len(runs) > 1:
        keys = [k for k in keys if len({json.dumps(r.config.get(k)) for r in runs}) > 1]
    rows = [[k] + [_fmt(r.config.get(k)) for r in runs] for k in keys]
    summ = [r.summary or {} for r in runs]
    rows.append(["steps"] + [_fmt(s.get("steps", r.steps[-1] if r.steps else None)) for s, r in zip(summ, runs)])
    rows.append(["train loss"] + [_fmt(s.get("train_loss", r.train_loss[-1] if r.train_loss else None), 4)
                                  for s, r in zip(summ, runs)])
    rows.append(["dev loss"] + [_fmt(r.best_val(), 4) for r in runs])
    rows.append(["seconds"] + [_fmt(s.get("seconds")) for s in summ])
    return ["", *(r.name for r in runs)], rows


def _fmt(v, digits: int | None = None) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if digits is not None:
            return f"{v:.{digits}f}"
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def to_json(obj) -> dict:
    """A view's dataclass as JSON-ready data (NaN and infinity become null)."""
    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return clean(asdict(obj))
