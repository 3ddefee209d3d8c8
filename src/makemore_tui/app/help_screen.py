"""`?`: every key, grouped, from the one list of keys (keys.py)."""

from __future__ import annotations

import textwrap

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .keys import BUILTIN_KEYS, all_keys
from .text import esc


def help_text(width: int = 100) -> str:
    """Every key by group; descriptions wrap under themselves to fit `width` columns."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for k in all_keys():
        groups.setdefault(k.group, []).append((k.shown_key, k.help))
    groups["Everywhere"] = list(BUILTIN_KEYS)
    kw = max(len(key) for entries in groups.values() for key, _ in entries)
    room = max(12, width - kw - 4)
    lines = []
    for group, entries in groups.items():
        if lines:
            lines.append("")
        lines.append(f"[b $text-accent]{group}[/]")
        for key, text in entries:
            wrapped = textwrap.wrap(text, room) or [""]
            lines.append(f"  [b]{esc(key.ljust(kw))}[/]  {esc(wrapped[0])}")
            lines += [" " * (kw + 4) + esc(more) for more in wrapped[1:]]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "close", "close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: auto;
        max-width: 90%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        border-title-color: $text-accent;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    HelpScreen Static { width: auto; }
    """

    def compose(self):
        with VerticalScroll() as v:
            v.border_title = "Keys"
            v.border_subtitle = "escape closes"
            yield Static(help_text(), id="help-text")

    def on_resize(self, event) -> None:
        width = min(100, event.size.width * 9 // 10) - 5  # the box's border, padding and scrollbar
        self.query_one("#help-text", Static).update(help_text(width))

    def action_close(self) -> None:
        self.dismiss(None)
