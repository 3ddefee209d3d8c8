"""Before a new run would replace a saved one: the saved run in words, and the question.

`makemore-tui -o DIR` on a directory that holds a saved run opens this first (launch.ask_about_saved_run):
resume it, start a new run in a fresh directory (its name offered), replace it, or quit with nothing
changed. Nothing in the directory is written until the answer is given.
"""

from __future__ import annotations

import os

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from ..saved_run import NEW, QUIT, REPLACE, RESUME, SavedRun
from .text import esc
from .themes import install_themes


def choices(saved: SavedRun, new_dir: str) -> list[tuple[str, str, str, str]]:
    """(answer, key, button label, what it does) for each answer this saved run allows."""
    out = []
    if not saved.problem:
        if saved.finished:
            out.append((RESUME, "r", "Train it further", f"resume it, on to step {saved.further:,}"))
        else:
            out.append((RESUME, "r", "Resume it", f"continue from step {saved.step:,}"))
    out += [
        (NEW, "n", "New run elsewhere", f"start in {new_dir}, keeping this one"),
        (REPLACE, "d", "Replace it", "start here, deleting this one's files"),
        (QUIT, "q", "Quit", "change nothing"),
    ]
    return out


class SavedRunScreen(Screen[str]):
    """The saved run and the question; dismissed with RESUME, NEW, REPLACE or QUIT."""

    BINDINGS = [
        Binding("r", f"answer('{RESUME}')", "resume"),
        Binding("n", f"answer('{NEW}')", "new run"),
        Binding("d", f"answer('{REPLACE}')", "replace"),
        Binding("q", f"answer('{QUIT}')", "quit"),
        Binding("escape", f"answer('{QUIT}')", "quit", show=False),
        Binding("down", "app.focus_next", "next", show=False),
        Binding("up", "app.focus_previous", "previous", show=False),
    ]

    DEFAULT_CSS = """
    SavedRunScreen { align: center middle; background: $background; }
    SavedRunScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text-accent;
        background: $surface;
        padding: 0 1;
    }
    SavedRunScreen #where { height: auto; }
    SavedRunScreen #saved { height: auto; padding-left: 2; }
    SavedRunScreen #question { height: auto; margin: 1 0; }
    SavedRunScreen Grid { grid-size: 2; grid-columns: 22 1fr; grid-rows: auto; height: auto; grid-gutter: 0 1; }
    SavedRunScreen Button { width: 22; text-align: left; content-align: left middle; }
    SavedRunScreen Button:focus { text-style: bold reverse; }
    SavedRunScreen .what { color: $text-muted; height: auto; }
    """

    def __init__(self, saved: SavedRun, new_dir: str, now: float | None = None) -> None:
        super().__init__()
        self.saved = saved
        self.new_dir = new_dir
        self.now = now  # for "(5 minutes ago)"; None: the clock's
        self.answers = choices(saved, new_dir)

    def compose(self):
        s = self.saved
        with Vertical() as box:
            box.border_title = "A saved run"
            lines = [s.progress()] if s.problem else [s.progress(), f"{s.losses()} · {s.model}"]
            lines.append(s.when(self.now))
            yield Static(esc(f"{s.work_dir} holds a saved run:"), id="where")
            yield Static(esc("\n".join(lines)), id="saved")
            yield Static("A new run here would replace it. What now?", id="question")
            with Grid():
                for answer, key, label, what in self.answers:
                    yield Button(f"{key}  {label}", id=f"a-{answer}", compact=True)
                    yield Static(esc(what), classes="what")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id.removeprefix("a-"))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "answer" and parameters:
            return any(parameters[0] == a[0] for a in self.answers)  # no resume of a damaged checkpoint
        return True

    def action_answer(self, answer: str) -> None:
        if any(answer == a[0] for a in self.answers):
            self.dismiss(answer)


class SavedRunApp(App[str]):
    """The question on its own, before the app opens a run: returns the answer (QUIT on escape)."""

    TITLE = "makemore"
    CSS = "Footer { background: $panel; }"

    def __init__(self, saved: SavedRun, new_dir: str, theme: str | None = None, now: float | None = None) -> None:
        no_color = "NO_COLOR" in os.environ  # as MakemoreApp: Textual removes it as it starts
        super().__init__(ansi_color=True if no_color else None)
        install_themes(self, theme, no_color)
        self.saved = saved
        self.new_dir = new_dir
        self.now = now

    def on_mount(self) -> None:
        self.push_screen(SavedRunScreen(self.saved, self.new_dir, self.now), self.exit)
