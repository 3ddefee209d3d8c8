"""Next character: type a context and see the classifier's 27-way distribution, live.

The probabilities come from one forward pass of the live model in the training thread (between two
steps), about four times a second while training goes on; the bars are one column per symbol."""

from __future__ import annotations

import math

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Input

from ...cells import cell_len, pad
from ...insight.nextchar import NextChar, context_window, next_char
from ...insight.render import EIGHTHS, prob_bars, show_char, top_line
from .context_input import ContextInput
from .pane import InsightPane, in_training_thread
from .text import InsightText

MAX_CONTEXT = 32


def prob_columns(nc: NextChar, width: int, height: int) -> Text:
    """A vertical bar per symbol (height rows of eighth-blocks, scaled so the likeliest fills it),
    the symbols underneath, the likeliest three highlighted. Built a row at a time with a few style
    spans per row, so it costs well under a millisecond."""
    V = len(nc.chars)
    cell = max(1, min(4, (width - 6) // V))
    gap = 1 if cell >= 2 else 0
    bar = cell - gap if cell > 1 else 1
    peak = max(nc.probs) or 1.0
    top3 = [i for i, ch in enumerate(nc.chars) if ch in {c for c, _ in nc.top[:3]}]
    levels = [round(p / peak * height * 8) for p in nc.probs]
    gap_text = " " * gap
    lines = []
    for row in range(height, 0, -1):
        label = f"{100 * peak:4.0f}% " if row == height else ("   0% " if row == 1 else "      ")
        lines.append(label + "".join(EIGHTHS[max(0, min(8, lv - (row - 1) * 8))] * bar + gap_text for lv in levels))
    out = Text("\n".join(lines))
    offset = 0
    for n in (len(x) + 1 for x in lines):
        out.stylize("dim", offset, offset + 6)
        out.stylize("cyan", offset + 6, offset + n - 1)
        for i in top3:
            a = offset + 6 + i * cell
            out.stylize("bold green", a, a + bar)
        offset += n
    # the symbols under their bars, measured in cells: one wider than its bar is shown as … (the
    # list under the chart names the likeliest whole)
    out.append("\n      ")
    for i, ch in enumerate(nc.chars):
        label = show_char(ch)
        label = label if cell_len(label) <= bar else "…"
        out.append(pad(label, bar, "^"), style="bold" if i in top3 else "")
        out.append(" " * gap)
    return out


class NextCharPane(InsightPane):
    INTERVAL = 0.5

    DEFAULT_CSS = """
    NextCharPane Input { height: 3; margin: 0 0 0 0; border: tall $panel-lighten-2; }
    NextCharPane Input:focus { border: tall $primary; }
    NextCharPane #nc-window { height: auto; color: $text-muted; }
    NextCharPane #nc-row { height: 1fr; }
    NextCharPane #nc-bars { width: 1fr; height: 1fr; }
    NextCharPane #nc-rank { width: 34; height: 1fr; display: none; padding: 0 0 0 2; }
    NextCharPane.-wide #nc-rank { display: block; }
    NextCharPane #nc-top { height: auto; }
    """

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.context = ""

    def compose(self):
        yield ContextInput(placeholder="type a context, e.g. emm (empty: the start of a name)",
                           max_length=MAX_CONTEXT, what="the context", id="nc-input")
        yield InsightText(id="nc-window")
        with Horizontal(id="nc-row"):
            yield InsightText(id="nc-bars")
            yield InsightText(id="nc-rank")
        yield InsightText(id="nc-top")

    def can_type(self, ch: str) -> bool:
        run = self.host.current_run
        return run is None or ch in run.data.vocab.symbols

    def on_shown(self) -> None:
        self.query_one("#nc-input", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        run = self.host.current_run
        vocab = run.data.vocab if run is not None and run.data is not None else None
        has_capitals = vocab is not None and any(c != c.lower() for c in vocab.symbols)
        self.context = event.value.strip() if has_capitals else event.value.strip().lower()
        self.refresh_numbers()
        state = self.host.state
        if state is not None:
            self.update_from(state)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.app.set_focus(None)  # enter: done typing; the app's keys work again

    def wanted(self, state) -> tuple:
        return super().wanted(state) + (self.context,)

    def compute(self, run) -> NextChar:
        context, vocab, block = self.context, run.data.vocab, run.cfg.block_size
        vocab.encode(context)  # unknown characters: DataError, before bothering the trainer
        return in_training_thread(run, lambda: next_char(run.trainer.model, vocab, context, block_size=block))

    def render_result(self, state) -> None:
        run = self.host.current_run
        block = run.cfg.block_size if run is not None else 3
        mark = run.data.vocab.mark if run is not None and run.data is not None else "."
        window = self.query_one("#nc-window", InsightText)
        bars = self.query_one("#nc-bars", InsightText)
        top = self.query_one("#nc-top", InsightText)
        window.set(Text.assemble(
            "the model sees ", (repr(context_window(self.context, block, mark)), "bold"),
            f" (the last {block} characters, {mark!r} before the name starts)"))
        nc: NextChar | None = self.result
        if self.error:
            bars.set(Text(self.error.split(": ", 1)[-1], style="yellow"))
            top.set("")
            return
        if nc is None:
            bars.set(Text("computing...", style="dim"))
            top.set("")
            return
        wide = self.size.width >= 150
        self.set_class(wide, "-wide")
        h = max(2, min(27, bars.size.height - 1 if bars.size.height else 8))
        bars.set(prob_columns(nc, max(34, bars.size.width or 80), h))
        if wide:  # beside the chart: every symbol, likeliest first
            rank = self.query_one("#nc-rank", InsightText)
            rows = max(1, min(len(nc.chars), rank.size.height or len(nc.chars)))
            rank.set(prob_bars(nc, width=20, sort=True, rows=rows))
        entropy = -sum(p * math.log(p) for p in nc.probs if p > 0)
        k = 5 if top.size.width >= 70 or not top.size.width else 3
        top.set(Text.assemble(("most likely: ", "bold"), top_line(nc, k),
                                 (f"   perplexity {math.exp(entropy):.1f}", "dim")))
        self.border_subtitle = f"step {state.step:,}  ·  enter/esc: done typing"
