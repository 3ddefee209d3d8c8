import torch

from makemore_tui.optim import AdamW


def _pair(wd: float):
    torch.manual_seed(0)
    ours = [torch.randn(5, 3, requires_grad=True), torch.randn(7, requires_grad=True)]
    ref = [t.detach().clone().requires_grad_() for t in ours]
    return ours, ref, AdamW(ours, lr=1e-2, betas=(0.9, 0.99), weight_decay=wd), torch.optim.AdamW(
        ref, lr=1e-2, betas=(0.9, 0.99), weight_decay=wd)


def test_adamw_matches_torch():
    for wd in (0.0, 0.1):
        ours, ref, a, b = _pair(wd)
        for _ in range(30):
            grads = [torch.randn_like(t) for t in ours]
            for t, g in zip(ours, grads):
                t.grad = g.clone()
            for t, g in zip(ref, grads):
                t.grad = g.clone()
            a.step()
            b.step()
        for x, y in zip(ours, ref):
            assert torch.allclose(x, y, atol=1e-6), (wd, (x - y).abs().max())
        assert not torch.allclose(ours[0], _pair(wd)[0][0])  # it moved


def test_adamw_state_round_trip_continues_identically():
    ours, _, a, _ = _pair(0.01)
    for _ in range(5):
        for t in ours:
            t.grad = torch.ones_like(t)
        a.step()
    state = a.state_dict()
    copy = [t.detach().clone().requires_grad_() for t in ours]
    b = AdamW(copy, lr=1e-2, betas=(0.9, 0.99), weight_decay=0.01)
    b.load_state_dict(state)
    for opt, ps in ((a, ours), (b, copy)):
        for t in ps:
            t.grad = torch.full_like(t, 0.5)
        opt.step(lr=3e-3)
    for x, y in zip(ours, copy):
        assert torch.equal(x, y)
