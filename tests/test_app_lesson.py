"""The lesson screen (`makemore-tui lesson`): every step walked forward and back at 80x24 and 160x48
with all of it readable, the keys, the worker that computes the steps, NO_COLOR, Italian, and the
key that starts the real run with the lesson's settings."""

from __future__ import annotations

import json
import os
import re

import pytest

from helpers_app import flat, run_async, screen_text, wait_for, wait_for_text
from helpers_lesson import GatedLesson, a_number, all_ready, missing_from, read_page, step_shown
from makemore_tui.app.lesson_app import LESSON_KEYS, LessonApp, run_argv
from makemore_tui.app.lesson_page import MARK as BAR_MARK, MORE
from makemore_tui.app.lesson_steps import MARK as STEP_MARK
from makemore_tui.cli import build_parser, config_from_args
from makemore_tui.data import bundled_dataset, read_words
from makemore_tui.insight.charts import LINE_MARKERS
from makemore_tui.lesson import Lesson
from makemore_tui.lesson.page import START_RUN_KEY, Bars, Chart
from makemore_tui.recorder import CONFIG
from screens_helpers import app_on_a_terminal, wait_until

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(scope="module")
def names() -> list[str]:
    return read_words(bundled_dataset())


@pytest.fixture(scope="module")
def lesson(names) -> Lesson:
    """The lesson on the bundled names, as `makemore-tui lesson` opens it; its steps are computed once
    for the module."""
    return Lesson(names)


def marked_step(text: str) -> int:
    """The number the step list marks as current."""
    for line in text.split("\n"):
        i = line.find(STEP_MARK)
        if i >= 0:
            return int(line[i + 1: i + 3])
    raise AssertionError("no step is marked in the list")


# ---- every step, forward and back -----------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@run_async
async def test_every_step_forward_and_back_whole_and_readable(lesson, size):
    app = LessonApp(lesson)
    async with app.run_test(size=size) as pilot:
        for n in range(1, lesson.count + 1):
            if n > 1:
                await pilot.press("right" if n % 2 else "n")
            await step_shown(pilot, n)
            step = lesson.step(n)
            text = screen_text(app)
            assert step.title in text, (n, text)
            assert marked_step(text) == n
            page = await read_page(pilot)
            assert a_number(step) in page
            assert missing_from(page, step) == [], (n, size)  # nothing cut off, at either size
        for n in range(lesson.count - 1, 0, -1):
            await pilot.press("left" if n % 2 else "p")
            await step_shown(pilot, n)
            text = screen_text(app)
            assert lesson.step(n).title in text and marked_step(text) == n
            assert a_number(lesson.step(n)) in await read_page(pilot)
        await pilot.press("left")  # at the first step: nothing happens
        assert app.current == 1


@run_async
async def test_the_list_has_the_titles_where_there_is_room_and_the_numbers_where_not(lesson):
    app = LessonApp(lesson)
    async with app.run_test(size=(160, 48)) as pilot:
        await step_shown(pilot, 1)
        text = screen_text(app)
        assert all(title in text for title in lesson.titles())
        assert lesson.ui()["steps"] in text
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.narrow, what="the narrow list")
        await pilot.pause()
        text = screen_text(app)
        assert lesson.titles()[1] not in text  # the numbers only; the page's title names the step
        assert lesson.ui()["step_of"].format(n=1, count=10) in text
        heads = [row[:3] for row in text.split("\n")]
        assert [n for n in range(1, 11) if f" {n:>2}" in heads or f"{STEP_MARK}{n:>2}" in heads] == list(range(1, 11))


# ---- the keys ------------------------------------------------------------------------------------

