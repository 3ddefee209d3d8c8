"""Charts of the insight views drawn with plotext. Each draw_* function draws onto the plot object
it is given: the `plotext` module itself (the command line, `chart_text`) or a textual-plotext
Plot (the app, which builds it in a worker thread). Every series is cut down to about twice the
chart's width first, so drawing costs the same whatever the run length. Logarithmic axes are drawn
as log10 values (plotext's own log scale is not used)."""

from __future__ import annotations

import math
from typing import Callable, Sequence

from rich.text import Text

from ..cells import one_cell
from ..printable import printable
from ..series import downsample, ema, finite_points
from ..ticks import log_ticks, x_ticks
from .compare import RunRecord
from .embedding import VOWELS, EmbeddingMap
from .health import RATIO_GUIDE, RatioHistory
from .lr_finder import LRFind

PARAM_COLORS = ("cyan", "magenta", "green", "orange", "red", "blue", "yellow")
RUN_COLORS = ("cyan", "orange", "green", "magenta", "red", "blue", "yellow", "white")  # by column, as in run_table
# Each series has a mark of its own as well as a colour, so that the charts read without colour
# (NO_COLOR, a monochrome terminal): lines of braille, then of these characters; dev points by run.
LINE_MARKERS = ("braille", "•", "+", "x", "*", "o", "=", "#")
DEV_MARKERS = ("◆", "■", "▲", "●", "▼", "★", "♦", "○")
STEP_TICK_COLS = 14  # columns per step tick
VOWEL_COLOR, CONSONANT_COLOR, BOUNDARY_COLOR = "orange", "cyan", "red"


def rich_color(color: str) -> str:
    """A plotext colour name as rich names it (plotext's orange is rich's dark_orange), for text
    beside a chart in the chart's colours."""
    return "dark_orange" if color == "orange" else color


def chart_text(draw: Callable[[object], None], width: int, height: int) -> Text:
    """A chart for the command line: draw(plotext) with plotext's own module-level figure, built
    at width x height in the terminal's own colours."""
    import plotext

    plotext.clf()
    draw(plotext)
    plotext.plotsize(width, height)
    plotext.theme("clear")
    return Text.from_ansi(plotext.build())


def _reset(plt) -> None:
    """Start from an empty figure (data, limits and labels); the widget sets its size and theme
    again on every render, the command line after drawing."""
    plt.clear_figure()


