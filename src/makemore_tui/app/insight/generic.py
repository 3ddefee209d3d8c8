"""The pane of an insight view without a pane of its own: the spec's numbers and text, live.

Its worker copies the weights between two training steps, computes the spec's numbers on the copy
(spec.compute, given a views.Subject) and makes their text at the pane's width (spec.render); the UI
thread only shows the finished text. It recomputes as training goes on, and when its width changes."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll

from ...insight.base import snapshot
from ...insight.views import Subject, resolve
from .pane import InsightPane, in_training_thread
from .text import InsightText


class GenericPane(InsightPane):
    DEFAULT_CSS = """
    GenericPane #generic-scroll { height: 1fr; }
    """

    def compose(self):
        with VerticalScroll(id="generic-scroll"):
            yield InsightText(id="generic-text")

    def text_width(self) -> int:
        return max(20, self.content_size.width - 1)

    def wanted(self, state) -> tuple:
        return super().wanted(state) + (self.text_width(),)

    def compute(self, run):
        spec, width = self.spec, self.text_width()
        step, model = in_training_thread(run, lambda: (run.trainer.step, snapshot(run.trainer.model)))
        data = run.data
        subject = Subject(model, data.vocab, run.cfg, data=data, step=step)
        return resolve(spec.render)(resolve(spec.compute)(subject), width)

    def render_result(self, state) -> None:
        text = self.query_one("#generic-text", InsightText)
        if self.error:
            text.set(Text(self.error, style="yellow"))
        elif self.result is None:
            text.set(Text("computing...", style="dim"))
        else:
            text.set(self.result, lines=self._version)
        self.border_subtitle = f"step {state.step:,}"
