"""The settings of a run, in one table: each is one `Setting` entry of SETTINGS.

From this table come Config's fields, defaults and checks (config.py), the flags of `makemore-tui`
and `makemore-tui sweep` (cli.py, sweep/command.py), the settings form (app/settings_screen.py), the
compare view's rows (insight/compare.py), the names `--space` takes (sweep/space.py) and the README's
settings table (tests/test_readme.py keeps it equal to `markdown_table()`).

Adding a setting is one entry below (in the order the form, the help and the compare view list
them), plus the code that reads `cfg.NAME`; then regenerate the README's table (`python -c "from
makemore_tui.config import markdown_table; print(markdown_table())"`, between its settings marks).
A setting only some model types read says `model=True` and those types list it in their registry
entry's `reads` (models/__init__.py); every other setting is read by every type. Old config.json
files and checkpoints without it load with its default (Config.from_dict). Plain data only: this
module imports nothing of the project but errors.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ConfigError

# The seed that the lecture's init uses: torch.Generator().manual_seed(2147483647).
LECTURE_SEED = 2147483647
# Examples (windows) of each split that the losses are computed on, unless eval_exact: the split's
# first words holding this many (splits.Split.head). A loss over them is within about +-0.002 of
# the whole split's (one standard error, for a per-example loss spread of 1.23 as on names).
EVAL_EXAMPLES = 1 << 18

REGISTRY = "registry"  # choices (and type's default) read from the model registry (config.choices, config.default)


def parse_number(text: str, kind: type, form: bool = False) -> int | float:
    """A number of `kind` (int or float) from text: `1e5`, `3.0` and `200_000` are whole numbers
    (and `200,000` in the form, which asks for an empty field to be filled); NaN and infinity are
    refused. ValueError with a sentence otherwise. The one parser of the flags and the form."""
    t = text.strip().replace("_", "")
    if form:
        t = t.replace(",", "")
        if not t:
            raise ValueError("needed")
    if kind is int:  # exact for any size: 12345678901234567 stays itself (a float would round it)
        try:
            return int(t)
        except ValueError:
            pass  # "1e5" and "3.0" are whole numbers too
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    if kind is int:
        if value != int(value):
            raise ValueError(f"{text.strip()!r} is not a whole number")
        return int(value)
    return value


# What a sweep searches of a setting (models/search.py, sweep/space.py): a range or choices.


@dataclass(frozen=True)
class IntRange:
    low: int
    high: int
    log: bool = False  # sample on a log scale (sizes)

    def contains(self, value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high


@dataclass(frozen=True)
class FloatRange:
    low: float
    high: float
    log: bool = False  # sample on a log scale (rates, decays)

    def contains(self, value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and self.low <= value <= self.high


@dataclass(frozen=True)
class Choice:
    values: tuple

    def contains(self, value) -> bool:
        return value in self.values


@dataclass(frozen=True)
class Setting:
    """One setting of a run: a field of Config, a flag, a row of the form and of the compare view."""

    name: str  # Config's field, config.json's key
    kind: type  # int, float, bool or str
    default: Any
    help: str = ""  # --help, the README's table ({choices} and {default} are filled in)
    flags: tuple[str, ...] = ()  # option strings, makemore.py's where they mean the same; () for none
    low: float | None = None  # numbers: the smallest value allowed (inclusive)
    high: float | None = None  # numbers: the largest value allowed (inclusive)
    choices: tuple | str = ()  # str settings: the values allowed, or REGISTRY (config.choices); () any text
    check: Callable[[Any], str | None] | None = None  # more rules: a sentence when the value is refused
    label: str = ""  # the form's label (default: the name with spaces)
    group: str = "optimisation"  # the --help group: "model" or "optimisation"
    model: bool = False  # read only by the model types that list it in `reads` (else by every type)
    only_when_read: bool = False  # model settings: a type that does not read it refuses any but the default
    form: bool = True  # a field of the settings form
    compare: str = "always"  # the compare view: "always", "changed" (where a run differs from the default), "never"
    sweep: bool = True  # may be named in a sweep's --space
    # what a sweep searches where the type's space (models/search.py) does not say otherwise: an
    # IntRange, FloatRange or Choice, or a value it is fixed at; None: left at the preset's value
    search: Any = None
    metavar: str | None = None
    values: str = ""  # what a number may be, in words, where `check` decides it (the README's table)
    short: str = ""  # a short name where space is scarce (a sweep's trial lines: block=8 lr=0.003)
    flag_choices: bool = True  # str settings: the flag refuses other values (else Config's check does)
    lesson: bool = False  # `makemore-tui lesson` takes it (a flag of the lesson, a keyword of lesson.Lesson)

    @property
    def flag(self) -> str:
        return self.flags[0] if self.flags else ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def refusal(self, value: Any) -> str | None:
        """Why `value` cannot be this setting (a sentence starting with the name), or None."""
        n = self.name
        if self.kind is bool:
            return None if isinstance(value, bool) else f"{n} must be true or false, got {value!r}"
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{n} must be a whole number, got {value!r}"
        elif self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return f"{n} must be a finite number, got {value!r}"
        if self.kind in (int, float) and self.low is not None and not self.low <= value <= self.high:
            fmt = (lambda x: f"{x:,}") if self.kind is int else (lambda x: f"{x:g}")
            return f"{n} must be between {fmt(self.low)} and {fmt(self.high)}, got {fmt(value)}"
        return self.check(value) if self.check else None


def _positive_rate(v: float) -> str | None:
    if v <= 0:
        return (f"learning_rate must be positive, got {v:g}: the update already subtracts lr * grad, so a "
                "negative rate climbs the loss instead of descending it")
    if v > 1000:
        return f"learning_rate {v:g} is far too large (at most 1000)"
    return None


def _share(v: float) -> str | None:
    if not 0 <= v < 1:
        return f"dropout is the share of activations dropped, at least 0 and under 1, got {v:g}"
    return None


def _decay(v: float) -> str | None:
    if v == 0 or 0.5 <= v < 1:
        return None
    return f"ema is the average's decay a step, 0 (off) or from 0.5 to under 1 (e.g. 0.999), got {v:g}"


def _factor(v: float) -> str | None:
    return None if 0 < v <= 1 else f"lr_decay_factor must be in (0, 1], got {v:g}"


def _share_of_steps(v: float) -> str | None:
    return None if 0 <= v <= 1 else f"lr_decay_at is a share of max_steps, between 0 and 1, got {v:g}"


S = Setting
SETTINGS: tuple[Setting, ...] = (
    # ---- model (the --help group; the form lists them in this order)
    S("preset", str, "seed", "starting settings: {choices} (default: seed)", ("--preset",), choices=REGISTRY,
      group="model", sweep=False, flag_choices=False),
    S("type", str, REGISTRY, "model type: {choices}", ("--type",), choices=REGISTRY, label="model", group="model",
      compare="never", sweep=False),
    S("block_size", int, 3, "context length: characters the model sees", ("--block-size",), 1, 256,
      group="model", model=True, short="block", lesson=True),
    S("n_embd", int, 2, "embedding size (columns of C)", ("--n-embd",), 1, 4096, label="embedding size",
      group="model", model=True, short="embd", lesson=True),
    S("n_hidden", int, 100, "hidden layer size", ("--n-embd2", "--n-hidden"), 1, 65536, label="hidden size",
      group="model", model=True, short="hidden", lesson=True),
    S("n_layer", int, 4, "transformer blocks (makemore: 4)", ("--n-layer",), 1, 64, label="layers",
      group="model", model=True, short="layers"),
    S("n_head", int, 4, "transformer attention heads (makemore: 4)", ("--n-head",), 1, 64, label="heads",
      group="model", model=True, short="heads"),
    S("dropout", float, 0.0, "rnn, gru, transformer: the share of activations dropped while training "
      "(default 0: off, as makemore.py)", ("--dropout",), check=_share, values="0 to under 1", group="model",
      model=True, only_when_read=True, compare="changed", metavar="P", search=FloatRange(0.0, 0.3)),
    S("tie_embeddings", bool, False, "transformer: the output layer reads the token embedding's matrix (one matrix "
      "for both, as GPT-2; Press and Wolf 2017)", ("--tie-embeddings",), label="tie embeddings", group="model",
      model=True, only_when_read=True, compare="changed", search=Choice((False, True))),
    # ---- optimisation and the run
    S("batch_size", int, 32, "examples a step", ("--batch-size", "-b"), 1, 1_000_000, short="batch",
      search=Choice((32, 64, 128, 256, 512)), lesson=True),
    S("learning_rate", float, 0.1, "the step size: p -= lr * grad", ("--learning-rate", "-l"),
      check=_positive_rate, values="above 0, at most 1000", short="lr", search=FloatRange(3e-4, 3e-2, log=True)),
    S("lr_schedule", str, "constant", "constant, step (x0.1 half-way) or cosine", ("--lr-schedule",),
      choices=("constant", "step", "cosine"), short="sched", search=Choice(("cosine", "step", "constant"))),
    S("lr_decay_at", float, 0.5, "step schedule: the share of max_steps where the rate drops",
      check=_share_of_steps, values="0 to 1", form=False, compare="never"),
    S("lr_decay_factor", float, 0.1, "step schedule: the rate is multiplied by this", check=_factor,
      values="above 0, at most 1", form=False, compare="never"),
    S("warmup_steps", int, 0, "linear warm-up steps (cosine schedule)", ("--warmup-steps",), 0, 10**10,
      label="warmup", compare="never", sweep=False),
    S("min_lr", float, 0.0, "final rate of the cosine schedule", ("--min-lr",), label="minimum lr",
      values="0 to the learning rate", compare="never"),
    S("weight_decay", float, 0.0, "weight decay, decoupled: each step multiplies the weights by 1 - lr * wd",
      ("--weight-decay", "-w"), 0, 10, short="wd", search=FloatRange(1e-4, 0.3, log=True)),
    S("ema", float, 0.0, "evaluate, end on and sample from a moving average of the weights, kept with this decay "
      "a step (e.g. 0.999: about the last thousand steps; default 0: off)", ("--ema",), check=_decay,
      values="0, or 0.5 to under 1", label="weight average", compare="changed", metavar="DECAY",
      search=Choice((0.0, 0.99, 0.995, 0.998, 0.999))),
    S("max_steps", int, 200_000, "training steps", ("--max-steps",), 1, 10**10, label="steps", sweep=False),
    S("seed", int, LECTURE_SEED, "seeds the init and the batches (default 2147483647, as in the lecture)",
      ("--seed",), 0, 2**63 - 1, lesson=True),
    S("optimizer", str, "sgd", "sgd (the lectures') or adamw (makemore.py's)", ("--optimizer",),
      choices=("sgd", "adamw"), short="opt", search="adamw"),
    S("init", str, "seed", "seed: plain randn (lecture 2); kaiming: scaled (lecture 3); the sequence models: makemore "
      "(PyTorch's defaults, as makemore.py; their default) or gpt2 (GPT-2's N(0, 0.02), the transformer)",
      ("--init",), choices=("seed", "kaiming", "makemore", "gpt2"), group="model"),
    S("device", str, "cpu", "where the model trains", ("--device",), choices=("cpu", "cuda", "mps"), form=False,
      compare="never", sweep=False),
    S("eval_every", int, 2_000, "steps between dev-loss evaluations (0: only at the end)", ("--eval-every",),
      0, 10**10, compare="never", sweep=False),
    S("log_every", int, 100, "steps between lines of metrics.jsonl", ("--log-every",), 1, 10**10, form=False,
      compare="never", sweep=False),
    S("split", str, "lecture", "lecture: shuffled 80/10/10 (default); makemore: makemore.py's (10%, at most "
      "1,000 words, held out for dev = test, the rest train)", ("--split",), choices=("lecture", "makemore"),
      compare="changed"),
    S("symbols", str, "grapheme", "what a symbol is: grapheme (default): a character as read, a letter with its "
      "marks, an emoji with its modifiers (UAX #29); codepoint: each Unicode code point (the same on ASCII names)",
      ("--symbols",), choices=("grapheme", "codepoint"), form=False, compare="changed", sweep=False),
    S("eval_exact", bool, False, "compute the losses over the whole splits (default: a fixed sample of "
      f"{EVAL_EXAMPLES:,} examples of each split larger than that; the bundled names' splits are smaller: whole)",
      ("--eval-exact",), form=False, compare="never"),
    # end on the weights of the best periodic dev loss: stop when the dev loss has risen well above it
    # for a while (watch.py), and at any end where they beat the last step's
    S("keep_best", bool, True, "end on the weights of the best dev loss: stop once it has risen well above it for 3 "
      "evaluations, and keep best.pt (default: on; --no-keep-best says so and trains on to the end)",
      ("--keep-best",), form=False, compare="never"),
    # what the run writes besides its own files, nothing of the training (tensorboard_log.py)
    S("tensorboard", bool, False, "also write TensorBoard event files into the work directory (tensorboard --logdir "
      "DIR); MAKEMORE_TUI_TENSORBOARD=1 makes it the default; needs pip install 'makemore-tui[tensorboard]'",
      ("--tensorboard",), group="input and output", form=False, compare="never", sweep=False),
)
del S

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ConfigError(f"no setting {name!r}") from None


def model_settings() -> tuple[str, ...]:
    """The settings only some model types read (each type lists those it reads)."""
    return tuple(s.name for s in SETTINGS if s.model)


def searchable() -> tuple[str, ...]:
    """The names a sweep's --space takes."""
    return tuple(s.name for s in SETTINGS if s.sweep)
