"""The lesson's step list: every step's number and title, the current one marked (MARK and bold, so
without colour too). A title longer than the list's width wraps under itself; where titles do not fit
beside a page (80 columns) the list keeps the numbers only, and the page's own title names the step."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.message import Message
from textual.widget import Widget

from .text import esc

MARK = "▸"
MAX_WIDTH = 50  # cells, border and padding included
MIN_WIDTH = 26  # narrower than this, the numbers only
CHROME = 4  # the border and the padding
NUMBER = 4  # the mark, the number and a space
NARROW = 4  # the numbers-only list's width


def title_lines(titles: tuple[str, ...], width: int) -> list[list[str]]:
    """Each title wrapped to a list `width` cells wide (its chrome and numbers left out)."""
    room = max(8, width - CHROME - NUMBER)
    return [textwrap.wrap(t, room) or [""] for t in titles]


def list_width(titles: tuple[str, ...], screen_w: int, screen_h: int, page_min: int) -> int | None:
    """The list's width beside a page of at least `page_min` cells, on a screen of screen_w x screen_h
    (the footer's row left out): the longest title's, less where the screen is narrower (the titles
    then wrap), None where they would not fit (the numbers only)."""
    longest = max((len(t) for t in titles), default=0)
    width = min(MAX_WIDTH, longest + CHROME + NUMBER, screen_w - page_min)
    if width < MIN_WIDTH:
        return None
    rows = sum(len(lines) for lines in title_lines(titles, width)) + 2  # and the border
    return width if rows <= screen_h - 1 else None


class StepList(Widget):
    DEFAULT_CSS = """
    StepList {
        height: auto;
        max-height: 100%;
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        padding: 0 1;
        background: $surface;
    }
    StepList.-narrow {
        border: none;
        padding: 1 1 0 0;
        background: $background;
    }
    """

    class Chosen(Message):
        """A step of the list was clicked."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, titles: tuple[str, ...], heading: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.titles = titles
        self.current = 1
        self.ready: set[int] = set()
        self.width: int | None = None  # None: the numbers only
        self.border_title = esc(heading)
        self.styles.width = NARROW
        self.set_class(True, "-narrow")

    @property
    def narrow(self) -> bool:
        return self.width is None

    def show(self, current: int) -> None:
        self.current = current
        self.refresh()

    def set_ready(self, number: int) -> None:
        self.ready.add(number)
        self.refresh()

    def set_width(self, width: int | None) -> None:
        """The list `width` cells wide with its titles, or the numbers only (None)."""
        if width == self.width:
            return
        self.width = width
        self.set_class(width is None, "-narrow")
        self.styles.width = NARROW if width is None else width
        self.refresh(layout=True)

    def step_at(self, row: int) -> int | None:
        """The step drawn on `row` of the list's content (a wrapped title's every row), or None."""
        heights = [1] * len(self.titles) if self.width is None else [len(t) for t in title_lines(self.titles, self.width)]
        for n, h in enumerate(heights, start=1):
            if row < h:
                return n if row >= 0 else None
            row -= h
        return None

    def on_click(self, event) -> None:
        offset = event.get_content_offset(self)  # None on the border
        n = None if offset is None else self.step_at(offset.y)
        if n is not None:
            self.post_message(self.Chosen(n))

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ignore")
        wrapped = None if self.width is None else title_lines(self.titles, self.width)
        for n in range(1, len(self.titles) + 1):
            here = n == self.current
            mark = MARK if here else " "
            style = "bold reverse" if here else ("" if n in self.ready else "dim")
            if n > 1:
                out.append("\n")
            if wrapped is None:
                out.append(f"{mark}{n:>2}", style=style)
                continue
            lines = wrapped[n - 1]
            out.append(f"{mark}{n:>2} {lines[0]}", style=style)
            for more in lines[1:]:
                out.append("\n" + " " * NUMBER)
                out.append(more, style=style)
        return out
