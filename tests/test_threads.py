"""The thread count is one unless a timing at the start shows more threads win."""

from __future__ import annotations

import torch

from makemore_tui import threads
from makemore_tui.config import preset
from makemore_tui.data import make_dataset
from makemore_tui.models import build_model

from helpers import make_words


def _setup(name="wavenet"):
    cfg = preset(name).validate()
    data = make_dataset(make_words(200), cfg.block_size)
    return cfg, build_model(cfg, len(data.vocab)), *data.splits["train"]


def test_a_small_model_gets_one_thread_without_timing(monkeypatch):
    monkeypatch.setattr(threads, "_time_steps", lambda *a: (_ for _ in ()).throw(AssertionError("timed")))
    cfg, model, X, Y = _setup("seed")
    assert threads.choose_threads(cfg, model, X, Y, cores=8)[0] == 1
    assert torch.get_num_threads() == 1


def test_more_threads_only_when_the_timing_shows_they_win(monkeypatch):
    cfg, model, X, Y = _setup()
    assert threads.step_work(cfg, model) >= threads.SMALL_WORK
    for one, many, want in ((1.0, 0.5, 2), (1.0, 0.9, 1), (1.0, 3.6, 1)):
        monkeypatch.setattr(threads, "_time_steps", lambda m, X, Y, n, s, one=one, many=many: one if n == 1 else many)
        n, why = threads.choose_threads(cfg, model, X, Y, cores=2)
        assert n == want and torch.get_num_threads() == want, why
    torch.set_num_threads(1)


def test_the_timing_leaves_the_runs_weights_alone():
    cfg, model, X, Y = _setup()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    threads.choose_threads(cfg, model, X, Y, cores=2)
    torch.set_num_threads(1)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())


def test_one_core_means_one_thread():
    cfg, model, X, Y = _setup()
    assert threads.choose_threads(cfg, model, X, Y, cores=1)[0] == 1
