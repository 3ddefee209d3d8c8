"""One lesson step on screen: its code (highlighted), then its blocks in reading order (paragraphs,
preformatted lines, charts, bars), in a box that scrolls when the step is longer than the screen.

The page only lays out what the engine computed (lesson/page.py): every number it shows is in the
Step already. A page is built once, when its step is ready, and kept: moving between steps only
shows another page."""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.syntax import Syntax
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..lesson.page import Bars, Chart, Para, Pre, Step
from .lesson_chart import LessonChart
from .text import esc, short

BAR_CELLS = 30  # the longest bar; with a label and the value it stays within page.PRE_WIDTH
EIGHTHS = " ▏▎▍▌▋▊▉█"
MARK = "▶"  # before the marked bar, so that it is told apart without colour
MORE = "↓ pgdn"  # the page's subtitle while more of it is below (key names only: no words to translate)


def heading(words: dict[str, str], number: int, count: int, title: str) -> str:
    """The page's title: "3/10 · The embedding" in the lesson's words."""
    return f"{words['step_of'].format(n=number, count=count)} · {title}"


def bar(value: float, top: float, cells: int = BAR_CELLS) -> str:
    """A horizontal bar of value/top of `cells` cells, in eighths of a cell."""
    if top <= 0 or not math.isfinite(value):
        return ""
    eighths = round(min(1.0, abs(value) / top) * cells * 8)
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def number(value: float) -> str:
    """A bar's value: probabilities to four places, other numbers short."""
    if math.isfinite(value) and 0 <= value <= 1:
        return f"{value:.4f}"
    return short(value)


def bars_markup(block: Bars) -> str:
    """The bars as lines of Textual markup: label, bar, value; the marked one with MARK and bold, its
    bar in the accent colour."""
    finite = [abs(v) for v in block.values if math.isfinite(v)]
    top = max(finite, default=0.0)
    lw = max((cell_len(label) for label in block.labels), default=1)  # in cells: a wide character takes two
    lines = [f"[b]{esc(block.title)}[/]"] if block.title else []
    for i, (label, value) in enumerate(zip(block.labels, block.values)):
        cells = bar(value, top).ljust(BAR_CELLS)
        shown = esc(" " * (lw - cell_len(label)) + label)
        row = f"{shown} {cells} {number(value)}"
        if i == block.marked:
            lines.append(f"[b]{MARK}[/b] [b $text-accent]{shown}[/] [b $accent]{cells}[/] "
                         f"[b]{number(value)}[/]")
        else:
            lines.append(f"  {row}")
    return "\n".join(lines)


def fixed(widget: Static, lines: int) -> Static:
    """`widget` `lines` high: lines that never wrap need no measuring at each layout (a step with many
    bars would otherwise cost a move tens of milliseconds)."""
    widget.styles.height = lines
    return widget


class StepPage(VerticalScroll):
    """A computed step: its code, then its blocks."""

    can_focus = False  # the app's keys scroll it (left and right move between steps)

    def __init__(self, step: Step, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.step = step
        self.border_title = esc(title)

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._more, init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._more)

    def _more(self, *_) -> None:
        """Say in the border when the page goes on below the screen."""
        more = MORE if self.scroll_y < self.max_scroll_y else ""
        if self.border_subtitle != more:
            self.border_subtitle = more

    def compose(self):
        code = "\n".join(self.step.code)
        if code:
            theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
            yield Static(Syntax(code, "python", theme=theme, background_color="default", word_wrap=True),
                         classes="lesson-code")
        for block in self.step.blocks:
            if isinstance(block, Para):
                yield Static(Text(block.text), classes="lesson-para")
            elif isinstance(block, Pre):
                yield fixed(Static(Text("\n".join(block.lines), no_wrap=True, overflow="ignore"), classes="lesson-pre"),
                            len(block.lines))
            elif isinstance(block, Chart):
                yield LessonChart(block, classes="lesson-chart")
            elif isinstance(block, Bars):
                yield fixed(Static(bars_markup(block), classes="lesson-bars"), len(block.labels) + bool(block.title))


class WaitPage(VerticalScroll):
    """A step not computed yet (or that failed): its title and one line saying so."""

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.note = Static("", classes="lesson-para")

    def compose(self):
        yield self.note

    def show(self, title: str, text: str) -> None:
        self.border_title = esc(title)
        self.note.update(Text(text))