@run_async
async def test_question_mark_shows_every_key_and_the_footer_shows_them(lesson):
    words = lesson.ui()
    app = LessonApp(lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        await step_shown(pilot, 1)
        footer = screen_text(app).split("\n")[-1]
        for k in LESSON_KEYS:
            if k.action != "start_run":
                assert words[k.word] in footer and k.display in footer
        assert words["start_run"] not in footer  # only from step 9 on
        await pilot.press("question_mark")
        text = await wait_for_text(pilot, words["help"])
        for k in LESSON_KEYS:
            assert f"{k.display}" in text and words[k.word] in text
        await pilot.press("q")  # closes the help, not the lesson
        await wait_for(pilot, lambda: app.screen is app.screen_stack[0], what="the help closed")
        assert app.is_running
        await pilot.press("n")
        await step_shown(pilot, 2)


@run_async
async def test_the_page_scrolls_with_the_keys(lesson):
    app = LessonApp(lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await step_shown(pilot, 2)
        page = app.pages.visible_content
        assert page.max_scroll_y > 0  # step 2 is longer than 80x24 shows
        await wait_for_text(pilot, MORE)  # and says so
        await pilot.press("down")
        await wait_for(pilot, lambda: page.scroll_y == 1, what="one line down")
        await pilot.press("end")
        await wait_for(pilot, lambda: page.scroll_y == page.max_scroll_y, what="the end")
        await wait_for(pilot, lambda: MORE not in screen_text(app), what="no more below")
        await pilot.press("home")
        await wait_for(pilot, lambda: page.scroll_y == 0, what="the top")
        await wait_for_text(pilot, MORE)


# ---- the worker ----------------------------------------------------------------------------------

@run_async
async def test_a_step_computing_says_so_and_moving_never_waits(names):
    lesson = GatedLesson(names)
    words = lesson.ui()
    app = LessonApp(lesson)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await step_shown(pilot, 1)  # step 1 is there at once
            await pilot.press("n", "n", "n")  # while step 2 computes (held by the gate)
            await wait_for(pilot, lambda: app.current == 4, what="the moves")
            text = await wait_for_text(pilot, lesson.titles()[3])
            assert words["computing"] in flat(text) and marked_step(text) == 4
            await pilot.press("p")
            await wait_for_text(pilot, lesson.titles()[2])
            lesson.gate.set()
            await step_shown(pilot, 3)  # the step on screen comes first
            assert lesson.step(3).title in screen_text(app)
            await all_ready(pilot)  # then every other one, unasked
            assert words["computing"] not in flat(screen_text(app))
            await pilot.press("n")
            await step_shown(pilot, 4)
    finally:
        lesson.gate.set()


@run_async
async def test_a_step_that_fails_says_why_and_the_others_still_come(names):
    class Failing(Lesson):
        def step(self, number):
            if number == 3:
                raise RuntimeError("the tensors of step 3 are out of reach")
            return super().step(number)

    lesson = Failing(names)
    app = LessonApp(lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        await all_ready(pilot)
        await wait_for_text(pilot, "RuntimeError: the tensors of step 3 are out of reach", flatten=True)
        await pilot.press("n")
        await step_shown(pilot, 4)


# ---- without colour, and in Italian --------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@run_async
async def test_no_color_charts_and_bars_read_without_colour(lesson, size, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    charts = [(n, b) for n in range(1, 11) for b in lesson.step(n).blocks if isinstance(b, Chart)]
    bars = [(n, b) for n in range(1, 11) for b in lesson.step(n).blocks if isinstance(b, Bars) and b.marked is not None]
    assert charts and bars
    app = LessonApp(lesson)
    async with app.run_test(size=size) as pilot:
        assert app.ansi_color and app.theme == "makemore-ansi"
        for n in range(2, 11):
            await pilot.press("n")
            await step_shown(pilot, n)
            page = await read_page(pilot)
            for _, chart in [c for c in charts if c[0] == n]:
                for i, (name, _) in enumerate(chart.series[1:], start=1):  # each series its own mark
                    assert f"{LINE_MARKERS[i]}{LINE_MARKERS[i]} {name}" in page, (name, page)
                assert any(f"{c}{c} {chart.series[0][0]}" in page for c in map(chr, range(0x2801, 0x2900)))
            marked = [b.labels[b.marked] for m, b in bars if m == n]  # one marked bar in each, in order
            rows = [row.strip() for row in page.split("\n") if row.lstrip().startswith(BAR_MARK)]
            assert [row[len(BAR_MARK):].split()[0] for row in rows] == marked, (n, rows)


@run_async
async def test_italian_throughout(names):
    lesson = Lesson(names, lang="it")
    english = Lesson(names[:500], lang="en").ui()
    words = lesson.ui()
    app = LessonApp(lesson)
    async with app.run_test(size=(160, 48)) as pilot:
        await step_shown(pilot, 1)
        text = screen_text(app)
        assert all(t in text for t in lesson.titles())
        footer = text.split("\n")[-1]
        for key in ("next", "back", "help", "quit"):
            assert words[key] in footer and (english[key] == words[key] or english[key] not in footer)
        assert words["step_of"].format(n=1, count=10) in text
        for _ in range(8):
            await pilot.press("n")
        assert words["start_run"] in screen_text(app).split("\n")[-1]


# ---- the real run --------------------------------------------------------------------------------

@run_async
async def test_the_start_run_key_ends_the_lesson_with_its_settings_from_step_9_on(lesson):
    app = LessonApp(lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        await step_shown(pilot, 1)
        for _ in range(7):
            await pilot.press("n")
        await pilot.press(START_RUN_KEY)  # step 8: not yet
        await pilot.pause()
        assert app.is_running and app.current == 8
        assert lesson.ui()["start_run"] not in screen_text(app).split("\n")[-1]
        await pilot.press("n")
        await wait_for(pilot, lambda: lesson.ui()["start_run"] in screen_text(app).split("\n")[-1],
                       what="the start-run key in the footer")
        await pilot.press(START_RUN_KEY)
    assert app.return_value == lesson.run_config()


def test_the_run_flags_give_the_lessons_settings(lesson, names, tmp_path):
    other = Lesson(names, seed=7, block_size=4, n_embd=3, n_hidden=64, batch_size=16).run_config()
    for cfg in (lesson.run_config(), other):
        argv = run_argv(cfg, str(tmp_path / "w.txt"), "makemore-light")
        assert argv[:2] == ["-i", str(tmp_path / "w.txt")] and argv[-2:] == ["--theme", "makemore-light"]
        assert config_from_args(build_parser().parse_args(argv)) == cfg
    assert run_argv(lesson.run_config(), None) == []  # the bundled names, the lecture's settings
    with pytest.raises(ValueError, match="keep_best"):
        run_argv(lesson.run_config().updated(keep_best=False), None)


def test_the_start_run_key_starts_the_real_run_in_the_training_view(tmp_path):
    """`makemore-tui lesson -i FILE --seed 7` on a terminal: to step 9, the key, and the training view
    trains a run with the lesson's settings in out/."""
    from helpers import make_words

    words = tmp_path / "words.txt"
    words.write_text("\n".join(make_words(300)) + "\n")
    expected = Lesson(make_words(300), seed=7, n_hidden=64).run_config()
    proc, screen = app_on_a_terminal(["lesson", "-i", str(words), "--seed", "7", "--n-hidden", "64", "--lang", "en"],
                                     cwd=tmp_path)
    metrics = tmp_path / "out" / "metrics.jsonl"
    try:
        assert wait_until(lambda: b"network" in screen, 60), bytes(screen)[-2000:]
        os.write(proc.master, b"n" * 8)
        assert wait_until(lambda: b"start the run" in screen, 60), bytes(screen)[-2000:]
        os.write(proc.master, START_RUN_KEY.encode())
        assert wait_until(lambda: metrics.exists() and metrics.stat().st_size > 0, 120), bytes(screen)[-2000:]
        assert wait_until(lambda: b"Loss" in screen, 60), bytes(screen)[-2000:]  # the training view's chart
        os.write(proc.master, b"q")
        assert proc.wait(60) == 0
    finally:
        proc.stop()
    saved = json.loads((tmp_path / "out" / CONFIG).read_text())
    for key, value in expected.to_dict().items():
        assert saved[key] == value, key


@pytest.mark.parametrize("size", SIZES)
@run_async
async def test_a_click_on_the_list_shows_that_step(lesson, size):
    app = LessonApp(lesson)
    async with app.run_test(size=size) as pilot:
        await step_shown(pilot, 1)
        for n in (6, 10, 2):
            rows = screen_text(app).split("\n")
            at = [(y, m.end() - 1) for y, row in enumerate(rows)
                  if (m := re.match(rf"[│ ]*{STEP_MARK}?\s*{n}(?!\d)", row))]
            assert len(at) == 1, (n, rows[:12])  # the number's one row in the list
            await pilot.click(offset=(at[0][1], at[0][0]))
            await step_shown(pilot, n)
            assert marked_step(screen_text(app)) == n
