"""The journal file of a study (Optuna's JournalFileBackend: one JSON record a line), checked before a
sweep opens it, and the trial directories an earlier study left.

A crash while Optuna appends leaves a partial last line; Optuna would then read past it and glue the
next records onto it, and every later command would fail on that line. So before `sweep` opens the
journal, under Optuna's own lock (its format and locks are unchanged):
- a partial last line (no line end) is set aside: the whole file is first copied to
  `study.journal.N.bak`, then the file is cut back to its last whole line, and one notice says so;
- any other damage (a line that is not a JSON record, NUL bytes, bytes that are not UTF-8) is one
  error that names the file and the line; nothing is written.

A study's trials run in DIR/trials/NNNN by trial number. A study that starts again from nothing (an
emptied journal) numbers its trials from 0 again: the directories of numbers the study does not know
are moved to DIR/trials.old-K first, so no trial's files are overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

from ..config import ConfigError
from ..printable import printable
from .files import TRIALS

MAX_JOURNAL_BYTES = 4 << 30  # a journal larger than this is refused (it is read whole by Optuna)


def check_journal(path: str | os.PathLike, say: Callable[[str], None]) -> None:
    """Check (and mend a cut last line of) the journal at `path` before Optuna opens it: see the
    module's docstring. ConfigError for damage it does not mend."""
    from optuna.storages.journal import JournalFileSymlinkLock

    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise ConfigError(f"{printable(p)} cannot be read ({e.strerror or e})") from None
    if not p.is_file():
        raise ConfigError(f"{printable(p)} is not a regular file; a study's journal is one")
    if st.st_size > MAX_JOURNAL_BYTES:
        raise ConfigError(f"{printable(p)} is {st.st_size / 2**30:,.1f} GiB, more than the "
                          f"{MAX_JOURNAL_BYTES / 2**30:,.0f} GiB a journal may be")
    if st.st_size == 0:
        return
    lock = JournalFileSymlinkLock(str(p))  # Optuna's lock: no append is half done while this looks
    lock.acquire()
    try:
        _check_locked(p, say)
    finally:
        lock.release()


def _check_locked(p: Path, say: Callable[[str], None]) -> None:
    where = printable(p)
    start = 0  # the byte offset of the current line
    n = 0
    with open(p, "rb") as f:
        for n, line in enumerate(f, start=1):
            if not line.endswith(b"\n") and b"\x00" not in line:
                _set_aside(p, start, n, line, say)
                return
            problem = _damage(line)
            if problem:
                raise ConfigError(
                    f"{where}: line {n:,} is damaged ({problem}); nothing was written. Mend or delete that line, "
                    f"or move the file away to start a new study")
            start += len(line)


def _damage(line: bytes) -> str:
    if b"\x00" in line:
        return "it holds NUL bytes"
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return "it is not UTF-8"
    except ValueError:
        return "it is not a JSON record"
    if not isinstance(record, dict) or "op_code" not in record:
        return "it is not a record of Optuna's journal"
    return ""


def _set_aside(p: Path, start: int, n: int, line: bytes, say: Callable[[str], None]) -> None:
    """The last line has no line end: a write cut short. Copy the whole file, then cut it back."""
    k = 1
    while (backup := p.with_name(f"{p.name}.{k}.bak")).exists():
        k += 1
    try:
        shutil.copyfile(p, backup)
        with open(backup, "rb+") as b:
            os.fsync(b.fileno())
        os.truncate(p, start)
    except OSError as e:
        raise ConfigError(f"{printable(p)} ends in a partial line (line {n:,}) that could not be set aside "
                          f"({e.strerror or e}); nothing was changed") from None
    say(f"sweep: {printable(p)} ended in a partial line (line {n:,}, {len(line):,} bytes: a write cut short); set "
        f"aside: the file was copied whole to {printable(backup.name)}, then cut back to its last whole line")


def set_aside_old_trials(sweep_dir: Path, known: Callable[[], set[int]]) -> str | None:
    """Move DIR/trials/NNNN of numbers the study does not know (an earlier study's) to DIR/trials.old-K;
    returns what was done, in words, or None. `known()`: the numbers of the study's started trials,
    asked after the directory is listed (a trial another worker starts meanwhile is in the study
    before its directory is made, so it is never taken for an earlier study's)."""
    trials = sweep_dir / TRIALS
    try:
        entries = list(trials.iterdir())
    except OSError:  # no trials yet
        return None
    numbers = known() if entries else set()
    strays = sorted(d for d in entries if not (d.name.isdigit() and int(d.name) in numbers))
    if not strays:
        return None
    k = 1
    while (old := sweep_dir / f"{TRIALS}.old-{k}").exists():
        k += 1
    try:
        old.mkdir()
        for d in strays:
            d.rename(old / d.name)
    except OSError as e:
        raise ConfigError(f"{printable(trials)} holds trials this study does not know (an earlier study's), and they "
                          f"could not be moved aside to {printable(old)} ({e.strerror or e})") from None
    names = ", ".join(d.name for d in strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
    return (f"{printable(trials)} held {len(strays)} entr{'y' if len(strays) == 1 else 'ies'} this study does not know "
            f"({printable(names)}: an earlier study's): moved to {printable(old)}, so no trial overwrites them")
