"""A training run bound to its work directory: the trainer, the files it writes, its checkpoints.

Both front ends (headless.py and the Textual app) open a Run and listen to the same trainer events.

What is saved, and when: `model.pt` (checkpoint.py) every `save_every_s` seconds of a run (between
two steps, in the training thread), at the end, and when a front end asks (a signal, the app's save
key). A save never replaces a good checkpoint with weights of a run that diverged or went
non-finite, and a save that fails (a full disk) keeps the previous file and says so. With keep_best,
`best.pt` holds the weights of the best dev loss, written just before model.pt when the best has moved;
model.pt stays the last step's full state (the resume point) even when the run ends on the best.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from . import checkpoint as ckpt
from . import events as ev
from .config import Config, ConfigError
from .data import Dataset, VocabError, bundled_dataset, load_dataset
from .models import build_model, model_type
from .printable import printable
from .saved_run import check_same_data
from .control import SOCKET, STATUS
from .recorder import CONFIG, LR_FIND, METRICS, SUMMARY, RunRecorder, ended_weights, truncate_metrics
from .workdir import WorkDirLock, clear_run_files
from .evaluation import EVAL_CHUNK
from .sampling import Sample, sample
from .tensorboard_log import TensorBoardLog, check_available, remove_event_files
from .trainer import Trainer
from .watch import climbed

# A run's own files: a new run in a directory removes an earlier run's before its first step
RUN_FILES = (ckpt.CHECKPOINT, ckpt.BEST, METRICS, SUMMARY, CONFIG, STATUS, SOCKET, LR_FIND)
SAVE_INTERVAL_S = 60.0  # default seconds between checkpoints during a run; always at the end and on signals
MEMORY_SHARE = 0.8  # refuse settings whose estimated memory is above this share of the machine's


def check_work_dir(work_dir: str | os.PathLike) -> Path:
    """The work directory, created if needed; ConfigError when it cannot be used."""
    if str(work_dir) == "":
        raise ConfigError("the work directory name is empty")
    p = Path(work_dir)
    try:
        if p.exists() and not p.is_dir():
            raise ConfigError(f"work directory {p} is a file, not a directory")
        p.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"work directory {p} cannot be created: a file is in the way") from None
    except OSError as e:
        raise ConfigError(f"work directory {str(p)[:200]} cannot be created: {e.strerror or e}") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise ConfigError(f"work directory {p} is not writable")
    try:  # os.access says yes to root and knows nothing of full or read-only file systems
        with tempfile.TemporaryFile(dir=p) as f:
            f.write(b"x")
    except OSError as e:
        raise ConfigError(f"work directory {p} is not writable ({e.strerror or e})") from None
    return p


def next_work_dir(base: str | os.PathLike, taken: set[str] = frozenset()) -> Path:
    """`<base>-2`, `-3`, ...: the first that does not exist yet, so earlier runs are kept."""
    base = Path(base)
    k = 2
    while True:
        p = base.with_name(f"{base.name}-{k}")
        if not p.exists() and str(p) not in taken:
            return p
        k += 1


def estimate_params(cfg: Config, vocab_size: int) -> int:
    """The parameter count of the model these settings build (without building it)."""
    return model_type(cfg.type).estimate_params(cfg, vocab_size)


def estimate_memory(cfg: Config, vocab_size: int, n_eval: int = EVAL_CHUNK) -> int:
    """Rough bytes a run needs beyond its data: weights, gradients, AdamW's moments and a copy for
    the statistics (5 x 4 bytes a parameter), and the activations of a training batch or of an
    evaluation chunk of `n_eval` examples, whichever is larger (the model type says how many floats
    of activations an example holds)."""
    params = estimate_params(cfg, vocab_size)
    width = model_type(cfg.type).activation_width(cfg, vocab_size)
    rows = max(cfg.batch_size, min(EVAL_CHUNK, n_eval))
    return 20 * params + 4 * rows * width


def machine_memory() -> int | None:
    """Bytes of memory this process may use: the machine's, or a container's limit if lower."""
    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < (1 << 60):
            total = min(total, int(text)) if total else int(text)
        break
    return total


def check_resources(cfg: Config, vocab_size: int, n_eval: int = EVAL_CHUNK, memory: int | None = None) -> None:
    """ConfigError when the settings need more memory than this machine has (absurd sizes)."""
    memory = machine_memory() if memory is None else memory
    if not memory:
        return
    need = estimate_memory(cfg, vocab_size, n_eval)
    if need > MEMORY_SHARE * memory:
        raise ConfigError(
            f"these settings need about {need / 2**30:,.1f} GiB ({estimate_params(cfg, vocab_size):,} parameters, "
            f"batch {cfg.batch_size:,}), more than this machine's {memory / 2**30:,.1f} GiB allow; "
            "make the model (--n-embd, --n-hidden, --block-size) or the batch smaller"
        )


class Run:
    """The live run, training in this process (interface.RunHandle)."""

    attached = False  # it trains here; attach.RemoteRun is a run in another process

    def __init__(
        self,
        cfg: Config,
        data: Dataset,
        work_dir: str | os.PathLike,
        resume: dict | None = None,
        listeners: list[Callable[[ev.Event], None]] | tuple = (),
        emit_interval: float = 0.1,
        save_every_s: float = SAVE_INTERVAL_S,
        lock: WorkDirLock | None = None,
    ):
        if data.split != cfg.split:  # summary.json and the app say cfg.split: it must be the data's
            raise ConfigError(f"the data was split as {data.split!r}, the settings say split {cfg.split!r}")
        self.cfg = cfg
        self.data = data
        self.work_dir = check_work_dir(work_dir)
        # held for the run's life (open_run takes it before loading the data); WorkDirBusy if taken
        self.lock = lock if lock is not None and lock.held else WorkDirLock(self.work_dir)
        self.notes: list[str] = []  # for the app at the end; this run's own troubles come as events
        try:
            self._start(resume, listeners, emit_interval)
        except BaseException:
            self.lock.release()
            raise
        # 0 or less: only at the end, on signals and on request; otherwise every that many seconds
        self.save_every_s = save_every_s if save_every_s and save_every_s > 0 and math.isfinite(save_every_s) else None
        self._last_save = time.monotonic()
        self._save_queued = False
        self.last_checkpoint: str | None = None
        self.input_file: str | None = None  # set by open_run; an attached app reads the words from it
        self.save_messages: list[str] = []

    def _start(self, resume: dict | None, listeners, emit_interval: float) -> None:
        cfg, data, work_dir = self.cfg, self.data, self.work_dir
        ckpt.remove_stale_temps(work_dir, older_than_s=0)  # the directory is ours: no save is under way
        if resume is None:
            clear_run_files(work_dir, RUN_FILES)  # a new run replaces an earlier one whole
            remove_event_files(work_dir)
        self.trainer = Trainer(cfg, data, emit_interval=emit_interval)
        if resume is not None:
            where = str(ckpt.checkpoint_path(work_dir))
            ckpt.check_compatible(resume, self.trainer.model, data.vocab, where=where)
            try:
                self.trainer.load_state_dict(resume["state"])
            except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError) as e:
                raise ckpt.CheckpointError(f"{where} has a damaged training state ({type(e).__name__}: "
                                           f"{str(e).splitlines()[0][:120] if str(e) else ''})") from None
        if resume is not None:
            self._load_best()
        owed = resume is not None and self.trainer.eval_owed == self.trainer.step
        held = truncate_metrics(self.work_dir, self.trainer.step, take_last=True) if owed else None
        if resume is not None and not owed:
            truncate_metrics(self.work_dir, self.trainer.step)
        self.recorder = RunRecorder(self.work_dir, cfg.log_every, append=resume is not None, data=data.record)
        if held is not None:
            self.recorder.hold(held)
        self.tensorboard = None
        if cfg.tensorboard:
            check_available()
            self.tensorboard = TensorBoardLog(self.work_dir, cfg.log_every, start_step=self.trainer.step,
                                              sample=lambda n, seed: self.sample_here(n=n, seed=seed), seed=cfg.seed)
        self.trainer.listeners = [self.recorder, *([self.tensorboard] if self.tensorboard else []), self._on_event,
                                  *listeners]

    def _load_best(self) -> None:
        """A resumed run's best weights from best.pt, where they are the checkpoint's best step's
        (a save killed between best.pt and model.pt leaves a later best: the run finds it again)."""
        b = self.trainer.best
        if not b.keep_weights or b.step is None or not ckpt.best_path(self.work_dir).exists():
            return
        try:
            payload = ckpt.load(ckpt.best_path(self.work_dir))
            ckpt.check_compatible(payload, self.trainer.model, self.data.vocab, where=str(ckpt.best_path(self.work_dir)))
        except ckpt.CheckpointError as e:
            self.notes.append(f"the best weights could not be read back ({e}); the run ends on its last weights")
            return
        if payload["state"]["step"] == b.step:
            b.weights = {k: v.to(self.trainer.device) for k, v in payload["state"]["model"].items()}
            b.saved_step = b.step

    def _save_best(self) -> None:
        """best.pt, when the best dev loss has moved since it was written (before model.pt)."""
        b = self.trainer.best
        if b.weights is None or b.saved_step == b.step:
            return
        state = {"step": b.step, "val_loss": b.val, "model": {k: v.detach().cpu() for k, v in b.weights.items()}}
        ckpt.save(self.work_dir, self.cfg, self.data.vocab, state, name=ckpt.BEST, data=self.data.record)
        b.saved_step = b.step

    @property
    def alive(self) -> bool:
        return self.trainer.running

    @property
    def gone(self) -> bool:
        return False  # its process is this one

    def _save_due(self) -> bool:
        return self.save_every_s is not None and time.monotonic() - self._last_save >= self.save_every_s

    def _on_event(self, event: ev.Event) -> None:
        # Steps comes from the trainer's flush, just before it checks the new losses for divergence;
        # the save is queued to run at the top of the next step, after that check.
        if isinstance(event, (ev.Steps, ev.Evaluated)) and not self._save_queued and self._save_due():
            self._save_queued = True
            self.trainer.submit(self._periodic_save)

    def _periodic_save(self) -> None:
        self._save_queued = False
        if self._save_due():
            self.save_checkpoint()

    def save_checkpoint(self) -> str:
        """Save now (call from the training thread, or while no run is under way). Returns a
        sentence for people; never replaces a good checkpoint with diverged or non-finite weights."""
        t = self.trainer
        climbing = climbed(t.last_loss, t.start_loss)  # divergence's own test, on the latest loss
        if t.diverged or not t.weights_finite() or climbing:
            why = "the run diverged" if t.diverged or not t.weights_finite() else (
                f"the loss is climbing ({t.start_loss:.3f} at the start, {t.last_loss:.3f} now)")
            msg = f"not saved: {why}, so the last good checkpoint is kept"
            self._last_save = time.monotonic()  # do not retry at every step
        else:
            self.recorder.sync()  # metrics.jsonl up to this step, on disk before the checkpoint is
            if self.tensorboard is not None:
                self.tensorboard.flush()
            try:
                self._save_best()
                path = ckpt.save(self.work_dir, self.cfg, self.data.vocab, t.state_dict(), data=self.data.record)
                self.last_checkpoint = str(path)
                self._last_save = time.monotonic()
                msg = f"saved step {t.step:,} to {path}"
                t.emit(ev.CheckpointSaved(step=t.step, path=str(path)))
                return msg
            except (OSError, RuntimeError) as e:  # RuntimeError: torch's zip writer on a full disk
                self._last_save = time.monotonic()
                msg = f"checkpoint not saved ({ckpt.describe_os_error(e, self.work_dir)}); the previous one is kept"
                t.emit(ev.CheckpointFailed(step=t.step, error=msg))
        self.save_messages.append(msg)
        del self.save_messages[:-20]  # a long run that keeps failing holds a few, not all
        return msg

    def request_checkpoint(self) -> Future:
        """Save between two steps, from any thread; returns a Future of the message."""
        return self.trainer.submit(self.save_checkpoint)

    def sample(self, n: int = 10, temperature: float = 1.0, top_k: int | None = None, prefix: str = "",
               seed: int | None = None) -> list[Sample]:
        """Names from the current weights. Safe from any thread while training runs: the sampling
        happens in the training thread between two steps, so it never sees half-updated weights."""
        return self.trainer.submit(
            lambda: self.sample_here(n=n, temperature=temperature, top_k=top_k, prefix=prefix, seed=seed)).result()

    def sample_here(self, n: int = 10, temperature: float = 1.0, top_k: int | None = None, prefix: str = "",
                    seed: int | None = None) -> list[Sample]:
        """Names drawn in the calling thread: the training thread (a listener of its events) or any
        thread while no run is under way. Each is marked known (training split) or held out (dev,
        test). The draw has its own generator: training's random numbers are not touched."""
        return sample(self.trainer.model, self.data.vocab, self.cfg.block_size, n=n, temperature=temperature,
                      top_k=top_k, prefix=prefix, seed=seed, data=self.data)

    def release(self) -> None:
        """The front end is closing: stop between two steps, skipping the final evaluation (seconds
        for the larger presets; one under way stops between two of its passes). The summary then has
        no final losses; the checkpoint is saved as usual."""
        self.trainer.stop(final_evaluation=False)

    def close(self) -> None:
        """The run's files are complete; its hold on the work directory ends."""
        self.recorder.close()
        if self.tensorboard is not None:
            self.tensorboard.close()
        self.lock.release()


