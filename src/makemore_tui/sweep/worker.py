"""A sweep's worker: one process that runs trials one after another until the budget, the trial
count or a signal ends it (Optuna's optimize loop, one torch thread).

The `sweep` process starts the workers and passes signals on as SIGTERM; a worker ignores SIGINT and
SIGHUP itself (a terminal sends them to the whole process group, and the parent forwards them). On
SIGTERM, or when its parent is gone, the running trial stops between two steps, is saved and
summarised like any stopped run, and is marked failed with `interrupted` (the next `sweep` runs its
settings again); then the worker exits.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.study import MaxTrialsCallback

from ..config import Config, ConfigError
from ..errors import resource_message
from ..models.search import SearchSpace
from ..recorder import CONFIG, read_json
from .files import trial_dir
from .space import suggest, trial_config
from .study import STARTED, host, make_storage, open_study, write_sweep_json


@dataclass
class WorkerPlan:
    """What every worker of a sweep needs (pickled to each process)."""

    sweep_dir: str
    input_file: str  # absolute
    type: str
    space: SearchSpace
    storage: str | None
    study: str
    deadline: float | None  # time.time() after which no trial starts
    max_trials: int | None  # trials in the study in all (earlier sweeps' included)
    trial_seconds: float
    pruner: Any = None  # an Optuna pruner (tests force one); None: the study's default
    tensorboard: bool = False  # each trial writes TensorBoard event files (Config.tensorboard)


WIND_DOWN_S = 1.0  # a worker's last trial leaves this long for the process to end


class Interrupted(Exception):
    """The trial was stopped by a signal before its end."""


class TrialFailed(Exception):
    """The trial could not run (its settings, the machine) or its loss is not a number."""


class Worker:
    def __init__(self, plan: WorkerPlan):
        self.plan = plan
        self.stopping = False
        self.parent = os.getppid()
        self.study = None

    def should_stop(self) -> bool:
        return self.stopping or os.getppid() != self.parent

    def on_sigterm(self, signum, frame) -> None:
        self.stopping = True

    def objective(self, trial) -> float:
        from ..data import DataError
        from .trial import run_trial  # torch: in the worker only

        plan, study = self.plan, self.study
        params = suggest(trial, plan.space)
        trial.set_user_attr("host", host())
        trial.set_user_attr("pid", os.getpid())
        trial.set_user_attr("sweep_pid", self.parent)  # the `sweep` process that started this worker
        trial.set_user_attr("dir", str(trial_dir(plan.sweep_dir, trial.number)))  # its run (optuna-dashboard shows it)
        if self.should_stop():  # a signal between two trials
            trial.set_user_attr("interrupted", True)
            study.stop()
            raise Interrupted("stopped before it started")
        write_sweep_json(study, plan.sweep_dir)

        def report(k: int, val_loss: float) -> bool:
            trial.report(val_loss, k)
            return trial.should_prune()

        seconds = plan.trial_seconds
        if plan.deadline is not None:  # a trial begun just before the end still ends within a trial of it
            seconds = min(seconds, plan.deadline + plan.trial_seconds - WIND_DOWN_S - time.time())
        where = trial_dir(plan.sweep_dir, trial.number)
        if where.exists():  # another study's (the sweep moves those aside): never overwritten
            trial.set_user_attr("error", f"{where} exists already")
            raise TrialFailed(f"{where} exists already")
        try:
            cfg = trial_config(plan.type, plan.space, params).updated(tensorboard=plan.tensorboard)
            result = run_trial(cfg, plan.input_file, where, seconds,
                               report=report, should_stop=self.should_stop)
        except ConfigError as e:
            trial.set_user_attr("error", str(e))
            raise TrialFailed(str(e)) from None
        except DataError:
            study.stop()
            raise
        except (MemoryError, RuntimeError) as e:  # out of memory: this trial's settings fail, the others go on
            why = resource_message(e)
            if why is None:
                raise
            trial.set_user_attr("error", why)
            raise TrialFailed(why) from None
        trial.set_user_attr("val_loss", result.val_loss if math.isfinite(result.val_loss) else None)
        trial.set_user_attr("steps", result.steps)
        ran = read_json(trial_dir(plan.sweep_dir, trial.number) / CONFIG)
        if ran is not None:  # its settings as it ran them (not its data), for training the best trial again on any machine
            trial.set_user_attr("config", Config.from_dict(ran).to_dict())
        if result.interrupted:
            trial.set_user_attr("interrupted", True)
            study.stop()
            raise Interrupted(f"stopped at step {result.steps:,}")
        if result.pruned or result.stopped:
            raise optuna.TrialPruned(f"at step {result.steps:,}")
        if result.diverged:
            trial.set_user_attr("error", result.diverged)
        return result.val_loss  # NaN: Optuna marks the trial failed

    def after_trial(self, study, frozen) -> None:
        write_sweep_json(study, self.plan.sweep_dir)
        if self.should_stop():
            study.stop()

    def run(self) -> int:
        plan = self.plan
        storage = make_storage(plan.storage, Path(plan.sweep_dir))
        self.study = study = open_study(storage, plan.study, pruner=plan.pruner, create=False)
        callbacks = [self.after_trial]
        if plan.max_trials is not None:  # trials started (not those queued) count; workers may go over by a few
            if len(study.get_trials(deepcopy=False, states=STARTED)) >= plan.max_trials:
                return 0
            callbacks.append(MaxTrialsCallback(plan.max_trials, states=STARTED))
        timeout = None
        if plan.deadline is not None:
            timeout = plan.deadline - time.time()
            if timeout <= 0:
                return 0
        study.optimize(self.objective, timeout=timeout, catch=(TrialFailed, Interrupted), callbacks=callbacks,
                       gc_after_trial=False, show_progress_bar=False)
        return 0


def worker_main(plan: WorkerPlan) -> None:
    """A worker process's entry point (multiprocessing, spawned)."""
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    worker = Worker(plan)
    signal.signal(signal.SIGTERM, worker.on_sigterm)
    import torch

    torch.set_num_threads(1)
    try:
        code = worker.run()
    except Exception as e:  # told to the user by the parent's log; the other workers go on
        print(f"makemore-tui sweep: worker {os.getpid()}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        code = 1
    sys.exit(code)
