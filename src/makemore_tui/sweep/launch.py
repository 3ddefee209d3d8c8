"""`makemore-tui sweep`'s own process: opens (or joins) the study, starts the workers, keeps
sweep.json current, prints a line a finished trial, and passes signals on.

Ctrl-C, SIGTERM and SIGHUP (a lost terminal) are passed to the workers as SIGTERM: each stops its
trial between two steps, saves it, marks it and exits; this process then writes sweep.json and
exits with status 0. `sweep` again in the same directory resumes the study.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..config import ConfigError
from ..headless import SafeStream, stop_on_signals
from ..models import DEFAULT_TYPE, model_type
from ..printable import printable
from ..run import check_work_dir
from . import space as sp
from .files import JOURNAL, trial_dir
from .journal import check_journal, set_aside_old_trials
from .study import STARTED, fail_trials_of, make_storage, open_study, recover, redact, resolve, write_sweep_json
from .worker import WorkerPlan, worker_main

REFRESH_S = 1.0  # sweep.json is rewritten this often while trials run (and when each ends)
DEFAULT_BUDGET_S = 600.0


def default_workers() -> int:
    """One worker a core this process may use (each trains with one torch thread), at most 16."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(16, cores))


@dataclass
class SweepRequest:
    """The `sweep` command's arguments."""

    sweep_dir: str
    input_file: str | None = None
    type: str | None = None
    budget: float | None = None  # seconds; None: DEFAULT_BUDGET_S unless a trial count is given
    trials: int | None = None
    trial_seconds: float = 30.0
    workers: int | None = None
    storage: str | None = None
    study: str | None = None
    space: list[str] = field(default_factory=list)  # --space NAME=SPEC
    space_file: str | None = None
    pruner: object = None  # an Optuna pruner (tests); None: the study's median pruner
    tensorboard: bool = False  # each trial writes TensorBoard event files too


def check_request(req: SweepRequest) -> None:
    if req.budget is not None and not (0 < req.budget <= 10**8 and math.isfinite(req.budget)):
        raise ConfigError(f"budget is in seconds, above 0, got {req.budget:g}")
    if req.trials is not None and not 1 <= req.trials <= 10**6:
        raise ConfigError(f"trials must be between 1 and 1,000,000, got {req.trials:,}")
    if not 0.5 <= req.trial_seconds <= 10**7:
        raise ConfigError(f"trial-seconds must be between 0.5 and 10,000,000, got {req.trial_seconds:g}")
    if req.workers is not None and not 1 <= req.workers <= 256:
        raise ConfigError(f"workers must be between 1 and 256, got {req.workers:,}")
    if req.input_file is not None and not Path(req.input_file).is_file():
        raise ConfigError(f"input file {req.input_file} does not exist (or is not a file)")


def _input_path(input_file: str | None) -> str:
    from ..data import bundled_dataset

    return str(Path(input_file).resolve()) if input_file else str(bundled_dataset())


def prepare(req: SweepRequest, out: TextIO) -> tuple[object, WorkerPlan]:
    """Open or join the study and plan the workers: what `sweep` does before it starts them."""
    check_request(req)
    if req.type is not None:  # a mistake in the space is told before anything is written
        sp.narrowed(req.type, req.space, req.space_file)
    sweep_dir = check_work_dir(req.sweep_dir).resolve()
    default_study = f"makemore-{req.type or DEFAULT_TYPE}"

    def check(url: str | None) -> None:  # a journal file: a cut last line is set aside, other damage refused
        if not url or "://" not in url:
            check_journal(Path(url).expanduser() if url else sweep_dir / JOURNAL, lambda text: say(out, text))

    url, name = resolve(sweep_dir, req.storage, req.study, default_study, check=check)
    study = open_study(make_storage(url, sweep_dir), name, pruner=req.pruner)
    known = study.user_attrs.get("type")
    if known is not None and req.type is not None and known != req.type:
        raise ConfigError(f"the study {name!r} searches {known}, not {req.type} (use another --study or -o)")
    type_name = known or req.type or DEFAULT_TYPE
    model_type(type_name)
    if known is None:
        study.set_user_attr("type", type_name)
    space = sp.narrowed(type_name, req.space, req.space_file)
    if not study.get_trials(deepcopy=False):
        study.enqueue_trial(sp.baseline_params(type_name, space), user_attrs={"baseline": sp.base_preset(type_name)},
                            skip_if_exists=True)
    notes = recover(study)
    moved = set_aside_old_trials(sweep_dir, lambda: {t.number for t in study.get_trials(deepcopy=False,
                                                                                         states=STARTED)})
    if moved:
        notes.append(moved)
    budget = req.budget if req.budget is not None else (None if req.trials is not None else DEFAULT_BUDGET_S)
    plan = WorkerPlan(
        sweep_dir=str(sweep_dir), input_file=_input_path(req.input_file), type=type_name, space=space,
        storage=url, study=name, deadline=time.time() + budget if budget is not None else None,
        max_trials=req.trials, trial_seconds=req.trial_seconds, pruner=req.pruner, tensorboard=req.tensorboard,
    )
    where = redact(url) if url else str(sweep_dir / JOURNAL)
    done = len(study.get_trials(deepcopy=False, states=STARTED))
    say(out, f"sweep: study {name!r} ({type_name}) in {where}{f', {done} trials so far' if done else ''}")
    for note in notes:
        say(out, f"sweep: {note}")
    if req.trials is not None and done >= req.trials:
        say(out, f"sweep: the study holds {done} trials already; --trials {req.trials} asks for no more")
    return study, plan


