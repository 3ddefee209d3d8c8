"""Snapshot tests of the app (pytest-textual-snapshot): what a user sees, at the sizes that matter.

Deterministic: a seeded run of 300 steps on a fixed word list, whose events do not depend on timing
(no time-based flushes: the trainer reports at its evaluations and at the end), the clock frozen
(elapsed, steps/s and time left show as --), the parameter statistics given as a fixed event, the
sampling seeded. Update with `pytest tests/test_app_snapshots.py --snapshot-update` and look at the
SVGs (tests/__snapshots__/) before committing them.
"""

from __future__ import annotations

import pytest

from makemore_tui import events as ev
from makemore_tui.app.messages import TrainerEvent
from helpers_app import app_config, make_app, wait_for

NEVER = 1e9  # emit_interval: no flush on time, so the same events on every machine

STATS = ev.ParamStats(step=300, stats=[
    ev.ParamStat("C", 0.412, 3.91, 1.6e-2),
    ev.ParamStat("W1", 0.733, 21.8, 3.1e-3),
    ev.ParamStat("b1", 0.587, 10.9, 5.2e-3),
    ev.ParamStat("W2", 1.214, 48.7, 2.2e-3),
    ev.ParamStat("b2", 0.144, 4.02, 3.4e-3),
])


@pytest.fixture
def snap_words(app_words, in_tmp):
    return app_words


def snapshot_app(words, cfg=None, **kwargs):
    kwargs.setdefault("emit_interval", NEVER)
    kwargs.setdefault("n_samples", 20)
    return make_app(words, cfg or app_config(300), **kwargs)


async def trained(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.state.finished is not None and not app.live_runs, what="the end of training")
    app.post_message(TrainerEvent(app.run_id, STATS))
    await wait_for(pilot, lambda: app.state.stats == {s.name: s for s in STATS.stats}, what="the statistics")
    app.clear_notifications()
    app.redraw(force=True)
    await pilot.pause(0.05)


async def sampled(pilot) -> None:
    app = pilot.app
    await trained(pilot)
    await pilot.press("s")
    await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy, what="samples")
    app.redraw(force=True)
    await pilot.pause(0.05)


def test_snapshot_80x24(snap_words, snap_compare):
    assert snap_compare(snapshot_app(snap_words), terminal_size=(80, 24), run_before=trained)


def test_snapshot_160x48_with_samples(snap_words, snap_compare):
    assert snap_compare(snapshot_app(snap_words), terminal_size=(160, 48), run_before=sampled)


def test_snapshot_40x12(snap_words, snap_compare):
    assert snap_compare(snapshot_app(snap_words), terminal_size=(40, 12), run_before=trained)


def test_snapshot_80x24_shapes_log_scale(snap_words, snap_compare):
    assert snap_compare(snapshot_app(snap_words), terminal_size=(80, 24), run_before=trained, press=["3", "l"])


def test_snapshot_settings_with_an_invalid_field(snap_words, snap_compare):
    async def before(pilot):
        await trained(pilot)
        await pilot.press("e")
        pilot.app.screen.query_one("#f-block_size").value = "0"
        await pilot.pause(0.05)

    assert snap_compare(snapshot_app(snap_words), terminal_size=(100, 30), run_before=before)


def test_snapshot_help(snap_words, snap_compare):
    assert snap_compare(snapshot_app(snap_words), terminal_size=(100, 40), run_before=trained, press=["question_mark"])


def test_snapshot_diverged(snap_words, snap_compare):
    async def before(pilot):
        app = pilot.app
        # the trainer's last events: Diverged, the dev evaluation of that step, then Paused
        await wait_for(pilot, lambda: app.state.status == "diverged" and app.state.pause_reason == "diverged",
                       what="divergence and the pause")
        app.redraw(force=True)
        await pilot.pause(0.05)

    app = snapshot_app(snap_words, app_config(300, validate=False, learning_rate=-1.0))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_snapshot_ansi_theme(snap_words, snap_compare):
    app = snapshot_app(snap_words, theme="makemore-ansi")
    assert snap_compare(app, terminal_size=(100, 30), run_before=sampled)
