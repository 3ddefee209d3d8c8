"""Settings for a run, the named presets, and their validation.

A Config holds plain values only (numbers, strings), so it can be written to JSON, stored in a
checkpoint and shown in a form. `validate()` is the one place that decides what a setting may be;
the command line and the TUI's settings form both call it. The model types, their own checks and
their presets come from the registry (models/__init__.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, field, fields, make_dataclass, replace

from .errors import ConfigError
from .models import DEFAULT_TYPE, PRESETS, model_type, names, types
from .settings import BY_NAME, EVAL_EXAMPLES, LECTURE_SEED, REGISTRY, SETTINGS, Choice, FloatRange, IntRange, Setting

# The choices of the str settings, by name (the table's: settings.py)
SCHEDULES = BY_NAME["lr_schedule"].choices
OPTIMIZERS = BY_NAME["optimizer"].choices
# seed: the lecture's plain randn; kaiming: scaled as in lecture 3 (the MLP); makemore: PyTorch's
# default init of nn.Linear and nn.Embedding, as makemore.py's models get (the sequence models' own);
# gpt2: GPT-2's N(0, 0.02) with the residual projections scaled down (the transformer). Which a
# type accepts is its registry entry's `inits`; "seed", Config's default, means each type's own.
INITS = BY_NAME["init"].choices
SPLITS = BY_NAME["split"].choices  # lecture: the lectures' shuffled 80/10/10; makemore: makemore.py's (splits.py)
DEVICES = BY_NAME["device"].choices


def choices(s: Setting) -> tuple:
    """The values a str setting allows: its own, or the registry's (the types, the presets)."""
    if s.choices != REGISTRY:
        return s.choices
    return names() if s.name == "type" else tuple(PRESETS)


def type_of(config: dict) -> str:
    """The model type of a run's settings as config.json and the events hold them (Config's
    default where an old run's lack it)."""
    return str(config.get("type", DEFAULT_TYPE))


def default(s: Setting):
    """A setting's default: the table's, or the registry's (the default model type)."""
    return DEFAULT_TYPE if s.default == REGISTRY else s.default


class _Methods:
    """What a Config does; its fields are the table's (settings.py), made into a dataclass below."""

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
        for s in SETTINGS:
            value = getattr(self, s.name)
            why = s.refusal(value)
            if why is None and s.kind is str and choices(s) and value not in choices(s):
                why = f"{s.name} must be one of {', '.join(choices(s))}; got {value!r}"
            if why:
                raise ConfigError(why)
        if not 0 <= self.min_lr <= self.learning_rate:
            raise ConfigError(f"min_lr must be between 0 and the learning rate, got {self.min_lr:g}")
        spec = model_type(self.type)
        if self.init != "seed" and self.init not in spec.inits:
            raise ConfigError(f"init {self.init!r} is not one of --type {self.type}'s: {', '.join(spec.inits)}")
        for s in SETTINGS:  # a setting of some types only, changed from its default for a type without it
            if s.only_when_read and s.name not in spec.reads and getattr(self, s.name) != default(s):
                having = ", ".join(t.name for t in types() if s.name in t.reads)
                raise ConfigError(f"--type {self.type} has no {s.name} (these types have: {having})")
        spec.check(self)  # what this type asks of the settings beyond the above
        return self


Config = make_dataclass("Config", [(s.name, s.kind, field(default=default(s))) for s in SETTINGS],
                        bases=(_Methods,))
Config.__module__ = __name__  # pickled and named as config.Config
Config.__doc__ = "The settings of a run: one field per entry of settings.SETTINGS, plain values only."


def preset(name: str, **overrides) -> Config:
    """The Config of a named preset, with `overrides` applied on top."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    values = {**PRESETS[name], **overrides, "preset": name}
    return Config(**values)


def read_by(s: Setting) -> tuple[str, ...]:
    """The registered model types that read a setting (all, unless the table says only some do)."""
    return tuple(t.name for t in types() if not s.model or s.name in t.reads)


def markdown_table() -> str:
    """The README's settings table (tests/test_readme.py keeps it equal to this)."""
    def values(s: Setting) -> str:
        if s.kind is bool:
            return "on, off"
        if s.kind is str:
            return f"the registered {s.name}s" if s.choices == REGISTRY else ", ".join(s.choices) or "any text"
        if s.values or s.low is None:
            return s.values or "a number"
        if s.check is None:
            return f"{s.low:,} to {s.high:,}" if s.kind is int else f"{s.low:g} to {s.high:g}"
        return "a number"

    def sweeps(s: Setting) -> str:  # what a sweep does with it: searches it (over what), or --space may
        x = s.search
        if not s.sweep:
            return "-"
        if x is None:
            return "`--space`"
        if isinstance(x, Choice):
            return ", ".join(f"{v}" for v in x.values)
        if isinstance(x, (IntRange, FloatRange)):
            return f"{x.low:g} to {x.high:g}" + (" (log)" if x.log else "")
        return f"fixed: {x}"

    rows = ["| setting | flag | default | values | read by | sweeps | what |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for s in SETTINGS:
        flag = " ".join(f"`{f}`" for f in s.flags) or "-"
        d = default(s)
        d = (("on" if d else "off") if s.kind is bool else f"{d:g}" if s.kind is float
             else f"{d:,}" if s.kind is int else d)
        by = ", ".join(read_by(s)) if s.model else "all"
        what = s.help.format(choices=", ".join(choices(s)) if s.kind is str else "", default=s.default)
        rows.append(f"| `{s.name}` | {flag} | {d} | {values(s)} | {by} | {sweeps(s)} | {what} |")
    return "\n".join(rows)


# PRESETS: every type's, from the registry
__all__ = ["Config", "ConfigError", "EVAL_EXAMPLES", "LECTURE_SEED", "PRESETS", "choices", "preset"]
