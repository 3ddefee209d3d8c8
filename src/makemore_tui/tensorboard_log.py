"""TensorBoard event files from the trainer's events (`--tensorboard`), like recorder.py's metrics.jsonl.

Written into the work directory, so `tensorboard --logdir out` shows a run and `tensorboard --logdir
DIR/trials` a sweep's trials side by side. The scalars are makemore.py's and a few more: `Loss/train`
(the batch loss of each step metrics.jsonl logs, the same numbers), `Loss/dev` (each dev evaluation;
makemore.py's `Loss/test`), `lr` and `steps_per_s` at the logged steps; and at each evaluation a few
names sampled from the weights of that moment, as text (`samples`), as makemore.py prints them.

The writer is tensorboardX (the optional extra `pip install makemore-tui[tensorboard]`): small (numpy
and protobuf), maintained, and its files are TensorBoard's own. Without it `--tensorboard` is refused
in one line that says what to install.

A resumed run appends to the same series: the events a killed run wrote after its last checkpoint
are taken out of the files first (as truncate_metrics does for metrics.jsonl), and the new file
starts with a purge marker at the step after the checkpoint, so no step appears twice.
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path
from typing import Callable

from . import events as ev
from .checkpoint import atomic_write_bytes
from .errors import ConfigError

ENV = "MAKEMORE_TUI_TENSORBOARD"  # 1 (or true, yes, on): --tensorboard is the default
PREFIX = "events.out.tfevents."
INSTALL = "pip install 'makemore-tui[tensorboard]' (or pip install tensorboardX)"
SAMPLES = 8  # names written at each evaluation
FLUSH_S = 10  # the writer's own flush interval: a live run shows in TensorBoard within seconds


def env_default() -> bool:
    """Whether the environment makes --tensorboard the default."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_available() -> None:
    """ConfigError, in one line, when the writer is not installed."""
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        raise ConfigError(f"--tensorboard needs tensorboardX, which is not installed: {INSTALL}") from None


def event_files(work_dir: str | os.PathLike) -> list[Path]:
    return sorted(p for p in Path(work_dir).glob(PREFIX + "*") if p.is_file() and not p.is_symlink())


def remove_event_files(work_dir: str | os.PathLike) -> None:
    """A new run in a directory replaces an earlier run's event files with its own."""
    for p in event_files(work_dir):
        try:
            p.unlink()
        except OSError:
            pass


def _records(data: bytes):
    """The raw TFRecords of an event file (length, its CRC, the data, its CRC); a torn last one is left out."""
    i = 0
    while i + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, i)
        end = i + 12 + n + 4
        if end > len(data):
            return
        yield data[i:end], data[i + 12 : i + 12 + n]
        i = end


def truncate_events(work_dir: str | os.PathLike, after_step: int) -> None:
    """Take the summaries of steps past `after_step` out of the work directory's event files
    (what a killed run wrote after its last checkpoint), before a resumed run appends."""
    from tensorboardX.proto.event_pb2 import Event

    for path in event_files(work_dir):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        keep = []
        for raw, payload in _records(data):
            e = Event()
            try:
                e.ParseFromString(payload)
            except Exception:  # noqa: BLE001 - a damaged record: dropped
                continue
            if not e.HasField("summary") or e.step <= after_step:
                keep.append(raw)
        if sum(map(len, keep)) != len(data):
            atomic_write_bytes(path, lambda f: f.writelines(keep))


def _names_text(samples) -> str:
    """Sampled names as Markdown, grouped as makemore.py groups them."""
    groups = {"new": [], "real but unseen (dev, test)": [], "in the training data": []}
    for s in samples:
        key = "in the training data" if not s.is_new else ("real but unseen (dev, test)" if s.held_out else "new")
        groups[key].append((s.text or "(empty)") + ("" if s.ended else "…"))
    return "  \n".join(f"**{k}**: {', '.join(v)}" for k, v in groups.items() if v)


class TensorBoardLog:
    """A trainer listener writing TensorBoard event files. `sample(n, seed)` draws names from the
    current weights (called in the training thread, at an evaluation); `start_step` is where a
    resumed run continues (0 for a new one)."""

    def __init__(self, work_dir: str | os.PathLike, log_every: int, start_step: int = 0,
                 sample: Callable[[int, int], list] | None = None, seed: int = 0):
        from tensorboardX import SummaryWriter

        if start_step:
            truncate_events(work_dir, start_step)
        self.log_every = log_every
        self.sample, self.seed = sample, seed
        # the writer names its file by the second and the host: a resumed run started within the
        # same second as the last would write over its file, so the name gets the pid and the nanosecond
        self.writer = SummaryWriter(logdir=str(work_dir), purge_step=start_step + 1 if start_step else None,
                                    flush_secs=FLUSH_S, filename_suffix=f".{os.getpid()}.{time.time_ns()}")
        for p in event_files(work_dir):  # owner-only, as every file of the work directory
            try:
                os.chmod(p, 0o600)
            except OSError:
                pass
        self.errors: list[str] = []

    def __call__(self, event: ev.Event) -> None:
        try:
            self._record(event)
        except Exception as e:  # noqa: BLE001 - a failed write never ends a run (as metrics.jsonl's)
            msg = f"could not write TensorBoard events ({type(e).__name__}: {e})"
            if msg not in self.errors and len(self.errors) < 10:
                self.errors.append(msg)

    def _record(self, event: ev.Event) -> None:
        w = self.writer
        if isinstance(event, ev.Steps):
            for i, loss in enumerate(event.losses):
                step = event.first_step + i + 1  # steps completed after this one (as recorder.py counts)
                if step % self.log_every == 0:
                    w.add_scalar("Loss/train", loss, step)
                    w.add_scalar("lr", event.lrs[i], step)
                    w.add_scalar("steps_per_s", event.steps_per_s, step)
        elif isinstance(event, ev.Evaluated):
            w.add_scalar("Loss/dev", event.val_loss, event.step)
            if self.sample is not None:
                w.add_text("samples", _names_text(self.sample(SAMPLES, self.seed + event.step)), event.step)
        elif isinstance(event, ev.Finished):
            self.flush()

    def flush(self) -> None:
        try:
            self.writer.flush()
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:  # noqa: BLE001
            pass
