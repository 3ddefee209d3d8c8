"""The loss chart: log scale, zoom, a cost that does not grow with the run, and its axes' ticks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makemore_tui import events as ev
from makemore_tui.ticks import finer_step, log_ticks, nice_step, x_ticks, y_ticks

from helpers_app import finished, make_app, run_async


@run_async
async def test_log_key_plots_log10_of_the_losses(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        chart = app.chart
        linear = dict(chart.drawn)
        assert linear["smooth"][1] and not chart.log_scale
        await pilot.press("l")
        assert chart.log_scale and "log10" in chart.border_title
        logged = chart.drawn
        # the same points, as log10 of the values
        assert len(logged["smooth"][1]) == len(linear["smooth"][1])
        for a, b in zip(linear["smooth"][1], logged["smooth"][1]):
            assert b == pytest.approx(math.log10(a))
        assert logged["dev"][1] == pytest.approx([math.log10(v) for v in linear["dev"][1]])
        await pilot.press("l")
        assert not chart.log_scale and chart.drawn["smooth"][1] == pytest.approx(linear["smooth"][1])


@run_async
async def test_chart_cost_does_not_grow_with_the_steps(app_words, in_tmp):
    """The chart draws about two points a column whatever the length of the run."""
    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        st = app.state
        # a long run's worth of steps, as the trainer would send them
        for k in range(50):
            st.apply(ev.Steps(first_step=300 + k * 4000, losses=[2.5] * 4000, lrs=[0.1] * 4000,
                              step=300 + (k + 1) * 4000, elapsed_s=1.0, steps_per_s=1.0))
        assert st.train.count == 200_300
        assert len(st.train) <= st.train.capacity
        app.chart.update_from(st, force=True)
        width = app.chart.plot.size.width
        assert len(app.chart.drawn["raw"][0]) <= 2 * width
        assert len(app.chart.drawn["smooth"][0]) <= width


@run_async
async def test_zoom_key_fits_the_chart_to_every_step(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        chart = app.chart
        zoomed_top = chart.y_range[1]
        assert "last 90%" in chart.border_title  # the first steps' high loss is off the top
        await pilot.press("z")
        assert chart.fit_all and chart.y_range[1] > zoomed_top
        assert "last 90%" not in chart.border_title


# ---- chart axes (pure functions) -------------------------------------------------------------------

def test_finer_step_walks_the_1_2_5_sequence():
    assert [finer_step(s) for s in (1, 2, 5, 10, 0.5)] == pytest.approx([0.5, 1, 2, 5, 0.2])
    assert nice_step(100, 5) == 20 and nice_step(1.6, 3) == 1.0 and nice_step(1.4, 3) == 0.5


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-1e6, 1e6), span=st.floats(1e-6, 1e6), rows=st.integers(1, 80))
def test_axis_ticks_always_end_and_stay_in_range(lo, span, rows):
    hi = lo + span
    ticks, labels = y_ticks(lo, hi, rows)
    assert 1 <= len(ticks) <= 20 and len(labels) == len(ticks)
    assert all(lo - 1e-9 * abs(lo) - 1e-12 <= t <= hi + 1e-9 * abs(hi) + 1e-9 for t in ticks)
    xt, _ = x_ticks(lo, hi, rows * 3)
    assert len(xt) <= 20
    if lo > 0:
        lt, ll = log_ticks(lo, hi, rows)
        assert lt and len(lt) == len(ll)
