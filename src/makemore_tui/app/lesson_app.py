"""`makemore-tui lesson`: the lesson's steps in the terminal, one page each, and the key that starts
the real run from step 9 on.

The lesson (makemore_tui.lesson.Lesson) computes its steps; this app only lays them out. Step 1 is
computed as the app starts (it is cheap); the others in one thread worker, one after another, the
step on screen first when it is not ready yet and then the ones after it, so that moving between
steps never waits on a computation: a step that is ready is a page built once and shown again (a
move only switches pages), one that is not says ui()["computing"] until it comes. Every word on the
screen comes from the lesson (Lesson.ui() and its steps), so `--lang it` is Italian throughout.

The start-run key ends the lesson with the lesson's settings (Lesson.run_config()); run_lesson then
opens the training view on a real run of them, as `makemore-tui` does.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

from textual.app import App
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import ContentSwitcher, Footer
from textual.worker import get_current_worker

from ..config import Config
from ..lesson.args import SIZES
from ..lesson.page import START_RUN_KEY, Step
from .lesson_help import LessonHelp
from .lesson_page import StepPage, WaitPage, heading
from .lesson_steps import StepList, list_width
from .themes import install_themes

RUN_STEP = 9  # the step that starts the real run, and every step after it
PAGE_MIN = 64  # cells the page needs beside the list (page.PRE_WIDTH, its border, padding, scrollbar)


@dataclass(frozen=True)
class LessonKey:
    keys: str  # Textual key names, comma-separated
    action: str
    word: str  # the key of its label in Lesson.ui()
    display: str  # how the keys are written for people
    footer: bool = True


LESSON_KEYS = (
    LessonKey("right,n", "move(1)", "next", "→ n"),
    LessonKey("left,p", "move(-1)", "back", "← p"),
    LessonKey(START_RUN_KEY, "start_run", "start_run", START_RUN_KEY),
    LessonKey("question_mark", "help", "help", "?"),
    LessonKey("q", "quit", "quit", "q"),
)
SCROLL_KEYS = {"up": "scroll_up", "down": "scroll_down", "pageup": "scroll_page_up", "pagedown": "scroll_page_down",
               "home": "scroll_home", "end": "scroll_end"}


class StepReady(Message):
    """A step computed in the worker (a page.Step: text and plain numbers), or why it could not be."""

    def __init__(self, number: int, step: Step | None, error: str = "") -> None:
        super().__init__()
        self.number, self.step, self.error = number, step, error


class LessonApp(App[Config | None]):
    """The lesson; its return value is the run's settings when the start-run key ended it, else None."""

    CSS_PATH = "lesson.tcss"
    TITLE = "makemore lesson"
    AUTO_FOCUS = None
    ENABLE_COMMAND_PALETTE = False  # its words are Textual's, in English

    def __init__(self, lesson, theme: str | None = None) -> None:
        no_color = "NO_COLOR" in os.environ  # Textual removes it from the environment as it starts
        super().__init__(ansi_color=True if no_color else None)
        self.lesson = lesson
        self.words = lesson.ui()
        self.titles = tuple(lesson.titles())
        self.count = lesson.count
        self.current = 1  # read by the worker thread (a plain int) to choose what to compute next
        self.steps: dict[int, Step] = {}
        self.errors: dict[int, str] = {}
        self.built: set[int] = set()  # the steps whose page is mounted
        self.narrow = False
        self._keys_shown: bool | None = None
        for k in LESSON_KEYS:
            self.bind(k.keys, k.action, description=self.words[k.word], show=k.footer, key_display=k.display)
        for key, action in SCROLL_KEYS.items():
            self.bind(key, f"scroll('{action}')", show=False)
        self.project_themes, self.startup_notes = install_themes(self, theme, no_color)

    # ---- layout ---------------------------------------------------------------------------------
    def compose(self):
        self.step_list = StepList(self.titles, self.words["steps"], id="lesson-steps")
        self.wait_page = WaitPage(id="lesson-wait")
        first = self._first_page()
        self.pages = ContentSwitcher(initial=first.id if first else "lesson-wait", id="lesson-pages")
        with Horizontal(id="lesson-body"):
            yield self.step_list
            with self.pages:
                yield self.wait_page
                if first is not None:
                    yield first
        yield Footer(compact=True)

    def _first_page(self) -> StepPage | None:
        """Step 1, computed here: it is cheap, and the first screen then shows it at once."""
        try:
            step = self.lesson.step(1)
        except Exception as e:
            self.errors[1] = f"{type(e).__name__}: {e}"
            return None
        self.steps[1] = step
        self.built.add(1)
        self.step_list.ready.add(1)
        return StepPage(step, self.page_title(1), id="lesson-page-1")

    def on_mount(self) -> None:
        for note in self.startup_notes:
            self.notify(note, severity="warning", timeout=8)
        self._fit(self.size.width, self.size.height)
        self.show(1)
        self.call_after_refresh(self._start_worker)  # the first screen first: the worker competes for the CPU
        # what exists now (Textual, torch, the widgets) lives as long as the lesson: keep it out of the
        # garbage collector's full passes, which would otherwise pause a move now and then (as app.py)
        self.call_after_refresh(gc.freeze)

    def _start_worker(self) -> None:
        self.run_worker(self._compute, thread=True, name="lesson-steps", group="lesson-steps", exit_on_error=False)

    def on_resize(self, event) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        """The list with its titles where they fit beside a page; the numbers only where not."""
        self.step_list.set_width(list_width(self.titles, width, height, PAGE_MIN))
        self.narrow = self.step_list.narrow

    def page_title(self, number: int) -> str:
        return heading(self.words, number, self.count, self.titles[number - 1])

    # ---- the steps ------------------------------------------------------------------------------
    def _compute(self) -> None:
        """The worker: each step once, the one on screen first, then the ones after it, then the rest."""
        worker = get_current_worker()
        done: set[int] = set(self.steps) | set(self.errors)
        while not worker.is_cancelled:
            here = self.current
            order = [*range(here, self.count + 1), *range(1, here)]
            todo = [n for n in order if n not in done]
            if not todo:
                return
            n = todo[0]
            try:
                msg = StepReady(n, self.lesson.step(n))
            except Exception as e:  # a step that cannot be computed says why on its page; the others go on
                msg = StepReady(n, None, f"{type(e).__name__}: {e}")
            done.add(n)
            self.post_message(msg)

    async def on_step_ready(self, message: StepReady) -> None:
        n = message.number
        if message.step is None:
            self.errors[n] = message.error
        else:
            self.steps[n] = message.step
            await self.pages.add_content(StepPage(message.step, self.page_title(n)), id=f"lesson-page-{n}")
            self.built.add(n)
            self.step_list.set_ready(n)
            self.call_after_refresh(gc.freeze)  # and the page, with the step's objects
        if n == self.current:
            self.show(n)

    def is_ready(self, number: int) -> bool:
        """The step has come from the worker (computed, or failed with a reason)."""
        return number in self.built or number in self.errors

    # ---- moving ---------------------------------------------------------------------------------
    def show(self, number: int) -> None:
        """Show step `number`: its page when computed, else the waiting page."""
        self.current = number
        self.step_list.show(number)
        if number in self.built:
            self.pages.current = f"lesson-page-{number}"
        else:
            self.wait_page.show(self.page_title(number), self.errors.get(number) or self.words["computing"])
            self.pages.current = "lesson-wait"
        keys = number >= RUN_STEP  # what check_action answers from
        if keys != self._keys_shown:  # the footer is rebuilt only then (it costs tens of ms)
            self._keys_shown = keys
            self.refresh_bindings()

    def action_move(self, by: int) -> None:
        n = min(self.count, max(1, self.current + by))
        if n != self.current:
            self.show(n)

    def on_step_list_chosen(self, message: StepList.Chosen) -> None:
        if message.number != self.current:
            self.show(message.number)

    def action_scroll(self, how: str) -> None:
        page = self.pages.visible_content
        if page is not None:
            getattr(page, how)(animate=False)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "start_run":
            return self.current >= RUN_STEP  # hidden from the footer before step 9
        return True

    def action_start_run(self) -> None:
        if self.current >= RUN_STEP:
            self.exit(self.lesson.run_config())

    def action_help(self) -> None:
        if not isinstance(self.screen, LessonHelp):
            rows = [(k.display, self.words[k.word]) for k in LESSON_KEYS]
            self.push_screen(LessonHelp(self.words["help"], rows))


