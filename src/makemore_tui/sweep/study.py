"""The study behind a sweep: where Optuna keeps it, how it is opened and resumed, and sweep.json.

Storage: by default a journal file in the sweep directory (`DIR/study.journal`, Optuna's
JournalStorage, safe for several processes on one machine). `--storage URL` takes an Optuna RDB URL
(sqlite:///..., postgresql://..., mysql://...; its trials keep a heartbeat, so the trials of a
machine that vanished are failed and run again), a `redis://` URL (Optuna's journal in Redis) or a
path to a journal file (on a shared filesystem). `DIR/study.json` remembers the study's name and
storage (without a password), so `sweep` again in DIR joins or resumes the same study.

`DIR/sweep.json`, rewritten atomically (under a lock, from the study) as trials start and finish:
{"study", "trials": [{"number", "state", "val_loss", "params", "seconds"}], "best": {"number",
"val_loss", "params"}}; state is complete, pruned, failed or running.
"""

from __future__ import annotations

import fcntl
import json
import math
import socket
import time
import warnings
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import optuna
from optuna.storages import journal
from optuna.trial import TrialState

from ..config import ConfigError
from ..control import pid_alive
from ..recorder import write_json
from ..workdir import read_small
from .files import JOURNAL, LOCK, STUDY_FILE, SWEEP_JSON

HEARTBEAT_S = 10  # RDB storages: a running trial's heartbeat; silent for GRACE_S, it is failed and retried
GRACE_S = 60
STARTUP_TRIALS = 6  # random trials before the sampler models the results
PRUNER_STARTUP = 4  # finished trials before the pruner judges any
PRUNER_WARMUP = 2  # evaluations of a trial before it may be pruned
STARTED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)  # not the queued


def host() -> str:
    return socket.gethostname()


