"""`?`: every key, grouped, from the one list of keys (keys.py)."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .keys import BUILTIN_KEYS, KEYS
from .text import esc


def help_text() -> str:
    groups: dict[str, list] = {}
    for k in KEYS:
        groups.setdefault(k.group, []).append(k)
    width = max(len(k.shown_key) for k in KEYS)
    width = max(width, max(len(k) for k, _ in BUILTIN_KEYS))
    lines = []
    for group, keys in groups.items():
        lines.append(f"[b $text-accent]{group}[/]")
        for k in keys:
            lines.append(f"  [b]{esc(k.shown_key.ljust(width))}[/]  {esc(k.help)}")
        lines.append("")
    lines.append("[b $text-accent]Everywhere[/]")
    for key, text in BUILTIN_KEYS:
        lines.append(f"  [b]{esc(key.ljust(width))}[/]  {esc(text)}")
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
    }
    HelpScreen Static { width: auto; }
    """

    def compose(self):
        with VerticalScroll() as v:
            v.border_title = "Keys"
            v.border_subtitle = "escape closes"
            yield Static(help_text())

    def action_close(self) -> None:
        self.dismiss(None)
