"""A training run bound to its work directory: the trainer, the files it writes, its checkpoints.

Both front ends (headless.py and the Textual app) open a Run and listen to the same trainer events.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from . import checkpoint as ckpt
from . import events as ev
from .config import Config, ConfigError
from .data import Dataset, bundled_dataset, load_dataset
from .recorder import RunRecorder, truncate_metrics
from .sampling import Sample, sample
from .trainer import Trainer

SAVE_INTERVAL_S = 60.0  # at most this often at evaluation points; always at the end and on signals


def check_work_dir(work_dir: str | os.PathLike) -> Path:
    """The work directory, created if needed; ConfigError when it cannot be used."""
    p = Path(work_dir)
    if p.exists() and not p.is_dir():
        raise ConfigError(f"work directory {p} is a file, not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"work directory {p} cannot be created: {e.strerror or e}") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise ConfigError(f"work directory {p} is not writable")
    return p


class Run:
    def __init__(
        self,
        cfg: Config,
        data: Dataset,
        work_dir: str | os.PathLike,
        resume: dict | None = None,
        listeners: list[Callable[[ev.Event], None]] | tuple = (),
        emit_interval: float = 0.1,
    ):
        self.cfg = cfg
        self.data = data
        self.work_dir = check_work_dir(work_dir)
        self.trainer = Trainer(cfg, data, emit_interval=emit_interval)
        if resume is not None:
            ckpt.check_compatible(resume, self.trainer.model, data.vocab, where=str(ckpt.checkpoint_path(work_dir)))
            self.trainer.load_state_dict(resume["state"])
            truncate_metrics(self.work_dir, self.trainer.step)
        self.recorder = RunRecorder(self.work_dir, cfg.log_every, append=resume is not None)
        self.trainer.listeners = [self.recorder, self._on_event, *listeners]
        self._last_save = time.monotonic()
        self.last_checkpoint: str | None = None
        self.input_file: str | None = None  # set by open_run; an attached app reads the words from it
        self.save_messages: list[str] = []

    def _on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.Evaluated) and time.monotonic() - self._last_save >= SAVE_INTERVAL_S:
            self.save_checkpoint()

    def save_checkpoint(self) -> str:
        """Save now (call from the training thread, or while no run is under way). Returns a
        sentence for people; never replaces a good checkpoint with diverged or non-finite weights."""
        t = self.trainer
        if t.diverged or not t.weights_finite():
            msg = "not saved: the run diverged, so the last good checkpoint is kept"
        else:
            try:
                path = ckpt.save(self.work_dir, self.cfg, self.data.vocab, t.state_dict())
                self.last_checkpoint = str(path)
                self._last_save = time.monotonic()
                msg = f"saved step {t.step:,} to {path}"
                t.emit(ev.CheckpointSaved(step=t.step, path=str(path)))
                return msg
            except OSError as e:
                msg = f"checkpoint not saved ({ckpt.describe_os_error(e)}); the previous one is kept"
                t.emit(ev.CheckpointFailed(step=t.step, error=msg))
        self.save_messages.append(msg)
        return msg

    def request_checkpoint(self):
        """Save between two steps, from any thread; returns a Future of the message."""
        return self.trainer.submit(self.save_checkpoint)

    def sample(self, n: int = 10, temperature: float = 1.0, top_k: int | None = None, prefix: str = "",
               seed: int | None = None) -> list[Sample]:
        """Names from the current weights. Safe from any thread while training runs: the sampling
        happens in the training thread between two steps, so it never sees half-updated weights."""
        def draw():
            return sample(self.trainer.model, self.data.vocab, self.cfg.block_size, n=n, temperature=temperature,
                          top_k=top_k, prefix=prefix, seed=seed, is_known=self.data.is_known)

        return self.trainer.submit(draw).result()

    def close(self) -> None:
        self.recorder.close()


def open_run(
    cfg: Config,
    input_file: str | None,
    work_dir: str | os.PathLike,
    resume: bool = False,
    listeners=(),
    progress=None,
    emit_interval: float = 0.1,
) -> Run:
    """Load the data and build the run; with resume, continue from the work directory's checkpoint
    (its settings and vocabulary win over `cfg`, except max_steps, which may be raised)."""
    payload = None
    if resume:
        payload = ckpt.load(ckpt.checkpoint_path(work_dir))
        saved: Config = payload["config"]
        cfg = saved.updated(max_steps=max(saved.max_steps, cfg.max_steps), device=cfg.device)
    data = load_dataset(input_file, cfg.block_size, vocab=payload["vocab"] if payload else None, progress=progress)
    run = Run(cfg, data, work_dir, resume=payload, listeners=listeners, emit_interval=emit_interval)
    run.input_file = str(Path(input_file).resolve()) if input_file else str(bundled_dataset())
    return run


def load_for_sampling(work_dir: str | os.PathLike):
    """(model, vocab, config) from a work directory's checkpoint, for --sample-only."""
    from .model import build_model

    payload = ckpt.load(ckpt.checkpoint_path(work_dir))
    cfg: Config = payload["config"]
    model = build_model(cfg, len(payload["vocab"]))
    ckpt.check_compatible(payload, model, where=str(ckpt.checkpoint_path(work_dir)))
    model.load_state_dict(payload["state"]["model"])
    model.eval()
    return model, payload["vocab"], cfg


