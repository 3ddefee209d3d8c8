"""The lesson screen's test helpers: the lesson app under Pilot, waiting on its steps (the worker's
messages, never a sleep), and reading a step's whole page as a learner scrolls through it."""

from __future__ import annotations

import re
import threading

from helpers_app import flat, screen_text, wait_for
from makemore_tui.app.lesson_chart import LessonChart
from makemore_tui.lesson import Lesson
from makemore_tui.lesson.page import Bars, Chart, Para, Pre

NUMBER = re.compile(r"-?\d+\.\d+|\d{2,}")


async def step_shown(pilot, n: int) -> None:
    """Step n is on screen: computed, its page current, its charts drawn."""
    app = pilot.app
    await wait_for(pilot, lambda: app.current == n and n in app.built
                   and app.pages.current == f"lesson-page-{n}", what=f"step {n}'s page")
    page = app.pages.visible_content
    await wait_for(pilot, lambda: all(c.settled and c.builds for c in page.query(LessonChart)),
                   what=f"step {n}'s charts")
    await pilot.pause()


async def all_ready(pilot) -> None:
    """Every step has come from the worker (so the step list looks the same whenever it is drawn)."""
    app = pilot.app
    await wait_for(pilot, lambda: all(app.is_ready(n) for n in range(1, app.count + 1)), what="every step")


def page_lines(app) -> list[str]:
    """The lines of the page's content area now on screen (its border, padding and scrollbar left out)."""
    region = app.pages.visible_content.scrollable_content_region
    rows = screen_text(app).split("\n")
    return [row[region.x: region.x + region.width] for row in rows[region.y: region.y + region.height]]


async def read_page(pilot) -> str:
    """The whole page, as seen scrolling it from the top to the bottom a screen at a time (the app's
    keys), a line a row: each row of the page once, where it is in the page."""
    app = pilot.app
    page = app.pages.visible_content
    await pilot.press("home")
    await wait_for(pilot, lambda: page.scroll_y == 0, what="the page's top")
    await pilot.pause()
    rows: dict[int, str] = {}
    for _ in range(100):  # (a bound for a failing test: a page is a few screens long)
        top = round(page.scroll_y)
        for i, line in enumerate(page_lines(app)):
            rows.setdefault(top + i, line)
        if page.scroll_y >= page.max_scroll_y:
            break
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: page.scroll_y > top, what="the page scrolled down")
        await pilot.pause()
    await pilot.press("home")
    await pilot.pause()
    return "\n".join(rows[i] for i in sorted(rows))


def missing_from(text: str, step) -> list[str]:
    """What of the step is not in `text` (a page read whole): every code line, every paragraph (its
    words, wrapped any way), every preformatted line as it is, every chart's title and series, every
    bar's label and value."""
    lines = [line.rstrip() for line in text.split("\n")]
    flat_text = flat(text)
    missing = [c for c in step.code if flat(c) not in flat_text]
    for block in step.blocks:
        if isinstance(block, Para):
            missing += [block.text] if flat(block.text) not in flat_text else []
        elif isinstance(block, Pre):
            missing += [line for line in block.lines if line.rstrip() and not any(line.rstrip() in s for s in lines)]
        elif isinstance(block, Chart):
            missing += [w for w in (block.title, *(name for name, _ in block.series)) if w not in flat_text]
        elif isinstance(block, Bars):
            missing += [block.title] if block.title not in flat_text else []
    return missing


def a_number(step) -> str:
    """A number the step computed, as it prints it (the first one in its paragraphs or lines)."""
    for block in step.blocks:
        texts = [block.text] if isinstance(block, Para) else list(block.lines) if isinstance(block, Pre) else []
        for t in texts:
            m = NUMBER.search(t)
            if m:
                return m.group(0)
    raise AssertionError(f"step {step.number} shows no number")


class GatedLesson(Lesson):
    """The real lesson whose steps after the first wait for the test to open the gate: what the
    screen does while a step is computing, on any machine."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()

    def step(self, number: int):
        if number > 1:
            self.gate.wait(60)
        return super().step(number)
