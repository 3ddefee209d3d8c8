"""Quitting: prompt mid-training, the run saved on the way out, and no training thread outliving the
app (after q, a failing test, or an error in the app)."""

from __future__ import annotations

import asyncio
import math
import threading
import time

from makemore_tui import events as ev
from makemore_tui.app.messages import TrainerEvent
from makemore_tui.run import open_run

from helpers import wait_until
from helpers_app import app_config, finished, make_app, run_async, wait_for


@run_async
async def test_quit_is_prompt_mid_training(app_words, in_tmp):
    """q while training (a run far from its end): the app and its training thread end within a second."""
    app = make_app(app_words, app_config(10**9, keep_best=False))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.step > 500, what="training to get going")
        threads = {t for t in threading.enumerate() if t.is_alive()}
        t0 = time.monotonic()
        await pilot.press("q")
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0, f"quitting took {elapsed:.2f}s"
    assert not app.current_run.trainer.running
    assert wait_until(lambda: (in_tmp / "out" / "model.pt").is_file())  # saved on the way out, resumable
    assert threads  # (the training thread was among them)


def test_stop_quickly_skips_the_final_evaluation(app_words, in_tmp):
    """What quitting the app does to a live run (Run.release): it stops at once, unevaluated."""
    run = open_run(app_config(10_000_000), str(app_words), "out")
    t = run.trainer
    t.listeners.append(lambda e: run.release() if isinstance(e, ev.Steps) and e.step > 200 else None)
    fin = t.run()
    assert fin.stopped_early and math.isnan(fin.val_loss)
    run.close()


def _returns_within(fn, timeout: float = 60.0):
    """Call fn in a thread: (whether it returned within timeout, what it raised)."""
    box: dict = {}

    def target():
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(timeout)
    return not th.is_alive(), box.get("error")


def test_a_failing_pilot_test_leaves_no_training_thread(app_words, in_tmp):
    """A test that fails inside run_test: the app's shutdown stops the trainer, so asyncio.run (which
    waits for the worker threads) returns and the suite does not hang at exit."""
    app = make_app(app_words, app_config(10**9, keep_best=False))

    async def failing_test():
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.state.step > 0, what="training")
            raise RuntimeError("the test fails")

    ended, error = _returns_within(lambda: asyncio.run(failing_test()))
    if not ended:
        app.current_run.trainer.stop()  # let the thread go before failing
    assert ended, "the training thread outlived the app"
    assert isinstance(error, RuntimeError) and not app.current_run.trainer.running
    assert (in_tmp / "out" / "model.pt").is_file()  # saved on the way out, as with q


def test_an_error_in_the_app_stops_the_training_thread(app_words, in_tmp):
    """An unhandled exception ends the app (Textual's way) and the run stops with it."""
    app = make_app(app_words, app_config(10**9, keep_best=False))

    def fail() -> None:
        raise ZeroDivisionError("a bug in a handler")

    async def crashing():
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.state.step > 0, what="training")
            app.call_later(fail)
            end = time.monotonic() + 60
            while app.is_running and time.monotonic() < end:  # until the error has ended the app
                await asyncio.sleep(0.02)

    ended, error = _returns_within(lambda: asyncio.run(crashing()))
    if not ended:
        app.current_run.trainer.stop()
    assert ended, "the training thread outlived the app"
    assert isinstance(error, ZeroDivisionError) and not app.current_run.trainer.running


@run_async
async def test_stale_events_of_a_replaced_run_are_dropped(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test() as pilot:
        await finished(pilot)
        step = app.state.step
        app.post_message(TrainerEvent(app.run_id - 1, ev.Steps(first_step=0, losses=[9.0], lrs=[0.1], step=1,
                                                                elapsed_s=0.0, steps_per_s=1.0)))
        await pilot.pause(0.05)
        assert app.state.step == step
