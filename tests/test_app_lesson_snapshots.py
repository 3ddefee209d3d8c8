"""Snapshot tests of the lesson screen (pytest-textual-snapshot): every step at 80x24 and at 160x48, and
the steps with a chart and bars without colour.

Deterministic: the lesson on the bundled names is seeded (its numbers are the same on every run), and
a snapshot is taken once every step has come from the worker (so the step list looks the same) and
the step's charts are drawn. Update with `pytest tests/test_app_lesson_snapshots.py --snapshot-update`
and look at the SVGs (tests/__snapshots__/) before committing them.
"""

from __future__ import annotations

import pytest

from helpers_lesson import all_ready, step_shown
from makemore_tui.app.lesson_app import LessonApp
from makemore_tui.data import bundled_dataset, read_words
from makemore_tui.lesson import Lesson


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    """One lesson for the module: its steps are computed once."""
    return Lesson(read_words(bundled_dataset()))


def at_step(n: int):
    async def before(pilot) -> None:
        await all_ready(pilot)
        for _ in range(n - 1):
            await pilot.press("n")
        await step_shown(pilot, n)

    return before


@pytest.mark.parametrize("n", range(1, 11))
def test_snapshot_step_80x24(lesson, n, snap_compare):
    assert snap_compare(LessonApp(lesson), terminal_size=(80, 24), run_before=at_step(n))


@pytest.mark.parametrize("n", range(1, 11))
def test_snapshot_step_160x48(lesson, n, snap_compare):
    assert snap_compare(LessonApp(lesson), terminal_size=(160, 48), run_before=at_step(n))


@pytest.mark.parametrize("n", [8, 10])  # two charts; the sampled name's bars
def test_snapshot_no_color(lesson, n, snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(LessonApp(lesson), terminal_size=(80, 24), run_before=at_step(n))