def open_run(
    cfg: Config,
    input_file: str | None,
    work_dir: str | os.PathLike,
    resume: bool = False,
    listeners=(),
    progress=None,
    emit_interval: float = 0.1,
    save_every_s: float = SAVE_INTERVAL_S,
    max_steps: int | None = None,
    init_from: str | os.PathLike | None = None,
) -> Run:
    """Load the data and build the run; with resume, continue from the work directory's checkpoint.

    On resume the checkpoint's settings and vocabulary win over `cfg`, except the device (this
    machine's) and `max_steps` when given (it may be raised; leave it None to finish the run as it
    was planned, which is what makes the losses equal those of a run that was never stopped).
    With init_from (another run's work directory) a new run starts from that run's weights, with its
    vocabulary, on this data."""
    check_work_dir(work_dir)  # before a long load, not after
    if cfg.tensorboard:
        check_available()
    lock = WorkDirLock(work_dir)  # and before it: a second run on a live directory is told at once
    try:
        return _open_locked(cfg, input_file, work_dir, lock, resume, listeners, progress, emit_interval,
                            save_every_s, max_steps, init_from)
    except BaseException:
        lock.release()
        raise


def _open_locked(cfg, input_file, work_dir, lock, resume, listeners, progress, emit_interval, save_every_s,
                 max_steps, init_from=None) -> Run:
    payload = None
    if init_from is not None and not resume:  # (the app's saved-run question may answer "resume")
        return _open_from(cfg, input_file, work_dir, lock, listeners, progress, emit_interval, save_every_s, init_from)
    if resume:
        where = ckpt.checkpoint_path(work_dir)
        payload = ckpt.load(where)
        saved: Config = payload["config"]
        step = int(payload["state"]["step"])
        if max_steps is not None and max_steps < step:
            raise ConfigError(f"the checkpoint in {work_dir} is at step {step:,}; --max-steps {max_steps:,} "
                              "would end before it (give a larger number, or leave it out)")
        cfg = saved.updated(max_steps=max_steps if max_steps is not None else saved.max_steps, device=cfg.device,
                            eval_exact=cfg.eval_exact or saved.eval_exact,  # (how the losses are taken: not training)
                            tensorboard=cfg.tensorboard or saved.tensorboard)  # (what is written: not training)
    try:
        data = load_dataset(input_file, cfg.block_size, vocab=payload["vocab"] if payload else None,
                            progress=progress, split=cfg.split, symbols=cfg.symbols)
    except VocabError as e:
        if payload is None:
            raise
        raise ckpt.CheckpointError(
            f"the checkpoint in {work_dir} was made with another vocabulary ({len(payload['vocab'])} symbols): {e}"
        ) from None
    if payload is not None:
        check_same_data(payload["data"], data.record, work_dir, input_file)
    check_resources(cfg, len(data.vocab), n_eval=max(s.examples for s in data.splits.values()))
    run = Run(cfg, data, work_dir, resume=payload, listeners=listeners, emit_interval=emit_interval,
              save_every_s=save_every_s, lock=lock)
    run.input_file = str(Path(input_file).resolve()) if input_file else str(bundled_dataset())
    return run


