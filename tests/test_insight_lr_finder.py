"""The learning-rate finder (insight/lr_finder.py): the lecture's sweep, on a copy."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from makemore_tui.insight.base import snapshot
from makemore_tui.insight.lr_finder import lr_find, lr_schedule, smooth, suggest

from helpers import same_weights, small_model, weights_of


def test_lr_schedule_rises_exponentially_from_1e_3_to_1_over_1000_steps():
    lre, lrs = lr_schedule()
    assert len(lrs) == 1000 and lrs[0] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(1.0)
    ratios = [b / a for a, b in zip(lrs, lrs[1:])]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-9)  # a constant factor per step
    assert ratios[0] == pytest.approx(1000 ** (1 / 999))
    assert lre == pytest.approx([-3 + 3 * i / 999 for i in range(1000)])


def test_lr_find_sweeps_a_copy_and_suggests_a_rate_at_or_below_the_minimum(data):
    m = small_model(data, n_hidden=32)
    before = weights_of(m)
    seen = []
    r = lr_find(m, *data.splits["train"], batch_size=32, seed=5, progress=lambda i, loss: seen.append(i))
    assert same_weights(m, before)  # the live model is untouched
    assert r.lrs == pytest.approx(lr_schedule()[1]) and r.steps == len(r.losses) == len(seen)
    assert r.steps <= 1000 and r.steps > 500
    assert 1e-3 <= r.suggested_lr <= r.min_lr <= 1.0
    i = min(range(len(r.smoothed)), key=lambda k: r.smoothed[k])
    assert r.min_lr == pytest.approx(r.lrs[i]) and r.min_loss == r.smoothed[i]
    assert r.suggested_lr == pytest.approx(max(1e-3, r.min_lr / 2))
    assert r.smoothed == pytest.approx(smooth(r.losses, r.window))
    # the same weights and seed give the same sweep
    assert lr_find(m, *data.splits["train"], batch_size=32, seed=5).losses == r.losses


def test_lr_find_losses_are_the_losses_of_sgd_steps_at_the_scheduled_rates(data):
    m = small_model(data)
    X, Y = data.splits["train"]
    r = lr_find(m, X, Y, batch_size=16, steps=30, seed=9)
    ref = snapshot(m)
    g = torch.Generator().manual_seed(9)
    for lr, got in zip(r.lrs, r.losses):
        ix = torch.randint(0, X.shape[0], (16,), generator=g)
        loss = F.cross_entropy(ref(X[ix]), Y[ix])
        assert float(loss.detach()) == pytest.approx(got, rel=1e-5)
        grads = torch.autograd.grad(loss, list(ref.parameters()))
        with torch.no_grad():
            for p, gr in zip(ref.parameters(), grads):
                p -= lr * gr


def test_lr_find_stops_when_the_loss_blows_up(data):
    m = small_model(data)
    r = lr_find(m, *data.splits["train"], steps=400, lo=0.0, hi=3.0, seed=0)  # rates 1 to 1000
    assert r.stopped_early and r.steps < 400
    assert 1.0 <= r.suggested_lr <= r.min_lr


def test_smooth_is_a_centred_moving_average():
    xs = [float(i * i % 7) for i in range(30)]
    got = smooth(xs, 5)
    for i in range(30):
        r = min(2, i, 29 - i)
        seg = xs[i - r:i + r + 1]
        assert got[i] == pytest.approx(sum(seg) / len(seg))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 199), st.floats(0.1, 5.0))
def test_suggest_finds_the_minimum_of_a_valley(imin, depth):
    lre, _ = lr_schedule(200)
    curve = [depth * (i - imin) ** 2 / 200 + 2.0 for i in range(200)]
    sugg, min_lr, min_loss, steep = suggest(lre, curve)
    assert min_lr == pytest.approx(10 ** lre[imin]) and min_loss == pytest.approx(2.0)
    assert sugg == pytest.approx(max(1e-3, min_lr / 2)) and 1e-3 <= sugg <= min_lr
    assert 1e-3 <= steep <= min_lr
