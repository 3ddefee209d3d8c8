"""A diverging run never overwrites a good checkpoint."""

from __future__ import annotations

import os

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import events as ev
from makemore_tui.data import load_dataset
from makemore_tui.headless import EXIT_DIVERGED, run_headless
from makemore_tui.run import Run

from helpers import stopped_at, tiny_config


@pytest.mark.parametrize("lr", [1e6, -2.0])
def test_a_diverging_run_never_overwrites_a_good_checkpoint(tmp_path, small_words, lr):
    work = tmp_path / "w"
    stopped_at(tiny_config(max_steps=300, init="kaiming").validate(), small_words, work, 300)
    good = ckpt.load(work)
    # the same run, continued with a rate that blows it up (as if changed in the app's settings)
    bad = good["config"].updated(learning_rate=lr, max_steps=100_000)
    data = load_dataset(small_words, 3)
    run = Run(bad, data, work, resume=good, save_every_s=1e-9)  # it tries to save at every chance
    events = []
    run.trainer.listeners.append(events.append)
    out = open(os.devnull, "w")
    assert run_headless(run, out=out, err=out) == EXIT_DIVERGED
    diverged = [e for e in events if isinstance(e, ev.Diverged)]
    assert len(diverged) == 1
    saves = [e.step for e in events if isinstance(e, ev.CheckpointSaved)]
    assert all(s < diverged[0].step for s in saves)
    # on disk: the good checkpoint, or one saved before the climb began, never the diverged weights
    now = ckpt.load(work)
    assert now["state"]["step"] < run.trainer.step
    assert all(torch.isfinite(v).all() for v in now["state"]["model"].values())
    from makemore_tui.evaluation import evaluate
    from makemore_tui.trainer import Trainer

    t = Trainer(now["config"], data)
    t.load_state_dict(now["state"])
    assert evaluate(t.model, *data.splits["dev"]) < 1.5 * run.trainer.start_loss + 1.0
    assert "not saved" in run.save_checkpoint()


def test_saving_refuses_when_the_loss_is_climbing(tmp_path, small_words):
    run = Run(tiny_config(max_steps=50).validate(), load_dataset(small_words, 3), tmp_path / "w", save_every_s=0)
    run.trainer.run()
    assert run.save_checkpoint().startswith("saved")
    before = (tmp_path / "w" / ckpt.CHECKPOINT).read_bytes()
    t = run.trainer
    t.last_loss = 1.5 * t.start_loss + 2  # not yet flagged as diverged, but climbing past its test
    assert "loss is climbing" in run.save_checkpoint()
    with torch.no_grad():
        t.model.W1[0, 0] = float("nan")
    t.last_loss = 2.0
    assert "diverged" in run.save_checkpoint()
    assert (tmp_path / "w" / ckpt.CHECKPOINT).read_bytes() == before
