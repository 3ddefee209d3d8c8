"""What the insight views' numbers share: a copy of the model that is safe to work on, its
parameters in order, the error a view raises for a model it cannot show, and JSON of a view."""

from __future__ import annotations

import copy
import math
from dataclasses import asdict

import torch


def snapshot(model: torch.nn.Module) -> torch.nn.Module:
    """An independent copy of the model (weights cloned, gradients dropped), safe to read or train
    in another thread while the original keeps training. Take it between two steps."""
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.grad = None
    m.forget_caches()  # the fused SGD step caches its parameters' data; rebuilt for the copy
    return m


def named_params(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    """(name, parameter) in the model's own order (its `param_order`, else the trainable ones)."""
    return model.named_in_order()


class InsightError(ValueError):
    """A view that this model cannot show (for instance an embedding map of a bigram table)."""


def to_json(obj) -> dict:
    """A view's dataclass as JSON-ready data (NaN and infinity become null)."""
    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return clean(asdict(obj))
