"""Runs that outlive the terminal: a headless run's control channel, and attaching to it.

A headless run keeps two things in its work directory besides metrics.jsonl:
- `status.json`, rewritten (atomically) about once a second: pid, step, state, rates, losses;
- `control.sock`, a Unix socket with owner-only permissions (0600) that takes one JSON command a
  connection: {"cmd": "pause" | "resume" | "step" | "stop" | "save" | "status"}. Nothing listens on a
  network port, and only the user who started the run (checked again with SO_PEERCRED) can steer it.

`RemoteRun` is what `makemore-tui --attach DIR` opens: it turns those files back into the trainer's
event stream (tailing metrics.jsonl), so the app shows an attached run with the same widgets, and
sends the app's pause/resume/step/stop/save to the run. Closing the app only detaches.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from . import events as ev
from .config import Config
from .recorder import CONFIG, METRICS, SUMMARY, write_json

STATUS = "status.json"
SOCKET = "control.sock"
COMMANDS = ("pause", "resume", "step", "stop", "save", "status")


class RemoteError(RuntimeError):
    pass


# ---- the run's side ------------------------------------------------------------------------------

class StatusWriter:
    """A trainer listener that keeps status.json current (at most every `interval` seconds, and at
    once on a change of state)."""

    def __init__(self, work_dir: Path, extra: dict | None = None, interval: float = 1.0):
        self.path = Path(work_dir) / STATUS
        self.interval = interval
        self.status: dict = {"pid": os.getpid(), "state": "starting", "step": 0, **(extra or {})}
        self._next = 0.0
        self._lock = threading.Lock()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now >= self._next:
            self._next = now + self.interval
            with self._lock:
                self.status["updated_at"] = time.time()
                write_json(self.path, self.status)

    def __call__(self, e: ev.Event) -> None:
        s = self.status
        if isinstance(e, ev.Started):
            s.update(state="running", step=e.start_step, max_steps=e.max_steps, n_params=e.n_params,
                     started_at=time.time())
            self._write(force=True)
        elif isinstance(e, ev.Steps):
            s.update(step=e.step, train_loss=_finite(e.losses[-1]), lr=e.lrs[-1], steps_per_s=e.steps_per_s,
                     elapsed_s=e.elapsed_s)
            if s["state"] == "paused":
                s["state"] = "running"
            self._write()
        elif isinstance(e, ev.Evaluated):
            s.update(val_loss=_finite(e.val_loss), val_step=e.step)
            self._write()
        elif isinstance(e, ev.Paused):
            s.update(state="paused", step=e.step, pause_reason=e.reason)
            self._write(force=True)
        elif isinstance(e, ev.Resumed):
            s.update(state="running", pause_reason="")
            self._write(force=True)
        elif isinstance(e, ev.Diverged):
            s.update(diverged=e.reason)
            self._write(force=True)
        elif isinstance(e, ev.CheckpointSaved):
            s.update(checkpoint_step=e.step)
            self._write(force=True)
        elif isinstance(e, ev.Finished):
            s.update(state="finished", step=e.step, train_loss=_finite(e.train_loss), val_loss=_finite(e.val_loss),
                     test_loss=_finite(e.test_loss))
            self._write(force=True)


def _finite(x: float) -> float | None:
    return x if x == x and abs(x) != float("inf") else None


class ControlServer:
    """Serves control.sock for one run until closed. Commands run in the training thread via
    trainer.submit or the trainer's own flags, so they act between two steps."""

    def __init__(self, work_dir: Path, run, status: StatusWriter):
        self.path = Path(work_dir) / SOCKET
        self.run, self.status = run, status
        self._closing = False
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()  # left by a run that was killed
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is created 0600: only its owner may connect
        try:
            self.sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, name="makemore-control", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._closing:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with conn:
                try:
                    conn.settimeout(5)
                    if not _same_user(conn):
                        _send(conn, {"ok": False, "error": "not the owner of this run"})
                        continue
                    _send(conn, self.handle(_recv(conn)))
                except (OSError, ValueError) as e:
                    try:
                        _send(conn, {"ok": False, "error": str(e)[:200]})
                    except OSError:
                        pass

    def handle(self, msg: dict) -> dict:
        cmd = msg.get("cmd") if isinstance(msg, dict) else None
        t = self.run.trainer
        if cmd not in COMMANDS:
            return {"ok": False, "error": f"unknown command {cmd!r}; one of {', '.join(COMMANDS)}"}
        if cmd == "pause":
            t.pause("paused from an attached app")
        elif cmd == "resume":
            t.resume()
        elif cmd == "step":
            t.step_once()
        elif cmd == "stop":
            t.stop()
        elif cmd == "save":
            fut = self.run.request_checkpoint()
            try:
                return {"ok": True, "message": fut.result(timeout=30), "status": self.status.status}
            except Exception as e:  # the run ended first, or the save failed
                return {"ok": False, "error": str(e)[:200]}
        return {"ok": True, "status": self.status.status}

    def close(self) -> None:
        self._closing = True
        try:
            self.sock.close()
        finally:
            self.thread.join(timeout=2)
            try:
                self.path.unlink()
            except OSError:
                pass