def say(out: TextIO, text: str) -> None:
    """A line of the sweep's output; its strings from files (the study's name, paths) shown printable."""
    print(printable(text), file=out, flush=True)


def _line(row: dict, best: dict | None) -> str:
    val = f"dev {row['val_loss']:.4f}" if row.get("val_loss") is not None else "no dev loss"
    secs = f" in {row['seconds']:.1f} s" if row.get("seconds") is not None else ""
    tail = f" (best {best['val_loss']:.4f}, trial {best['number']})" if best else ""
    return f"trial {row['number']} {row['state']}: {val}{secs}{tail}"


def run_sweep(req: SweepRequest, out: TextIO | None = None) -> int:
    """Run the sweep to its end (budget, trial count, or a signal); returns the exit status."""
    out = SafeStream(out if out is not None else sys.stdout)
    study, plan = prepare(req, out)
    workers = req.workers or default_workers()
    say(out, f"sweep: {workers} worker{'s' if workers > 1 else ''}, trials of {plan.trial_seconds:g} s"
        + (f", until {time.strftime('%H:%M:%S', time.localtime(plan.deadline))}" if plan.deadline else "")
        + (f", at most {plan.max_trials} trials in all" if plan.max_trials else "")
        + f"; watch with: makemore-tui --attach {plan.sweep_dir}")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=worker_main, args=(plan,), name=f"makemore-sweep-{i}", daemon=False)
             for i in range(workers)]
    stopping: list[int] = []

    def forward(signum: int) -> None:
        if not stopping:
            say(out, f"sweep: {signal.Signals(signum).name}: stopping; each worker saves its trial")
        stopping.append(signum)
        _terminate(procs)

    snap = write_sweep_json(study, Path(plan.sweep_dir))
    seen = {row["number"] for row in snap["trials"] if row["state"] != "running"}  # told by earlier sweeps
    told: set[int] = set()  # workers whose death by a signal has been said
    with stop_on_signals(forward):
        for i, p in enumerate(procs):
            try:
                p.start()
            except OSError as e:  # no descriptors (or processes) left: no worker outlives this process
                _stop_started(procs, study, plan)
                started = ("none had started" if i == 0 else
                           f"the {i} started {'was' if i == 1 else 'were'} stopped")
                raise OSError(e.errno, f"{e.strerror} (starting worker {i + 1} of {len(procs)}; {started})") from None
            if stopping:  # a signal while starting: tell the new one too
                os.kill(p.pid, signal.SIGTERM)
        while True:
            alive = [p for p in procs if p.is_alive()]
            for p in alive:
                p.join(timeout=REFRESH_S / len(alive))
            for p in [p for p in procs if (p.exitcode or 0) < 0 and p.pid not in told]:
                told.add(p.pid)
                new = _worker_killed(study, plan, p, stopping, out)
                if new is not None:
                    try:
                        new.start()
                        procs.append(new)
                    except OSError as e:  # no descriptors (or processes) left: the sweep goes on without it
                        say(out, f"sweep: the new worker could not start ({e.strerror or e})")
            snap = write_sweep_json(study, Path(plan.sweep_dir))
            _report_new(snap, seen, out)
            if not any(p.is_alive() for p in procs):
                break
    snap = write_sweep_json(study, Path(plan.sweep_dir))
    _report_new(snap, seen, out)
    best = snap.get("best")
    if best:
        where = trial_dir(plan.sweep_dir, best["number"])
        where = where if where.is_dir() else "run on another machine"  # a study shared by several
        say(out, f"sweep: best trial {best['number']}: dev {best['val_loss']:.4f} "
            f"({where}); train its settings with: makemore-tui --preset-from {plan.sweep_dir}")
    if stopping:
        say(out, "sweep: stopped; the trials it cut short are marked failed (their files kept). Run the same command "
            "again to resume: their settings run again first")
    failed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    return 1 if failed and not stopping and len(failed) == len(procs) else 0


def _worker_killed(study, plan: WorkerPlan, p, stopping: list, out):
    """A worker ended by a signal (killed, out of memory): said, its trial marked failed (its
    files kept), and a new worker started while the budget lasts."""
    try:
        name = signal.Signals(-p.exitcode).name
    except ValueError:
        name = f"signal {-p.exitcode}"
    lost = fail_trials_of(study, p.pid, f"its worker was killed by {name}")
    what = f"its trial {', '.join(map(str, lost))} is marked failed" if lost else "it had no trial running"
    left = (plan.deadline is None or time.time() < plan.deadline - plan.trial_seconds / 10) and (
        plan.max_trials is None or len(study.get_trials(deepcopy=False, states=STARTED)) < plan.max_trials)
    again = not stopping and left
    say(out, f"sweep: worker {p.pid} was killed by {name}; {what}"
        + ("; a new worker takes its place" if again else ""))
    if not again:
        return None
    return multiprocessing.get_context("spawn").Process(target=worker_main, args=(plan,), name=p.name, daemon=False)


def _stop_started(procs, study, plan) -> None:
    """The workers that did start are stopped (each saves its trial) and waited for."""
    _terminate(procs)
    for p in procs:
        if p.pid is not None:
            p.join()
    try:
        write_sweep_json(study, Path(plan.sweep_dir))
    except OSError:
        pass


def _report_new(snap: dict, seen: set[int], out) -> None:
    for row in snap["trials"]:
        if row["state"] != "running" and row["number"] not in seen:
            seen.add(row["number"])
            say(out, _line(row, snap.get("best")))


def _terminate(procs) -> None:
    """SIGTERM to each worker still running: it saves its trial and ends."""
    for p in procs:
        if p.pid is not None and p.is_alive():
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
