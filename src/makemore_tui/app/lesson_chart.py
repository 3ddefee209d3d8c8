"""A lesson step's line chart (a `page.Chart`): each series a line with a mark of its own, so the
series stay apart without colour (NO_COLOR, a monochrome terminal), built off the UI thread as the
insight charts are (insight/chart.py)."""

from __future__ import annotations

from functools import partial

from ..insight.charts import LINE_MARKERS, PARAM_COLORS
from ..lesson.page import Chart
from ..series import finite_points
from ..ticks import x_ticks
from .insight.chart import InsightChart

CHART_ROWS = 14


def draw_chart(chart: Chart, plt) -> None:
    """Draw `chart` on a plotext figure: series i as LINE_MARKERS[i] in PARAM_COLORS[i], named in the
    legend; values that are not finite (a loss that blew up) are left out."""
    plt.clear_figure()
    plt.title(chart.title)
    plt.xlabel(chart.x_label)
    plt.ylabel(chart.y_label)
    longest = 0
    for i, (name, values) in enumerate(chart.series):
        xs, ys = finite_points([float(x) for x in range(1, len(values) + 1)], [float(v) for v in values])
        longest = max(longest, len(values))
        if xs:
            plt.plot(xs, ys, marker=LINE_MARKERS[i % len(LINE_MARKERS)], color=PARAM_COLORS[i % len(PARAM_COLORS)],
                     label=name)
    if longest > 1:
        plt.xlim(1, longest)
        plt.xticks(*x_ticks(1, longest, 60))


class LessonChart(InsightChart):
    DEFAULT_CSS = f"""
    LessonChart {{ height: {CHART_ROWS}; width: 1fr; margin: 0 0 1 0; }}
    """

    def __init__(self, chart: Chart, **kwargs) -> None:
        super().__init__(**kwargs)
        self.chart = chart

    def on_mount(self) -> None:
        # drawn at the size it gets once laid out (InsightChart draws again on a resize)
        self.plot(partial(draw_chart, self.chart))