def redact(url: str) -> str:
    """The URL without its password (for files and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def make_storage(url: str | None, sweep_dir: Path):
    """An Optuna storage for a URL (see the module's docstring); None: the journal file in DIR."""
    if not url:
        return optuna.storages.JournalStorage(journal.JournalFileBackend(str(sweep_dir / JOURNAL)))
    if "://" not in url:
        return optuna.storages.JournalStorage(journal.JournalFileBackend(str(Path(url).expanduser())))
    if url.startswith(("redis://", "rediss://")):
        return optuna.storages.JournalStorage(journal.JournalRedisBackend(url))
    # sqlite: wait for a locked file; a database server: give up on one that does not answer
    engine = {"connect_args": {"timeout": 60} if url.startswith("sqlite") else {"connect_timeout": 10}}
    try:
        for attempt in range(TABLE_RACE_TRIES):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # heartbeats are "experimental" to Optuna
                    return optuna.storages.RDBStorage(
                        url, engine_kwargs=engine, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S,
                        failed_trial_callback=optuna.storages.RetryFailedTrialCallback(max_retry=1))
            except Exception as e:  # two machines starting at once on an empty database both create
                if attempt + 1 == TABLE_RACE_TRIES or not _table_race(e):  # Optuna's tables: one loses
                    raise
                time.sleep(0.5 * (attempt + 1))
    except (ImportError, ModuleNotFoundError) as e:
        raise ConfigError(f"storage {redact(url)} needs a database driver that is not installed ({e})") from None
    except Exception as e:  # sqlalchemy's errors: a bad URL, a refused connection
        raise ConfigError(f"storage {redact(url)} cannot be opened: {type(e).__name__}: "
                          f"{str(e).splitlines()[0][:200] if str(e) else ''}") from None


TABLE_RACE_TRIES = 5


def _table_race(e: Exception) -> bool:
    """Whether `e` is the database refusing a table another process has just created."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    return isinstance(e, (IntegrityError, ProgrammingError)) and any(
        w in str(e) for w in ("already exists", "duplicate key", "Duplicate entry"))


def remembered(sweep_dir: Path) -> dict:
    """DIR/study.json: the study's name and storage, from the first sweep in DIR."""
    try:
        data = json.loads(read_small(sweep_dir / STUDY_FILE))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def resolve(sweep_dir: Path, storage: str | None, study: str | None, default_study: str,
            check=None) -> tuple[str | None, str]:
    """The storage URL and study name of a sweep in DIR: the flags, else what DIR remembers (a new
    study's are written to DIR/study.json, after `check(url)` when given has found nothing wrong)."""
    known = remembered(sweep_dir)
    if study and known.get("study") and study != known["study"]:
        raise ConfigError(f"{sweep_dir} holds the study {known['study']!r}; use another -o for study {study!r}")
    name = study or known.get("study") or default_study
    if storage is None and known.get("storage"):
        if "***" in known["storage"]:
            raise ConfigError(f"{sweep_dir}'s study lives in {known['storage']}: pass --storage with its password")
        storage = known["storage"]
    if check is not None:
        check(storage)
    if not known:
        write_json(sweep_dir / STUDY_FILE, {"study": name, "storage": redact(storage) if storage else None})
    return storage, name


def open_study(storage, name: str, pruner=None, create: bool = True):
    """Create or load the study: TPE (multivariate, with the constant liar for parallel workers),
    median pruning of trials worse than the others at the same evaluation."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the `sweep` process tells what happens, in its words
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate TPE is "experimental" to Optuna
        sampler = optuna.samplers.TPESampler(multivariate=True, constant_liar=True, n_startup_trials=STARTUP_TRIALS,
                                             warn_independent_sampling=False)
    pruner = pruner or optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP, n_warmup_steps=PRUNER_WARMUP)
    if create:
        return optuna.create_study(storage=storage, study_name=name, direction="minimize", sampler=sampler,
                                   pruner=pruner, load_if_exists=True)
    return optuna.load_study(storage=storage, study_name=name, sampler=sampler, pruner=pruner)


# ---- resuming --------------------------------------------------------------------------------------


def recover(study) -> list[str]:
    """Fail this machine's trials left running by processes that are gone (killed, a reboot), and
    queue again the settings of trials stopped before their end (a signal) and of those: `sweep`
    again resumes where the last one stopped. Returns what was done, in words."""
    notes = []
    me = host()
    trials = study.get_trials(deepcopy=False)
    lost = set()
    for t in trials:
        if (t.state == TrialState.RUNNING and t.user_attrs.get("host") == me
                and not pid_alive(t.user_attrs.get("pid"))):
            study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
            lost.add(t.number)
    if lost:
        notes.append(f"trials {_numbers(lost)} were left running by a process that is gone: marked failed")
        trials = study.get_trials(deepcopy=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "experimental" to Optuna
        retried = {t.user_attrs.get("retry_of") for t in trials} | {
            optuna.storages.RetryFailedTrialCallback.retried_trial_number(t) for t in trials}
    again = [t for t in trials if t.state == TrialState.FAIL and t.number not in retried
             and (t.user_attrs.get("interrupted") or t.number in lost) and t.params]
    for t in again:
        study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
    if again:
        notes.append(f"trials {_numbers(t.number for t in again)} were stopped before their end: their settings "
                     "run again first")
    return notes


def fail_trials_of(study, pid: int, why: str) -> list[int]:
    """Mark failed the trials a dead worker (process `pid`, this machine) left running; `why` is kept
    in the study (sweep.json's `lost`, shown by the sweep view). Their numbers."""
    me = host()
    lost = [t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if t.user_attrs.get("pid") == pid and t.user_attrs.get("host") == me]
    for n in lost:
        study.tell(n, state=TrialState.FAIL, skip_if_finished=True)
    said = list(study.user_attrs.get("lost") or [])
    study.set_user_attr("lost", [*said, f"trial {', '.join(map(str, lost))}: {why}" if lost else why][-20:])
    return lost


def _numbers(numbers) -> str:
    return ", ".join(str(n) for n in sorted(numbers))


# ---- sweep.json ------------------------------------------------------------------------------------

def _finite(x) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def _seconds(t, now: datetime) -> float | None:
    if t.datetime_start is None:
        return None
    end = t.datetime_complete or now
    return round((end - t.datetime_start).total_seconds(), 1)


def _val_loss(t) -> float | None:
    if t.state == TrialState.COMPLETE:
        return _finite(t.value)
    if "val_loss" in t.user_attrs:
        return _finite(t.user_attrs["val_loss"])
    if t.intermediate_values:
        return _finite(t.intermediate_values[max(t.intermediate_values)])
    return None


def snapshot(study) -> dict:
    """What sweep.json holds, from the study now."""
    states = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned", TrialState.FAIL: "failed",
              TrialState.RUNNING: "running"}
    now = datetime.now()
    trials, best = [], None
    for t in study.get_trials(deepcopy=False):
        if t.state not in states:  # queued, not started
            continue
        row = {"number": t.number, "state": states[t.state], "val_loss": _val_loss(t), "params": dict(t.params),
               "seconds": _seconds(t, now)}
        trials.append(row)
        if row["state"] == "complete" and row["val_loss"] is not None and (
                best is None or row["val_loss"] < best["val_loss"]):
            best = {"number": t.number, "val_loss": row["val_loss"], "params": dict(t.params)}
    snap = {"study": study.study_name, "trials": trials, "best": best}
    if study.user_attrs.get("lost"):  # workers that died (fail_trials_of), in words
        snap["lost"] = [str(x) for x in study.user_attrs["lost"]]
    return snap


def write_sweep_json(study, sweep_dir: Path) -> dict:
    """Rewrite DIR/sweep.json from the study; the lock keeps writers in order, so the file never goes
    back to an older state."""
    sweep_dir = Path(sweep_dir)
    with open(sweep_dir / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        snap = snapshot(study)
        write_json(sweep_dir / SWEEP_JSON, snap)
    return snap
