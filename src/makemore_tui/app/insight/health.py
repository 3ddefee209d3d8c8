"""Activation and gradient health, as in lecture 3, live.

- the hidden tanh activations' histogram, with the share of saturated outputs (|h| > 0.97) and the
  units dead across the batch (|h| > 0.99 for every example);
- each parameter's gradient: mean, std, grad:data ratio and a histogram;
- log10 of each parameter's update-to-data ratio over the run, with the -3 guide line, from the
  trainer's ParamStats events (kept in a bounded history: app/state.py's `ratios`).

The weights are copied in the training thread between two steps; the forward and backward pass on
a fixed batch (the same examples every time) happen on the copy in a worker."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Container

from ...insight.base import snapshot
from ...insight.charts import draw_ratios
from ...insight.health import Health, RatioHistory, fixed_batch, health
from ...insight.render import grads_text, layer_text
from .chart import InsightChart
from .pane import InsightPane, in_training_thread
from .text import InsightText


def no_ratios_reason(attached: bool) -> str:
    """Why the update:data chart is empty."""
    if attached:
        return ("log10 update:data ratios over the run: none here. They are measured at the steps the app "
                "itself trains, and this run trains in another process; the histograms and gradients above "
                "come from its latest checkpoint.")
    return "log10 update:data ratios over the run: they appear after the first steps (the parameter table's statistics)."


class HealthPane(InsightPane):
    INTERVAL = 0.5

    DEFAULT_CSS = """
    HealthPane { padding: 0; }
    HealthPane #health-box { height: 1fr; layout: vertical; }
    HealthPane #health-text { height: auto; padding: 0 1; }
    HealthPane #health-plot { height: 1fr; min-height: 6; }
    HealthPane.-wide #health-box { layout: horizontal; }
    HealthPane.-wide #health-text { width: 84; height: 1fr; }
    HealthPane.-wide #health-plot { width: 1fr; }
    """

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self._batch = None  # (run, X, Y): the fixed batch of this run

    def compose(self):
        with Container(id="health-box"):
            yield InsightText(id="health-text")
            yield InsightChart(id="health-plot")

    def compute(self, run) -> tuple[int, Health]:
        if self._batch is None or self._batch[0] is not run:
            X, Y = fixed_batch(run.data.eval_split("train"), None, run.cfg.batch_size, seed=run.cfg.seed)
            self._batch = (run, X, Y)
        _, X, Y = self._batch
        step, snap = in_training_thread(run, lambda: (run.trainer.step, snapshot(run.trainer.model)))
        return step, health(snap, X, Y, copy_model=False)

    def draw_key(self, state) -> tuple:
        return (self.throttled(state.versions.get("params", 0), 1.0),)

    def history(self, state) -> RatioHistory:
        return state.ratios  # the app's state keeps the run's history (state.RunState)

    def render_result(self, state) -> None:
        wide = self.size.width >= 130
        self.set_class(wide, "-wide")
        text = self.query_one("#health-text", InsightText)
        plot = self.query_one("#health-plot", InsightChart)
        width = max(16, plot.size.width - 8)
        hist = self.history(state)
        if hist.count:
            points = hist.view(2 * width)  # a copy: the chart is drawn in a worker
            plot.plot(lambda plt: draw_ratios(plt, points, width))
        else:
            plot.show_text(Text(no_ratios_reason(state.attached), style="dim"))
        if self.error:
            text.set(Text(self.error, style="yellow"))
            return
        if self.result is None:
            text.set(Text("waiting for the model...", style="dim"))
            return
        step, h = self.result
        out = Text()
        tall = self.size.height >= 40 or wide
        if not h.layers:
            out.append("this model has no squashing layer\n")
        shown = h.layers if tall else h.layers[:1]
        for layer in shown:
            width = 40 if wide else max(20, min(60, self.size.width - 8))
            out.append_text(layer_text(h, layer, width=width, height=6 if tall else 3))
            out.append("\n")
        if len(shown) < len(h.layers):
            out.append(f"(+{len(h.layers) - len(shown)} more layers on a taller terminal)\n", style="dim")
        limit = None if tall else 5
        out.append_text(grads_text(h, limit=limit, header=tall))
        text.set(out)
        self.border_subtitle = f"step {step:,} · batch of {h.batch_size} · loss {h.loss:.3f}"
