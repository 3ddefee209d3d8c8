"""Every insight view works for every model type (models/) and leaves the model unchanged."""

from __future__ import annotations

import pytest
import torch

from makemore_tui.config import Config
from makemore_tui.data import make_dataset
from makemore_tui.insight.base import InsightError
from makemore_tui.insight.confusion import confusion
from makemore_tui.insight.embedding import embedding_map
from makemore_tui.insight.health import fixed_batch, health
from makemore_tui.insight.lr_finder import lr_find
from makemore_tui.insight.nextchar import next_char
from makemore_tui.models import build_model

from helpers import WORDS, same_weights, weights_of


@pytest.mark.parametrize("kind", ["bigram", "mlp-bn", "wavenet", "rnn", "gru", "transformer", "bow"])
def test_every_view_works_for_every_model_type_and_leaves_it_unchanged(kind):
    block = 1 if kind == "bigram" else 4
    data = make_dataset(WORDS, block)
    m = build_model(Config(type=kind, block_size=block, n_embd=8, n_hidden=16, n_layer=1, n_head=2, seed=1).validate(),
                    len(data.vocab))
    before = weights_of(m)  # BatchNorm's running statistics included
    X, Y = fixed_batch(*data.splits["train"], 32)
    nc = next_char(m, data.vocab, "em", block_size=block)
    m.eval()  # one example: BatchNorm must use its running statistics, as next_char does
    with torch.no_grad():
        want = torch.softmax(m(torch.tensor([data.vocab.encode(nc.window)])).double()[0], 0)
    m.train()
    assert torch.allclose(torch.tensor(nc.probs, dtype=torch.float64), want, atol=1e-6)
    if kind == "bigram":
        with pytest.raises(InsightError):
            embedding_map(m, data.vocab)
    else:
        assert embedding_map(m, data.vocab).method == "PCA"
    h = health(m, X, Y)
    assert len(h.grads) == len([p for p in m.parameters() if p.requires_grad])
    for layer in h.layers:
        assert layer.hist.total > 0 and 0.0 <= layer.saturated <= 1.0
    c = confusion(m, *data.splits["dev"], data.vocab)
    assert sum(map(sum, c.counts)) == data.splits["dev"][0].shape[0]
    r = lr_find(m, *data.splits["train"], steps=50)
    assert 1e-3 <= r.suggested_lr <= r.min_lr
    assert same_weights(m, before)
