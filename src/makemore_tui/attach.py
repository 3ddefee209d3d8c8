"""The attach client: `makemore-tui --attach DIR` watches and steers a headless run in another process.

`RemoteRun` turns the run's files (status.json, control.py; metrics.jsonl, recorder.py) back into the
trainer's event stream, so the app shows an attached run with the same widgets, and sends the app's
pause/resume/step/stop/save to the run over its control socket. Closing the app only detaches.
`RemoteRun` and `RemoteTrainer` are what the app needs of a run and its trainer (interface.py), as the
live run.Run and trainer.Trainer are.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from . import events as ev
from .config import Config
from .control import ALIVE_STATES, SOCKET, pid_alive, read_message, read_status, run_state, send_message
from .recorder import CONFIG, METRICS, ended_weights, metrics_events, read_json, read_metrics, read_summary
from .workdir import LOCK, is_busy


class RemoteError(RuntimeError):
    pass


def send_command(work_dir: str | os.PathLike, cmd: str, timeout: float = 35.0) -> dict:
    """Send one command to the run in work_dir; RemoteError when no run is listening there."""
    path = Path(work_dir) / SOCKET
    if not path.exists():
        raise RemoteError(f"no run is listening in {work_dir} (no {SOCKET}: it finished or was never started headless)")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(path))
        send_message(s, {"cmd": cmd})
        reply = read_message(s)
    except (ConnectionRefusedError, FileNotFoundError):
        raise RemoteError(f"the run in {work_dir} is not running any more") from None
    except (OSError, ValueError) as e:
        raise RemoteError(f"could not reach the run in {work_dir}: {e}") from None
    finally:
        s.close()
    if not isinstance(reply, dict):
        raise RemoteError("the run sent a malformed reply")
    return reply


class RemoteTrainer:
    """The trainer of a run in another process (interface.TrainerHandle): listeners get events made
    from the work directory's files, and pause/resume/step_once/stop go to the run over its socket.
    `run()` follows the files until `detach()` (closing the app) or the run's end."""

    def __init__(self, work_dir: Path, poll: float = 0.25):
        self.dir = Path(work_dir)
        self.poll = poll
        self.listeners: list[ev.Listener] = []
        self.step = 0
        self.diverged: str | None = None
        self.overfit_said = False  # the Overfitting event is sent once
        self._detached = threading.Event()
        self._offset = 0
        self._state = ""
        self._eval_done = -1
        self.status: dict = {}  # status.json as last read, its state after run_state
        self._running = False
        self._intent: str | None = None  # "paused"/"running" sent, not yet seen in status.json
        self.last_error = ""
        self.started: Callable[[], ev.Started] | None = None  # RemoteRun's: the model's table and shapes
        self.model_source: Callable[[], object] | None = None  # RemoteRun's latest checkpoint

    # steering: sent to the run
    def send(self, cmd: str) -> dict | None:
        """Send a command to the run: its reply, or None when it could not be reached (last_error
        says why, as it does when the run refuses)."""
        try:
            reply = send_command(self.dir, cmd)
            self.last_error = "" if reply.get("ok") else reply.get("error", "")
            return reply
        except RemoteError as e:
            self.last_error = str(e)
            return None

    def pause(self, reason: str = "") -> None:
        if self.send("pause") is not None:
            self._intent = "paused"

    def resume(self) -> None:
        if self.send("resume") is not None:
            self._intent = "running"

    def step_once(self, n: int = 1, stats: bool = False) -> None:
        """n steps of the paused run (the parameter statistics are the run's own to take)."""
        for _ in range(n):
            self.send("step")

    def stop(self, final_evaluation: bool = True) -> None:
        """End the run; it evaluates the splits, saves and writes its summary as it always does."""
        self.send("stop")

    def detach(self) -> None:
        self._detached.set()

    @property
    def paused(self) -> bool:
        # what was last asked for, until status.json (rewritten about once a second) catches up:
        # a second space right after the first must resume, not pause again
        if self._intent is not None:
            return self._intent == "paused"
        return self.status.get("state") == "paused"

    @property
    def model(self):
        """The run's latest saved weights (what the insight views look at)."""
        if self.model_source is None:
            raise RemoteError("no weights to show")
        return self.model_source()

    @property
    def running(self) -> bool:
        return self._running

    def submit(self, fn) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn())
        except Exception as e:
            fut.set_exception(e)
        return fut

    def emit(self, e: ev.Event) -> None:
        for fn in self.listeners:
            fn(e)

    def run(self) -> ev.Finished | None:
        self._running = True
        try:
            self.emit(self.started() if self.started is not None else self.bare_started())
            while not self._detached.is_set():
                self._follow()
                if self._state in ("finished", "gone") and not self._tail_has_more():
                    break
                self._detached.wait(self.poll)
            self._follow()
            if self._state == "gone":  # the process is dead: said, not left as training
                self.emit(ev.Gone(step=max(self.step, self.status.get("step") or 0)))
            summary = read_summary(self.dir)
            if summary and self._state == "finished":
                fin = ev.from_json(ev.Finished, summary, step=self.step)  # every field summary.json holds
                self.emit(fin)
                return fin
            return None
        finally:
            self._running = False

    def bare_started(self) -> ev.Started:
        """The Started event from the run's settings and status alone (no weights, no data)."""
        cfg = read_json(self.dir / CONFIG) or {}
        status = read_status(self.dir) or {}
        return ev.Started.of(cfg, n_params=status.get("n_params") or 0,
                             max_steps=status.get("max_steps") or _whole(cfg.get("max_steps")))

    def _tail_has_more(self) -> bool:
        try:
            return (self.dir / METRICS).stat().st_size > self._offset
        except OSError:
            return False

    def _follow(self) -> None:
        """Read new metrics lines and the status, and emit what changed."""
        records, self._offset = read_metrics(self.dir, self._offset, follow=True)
        for e in metrics_events(records, self.status.get("steps_per_s") or 0.0):
            if isinstance(e, ev.Steps):
                self.step = e.step
            self.emit(e)
        status = read_status(self.dir) or self._status_of_files()
        if status:
            status["state"] = run_state(status)
            self.status = status
            state = status.get("state", "")
            if state == self._intent or state in ("finished", "gone"):
                self._intent = None
            if status.get("diverged") and not self.diverged:
                self.diverged = status["diverged"]
                self.emit(ev.Diverged(step=(status.get("step") or 0), loss=_nan(status.get("train_loss")),
                                      reason=self.diverged))
            if isinstance(status.get("overfitting_at"), int) and not self.overfit_said:
                self.overfit_said = True
                self.emit(ev.Overfitting(
                    step=status["overfitting_at"], best_step=status.get("best_step") or 0,
                    best_val_loss=_nan(status.get("best_val_loss")), val_loss=_nan(status.get("overfit_val_loss")),
                    evaluations=status.get("overfit_evaluations") or 0, stopping=bool(status.get("overfit_stopping"))))
            if state == "evaluating" and (self._state != state or status.get("eval_done") != self._eval_done):
                if self._state != state:
                    self.emit(ev.FinalEvaluation(step=status.get("step") or self.step, examples={}, whole=False))
                self._eval_done = status.get("eval_done") or 0
                self.emit(ev.SplitEvaluated(step=status.get("step") or self.step, split="", done=self._eval_done,
                                            total=status.get("eval_total") or 3))
            if state != self._state:
                if state == "paused":
                    self.emit(ev.Paused(step=(status.get("step") or 0), reason=status.get("pause_reason") or ""))
                elif state == "running" and self._state == "paused":
                    self.emit(ev.Resumed(step=(status.get("step") or 0)))
                self._state = state

    def _status_of_files(self) -> dict:
        """A run without status.json (one the app made): finished when it has its summary, running
        while a process holds its directory, else gone (killed before it could finish)."""
        summary = read_summary(self.dir)
        if summary:
            return {"state": "finished", "step": _whole(summary.get("steps"))}
        holder = (read_text(self.dir / LOCK) or "").strip()
        return {"state": "running" if is_busy(self.dir) else "gone", "step": self.step,
                "pid": int(holder) if holder.isdigit() else None}


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:32]
    except OSError:
        return None


