"""What a lesson step is, as the screens get it: plain text and plain numbers, no tensors, no Textual.

The engine (lesson/steps*.py) computes each step on the run's own data and returns a `Step`; the
app's lesson screen and `makemore-tui lesson --plain` only lay it out. Every number in a Step was
formatted from a tensor the step computed.

    Step
      number, key, title     1..10, a stable id ("network", "data", ...), the title in the lesson's language
      code                   the code lines the step explains (runnable on the step's tensors); at the
                             default sizes each fits in PRE_WIDTH cells too
      blocks                 Para | Pre | Chart | Bars, in reading order
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Para:
    """A paragraph of prose: the screen wraps it to its width."""

    text: str


@dataclass(frozen=True)
class Pre:
    """Preformatted lines (a table, a diagram, a tensor's rows): shown as they are, never wrapped.
    Each line is at most PRE_WIDTH terminal cells wide, so it fits beside the step list at 80x24."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    """A small line chart: each series is (name, y values at x = 1, 2, ...)."""

    title: str
    x_label: str
    y_label: str
    series: tuple[tuple[str, tuple[float, ...]], ...]


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, e.g. a probability per symbol; `marked` is the index to highlight (the right
    or the drawn symbol), or None."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    marked: int | None = None


Block = Para | Pre | Chart | Bars

# Pre lines fit in this many cells: 80 columns less the step list, borders and padding.
PRE_WIDTH = 56

# The key that starts the real run (Lesson.run_config()) from the lesson: the screen binds it, step 9's
# text names it, and Lesson.ui()["start_run"] is its label.
START_RUN_KEY = "r"


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str
    code: tuple[str, ...]
    blocks: tuple[Block, ...] = field(default_factory=tuple)
