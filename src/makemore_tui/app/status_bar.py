"""The status line: state, step, steps per second, learning rate, train and dev loss, elapsed time
and time left. On narrow terminals it takes more lines, breaking between items, never inside one."""

from __future__ import annotations

import math

from textual.widgets import Static

from .state import DIVERGED, FINISHED, PAUSED, STARTING, STOPPED, TRAINING, RunState, format_duration, format_loss
from .text import esc, plain_len

BADGES = {
    STARTING: ("STARTING", "$text-muted"),
    TRAINING: ("TRAINING", "$success"),
    PAUSED: ("PAUSED", "$warning"),
    DIVERGED: ("DIVERGED", "$error"),
    FINISHED: ("FINISHED", "$primary"),
    STOPPED: ("STOPPED", "$text-muted"),
}


def _item(label: str, value: str) -> str:
    """One item: a dim label and its value."""
    return f"[dim]{label}[/] {esc(value)}" if label else esc(value)


def pack(items: list[str], width: int, gap: int = 2) -> list[str]:
    """Items (markup) on as few lines of `width` cells as they fit, never breaking an item."""
    lines: list[str] = []
    cur, cur_len = [], 0
    for item in items:
        n = plain_len(item)
        if cur and cur_len + gap + n > width:
            lines.append((" " * gap).join(cur))
            cur, cur_len = [], 0
        cur.append(item)
        cur_len += (gap if cur_len else 0) + n
    if cur:
        lines.append((" " * gap).join(cur))
    return lines or [""]


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.freeze_clock = False
        self._drawn: tuple | None = None
        self._rows = -1

    def update_from(self, state: RunState, force: bool = False, note: str = "") -> bool:
        width = max(10, self.size.width - 2)
        key = (state.versions["status"], note, width)
        if not force and key == self._drawn:
            return False
        self._drawn = key
        lines = pack(self.items_for(state, note, compact=width < 70), width)
        if len(lines) != self._rows:  # a layout pass only when the height changes
            self._rows = len(lines)
            self.styles.height = len(lines)
        self.update("\n".join(lines), layout=False)
        return True

    def text_for(self, state: RunState, note: str = "") -> str:
        return "  ".join(self.items_for(state, note))

    def items_for(self, state: RunState, note: str = "", compact: bool = False) -> list[str]:
        """The items of the line; compact ones (for narrow terminals) drop labels and the run's folder."""
        word, colour = BADGES.get(state.status, (state.status.upper(), ""))
        items = [f"[reverse {colour} bold] {word} [/]"]
        if state.save_error:
            items.append("[reverse $error bold] NOT SAVED [/]")
        step = f"{state.step:,}/{state.max_steps:,}" if state.max_steps else f"{state.step:,}"
        if state.max_steps >= 100 and not compact:
            step += f" ({100 * state.progress:.0f}%)"
        items.append(_item("" if compact else "step", step))
        frozen = self.freeze_clock
        if state.status == TRAINING:
            rate = "--" if frozen or state.steps_per_s <= 0 else f"{state.steps_per_s:,.0f}"
            items.append(_item("", f"{rate}/s" if compact else f"{rate} steps/s"))
        items.append(_item("lr", f"{state.lr:.3g}" if math.isfinite(state.lr) else "--"))
        fin = state.finished
        if fin is not None and math.isfinite(fin.train_loss):  # the whole training split, at the end
            items.append(_item("train", format_loss(fin.train_loss)))
        else:  # the recent batches' losses, smoothed
            items.append(_item("train", format_loss(state.smooth_loss if state.train.count else None)))
        items.append(_item("dev", format_loss(state.dev_loss)))
        elapsed = "--" if frozen else format_duration(state.elapsed_s)
        left = state.seconds_left
        left_text = None if left is None else ("--" if frozen else format_duration(left))
        if compact:
            items.append(elapsed + (f" ({left_text} left)" if left_text else ""))
        else:
            items.append(_item("elapsed", elapsed))
            if left_text:
                items.append(_item("left", left_text))
        if state.status in (FINISHED, STOPPED) and state.finished and math.isfinite(state.finished.test_loss):
            items.append(_item("test", format_loss(state.finished.test_loss)))
        if state.work_dir and not compact:
            items.append(_item("attached" if state.attached else "run", state.work_dir))
        elif state.attached:
            items.append("[dim]attached[/]")
        if note:
            items.append(f"[$text-muted]{esc(note)}[/]")
        return items
