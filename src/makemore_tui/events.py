"""What the trainer tells its listeners. Plain numbers and strings only, never tensors, so an event
can cross threads, be written as JSON, or be posted to the UI without holding on to training memory.

An event's fields are carried generically: `to_json` writes them (summary.json holds a Finished
event's, status.json its end), `json_fields` gives their types for a reader, and `from_json`
rebuilds the event (an attached app's Finished), so a new field is added here alone. A field's
metadata may rename its key ("key"; None: not written), round it ("round") and say its value
where a file lacks it ("missing").
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Callable, Iterable


@dataclass(frozen=True)
class Event:
    def to_dict(self) -> dict:
        return {"event": type(self).__name__, **asdict(self)}


@dataclass(frozen=True)
class ParamInfo:
    name: str
    shape: tuple[int, ...]
    numel: int


@dataclass(frozen=True)
class Started(Event):
    config: dict
    params: list[ParamInfo]
    n_params: int
    shapes: list[tuple[str, str, tuple[int, ...], str]]  # (name, expression, shape, note)
    vocab: list[str]
    start_step: int
    max_steps: int
    n_train: int
    n_dev: int
    n_test: int
    threads: int

    @classmethod
    def of(cls, config: dict, model=None, batch=None, *, vocab: Iterable[str] = (), start_step: int = 0,
           max_steps: int = 0, sizes: tuple[int, int, int] = (0, 0, 0), threads: int = 0,
           n_params: int = 0) -> Started:
        """The event that opens a run of `config` (a Config's to_dict()). With a model (makemore's:
        named_parameters and shape_report), its parameter table, its parameter count and the shape
        of every tensor along the forward pass of `batch`; without one (an attached app that has not
        read the run's weights), `n_params` as given and no tables. `sizes`: examples in the train,
        dev and test splits."""
        vocab = list(vocab)
        params: list[ParamInfo] = []
        shapes: list[tuple[str, str, tuple[int, ...], str]] = []
        if model is not None:
            params = [ParamInfo(n, tuple(p.shape), p.numel()) for n, p in model.named_parameters()]
            n_params = sum(p.numel() for p in model.parameters())
            mark = vocab[0] if vocab else "."  # the data's start/end mark: the notes say '.', names' mark
            shapes = [(r.name, r.expr, r.shape, r.note.replace("'.'", repr(mark))) for r in model.shape_report(batch)]
        n_train, n_dev, n_test = sizes
        return cls(config=config, params=params, n_params=n_params, shapes=shapes, vocab=vocab,
                   start_step=start_step, max_steps=max_steps, n_train=n_train, n_dev=n_dev, n_test=n_test,
                   threads=threads)


@dataclass(frozen=True)
class Steps(Event):
    """A batch of steps: losses[i] is the loss of step first_step + i * stride (stride 1 from a
    trainer; an attached app reads every log_every-th step back from metrics.jsonl)."""

    first_step: int
    losses: list[float]
    lrs: list[float]
    step: int  # steps done so far (first_step + len(losses) * stride)
    elapsed_s: float  # seconds of training (pauses excluded)
    steps_per_s: float  # recent rate
    stride: int = 1


@dataclass(frozen=True)
class ParamStat:
    name: str
    grad_norm: float
    data_norm: float
    update_ratio: float  # std(lr * grad) / std(data): lecture 3's update-to-data ratio


@dataclass(frozen=True)
class ParamStats(Event):
    step: int
    stats: list[ParamStat]


@dataclass(frozen=True)
class Evaluated(Event):
    step: int
    val_loss: float
    train_loss: float | None = None


@dataclass(frozen=True)
class Paused(Event):
    step: int
    reason: str = ""


@dataclass(frozen=True)
class Resumed(Event):
    step: int


@dataclass(frozen=True)
class Diverged(Event):
    step: int
    loss: float
    reason: str  # in words, for people


@dataclass(frozen=True)
class Overfitting(Event):
    """The dev loss has risen well above its best for a while (watch.py's rule): said once a run.
    `stopping`: the run ends now, on the best weights (keep_best); otherwise it goes on."""

    step: int
    best_step: int
    best_val_loss: float
    val_loss: float
    evaluations: int  # evaluations in a row above the best
    stopping: bool = False


@dataclass(frozen=True)
class CheckpointSaved(Event):
    step: int
    path: str


@dataclass(frozen=True)
class CheckpointFailed(Event):
    step: int
    error: str


@dataclass(frozen=True)
class FinalEvaluation(Event):
    """The final losses are being computed: `examples` of each split (its fixed sample, or all of
    it); `whole` when those are every example of every split."""

    step: int
    examples: dict  # split name -> examples
    whole: bool


@dataclass(frozen=True)
class SplitEvaluated(Event):
    """One split of the final evaluation is done: `done` of `total` splits (the progress said while
    the run evaluates)."""

    step: int
    split: str
    done: int
    total: int


@dataclass(frozen=True)
class Gone(Event):
    """The run's process ended without finishing (SIGKILL, a reboot): said by an attached app."""

    step: int


@dataclass(frozen=True)
class Finished(Event):
    """The run's end. A loss the final evaluation did not compute is NaN; `eval_examples` says how
    many examples each computed one was taken over, `eval_whole` whether those were the whole splits.
    The losses are of the weights the run ended on: the last step's, or the best dev's (`ended_on`)."""

    step: int = field(metadata={"key": "steps"})
    train_loss: float
    val_loss: float
    test_loss: float
    seconds: float = field(metadata={"round": 3, "missing": 0.0})
    steps_per_s: float = field(metadata={"round": 1, "missing": 0.0})
    stopped_early: bool
    diverged: str | None = None
    extra: dict = field(default_factory=dict, metadata={"key": None})
    # how many examples of each split the losses were taken over (a split not evaluated is absent),
    # and whether those were the whole splits (not each split's fixed sample)
    eval_examples: dict = field(default_factory=dict)  # split name -> examples
    eval_whole: bool = field(default=False, metadata={"key": "eval_whole_splits"})
    # the best periodic dev loss and its step (None without one); which weights the losses above
    # are of: "best" (that step's) or "last"; the step the overfitting rule fired at (None if never)
    best_step: int | None = None
    best_val_loss: float | None = None
    ended_on: str = "last"
    overfitting_at: int | None = None
    last_val_loss: float | None = None  # the dev loss of the last step's weights, where computed


def _kind(hint) -> type:
    """int for `int`, `int | None` and `Optional[int]`; the same for float, str, bool, dict."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return typing.get_origin(hint) or hint


def json_fields(cls: type) -> dict[str, type]:
    """JSON key -> type of the fields an event of `cls` writes (recorder.typed reads them with it)."""
    hints = typing.get_type_hints(cls)
    return {f.metadata.get("key", f.name): _kind(hints[f.name]) for f in fields(cls)
            if f.metadata.get("key", f.name) is not None}


def to_json(e: Event) -> dict:
    """The event's fields for a JSON file: NaN and infinity as null, rounded where the field says."""
    out = {}
    for f in fields(e):
        key = f.metadata.get("key", f.name)
        if key is None:
            continue
        v = getattr(e, f.name)
        if isinstance(v, float):
            v = None if not math.isfinite(v) else round(v, f.metadata["round"]) if "round" in f.metadata else v
        out[key] = dict(v) if isinstance(v, dict) else v
    return out


def from_json(cls: type, d: dict, **fallback):
    """The event of `cls` that `to_json` wrote as `d` (read back with json_fields' types). A value
    the file lacks (or holds as null) is `fallback`'s, else the field's "missing" or default, else
    NaN for a loss (a number the writer did not have), else false or 0."""
    kinds = json_fields(cls)
    kw = {}
    for f in fields(cls):
        key = f.metadata.get("key", f.name)
        if key is None:
            continue
        v = d.get(key)
        if v is None:
            if f.name in fallback:
                v = fallback[f.name]
            elif "missing" in f.metadata:
                v = f.metadata["missing"]
            elif f.default is not MISSING or f.default_factory is not MISSING:
                continue
            else:
                v = {float: math.nan, bool: False, int: 0, str: ""}.get(kinds[key])
        kw[f.name] = float(v) if kinds[key] is float and v is not None else v
    return cls(**kw)


Listener = Callable[[Event], None]  # called with each event, in the training thread
