"""A prominent banner that says, in words, why the run stopped itself (the trainer's Diverged)."""

from __future__ import annotations

from textual.widgets import Static

from .state import RunState
from .text import esc


class DivergenceBanner(Static):
    DEFAULT_CSS = """
    DivergenceBanner {
        dock: top;
        height: auto;
        max-height: 6;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
        display: none;
    }
    DivergenceBanner.-shown { display: block; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._drawn: tuple | None = None

    def update_from(self, state: RunState, force: bool = False) -> bool:
        key = (state.versions["run"], state.diverged)
        if not force and key == self._drawn:
            return False
        self._drawn = key
        shown = bool(state.diverged)
        self.set_class(shown, "-shown")
        if shown:
            self.update(
                f"[reverse] DIVERGED [/] at step {state.diverged_step:,}: {esc(state.diverged or '')} "
                "[reverse] PAUSED [/] e: new settings · space: go on anyway"
            )
        return True
