"""Confusion over the dev set: which characters the classifier gets wrong, and as what.

Every few seconds the weights are copied between two training steps and a worker runs the copy
over the dev split's evaluation sample (the whole split when it is smaller, as on names; the
examples the dev loss is taken over): the argmax prediction against the true next character, counted in a
V x V table. Shown: the accuracy, the top confusions, and the table itself as a heat map (rows:
true character, normalised; columns: predicted). The heat map fits the pane: narrower cells, then
only the most frequent characters (the caption says how many of how many), so that it never runs
off the screen, at 80x24 or with a vocabulary of a hundred symbols."""

from __future__ import annotations

import math

from rich.console import Group
from rich.text import Text
from textual.containers import Container, VerticalScroll

from ...cells import cell_len
from ...insight.base import InsightError, snapshot
from ...insight.confusion import Confusion, confusion
from ...insight.render import EIGHTHS, confusion_summary, heat_symbols, heat_table, show_char
from .pane import InsightPane, in_training_thread
from .text import InsightText


ROW_SUFFIX = 16  # " 100.0% of 12,345" after each row of the heat map


def recall_strip(c: Confusion, width: int = 10_000) -> Text:
    """One character per symbol: how often its examples are predicted right, as a shade (as many
    symbols as `width` allows, then …)."""
    out = Text("recall  ")
    used = 9  # cells, the ellipsis's included
    for k, (ch, r) in enumerate(zip(c.chars, c.recall())):
        used += cell_len(show_char(ch)) + 1
        if used > width and k < len(c.chars) - 1:
            out.append("…", style="dim")
            break
        out.append(show_char(ch), style="bold")
        out.append(EIGHTHS[round((r or 0.0) * 8)] if r is not None else "·", style="green")
    return out


def heat_fit(V: int, width: int, height: int) -> tuple[int, int | None, int | None]:
    """(cell width, rows, columns) of a heat map that fits width x height cells (None: all)."""
    cell = 2 if 4 + 2 * V + ROW_SUFFIX <= width else 1
    n_cols = max(4, (width - 4 - ROW_SUFFIX) // cell)
    n_rows = max(3, height)
    return cell, (n_rows if n_rows < V else None), (n_cols if n_cols < V else None)


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
        if run.data is None:  # attached to a run whose words could not be read again
            raise InsightError("the confusion needs the run's dev words, which could not be read again")
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
        tall = wide or self.size.height >= 40
        k = 12 if tall else (4 if self.size.height >= 24 else 2)
        head = Text(f"step {step:,}: ", style="dim")
        head.append_text(confusion_summary(c, k=k))
        parts = [head]
        inner_w = max(20, self.size.width)
        if not wide:
            parts.append(recall_strip(c, inner_w))
        top.set(Group(*parts), lines=(k, wide))
        top_rows = 0 if wide else 3 + k  # the summary, its heading and the recall strip
        heat_w = 78 if wide else inner_w
        V = len(c.chars)

        def caption(n_rows: int, n_cols: int) -> str:
            what_rows = "true next character" + ("" if n_rows == V else f" ({n_rows} commonest of {V})")
            what_cols = "predicted (argmax)" if n_cols == V else f"predicted ({n_cols} of {V})"
            return f"rows: {what_rows} · columns: {what_cols} · shade: share of the row"

        caption_rows = math.ceil(len(caption(V - 1, V - 1)) / heat_w)  # at its longest
        cell, n_rows, n_cols = heat_fit(V, heat_w, self.size.height - top_rows - caption_rows - 1)
        rows, cols = heat_symbols(c, n_rows, n_cols)
        heat.set(Group(Text(caption(len(rows), len(cols)), style="dim"), heat_table(c, cell, rows, cols)),
                 lines=(len(rows), len(cols)))
        self.border_subtitle = f"{c.n:,} dev examples"
