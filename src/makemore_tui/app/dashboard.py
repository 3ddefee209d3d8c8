"""The training view: loss chart, samples, parameter table and shapes, laid out for the room it has
(the terminal less the status line, the footer and, when shown, the divergence banner).

- large (at least 120x31, so a 120x34 terminal): all four panes in a grid;
- medium (at least 60x18, so 80x24): the chart on top and one detail pane below (parameters,
  shapes or samples; keys 2, 3, 4 choose);
- small: one pane fills the view (keys 1-4 choose).
"""

from __future__ import annotations

from textual.containers import Container

from .loss_chart import LossChart
from .pane import Pane
from .param_table import ParamTable
from .sample_panel import SamplePanel
from .shapes_pane import ShapesPane

LARGE, MEDIUM, SMALL = "large", "medium", "small"
PANES = ("chart", "samples", "params", "shapes")  # grid order: top-left, top-right, bottom-left, bottom-right


def layout_for(width: int, height: int) -> str:
    """The layout for a dashboard of this size."""
    if width >= 120 and height >= 31:
        return LARGE
    if width >= 60 and height >= 18:
        return MEDIUM
    return SMALL


class Dashboard(Container):
    DEFAULT_CSS = """
    Dashboard { layout: grid; height: 1fr; }
    Dashboard.-large { grid-size: 2 2; grid-columns: 3fr 2fr; grid-rows: 1fr 13; }
    Dashboard.-medium { grid-size: 1 2; grid-rows: 1fr 11; }
    Dashboard.-small { grid-size: 1 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = ""
        self.detail = "params"  # the pane under the chart in the medium layout
        self.solo = "chart"  # the pane shown alone in the small layout

    def compose(self):
        yield LossChart(id="chart")
        yield SamplePanel(id="samples")
        yield ParamTable(id="params")
        yield ShapesPane(id="shapes")

    def on_resize(self, event) -> None:
        self.apply_layout(layout_for(event.size.width, event.size.height))

    @property
    def panes(self) -> list[Pane]:
        return list(self.query_children(Pane))

    def pane(self, name: str) -> Pane:
        return self.query_one(f"#{name}", Pane)

    def select(self, name: str) -> None:
        """Bring a pane into view (keys 1-4, and sampling shows the samples)."""
        if name != "chart":
            self.detail = name
        self.solo = name
        self.apply_layout(self.mode or MEDIUM, force=True)

    def is_shown(self, name: str) -> bool:
        return bool(self.pane(name).display)

    def apply_layout(self, mode: str, force: bool = False) -> None:
        if mode == self.mode and not force:
            return
        self.mode = mode
        for m in (LARGE, MEDIUM, SMALL):
            self.set_class(m == mode, f"-{m}")
        if mode == LARGE:
            shown = set(PANES)
        elif mode == MEDIUM:
            shown = {"chart", self.detail}
        else:
            shown = {self.solo}
        for name in PANES:
            p = self.pane(name)
            p.display = name in shown
