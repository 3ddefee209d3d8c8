"""One trial of a sweep: a normal run of the engine in its own directory, on a wall-clock budget.

The run's length is fitted to the budget: a short timing run of the same settings measures the
steps per second here, and max_steps is set so that the schedule (cosine, step) ends as the time
does; warm-up is cut to a tenth of it. The run evaluates the dev set REPORTS times, at even shares
of its steps, and hands each result to `report` (the study's pruner answers whether to stop). It is
stopped cleanly, between two steps, when its time is up, when pruned, when it diverges and when
`should_stop` says so (a signal): its checkpoint is saved, the dev and test sets are evaluated (not
the whole training set, which would cost a trial's worth of time for the larger models) and
summary.json is written, as for any run. The directory also gets status.json and control.sock, so
`makemore-tui --attach DIR/trials/NNNN` watches a running trial.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import events as ev
from ..config import Config
from ..data import load_dataset
from ..headless import SafeStream, attach_point
from ..run import Run, check_resources
from ..evaluation import evaluate
from ..trainer import Trainer

REPORTS = 8  # dev-set evaluations of a trial, the last at its end
TIMING_S = 0.3  # seconds of the timing run
FIT = 0.92  # the share of the measured rate planned for (the rate varies; better to end early than be cut)
NAN = float("nan")


@dataclass
class TrialResult:
    val_loss: float  # the dev loss at the end (NaN when it could not be measured)
    steps: int
    seconds: float  # wall clock, timing run included
    pruned: bool = False
    interrupted: bool = False  # stopped by a signal (should_stop) before its end
    stopped: bool = False  # stopped from an attached app
    diverged: str | None = None


def measure_rate(cfg: Config, data, seconds: float = TIMING_S) -> float:
    """Steps per second of these settings here, from a short run that writes nothing."""
    t = Trainer(cfg.updated(max_steps=10**12, eval_every=0), data, emit_interval=0.05)
    marks: list[tuple[float, int]] = []
    limit = time.perf_counter() + 10 * seconds + 2.0  # a model slower than a step a second ends too

    def on(e):
        if isinstance(e, ev.Steps):
            marks.append((time.perf_counter(), e.step))
            if (len(marks) >= 3 and marks[-1][0] - marks[0][0] >= seconds) or marks[-1][0] >= limit:
                t.stop()
        elif isinstance(e, ev.Diverged):  # the trainer pauses a diverged run; the rate is known by now
            t.stop()

    t.listeners.append(on)
    t.final_losses = lambda: {"train": NAN, "dev": NAN, "test": NAN}
    fin = t.run()
    if len(marks) >= 2 and marks[-1][0] > marks[0][0]:  # the first flush holds the start-up cost
        (t0, s0), (t1, s1) = marks[0], marks[-1]
        return (s1 - s0) / (t1 - t0)
    return max(fin.steps_per_s, 1e-3)


def fitted(cfg: Config, rate: float, seconds: float) -> Config:
    """The settings with their length fitted to `seconds` at `rate` steps per second."""
    steps = max(2 * REPORTS, int(rate * max(0.0, seconds) * FIT))
    every = max(1, steps // REPORTS)
    steps = every * REPORTS  # the last evaluation is the final one
    return cfg.updated(max_steps=steps, eval_every=every, log_every=max(1, steps // 200),
                       warmup_steps=min(cfg.warmup_steps, steps // 10))


def _dev_and_test(trainer: Trainer) -> dict[str, float]:
    out = {"train": NAN}
    for k in ("dev", "test"):
        X, Y = trainer.data.splits[k]
        out[k] = evaluate(trainer.model, X.to(trainer.device), Y.to(trainer.device))
    return out


def run_trial(
    cfg: Config,
    input_file: str,
    work_dir: Path,
    seconds: float,
    report: Callable[[int, float], bool] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> TrialResult:
    """Train one trial for at most `seconds` of wall clock; report(k, dev_loss) after the k-th
    evaluation returns True to prune it."""
    start = time.monotonic()
    data = load_dataset(input_file, cfg.block_size, split=cfg.split, symbols=cfg.symbols)
    check_resources(cfg, len(data.vocab), n_eval=max(t[0].shape[0] for t in data.splits.values()))
    rate = measure_rate(cfg.validate(), data)
    cfg = fitted(cfg, rate, seconds - (time.monotonic() - start)).validate()
    run = Run(cfg, data, work_dir, save_every_s=0)
    run.input_file = input_file
    trainer = run.trainer
    trainer.final_losses = lambda: _dev_and_test(trainer)
    state = {"k": 0, "reserve": 0.0, "flushed": time.monotonic(), "why": None}

    def stop(why: str) -> None:
        if state["why"] is None:
            state["why"] = why
        trainer.stop()

    def on(e: ev.Event) -> None:
        now = time.monotonic()
        if isinstance(e, ev.Steps):
            state["flushed"] = now
            if should_stop():
                stop("interrupted")
            elif now >= start + seconds - state["reserve"]:
                stop("time")
        elif isinstance(e, ev.Evaluated):
            state["k"] += 1
            # the end evaluates dev and test: keep twice an evaluation's time for it
            state["reserve"] = max(state["reserve"], 2.0 * (now - state["flushed"]))
            if report is not None and math.isfinite(e.val_loss) and report(state["k"], e.val_loss):
                stop("pruned")
        elif isinstance(e, ev.Diverged):
            stop("diverged")

    trainer.listeners.append(on)
    trainer.before_finish.append(run.save_checkpoint)
    status, server = attach_point(run, SafeStream(sys.stderr))
    try:
        fin = trainer.run()
    finally:
        if server is not None:
            server.close()
        run.close()
    why = state["why"]
    pruned = why == "pruned"
    if report is not None and state["k"] == 0 and why in (None, "time") and math.isfinite(fin.val_loss):
        pruned = report(REPORTS, fin.val_loss)  # too short for an evaluation: judged on its end
    return TrialResult(
        val_loss=fin.val_loss, steps=fin.step, seconds=time.monotonic() - start, pruned=pruned,
        interrupted=why == "interrupted", stopped=fin.stopped_early and why is None, diverged=fin.diverged,
    )
