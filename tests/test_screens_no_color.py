"""Without colour (NO_COLOR=1, a monochrome terminal) every chart's series stay apart: each has a mark
of its own, and no legend names a colour."""

from __future__ import annotations

import asyncio
import math
import re

import pytest

from makemore_tui.insight.charts import DEV_MARKERS, LINE_MARKERS, chart_text, draw_lr_find, draw_ratios, draw_runs
from makemore_tui.insight.compare import RunRecord
from makemore_tui.insight.lr_finder import LRFind, smooth, suggest
from screens_helpers import screen_app, screen_text, wait_done, wait_for

COLOUR_WORDS = re.compile(r"\b(red|green|blue|cyan|orange|magenta|yellow|grey|gray)\b", re.I)


def _plain(draw, w=100, h=30) -> str:
    return chart_text(draw, w, h).plain


def test_parameters_have_a_mark_each():
    steps = list(range(0, 2000, 10))
    hist = {name: (steps, [-2.0 - 0.1 * i + 0.05 * math.sin(s / 50) for s in steps])
            for i, name in enumerate(["C", "W1", "b1", "W2", "b2"])}
    text = _plain(lambda plt: draw_ratios(plt, hist, 90))
    for marker, name in zip(LINE_MARKERS[1:], ["W1", "b1", "W2", "b2"]):
        assert f"{marker}{marker} {name}" in text  # the legend shows each series' own mark
    assert not COLOUR_WORDS.search(text)


def test_runs_have_a_line_and_a_dev_mark_each():
    def rec(name, scale):
        steps = list(range(10, 3000, 10))
        return RunRecord(path=name, steps=steps, train_loss=[scale * (2 + 1 / (1 + s / 300)) for s in steps],
                         val_steps=list(range(100, 3000, 100)), val_loss=[scale * 2.2] * 29)

    text = _plain(lambda plt: draw_runs(plt, [rec("a", 1.0), rec("b", 1.3)], 90, height=30))
    assert f"{LINE_MARKERS[1]}{LINE_MARKERS[1]} b" in text
    assert f"{DEV_MARKERS[0]}{DEV_MARKERS[0]} a dev" in text and f"{DEV_MARKERS[1]}{DEV_MARKERS[1]} b dev" in text
    assert DEV_MARKERS[0] in text.split("a dev")[1] and DEV_MARKERS[1] in text.split("b dev")[1]
    assert not COLOUR_WORDS.search(text)


def test_lr_finder_names_its_lines():
    lrs = [10 ** (-3 + 3 * i / 299) for i in range(300)]
    losses = [3 + (math.log10(lr) + 1) ** 2 for lr in lrs]
    lre = [math.log10(x) for x in lrs]
    sm = smooth(losses, 15)
    suggested, min_lr, min_loss, steep = suggest(lre, sm)
    r = LRFind(lrs=lrs, log10_lrs=lre, losses=losses, smoothed=sm, min_lr=min_lr, min_loss=min_loss,
               steepest_lr=steep, suggested_lr=suggested, batch_size=32, window=15, stopped_early=False)
    text = _plain(lambda plt: draw_lr_find(plt, r, 90))
    assert "min" in text and "suggested" in text and "·· loss" in text
    assert not COLOUR_WORDS.search(text)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_no_color_app_charts_and_legends(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    async def go():
        app = screen_app(words_file, steps=600, emit_interval=0.0)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            loss = screen_text(app)
            legend = str(app.chart.border_subtitle)
            texts = [loss]
            for key, name in (("8", "health"), ("9", "compare")):
                await pilot.press(key)
                p = app.insight_pane(name)
                await wait_for(pilot, lambda: p.result is not None, what=name)
                app.redraw(force=True)
                from makemore_tui.app.insight.chart import InsightChart

                await pilot.pause(0.1)
                await wait_for(pilot, lambda: all(c.settled and c.builds for c in p.query(InsightChart)),
                               what="the charts")
                await pilot.pause(0.1)
                texts.append(screen_text(app))
            return legend, texts

    legend, (loss, health, compare) = asyncio.run(go())
    assert "░" in loss and "◆" in loss and "batch min-max" in legend and "smoothed" in legend
    assert not COLOUR_WORDS.search(re.sub(r"\[[^\]]*\]", "", legend))
    assert "•• W1" in health and "++ b1" in health
    assert "out (finished)" in compare and "◆◆ out (finished) dev" in compare.replace("(finis…", "(finished)")
    for text in (loss, health, compare):
        assert not COLOUR_WORDS.search(text)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_no_color_health(words_file, tmp_path, monkeypatch, snap_compare, size):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    async def before(pilot):
        from makemore_tui import events as ev
        from makemore_tui.app.messages import TrainerEvent

        app = pilot.app
        await wait_done(pilot)
        for k, step in enumerate((100, 200, 300)):  # fixed statistics: the same chart on every machine
            stats = [ev.ParamStat(name, 0.5, 2.0, 10 ** (-2 - 0.2 * i - 0.1 * k * (-1) ** i))
                     for i, name in enumerate(["C", "W1", "b1", "W2", "b2"])]
            app.post_message(TrainerEvent(app.run_id, ev.ParamStats(step=step, stats=stats)))
        await pilot.pause(0.1)
        await pilot.press("8")
        p = app.insight_pane("health")
        await wait_for(pilot, lambda: p.result is not None, what="health")
        from makemore_tui.app.insight.chart import InsightChart

        app.redraw(force=True)
        await pilot.pause(0.1)
        await wait_for(pilot, lambda: all(c.settled and c.builds for c in p.query(InsightChart)), what="the chart")
        await pilot.pause(0.1)

    assert snap_compare(screen_app(words_file, steps=300, emit_interval=1e9), terminal_size=size, run_before=before)