def _same_user(conn: socket.socket) -> bool:
    so_peercred = getattr(socket, "SO_PEERCRED", None)
    if so_peercred is None:
        return True  # the 0600 socket file already restricts who can connect
    creds = conn.getsockopt(socket.SOL_SOCKET, so_peercred, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _send(conn: socket.socket, obj: dict) -> None:
    conn.sendall((json.dumps(obj) + "\n").encode())


def _recv(conn: socket.socket, limit: int = 65536) -> dict:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
        if len(buf) > limit:
            raise ValueError("message too long")
    return json.loads(buf.decode() or "null")


def send_command(work_dir: str | os.PathLike, cmd: str, timeout: float = 35.0) -> dict:
    """Send one command to the run in work_dir; RemoteError when no run is listening there."""
    path = Path(work_dir) / SOCKET
    if not path.exists():
        raise RemoteError(f"no run is listening in {work_dir} (no {SOCKET}: it finished or was never started headless)")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(path))
        _send(s, {"cmd": cmd})
        reply = _recv(s)
    except (ConnectionRefusedError, FileNotFoundError):
        raise RemoteError(f"the run in {work_dir} is not running any more") from None
    except (OSError, ValueError) as e:
        raise RemoteError(f"could not reach the run in {work_dir}: {e}") from None
    finally:
        s.close()
    if not isinstance(reply, dict):
        raise RemoteError("the run sent a malformed reply")
    return reply


# ---- the app's side --------------------------------------------------------------------------------

def read_json(path: Path) -> dict | None:
    try:
        obj = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


