"""The status line: state, step, steps per second, learning rate, train and dev loss, elapsed time
and time left, and the run's folder. It keeps to one line: where the items do not fit, the least
needed are shortened or dropped, in the order of REDUCTIONS (the folder first, then the elapsed
time, ...); the state, NOT SAVED, OVERFITTING (shortened), the step and the losses always stay. Only on terminals too narrow for those
does it take more lines, breaking between items, never inside one."""

from __future__ import annotations

import math

from textual.dom import NoScreen
from textual.widgets import Static

from .state import (
    DIVERGED, EVALUATING, FINISHED, GONE, PAUSED, STARTING, STOPPED, TRAINING, RunState, format_duration, format_loss,
)
from .text import esc, plain_len

BADGES = {
    STARTING: ("STARTING", "$text-muted"),
    TRAINING: ("TRAINING", "$success"),
    PAUSED: ("PAUSED", "$warning"),
    DIVERGED: ("DIVERGED", "$error"),
    FINISHED: ("FINISHED", "$primary"),
    STOPPED: ("STOPPED", "$text-muted"),
    EVALUATING: ("EVALUATING", "$accent"),
    GONE: ("GONE", "$error"),  # the run's process is dead
}

# How the line is made shorter, step by step, until it fits: (item, what). "short": its next,
# shorter form; "drop": it goes. Items not named here (the state, NOT SAVED, the losses) always stay.
REDUCTIONS = [
    ("note", "drop"), ("run", "drop"), ("attached", "short"), ("elapsed", "drop"), ("step", "short"),
    ("rate", "short"), ("lr", "drop"), ("overfit", "short"), ("step", "short"), ("rate", "drop"), ("left", "drop"),
]
GAP = 2


def _item(label: str, value: str) -> str:
    """One item: a dim label and its value."""
    return f"[dim]{label}[/] {esc(value)}" if label else esc(value)


def pack(items: list[str], width: int, gap: int = GAP) -> list[str]:
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


def fit(items: list[tuple[str, list[str]]], width: int) -> list[str]:
    """The items (name, forms from the longest to the shortest) in their longest forms that fit on
    one line of `width` cells, shortened and dropped in the order of REDUCTIONS as needed."""
    chosen = {name: 0 for name, _ in items}
    forms = dict(items)

    def line() -> list[str]:
        return [forms[n][chosen[n]] for n, _ in items if chosen[n] is not None]

    def length(parts: list[str]) -> int:
        return sum(plain_len(p) for p in parts) + GAP * (len(parts) - 1)

    for name, what in REDUCTIONS:
        if length(line()) <= width:
            break
        if name not in forms or chosen[name] is None:
            continue
        if what == "drop":
            chosen[name] = None
        elif chosen[name] + 1 < len(forms[name]):
            chosen[name] += 1
    return line()


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
        lines = pack(fit(self.items_for(state, note), width), width)
        if len(lines) != self._rows:  # a layout pass only when the height changes
            self._rows = len(lines)
            self.styles.height = len(lines)
            self._lift_notifications()
        self.update("\n".join(lines), layout=False)
        return True

    def _lift_notifications(self) -> None:
        """Notifications stand above the status line and the footer, never over them."""
        try:
            screen = self.screen
        except NoScreen:  # not mounted yet (on_mount does it), or being removed
            return
        for rack in screen.query("#textual-toastrack"):
            rack.styles.margin = (0, 0, self._rows + 1, 0)

    def on_mount(self) -> None:
        self._lift_notifications()

    def text_for(self, state: RunState, note: str = "") -> str:
        """Every item in its longest form, on one line."""
        return "  ".join(forms[0] for _, forms in self.items_for(state, note))

    def items_for(self, state: RunState, note: str = "") -> list[tuple[str, list[str]]]:
        """The items of the line: (name, its forms from the longest to the shortest)."""
        word, colour = BADGES.get(state.status, (state.status.upper(), ""))
        items = [("badge", [f"[reverse {colour} bold] {word} [/]"])]
        if state.save_error:
            items.append(("save", ["[reverse $error bold] NOT SAVED [/]"]))
        if state.overfitting is not None:  # (the banner says it in words)
            items.append(("overfit", ["[reverse $warning bold] OVERFITTING [/]", "[reverse $warning bold] OVERFIT [/]"]))
        step = f"{state.step:,}/{state.max_steps:,}" if state.max_steps else f"{state.step:,}"
        steps = [_item("step", step), _item("", step)]
        if state.max_steps >= 100:
            steps.insert(0, _item("step", f"{step} ({100 * state.progress:.0f}%)"))
        items.append(("step", steps))
        if state.status == EVALUATING:  # the final evaluation's progress, in splits
            items.append(("eval", [_item("splits", f"{state.eval_done}/{state.eval_total or 3}")]))
        frozen = self.freeze_clock
        if state.status == TRAINING:
            rate = "--" if frozen or state.steps_per_s <= 0 else f"{state.steps_per_s:,.0f}"
            items.append(("rate", [_item("", f"{rate} steps/s"), _item("", f"{rate}/s")]))
        items.append(("lr", [_item("lr", f"{state.lr:.3g}" if math.isfinite(state.lr) else "--")]))
        fin = state.finished
        if fin is not None and math.isfinite(fin.train_loss):  # the whole training split, at the end
            items.append(("train", [_item("train", format_loss(fin.train_loss))]))
        else:  # the recent batches' losses, smoothed
            items.append(("train", [_item("train", format_loss(state.smooth_loss if state.train.count else None))]))
        items.append(("dev", [_item("dev", format_loss(state.dev_loss))]))
        items.append(("elapsed", [_item("elapsed", "--" if frozen else format_duration(state.elapsed_s))]))
        left = state.seconds_left
        if left is not None:
            left_text = "--" if frozen else format_duration(left)
            items.append(("left", [_item("left", left_text)]))
        if state.status in (FINISHED, STOPPED) and state.finished and math.isfinite(state.finished.test_loss):
            items.append(("test", [_item("test", format_loss(state.finished.test_loss))]))
        if state.attached:
            items.append(("attached", [_item("attached", state.work_dir) if state.work_dir else "[dim]attached[/]",
                                       "[dim]attached[/]"]))
        elif state.work_dir:
            items.append(("run", [_item("run", state.work_dir)]))
        if note:
            items.append(("note", [f"[$text-muted]{esc(note)}[/]"]))
        return items
