"""A training step that also measures each parameter's gradient norm and update-to-data ratio
(the ParamStats event the app's parameter table and health view read), taken now and then."""

from __future__ import annotations

import torch

from . import events as ev


def step_with_stats(trainer, X: torch.Tensor, Y: torch.Tensor, lr: float) -> tuple[torch.Tensor, ev.ParamStats]:
    """One ordinary step of `trainer` (a trainer.Trainer), also measuring each parameter's gradient and update-to-data ratio.

    The update itself is the same call as on every other step, so when stats are taken (a
    matter of wall time) never changes the losses."""
    if trainer._fast_sgd:  # the fused step keeps no gradients: compute them once more, apart
        if trainer.model.hand_backward:
            trainer.model.backward_by_hand(X, Y)
        else:
            for p in trainer.params:
                p.grad = None
            trainer.model.loss(X, Y).backward()
    before = [p.detach().clone() for p in trainer.params]
    loss = trainer._train_step(X, Y, lr)
    stats = []
    with torch.no_grad():
        for (name, p), old in zip(trainer.model.named_parameters(), before):
            g = p.grad
            upd = (p - old).std().item() if p.numel() > 1 else (p - old).abs().item()
            ref = old.std().item() if p.numel() > 1 else old.abs().item()
            stats.append(ev.ParamStat(
                name=name,
                grad_norm=g.norm().item() if g is not None else float("nan"),
                data_norm=old.norm().item(),
                update_ratio=upd / ref if ref > 0 else float("nan"),
            ))
    if trainer._fast_sgd:
        for p in trainer.params:
            p.grad = None
    return loss, ev.ParamStats(step=trainer.step + 1, stats=stats)


def stats_step(trainer) -> None:
    """The next step of `trainer` (a trainer.Trainer) through step_with_stats; emits its ParamStats."""
    lr = trainer.cfg.lr_at(trainer.step)
    X, Y = trainer._batch(trainer.step)
    loss, stats = step_with_stats(trainer, X, Y, lr)
    trainer.step += 1
    trainer.emit(stats)
    if trainer.average is not None:
        trainer.average.update()
    trainer._losses.append(loss)
    trainer._lrs.append(lr)