def _whole(x) -> int:
    return x if isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**63 else 0


def _nan(x) -> float:
    return float("nan") if x is None else float(x)


class RemoteRun:
    """What the app holds while attached to a run in another process (interface.RunHandle).

    `cfg`, `data` (the run's words, read again from its input file), `trainer` (a RemoteTrainer),
    `sample`, `save_checkpoint`. The weights are the run's latest checkpoint, read again when it
    changes; while the run is alive, sampling first asks it to save, so the names come from the
    weights it has now."""

    attached = True

    def __init__(self, work_dir: str | os.PathLike, wait_s: float = 15.0):
        self.work_dir = Path(work_dir)
        if not self.work_dir.is_dir():
            raise RemoteError(f"{work_dir} is not a directory; attach to a run's work directory (its -o)")
        cfg = read_json(self.work_dir / CONFIG)
        # a run that has just started (its socket is open) writes its settings once its data is loaded
        end = time.monotonic() + wait_s
        while cfg is None and (self.work_dir / SOCKET).exists() and time.monotonic() < end:
            time.sleep(0.1)
            cfg = read_json(self.work_dir / CONFIG)
        if cfg is None:
            raise RemoteError(f"{work_dir} holds no run (no {CONFIG}); start one with makemore-tui --headless -o {work_dir}")
        try:
            self.cfg = Config.from_dict(cfg).validate()
        except Exception as e:
            raise RemoteError(f"{self.work_dir / CONFIG} is not a run's settings: {e}") from None
        self.cfg = self.cfg.updated(device="cpu")  # the app reads the weights on the CPU, whatever the run uses
        self.trainer = RemoteTrainer(self.work_dir)
        self.trainer.started = self._started
        self.trainer.model_source = self.latest_model
        status = read_status(self.work_dir) or {}
        self.pid = status.get("pid")
        self.input_file = status.get("input_file")
        self.data = None  # loaded in the app's training worker thread, by _started
        self.vocab = None
        self.last_checkpoint: str | None = None
        self.notes: list[str] = []
        self._model = None
        self._model_key: tuple | None = None
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.trainer.status.get("state") in ALIVE_STATES or (
            not self.trainer.status and pid_alive(self.pid))

    @property
    def gone(self) -> bool:
        """The run's process has ended without finishing (killed, a reboot)."""
        return self.trainer.status.get("state") == "gone"

    def is_known(self, word: str) -> bool:
        return self.data is not None and self.data.is_known(word)

    def latest_model(self):
        """The latest checkpoint's model (reloaded when the file changes); before the first save,
        the run's initial weights (its init is seeded, so they are the ones it started from)."""
        from . import checkpoint as ckpt
        from .models import build_model

        # a finished run: the weights it ended on (best.pt where it ended on its best dev's)
        path = ckpt.checkpoint_path(self.work_dir) if self.alive else ended_weights(self.work_dir)
        with self._lock:
            try:
                st = path.stat()
                key = (st.st_mtime_ns, st.st_size)
            except OSError:
                key = None
            if self._model is not None and key == self._model_key:
                return self._model
            if key is None:
                if self._model is None:
                    vocab = self.vocab or (self.data.vocab if self.data is not None else None)
                    if vocab is None:
                        raise RemoteError("the run has no checkpoint yet and its data could not be read")
                    self.vocab = vocab
                    self._model = build_model(self.cfg, len(vocab))
                return self._model
            payload = ckpt.load(path)
            model = build_model(self.cfg, len(payload["vocab"]))
            ckpt.check_compatible(payload, model, where=str(path))
            model.load_state_dict(payload["state"]["model"])
            self._model, self._model_key, self.vocab = model, key, payload["vocab"]
            self.last_checkpoint = str(path)
            return model

    def _started(self) -> ev.Started:
        """In the app's worker thread: read the run's data and weights for the tables and shapes."""
        from . import checkpoint as ckpt
        from .data import load_dataset

        started = self.trainer.bare_started()
        vocab = None
        if ckpt.checkpoint_path(self.work_dir).exists():
            try:
                vocab = ckpt.load(ckpt.checkpoint_path(self.work_dir))["vocab"]
            except Exception as e:
                self.notes.append(f"the run's checkpoint could not be read: {e}")
        if self.input_file:
            try:
                self.data = load_dataset(self.input_file, self.cfg.block_size, vocab=vocab, split=self.cfg.split,
                                         symbols=self.cfg.symbols)
            except Exception as e:  # moved or changed since the run started: watch without it
                self.notes.append(f"the run's data ({self.input_file}) could not be read again: {e}")
        try:
            model = self.latest_model()
        except Exception as e:
            self.notes.append(f"no weights to show: {e}")
            return started
        import torch

        if self.data is not None:
            X = self.data.splits["train"].first(self.cfg.batch_size)[0]
        else:
            X = torch.zeros((self.cfg.batch_size, self.cfg.block_size), dtype=torch.long)
        sizes = {k: self.data.splits[k].examples if self.data is not None else 0 for k in ("train", "dev", "test")}
        return ev.Started.of(self.cfg.to_dict(), model, X, vocab=self.vocab.itos, max_steps=started.max_steps,
                             sizes=(sizes["train"], sizes["dev"], sizes["test"]))

    def sample(self, n: int = 10, temperature: float = 1.0, top_k: int | None = None, prefix: str = "",
               seed: int | None = None):
        """Names from the run's weights: saved first when the run is alive, else its last checkpoint."""
        from .sampling import sample

        if self.alive:
            self.trainer.send("save")  # a diverged run refuses, and the last good checkpoint is used
        model = self.latest_model()
        return sample(model, self.vocab, self.cfg.block_size, n=n, temperature=temperature, top_k=top_k,
                      prefix=prefix, seed=seed, data=self.data)

    def save_checkpoint(self) -> str:
        reply = self.trainer.send("save")
        if reply is None:
            return f"not saved: {self.trainer.last_error}"
        return reply.get("message") or reply.get("error", "")

    def request_checkpoint(self) -> Future:
        """Ask the run to save, off the caller's thread (the app's UI thread must not wait on it)."""
        fut: Future = Future()

        def work() -> None:
            try:
                fut.set_result(self.save_checkpoint())
            except Exception as e:
                fut.set_exception(e)

        threading.Thread(target=work, name="makemore-attach-save", daemon=True).start()
        return fut

    def detach(self) -> None:
        """Stop following the run; it goes on in its own process."""
        self.trainer.detach()

    def release(self) -> None:
        """The app is closing: only detach."""
        self.detach()

    def close(self) -> None:
        self.trainer.detach()
