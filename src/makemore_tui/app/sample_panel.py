"""Names sampled from the current weights: each marked new or already in the data, with its
log-probability. The app does the sampling (in a thread worker); this pane shows the result and
holds the prefix field."""

from __future__ import annotations

import math

from textual import on
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from .messages import SampleRequest
from .pane import Pane
from .state import SampleState
from .text import esc


NAME_WIDTH = 16  # longer names are cut (with …) so that the columns stay readable


class SampleList(Widget):
    """The names in as many columns as the width allows (re-laid out on resize)."""

    DEFAULT_CSS = """
    SampleList { height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.samples: list = []
        self.placeholder = "press [b]s[/] to sample names"

    def set_samples(self, samples: list) -> None:
        self.samples = list(samples)
        self.refresh(layout=True)

    def _cells(self) -> tuple[list[tuple[str, str]], int]:
        if not self.samples:
            return [], 0
        L = max(len(s.text or "(empty)") + (0 if s.ended else 1) for s in self.samples)
        L = min(max(L, 4), NAME_WIDTH)
        cells = []
        for s in self.samples:
            name = (s.text or "(empty)") if s.ended else s.text + "…"
            if len(name) > L:
                name = name[: L - 1] + "…"
            lp = f"{s.logprob:6.1f}" if math.isfinite(s.logprob) else "  -inf"
            mark = "[$success]new[/]  " if s.is_new else "[dim]known[/]"  # both 5 wide
            plain = f"{name:<{L}} {lp} {'new  ' if s.is_new else 'known'}"
            cells.append((f"[b]{esc(name.ljust(L))}[/] [dim]{lp}[/] {mark}", plain))
        return cells, L + 13

    def _layout(self, width: int) -> tuple[int, int]:
        cells, cw = self._cells()
        if not cells:
            return 1, 1
        ncols = max(1, (width + 3) // (cw + 3))
        nrows = math.ceil(len(cells) / ncols)
        return ncols, nrows

    def get_content_height(self, container, viewport, width: int) -> int:
        if not self.samples:
            return 1
        return self._layout(width)[1]

    def render(self):
        if not self.samples:
            return self.placeholder
        cells, cw = self._cells()
        ncols, nrows = self._layout(self.size.width)
        lines = []
        for r in range(nrows):
            row = [cells[c * nrows + r][0] for c in range(ncols) if c * nrows + r < len(cells)]
            lines.append("   ".join(row))
        return "\n".join(lines)


class SamplePanel(Pane):
    PANE_TITLE = "Samples"
    PANE_KEY = "4"
    SECTIONS = ()

    DEFAULT_CSS = """
    SamplePanel #prefix-row { height: 1; }
    SamplePanel #prefix-row Label { width: auto; color: $text-muted; }
    SamplePanel #prefix { width: 1fr; height: 1; }
    SamplePanel #sample-info { height: auto; color: $text-muted; }
    SamplePanel #sample-info.-error { color: $error; }
    SamplePanel VerticalScroll { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def compose(self):
        with Horizontal(id="prefix-row"):
            yield Label("prefix ")
            yield Input(placeholder="press / to type", id="prefix", compact=True, max_length=50,
                        select_on_focus=False)
        yield Static("", id="sample-info")
        with VerticalScroll(can_focus=False):
            yield SampleList(id="sample-list")

    def capacity(self, name_width: int = 12, lo: int = 10, hi: int = 60) -> int:
        """As many names as the panel shows at its size, names being up to `name_width` long."""
        rows = max(1, self.size.height - 2)  # less the prefix field and the info line
        cols = max(1, (self.size.width + 3) // (max(4, name_width) + 13 + 3))
        return max(lo, min(hi, rows * cols))

    @property
    def prefix_input(self) -> Input:
        return self.query_one("#prefix", Input)

    def update_from(self, state, force: bool = False) -> bool:  # redrawn by show(), not by the run state
        return False

    def draw(self, state) -> None:
        pass

    def show(self, s: SampleState) -> None:
        """Show the sample state: temperature, latest names, what is going on."""
        self.set_title(f" · T {s.temperature:.1f}")
        info = self.query_one("#sample-info", Static)
        info.set_class(bool(s.error), "-error")
        if s.error:
            info.update(esc(s.error))
        elif s.busy:
            info.update("sampling...")
        elif s.samples:
            new = sum(1 for x in s.samples if x.is_new)
            text = f"{new} of {len(s.samples)} new · step {s.step:,}"
            if self.size.width >= len(text) + 20:
                text += " · log-prob in nats"
            info.update(text)
        else:
            info.update("s samples · +/- temperature · / prefix")
        if not s.busy:
            self.query_one(SampleList).set_samples(s.samples)
        if s.samples:
            self.border_subtitle = "[dim]s[/] again  [dim]+/-[/] T  [dim]/[/] prefix"
        else:
            self.border_subtitle = ""

    @on(Input.Submitted, "#prefix")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(SampleRequest(fresh=True))
