"""A prominent banner that says, in words, why the run stopped itself or what it found: the
trainer's Diverged (paused), or Overfitting (the dev loss risen above its best: stopped on the best
weights, or going on), with the weights the run ended on once it has."""

from __future__ import annotations

from textual.widgets import Static

from ..watch import ended_words, overfitting_words
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
    DivergenceBanner.-overfitting { background: $warning; color: $background; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._drawn: tuple | None = None

    def update_from(self, state: RunState, force: bool = False) -> bool:
        key = (state.versions["run"], state.diverged, state.overfitting, state.finished)
        if not force and key == self._drawn:
            return False
        self._drawn = key
        shown = bool(state.diverged) or state.overfitting is not None
        self.set_class(shown, "-shown")
        self.set_class(not state.diverged and state.overfitting is not None, "-overfitting")
        if state.diverged:
            self.update(
                f"[reverse] DIVERGED [/] at step {state.diverged_step:,}: {esc(state.diverged or '')} "
                "[reverse] PAUSED [/] e: new settings · space: go on anyway"
            )
        elif state.overfitting is not None:
            fin = state.finished
            end = f" · {esc(ended_words(fin))}" if fin is not None and fin.eval_examples else ""
            self.update(f"[reverse] OVERFITTING [/] at step {state.overfitting.step:,}: "
                        f"{esc(overfitting_words(state.overfitting))}{end}")
        return True
