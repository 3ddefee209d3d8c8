"""What the trainer watches its losses for: divergence (a NaN or climbing training loss) and
overfitting (the dev loss risen well above its best for a while), and the best dev loss it keeps.

The overfitting rule: an evaluation is "above its best" when its dev loss exceeds the best dev loss
so far by more than max(OVERFIT_MARGIN, OVERFIT_SHARE x best); OVERFIT_EVALS such evaluations in a row
(none at or below that line between them) mean the model is overfitting. A new best starts the count
again. The count is of evaluations, so its patience follows --eval-every. Measured: the defaults on
the bundled names (SGD 0.1, noisy) rise up to 0.026 above their best for three evaluations while still
improving, so 0.02 was too tight; 215 names with the defaults fire at step 8,000 (best 2.746 at 2,000).
"""

from __future__ import annotations

import math
from typing import Iterable

import torch

from . import events as ev

OVERFIT_EVALS = 3  # evaluations in a row above the best's line
OVERFIT_MARGIN = 0.05  # nats: the least rise that counts (a default names run's noise reaches 0.026)
OVERFIT_SHARE = 0.02  # ... or this share of the best, if larger


def climbed(loss: float, start_loss: float | None) -> bool:
    """Whether a loss has climbed far enough above the run's first to call the run diverged."""
    return start_loss is not None and math.isfinite(loss) and loss > 1.5 * start_loss + 1.0


def divergence_reason(losses: list[float], start_loss: float | None, lr: float) -> str | None:
    """Why a run should stop, in words, or None while it looks healthy."""
    bad = next((x for x in losses if not math.isfinite(x)), None)
    if bad is not None:
        what = "NaN" if math.isnan(bad) else "infinite"
        if lr < 0:
            return (f"the loss became {what}: the learning rate {lr:g} is negative, so each update moves the "
                    "weights up the gradient and the loss climbs until it overflows. Use a positive rate.")
        return (f"the loss became {what}: the learning rate {lr:g} is too large for this model, so the updates "
                "overshoot and the weights blow up. Try a rate about 10 times smaller.")
    if start_loss is None or len(losses) < 20:
        return None
    recent = sum(losses[-50:]) / len(losses[-50:])
    if climbed(recent, start_loss):
        if lr < 0:
            return (f"the loss climbed from {start_loss:.3f} to {recent:.3f}: the learning rate {lr:g} is "
                    "negative, so every update moves the weights along the gradient (ascent, not descent). "
                    "The update is p -= lr * grad with lr > 0.")
        return (f"the loss climbed from {start_loss:.3f} to {recent:.3f}: the learning rate {lr:g} is too large, "
                "so each step overshoots. Try a smaller rate (for instance a tenth of it).")
    return None


def overfit_line(best: float) -> float:
    """The dev loss above which an evaluation counts towards overfitting, for a best dev loss."""
    return best + max(OVERFIT_MARGIN, OVERFIT_SHARE * abs(best))


class BestDev:
    """The best periodic dev loss of a run, its step, (with keep_weights) a copy of its weights, and
    the overfitting rule over the evaluations. State for a checkpoint: plain numbers (state_dict)."""

    def __init__(self, keep_weights: bool = True):
        self.keep_weights = keep_weights
        self.val: float | None = None  # the best dev loss so far
        self.step: int | None = None  # ... and the step it was evaluated at
        self.above = 0  # evaluations in a row above overfit_line(val)
        self.overfitting_at: int | None = None  # the step at which the rule fired (once a run)
        self.weights: dict[str, torch.Tensor] | None = None  # the best step's, while keep_weights
        self.saved_step: int | None = None  # the best step whose weights are on disk (best.pt)

    def update(self, step: int, val: float, model: torch.nn.Module | None = None) -> bool:
        """One evaluation's dev loss; True when it makes the rule fire (the first time only)."""
        if not math.isfinite(val):
            return False
        if self.val is None or val < self.val:
            self.val, self.step, self.above = val, step, 0
            if self.keep_weights and model is not None:
                self.weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.above = self.above + 1 if val > overfit_line(self.val) else 0
        if self.above >= OVERFIT_EVALS and self.overfitting_at is None:
            self.overfitting_at = step
            return True
        return False

    def swap_into(self, model: torch.nn.Module) -> dict[str, torch.Tensor]:
        """Load the best weights into `model`; return a copy of those it held."""
        last = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(self.weights)
        return last

    def state_dict(self) -> dict:
        return {"val": self.val, "step": self.step, "above": self.above, "overfitting_at": self.overfitting_at}

    def load_state_dict(self, state: dict | None) -> None:
        state = state if isinstance(state, dict) else {}
        val, step = state.get("val"), state.get("step")
        ok = isinstance(val, float) and isinstance(step, int) and not isinstance(step, bool)
        self.val, self.step = (val, step) if ok else (None, None)
        above, at = state.get("above"), state.get("overfitting_at")
        self.above = above if isinstance(above, int) and ok else 0
        self.overfitting_at = at if isinstance(at, int) and not isinstance(at, bool) else None
        self.weights = None  # read back from best.pt by the run (Run), where it matches


def first_overfitting(vals: Iterable[float]) -> int | None:
    """The index of the evaluation at which the rule fires on a sequence of dev losses, or None."""
    best = BestDev(keep_weights=False)
    for i, v in enumerate(vals):
        if best.update(i, v):
            return i
    return None


def overfitting_words(e: ev.Overfitting) -> str:
    """The Overfitting event in words, for people (headless output, the app's banner)."""
    then = (f"ending on the best weights (step {e.best_step:,})" if e.stopping
            else "training goes on to the end (--no-keep-best)")
    return (f"dev loss {e.val_loss:.4f} has risen above its best {e.best_val_loss:.4f} (step {e.best_step:,}) for "
            f"{e.evaluations} evaluations: the model is overfitting; {then}")


def ended_words(fin: ev.Finished) -> str:
    """Which step's weights a run's final losses are of, in words."""
    if fin.ended_on == "best":
        last = f"; the last step's had dev {fin.last_val_loss:.4f}" if fin.last_val_loss is not None else ""
        return f"the losses are of the best dev's weights, step {fin.best_step:,} (best.pt){last}"
    return f"the losses are of the last step's weights, step {fin.step:,}"
