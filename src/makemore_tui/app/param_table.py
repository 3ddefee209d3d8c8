"""Each parameter with its shape and size, and the live gradient norm and update-to-data ratio."""

from __future__ import annotations

import math

from textual.widgets import Static

from .pane import Pane, set_text
from .state import RunState
from .text import columns, sci, shape_str, short, table_width

# Lecture 3's rule of thumb: updates about 1e-3 of the data are healthy; far above, the step is too
# large; far below, the parameter is barely learning.
RATIO_HIGH, RATIO_LOW = 1e-2, 1e-4


def ratio_style(r: float | None) -> str:
    if r is None or not math.isfinite(r):
        return ""
    if r > RATIO_HIGH:
        return "$warning"
    if r < RATIO_LOW:
        return "dim"
    return "$success"


class ParamTable(Pane):
    PANE_TITLE = "Parameters"
    PANE_KEY = "2"
    SECTIONS = ("params", "run")
    DEFAULT_CSS = """
    ParamTable #param-body { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    MIN_INTERVAL = 1.0  # the stats change ten times a second; once a second is as fast as anyone reads them

    def compose(self):
        yield Static(id="param-body")

    def _table(self, state: RunState, cols, total: int, max_rows: int) -> tuple[list[list[str]], list[list[str]]]:
        rows = [[c[0] for c in cols]]
        styles = [["bold"] * len(cols)]
        params = state.params
        shown = params if len(params) + 2 <= max_rows else params[: max(1, max_rows - 3)]
        for p in shown:
            st = state.stats.get(p.name)
            rows.append([c[2](p, st) for c in cols])
            styles.append([c[3](p, st) for c in cols])
        if len(shown) < len(params):  # a deep model in a small pane: say how many are left out
            rest = params[len(shown):]
            more = {"param": f"+{len(rest)} more", "count": f"{sum(p.numel for p in rest):,}"}
            rows.append([more.get(c[0], "") for c in cols])
            styles.append(["dim"] * len(cols))
        totals = {"param": "total", "count": f"{total:,}", "share": "100%"}
        rows.append([totals.get(c[0], "") for c in cols])
        styles.append(["bold" if c[0] in ("param", "count") else "dim" for c in cols])
        return rows, styles

    def draw(self, state: RunState) -> None:
        body = self.query_one("#param-body", Static)
        if not state.params:
            set_text(body, "[dim]waiting for the model...[/]")
            self.border_subtitle = ""
            return
        total = state.n_params or sum(p.numel for p in state.params)
        # columns: (header, align, cell, style), by priority: the last ones go first when narrow
        cols = [
            ("param", "l", lambda p, st: p.name, lambda p, st: "$text-accent"),
            ("shape", "l", lambda p, st: shape_str(p.shape), lambda p, st: ""),
            ("|grad|", "r", lambda p, st: short(st.grad_norm) if st else "--", lambda p, st: ""),
            ("update/data", "r", lambda p, st: sci(st.update_ratio) if st else "--",
             lambda p, st: ratio_style(st.update_ratio if st else None)),
            ("count", "r", lambda p, st: f"{p.numel:,}", lambda p, st: ""),
            ("|data|", "r", lambda p, st: short(st.data_norm) if st else "--", lambda p, st: ""),
            ("share", "r", lambda p, st: f"{100 * p.numel / total:.1f}%" if total else "", lambda p, st: "dim"),
        ]
        order = ["param", "shape", "count", "|grad|", "update/data", "|data|", "share"]  # left to right
        width = self.size.width
        for n in range(len(cols), 2, -1):
            chosen = sorted(cols[:n], key=lambda c: order.index(c[0]))
            rows, styles = self._table(state, chosen, total, max(3, self.size.height or 1000))
            if table_width(rows) <= width:
                break
        lines = columns(rows, "".join(c[1] for c in chosen), styles=styles)
        room = self.size.height - len(lines)
        if room >= 2 and self.size.width >= 44:
            note = ("gradients live in the run's own process: attached, only shapes and counts"
                    if state.attached and not state.stats else "update/data near 1e-3 is healthy (lecture 3)")
            lines += ["", f"[dim]{note}[/]"]
        set_text(body, "\n".join(lines))
        self.border_subtitle = f"stats at step {state.stats_step:,}" if state.stats else ""
