"""A plotext chart that is built in a worker thread: the UI thread only shows the finished text.

plotext is pure Python: a 150 x 40 chart takes 30-80 ms to build, too long for the UI thread while a
key may be waiting (the budget is 50 ms from key to screen). InsightChart hands the drawing to a
thread worker and shows the result when it comes; while one build runs, only the newest request
waits (older ones are dropped), so at most one build per chart is ever in flight. The drawing
function gets its own plotext figure and data that the UI thread will not change (copies)."""

from __future__ import annotations

from functools import partial
from typing import Callable

from rich.text import Text
from textual.message import Message

from .text import InsightText

MIN_W, MIN_H = 16, 6


def unlimit_size(plt) -> None:
    """plotext caps a figure at the size of the process's terminal (which it reads itself, and which
    a test, a pipe or tmux may report smaller than the pane): the widget's size is the one to use."""
    limit = getattr(plt, "_limit_size", None)
    if limit is not None:
        limit(False, False)


class InsightChart(InsightText):
    DEFAULT_CSS = """
    InsightChart { width: 1fr; height: 1fr; }
    """

    class Built(Message):
        def __init__(self, chart: "InsightChart", gen: int, text: Text) -> None:
            super().__init__()
            self.chart, self.gen, self.text = chart, gen, text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._gen = 0
        self._busy = False
        self._pending: tuple | None = None
        self.builds = 0  # finished builds (for tests)
        self._draw: Callable[[object], None] | None = None  # the latest drawing, drawn again on a resize
        self._built_size: tuple[int, int] = (0, 0)
        self._text_gen = 0  # the build generation when show_text was last called

    @property
    def settled(self) -> bool:
        """No build running or waiting: what is shown is the latest drawing asked for."""
        return not self._busy and self._pending is None

    def plot(self, draw: Callable[[object], None]) -> None:
        """Draw with draw(plt) at the chart's current size, off the UI thread (and again at its new
        size when it is resized: a layout that changes after the drawing never leaves it torn)."""
        self._draw = draw
        w, h = self.size.width, self.size.height
        self._built_size = (w, h)
        if w < MIN_W or h < MIN_H:
            self.set(Text("enlarge the terminal to see this chart", style="dim") if w and h else "")
            return
        self._gen += 1
        job = (draw, w, h, self._gen)
        if self._busy:
            self._pending = job
            return
        self._start(job)

    def _start(self, job: tuple) -> None:
        self._busy = True
        self.run_worker(partial(self._build, *job), thread=True, group=f"chart-{self.id}", exit_on_error=False)

    def _build(self, draw, w: int, h: int, gen: int) -> None:
        from textual_plotext.plot import Plot

        try:
            plt = Plot()
            draw(plt)
            unlimit_size(plt)  # after draw: a drawing that starts with clear_figure() resets it
            plt.plotsize(w, h)
            plt.theme("clear")  # the pane's own background shows through, in every app theme
            text = Text.from_ansi(plt.build(), no_wrap=True, end="")
        except Exception as e:  # plotext has edge cases (tiny ranges, odd sizes): never crash the app
            text = Text(f"chart unavailable: {type(e).__name__}: {e}", style="dim")
        self.post_message(self.Built(self, gen, text))

    def show_text(self, text: Text) -> None:
        """Show a sentence instead of a chart (why there is none)."""
        self._draw = None
        self._gen += 1
        self._text_gen = self._gen  # a build under way is dropped when it comes
        self._pending = None
        self.set(text)

    def on_resize(self, event) -> None:
        if self._draw is not None and (self.size.width, self.size.height) != self._built_size:
            self.plot(self._draw)

    def on_insight_chart_built(self, message: "InsightChart.Built") -> None:
        message.stop()
        self._busy = False
        self.builds += 1
        if message.gen > self._text_gen:  # (not one asked for before a sentence replaced the chart)
            self.set(message.text)  # the newest finished build; a newer one may follow
        if self._pending is not None:
            job, self._pending = self._pending, None
            self._start(job)
