"""The next-character view's numbers (insight/nextchar.py), against a direct computation."""

from __future__ import annotations

import math

import pytest
import torch

from makemore_tui.data import DataError
from makemore_tui.insight.nextchar import next_char

from helpers import small_model


@pytest.mark.parametrize("context,window", [("", "..."), ("e", "..e"), ("emm", "emm"), ("isabell", "ell")])
def test_next_char_is_the_softmax_of_the_logits_for_the_padded_window(data, context, window):
    m = small_model(data)
    nc = next_char(m, data.vocab, context, block_size=3)
    assert nc.window == window
    X = torch.tensor([[data.vocab.stoi[c] for c in window]])
    logits = (torch.tanh(m.C[X].view(1, -1) @ m.W1 + m.b1) @ m.W2 + m.b2)[0].detach().double()
    assert nc.chars == list(data.vocab.itos)
    assert len(nc.probs) == len(data.vocab) == 27
    assert math.isclose(sum(nc.probs), 1.0, abs_tol=1e-12)
    assert torch.allclose(torch.tensor(nc.logits, dtype=torch.float64), logits, atol=1e-5)
    assert torch.allclose(torch.tensor(nc.probs, dtype=torch.float64), torch.softmax(logits, 0), atol=1e-6)
    # the named characters are the likeliest, in order
    order = torch.argsort(torch.tensor(nc.probs), descending=True)[:5].tolist()
    assert [c for c, _ in nc.top] == [data.vocab.itos[i] for i in order]
    assert nc.top[0][1] == max(nc.probs) and nc.prob(nc.top[0][0]) == nc.top[0][1]


def test_next_char_rejects_unknown_characters(data):
    with pytest.raises(DataError):
        next_char(small_model(data), data.vocab, "em!", block_size=3)


def test_next_char_follows_training(data):
    """After training, the distribution after 'emm' changes and 'a' (emma) becomes likelier."""
    m = small_model(data, n_embd=8, n_hidden=64)
    before = next_char(m, data.vocab, "emm", block_size=3).prob("a")
    X, Y = data.splits["train"]
    Xall = torch.cat([X, data.splits["dev"][0], data.splits["test"][0]])
    Yall = torch.cat([Y, data.splits["dev"][1], data.splits["test"][1]])
    for _ in range(300):
        m.sgd_step(Xall, Yall, 0.5)
    after = next_char(m, data.vocab, "emm", block_size=3).prob("a")
    assert after > before and after > 0.5
