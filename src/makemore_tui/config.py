"""Settings for a run, the named presets, and their validation.

A Config holds plain values only (numbers, strings), so it can be written to JSON, stored in a
checkpoint and shown in a form. `validate()` is the one place that decides what a setting may be;
the command line and the TUI's settings form both call it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

MODEL_TYPES = ("mlp", "bigram", "mlp-bn", "wavenet", "rnn", "gru", "transformer")  # see family.py
SCHEDULES = ("constant", "step", "cosine")
OPTIMIZERS = ("sgd", "adamw")
INITS = ("seed", "kaiming")
DEVICES = ("cpu", "cuda", "mps")

# The seed that the lecture's init uses: torch.Generator().manual_seed(2147483647).
LECTURE_SEED = 2147483647


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and says why."""


@dataclass
class Config:
    # model
    type: str = "mlp"
    block_size: int = 3  # context length: how many previous characters the model sees
    n_embd: int = 2  # size of each character's embedding (columns of C)
    n_hidden: int = 100  # width of the tanh hidden layer
    init: str = "seed"  # seed: plain randn as in lecture 2; kaiming: scaled as in lecture 3
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
        for name in ("learning_rate", "weight_decay", "lr_decay_at", "lr_decay_factor", "min_lr"):
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
        if not 0 <= self.lr_decay_at <= 1:
            raise ConfigError(f"lr_decay_at is a share of max_steps, between 0 and 1, got {self.lr_decay_at:g}")
        if not 0 < self.lr_decay_factor <= 1:
            raise ConfigError(f"lr_decay_factor must be in (0, 1], got {self.lr_decay_factor:g}")
        if not 0 <= self.min_lr <= self.learning_rate:
            raise ConfigError(f"min_lr must be between 0 and the learning rate, got {self.min_lr:g}")
        for name, allowed in (
            ("type", MODEL_TYPES),
            ("lr_schedule", SCHEDULES),
            ("optimizer", OPTIMIZERS),
            ("init", INITS),
            ("device", DEVICES),
        ):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        if self.type == "wavenet" and (self.block_size < 2 or self.block_size & (self.block_size - 1)):
            raise ConfigError(
                f"wavenet merges neighbouring pairs until one position is left, so block_size must be a power "
                f"of two (2, 4, 8, 16, ...); got {self.block_size}"
            )
        if self.type == "transformer" and self.n_embd % self.n_head:
            raise ConfigError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head}): "
                              "each head gets n_embd / n_head dimensions")
        return self


# Each preset is a set of changes to the defaults. Flags given on the command line override them.
PRESETS: dict[str, dict] = {
    # The network of the notes: block 3, 2-d embeddings, 100 hidden units, SGD at 0.1.
    "seed": dict(),
    # Lecture 2's final recipe: 10-d embeddings, 200 hidden, lr 0.1 then 0.01 from step 100,000.
    "lecture": dict(
        n_embd=10, n_hidden=200, max_steps=200_000, lr_schedule="step", lr_decay_at=0.5, lr_decay_factor=0.1,
        eval_every=10_000,
    ),
    # The quickest recipe found to a dev loss at or under 2.17 (see README, "Benchmarks").
    "fast": dict(
        block_size=5, n_embd=12, n_hidden=200, init="kaiming", batch_size=512, optimizer="adamw",
        learning_rate=3e-2, weight_decay=0.01, lr_schedule="cosine", warmup_steps=30, min_lr=1e-4,
        max_steps=300, eval_every=0, log_every=10,
    ),
    # The best this MLP family reaches in about a minute on two cores.
    "best": dict(
        block_size=8, n_embd=24, n_hidden=512, init="kaiming", batch_size=256, optimizer="adamw",
        learning_rate=3e-3, weight_decay=0.1, lr_schedule="cosine", warmup_steps=200, min_lr=1e-5,
        max_steps=20_000, eval_every=2_000, log_every=100,
    ),
    # ---- the other model types (family.py). Sizes are lecture 3's, lecture 5's and makemore.py's
    # defaults; the recipes are tuned to train in about five minutes on two cores (see
    # benchmarks/bench_models.py). makemore.py's own recipe is -l 5e-4 -w 0.01 -b 32 --lr-schedule constant.
    "bigram": dict(
        type="bigram", block_size=1, batch_size=256, optimizer="adamw", learning_rate=0.1, weight_decay=0.0,
        lr_schedule="cosine", warmup_steps=0, min_lr=1e-3, max_steps=3_000, eval_every=500, log_every=50,
    ),
    # Lecture 3's final: BatchNorm MLP, 10-d embeddings, 200 hidden, SGD 0.1 then 0.01 from step 100,000.
    "mlp-bn": dict(
        type="mlp-bn", block_size=3, n_embd=10, n_hidden=200, init="kaiming", max_steps=200_000,
        lr_schedule="step", lr_decay_at=0.5, lr_decay_factor=0.1, eval_every=10_000,
    ),
    # Lecture 5's final network (76,579 parameters) with a one-minute recipe: longer overfits
    # (dev 1.988 at 25,000 steps, 2.044 at 140,000 on names; benchmarks/bench_models.py).
    "wavenet": dict(
        type="wavenet", block_size=8, n_embd=24, n_hidden=128, batch_size=128, optimizer="adamw",
        learning_rate=3e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=200, min_lr=3e-5,
        max_steps=25_000, eval_every=5_000, log_every=100,
    ),
    # ... and with lecture 5's own recipe: SGD 0.1, then 0.01 from step 150,000 of 200,000.
    "wavenet-lecture": dict(
        type="wavenet", block_size=8, n_embd=24, n_hidden=128, max_steps=200_000, lr_schedule="step",
        lr_decay_at=0.75, lr_decay_factor=0.1, eval_every=10_000,
    ),
    # makemore.py's sizes: n_embd 64, n_embd2 64; block 16 = the longest name (15) + 1. Larger
    # batches than makemore's 32: a step of these models is mostly per-operation overhead.
    "rnn": dict(
        type="rnn", block_size=16, n_embd=64, n_hidden=64, batch_size=256, optimizer="adamw",
        learning_rate=6e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=100, min_lr=6e-5,
        max_steps=40_000, eval_every=2_000, log_every=100,
    ),
    "gru": dict(
        type="gru", block_size=16, n_embd=64, n_hidden=64, batch_size=256, optimizer="adamw",
        learning_rate=6e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=100, min_lr=6e-5,
        max_steps=5_000, eval_every=500, log_every=50,  # longer overfits: dev 2.038 at 15,000 steps
    ),
    # makemore.py's sizes: 4 layers, 4 heads, n_embd 64; block 16. 5,000 steps: longer overfits
    # on two cores' budget (dev 2.000 at 5,000 steps, 2.070 at 10,000).
    "transformer": dict(
        type="transformer", block_size=16, n_embd=64, n_layer=4, n_head=4, batch_size=128, optimizer="adamw",
        learning_rate=3e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=200, min_lr=3e-5,
        max_steps=5_000, eval_every=500, log_every=50,
    ),
}


def preset(name: str, **overrides) -> Config:
    """The Config of a named preset, with `overrides` applied on top."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    values = {**PRESETS[name], **overrides, "preset": name}
    return Config(**values)


__all__ = ["Config", "ConfigError", "PRESETS", "preset"]
