"""The sweep view's two charts: the best dev loss so far against time, and the dev-loss curves of
the best few trials overlaid (each against its own seconds). Drawn with the loss chart's ChartPlot;
`log` plots log10 of the losses (ticks labelled with the losses), never plotext's own log scale.
"""

from __future__ import annotations

import math

from textual.color import Color
from textual.widgets import Static

from ..series import log10_points
from .loss_chart import ChartPlot
from .pane import Pane

PALETTE = ("primary", "warning", "success", "secondary", "error")  # theme variables, best trial first


def theme_color(app, variable: str, fallback=(128, 128, 128)):
    """A colour for plotext from a theme variable: an ANSI index for ANSI themes, else (r, g, b)."""
    try:
        c = Color.parse(app.theme_variables.get(variable, ""))
    except Exception:
        return fallback
    if c.ansi is not None:
        return "default" if c.ansi < 0 else c.ansi
    return c.rgb


def _range(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


class SweepChart(Pane):
    """A pane holding one ChartPlot, fed series of (x, y) points."""

    PANE_TITLE = ""
    EMPTY = "waiting for the first complete trial..."
    DEFAULT_CSS = """
    SweepChart { padding: 0 1 0 0; height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.log_scale = False
        self.drawn: list[tuple[list[float], list[float]]] = []  # what was last plotted (tests read it)

    def compose(self):
        plot = ChartPlot()
        plot.empty_text = self.EMPTY
        yield plot

    @property
    def plot(self) -> ChartPlot:
        return self.query_one(ChartPlot)

    def show(self, series: list[tuple[list[tuple[float, float]], str, str]], legend: str = "") -> None:
        """series: (points, theme variable for its colour, marker)."""
        plot = self.plot
        plt = plot.plt
        plt.clear_data()
        self.drawn = []
        xs_all, ys_all = [], []
        for points, color, marker in series:
            xs = [x for x, y in points if math.isfinite(y)]
            ys = [y for x, y in points if math.isfinite(y)]
            if self.log_scale:
                xs, ys = log10_points(xs, ys)
            if not xs:
                continue
            self.drawn.append((xs, ys))
            plt.plot(xs, ys, marker=marker, color=theme_color(self.app, color))
            xs_all += xs
            ys_all += ys
        plot.has_data = bool(xs_all)
        if xs_all:
            x_lo, x_hi = min(0.0, min(xs_all)), max(xs_all)
            plot.axes = {"y": _range(ys_all), "x": (x_lo, x_hi if x_hi > x_lo else x_lo + 1), "log": self.log_scale}
        else:
            plot.axes = None
        self.set_title(" · log10" if self.log_scale else "")
        self.border_subtitle = legend
        plot.invalidate()


class BestSoFarChart(SweepChart):
    PANE_TITLE = "Best dev loss so far · seconds"

    def draw(self, points: list[tuple[float, float]]) -> None:
        # a step line: the best holds until the next improvement
        steps: list[tuple[float, float]] = []
        for x, y in points:
            if steps:
                steps.append((x, steps[-1][1]))
            steps.append((x, y))
        self.show([(steps, "primary", "braille")])


class CurvesChart(SweepChart):
    PANE_TITLE = "Dev loss of the best trials · seconds"

    def draw(self, curves: list[tuple[int, list[tuple[float, float]]]]) -> None:
        """curves: (trial number, its points), best first."""
        series, legend = [], []
        for (number, points), var in zip(curves, PALETTE):
            series.append((points, var, "braille"))
            legend.append(f"[{self.app.theme_variables.get(var, 'white')}]━[/] #{number}")
        self.show(series, "  ".join(legend))


class SweepTitle(Static):
    """One line: the study, the counts, the best trial."""

    DEFAULT_CSS = """
    SweepTitle { height: 1; padding: 0 1; background: $panel; color: $text; }
    """
