"""The base of the dashboard's panes.

A pane draws from the app's RunState (app/state.py). The app calls `update_from(state)` on a timer
(a few times a second) and right after a key that changes what a pane shows; a pane redraws only
when one of the state sections it shows (SECTIONS) has a new version, its size changed, or it is
forced. A new pane subclasses Pane, names its sections, implements `draw`, and is added to the
dashboard (dashboard.py) or to a view of its own (see app.py, VIEWS).
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.widgets import Static

if TYPE_CHECKING:
    from .state import RunState


class Pane(Vertical):
    SECTIONS: tuple[str, ...] = ()
    PANE_TITLE = ""
    PANE_KEY = ""  # the key that shows this pane, for its border title
    MIN_INTERVAL = 0.0  # seconds between timer redraws at most (forced redraws are not limited)

    DEFAULT_CSS = """
    Pane {
        border: round $panel-lighten-2;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        height: 1fr;
        background: $surface;
    }
    Pane.-selected {
        border: round $primary;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._drawn_key: tuple | None = None
        self._drawn_at = 0.0
        self.set_title()

    def set_title(self, extra: str = "") -> None:
        key = f"[dim]{self.PANE_KEY}[/] " if self.PANE_KEY else ""
        self.border_title = f"{key}{self.PANE_TITLE}{extra}"

    def update_from(self, state: "RunState", force: bool = False) -> bool:
        """Redraw if what this pane shows has changed; True when it redrew."""
        if not self.display or not self.is_mounted:
            return False
        key = tuple(state.versions[s] for s in self.SECTIONS) + (self.size.width, self.size.height)
        if not force and key == self._drawn_key:
            return False
        now = time.monotonic()
        if not force and now - self._drawn_at < self.MIN_INTERVAL and self._drawn_key is not None:
            return False
        self._drawn_key = key
        self._drawn_at = now
        self.draw(state)
        return True

    def draw(self, state: "RunState") -> None:  # pragma: no cover - every pane implements it
        raise NotImplementedError


def set_text(widget: Static, text: str) -> None:
    """Update a Static, with a layout pass only when its number of lines changes (a layout pass
    costs the whole screen a reflow; the text of a pane changes several times a second)."""
    lines = text.count("\n")
    previous = _line_counts.get(widget)
    _line_counts[widget] = lines
    widget.update(text, layout=previous != lines)


_line_counts: "weakref.WeakKeyDictionary[Static, int]" = weakref.WeakKeyDictionary()  # set_text's last count
