"""--dropout for the sequence models: off by default (as makemore.py), nothing drawn when off, only in
training (eval-mode outputs are unchanged), and a resumed run still repeats the uninterrupted one."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from makemore_tui.config import Config, ConfigError
from makemore_tui.data import make_dataset
from makemore_tui.models import build_model
from makemore_tui.models.base import eval_mode, train_without_dropout
from makemore_tui.run import open_run
from makemore_tui.trainer import Trainer

from helpers import metrics_without_time, stopped_at, tiny_config

SMALL = {"transformer": dict(n_embd=16, n_layer=2, n_head=2), "rnn": dict(n_embd=8, n_hidden=16),
         "gru": dict(n_embd=8, n_hidden=16)}


def seq_config(kind: str, **changes) -> Config:
    return tiny_config(type=kind, block_size=16, batch_size=16, optimizer="adamw", learning_rate=3e-3,
                       **{**SMALL[kind], **changes}).validate()


def batch(words, kind):
    data = make_dataset(words, 16)
    return data, data.splits["train"].first(32)


def test_dropout_is_off_by_default_and_refused_where_a_type_has_none():
    assert Config().dropout == 0.0
    with pytest.raises(ConfigError, match="no dropout"):
        tiny_config(dropout=0.1).validate()  # the MLP
    with pytest.raises(ConfigError, match="dropout"):
        seq_config("transformer", dropout=1.0)
    assert Config.from_dict({"type": "transformer"}).dropout == 0.0  # old settings load


@pytest.mark.parametrize("kind", ["transformer", "rnn", "gru"])
def test_dropout_zero_draws_nothing_and_changes_nothing(kind, words):
    """With dropout 0 a training step equals that of the model with its dropout layers removed (the
    model before --dropout) and the global generator is not touched."""
    data, (X, Y) = batch(words, kind)
    a = build_model(seq_config(kind), len(data.vocab))
    b = build_model(seq_config(kind), len(data.vocab))
    for name, m in list(b.named_modules()):
        for child, sub in list(m.named_children()):
            if isinstance(sub, nn.Dropout):
                setattr(m, child, nn.Identity())
    assert not any(isinstance(m, nn.Dropout) for m in b.modules())
    a.train(), b.train()
    state = torch.get_rng_state()
    la, lb = a.loss(X, Y), b.loss(X, Y)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(la, lb)
    la.backward(), lb.backward()
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p.grad, q.grad)


@pytest.mark.parametrize("kind", ["transformer", "rnn", "gru"])
def test_dropout_changes_training_not_eval_outputs(kind, words):
    data, (X, Y) = batch(words, kind)
    off = build_model(seq_config(kind), len(data.vocab))
    on = build_model(seq_config(kind, dropout=0.3), len(data.vocab))
    for p, q in zip(off.parameters(), on.parameters()):
        assert torch.equal(p, q)  # dropout has no parameters: the same init
    with eval_mode(off), eval_mode(on), torch.no_grad():
        assert torch.equal(off(X), on(X))
        assert torch.equal(off.loss(X, Y), on.loss(X, Y))
    off.train(), on.train()
    torch.manual_seed(0)
    assert not torch.equal(off.loss(X, Y), on.loss(X, Y))
    # diagnostics outside the trainer run without dropout and draw nothing from the global generator
    state = torch.get_rng_state()
    train_without_dropout(on)
    with torch.no_grad():
        first, second = on.loss(X, Y), on.loss(X, Y)
    assert torch.equal(first, second) and torch.equal(torch.get_rng_state(), state)


def test_dropout_changes_the_trained_weights(words):
    data = make_dataset(words, 16)
    runs = []
    for p in (0.0, 0.3):
        tr = Trainer(seq_config("transformer", dropout=p, max_steps=20), data)
        tr.run()
        runs.append(tr)
    assert any(not torch.equal(a, b) for a, b in zip(runs[0].model.parameters(), runs[1].model.parameters()))


@pytest.mark.parametrize("kind", ["transformer", "gru"])
def test_resume_with_dropout_is_bit_for_bit(tmp_path, small_words, kind):
    cfg = seq_config(kind, dropout=0.2, max_steps=60, log_every=1, eval_every=25)
    ref = open_run(cfg, str(small_words), tmp_path / "ref", save_every_s=0)
    ref.trainer.run()
    ref.save_checkpoint()
    ref.close()
    work = tmp_path / "stopped"
    stopped_at(cfg, small_words, work, 23)
    run = open_run(cfg, str(small_words), work, resume=True, save_every_s=0)
    run.trainer.run()
    run.save_checkpoint()
    run.close()
    assert metrics_without_time(work) == metrics_without_time(tmp_path / "ref")
    for p, q in zip(run.trainer.model.parameters(), ref.trainer.model.parameters()):
        assert torch.equal(p, q)
