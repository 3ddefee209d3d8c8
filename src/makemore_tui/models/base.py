"""What the model types share: the shape report's rows, the base class, eval mode for a moment.

Every model speaks the engine's one interface:

    forward(X)            X (B, T) previous-character indices, 0-padded on the left -> logits (B, V)
    loss(X, Y)            the training loss of a batch (autograd; the trainer calls .backward())
    shape_report(X)       the real shape of every tensor along the forward pass, for the shapes pane
    activations(X)        named outputs of the squashing layers (tanh/sigmoid), for saturation views
    embedding()           the (V, E) character embedding table C, or None where the model has none

and declares what more it can do, as the class attributes and methods of `Interface` below (the
rest of the program reads these and never probes a model with hasattr; tests/test_models.py checks
every registered type's declarations against what it has).

Models are built from a run's settings, `cfg` (a config.Config; read here by attribute only, so this
package never imports config.py), and the vocabulary size.

Shape reports come from the very code that trains: a Model's forward takes an optional `rec` list
and, when given one, appends a ShapeRow for every tensor it makes (`record`), so a row cannot drift
from the real shape.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class ShapeRow:
    """One tensor along the forward pass, for the shapes pane."""

    name: str  # what the tensor is called in the code, e.g. "emb"
    expr: str  # how it is computed, e.g. "C[X]"
    shape: tuple[int, ...]
    note: str = ""


WHY = "; why: "  # in a shape row's note: what follows explains the shape at length (the shapes pane's "why")


def record(rec: list[ShapeRow] | None, name: str, expr: str, t: torch.Tensor | tuple, note: str = "") -> None:
    """Append the row of tensor `t` (or of a shape) to `rec`, when a report is being drawn."""
    if rec is not None:
        rec.append(ShapeRow(name, expr, tuple(t.shape) if isinstance(t, torch.Tensor) else tuple(t), note))


def normal_(t: torch.Tensor, std: float, g: torch.Generator) -> torch.Tensor:
    """Fill `t` with N(0, std) drawn from the generator `g` (a seeded init)."""
    with torch.no_grad():
        return t.copy_(torch.randn(t.shape, generator=g) * std)


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode (BatchNorm on its running statistics) for the block, then back in the
    mode it was in: the one place that saves and restores `model.training`."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


class Dropout(nn.Dropout):
    """nn.Dropout (each value zeroed with probability p in training, the others scaled by 1 / (1 - p))
    with a cheaper draw. nn.Dropout draws a Bernoulli variable per value, about 6 ns a value on a
    2-core AMD EPYC with torch 2.13 (0.5 ms for the transformer preset's (923, 64) activations, 13
    times a step). This draws one random 64-bit integer per four values from the same global
    generator and keeps a value when its 16 bits are at least a threshold: P(keep) = 1 - p within
    1/65536, each value drawn independently, 3.6x faster forward and backward there."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        n = x.numel()
        bits = torch.randint(-(2**63), 2**63 - 1, ((n + 3) // 4,), dtype=torch.int64, device=x.device)
        keep = bits.view(torch.int16)[:n].view(x.shape) >= round(self.p * 65536) - 32768
        return x * keep.to(x.dtype).mul_(1.0 / (1.0 - self.p))


def train_without_dropout(model: nn.Module) -> nn.Module:
    """`model` in training mode (BatchNorm on the batch's statistics) with its dropout off: for the
    passes outside the trainer (the thread probe, the health view, the learning-rate finder), which
    must not draw from the global generator that the trainer's dropout draws from, or a run would
    depend on which views were open (and a resumed run would not repeat the one never stopped)."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    return model


class Interface(nn.Module):
    """What every model is and declares. The defaults are a plain model's: autograd, any window."""

    # the trainer draws only the windows that end a word (each holds its whole word), and the losses
    # are computed a word at a time by word_loss(X) (the sequence models)
    trains_on_words: bool = False
    fused_sgd: bool = False  # sgd_step(X, Y, lr) makes a whole SGD step at once (the MLP's)
    hand_backward: bool = False  # backward_by_hand(X, Y) fills the gradients without autograd (the MLP's)
    block_size: int = 1  # the context it reads (set from cfg.block_size by the models that read one)
    param_order: tuple[str, ...] = ()  # its parameters' names in its own order (else named_parameters')

    def loss(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self(X), Y)

    def word_loss(self, X: torch.Tensor) -> torch.Tensor:  # pragma: no cover - trains_on_words only
        raise NotImplementedError

    def sgd_step(self, X: torch.Tensor, Y: torch.Tensor, lr: float) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError  # fused_sgd only

    def backward_by_hand(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError  # hand_backward only

    @torch.no_grad()
    def activations(self, X: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
        """The outputs of its squashing layers (tanh, sigmoid) for X, named; [] where it has none."""
        return []

    def embedding(self) -> torch.Tensor | None:
        """The (V, E) character embedding table, C, or None (a bigram's table is the logits)."""
        C = getattr(self, "C", None)
        return C if isinstance(C, torch.Tensor) else None

    def named_in_order(self) -> list[tuple[str, nn.Parameter]]:
        """(name, parameter) in its own order (param_order), else its trainable ones."""
        if self.param_order:
            return [(n, getattr(self, n)) for n in self.param_order]
        return [(n, p) for n, p in self.named_parameters() if p.requires_grad]

    def forget_caches(self) -> None:
        """Drop what it keeps of its parameters' storage (a copy's parameters are new tensors)."""


class Model(Interface):
    """The base of the model types built from layers (all but the MLP, which has its own backward):
    the loss through forward, the shape report from a recorded forward, no activations."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self._forward(X, None)

    def shape_report(self, X: torch.Tensor) -> list[ShapeRow]:
        rec: list[ShapeRow] = []
        with eval_mode(self), torch.no_grad():  # no running statistics move because a report was drawn
            self._forward(X, rec)
        rec.append(ShapeRow("loss", "cross_entropy(logits, Y)", (), "a single number"))
        return rec

    def _forward(self, X: torch.Tensor, rec: list[ShapeRow] | None) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError
