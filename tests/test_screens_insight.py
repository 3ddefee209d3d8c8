"""The insight views at the sizes that matter: health (8) never torn at 160x48 and never blank when
attached; confusion (0) fitting 80x24 and wide vocabularies; compare (9) with the loss chart's log
ticks and a finished run labelled finished; an attached app's footer offering only the keys that
work on a finished run."""

from __future__ import annotations

import asyncio
import random
import subprocess

import pytest

from helpers import PYTHON, make_words, subprocess_env
from makemore_tui.app.app import MakemoreApp
from makemore_tui.app.insight.chart import InsightChart
from makemore_tui.app.insight.confusion import heat_fit
from makemore_tui.attach import RemoteRun
from makemore_tui.insight.render import heat_symbols, heat_table
from makemore_tui.ticks import log_ticks
from screens_helpers import screen_app, screen_text, wait_done, wait_for


async def _view(pilot, key: str):
    app = pilot.app
    await pilot.press(key)
    name = {"8": "health", "0": "confusion", "9": "compare"}[key]
    p = app.insight_pane(name)
    await wait_for(pilot, lambda: p.result is not None or p.error is not None, what=f"{name} numbers")
    await pilot.pause(0.1)
    app.redraw(force=True)
    await pilot.pause(0.1)
    await wait_for(pilot, lambda: all(c.settled for c in p.query(InsightChart)), what="the charts")
    await pilot.pause(0.1)
    assert p.error is None, p.error
    return p


@pytest.fixture
def finished_headless(tmp_path, words_file):
    work = tmp_path / "done"
    p = subprocess.run([PYTHON, "-m", "makemore_tui", "--headless", "-o", str(work), "-i", str(words_file),
                        "--max-steps", "300", "--eval-every", "100", "--log-every", "10", "--threads", "1"],
                       capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert p.returncode == 0, p.stderr
    return work


# ---- health --------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_health_chart_fills_its_place_at_every_size(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = screen_app(words_file, steps=300, emit_interval=0.0)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            p = await _view(pilot, "8")
            chart = p.query_one("#health-plot", InsightChart)
            await wait_for(pilot, lambda: chart.settled and chart.builds > 0, what="the chart")
            await pilot.pause(0.1)
            lines = str(chart.render()).rstrip("\n").count("\n") + 1
            return lines, chart.size.height, screen_text(app)

    lines, height, text = asyncio.run(go())
    assert lines == height  # drawn at the size it is shown at (the layout changes after the first drawing)
    assert "update:data" in text


def test_health_when_attached_says_why_the_ratio_chart_is_empty(finished_headless):
    async def go():
        app = MakemoreApp(RemoteRun(finished_headless), make_run=None, sample_seed=7, freeze_clock=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: app.state.status == "finished", what="the attached run")
            await _view(pilot, "8")
            return screen_text(app)

    text = asyncio.run(go())
    assert "saturated" in text and "gradients" in text  # from its checkpoint
    assert "another process" in text and "update:data ratios" in text


# ---- confusion -------------------------------------------------------------------------------------

def test_heat_map_fits_the_room_it_is_given():
    assert heat_fit(27, 78, 30) == (2, None, None)  # all of it
    cell, rows, cols = heat_fit(27, 60, 8)
    assert cell == 1 and rows == 8 and cols is None
    cell, rows, cols = heat_fit(95, 78, 30)
    assert cell == 1 and rows == 30 and 4 + cols + 16 <= 78


def _wide_words(n_chars: int = 90) -> list[str]:
    alphabet = [chr(c) for c in range(33, 127) if chr(c) != "."][:n_chars]
    r = random.Random(0)
    words = ["".join(r.choice(alphabet) for _ in range(r.randint(3, 8))) for _ in range(600)]
    words[0] = "".join(alphabet)
    return words


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
@pytest.mark.parametrize("vocab", ["names", "wide"])
def test_confusion_fits_the_screen(tmp_path, monkeypatch, size, vocab):
    monkeypatch.chdir(tmp_path)
    words = tmp_path / "w.txt"
    words.write_text("\n".join(make_words(400) if vocab == "names" else _wide_words()) + "\n")

    async def go():
        app = screen_app(words, steps=100)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            p = await _view(pilot, "0")
            scroll = p.query_one("#cf-scroll")
            heat = p.query_one("#cf-heat")
            await pilot.pause(0.1)
            return scroll.max_scroll_y, heat.size.width, scroll.size.width, screen_text(app), len(p.result[1].chars)

    overflow, heat_w, room_w, text, V = asyncio.run(go())
    assert overflow == 0 and heat_w <= room_w  # nothing hidden below or beside
    assert "% of" in text and "rows: true next character" in text
    if vocab == "wide" or size == (80, 24):
        assert f"commonest of {V}" in text  # says that only part of it is shown


def test_heat_symbols_pick_the_commonest():
    from makemore_tui.insight.confusion import Confusion

    c = Confusion(chars=list(".abc"), counts=[[5, 0, 0, 0], [0, 1, 0, 0], [0, 0, 9, 1], [0, 0, 0, 3]], n=19,
                  correct=18, top=[])
    rows, cols = heat_symbols(c, 2, 3)
    assert rows == [0, 2] and cols == [0, 2, 3]
    text = heat_table(c, 1, rows, cols).plain
    assert text.splitlines()[0].strip() == ".bc" and len(text.splitlines()) == 3


# ---- compare ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_compare_uses_the_loss_charts_log_ticks_and_says_finished(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = screen_app(words_file, steps=300)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            await _view(pilot, "9")
            return screen_text(app), app.state

    text, st = asyncio.run(go())
    assert "out (finished)" in text and "(live)" not in text
    losses = [v for v in st.train.view(50).mean if v == v] + [st.dev_loss]
    _, labels = log_ticks(min(losses), max(losses), 10)
    # the y labels are losses at round values, as the loss chart's log scale shows them
    assert any(f"{lab}┤" in text for lab in labels), labels
    assert "0.4" not in "".join(line.split("┤")[0] for line in text.splitlines() if "┤" in line)


# ---- the attached app's footer ---------------------------------------------------------------------

def test_attached_finished_footer_offers_only_what_works(finished_headless):
    async def go():
        app = MakemoreApp(RemoteRun(finished_headless), make_run=None, sample_seed=7, freeze_clock=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.state.status == "finished" and not app.live_runs, what="the end")
            await pilot.pause(0.1)
            footer = screen_text(app).splitlines()[-1]
            await pilot.press("space", "n", "e", "x")
            await pilot.pause(0.1)
            notes = [n.message for n in app._notifications]
            return footer, notes, app.screen

    footer, notes, screen = asyncio.run(go())
    for word in ("pause", "step", "settings"):
        assert word not in footer, footer
    for word in ("sample", "help", "quit"):
        assert word in footer, footer
    assert not any("finished" in n and "Press e" in n for n in notes)  # the keys do nothing now
    assert type(screen).__name__ != "SettingsScreen"
