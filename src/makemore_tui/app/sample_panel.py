"""Names sampled from the current weights, each with its log-probability and a mark: `new` (in none
of the data), `real` (a name of the dev or test split: real, but new to the model, which never
trained on it) or `known` (in the training data); the info line says what the marks mean. Before the
first names the pane shows one hint; once the run has ended, none. The app does the sampling (in a
thread worker); this pane shows the result and holds the prefix field."""

from __future__ import annotations

import math

from textual import events, on
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from ..cells import cell_len, cut, pad
from ..printable import printable
from .capped_input import CappedInput
from .messages import SampleRequest
from .pane import Pane
from .state import FINISHED, STOPPED, SampleState
from .text import esc


PREFIX_CHARS = 50  # the prefix field holds at most this many characters (and says so)
NAME_WIDTH = 16  # longer names are cut (with …) so that the columns stay readable
HINT = "press [b]s[/] to sample names · [b]+/-[/] temperature · [b]/[/] a prefix"
# each name's mark (5 wide) and its style
MARKS = {"new": ("new  ", "$success"), "real": ("real ", "$accent"), "known": ("known", "dim")}


def mark_of(sample) -> str:
    """'new' (in none of the data), 'real' (in the dev or test split: never trained on) or 'known'."""
    if not sample.is_new:
        return "known"
    return "real" if getattr(sample, "held_out", False) else "new"


MEANING = "new: not in the data · real: dev/test, not trained on · known: trained on"


def legend(samples, step: int, width: int) -> str:
    """The info line: the step the names come from, how many of each mark, and what the marks mean
    (on a second line when the first has no room for it)."""
    counts = {k: 0 for k in MARKS}
    for x in samples:
        counts[mark_of(x)] += 1
    head = f"step {step:,}: "
    long = head + (f"{counts['new']} new (not in the data) · {counts['real']} real but unseen (dev/test names, "
                   f"not trained on) · {counts['known']} known (trained on)")
    if len(long) <= width:
        return long
    return head + f"{counts['new']} new · {counts['real']} real, unseen · {counts['known']} known\n{MEANING}"


