"""Activation and gradient health and update:data ratios (insight/health.py), against direct counts."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from makemore_tui.insight.health import RatioHistory, fixed_batch, health, histogram, update_ratios

from helpers import same_weights, small_model, small_model_config, weights_of


def _direct_h(m, X):
    return torch.tanh(m.C[X].view(X.shape[0], -1) @ m.W1 + m.b1).detach()


@pytest.mark.parametrize("init", ["seed", "kaiming"])
def test_health_activation_numbers_equal_a_direct_count(data, init):
    m = small_model(data, init=init, n_hidden=50)
    X, Y = fixed_batch(*data.splits["train"], 64, seed=3)
    before = weights_of(m)
    h = health(m, X, Y)
    assert same_weights(m, before) and all(p.grad is None for p in m.parameters())
    H = _direct_h(m, X)
    layer = h.layer
    assert layer.name == "h" and layer.n_units == 50 and h.batch_size == 64
    assert layer.saturated == pytest.approx(float((H.abs() > 0.97).sum()) / H.numel())
    dead = int(sum(1 for j in range(H.shape[1]) if all(abs(float(H[i, j])) > 0.99 for i in range(H.shape[0]))))
    assert layer.dead_units == dead and layer.dead_share == pytest.approx(dead / 50)
    assert layer.hist.total == H.numel() and len(layer.hist.edges) == len(layer.hist.counts) + 1
    assert layer.hist.edges[0] == -1.0 and layer.hist.edges[-1] == 1.0
    assert layer.mean == pytest.approx(float(H.double().mean())) and layer.std == pytest.approx(float(H.double().std()))
    assert h.loss == pytest.approx(float(F.cross_entropy(m(X), Y).detach()), rel=1e-5)


def test_health_counts_dead_units(data):
    m = small_model(data, n_hidden=20)
    with torch.no_grad():
        m.b1[:5] = 50.0  # units 0-4 are pinned at +1 for every input
        m.b1[5:] = 0.0
        m.W1.mul_(0.01)
    X, Y = fixed_batch(*data.splits["train"], 32)
    layer = health(m, X, Y).layer
    assert layer.dead_units == 5 and layer.dead_share == 0.25
    assert layer.saturated == pytest.approx(5 / 20)


def test_health_gradients_equal_autograd(data):
    m = small_model(data, n_hidden=30)
    X, Y = fixed_batch(*data.splits["train"], 32, seed=1)
    h = health(m, X, Y)
    loss = F.cross_entropy(m(X), Y)
    grads = torch.autograd.grad(loss, [getattr(m, n) for n in m.param_order])
    assert [g.name for g in h.grads] == list(m.param_order)
    for gs, g, n in zip(h.grads, grads, m.param_order):
        p = getattr(m, n)
        assert gs.shape == tuple(p.shape)
        assert gs.std == pytest.approx(float(g.std()), rel=1e-4)
        assert gs.mean == pytest.approx(float(g.mean()), rel=1e-3, abs=1e-9)
        assert gs.grad_data_ratio == pytest.approx(float(g.std() / p.detach().std()), rel=1e-4)
        assert gs.hist.total == g.numel()


def test_histogram_counts_every_value_once():
    v = torch.tensor([-1.0, -0.5, 0.0, 0.25, 0.99, 1.0, float("nan")])
    hist = histogram(v, bins=4, lo=-1.0, hi=1.0)
    assert hist.counts == [1, 1, 2, 2] and hist.total == 6


def test_update_ratios_are_log10_of_lr_grad_std_over_data_std(data):
    m = small_model(data)
    X, Y = fixed_batch(*data.splits["train"], 32)
    before = weights_of(m)
    got = update_ratios(m, X, Y, lr=0.1)
    assert same_weights(m, before)
    grads = torch.autograd.grad(F.cross_entropy(m(X), Y), [getattr(m, n) for n in m.param_order])
    for n, g in zip(m.param_order, grads):
        want = math.log10(float((0.1 * g).std()) / float(getattr(m, n).detach().std()))
        assert got[n] == pytest.approx(want, abs=1e-5)


def test_update_ratios_match_the_trainers_paramstats_for_an_sgd_step(data):
    """The trainer measures the step it takes: (p_new - p_old).std() / p_old.std(). For plain SGD
    that is std(lr * grad) / std(data), which update_ratios computes without taking the step."""
    from makemore_tui.param_stats import step_with_stats
    from makemore_tui.trainer import Trainer

    cfg = small_model_config(max_steps=1)
    t = Trainer(cfg, data)
    X, Y = t._batch(0)
    want = update_ratios(t.model, X, Y, cfg.lr_at(0))
    _, stats = step_with_stats(t, X, Y, cfg.lr_at(0))
    for s in stats.stats:
        assert math.log10(s.update_ratio) == pytest.approx(want[s.name], abs=1e-4)


def test_ratio_history_keeps_log10_and_stays_bounded():
    hist = RatioHistory(capacity=64)
    for step in range(1, 1001):
        hist.add(step, {"W1": 10 ** -3, "b1": 10 ** (-2 - step / 1000)})
        assert len(hist) <= 64
    assert hist.names == ["W1", "b1"] and hist.count == 1000
    xs, ys = hist.points("W1", 1000)
    assert len(xs) <= 64 and all(v == pytest.approx(-3.0) for v in ys)
    assert xs[0] < 16 and xs[-1] > 985  # still spans the whole run, at a uniform resolution
    gaps = [b - a for a, b in zip(xs, xs[1:-1])]
    assert max(gaps) == min(gaps)
    # each point is the mean of the log10 ratios it holds: b1 is linear in the step
    xs, ys = hist.points("b1", 1000)
    for x, y in zip(xs, ys):
        assert y == pytest.approx(-2 - x / 1000, abs=1e-9)
    assert len(hist.points("b1", 10)[0]) <= 10
    assert hist.latest()["b1"] == pytest.approx(-3.0)
    hist.add(1, {"W1": 1e-3})  # a new run: starts over
    assert hist.count == 1 and hist.points("W1", 10) == ([1.0], [pytest.approx(-3.0)])


def test_ratio_history_takes_paramstats_events():
    from makemore_tui import events as ev

    hist = RatioHistory()
    hist.add_event(ev.ParamStats(step=7, stats=[ev.ParamStat("C", 1.0, 2.0, 0.01), ev.ParamStat("W1", 1.0, 2.0, 0.0)]))
    assert hist.points("C", 10) == ([7.0], [pytest.approx(-2.0)])
    assert math.isnan(hist.latest()["W1"])


def test_a_gradient_mean_that_is_zero_but_for_rounding_is_zero(data):
    """The output layer's gradients sum to zero over the classes (softmax minus one-hot), so the
    means of W2's and b2's are rounding noise whose digits change from run to run: shown as 0."""
    m = small_model(data, n_hidden=30)
    X, Y = fixed_batch(*data.splits["train"], 32, seed=1)
    by_name = {g.name: g for g in health(m, X, Y).grads}
    assert by_name["W2"].mean == 0.0 and by_name["b2"].mean == 0.0
    assert by_name["W1"].mean != 0.0  # a real mean stays
