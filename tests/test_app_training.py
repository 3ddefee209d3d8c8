"""The app training a run: every pane filled, the status line, pausing and stepping, saving, and a
divergence said in words."""

from __future__ import annotations

import math

import pytest

from makemore_tui.app.dashboard import LARGE
from makemore_tui.app.divergence_banner import DivergenceBanner
from makemore_tui.app.state import DIVERGED, FINISHED, PAUSED, TRAINING

from helpers_app import app_config, finished, flat, make_app, run_async, wait_for, wait_for_text


# ---- training, the status line, the panes --------------------------------------------------------

@run_async
async def test_trains_to_the_end_and_shows_every_pane(app_words, in_tmp):
    app = make_app(app_words, emit_interval=0.001)  # flushes often: the stats come too
    async with app.run_test(size=(160, 48)) as pilot:
        await finished(pilot)
        st = app.state
        assert st.status == FINISHED and st.step == 300
        assert st.train.count == 300 and math.isfinite(st.smooth_loss)
        assert st.dev.count >= 2  # evaluated at 100 and 200, and the final dev loss
        assert st.dev_loss == pytest.approx(st.finished.val_loss)
        # what the last redraw drew (the tables and shapes were drawn long before)
        text = await wait_for_text(pilot, "FINISHED", "step 300/300", f"dev {st.finished.val_loss:.4f}",
                                   f"{st.stats['W1'].update_ratio:.1e}")
        assert "FINISHED" in text and "step 300/300" in text
        assert f"dev {st.finished.val_loss:.4f}" in text
        # parameter table: every parameter with its shape and count, and the total
        for name, shape, count in (("C", "(27, 2)", "54"), ("W1", "(6, 100)", "600"), ("b1", "(100,)", "100"),
                                   ("W2", "(100, 27)", "2,700"), ("b2", "(27,)", "27")):
            line = next(l for l in text.splitlines() if f" {name} " in l and shape in l)
            assert count in line
        assert "3,481" in text
        # live stats arrived
        assert set(st.stats) == {"C", "W1", "b1", "W2", "b2"}
        assert all(s.grad_norm > 0 and 0 < s.update_ratio < 1 for s in st.stats.values())
        assert f"{st.stats['W1'].update_ratio:.1e}" in text
        # shapes pane: the real shapes of the batch, and why the view is there
        for shape in ("(32, 3)", "(32, 3, 2)", "(32, 6)", "(32, 100)", "(32, 27)"):
            assert shape in text
        assert "shapes cannot be multiplied (96x2 and 6x100)" in text.replace("\n", " ").replace("│", " ").replace("  ", " ") \
            or "shapes cannot be multiplied" in text
        assert app.dashboard.mode == LARGE


@run_async
async def test_status_line_shows_progress_and_hides_the_clock_when_frozen(app_words, in_tmp):
    app = make_app(app_words, freeze_clock=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await finished(pilot)
        text = await wait_for_text(pilot, "elapsed 0:0", "lr 0.1", "train ", "dev ")
        assert "elapsed 0:0" in text
        assert "lr 0.1" in text and "train " in text and "dev " in text
    frozen = make_app(app_words)
    async with frozen.run_test(size=(120, 40)) as pilot:
        await finished(pilot)
        assert "elapsed --" in await wait_for_text(pilot, "elapsed --")


@run_async
async def test_time_left_while_training(app_words, in_tmp):
    app = make_app(app_words, paused=True, freeze_clock=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED, what="the first pause")
        app.state.status = TRAINING
        app.state.steps_per_s = 100.0
        app.state.step = 100
        app.state.touch("status")
        app.redraw()
        assert "left 0:02" in await wait_for_text(pilot, "left 0:02")  # 200 steps at 100 steps/s
        app.stop_all()


@run_async
async def test_space_pauses_and_n_steps_one_at_a_time(app_words, in_tmp):
    app = make_app(app_words, paused=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED, what="the first pause")
        assert app.state.step == 0
        await pilot.press("n")
        await wait_for(pilot, lambda: app.state.step == 1, what="one step")
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: app.state.step == 3, what="two more steps")
        await pilot.pause(0.2)
        assert app.state.step == 3 and app.current_run.trainer.paused
        assert "PAUSED" in await wait_for_text(pilot, "PAUSED")
        await pilot.press("space")  # resume: runs to the end
        assert not app.current_run.trainer.paused and app.state.status in (TRAINING, FINISHED)
        await finished(pilot)
        assert app.state.step == 300


@run_async
async def test_n_while_training_pauses_first(app_words, in_tmp):
    app = make_app(app_words, paused=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED)
        app.current_run.trainer.resume()
        app.state.status = TRAINING
        # the trainer is running (or already done): n asks it to pause
        app.current_run.trainer.pause()
        app.state.status = TRAINING
        await pilot.press("n")
        assert app.current_run.trainer.paused
        app.stop_all()


@run_async
async def test_keys_after_the_end_say_the_run_has_finished(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test() as pilot:
        await finished(pilot)
        await pilot.press("space")
        await wait_for(pilot, lambda: any("finished" in n.message for n in app._notifications), what="the notice")
        assert any("finished" in n.message for n in app._notifications)
        assert app.state.status == FINISHED


@run_async
async def test_checkpoint_key_saves(app_words, in_tmp):
    app = make_app(app_words, paused=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED)
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: app.state.step == 2)
        await pilot.press("c")
        await wait_for(pilot, lambda: any("saved step 2" in n.message for n in app._notifications),
                       what="the save message")
        assert (in_tmp / "out" / "model.pt").is_file()
        app.stop_all()


# ---- divergence ----------------------------------------------------------------------------------

@run_async
async def test_divergence_is_said_in_words_and_pauses(app_words, in_tmp):
    # a rate the form refuses (it must be positive), so the trainer has to cope: the loss climbs
    app = make_app(app_words, app_config(learning_rate=-1.0, validate=False))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.state.status == DIVERGED, what="divergence")
        await wait_for(pilot, lambda: app.current_run.trainer.paused)
        # the banner is drawn on the next redraw: wait for its words on the screen
        text = await wait_for_text(pilot, "DIVERGED", "the loss climbed from", "negative", flatten=True)
        banner = app.query_one(DivergenceBanner)
        assert banner.display
        assert "DIVERGED" in text and "the loss climbed from" in flat(text) and "negative" in flat(text)
        assert "PAUSED" in text or "DIVERGED" in text
        assert app.state.status == DIVERGED
        app.stop_all()
