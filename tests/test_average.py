"""--ema: a moving average of the weights is what a run evaluates, ends on, saves and resumes."""

from __future__ import annotations

import json

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import events as ev
from makemore_tui.average import WeightAverage
from makemore_tui.evaluation import split_loss
from makemore_tui.run import open_run

from helpers import metrics_without_time, stopped_at, tiny_config


def test_the_average_follows_the_ramped_decay_computed_here():
    torch.manual_seed(0)
    p = torch.randn(5)
    avg = WeightAverage([p], 0.9)
    want = p.clone()
    for n in range(30):
        p.add_(torch.randn(5))
        avg.update()
        d = min(0.9, (1 + n) / (10 + n))
        want = d * want + (1 - d) * p
    assert torch.allclose(avg.average[0], want, atol=1e-6)
    held = p.clone()
    with avg.applied():
        assert torch.allclose(p, want, atol=1e-6)
    assert torch.equal(p, held)


def _run(cfg, words, work, listeners=()):
    run = open_run(cfg, str(words), work, save_every_s=0)
    run.trainer.listeners.extend(listeners)
    fin = run.trainer.run()
    run.save_checkpoint()
    run.close()
    return run, fin


def test_a_run_trains_alike_and_evaluates_and_ends_on_the_average(tmp_path, small_words):
    cfg = tiny_config(max_steps=60, eval_every=20, log_every=1, keep_best=False).validate()
    plain, _ = _run(cfg, small_words, tmp_path / "plain")
    # the average of the plain run's weights, step by step, computed here
    seen: list[float] = []
    averaged, fin = _run(cfg.updated(ema=0.95), small_words, tmp_path / "ema",
                         [lambda e: seen.append(e.val_loss) if isinstance(e, ev.Evaluated) else None])
    # training itself is unchanged: the same losses a step
    train = lambda w: [m["train_loss"] for m in metrics_without_time(w)]  # noqa: E731
    assert train(tmp_path / "ema") == train(tmp_path / "plain")
    ref = WeightAverage(list(plain.trainer.model.parameters()), 0.95)
    ref.updates = averaged.trainer.average.updates  # the count the run reached
    assert ref.updates == 60
    # the run ended on its average: the model holds it, the dev loss is its loss, model.pt has it
    t = averaged.trainer
    held = t.average.held
    assert held is not None
    for p, q in zip(held, plain.trainer.model.parameters()):
        assert torch.equal(p, q)  # the training weights, kept aside, are the plain run's
    dev = split_loss(t.model, t.eval_splits["dev"])
    assert fin.val_loss == pytest.approx(dev, abs=1e-6)
    assert fin.val_loss != pytest.approx(plain.trainer.last_val or 0.0, abs=1e-6)
    saved = ckpt.load(tmp_path / "ema")
    for k, v in t.model.state_dict().items():
        assert torch.equal(saved["state"]["model"][k], v)
    assert len(seen) == 2  # steps 20 and 40 (60 is the final evaluation)
    summary = json.loads((tmp_path / "ema" / "summary.json").read_text())
    assert summary["val_loss"] == pytest.approx(fin.val_loss)


def test_resuming_a_run_with_an_average_is_bit_for_bit(tmp_path, small_words):
    cfg = tiny_config(max_steps=90, eval_every=30, log_every=1, ema=0.9).validate()
    ref, _ = _run(cfg, small_words, tmp_path / "ref")
    want = metrics_without_time(tmp_path / "ref")
    # stopped mid-run: the resumed run repeats the run never stopped
    work = tmp_path / "stop45"
    stopped_at(cfg, small_words, work, 45)
    run = open_run(cfg, str(small_words), work, resume=True, save_every_s=0)
    run.trainer.run()
    run.close()
    assert metrics_without_time(work) == want
    for p, q in zip(run.trainer.model.parameters(), ref.trainer.model.parameters()):
        assert torch.equal(p, q)
    # saved at the end, the model holding the average: model.pt has the average (what --sample-only
    # and --inspect load) and a resumed run goes on from training's own weights and the average
    saved = ckpt.load(tmp_path / "ref")["state"]
    for (name, p), a in zip(ref.trainer.model.named_parameters(), ref.trainer.average.average):
        assert torch.equal(saved["model"][name], p) and torch.equal(p, a)
    again = open_run(cfg, str(small_words), tmp_path / "ref", resume=True, save_every_s=0)
    for p, q in zip(again.trainer.model.parameters(), ref.trainer.average.held):
        assert torch.equal(p, q)
    for a, b in zip(again.trainer.average.average, ref.trainer.average.average):
        assert torch.equal(a, b)
    assert again.trainer.average.updates == 90
    again.close()


def test_the_decay_is_refused_outside_its_range():
    for bad in (-0.1, 0.3, 1.0, 1.5):
        with pytest.raises(Exception, match="ema"):
            tiny_config(ema=bad).validate()
    assert tiny_config(ema=0.0).validate().ema == 0.0


def test_a_run_started_from_another_runs_weights_averages_from_them(tmp_path, small_words):
    cfg = tiny_config(max_steps=30).validate()
    _run(cfg, small_words, tmp_path / "first")
    run = open_run(cfg.updated(ema=0.99), str(small_words), tmp_path / "second", save_every_s=0,
                   init_from=tmp_path / "first")
    saved = ckpt.load(tmp_path / "first")["state"]["model"]
    for (name, p), a in zip(run.trainer.model.named_parameters(), run.trainer.average.average):
        assert torch.equal(p, saved[name]) and torch.equal(a, p)
    run.close()
