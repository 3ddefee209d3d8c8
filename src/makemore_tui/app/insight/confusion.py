"""Confusion over the dev set: which characters the classifier gets wrong, and as what.

Every few seconds the weights are copied between two training steps and a worker runs the copy
over the dev split's evaluation sample (the whole split when it is smaller, as on names; the
examples the dev loss is taken over): the argmax prediction against the true next character, counted in a
27 x 27 table. Shown: the accuracy, the top confusions, and the table itself as a heat map (rows:
true character, normalised; columns: predicted). The drawing depends on the vocabulary only."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import Container, VerticalScroll

from ...insight.base import snapshot
from ...insight.confusion import Confusion, confusion
from ...insight.render import EIGHTHS, confusion_summary, heat_table, show_char
from .pane import InsightPane, in_training_thread
from .text import InsightText


def recall_strip(c: Confusion) -> Text:
    """One character per symbol: how often its examples are predicted right, as a shade."""
    out = Text("recall  ")
    for ch, r in zip(c.chars, c.recall()):
        out.append(show_char(ch), style="bold")
        out.append(EIGHTHS[round((r or 0.0) * 8)] if r is not None else "·", style="green")
    return out


class ConfusionPane(InsightPane):
    INTERVAL = 2.0

    DEFAULT_CSS = """
    ConfusionPane #cf-box { height: 1fr; layout: vertical; }
    ConfusionPane #cf-top { height: auto; }
    ConfusionPane #cf-scroll { height: 1fr; }
    ConfusionPane #cf-heat { width: auto; height: auto; }
    ConfusionPane.-wide #cf-box { layout: horizontal; }
    ConfusionPane.-wide #cf-top { width: 1fr; height: 1fr; }
    ConfusionPane.-wide #cf-scroll { width: 78; }
    """

    def compose(self):
        with Container(id="cf-box"):
            yield InsightText(id="cf-top")
            with VerticalScroll(id="cf-scroll"):
                yield InsightText(id="cf-heat")

    def compute(self, run) -> tuple[int, Confusion]:
        step, snap = in_training_thread(run, lambda: (run.trainer.step, snapshot(run.trainer.model)))
        return step, confusion(snap, run.data.eval_split("dev"), None, run.data.vocab, top=12)

    def render_result(self, state) -> None:
        wide = self.size.width >= 130
        self.set_class(wide, "-wide")
        top = self.query_one("#cf-top", InsightText)
        heat = self.query_one("#cf-heat", InsightText)
        if self.error:
            top.set(Text(self.error, style="yellow"))
            return
        if self.result is None:
            top.set(Text("counting the dev set...", style="dim"))
            return
        step, c = self.result
        k = 12 if (wide or self.size.height >= 40) else 4
        head = Text(f"step {step:,}: ", style="dim")
        head.append_text(confusion_summary(c, k=k))
        parts = [head]
        if not wide:
            parts.append(recall_strip(c))
        top.set(Group(*parts), lines=(k, wide))
        heat.set(Group(Text("rows: true next character · columns: predicted (argmax) · shade: share of the row",
                               style="dim"), heat_table(c)), lines=len(c.chars))
        self.border_subtitle = f"{c.n:,} dev examples"
