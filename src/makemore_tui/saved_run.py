"""What a work directory holds from an earlier run, in words, read without changing a byte of it;
and whether the data of a resume is the data the run was trained on (check_same_data).

Before a new run would replace a saved one, the app shows it and asks (app/saved_run_screen.py);
headless says it replaced one; `--resume` on a finished run says so and what to pass to go further.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import checkpoint as ckpt
from .data import bundled_dataset
from .printable import printable
from .recorder import read_metrics, read_summary

# the answers to "this directory holds a saved run: what now?"
RESUME, NEW, REPLACE, QUIT = "resume", "new", "replace", "quit"


@dataclass(frozen=True)
class SavedRun:
    """The run saved in `work_dir`: its checkpoint's step and settings, its latest losses, when."""

    work_dir: Path
    saved_at: float  # the checkpoint's modification time (seconds since the epoch)
    step: int = 0
    max_steps: int = 0
    model: str = ""  # "mlp (preset seed)"
    train_loss: float | None = None
    val_loss: float | None = None
    problem: str = ""  # the checkpoint cannot be used (damaged): the reason, and nothing else is known

    @property
    def finished(self) -> bool:
        return not self.problem and self.step >= self.max_steps > 0

    @property
    def further(self) -> int:
        """The step count a resume that goes further could ask for: twice the planned steps."""
        return max(2 * self.max_steps, self.step + 1)

    def when(self, now: float | None = None) -> str:
        """'saved 2025-12-01 14:03 (3 hours ago)'."""
        now = time.time() if now is None else now
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"saved {stamp} ({ago(now - self.saved_at)})"

    def progress(self) -> str:
        """'step 33,077 of 200,000 (stopped at 17%)', or what is wrong with the checkpoint."""
        if self.problem:
            return f"its checkpoint cannot be used: {self.problem}"
        if self.finished:
            return f"step {self.step:,} of {self.max_steps:,} (finished)"
        share = self.step / self.max_steps if self.max_steps else 0.0
        return f"step {self.step:,} of {self.max_steps:,} (stopped at {share:.0%})"

    def losses(self) -> str:
        parts = []
        if self.val_loss is not None:
            parts.append(f"dev loss {self.val_loss:.4f}")
        if self.train_loss is not None:
            parts.append(f"train loss {self.train_loss:.4f}")
        return ", ".join(parts) or "no loss logged yet"

    def describe(self, now: float | None = None) -> str:
        """One line: 'step 2,000 of 2,000 (finished), dev loss 2.6491, mlp (preset seed), saved ...'."""
        if self.problem:
            return f"{self.progress()}; {self.when(now)}"
        return f"{self.progress()}, {self.losses()}, {self.model}, {self.when(now)}"


def ago(seconds: float) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago'."""
    s = max(0.0, seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if s >= size:
            n = int(s // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def find_saved_run(work_dir: str | os.PathLike) -> SavedRun | None:
    """The run saved in `work_dir` (None when there is no checkpoint). Only reads: a damaged
    checkpoint comes back with its `problem` said, not as an error."""
    path = ckpt.checkpoint_path(work_dir)
    try:
        saved_at = path.stat().st_mtime
    except OSError:
        return None
    if not path.is_file():
        return None
    wd = Path(work_dir)
    try:
        payload = ckpt.load(path)
    except ckpt.CheckpointError as e:
        return SavedRun(wd, saved_at, problem=str(e))
    cfg = payload["config"]
    step = int(payload["state"]["step"])
    train = dev = None
    lines, _ = read_metrics(wd)
    for line in lines:  # the latest of each up to the checkpoint's step (later lines are a killed run's)
        if line.step > step:
            break
        if line.train_loss is not None:
            train = line.train_loss
        if line.val_loss is not None:
            dev = line.val_loss
    summary = read_summary(wd)
    if summary and summary.get("steps") == step:  # the run's end: its losses over the whole splits
        train = summary["train_loss"] if summary.get("train_loss") is not None else train
        dev = summary["val_loss"] if summary.get("val_loss") is not None else dev
    model = printable(f"{cfg.type} (preset {cfg.preset})" if cfg.preset != cfg.type else cfg.type)
    return SavedRun(wd, saved_at, step=step, max_steps=cfg.max_steps, model=model, train_loss=train, val_loss=dev)


def finished_message(saved: SavedRun) -> str:
    """What `--resume` on a finished run says: it is finished, and how to go further."""
    d = saved.work_dir
    return (f"the run in {d} has finished: {saved.progress()}, {saved.losses()}. Nothing to resume; to train "
            f"it further, raise its end: makemore-tui --resume -o {d} --max-steps {saved.further} "
            f"(or sample from it: makemore-tui --sample-only -o {d})")


def _data_words(record: dict) -> str:
    """'names.txt (32,033 items, 228,146 bytes, SHA-256 6f1e...)'."""
    path = record.get("path")
    where = "the bundled names" if path == str(bundled_dataset()) else printable(path or "a list of words")
    size = f", {record['bytes']:,} bytes" if isinstance(record.get("bytes"), int) else ""
    return f"{where} ({record.get('items', 0):,} items{size}, SHA-256 {str(record.get('sha256'))[:12]}…)"


def check_same_data(saved: dict | None, now: dict, work_dir, input_file: str | None) -> None:
    """--resume goes on with the data the run was trained on, or not at all: CheckpointError when the
    checkpoint records other data (a checkpoint from before runs recorded it is not checked)."""
    if not saved or saved.get("sha256") == now.get("sha256"):
        return
    path, wd = saved.get("path"), printable(work_dir)
    if path == str(bundled_dataset()):
        same = "; leave -i out to resume it"
    elif path and Path(path).is_file():
        same = f"; resume it with -i {printable(path)}"
    else:
        same = ""
    new = f" -i {printable(input_file)}" if input_file else ""
    raise ckpt.CheckpointError(
        f"the run in {wd} was trained on {_data_words(saved)}, not on {_data_words(now)}: --resume continues a run "
        f"on its own data{same}. To train its weights on the new data, start a new run from them: "
        f"makemore-tui --init-from {wd}{new} -o NEW_DIR")
