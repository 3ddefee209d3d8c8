"""A save that fails in the app is said at once: a NOT SAVED mark on the status line and a
notification, and training goes on; the next good save clears the mark."""

from __future__ import annotations

import asyncio

from makemore_tui import checkpoint as ckpt
from makemore_tui.app.app import MakemoreApp
from makemore_tui.app.state import PAUSED
from makemore_tui.config import Config
from makemore_tui.run import open_run

from helpers import make_words
from helpers_app import wait_for



def test_a_failed_save_is_shown_and_training_goes_on(tmp_path, monkeypatch):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(make_words()) + "\n")
    cfg = Config(n_embd=4, n_hidden=16, max_steps=10**9, log_every=10, seed=3, keep_best=False).validate()
    run = open_run(cfg, str(words), tmp_path / "out", save_every_s=0)
    run.trainer.pause()
    app = MakemoreApp(run, make_run=None, freeze_clock=True, sample_seed=0)
    real_save = ckpt.torch.save

    def full_disk(obj, f, *a, **k):  # what torch's zip writer raises on a full disk
        raise RuntimeError("[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed")

    async def go():
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.state.status == PAUSED, what="the paused run")
            monkeypatch.setattr(ckpt.torch, "save", full_disk)
            await pilot.press("n", "c")
            await wait_for(pilot, lambda: app.state.save_error, what="the failed save")
            app.redraw(force=True)
            await pilot.pause(0.05)
            assert "NOT SAVED" in app.status_bar.text_for(app.state)
            notes = [n.message for n in app._notifications]
            assert any("checkpoint not saved" in m and "the next save tries again" in m for m in notes), notes
            step = app.state.step
            await pilot.press("n")  # training goes on
            await wait_for(pilot, lambda: app.state.step > step, what="another step")
            monkeypatch.setattr(ckpt.torch, "save", real_save)
            await pilot.press("c")
            await wait_for(pilot, lambda: not app.state.save_error, what="the good save")
            assert "NOT SAVED" not in app.status_bar.text_for(app.state)
            assert ckpt.load(tmp_path / "out")["state"]["step"] == app.state.step
            app.stop_all()

    asyncio.run(go())
