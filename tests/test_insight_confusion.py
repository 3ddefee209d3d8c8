"""The confusion view's counts (insight/confusion.py), against a direct count."""

from __future__ import annotations

import pytest

from makemore_tui.insight.confusion import confusion

from helpers import small_model


def test_confusion_counts_every_dev_example_and_its_diagonal_is_the_correct_argmax(data):
    m = small_model(data, n_embd=4, n_hidden=32)
    Xd, Yd = data.splits["dev"]
    c = confusion(m, Xd, Yd, data.vocab, top=8)
    pred = m(Xd).argmax(1)
    assert c.n == Xd.shape[0] == sum(map(sum, c.counts))
    assert c.correct == int((pred == Yd).sum()) == sum(c.counts[i][i] for i in range(27))
    assert c.accuracy == pytest.approx(float((pred == Yd).double().mean()))
    for t in range(27):  # every cell, directly
        for p in range(27):
            assert c.counts[t][p] == int(((Yd == t) & (pred == p)).sum())
    off = sorted(((c.counts[t][p], t, p) for t in range(27) for p in range(27) if t != p and c.counts[t][p]),
                 reverse=True)
    assert [n for _, _, n in c.top] == [n for n, _, _ in off[:8]]
    assert all(t != p for t, p, _ in c.top)
    recall = c.recall()
    for t in range(27):
        row = sum(c.counts[t])
        assert recall[t] == (c.counts[t][t] / row if row else None)
    assert sum(c.predicted_totals()) == c.n
