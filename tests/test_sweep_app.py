"""The sweep view (makemore-tui --attach on a sweep's directory): on a directory the test writes
itself (tests/sweep_files.py), so what it shows is the same on every machine."""

from __future__ import annotations

import json
import math

import pytest

from makemore_tui.app.sweep_app import SweepApp
from makemore_tui.app.sweep_charts import BestSoFarChart, CurvesChart, SweepTitle
from makemore_tui.app.sweep_table import TrialsTable
from sweep_files import TRIALS, run_async, write_sweep

NEVER = 1e6  # no reloads on a timer during a test: the test reloads when it changes a file


@pytest.fixture
def sweep_dir(tmp_path):
    return write_sweep(tmp_path)


def _app(sweep_dir) -> SweepApp:
    return SweepApp(sweep_dir, refresh_s=NEVER)


@run_async
async def test_the_table_lists_the_best_then_the_running_then_the_rest(sweep_dir):
    app = _app(sweep_dir)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.query_one(TrialsTable)
        order = [int(row[0].rstrip("*")) for row in table.rows_shown]
        assert order == [3, 6, 0, 5, 1, 2, 4]
        assert table.rows_shown[0][0] == "3*" and table.rows_shown[0][2] == "2.0391"
        running = table.rows_shown[1]
        assert running[1] == "running" and running[2] != "-"  # its dev loss, read from its own metrics
        assert "block=8" in running[4] and "hidden=640" in running[4]
        title = str(app.query_one(SweepTitle).render())
        assert "best 2.0391 (trial 3)" in title and "7 trials: 1 running, 4 complete, 1 pruned, 1 failed" in title
        assert table.selected_trial == 3


@run_async
async def test_enter_leaves_with_the_highlighted_trials_directory(sweep_dir):
    app = _app(sweep_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down")  # 3, 6, 0
        assert app.query_one(TrialsTable).selected_trial == 0
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_value == str(sweep_dir / "trials" / "0000")


@run_async
async def test_a_trial_without_files_here_is_not_opened(sweep_dir):
    import shutil

    shutil.rmtree(sweep_dir / "trials" / "0005")  # it ran on another machine
    app = _app(sweep_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down")  # 3, 6, 0, 5
        assert app.query_one(TrialsTable).selected_trial == 5
        told: list[str] = []
        app.notify = lambda message, **kw: told.append(message)
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and app.return_value is None
        assert any("another machine" in m for m in told)


@run_async
async def test_the_charts_show_the_best_so_far_and_the_best_trials_curves(sweep_dir):
    app = _app(sweep_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        best = app.query_one(BestSoFarChart)
        (xs, ys), = best.drawn
        assert ys[-1] == pytest.approx(2.0391)  # trial 3, the best
        assert all(a >= b for a, b in zip(ys, ys[1:]))  # never rises
        assert xs[0] == pytest.approx(30.1) and xs[-1] == pytest.approx(76.6)  # trial 1's end ... trial 5's
        curves = app.query_one(CurvesChart)
        assert len(curves.drawn) == 4  # the complete trials (at most five), best first
        assert curves.drawn[0][1][-1] == pytest.approx(2.0391)
        assert "#3" in curves.border_subtitle
        await pilot.press("l")
        await pilot.pause()
        (_, log_ys), = best.drawn
        assert log_ys[-1] == pytest.approx(math.log10(2.0391))
        assert "log10" in str(best.border_title)


@run_async
async def test_reload_shows_a_trial_that_ended(sweep_dir):
    app = _app(sweep_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        sweep = json.loads((sweep_dir / "sweep.json").read_text())
        sweep["trials"][6].update(state="complete", val_loss=1.9876, seconds=30.0)
        sweep["best"] = {"number": 6, "val_loss": 1.9876, "params": sweep["trials"][6]["params"]}
        (sweep_dir / "sweep.json").write_text(json.dumps(sweep))
        await pilot.press("r")
        await pilot.pause()
        table = app.query_one(TrialsTable)
        assert table.rows_shown[0][:3] == ("6*", "complete", "1.9876")
        assert table.selected_trial == 3  # the highlight stays on the trial, not the row


@run_async
async def test_an_empty_sweep_directory_waits(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "study.json").write_text(json.dumps({"study": "s", "storage": None}))
    app = _app(d)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(TrialsTable).row_count == 0
        assert not app.query_one(BestSoFarChart).plot.has_data
        await pilot.press("enter")  # nothing to open
        assert app.is_running


def test_snapshot_sweep_80x24(sweep_dir, snap_compare):
    assert snap_compare(_app(sweep_dir), terminal_size=(80, 24))


def test_snapshot_sweep_160x48(sweep_dir, snap_compare):
    assert snap_compare(_app(sweep_dir), terminal_size=(160, 48))


def test_the_fixture_has_every_state():
    assert {t[1] for t in TRIALS} == {"complete", "pruned", "failed", "running"}
