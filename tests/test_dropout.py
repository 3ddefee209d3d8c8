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


def test_the_dropout_draw_keeps_each_value_with_one_minus_p_and_scales_it():
    """models.base.Dropout: nn.Dropout's function with a cheaper draw (16 random bits a value). Each
    of the four values a 64-bit draw serves is kept with probability 1 - p, independently of its
    neighbours, and a kept value is scaled by 1 / (1 - p); the draw comes from the global generator."""
    from makemore_tui.models.base import Dropout

    for p in (0.1, 0.3, 0.5):
        d = Dropout(p).train()
        torch.manual_seed(1)
        y = d(torch.ones(400_000))
        kept = (y != 0).float()
        assert y.unique().tolist() == [0.0, pytest.approx(1 / (1 - p))]
        for lane in range(4):  # the four 16-bit pieces of each draw: 100,000 values each, sd 0.0016 at most
            assert kept[lane::4].mean().item() == pytest.approx(1 - p, abs=0.006)
        pairs = torch.corrcoef(torch.stack([kept[:-1], kept[1:]]))[0, 1].item()
        assert abs(pairs) < 0.01  # neighbours independent
        torch.manual_seed(1)
        assert torch.equal(d(torch.ones(400_000)), y)  # seeded by the global generator
        assert torch.equal(d.eval()(torch.ones(10)), torch.ones(10))
    x = torch.randn(7, 5, requires_grad=True)  # odd sizes: the last draw serves fewer than four values
    y = Dropout(0.5).train()(x)
    y.sum().backward()
    assert torch.equal(x.grad, (y != 0).float() * 2)


def test_tied_embeddings_share_one_matrix_and_keep_the_other_draws(words):
    data, (X, Y) = batch(words, "transformer")
    plain = build_model(seq_config("transformer"), len(data.vocab))
    tied = build_model(seq_config("transformer", tie_embeddings=True), len(data.vocab))
    assert tied.lm_head.weight is tied.wte.weight
    assert torch.equal(tied.wte.weight, plain.lm_head.weight)  # the head's init for the shared matrix
    n = len(data.vocab) * 16
    assert sum(p.numel() for p in tied.parameters()) == sum(p.numel() for p in plain.parameters()) - n
    for (name, p), q in zip(plain.named_parameters(), plain.parameters()):
        if name not in ("wte.weight", "lm_head.weight"):
            assert torch.equal(dict(tied.named_parameters())[name], q)
    tied.loss(X, Y).backward()  # one gradient, from both uses
    assert tied.wte.weight.grad is tied.lm_head.weight.grad
    with pytest.raises(ConfigError, match="tie_embeddings"):
        tiny_config(tie_embeddings=True).validate()  # the MLP has no such layers
