"""`?` in the lesson: its keys, in the lesson's language (the same list the footer is built from)."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .text import esc


def help_markup(rows: list[tuple[str, str]]) -> str:
    """(keys as written for people, what they do) as aligned lines of markup."""
    kw = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"[b]{esc(k.ljust(kw))}[/]  {esc(what)}" for k, what in rows)


class LessonHelp(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", show=False)]

    DEFAULT_CSS = """
    LessonHelp { align: center middle; }
    LessonHelp > VerticalScroll {
        width: auto;
        max-width: 90%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        border-title-color: $text-accent;
        background: $surface;
        padding: 0 1;
    }
    LessonHelp Static { width: auto; }
    """

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self):
        with VerticalScroll() as v:
            v.border_title = esc(self.title_text)
            yield Static(help_markup(self.rows), id="lesson-help-text")

    def action_close(self) -> None:
        self.dismiss(None)
