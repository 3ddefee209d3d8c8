"""Resuming is bit for bit, wherever the run was stopped."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui.config import Config
from makemore_tui.recorder import METRICS
from makemore_tui.run import Run, open_run

from helpers import metrics_without_time, stopped_at, tiny_config, wait_until


def _resumed(cfg: Config, words_file: Path, work: Path) -> Run:
    run = open_run(cfg, str(words_file), work, resume=True, save_every_s=0)
    run.trainer.run()
    run.save_checkpoint()
    run.close()
    return run


@pytest.mark.parametrize("opt", ["sgd", "adamw"])
def test_resume_is_bit_for_bit_mid_chunk_and_on_chunk_boundaries(tmp_path, small_words, opt):
    extra = dict(optimizer="adamw", learning_rate=0.01, weight_decay=0.01, lr_schedule="cosine",
                 warmup_steps=20) if opt == "adamw" else dict(lr_schedule="step", lr_decay_at=0.6)
    # a large batch makes a chunk of batches short (trainer.chunk), so a run crosses several
    cfg = tiny_config(batch_size=4096, max_steps=140, log_every=1, eval_every=50, n_embd=2, n_hidden=8,
                      **extra).validate()
    ref_run = open_run(cfg, str(small_words), tmp_path / "ref", save_every_s=0)
    K = ref_run.trainer.chunk
    assert K == 64
    ref_run.trainer.run()
    ref_run.save_checkpoint()
    ref_run.close()
    want = metrics_without_time(tmp_path / "ref")
    assert len(want) == 140 and [x["step"] for x in want if "val_loss" in x] == [50, 100]
    for stop_at in (K - 1, K, 100):  # mid-chunk, a chunk boundary, mid-chunk on an evaluation step
        work = tmp_path / f"stop{stop_at}"
        stopped_at(cfg, small_words, work, stop_at)
        run = _resumed(cfg, small_words, work)
        assert run.trainer.step == 140
        assert run.trainer.start_loss == ref_run.trainer.start_loss  # divergence is judged as before
        assert metrics_without_time(work) == want, f"stopped at {stop_at}"
        for p, q in zip(run.trainer.model.parameters(), ref_run.trainer.model.parameters()):
            assert torch.equal(p, q), stop_at
        if opt == "adamw":
            for a, b in zip(run.trainer.optimizer.exp_avg, ref_run.trainer.optimizer.exp_avg):
                assert torch.equal(a, b)


def test_metrics_up_to_a_checkpoint_are_on_disk_when_it_is_saved(tmp_path, small_words):
    """A process killed right after a save must not lose the line of the saved step (the recorder
    holds it back for a possible val_loss): a resumed run starts logging after that step."""
    cfg = tiny_config(max_steps=1000, log_every=10).validate()
    run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
    t = run.trainer
    t.pause()
    t.step_once(20)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    try:
        assert wait_until(lambda: t.step == 20 and t.paused)
        assert "saved step 20" in t.submit(run.save_checkpoint).result(timeout=60)
        on_disk = [json.loads(x)["step"] for x in (tmp_path / "w" / METRICS).read_text().splitlines()]
        assert on_disk == [10, 20]  # read as a killed process would leave it
    finally:
        t.stop()
        th.join(60)
        run.close()


def test_resume_restores_the_global_generator(tmp_path, small_words):
    cfg = tiny_config(max_steps=30).validate()
    run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
    run.trainer.run()
    torch.rand(7)  # something drew from the global generator (dropout would, say)
    run.save_checkpoint()
    run.close()
    saved = ckpt.load(tmp_path / "w")["state"]["torch_rng"]
    torch.manual_seed(12345)
    run = open_run(cfg, str(small_words), tmp_path / "w", resume=True, save_every_s=0)
    run.trainer.run()  # already at max_steps: no step is taken
    run.close()
    assert torch.equal(torch.get_rng_state(), saved)


def test_a_stop_during_an_evaluation_is_made_good_on_resuming(tmp_path, small_words):
    """A signal that lands while the dev set of step 100 is being evaluated cuts that evaluation
    short (quitting is prompt); the run resumed from step 100 evaluates it first, so its metrics
    equal the uninterrupted run's, val_loss of step 100 included."""
    from makemore_tui import events as ev

    cfg = tiny_config(max_steps=200, log_every=10, eval_every=100, n_embd=2, n_hidden=8).validate()
    ref = open_run(cfg, str(small_words), tmp_path / "ref", save_every_s=0)
    ref.trainer.run()
    ref.close()
    want = metrics_without_time(tmp_path / "ref")
    assert [x["step"] for x in want if "val_loss" in x] == [100]

    run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
    t = run.trainer
    # the Steps event flushed just before step 100's evaluation: the stop lands inside it
    t.listeners.append(lambda e: t.stop() if isinstance(e, ev.Steps) and e.step == 100 else None)
    t.before_finish.append(run.save_checkpoint)  # as a signal's stop does (headless)
    t.run()
    run.close()
    assert t.step == 100 and t.eval_owed == 100
    assert "val_loss" not in metrics_without_time(tmp_path / "w")[-1]

    resumed = _resumed(cfg, small_words, tmp_path / "w")
    assert resumed.trainer.eval_owed is None and resumed.trainer.step == 200
    assert metrics_without_time(tmp_path / "w") == want
