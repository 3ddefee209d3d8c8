"""Sample trace: a word as the live model reads it, a character at a time (insight/trace.py).

Two ways in. The view (key w) has a field for any word, filled with the selected sampled name when
it opens; a sampled name chosen in the samples pane (arrows and enter, or a click) opens its trace
in a dialog over the training view (TraceScreen), which escape or q closes. Both are a TracePane:
its worker runs the one forward pass in the training thread, between two steps, and gets back
plain numbers (a Trace); the UI thread only lays them out as text. The trace follows training, as
the other views do."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input

from ...insight.report import trace_report
from ...insight.trace import Trace, trace
from ...insight.views import view
from ...models import model_type
from ...printable import printable
from ..text import esc
from .context_input import ContextInput
from .pane import InsightHost, InsightPane, in_training_thread
from .text import InsightText

MAX_WORD = 64  # typed in the field (sampling.MAX_LEN: the longest sampled name)
HINT = "type a word above, or choose a sampled name: 4 shows the samples, the arrows select, enter traces"


class TracePane(InsightPane):
    DEFAULT_CSS = """
    TracePane Input { height: 3; border: tall $panel-lighten-2; }
    TracePane Input:focus { border: tall $primary; }
    TracePane #trace-scroll { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, spec, word: str = "", field: bool = True, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.word, self.field = word, field

    def compose(self):
        if self.field:
            yield ContextInput(value=self.word, placeholder="type a word, e.g. emma", max_length=MAX_WORD,
                               id="trace-input")
        with VerticalScroll(id="trace-scroll"):
            yield InsightText(id="trace-text")

    def can_type(self, ch: str) -> bool:
        run = self.host.current_run
        return run is None or run.data is None or ch in run.data.vocab.symbols

    def on_shown(self) -> None:
        if not self.field:
            return
        field = self.query_one("#trace-input", Input)
        chosen = self.host.selected_sample()
        if chosen is not None and chosen != self.word:
            field.value = chosen  # Input.Changed sets the word
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.word = event.value.strip()
        self.refresh_numbers()
        if self.host.state is not None:
            self.update_from(self.host.state)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.app.set_focus(None)  # enter: done typing; the app's keys work again

    def wanted(self, state) -> tuple:
        return super().wanted(state) + (self.word,)

    def compute(self, run) -> Trace | None:
        word, cfg = self.word, run.cfg
        if not word and self.field:
            return None  # nothing typed: the hint
        if run.data is None:
            raise RuntimeError("the run's words are not loaded (yet)")
        vocab, context = run.data.vocab, model_type(cfg.type).context
        if vocab.text_problem(word):  # before bothering the trainer
            raise ValueError(vocab.text_problem(word))

        def one_pass() -> Trace:
            return trace(run.trainer.model, vocab, word, cfg.block_size, context=context, model_type=cfg.type,
                         step=run.trainer.step)

        return in_training_thread(run, one_pass)

    def text_width(self) -> int:
        return max(20, self.query_one("#trace-scroll").content_size.width - 1)

    def render_result(self, state) -> None:
        text = self.query_one("#trace-text", InsightText)
        if self.error:
            text.set(Text(self.error.split(": ", 1)[-1], style="yellow"))
        elif self.result is None:
            text.set(Text(HINT if self.field and not self.word else "computing...", style="dim"))
        else:
            text.set(trace_report(self.result, self.text_width()))
        self.border_subtitle = "enter/esc: done typing" if self.field else "escape/q: back"


class TraceScreen(ModalScreen[None]):
    """A sampled name's trace, over the training view (escape or q goes back)."""

    BINDINGS = [Binding("escape,q", "close", "back")]

    DEFAULT_CSS = """
    TraceScreen { align: center middle; }
    TraceScreen TracePane { width: 100%; max-width: 120; height: auto; max-height: 96vh; }
    TraceScreen #trace-scroll { height: auto; max-height: 88vh; }
    """

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word

    def compose(self):
        pane = TracePane(view("trace"), word=self.word, field=False, id="trace-dialog")
        pane.PANE_KEY, pane.PANE_TITLE = "", f"Sample trace · {esc(printable(self.word)) or '(empty)'}"
        pane.set_title()
        yield pane

    @property
    def pane(self) -> TracePane:
        return self.query_one(TracePane)

    def on_mount(self) -> None:
        self.set_interval(cast(InsightHost, self.app).redraw_interval, self._tick)
        self.call_after_refresh(self._tick)
        self.query_one("#trace-scroll").focus()  # the arrows and page keys scroll a long trace

    def _tick(self) -> None:
        state = cast(InsightHost, self.app).state
        if state is not None and self.is_attached:
            self.pane.update_from(state)

    def action_close(self) -> None:
        self.dismiss(None)
