"""The loss chart draws what its legend says: the batch losses as a shaded min-max band (labelled so),
the smoothed loss over it, and dev markers thinned so the smoothed line stays visible."""

from __future__ import annotations

import asyncio

import pytest

from makemore_tui.app.loss_chart import BAND_MARKER, DEV_MARKER, DEV_SPACING
from makemore_tui.series import band
from screens_helpers import screen_app, screen_text, wait_done


def test_band_fills_each_column_from_its_min_to_its_max():
    groups = [(0.5, 1.0, 3.0), (1.5, 2.0, 4.0), (2.5, 1.0, 3.0), (3.5, 2.0, 2.0)]
    xs, ys = band(*zip(*groups), (0.0, 4.0), (0.0, 4.0), 4, 4)
    cols: dict[float, list[float]] = {}
    for x, y in zip(xs, ys):
        cols.setdefault(x, []).append(y)
    for x, lo, hi in groups:  # the half-column that holds the group: from its min to its max
        (v,) = [v for c, v in cols.items() if x <= c < x + 0.5]
        assert min(v) == lo and max(v) == hi
        v = sorted(v)  # no gap inside the band: points at most half a cell apart (a cell is 1.0 here)
        assert all(b - a <= 0.5 + 1e-9 for a, b in zip(v, v[1:])), x
    assert len({int(x) for x in xs}) == 4  # every column shaded


def test_band_interpolates_between_sparse_groups_and_clips():
    xs, ys = band([0.0, 10.0], [1.0, 1.0], [9.0, 9.0], (0.0, 10.0), (2.0, 8.0), 10, 6)
    assert xs and min(ys) >= 2.0 and max(ys) <= 8.0
    assert len({round(x) for x in xs}) >= 10  # every column between the two groups is shaded
    assert band([], [], [], (0, 1), (0, 1), 10, 10) == ([], [])
    assert band([0.5], [float("nan")], [1.0], (0, 1), (0, 1), 10, 10) == ([], [])


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_chart_shows_a_band_a_line_and_thinned_dev_markers(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = screen_app(words_file, steps=2000, eval_every=50)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            chart = app.chart
            text = screen_text(app)
            legend = chart.border_subtitle
            width = chart.plot.size.width
            return chart.drawn, text, str(legend), width

    drawn, text, legend, width = asyncio.run(go())
    assert "batch min-max" in legend and "smoothed" in legend and "dev" in legend
    assert BAND_MARKER in text and DEV_MARKER in text
    assert any(c in text for c in "⠉⠒⠤⣀⡀⠈⠑⠢⠔⠊")  # the smoothed line's braille, over the band
    bx, by = drawn["band"]
    assert bx and len(bx) == len(by)
    dev_x, _ = drawn["dev"]
    assert 2 <= len(dev_x) <= width // DEV_SPACING + 1  # 40 evaluations, thinned to a marker every few columns
    assert text.count(DEV_MARKER) <= width // DEV_SPACING + 1


def test_the_legend_says_when_the_dev_loss_is_on_makemores_split(words_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go(split):
        app = screen_app(words_file, steps=200, eval_every=50, cfg={"split": split})
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_done(pilot)
            return str(app.chart.border_subtitle)

    assert "dev (makemore split)" in asyncio.run(go("makemore"))
    lecture = asyncio.run(go("lecture"))
    assert "dev" in lecture and "split" not in lecture
