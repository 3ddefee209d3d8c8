"""Writes a run's files from the trainer's events: metrics.jsonl while it runs, summary.json at the end.

metrics.jsonl has one JSON object per logged step (every `log_every` steps): step, train_loss
(the batch loss at that step), lr, elapsed_s, and val_loss on the steps where the dev set was
evaluated. The file grows at a bounded rate whatever the step rate: one line per `log_every` steps
(plus one per evaluation), and nothing about the steps in between is kept in memory.

A write that fails (a full disk) does not stop training: the recorder keeps the error in `errors`
(and tells `on_error`, once per kind of failure) and tries again with the next line.

`read_metrics` is the one reader of metrics.jsonl (an attached app follows a run with it, the insight
views compare runs with it); `write_json`/`read_json` write and read the run's small JSON files.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from . import events as ev
from .checkpoint import atomic_write_bytes, best_path, checkpoint_path
from .workdir import open_no_follow, read_small

METRICS = "metrics.jsonl"
SUMMARY = "summary.json"
CONFIG = "config.json"
LR_FIND = "lr_find.json"  # the learning-rate finder's sweep (--inspect lr-find)


def _num(x: float | None):
    """JSON has no NaN or infinity; write those as null."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return x


def write_json(path: Path, obj: dict) -> None:
    data = (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode()
    atomic_write_bytes(path, lambda f: f.write(data))


def read_json(path: Path) -> dict | None:
    """A JSON object from a file; None when it is missing, unreadable, nested too deeply or not an object."""
    try:
        obj = json.loads(read_small(path))
    except (OSError, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def typed(d: dict | None, schema: dict[str, type]) -> dict | None:
    """The fields of `d` that have their schema's type, the others dropped (a file written by hand
    or damaged: a step that is a string, a loss of 1e400). int: a whole number (not a bool) of at
    most 63 bits; float: a finite number; str and bool as they are; dict: names -> such whole numbers
    (the others dropped); null stays. Fields not in the schema go."""
    if d is None:
        return None
    out = {}
    for k, kind in schema.items():
        v = d.get(k)
        if v is None and k in d:  # a value the writer did not have (a loss that was NaN)
            out[k] = None
        elif kind is int and _whole(v):
            out[k] = v
        elif kind is dict and isinstance(v, dict):
            out[k] = {name: n for name, n in v.items() if isinstance(name, str) and _whole(n)}
        elif kind is float and isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[k] = float(v)
        elif kind in (str, bool) and isinstance(v, kind):
            out[k] = v
    return out


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63


# summary.json as RunRecorder writes it
SUMMARY_FIELDS = {"params": int, **ev.json_fields(ev.Finished), "split": str}


def read_summary(work_dir: str | os.PathLike) -> dict | None:
    """summary.json with only well-typed fields; None when there is none (or it is unreadable)."""
    return typed(read_json(Path(work_dir) / SUMMARY), SUMMARY_FIELDS)


def ended_weights(work_dir: str | os.PathLike) -> Path:
    """The checkpoint holding the weights a finished run ended on, for whatever reads them (sampling,
    --inspect, an attached finished run): best.pt where summary.json says the run ended on its best
    dev's weights, else model.pt (the last step's, the resume point)."""
    best = best_path(work_dir)
    if (read_summary(work_dir) or {}).get("ended_on") == "best" and best.exists():
        return best
    return checkpoint_path(work_dir)


@dataclass(frozen=True)
class MetricsLine:
    """One line of metrics.jsonl. A line of an evaluation alone has no train_loss nor lr."""

    step: int
    train_loss: float | None = None
    lr: float | None = None
    elapsed_s: float | None = None
    val_loss: float | None = None


def _optional(x) -> float | None:
    return None if x is None else float(x)


def parse_metrics_line(line: bytes | str) -> MetricsLine | None:
    """A line of metrics.jsonl, or None when it is not one (a torn last line of a killed process)."""
    try:
        d = json.loads(line)
        return MetricsLine(step=int(d["step"]), train_loss=_optional(d.get("train_loss")), lr=_optional(d.get("lr")),
                           elapsed_s=_optional(d.get("elapsed_s")), val_loss=_optional(d.get("val_loss")))
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError):
        return None


def read_metrics(work_dir: str | os.PathLike, offset: int = 0, follow: bool = False) -> tuple[list[MetricsLine], int]:
    """The lines of a work directory's metrics.jsonl from byte `offset` on, and the offset to read
    from next time. Lines that are not metrics are skipped; a missing file has none. With `follow`
    (a file another process is writing), a last line without its newline is left for the next call."""
    try:
        with open(Path(work_dir) / METRICS, "rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n") + 1 if follow else len(data)
    lines = (parse_metrics_line(line) for line in data[:end].splitlines())
    return [x for x in lines if x is not None], offset + end


def metrics_events(records: list[MetricsLine], steps_per_s: float = 0.0) -> list[ev.Event]:
    """metrics.jsonl lines as the trainer's events, for a front end that shows a run's history (an
    attached run; a resumed one): the logged steps (every log_every-th) as a few strided Steps
    batches, not one event a line, and each evaluation as Evaluated, in order."""
    out: list[ev.Event] = []
    steps: list[int] = []
    losses: list[float] = []
    lrs: list[float] = []
    elapsed = 0.0

    def flush() -> None:
        i, n = 0, len(steps)
        while i < n:
            j = i + 1
            stride = steps[j] - steps[i] if j < n else 1
            if stride <= 0:
                stride = 1
            else:
                while j < n and steps[j] - steps[j - 1] == stride:
                    j += 1
            out.append(ev.Steps(first_step=steps[i] - 1, losses=losses[i:j], lrs=lrs[i:j], step=steps[j - 1],
                                elapsed_s=elapsed, steps_per_s=steps_per_s, stride=stride))
            i = j
        steps.clear()
        losses.clear()
        lrs.clear()

    for r in records:
        if r.train_loss is not None:
            steps.append(r.step)
            losses.append(r.train_loss)
            lrs.append(r.lr or 0.0)
            elapsed = r.elapsed_s or elapsed
        if r.val_loss is not None:
            flush()
            out.append(ev.Evaluated(step=r.step, val_loss=r.val_loss))
    flush()
    return out


def truncate_metrics(work_dir: Path, after_step: int, take_last: bool = False) -> dict | None:
    """Drop lines past `after_step` (steps a killed run logged after its last checkpoint). With
    take_last, the line for `after_step` itself is taken out too and returned (None if there is
    none), for a recorder to hold until the evaluation it still lacks joins it."""
    path = work_dir / METRICS
    if not path.exists():
        return None
    keep, last = [], None
    with open(path, "rb") as f:
        for line in f:
            rec = parse_metrics_line(line)
            if rec is not None and rec.step <= after_step:  # (a torn last line from a killed process is not)
                keep.append(line if line.endswith(b"\n") else line + b"\n")
                last = rec
    taken = None
    if take_last and last is not None and last.step == after_step:
        taken = json.loads(keep.pop())
    atomic_write_bytes(path, lambda f: f.writelines(keep))
    return taken


class RunRecorder:
    """A trainer listener that keeps the work directory's metrics and summary up to date."""

    def __init__(self, work_dir: str | os.PathLike, log_every: int, n_params: int = 0, append: bool = False,
                 data: dict | None = None):
        self.dir = Path(work_dir)
        self.data = data  # what the run trains on (Dataset.record): config.json's "data"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_every = log_every
        self.n_params = n_params
        self.split = "lecture"  # which split the losses are on (config.SPLITS), from the Started event
        self._file = open_no_follow(self.dir / METRICS, append=append)
        self._pending: dict | None = None  # the latest logged line, held until a val_loss may join it
        self._last_elapsed = 0.0
        self.summary: dict | None = None
        self.errors: list[str] = []  # write failures, in words (at most a few kept)
        self.on_error = None  # called with each new kind of failure, e.g. to print it

    def _failed(self, what: str, e: OSError) -> None:
        from .checkpoint import describe_os_error

        msg = f"could not write {what} ({describe_os_error(e)})"
        if msg not in self.errors:
            if len(self.errors) < 10:
                self.errors.append(msg)
            if self.on_error is not None:
                self.on_error(msg)

    def hold(self, line: dict) -> None:
        """Hold `line` back as the latest logged line (a resumed run whose evaluation of that
        step was cut short: the evaluation redone on resuming joins it)."""
        self._pending = dict(line)

    def _write_pending(self) -> None:
        if self._pending is not None:
            self._file.write(json.dumps(self._pending) + "\n")
            self._pending = None

    def __call__(self, event: ev.Event) -> None:
        try:
            self._record(event)
        except OSError as e:
            what = SUMMARY if isinstance(event, ev.Finished) else CONFIG if isinstance(event, ev.Started) else METRICS
            self._failed(what, e)

    def _record(self, event: ev.Event) -> None:
        if isinstance(event, ev.Started):
            self.n_params = event.n_params
            self.split = str(event.config.get("split", "lecture"))
            self._last_elapsed = 0.0
            write_json(self.dir / CONFIG, {**event.config, "data": self.data} if self.data else event.config)
        elif isinstance(event, ev.Steps):
            n = len(event.losses)
            e0, e1 = self._last_elapsed, event.elapsed_s
            for i, loss in enumerate(event.losses):
                step = event.first_step + i + 1  # steps completed after this one
                if step % self.log_every == 0:
                    self._write_pending()
                    self._pending = {
                        "step": step,
                        "train_loss": _num(loss),
                        "lr": event.lrs[i],
                        "elapsed_s": round(e0 + (e1 - e0) * (i + 1) / n, 4),
                    }
            self._last_elapsed = e1
            self._write_pending_unless(event.step)
            self._file.flush()
        elif isinstance(event, ev.Evaluated):
            if self._pending is None or self._pending["step"] != event.step:
                self._write_pending()
                self._pending = {"step": event.step, "train_loss": None, "lr": None,
                                 "elapsed_s": round(self._last_elapsed, 4)}
            self._pending["val_loss"] = _num(event.val_loss)
            self._write_pending()
            self._file.flush()
        elif isinstance(event, ev.Finished):
            try:
                self._write_pending()
                self._file.flush()
            except OSError as e:
                self._failed(METRICS, e)
            # the Finished event's fields (events.to_json), the parameter count and how the words were
            # dealt (config.SPLITS): "lecture" (80/10/10) or "makemore" (makemore.py's; its test set is
            # both dev and test, so val_loss == test_loss)
            fin = ev.to_json(event)
            self.summary = {"steps": fin.pop("steps"), "params": self.n_params, **fin, "split": self.split}
            write_json(self.dir / SUMMARY, self.summary)

    def sync(self) -> None:
        """Write out the line held back for the current step and put the file on disk: called
        before a checkpoint is saved, so that a process killed after the save has logged every
        step up to it (a resumed run logs from the step after)."""
        if self._file.closed:  # closed with the run: close() wrote everything
            return
        try:
            self._write_pending()
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as e:
            self._failed(METRICS, e)

    def _write_pending_unless(self, step: int) -> None:
        # Keep the line for the current step back: an evaluation of this very step may follow.
        if self._pending is not None and self._pending["step"] != step:
            self._write_pending()

    def close(self) -> None:
        try:
            self._write_pending()
            self._file.close()
        except OSError as e:
            self._failed(METRICS, e)
            try:
                self._file.close()
            except OSError:
                pass
