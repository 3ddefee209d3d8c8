"""Axis ticks for the charts: round numbers (1, 2 or 5 times a power of ten) for a step axis, a
loss axis and a log10 loss axis, sized to the chart's columns or rows. Pure Python; used by the
app's loss chart and the insight views' charts alike."""

from __future__ import annotations

import math


def nice_step(span: float, target: int) -> float:
    """A step of 1, 2 or 5 times a power of ten that cuts `span` into about `target` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, target)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def finer_step(step: float) -> float:
    """The next smaller step of the 1-2-5 sequence (1 -> 0.5, 2 -> 1, 5 -> 2)."""
    mag = 10 ** math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / mag)
    return {1: 0.5, 2: 1.0, 5: 2.0}.get(mantissa, 0.5) * mag


def step_label(x: float) -> str:
    """A step number for an axis: 1.5k, 20k, 1.2M."""
    if abs(x) >= 1_000_000:
        return f"{x / 1_000_000:g}M"
    if abs(x) >= 1_000:
        return f"{x / 1_000:g}k"
    return f"{x:g}"


def x_ticks(lo: float, hi: float, width: int, cols_per_tick: int = 12) -> tuple[list[float], list[str]]:
    """Ticks for a step axis `width` columns wide: round steps, about one per `cols_per_tick`
    columns (2 to 8 of them), labelled by step_label."""
    span = hi - lo
    step = nice_step(span, max(2, min(8, width // cols_per_tick)))
    start = math.ceil(lo / step) * step
    ticks = []
    x = start
    while x <= hi + 1e-9 * max(1.0, span) and len(ticks) < 20:
        ticks.append(x)
        x += step
    return ticks, [step_label(t) for t in ticks]


def y_ticks(lo: float, hi: float, height: int) -> tuple[list[float], list[str]]:
    """Round-numbered ticks, at least two (three when there is room), about one every three rows."""
    target = max(2, min(6, height // 3))
    step = nice_step(hi - lo, target)
    for _ in range(6):
        ticks = []
        y = math.ceil(lo / step) * step
        while y <= hi + 1e-12 and len(ticks) < 20:
            ticks.append(y)
            y += step
        if len(ticks) >= min(3, target):
            break
        step = finer_step(step)
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return ticks, [f"{t:.{decimals}f}" for t in ticks]


LOG_CANDIDATES = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)


def log_ticks(lo: float, hi: float, height: int) -> tuple[list[float], list[str]]:
    """Ticks for a log10 axis spanning losses lo..hi (both > 0): positions in log10, labels in losses."""
    values = []
    for k in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        values += [c * 10 ** k for c in LOG_CANDIDATES]
    inside = [v for v in values if lo <= v <= hi]
    target = max(2, min(8, height // 3))
    if len(inside) > target:
        stride = math.ceil(len(inside) / target)
        inside = inside[::stride]
    if not inside:
        inside = [lo, hi]
    return [math.log10(v) for v in inside], [f"{v:g}" for v in inside]
