import math
import threading
import time

import pytest
import torch

from makemore_tui import events as ev
from makemore_tui.config import Config
from makemore_tui.evaluation import evaluate
from makemore_tui.trainer import Trainer

from helpers import losses_of, tiny_config, wait_until


def train(cfg: Config, data, **kw) -> tuple[Trainer, list[ev.Event]]:
    seen: list[ev.Event] = []
    t = Trainer(cfg, data, listeners=[seen.append], **kw)
    t.run()
    return t, seen


@pytest.mark.parametrize("opt", ["sgd", "adamw"])
def test_same_seed_same_losses_bit_for_bit(tiny_data, opt):
    cfg = tiny_config(optimizer=opt, learning_rate=0.1 if opt == "sgd" else 0.01, max_steps=300, eval_every=100)
    a, ea = train(cfg, tiny_data)
    b, eb = train(cfg, tiny_data, emit_interval=0.001)  # other flush points must not matter
    la, lb = losses_of(ea), losses_of(eb)
    assert len(la) == 300 and la == lb
    va = [e.val_loss for e in ea if isinstance(e, ev.Evaluated)]
    assert va == [e.val_loss for e in eb if isinstance(e, ev.Evaluated)] and len(va) == 2
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(p, q)


def test_other_seed_other_losses(tiny_data):
    la = losses_of(train(tiny_config(max_steps=50), tiny_data)[1])
    lb = losses_of(train(tiny_config(max_steps=50, seed=99), tiny_data)[1])
    assert len(la) == len(lb) == 50 and la != lb


@pytest.mark.parametrize("opt,lr", [("sgd", 0.1), ("adamw", 0.01)])
def test_loss_falls(tiny_data, opt, lr):
    cfg = tiny_config(optimizer=opt, learning_rate=lr, max_steps=1500, init="kaiming", batch_size=32)
    X, Y = tiny_data.splits["train"]
    t = Trainer(cfg, tiny_data)
    before = evaluate(t.model, X, Y)
    fin = t.run()
    assert fin.step == 1500 and not fin.stopped_early and fin.diverged is None
    assert fin.train_loss < before - 0.5, (before, fin.train_loss)
    assert math.isfinite(fin.val_loss) and math.isfinite(fin.test_loss)


def test_events_started_and_finished(tiny_data):
    t, seen = train(tiny_config(max_steps=40, eval_every=20), tiny_data)
    started, fin = seen[0], seen[-1]
    assert isinstance(started, ev.Started) and isinstance(fin, ev.Finished)
    assert started.n_params == sum(p.numel() for p in t.model.parameters())
    assert started.vocab == list(tiny_data.vocab.itos) and started.max_steps == 40
    assert [e.step for e in seen if isinstance(e, ev.Evaluated)] == [20]  # not at the end: Finished has it
    assert fin.step == 40 and fin.steps_per_s > 0


def test_pause_step_once_submit_resume_stop_from_another_thread(tiny_data):
    cfg = tiny_config(max_steps=10_000_000)
    seen: list[ev.Event] = []
    t = Trainer(cfg, tiny_data, listeners=[seen.append], emit_interval=0.01)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    assert wait_until(lambda: t.step > 50)
    t.pause("test")
    assert wait_until(lambda: any(isinstance(e, ev.Paused) for e in seen))
    paused = next(e for e in seen if isinstance(e, ev.Paused))
    assert paused.reason == "test" and t.paused
    at = t.step
    assert at == paused.step
    time.sleep(0.1)
    assert t.step == at  # really paused
    t.step_once(3)
    assert wait_until(lambda: t.step == at + 3)
    time.sleep(0.1)
    assert t.step == at + 3 and t.paused
    # a task submitted while paused runs in the training thread, between steps
    fut = t.submit(lambda: (threading.current_thread() is th, t.step))
    assert fut.result(timeout=60) == (True, at + 3)
    t.resume()
    assert wait_until(lambda: t.step > at + 100)
    assert any(isinstance(e, ev.Resumed) for e in seen)
    fut = t.submit(lambda: t.step)
    s = fut.result(timeout=60)
    assert s > at + 3
    t.stop()
    th.join(60)
    assert not th.is_alive()
    fin = seen[-1]
    assert isinstance(fin, ev.Finished) and fin.stopped_early and fin.step < cfg.max_steps
    assert losses_of(seen) and len(losses_of(seen)) == fin.step
    # after the run, submit runs at once in the caller's thread
    assert t.submit(lambda: threading.current_thread() is threading.main_thread()).result(timeout=1)


@pytest.mark.parametrize("lr,words", [(-1.0, "negative"), (-0.5, "negative"), (1e6, "too large"), (1e30, "too large")])
def test_divergence_is_detected_explained_and_pauses(tiny_data, lr, words):
    cfg = Config(block_size=3, n_embd=4, n_hidden=16, batch_size=16, learning_rate=lr, max_steps=1_000_000,
                 eval_every=0, seed=5)  # no validate(): the form refuses these, the trainer must cope
    seen: list[ev.Event] = []
    t = Trainer(cfg, tiny_data, listeners=[seen.append], emit_interval=0.01)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    try:
        assert wait_until(lambda: any(isinstance(e, ev.Paused) for e in seen), ), "never paused"
    except AssertionError:
        t.stop()
        th.join(60)
        raise
    d = [e for e in seen if isinstance(e, ev.Diverged)]
    assert len(d) == 1
    assert words in d[0].reason and f"{lr:g}" in d[0].reason
    assert t.paused and t.diverged == d[0].reason
    p = next(e for e in seen if isinstance(e, ev.Paused))
    assert p.reason == "diverged"
    at = t.step
    time.sleep(0.05)
    assert t.step == at
    t.stop()
    th.join(60)
    assert seen[-1].diverged == d[0].reason


def test_healthy_run_does_not_diverge(tiny_data):
    t, seen = train(tiny_config(max_steps=500), tiny_data)
    assert t.diverged is None and not any(isinstance(e, ev.Diverged) for e in seen)


def test_trainer_keeps_no_per_step_history(tiny_data):
    t, _ = train(tiny_config(max_steps=3000), tiny_data, emit_interval=10.0)
    assert len(t._recent) <= 200 and t._losses == []


def test_listener_sees_steps_in_batches_with_lrs(tiny_data):
    cfg = tiny_config(max_steps=100, lr_schedule="step", lr_decay_at=0.5, lr_decay_factor=0.1)
    _, seen = train(cfg, tiny_data, emit_interval=0.0)
    lrs = [lr for e in seen if isinstance(e, ev.Steps) for lr in e.lrs]
    assert lrs == [0.1] * 50 + [pytest.approx(0.01)] * 50