def _open_from(cfg, input_file, work_dir, lock, listeners, progress, emit_interval, save_every_s, init_from) -> Run:
    """A new run in work_dir whose weights start as those of the run in `init_from` (--init-from)."""
    src = ckpt.checkpoint_path(init_from)
    if Path(work_dir).resolve() == Path(init_from).resolve():
        raise ConfigError(f"--init-from {printable(init_from)} would start a new run over that run: give another -o")
    payload = ckpt.load(src)
    try:
        data = load_dataset(input_file, cfg.block_size, vocab=payload["vocab"], progress=progress, split=cfg.split)
    except VocabError as e:
        raise ckpt.CheckpointError(f"the run in {printable(init_from)} knows {len(payload['vocab'])} symbols, and its "
                                   f"weights cannot learn others: {e}") from None
    check_resources(cfg, len(data.vocab), n_eval=max(s.examples for s in data.splits.values()))
    run = Run(cfg, data, work_dir, listeners=listeners, emit_interval=emit_interval, save_every_s=save_every_s,
              lock=lock)
    try:
        ckpt.check_compatible(payload, run.trainer.model, data.vocab, where=str(src))
        run.trainer.model.load_state_dict(payload["state"]["model"])
        if run.trainer.average is not None:
            run.trainer.average.load_state_dict(None)  # the average starts at the weights taken over
    except BaseException:
        run.close()
        raise
    run.input_file = str(Path(input_file).resolve()) if input_file else str(bundled_dataset())
    return run


def load_for_sampling(work_dir: str | os.PathLike):
    """(model, vocab, config) from a work directory's checkpoint, for --sample-only and --inspect:
    the weights the run ended on (recorder.ended_weights: best.pt where it ended on its best dev's)."""
    path = ended_weights(work_dir)
    payload = ckpt.load(path)
    cfg: Config = payload["config"]
    check_resources(cfg, len(payload["vocab"]), n_eval=cfg.batch_size)  # as --resume does, before building
    model = build_model(cfg, len(payload["vocab"]))
    ckpt.check_compatible(payload, model, where=str(path))
    model.load_state_dict(payload["state"]["model"])
    model.eval()
    return model, payload["vocab"], cfg


