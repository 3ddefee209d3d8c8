import math

import pytest
import torch

from makemore_tui.models import build_model
from makemore_tui.sampling import sample
from makemore_tui.trainer import Trainer

from helpers import tiny_config


@pytest.fixture(scope="module")
def trained():
    from helpers import make_words
    from makemore_tui.data import make_dataset

    data = make_dataset(make_words(), 3)
    cfg = tiny_config(max_steps=1500, init="kaiming", batch_size=32)
    t = Trainer(cfg, data)
    t.run()
    return t.model, data, cfg


def name_logprob(model, vocab, block_size, text, ended=True):
    """log P(name) by walking it one character at a time (end token included)."""
    ctx = [0] * block_size
    total = 0.0
    with torch.no_grad():
        for ix in [vocab.stoi[ch] for ch in text] + ([0] if ended else []):
            logp = torch.log_softmax(model(torch.tensor([ctx])), dim=-1)[0, ix].item()
            total += logp
            ctx = ctx[1:] + [ix]
    return total


def test_count_and_determinism(trained):
    model, data, cfg = trained
    a = sample(model, data.vocab, cfg.block_size, n=25, seed=7)
    b = sample(model, data.vocab, cfg.block_size, n=25, seed=7)
    c = sample(model, data.vocab, cfg.block_size, n=25, seed=8)
    assert len(a) == 25 and a == b and [s.text for s in a] != [s.text for s in c]
    assert sample(model, data.vocab, cfg.block_size, n=0) == []
    for s in a:
        assert "." not in s.text and s.ended


def test_prefix_is_respected(trained):
    model, data, cfg = trained
    out = sample(model, data.vocab, cfg.block_size, n=30, prefix="ma", seed=1)
    assert all(s.text.startswith("ma") for s in out)
    assert len({s.text for s in out}) > 1


def test_is_new_marks_words_not_in_training_split(trained):
    model, data, cfg = trained
    out = sample(model, data.vocab, cfg.block_size, n=200, seed=3, is_known=data.is_known)
    assert any(not s.is_new for s in out) and any(s.is_new for s in out)
    for s in out:
        assert s.is_new == (s.text not in set(data.split_words["train"]))
    # without a set of known words, every name counts as new
    assert all(s.is_new for s in sample(model, data.vocab, cfg.block_size, n=20, seed=3))


@pytest.mark.parametrize("kw", [dict(), dict(prefix="an"), dict(temperature=0.5), dict(top_k=3)])
def test_logprob_is_the_sum_of_log_softmax_along_the_name(trained, kw):
    model, data, cfg = trained
    for s in sample(model, data.vocab, cfg.block_size, n=15, seed=11, **kw):
        ref = name_logprob(model, data.vocab, cfg.block_size, s.text, s.ended)
        assert s.logprob == pytest.approx(ref, rel=1e-5, abs=1e-5), s.text
        assert s.logprob < 0


def test_top_k_1_is_greedy(trained):
    model, data, cfg = trained
    out = sample(model, data.vocab, cfg.block_size, n=10, top_k=1, seed=5)
    assert len({s.text for s in out}) == 1
    # the argmax walk, by hand
    ctx, text = [0] * cfg.block_size, ""
    with torch.no_grad():
        for _ in range(64):
            ix = int(model(torch.tensor([ctx])).argmax())
            if ix == 0:
                break
            text += data.vocab.itos[ix]
            ctx = ctx[1:] + [ix]
    assert out[0].text == text
    assert sample(model, data.vocab, cfg.block_size, n=10, top_k=1, seed=99)[0].text == text


def test_temperature_sharpens_and_flattens(trained):
    model, data, cfg = trained
    cold = sample(model, data.vocab, cfg.block_size, n=200, temperature=0.05, seed=2)
    warm = sample(model, data.vocab, cfg.block_size, n=200, temperature=1.0, seed=2)
    hot = sample(model, data.vocab, cfg.block_size, n=200, temperature=3.0, seed=2)
    uniq = [len({s.text for s in x}) for x in (cold, warm, hot)]
    assert uniq[0] < uniq[1] < uniq[2], uniq
    mean_lp = [sum(s.logprob for s in x) / len(x) for x in (cold, warm, hot)]
    assert mean_lp[0] > mean_lp[1] > mean_lp[2], mean_lp
    with pytest.raises(ValueError):
        sample(model, data.vocab, cfg.block_size, n=1, temperature=0.0)


def test_names_that_never_end_are_cut():
    cfg = tiny_config()
    model = build_model(cfg, 3)
    with torch.no_grad():  # make the end token impossible
        model.b2.copy_(torch.tensor([-1e9, 0.0, 0.0]))
    from makemore_tui.data import Vocab

    out = sample(model, Vocab((".", "a", "b")), cfg.block_size, n=3, seed=0, max_len=12)
    assert all(len(s.text) == 12 and not s.ended and math.isfinite(s.logprob) for s in out)
