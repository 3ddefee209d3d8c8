"""An exponential moving average of the weights (`--ema DECAY`): what a run evaluates and ends on.

After every step each parameter's average moves towards its new value:

    avg = decay * avg + (1 - decay) * p          # torch._foreach_lerp_(avg, p, 1 - decay)

so the average forgets an old step's weights at a rate of 1 - decay per step (0.999: over about a
thousand steps). SGD's and AdamW's last steps jitter around a valley; their average sits nearer its
floor (Polyak and Juditsky 1992; as in many GPT training setups). The first steps would drag the
average towards the random init, so the decay used ramps up to `decay`: min(decay, (1 + n) / (10 + n))
after n updates.

The trainer (trainer.py) updates the average after every step, swaps it into the model for each dev
evaluation (so the best dev loss and its weights are the average's), and loads it into the model when
training ends: the final losses, the saved weights and the samples are the average's. A checkpoint
holds the average too, and once the model holds the average, the weights training had reached, so a
resumed run goes on from those, bit for bit as if it had not stopped. Buffers (BatchNorm's running statistics) are
not averaged: they are already averages.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch


class WeightAverage:
    """The moving average of `params` with `decay` (0 < decay < 1)."""

    def __init__(self, params: list[torch.Tensor], decay: float):
        self.params = [p.detach() for p in params]
        self.decay = decay
        self.updates = 0
        self.average = [p.clone() for p in self.params]
        self.held: list[torch.Tensor] | None = None  # training's own weights while the model holds the average

    def rate(self) -> float:
        """The decay of the next update: ramped up from 0.1 so the init does not linger."""
        n = self.updates
        return min(self.decay, (1 + n) / (10 + n))

    @torch.no_grad()
    def update(self) -> None:
        torch._foreach_lerp_(self.average, self.params, 1.0 - self.rate())
        self.updates += 1

    @torch.no_grad()
    def _swap(self) -> None:
        for p, a in zip(self.params, self.average):
            held = p.clone()
            p.copy_(a)
            a.copy_(held)

    @contextmanager
    def applied(self) -> Iterator[None]:
        """The model holds the average inside the block, its own weights again after it."""
        self._swap()
        try:
            yield
        finally:
            self._swap()

    @torch.no_grad()
    def load_into_model(self) -> None:
        """The model takes the average (the end of training); training's own weights are held."""
        if self.held is None:
            self.held = [p.clone() for p in self.params]
        torch._foreach_copy_(self.params, self.average)

    @torch.no_grad()
    def resume_training(self) -> None:
        """Training goes on: the model takes back the weights held by load_into_model."""
        if self.held is not None:
            torch._foreach_copy_(self.params, self.held)
            self.held = None

    def state_dict(self) -> dict:
        held = None if self.held is None else [h.detach().cpu() for h in self.held]
        return {"updates": self.updates, "average": [a.detach().cpu() for a in self.average], "weights": held}

    @torch.no_grad()
    def load_state_dict(self, state: dict | None) -> None:
        """A checkpoint's average; one without (saved with --ema off) starts it at the weights."""
        if not state:
            torch._foreach_copy_(self.average, self.params)
            self.updates, self.held = 0, None
            return
        weights = state.get("weights")
        for what in ([state["average"]] + ([weights] if weights is not None else [])):
            if len(what) != len(self.params):
                raise ValueError("the checkpoint's weight average does not match the model's parameters")
            for mine, theirs in zip(self.params, what):
                if mine.shape != theirs.shape:
                    raise ValueError(f"weight average has shape {tuple(theirs.shape)}, "
                                     f"the model needs {tuple(mine.shape)}")
        torch._foreach_copy_(self.average, list(state["average"]))
        self.updates, self.held = int(state["updates"]), None
        if weights is not None:  # saved at the end, the model holding the average: training's own go on
            torch._foreach_copy_(self.params, list(weights))
