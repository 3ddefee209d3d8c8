"""The whole study, read from its storage, for whatever shows a sweep or trains its best trial
again (the command line's sweep table, its settings from a sweep, the attached sweep view).

A sweep on many machines shares one study (a database, or a journal on a shared filesystem) while
each machine has its own DIR/sweep.json, written as its own trials start and end: the machine that
ended first holds an old snapshot. So these commands read the study from the storage that
DIR/study.json names and bring DIR/sweep.json up to date from it: every machine shows the same
trials and the same best. Where the storage cannot be reached (the database is down, a password
that is not stored) they show the local sweep.json and say so in one line. A sweep whose study is
DIR's own journal has nothing elsewhere: its sweep.json is the whole study already.

A password is never written to study.json: the URL there has `***` in its place. Reading then tries
the URL without it, which PostgreSQL's client completes from PGPASSWORD or ~/.pgpass.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .results import best_config, is_sweep_dir, print_sweep, read_sweep
from .study import make_storage, open_study, redact, remembered, snapshot, write_sweep_json

REFRESH_S = 2.0  # --attach: the study is read again this often


@dataclass
class Current:
    sweep: dict  # sweep.json's shape: {"study", "trials", "best"}
    note: str | None = None  # one line when the study's storage could not be read
    configs: dict[int, dict] = field(default_factory=dict)  # trial number -> its config.json (from the study)
    study: object = None  # the Optuna study it was read from, to read again (Mirror)


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def shared_storage(sweep_dir: str | Path) -> tuple[str, str] | None:
    """(storage URL, study name) when DIR/study.json names a storage outside DIR; else None."""
    known = remembered(Path(sweep_dir))
    url, name = known.get("storage"), known.get("study")
    if not isinstance(url, str) or not url or not isinstance(name, str):
        return None
    return (_without_password(url) if "***" in url else url), name


def current(sweep_dir: str | Path, study=None) -> Current:
    """The sweep as its study holds it now (DIR/sweep.json rewritten from it, where DIR is
    writable), or the local sweep.json with a note when the storage cannot be read. `study`: the
    one an earlier call opened (read again, not opened again)."""
    where = shared_storage(sweep_dir)
    if where is None:
        return Current(read_sweep(sweep_dir))
    url, name = where
    if "://" not in url and not Path(url).expanduser().is_file():  # a journal on a filesystem not mounted here
        return Current(read_sweep(sweep_dir), note=(
            f"the study's journal {url} is not on this machine; showing {Path(sweep_dir) / 'sweep.json'}, "
            "this machine's last copy"))
    try:
        study = study or open_study(make_storage(url, Path(sweep_dir)), name, create=False)
        snap = snapshot(study)
        configs = {t.number: t.user_attrs["config"] for t in study.get_trials(deepcopy=False)
                   if isinstance(t.user_attrs.get("config"), dict)}
    except Exception as e:  # noqa: BLE001 - a refused connection, a missing driver, no such study
        why = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        return Current(read_sweep(sweep_dir), note=(
            f"the study's storage {redact(url)} cannot be read ({why}); showing {Path(sweep_dir) / 'sweep.json'}, "
            "this machine's last copy"))
    try:
        write_sweep_json(study, Path(sweep_dir))
    except OSError:
        pass  # a directory this user cannot write: shown all the same
    return Current(snap, configs=configs, study=study)


class Mirror:
    """Keeps DIR/sweep.json up to date from the study's storage while an app shows it (a thread)."""

    def __init__(self, sweep_dir: str | Path, every: float = REFRESH_S):
        self.sweep_dir, self.every = Path(sweep_dir), every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._study = None

    def start(self) -> str | None:
        """Read the study once now; returns the note when it cannot be read (and then does not go on)."""
        if shared_storage(self.sweep_dir) is None:
            return None
        first = current(self.sweep_dir)
        note, self._study = first.note, first.study
        if note is None:
            self._thread = threading.Thread(target=self._run, name="study-mirror", daemon=True)
            self._thread.start()
        return note

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            current(self.sweep_dir, self._study)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 5)


def _said(sweep_dir: str | Path, err: TextIO) -> Current | None:
    """current(), its note on `err` in one line; None where DIR holds no sweep."""
    if not is_sweep_dir(sweep_dir):
        return None
    study = current(sweep_dir)
    if study.note:
        print(f"makemore-tui: note: {study.note}", file=err)
    return study


def inspect_sweep(sweep_dir: str | Path, out: TextIO, err: TextIO) -> int:
    """`--inspect sweep` (and `--attach` on a sweep without a terminal): the whole study's table."""
    study = _said(sweep_dir, err)
    return print_sweep(sweep_dir, out, study.sweep if study is not None else None)


def best_of_study(sweep_dir: str | Path, err: TextIO):
    """The settings of the whole study's best trial (a Config), for a run that starts from them."""
    study = _said(sweep_dir, err)
    if study is None:
        return best_config(sweep_dir)
    return best_config(sweep_dir, study.sweep, study.configs)
