"""Settings for a run, the named presets, and their validation.

A Config holds plain values only (numbers, strings), so it can be written to JSON, stored in a
checkpoint and shown in a form. `validate()` is the one place that decides what a setting may be;
the command line and the TUI's settings form both call it. The model types, their own checks and
their presets come from the registry (models/__init__.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from .errors import ConfigError
from .symbols import SYMBOLS  # what a symbol is: grapheme, codepoint
from .models import DEFAULT_TYPE, PRESETS, model_type, names, types

SCHEDULES = ("constant", "step", "cosine")
OPTIMIZERS = ("sgd", "adamw")
# seed: the lecture's plain randn; kaiming: scaled as in lecture 3 (the MLP); makemore: PyTorch's
# default init of nn.Linear and nn.Embedding, as makemore.py's models get (the sequence models' own);
# gpt2: GPT-2's N(0, 0.02) with the residual projections scaled down (the transformer). Which a
# type accepts is its registry entry's `inits`; "seed", Config's default, means each type's own.
INITS = ("seed", "kaiming", "makemore", "gpt2")
# lecture: the lectures' shuffled 80/10/10; makemore: makemore.py's split (splits.py)
SPLITS = ("lecture", "makemore")
DEVICES = ("cpu", "cuda", "mps")

# The seed that the lecture's init uses: torch.Generator().manual_seed(2147483647).
LECTURE_SEED = 2147483647
# Examples (windows) of each split that the losses are computed on, unless eval_exact: the split's
# first words holding this many (splits.Split.head). A loss over them is within about +-0.002 of
# the whole split's (one standard error, for a per-example loss spread of 1.23 as on names).
EVAL_EXAMPLES = 1 << 18


@dataclass
class Config:
    # model
    type: str = DEFAULT_TYPE  # a registered model type (models.names())
    block_size: int = 3  # context length: how many previous characters the model sees
    n_embd: int = 2  # size of each character's embedding (columns of C)
    n_hidden: int = 100  # width of the tanh hidden layer
    init: str = "seed"  # INITS; seed: plain randn as in lecture 2 (for the sequence models: makemore's init)
    dropout: float = 0.0  # the sequence models: the share of activations dropped while training (0: off)
    n_layer: int = 4  # transformer: blocks
    n_head: int = 4  # transformer: attention heads (n_embd must be a multiple)
    # optimisation
    batch_size: int = 32
    learning_rate: float = 0.1
    lr_schedule: str = "constant"
    lr_decay_at: float = 0.5  # step schedule: the rate is multiplied by lr_decay_factor at this share of max_steps
    lr_decay_factor: float = 0.1
    warmup_steps: int = 0  # cosine schedule: linear warm-up
    min_lr: float = 0.0  # cosine schedule: the rate at the last step
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    max_steps: int = 200_000
    seed: int = LECTURE_SEED
    device: str = "cpu"
    # bookkeeping
    eval_every: int = 2_000  # steps between dev-loss evaluations (0: only at the end)
    log_every: int = 100  # steps between lines of metrics.jsonl
    preset: str = "seed"
    split: str = "lecture"  # SPLITS: how the words are dealt into train, dev and test
    symbols: str = "grapheme"  # symbols.SYMBOLS: a symbol is a grapheme cluster or a code point
    eval_exact: bool = False  # losses over the whole splits, not each split's fixed sample (splits.Split.head)
    # end on the weights of the best periodic dev loss: stop when the dev loss has risen well above it
    # for a while (watch.py), and at any end where they beat the last step's
    keep_best: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Config":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def updated(self, **changes) -> "Config":
        return replace(self, **changes)

    @property
    def decay_step(self) -> int:
        return int(self.lr_decay_at * self.max_steps)

    def lr_at(self, step: int) -> float:
        """The learning rate used for step `step` (0-based)."""
        lr = self.learning_rate
        if self.lr_schedule == "step":
            return lr * self.lr_decay_factor if step >= self.decay_step else lr
        if self.lr_schedule == "cosine":
            if step < self.warmup_steps:
                return lr * (step + 1) / self.warmup_steps
            span = max(1, self.max_steps - self.warmup_steps)
            t = min(1.0, (step - self.warmup_steps) / span)
            return self.min_lr + 0.5 * (lr - self.min_lr) * (1.0 + math.cos(math.pi * t))
        return lr

    def validate(self) -> "Config":
        """Raise ConfigError for the first setting that cannot be used; return self otherwise."""
        ints = {
            "block_size": (1, 256),
            "n_embd": (1, 4096),
            "n_hidden": (1, 65536),
            "n_layer": (1, 64),
            "n_head": (1, 64),
            "batch_size": (1, 1_000_000),
            "max_steps": (1, 10**10),
            "warmup_steps": (0, 10**10),
            "eval_every": (0, 10**10),
            "log_every": (1, 10**10),
            "seed": (0, 2**63 - 1),
        }
        for name, (lo, hi) in ints.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ConfigError(f"{name} must be a whole number, got {v!r}")
            if not lo <= v <= hi:
                raise ConfigError(f"{name} must be between {lo:,} and {hi:,}, got {v:,}")
        for name in ("eval_exact", "keep_best"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        for name in ("learning_rate", "weight_decay", "lr_decay_at", "lr_decay_factor", "min_lr", "dropout"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ConfigError(f"{name} must be a finite number, got {v!r}")
        if self.learning_rate <= 0:
            raise ConfigError(
                f"learning_rate must be positive, got {self.learning_rate:g}: the update already "
                "subtracts lr * grad, so a negative rate climbs the loss instead of descending it"
            )
        if self.learning_rate > 1000:
            raise ConfigError(f"learning_rate {self.learning_rate:g} is far too large (at most 1000)")
        if self.weight_decay < 0 or self.weight_decay > 10:
            raise ConfigError(f"weight_decay must be between 0 and 10, got {self.weight_decay:g}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout is the share of activations dropped, at least 0 and under 1, got {self.dropout:g}")
        if not 0 <= self.lr_decay_at <= 1:
            raise ConfigError(f"lr_decay_at is a share of max_steps, between 0 and 1, got {self.lr_decay_at:g}")
        if not 0 < self.lr_decay_factor <= 1:
            raise ConfigError(f"lr_decay_factor must be in (0, 1], got {self.lr_decay_factor:g}")
        if not 0 <= self.min_lr <= self.learning_rate:
            raise ConfigError(f"min_lr must be between 0 and the learning rate, got {self.min_lr:g}")
        for name, allowed in (
            ("type", names()),
            ("lr_schedule", SCHEDULES),
            ("optimizer", OPTIMIZERS),
            ("init", INITS),
            ("device", DEVICES),
            ("split", SPLITS),
            ("symbols", SYMBOLS),
        ):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        spec = model_type(self.type)
        if self.init != "seed" and self.init not in spec.inits:
            raise ConfigError(f"init {self.init!r} is not one of --type {self.type}'s: {', '.join(spec.inits)}")
        if self.dropout and not spec.dropout:
            having = ", ".join(t.name for t in types() if t.dropout)
            raise ConfigError(f"--type {self.type} has no dropout (these types have: {having})")
        spec.check(self)  # what this type asks of the settings beyond the above
        return self


def preset(name: str, **overrides) -> Config:
    """The Config of a named preset, with `overrides` applied on top."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    values = {**PRESETS[name], **overrides, "preset": name}
    return Config(**values)


__all__ = ["Config", "ConfigError", "PRESETS", "preset"]  # PRESETS: every type's, from the registry
