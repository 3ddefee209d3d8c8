"""The lesson's step list: every step's number and title, the current one marked (MARK and bold, so
without colour too). Where the screen is narrow (80 columns) it keeps the numbers only, and the
page's own title names the step."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.widget import Widget

from .text import esc

MARK = "▸"
MAX_WIDTH = 44  # cells, border and padding included: a longer title wraps under itself
CHROME = 4  # the border and the padding


def full_width(titles: tuple[str, ...]) -> int:
    """The list's width with its titles: the longest title, the mark and number, the chrome."""
    longest = max((len(t) for t in titles), default=0)
    return min(MAX_WIDTH, longest + 4 + CHROME)


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

    def __init__(self, titles: tuple[str, ...], heading: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.titles = titles
        self.current = 1
        self.ready: set[int] = set()
        self.narrow = False
        self.border_title = esc(heading)
        self.styles.width = full_width(titles)

    def show(self, current: int) -> None:
        self.current = current
        self.refresh(layout=False)

    def set_ready(self, number: int) -> None:
        self.ready.add(number)
        self.refresh()

    def set_narrow(self, narrow: bool) -> None:
        if narrow == self.narrow:
            return
        self.narrow = narrow
        self.set_class(narrow, "-narrow")
        self.styles.width = 4 if narrow else full_width(self.titles)
        self.refresh(layout=True)

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ignore")
        width = full_width(self.titles) - CHROME - 4
        for n, title in enumerate(self.titles, start=1):
            here = n == self.current
            mark = MARK if here else " "
            style = "bold reverse" if here else ("" if n in self.ready else "dim")
            if n > 1:
                out.append("\n")
            if self.narrow:
                out.append(f"{mark}{n:>2}", style=style)
                continue
            lines = textwrap.wrap(title, max(8, width)) or [""]
            out.append(f"{mark}{n:>2} {lines[0]}", style=style)
            for more in lines[1:]:
                out.append("\n    ")
                out.append(more, style=style)
        return out
