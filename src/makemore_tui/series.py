"""Loss curves for a chart: bounded history, downsampling to the chart's width, smoothing, log10.

A training run makes hundreds of thousands of steps; a chart is a hundred or so columns wide. A
`Series` keeps the whole history in at most `capacity` buckets (count, sum, min and max of
consecutive points): when it is full, neighbouring buckets merge pairwise and the bucket width
doubles. Memory is bounded whatever the number of steps, the history keeps a uniform resolution,
and `view()` re-buckets it to a given number of points, so the cost of drawing does not grow with
the number of steps either; `downsample` cuts plain lists (a run read back from its files) the
same way.

Pure Python and free of Textual (the headless side may use it too). Log scales are done here
(`log10_points`) rather than by the plotting library.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from itertools import repeat
from typing import Sequence

__all__ = ["Series", "View", "band", "downsample", "ema", "envelope", "log10_points", "smoothing_span",
           "finite_points"]

_isfinite = math.isfinite


@dataclass(frozen=True)
class View:
    """A series re-bucketed for drawing: one entry per group of consecutive points."""

    x: list[float]  # middle of each group's x range
    mean: list[float]  # mean of the group's finite values (nan when it has none)
    lo: list[float]  # smallest finite value (nan when none)
    hi: list[float]  # largest finite value (nan when none)
    n: list[int]  # points in the group, finite or not

    def __len__(self) -> int:
        return len(self.x)


class Series:
    """A bounded history of (x, y) points with increasing x (for a loss curve: step, loss)."""

    def __init__(self, capacity: int = 2048):
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number of at least 4")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self.width = 1  # points per bucket
        self._x0: list[float] = []  # first x in each bucket
        self._x1: list[float] = []  # last x
        self._n: list[int] = []  # points (finite or not)
        self._nf: list[int] = []  # finite points
        self._sum: list[float] = []
        self._min: list[float] = []
        self._max: list[float] = []
        self._fill = 0  # points in the last bucket; == width when it is closed
        self.count = 0  # points ever added
        self.nonfinite = 0  # of which NaN or infinite
        self.last = math.nan  # the latest value
        self.last_x = math.nan

    def __len__(self) -> int:
        """Buckets held now (at most `capacity`)."""
        return len(self._n)

    def append(self, x: float, y: float) -> None:
        self._add_chunk(x, 1.0, [y])

    def extend(self, first_x: float, ys: list[float], dx: float = 1.0) -> None:
        """Add ys[i] at x = first_x + i * dx (whole buckets at a time: a batch of a thousand losses
        costs about as much as a few dozen appends)."""
        i, n = 0, len(ys)
        if n and self._n and self._fill < self.width:  # top up the open bucket
            i = min(self.width - self._fill, n)
            self._add_chunk(first_x, dx, ys[:i])
        while n - i >= self.width:
            w = self.width
            m = min((n - i) // w, self.capacity - len(self._n))  # whole buckets before a compaction
            self._add_buckets(first_x + i * dx, dx, ys[i : i + m * w], w, m)
            i += m * w
            if len(self._n) >= self.capacity:
                self._compact()
        if i < n:
            self._add_chunk(first_x + i * dx, dx, ys[i:])

    def _add_buckets(self, x: float, dx: float, seg: list[float], w: int, m: int) -> None:
        """m new full buckets of w points each (the open bucket, if any, is full)."""
        chunks = [seg[j * w : (j + 1) * w] for j in range(m)] if w > 1 else [[v] for v in seg]
        fins = [[v for v in c if _isfinite(v)] for c in chunks]
        self._x0 += [x + j * w * dx for j in range(m)]
        self._x1 += [x + ((j + 1) * w - 1) * dx for j in range(m)]
        self._n += [w] * m
        self._nf += [len(f) for f in fins]
        self._sum += [math.fsum(f) if f else 0.0 for f in fins]
        self._min += [min(f) if f else math.inf for f in fins]
        self._max += [max(f) if f else -math.inf for f in fins]
        self._fill = w
        finite = sum(len(f) for f in fins)
        self.count += len(seg)
        self.nonfinite += len(seg) - finite
        self.last = seg[-1]
        self.last_x = x + (len(seg) - 1) * dx

    def _add_chunk(self, x: float, dx: float, ys: list[float]) -> None:
        """ys fit in the open bucket (or start a new one)."""
        k = len(ys)
        fin = [v for v in ys if _isfinite(v)]
        nf = len(fin)
        x_last = x + (k - 1) * dx
        if not self._n or self._fill == self.width:
            self._x0.append(x)
            self._x1.append(x_last)
            self._n.append(k)
            self._nf.append(nf)
            self._sum.append(math.fsum(fin) if nf else 0.0)
            self._min.append(min(fin) if nf else math.inf)
            self._max.append(max(fin) if nf else -math.inf)
            self._fill = k
        else:
            j = len(self._n) - 1
            self._x1[j] = x_last
            self._n[j] += k
            if nf:
                self._nf[j] += nf
                self._sum[j] += math.fsum(fin)
                self._min[j] = min(self._min[j], min(fin))
                self._max[j] = max(self._max[j], max(fin))
            self._fill += k
        self.count += k
        self.nonfinite += k - nf
        self.last = ys[-1]
        self.last_x = x_last
        if self._fill == self.width and len(self._n) >= self.capacity:
            self._compact()

    def _compact(self) -> None:
        """Merge neighbouring buckets pairwise (all are full when this runs)."""
        def pairs(a, f):
            return [f(a[i], a[i + 1]) for i in range(0, len(a) - 1, 2)]

        self._x0 = self._x0[0::2]
        self._x1 = self._x1[1::2]
        self._n = pairs(self._n, int.__add__)
        self._nf = pairs(self._nf, int.__add__)
        self._sum = pairs(self._sum, float.__add__)
        self._min = pairs(self._min, min)
        self._max = pairs(self._max, max)
        self.width *= 2
        self._fill = self.width

    def view(self, max_points: int) -> View:
        """The history in at most `max_points` groups of consecutive buckets (all of them if fewer)."""
        nb = len(self._n)
        if nb == 0 or max_points < 1:
            return View([], [], [], [], [])
        g = max(1, math.ceil(nb / max_points))
        xs, means, los, his, ns = [], [], [], [], []
        for s in range(0, nb, g):
            e = min(nb, s + g)
            nf = sum(self._nf[s:e])
            xs.append((self._x0[s] + self._x1[e - 1]) / 2)
            ns.append(sum(self._n[s:e]))
            if nf:
                means.append(sum(self._sum[s:e]) / nf)
                los.append(min(self._min[s:e]))
                his.append(max(self._max[s:e]))
            else:
                means.append(math.nan)
                los.append(math.nan)
                his.append(math.nan)
        return View(xs, means, los, his, ns)

    @property
    def x_range(self) -> tuple[float, float] | None:
        if not self._n:
            return None
        return self._x0[0], self._x1[-1]


def smoothing_span(n_points: int) -> float:
    """The EMA span (in points) that suits a curve of n points: about a fortieth of it, at least 10."""
    return max(10.0, n_points / 40.0)


def ema(points: View | Sequence[float], span: float) -> list[float]:
    """Exponential moving average with alpha = 2 / (span + 1), of a view's group means (a group of
    n points decays the average by (1 - alpha) ** n, as if applied point by point) or of plain
    values (one point each). Bias-corrected (like Adam's moments), so the curve does not start from
    zero. Groups or values that are not finite keep the previous average (nan before the first one)."""
    if isinstance(points, View):
        means, counts = points.mean, points.n
    else:
        means, counts = points, repeat(1)
    alpha = 2.0 / (span + 1.0)
    keep = 1.0 - alpha
    avg = norm = 0.0
    out = []
    for m, n in zip(means, counts):
        if _isfinite(m) and n > 0:
            w = keep ** n
            avg = w * avg + (1.0 - w) * m
            norm = w * norm + (1.0 - w)
        out.append(avg / norm if norm > 0 else math.nan)
    return out


def envelope(view: View) -> tuple[list[float], list[float]]:
    """Points for the raw curve: each group's smallest and largest value at its x (one point when
    they are equal), so a downsampled noisy curve keeps its spread instead of being averaged away."""
    xs, ys = [], []
    for x, lo, hi in zip(view.x, view.lo, view.hi):
        if not _isfinite(lo):
            continue
        xs.append(x)
        ys.append(lo)
        if hi != lo:
            xs.append(x)
            ys.append(hi)
    return xs, ys


def band(xs: Sequence[float], lo: Sequence[float], hi: Sequence[float], x_range: tuple[float, float],
         y_range: tuple[float, float], cols: int, rows: int) -> tuple[list[float], list[float]]:
    """Points that shade a min-max band on a canvas of about cols x rows cells: for each column, its
    groups' smallest and largest value (interpolated between the neighbouring groups where a column
    has none of its own), clipped to y_range, filled at half a cell's spacing both ways so that no
    cell inside the band is missed. At most about 4 x cols x rows points."""
    pts = sorted((x, a, b) for x, a, b in zip(xs, lo, hi) if _isfinite(x) and _isfinite(a) and _isfinite(b))
    (x0, x1), (y0, y1) = x_range, y_range
    if not pts or cols < 1 or rows < 1 or not x1 > x0 or not y1 > y0:
        return [], []
    px = [p[0] for p in pts]
    n_cols, dy = 2 * cols, (y1 - y0) / (2 * rows)
    dx = (x1 - x0) / n_cols
    out_x: list[float] = []
    out_y: list[float] = []
    for c in range(n_cols):
        a = x0 + c * dx
        i, j = bisect_left(px, a), bisect_left(px, a + dx)
        if j > i:
            low, high = min(p[1] for p in pts[i:j]), max(p[2] for p in pts[i:j])
        elif 0 < i < len(pts):  # between two groups: their ranges, interpolated
            (xa, la, ha), (xb, lb, hb) = pts[i - 1], pts[i]
            t = (a + dx / 2 - xa) / (xb - xa) if xb > xa else 0.0
            low, high = la + t * (lb - la), ha + t * (hb - ha)
        else:
            continue  # before the first group or after the last
        low, high = max(low, y0), min(high, y1)
        if high < low:
            continue
        k = int((high - low) / dy) + 1
        xc = a + dx / 2
        for r in range(k + 1):
            out_x.append(xc)
            out_y.append(low + (high - low) * r / k)
    return out_x, out_y


def finite_points(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    """The (x, y) pairs whose x and y are finite numbers."""
    pairs = [(x, y) for x, y in zip(xs, ys) if y is not None and _isfinite(y) and _isfinite(x)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def log10_points(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """(x, log10 y) for the pairs whose y is finite and positive (a log scale has no place for the rest)."""
    pairs = [(x, math.log10(y)) for x, y in zip(xs, ys) if y is not None and _isfinite(y) and y > 0]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def downsample(xs: Sequence[float], ys: Sequence[float], n: int) -> tuple[list[float], list[float]]:
    """Plain lists cut to at most n points: consecutive buckets averaged over their finite values
    (x: the bucket's last x). Cost O(len(xs))."""
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
