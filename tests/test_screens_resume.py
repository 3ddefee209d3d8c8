"""Resuming in the app shows the run's whole history (from metrics.jsonl) and its elapsed time goes on;
the learning-rate finder suggests the same rate in the app as `--inspect lr-find` for the same run."""

from __future__ import annotations

import asyncio
import json

import pytest

from makemore_tui import cli
from makemore_tui.app.app import MakemoreApp
from makemore_tui.config import preset
from makemore_tui.recorder import metrics_events, read_metrics
from makemore_tui.run import open_run
from screens_helpers import screen_text, wait_done, wait_for

FAST = ["--threads", "1", "--log-every", "10", "--eval-every", "50"]


def test_metrics_events_rebuild_the_history(words_file, tmp_path, capsys):
    assert cli.main(["--headless", "-i", str(words_file), "-o", str(tmp_path / "w"), "--max-steps", "200", *FAST]) == 0
    records, _ = read_metrics(tmp_path / "w")
    events = metrics_events(records)
    steps = [e for e in events if type(e).__name__ == "Steps"]
    evals = [e for e in events if type(e).__name__ == "Evaluated"]
    assert sum(len(e.losses) for e in steps) == len([r for r in records if r.train_loss is not None])
    assert [e.step for e in evals] == [r.step for r in records if r.val_loss is not None]
    assert all(e.stride == 10 for e in steps if len(e.losses) > 1)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_resuming_in_the_app_shows_the_whole_run(words_file, tmp_path, monkeypatch, capsys, size):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--headless", "-i", str(words_file), "-o", "out", "--max-steps", "300", *FAST]) == 0
    before, _ = read_metrics("out")
    first_elapsed = max(r.elapsed_s or 0 for r in before)

    async def go():
        run = open_run(preset("seed"), str(words_file), "out", resume=True, max_steps=600, emit_interval=1e9)
        app = MakemoreApp(run, make_run=None, freeze_clock=False, sample_seed=1)
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: app.state.step >= 300, what="the resumed run")
            st = app.state
            early = (st.train.x_range, st.dev.x_range, st.elapsed_s)
            await wait_done(pilot)
            return early, st.train.count, screen_text(app)

    (x_range, dev_range, elapsed), count, text = asyncio.run(go())
    assert x_range[0] <= 10  # the chart starts at the run's first logged step, not at the resume
    assert dev_range[0] <= 50
    assert elapsed >= first_elapsed  # the clock goes on from where the run was
    assert count >= 30 + 300  # the 30 logged steps before, then every step after
    assert "600" in text


def test_lr_finder_suggests_the_same_rate_in_the_app_and_on_the_command_line(words_file, tmp_path, monkeypatch,
                                                                             capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--headless", "-i", str(words_file), "-o", "out", "--max-steps", "50", *FAST]) == 0
    assert cli.main(["--inspect", "lr-find", "-i", str(words_file), "-o", "out", "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    cli_rate = json.loads((tmp_path / "out" / "lr_find.json").read_text())["suggested_lr"]
    assert f"{cli_rate:.3g}" in printed

    async def go():
        run = open_run(preset("seed"), str(words_file), "out", resume=True, emit_interval=1e9)
        app = MakemoreApp(run, make_run=None, freeze_clock=True, sample_seed=1)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_done(pilot)
            await pilot.press("7")
            p = app.insight_pane("lr-find")
            await wait_for(pilot, lambda: p.result is not None or p.error is not None, timeout=120, what="the sweep")
            assert p.error is None
            return p.result.suggested_lr

    assert asyncio.run(go()) == pytest.approx(cli_rate, rel=1e-12)