def draw_lr_find(plt, r: LRFind | None, width: int = 80, progress: tuple[list[float], list[float]] | None = None) -> None:
    """Loss against log10(lr): raw (dim) and smoothed, with the minimum and the suggestion marked.
    `progress` (log10 rates, losses so far) draws a sweep still under way."""
    _reset(plt)
    plt.title("learning-rate finder: loss vs log10(lr)")
    plt.xlabel("log10 learning rate")
    n = max(16, 2 * width)
    if r is None:
        if progress and progress[0]:
            xs, ys = downsample(progress[0], progress[1], n)
            plt.plot(*finite_points(xs, ys), color="gray", marker="braille", label="loss (running)")
        plt.xlim(-3, 0)
        return
    k = len(r.losses)
    xs, ys = downsample(r.log10_lrs[:k], r.losses, n)
    plt.scatter(*finite_points(xs, ys), color="gray", marker="·", label="loss")
    xs, ys = downsample(r.log10_lrs[:k], r.smoothed, n)
    plt.plot(*finite_points(xs, ys), color="cyan", marker="braille", label=f"smoothed ({r.window} steps)")
    plt.vline(math.log10(r.min_lr), "red")
    plt.vline(math.log10(r.suggested_lr), "green")
    finite = [y for y in r.smoothed if math.isfinite(y)]
    if finite:  # keep the huge first losses of a plain-randn init from flattening the valley
        lo = min(finite)
        hi = min(max(finite), lo + max(1.0, 4 * (sorted(finite)[len(finite) // 2] - lo)))
        plt.ylim(lo - 0.05 * (hi - lo), hi)
        # the two lines named where they stand (their colours alone would not tell them apart)
        plt.text("min", math.log10(r.min_lr), lo + 0.02 * (hi - lo), color="red", alignment="left")
        plt.text("suggested", math.log10(r.suggested_lr), lo + 0.12 * (hi - lo), color="green", alignment="right")
    plt.xlim(r.log10_lrs[0], r.log10_lrs[-1])


WIDE_MARK = "◆"  # on the embedding map, a symbol wider (or narrower) than one cell


def draw_embedding(plt, e: EmbeddingMap) -> None:
    """Each symbol at its (x, y): vowels orange, consonants cyan, the boundary (index 0, its mark) red."""
    _reset(plt)
    axis = "C[:, 0] / C[:, 1]" if e.method == "C" else f"PCA of C ({e.n_embd}-d)"
    plt.title(f"embedding map: {axis}")
    xs, ys = finite_points(e.xs, e.ys)
    if not xs:
        return
    plt.scatter(xs, ys, marker=" ")  # sets the axes' range; the labels below are the points
    for i, (ch, x, y) in enumerate(zip(e.chars, e.xs, e.ys)):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        color = BOUNDARY_COLOR if i == 0 else (VOWEL_COLOR if ch in VOWELS else CONSONANT_COLOR)
        # plotext places a label a code point a cell: a symbol that is not one cell (CJK, an emoji,
        # a letter with its marks) would tear its row, so it is drawn as a mark (WIDE_MARK); a
        # control character as its escape (printable.py: one cell a character)
        label = printable(ch) if printable(ch) != ch else (ch if one_cell(ch) else WIDE_MARK)
        plt.text(label, x, y, color=color, alignment="center")
    pad_x = 0.08 * ((max(xs) - min(xs)) or 1.0)
    pad_y = 0.08 * ((max(ys) - min(ys)) or 1.0)
    plt.xlim(min(xs) - pad_x, max(xs) + pad_x)
    plt.ylim(min(ys) - pad_y, max(ys) + pad_y)


def _step_axis(plt, xs: Sequence[float], width: int) -> None:
    if xs:
        lo, hi = min(xs), max(xs)
        if hi > lo:
            plt.xticks(*x_ticks(lo, hi, width, STEP_TICK_COLS))


def draw_ratios(plt, hist: RatioHistory | dict, width: int = 80) -> None:
    """log10 update-to-data ratio per parameter over the steps, with lecture 3's -3 guide line.
    `hist` is a RatioHistory or its view(): name -> (steps, log10 ratios)."""
    _reset(plt)
    plt.title("log10 update:data ratio per parameter (guide -3)")
    plt.xlabel("step")
    n = max(16, 2 * width)
    every: list[float] = []
    all_x: list[float] = []
    points = hist if isinstance(hist, dict) else hist.view(n)
    for i, (name, (xs, ys)) in enumerate(points.items()):
        xs, ys = finite_points(*downsample(xs, ys, n))
        if xs:
            plt.plot(xs, ys, color=PARAM_COLORS[i % len(PARAM_COLORS)], marker=LINE_MARKERS[i % len(LINE_MARKERS)],
                     label=name)
            every += ys
            all_x += xs
    plt.hline(RATIO_GUIDE, "red")
    lo, hi = min(every + [RATIO_GUIDE - 0.3]), max(every + [RATIO_GUIDE + 0.3])  # the guide always shows
    plt.ylim(lo - 0.1, hi + 0.1)
    _step_axis(plt, all_x, width)


def draw_runs(plt, runs: Sequence[RunRecord], width: int = 80, val: bool = True, height: int = 20) -> None:
    """The runs' train losses (log10, smoothed lines) and dev losses (points) against the step; the
    y axis labelled in losses at round values, as the loss chart's log scale is (ticks.log_ticks)."""
    _reset(plt)
    plt.title("runs: loss (log scale) vs step (lines: train, smoothed; marks: dev)")
    plt.xlabel("step")
    n = max(16, 2 * width)
    all_x: list[float] = []
    all_y: list[float] = []
    for i, r in enumerate(runs):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        line, mark = LINE_MARKERS[i % len(LINE_MARKERS)], DEV_MARKERS[i % len(DEV_MARKERS)]
        ys = [math.log10(v) if v > 0 else float("nan") for v in r.train_loss]
        xs, ys = finite_points(*downsample(r.steps, ys, n))
        ys = ema(ys, max(3.0, len(ys) / 40))
        all_x += xs
        all_y += ys
        if xs:
            plt.plot(xs, ys, color=color, marker=line, label=r.name[:24])
        if val and r.val_loss:
            vy = [math.log10(v) if v > 0 else float("nan") for v in r.val_loss]
            vx, vy = finite_points(*downsample(r.val_steps, vy, max(8, n // 12)))  # thinned: the line shows
            all_y += vy
            if vx:
                plt.scatter(vx, vy, color=color, marker=mark, label=f"{r.name[:18]} dev")
    _step_axis(plt, all_x, width)
    _log_loss_axis(plt, all_y, height)


def _log_loss_axis(plt, log_ys: Sequence[float], height: int) -> None:
    """A y axis of log10 losses with ticks at round losses (2, 2.5, 3, ...), as the loss chart's."""
    ys = [y for y in log_ys if math.isfinite(y)]
    if not ys:
        return
    lo, hi = min(ys), max(ys)
    if hi - lo < 1e-6:
        lo, hi = lo - 0.05, hi + 0.05
    pad = 0.03 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    plt.ylim(lo, hi)
    plt.yticks(*log_ticks(10 ** lo, 10 ** hi, max(4, height - 4)))
