"""The status line keeps to one line at 80 columns (shortening, then dropping the least needed items),
and notifications stand above it, never over it."""

from __future__ import annotations

import asyncio

import pytest

from makemore_tui.app.state import TRAINING
from makemore_tui.app.status_bar import StatusBar, fit
from makemore_tui.app.text import plain_len
from screens_helpers import screen_app, screen_text, wait_done, wait_for


def _line(items) -> str:
    return "  ".join(items)


def test_fit_shortens_then_drops_in_order():
    items = [("badge", [" TRAINING "]), ("step", ["step 60,271/200,000 (30%)", "step 60,271/200,000", "60,271/200,000"]),
             ("rate", ["6,703 steps/s", "6,703/s"]), ("lr", ["lr 0.1"]), ("train", ["train 2.3445"]),
             ("dev", ["dev 2.3788"]), ("elapsed", ["elapsed 0:07"]), ("left", ["left 0:21"]), ("run", ["run out"])]
    assert fit(items, 200) == [f[0] for _, f in items]  # room: everything, in full
    got = fit(items, 78)
    assert plain_len(_line(got)) <= 78
    assert "run out" not in got and "elapsed 0:07" not in got  # the first to go
    assert "train 2.3445" in got and "dev 2.3788" in got and "left 0:21" in got
    tiny = fit(items, 30)  # too narrow for the essentials: they all stay (the bar then wraps)
    assert tiny == [" TRAINING ", "60,271/200,000", "train 2.3445", "dev 2.3788"]


async def _status_at(size, **kwargs):
    app = screen_app(kwargs.pop("words"), steps=kwargs.pop("steps", 300), **kwargs)
    async with app.run_test(size=size) as pilot:
        await wait_done(pilot)
        finished = (screen_text(app).splitlines()[-2], app.status_bar.size.height)
        st = app.state  # as while training a long run: a rate, time left, 200,000 steps
        st.status, st.max_steps, st.step, st.steps_per_s = TRAINING, 200_000, 61_234, 6_703.0
        app.status_bar.freeze_clock = False
        st.touch("status")
        app.redraw(force=True)
        await pilot.pause(0.05)
        training = (screen_text(app).splitlines()[-2], app.status_bar.size.height)
        return finished, training


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_the_status_line_is_one_line(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    (fin, fin_h), (train, train_h) = asyncio.run(_status_at(size, words=words_file))
    assert fin_h == 1 and train_h == 1
    assert "FINISHED" in fin and "train " in fin and "dev " in fin and "test " in fin and "lr 0.1" in fin
    assert "TRAINING" in train and "61,234/200,000" in train and "train " in train and "dev " in train
    assert "left " in train and "/s" in train
    if size[0] >= 160:  # room for everything
        assert "run out" in fin and "elapsed" in train and "step 61,234/200,000 (31%)" in train
    else:
        assert "run out" not in train


def test_notifications_stand_above_the_status_line(words_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go(size):
        app = screen_app(words_file, steps=300)
        async with app.run_test(size=size, notifications=True) as pilot:
            await wait_done(pilot)
            app.notify("a notification of two or three lines, long enough to wrap inside its toast", timeout=30)
            await wait_for(pilot, lambda: list(app.screen.query("Toast")), what="the toast")
            toast = app.screen.query("Toast").last()
            await pilot.pause(0.1)
            bar = app.query_one(StatusBar)
            text = screen_text(app).splitlines()
            return toast.region, bar.region, text

    for size in ((80, 24), (60, 20), (40, 12)):
        toast, bar, text = asyncio.run(go(size))
        assert toast.bottom <= bar.y, (size, toast, bar)
        assert "FINISHED" in "\n".join(text[bar.y:bar.bottom]), size