class RemoteTrainer:
    """Looks like a Trainer to the app: listeners get events made from the work directory's files,
    and pause/resume/step_once/stop go to the run over its socket. `run()` follows the files until
    `detach()` (closing the app) or the run's end."""

    def __init__(self, work_dir: Path, poll: float = 0.25):
        self.dir = Path(work_dir)
        self.poll = poll
        self.listeners: list[Callable[[ev.Event], None]] = []
        self.step = 0
        self.diverged: str | None = None
        self._detached = threading.Event()
        self._offset = 0
        self._state = ""
        self.status: dict = {}
        self._running = False
        self._intent: str | None = None  # "paused"/"running" sent, not yet seen in status.json
        self.last_error = ""
        self.started: Callable[[], ev.Started] | None = None  # RemoteRun's: the model's table and shapes
        self.model_source: Callable[[], object] | None = None  # RemoteRun's latest checkpoint

    # steering: sent to the run
    def _send(self, cmd: str) -> dict | None:
        try:
            reply = send_command(self.dir, cmd)
            self.last_error = "" if reply.get("ok") else reply.get("error", "")
            return reply
        except RemoteError as e:
            self.last_error = str(e)
            return None

    def pause(self, reason: str = "") -> None:
        if self._send("pause") is not None:
            self._intent = "paused"

    def resume(self) -> None:
        if self._send("resume") is not None:
            self._intent = "running"

    def step_once(self, n: int = 1) -> None:
        for _ in range(n):
            self._send("step")

    def stop(self) -> None:
        self._send("stop")

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

    def run(self):
        self._running = True
        try:
            self.emit(self.started() if self.started is not None else self._bare_started())
            while not self._detached.is_set():
                self._follow()
                if self._state in ("finished", "gone") and not self._tail_has_more():
                    break
                self._detached.wait(self.poll)
            self._follow()
            summary = read_json(self.dir / SUMMARY)
            if summary and self._state == "finished":
                fin = ev.Finished(
                    step=int(summary.get("steps", self.step)), train_loss=_nan(summary.get("train_loss")),
                    val_loss=_nan(summary.get("val_loss")), test_loss=_nan(summary.get("test_loss")),
                    seconds=float(summary.get("seconds", 0)), steps_per_s=float(summary.get("steps_per_s", 0)),
                    stopped_early=bool(summary.get("stopped_early")), diverged=summary.get("diverged"),
                )
                self.emit(fin)
                return fin
            return None
        finally:
            self._running = False

    def _bare_started(self) -> ev.Started:
        cfg = read_json(self.dir / CONFIG) or {}
        status = read_json(self.dir / STATUS) or {}
        return ev.Started(
            config=cfg, params=[], n_params=int(status.get("n_params", 0)), shapes=[], vocab=[],
            start_step=0, max_steps=int(status.get("max_steps", cfg.get("max_steps", 0)) or 0),
            n_train=0, n_dev=0, n_test=0, threads=0,
        )

    def _tail_has_more(self) -> bool:
        try:
            return (self.dir / METRICS).stat().st_size > self._offset
        except OSError:
            return False

    def _follow(self) -> None:
        """Read new metrics lines and the status, and emit what changed."""
        path = self.dir / METRICS
        try:
            with open(path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            data = b""
        end = data.rfind(b"\n") + 1  # only whole lines; a torn last line waits for the next poll
        if end:
            self._offset += end
            steps, losses, lrs, last_elapsed = [], [], [], 0.0
            for line in data[:end].splitlines():
                try:
                    d = json.loads(line)
                    step = int(d["step"])
                except (ValueError, KeyError, TypeError):
                    continue
                if d.get("train_loss") is not None:
                    steps.append(step)
                    losses.append(float(d["train_loss"]))
                    lrs.append(float(d.get("lr") or 0.0))
                    last_elapsed = float(d.get("elapsed_s") or last_elapsed)
                if d.get("val_loss") is not None:
                    self._emit_steps(steps, losses, lrs, last_elapsed)
                    steps, losses, lrs = [], [], []
                    self.emit(ev.Evaluated(step=step, val_loss=float(d["val_loss"])))
            self._emit_steps(steps, losses, lrs, last_elapsed)
        status = read_json(self.dir / STATUS)
        if status:
            status["state"] = run_state(status)
            self.status = status
            state = status.get("state", "")
            if state == self._intent or state in ("finished", "gone"):
                self._intent = None
            if status.get("diverged") and not self.diverged:
                self.diverged = status["diverged"]
                self.emit(ev.Diverged(step=int(status.get("step", 0)), loss=_nan(status.get("train_loss")),
                                      reason=self.diverged))
            if state != self._state:
                if state == "paused":
                    self.emit(ev.Paused(step=int(status.get("step", 0)), reason=status.get("pause_reason", "")))
                elif state == "running" and self._state == "paused":
                    self.emit(ev.Resumed(step=int(status.get("step", 0))))
                self._state = state

    def _emit_steps(self, steps, losses, lrs, elapsed) -> None:
        """Logged steps (every log_every-th) go out as strided batches: a long run's history is a
        few events, not one per line."""
        rate = float(self.status.get("steps_per_s") or 0.0)
        i, n = 0, len(steps)
        while i < n:
            j = i + 1
            stride = steps[j] - steps[i] if j < n else 1
            if stride <= 0:
                stride = 1
            else:
                while j < n and steps[j] - steps[j - 1] == stride:
                    j += 1
            self.step = steps[j - 1]
            self.emit(ev.Steps(first_step=steps[i] - 1, losses=losses[i:j], lrs=lrs[i:j], step=steps[j - 1],
                               elapsed_s=elapsed, steps_per_s=rate, stride=stride))
            i = j


def run_state(status: dict) -> str:
    """status.json's state, or "gone" when it says alive but its process has died without saying
    so (SIGKILL, a reboot)."""
    state = str(status.get("state", ""))
    if state in ("running", "paused", "starting") and not _pid_alive(status.get("pid")):
        return "gone"
    return state


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _nan(x) -> float:
    return float("nan") if x is None else float(x)


class RemoteRun:
    """What the app holds while attached to a run in another process.

    It looks like a Run to the app: `cfg`, `data` (the run's words, read again from its input file),
    `trainer` (a RemoteTrainer), `sample`, `save_checkpoint`. The weights are the run's latest
    checkpoint, read again when it changes; while the run is alive, sampling first asks it to save,
    so the names come from the weights it has now."""

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
            self.cfg = Config.from_dict(cfg)
        except Exception as e:
            raise RemoteError(f"{self.work_dir / CONFIG} is not a run's settings: {e}") from None
        self.cfg = self.cfg.updated(device="cpu")  # the app reads the weights on the CPU, whatever the run uses
        self.trainer = RemoteTrainer(self.work_dir)
        self.trainer.started = self._started
        self.trainer.model_source = self.latest_model
        status = read_json(self.work_dir / STATUS) or {}
        self.pid = status.get("pid")
        self.input_file = status.get("input_file")
        self.data = None  # loaded in the worker thread (the app's _train), by _started
        self.vocab = None
        self.last_checkpoint: str | None = None
        self.notes: list[str] = []
        self._model = None
        self._model_key: tuple | None = None
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.trainer.status.get("state") in ("running", "paused", "starting") or (
            not self.trainer.status and _pid_alive(self.pid))

    def is_known(self, word: str) -> bool:
        return self.data is not None and self.data.is_known(word)

    def latest_model(self):
        """The latest checkpoint's model (reloaded when the file changes); before the first save,
        the run's initial weights (its init is seeded, so they are the ones it started from)."""
        from . import checkpoint as ckpt
        from .models import build_model

        path = ckpt.checkpoint_path(self.work_dir)
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
        from .models import count_params

        started = self.trainer._bare_started()
        vocab = None
        if ckpt.checkpoint_path(self.work_dir).exists():
            try:
                vocab = ckpt.load(ckpt.checkpoint_path(self.work_dir))["vocab"]
            except Exception as e:
                self.notes.append(f"the run's checkpoint could not be read: {e}")
        if self.input_file:
            try:
                self.data = load_dataset(self.input_file, self.cfg.block_size, vocab=vocab)
            except Exception as e:  # moved or changed since the run started: watch without it
                self.notes.append(f"the run's data ({self.input_file}) could not be read again: {e}")
        try:
            model = self.latest_model()
        except Exception as e:
            self.notes.append(f"no weights to show: {e}")
            return started
        import torch

        vocab = self.vocab
        if self.data is not None:
            X = self.data.splits["train"][0][: self.cfg.batch_size]
        else:
            X = torch.zeros((self.cfg.batch_size, self.cfg.block_size), dtype=torch.long)
        sizes = {k: int(self.data.splits[k][0].shape[0]) if self.data is not None else 0 for k in ("train", "dev", "test")}
        return ev.Started(
            config=self.cfg.to_dict(),
            params=[ev.ParamInfo(n, tuple(p.shape), p.numel()) for n, p in model.named_parameters()],
            n_params=count_params(model), shapes=[(r.name, r.expr, r.shape, r.note) for r in model.shape_report(X)],
            vocab=list(vocab.itos), start_step=0, max_steps=started.max_steps,
            n_train=sizes["train"], n_dev=sizes["dev"], n_test=sizes["test"], threads=0,
        )

    def sample(self, n: int = 10, temperature: float = 1.0, top_k: int | None = None, prefix: str = "",
               seed: int | None = None):
        """Names from the run's weights: saved first when the run is alive, else its last checkpoint."""
        from .sampling import sample

        if self.alive:
            self.trainer._send("save")  # a diverged run refuses, and the last good checkpoint is used
        model = self.latest_model()
        return sample(model, self.vocab, self.cfg.block_size, n=n, temperature=temperature, top_k=top_k,
                      prefix=prefix, seed=seed, is_known=self.is_known)

    def save_checkpoint(self) -> str:
        reply = self.trainer._send("save")
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
        self.trainer.detach()

    def close(self) -> None:
        self.trainer.detach()