class SampleList(Widget):
    """The names in as many columns as the width allows (re-laid out on resize), filled column by
    column; `cursor` is the selected name's index (None: none yet)."""

    DEFAULT_CSS = """
    SampleList { height: auto; }
    """

    class Chosen(Message):
        """A name was chosen (enter on the selection, or a click): show its trace."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.samples: list = []
        self.placeholder = HINT
        self.cursor: int | None = None

    def set_samples(self, samples: list) -> None:
        self.samples = list(samples)
        if self.cursor is not None:
            self.cursor = min(self.cursor, len(self.samples) - 1) if self.samples else None
        self.refresh(layout=True)

    def _cells(self) -> tuple[list[tuple[str, str]], int]:
        if not self.samples:
            return [], 0
        # widths in terminal cells (a CJK character or an emoji takes two), cuts between whole
        # characters (grapheme clusters), bidirectional controls made visible: the columns line up
        L = max(cell_len(printable(s.text or "(empty)")) + (0 if s.ended else 1) for s in self.samples)
        L = min(max(L, 4), NAME_WIDTH)
        cells = []
        for i, s in enumerate(self.samples):
            name = printable(s.text or "(empty)") if s.ended else printable(s.text) + "…"
            name = cut(name, L)
            lp = f"{s.logprob:6.1f}" if math.isfinite(s.logprob) else "  -inf"
            word, style = MARKS[mark_of(s)]
            mark = f"[{style}]{word}[/]"
            plain = f"{pad(name, L)} {lp} {word}"
            shown = f"[b]{esc(pad(name, L))}[/] [dim]{lp}[/] {mark}"
            cells.append((f"[reverse]{esc(plain)}[/]" if i == self.cursor else shown, plain))
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

    # ---- choosing a name ---------------------------------------------------------------------
    def move(self, dx: int, dy: int) -> None:
        """Move the selection a column (dx) or a row (dy); the first move selects the first name."""
        n = len(self.samples)
        if not n:
            return
        ncols, nrows = self._layout(self.size.width)
        if self.cursor is None:
            self.cursor = 0
        else:
            col, row = divmod(self.cursor, nrows)
            i = self.cursor + dx * nrows + (dy if 0 <= row + dy < nrows else 0)
            if 0 <= i < n:
                self.cursor = i
            elif dx > 0 and col + 1 < ncols:  # the last column is shorter: its last name
                self.cursor = n - 1
        self.refresh()
        row = self.cursor % nrows
        if isinstance(self.parent, Widget):  # the pane's scroll: keep the selected row in sight
            self.parent.scroll_to_region(Region(0, row, max(1, self.size.width), 1), animate=False)

    def selected(self) -> str | None:
        """The selected name's text (None: none selected)."""
        return self.samples[self.cursor].text if self.cursor is not None and self.samples else None

    def choose(self) -> None:
        """Enter: the selected name's trace (the first name's when none is selected)."""
        if self.samples:
            if self.cursor is None:
                self.cursor = 0
                self.refresh()
            self.post_message(self.Chosen(self.samples[self.cursor].text))

    def index_at(self, x: int, y: int) -> int | None:
        """The name drawn at (x, y) of this widget, if any."""
        if not self.samples:
            return None
        cw = self._cells()[1]
        ncols, nrows = self._layout(self.size.width)
        col, within = divmod(x, cw + 3)
        i = col * nrows + y
        return i if within < cw and col < ncols and 0 <= y < nrows and i < len(self.samples) else None

    def on_click(self, event: events.Click) -> None:
        i = self.index_at(event.x, event.y)
        if i is not None:
            event.stop()
            self.cursor = i
            self.refresh()
            self.post_message(self.Chosen(self.samples[i].text))


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
            yield CappedInput(id="prefix", compact=True, max_length=PREFIX_CHARS, what="the prefix", select_on_focus=False)
        yield Static("", id="sample-info")
        with VerticalScroll(can_focus=False):
            yield SampleList(id="sample-list")

    def capacity(self, name_width: int = 12, lo: int = 10, hi: int = 60) -> int:
        """As many names as the panel shows at its size, names being up to `name_width` long."""
        width = max(10, self.size.width - 2)
        info = sum(math.ceil(max(1, len(line)) / width) for line in legend([], 999_999, width).split("\n"))
        rows = max(1, self.size.height - 1 - info)  # less the prefix field and the info lines
        cols = max(1, (self.size.width + 3) // (max(4, name_width) + 13 + 3))
        return max(lo, min(hi, rows * cols))

    @property
    def prefix_input(self) -> Input:
        return self.query_one("#prefix", Input)

    ended = False  # the run has ended: no hints any more
    has_names = False

    def update_from(self, state, force: bool = False) -> bool:  # names come by show(); the run's end here
        ended = state.status in (FINISHED, STOPPED)
        if ended != self.ended:
            self.ended = ended
            self._subtitle()
        return False

    def draw(self, state) -> None:
        pass

    def show(self, s: SampleState) -> None:
        """Show the sample state: temperature, latest names, what is going on."""
        self.set_title(f" · T {s.temperature:.1f}")
        info = self.query_one("#sample-info", Static)
        info.set_class(bool(s.error), "-error")
        width = max(10, self.size.width - 2)
        if s.error:
            info.update(esc(s.error))
        elif s.busy:
            info.update("sampling...")
        elif s.samples:
            first, _, meaning = legend(s.samples, s.step, width).partition("\n")
            if width >= len(first) + 20:
                first += " · log-prob in nats"
            info.update(esc(first) + (f"\n[dim]{esc(meaning)}[/]" if meaning else ""))
        else:
            info.update("")
        info.display = bool(s.error or s.busy or s.samples)  # before the first names: the hint alone
        if not s.busy:
            self.query_one(SampleList).set_samples(s.samples)
        self.has_names = bool(s.samples)
        self._subtitle()

    def _subtitle(self) -> None:
        """The keys, once there are names and while the run goes on (the footer keeps enter's)."""
        keys = "[dim]s[/] again  [dim]+/-[/] T  [dim]/[/] prefix  [dim]↑↓ enter[/] trace"
        self.border_subtitle = keys if self.has_names and not self.ended else ""

    @on(Input.Submitted, "#prefix")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(SampleRequest(fresh=True))