# A lesson's run may differ from the seed preset in the lesson's own settings only (SIZES: the table
# marks them; tests/test_app_lesson.py checks the command line reads them back as the same Config).


def run_argv(cfg: Config, input_file: str | None, theme: str | None = None) -> list[str]:
    """The `makemore-tui` arguments of a run of `cfg` (the seed preset and the lesson's sizes) on
    `input_file`."""
    from ..settings import setting

    base = Config()  # the seed preset
    other = [k for k, v in cfg.to_dict().items() if k not in SIZES and v != getattr(base, k)]
    if other:
        raise ValueError(f"the lesson's run differs from the seed preset in {other}: no flag here sets them")
    argv = [] if input_file is None else ["-i", str(input_file)]
    for name in SIZES:
        if getattr(cfg, name) != getattr(base, name):
            argv += [setting(name).flag, str(getattr(cfg, name))]
    return argv + ([] if theme is None else ["--theme", theme])


def start_run(argv: list[str]) -> int:
    """`makemore-tui ARGV` in place of this process (the lesson is over): the real run in the training
    view, asking first when the work directory holds a saved run, as the command does."""
    command = [sys.executable, "-m", "makemore_tui", *argv]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, command)  # does not return
    return subprocess.call(command)


def run_lesson(lesson, theme: str | None = None, start: Callable[[Config], int] | None = None) -> int:
    """Open the lesson; when it is left with the start-run key, start(its settings) opens the real run
    (by default `makemore-tui` on the lesson's input with them, in place of this process) and its exit
    status is returned; 0 when the lesson was simply left."""
    cfg = LessonApp(lesson, theme=theme).run()
    if cfg is None:
        return 0
    if start is not None:
        return start(cfg)
    return start_run(run_argv(cfg, lesson.input_file, theme))
