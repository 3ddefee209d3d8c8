"""The seed MLP (models/mlp.py): its shapes, the lecture's seeded init, and the hand-written backward
pass and fused SGD step against autograd."""

import pytest
import torch
import torch.nn.functional as F

from makemore_tui.config import Config
from makemore_tui.models import build_model, count_params
from makemore_tui.models.mlp import MLP

CONFIGS = [
    dict(block_size=3, n_embd=2, n_hidden=100, init="seed"),
    dict(block_size=1, n_embd=5, n_hidden=7, init="kaiming"),
    dict(block_size=8, n_embd=10, n_hidden=64, init="kaiming"),
    dict(block_size=4, n_embd=3, n_hidden=1, init="seed"),
]


def _batch(cfg: Config, V: int, B: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, V, (B, cfg.block_size), generator=g), torch.randint(0, V, (B,), generator=g))


def _autograd_grads(model: MLP, X, Y):
    for p in model.parameters():
        p.grad = None
    loss = F.cross_entropy(model(X), Y)
    loss.backward()
    return loss.detach(), [p.grad.clone() for p in model.ordered_parameters()]


def test_shapes_and_param_count():
    cfg = Config()  # the seed net: block 3, n_embd 2, hidden 100
    m = build_model(cfg, 27)
    shapes = {n: tuple(p.shape) for n, p in m.named_parameters()}
    assert shapes == {"C": (27, 2), "W1": (6, 100), "b1": (100,), "W2": (100, 27), "b2": (27,)}
    assert count_params(m) == 27 * 2 + 6 * 100 + 100 + 100 * 27 + 27 == 3481
    X, _ = _batch(cfg, 27, 32)
    assert m(X).shape == (32, 27)


def test_shape_report_is_the_real_shapes():
    cfg = Config(block_size=4, n_embd=5, n_hidden=11)
    m = build_model(cfg, 30)
    X, _ = _batch(cfg, 30, 7)
    rows = {r.name: r for r in m.shape_report(X)}
    assert rows["X"].shape == (7, 4)
    assert rows["emb"].shape == (7, 4, 5)
    assert rows["emb.view"].shape == (7, 20)
    assert "28x5 and 20x11" in rows["emb.view"].note  # the error the view avoids, with these sizes
    assert rows["h"].shape == (7, 11)
    assert rows["logits"].shape == (7, 30)
    assert rows["loss"].shape == ()


def test_seed_init_is_the_lecture_generator():
    cfg = Config()
    m = build_model(cfg, 27)
    g = torch.Generator().manual_seed(2147483647)
    assert torch.equal(m.C.data, torch.randn((27, 2), generator=g))
    assert torch.equal(m.W1.data, torch.randn((6, 100), generator=g))


@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("B", [1, 2, 32])
def test_backward_by_hand_matches_autograd(kw, B):
    cfg = Config(**kw)
    V = 27
    m = build_model(cfg, V)
    X, Y = _batch(cfg, V, B, seed=B)
    ref_loss, ref = _autograd_grads(m, X, Y)
    for p in m.parameters():
        p.grad = None
    loss = m.backward_by_hand(X, Y)
    assert torch.allclose(loss, ref_loss, atol=1e-6)
    for name, p, g in zip(m.param_order, m.ordered_parameters(), ref):
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert torch.allclose(p.grad, g, rtol=1e-4, atol=1e-6), (name, (p.grad - g).abs().max())


def test_backward_by_hand_with_repeated_indices_accumulates_embedding_grads():
    cfg = Config(block_size=3, n_embd=4, n_hidden=9)
    m = build_model(cfg, 5)
    X = torch.tensor([[1, 1, 1], [1, 2, 1], [0, 0, 0]])
    Y = torch.tensor([1, 1, 4])
    _, ref = _autograd_grads(m, X, Y)
    m.backward_by_hand(X, Y)
    assert torch.allclose(m.C.grad, ref[0], rtol=1e-4, atol=1e-6)
    assert m.C.grad[3].abs().sum() == 0  # a row never used gets no gradient


@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("B", [1, 32])
@pytest.mark.parametrize("lr", [0.1, 0.01])
def test_sgd_step_equals_autograd_then_update(kw, B, lr):
    cfg = Config(**kw)
    V = 27
    a, b = build_model(cfg, V), build_model(cfg, V)
    X, Y = _batch(cfg, V, B, seed=3)
    ref_loss, grads = _autograd_grads(a, X, Y)
    with torch.no_grad():
        expected = [p - lr * g for p, g in zip(a.ordered_parameters(), grads)]
    loss = b.sgd_step(X, Y, lr)
    assert torch.allclose(loss, ref_loss, atol=1e-6)
    for name, p, e in zip(b.param_order, b.ordered_parameters(), expected):
        assert torch.allclose(p.data, e, rtol=1e-5, atol=1e-6), (name, (p.data - e).abs().max())
    # and it really moved every parameter
    fresh = build_model(cfg, V)
    assert all(not torch.equal(p, q) for p, q in zip(b.ordered_parameters(), fresh.ordered_parameters()))


def test_sgd_steps_follow_autograd_over_many_steps():
    cfg = Config(block_size=3, n_embd=4, n_hidden=20, init="kaiming")
    a, b = build_model(cfg, 27), build_model(cfg, 27)
    for i in range(25):
        X, Y = _batch(cfg, 27, 16, seed=i)
        _, grads = _autograd_grads(a, X, Y)
        with torch.no_grad():
            for p, g in zip(a.ordered_parameters(), grads):
                p -= 0.1 * g
        b.sgd_step(X, Y, 0.1)
    for p, q in zip(a.ordered_parameters(), b.ordered_parameters()):
        assert torch.allclose(p, q, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("B", [1, 32])
def test_the_step_paths_give_bitwise_the_same_weights_and_losses(B):
    """mlp_paths: the workspace path does the plain path's arithmetic call for call, so whichever the
    machine measures faster, a run is the same."""
    from makemore_tui.models import mlp_paths

    g = torch.Generator().manual_seed(3)
    cfg = Config(block_size=3, n_embd=5, n_hidden=40)
    a, b = MLP(cfg, 27), MLP(cfg, 27)
    for step in range(30):
        X, Y = torch.randint(0, 27, (B, 3), generator=g), torch.randint(0, 27, (B,), generator=g)
        assert torch.equal(mlp_paths.plain(a, X, Y, 0.1), mlp_paths.workspace(b, X, Y, 0.1)), step
    for (name, p), q in zip(zip(MLP.param_order, a.ordered_parameters()), b.ordered_parameters()):
        assert torch.equal(p, q), name


def test_the_first_step_chooses_a_path_on_a_copy_and_keeps_it(monkeypatch):
    from makemore_tui.models import mlp_paths

    cfg = Config(block_size=3, n_embd=5, n_hidden=40)
    m, ref = MLP(cfg, 27), MLP(cfg, 27)
    X, Y = torch.randint(0, 27, (32, 3)), torch.randint(0, 27, (32,))
    calls = []
    real = mlp_paths.choose_path
    monkeypatch.setattr(mlp_paths, "choose_path", lambda *a: calls.append(1) or real(*a))
    for _ in range(3):
        assert torch.equal(m.sgd_step(X, Y, 0.1), mlp_paths.plain(ref, X, Y, 0.1))
    assert calls == [1] and set(mlp_paths.timings) == set(mlp_paths.PATHS)  # measured once per batch size
    assert all(torch.equal(p, q) for p, q in zip(m.ordered_parameters(), ref.ordered_parameters()))
    m.sgd_step(X[:8], Y[:8], 0.1)
    assert calls == [1, 1]
