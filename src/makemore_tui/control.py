"""The run's side of the control channel: how a headless run can be watched and steered from another
terminal (`makemore-tui --attach DIR`; the other side is attach.py).

Besides metrics.jsonl, a headless run keeps two things in its work directory:
- `status.json`, rewritten (atomically) about once a second: pid, step, state, rates, losses;
- `control.sock`, a Unix socket with owner-only permissions (0600) that takes one JSON command a
  connection: {"cmd": "pause" | "resume" | "step" | "stop" | "save" | "status"}. Nothing listens on a
  network port, and only the user who started the run (checked again with SO_PEERCRED) can steer it.

Both ends speak over the socket with `send_message` and `read_message` (one JSON object a line), and
`run_state` is the one rule for a run whose process has died without saying so.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import events as ev
from .recorder import read_json, typed, write_json

if TYPE_CHECKING:
    from .interface import RunHandle

STATUS = "status.json"
SOCKET = "control.sock"
# status.json as StatusWriter writes it; a reader keeps only the fields of the right type
STATUS_FIELDS = {"pid": int, "state": str, "step": int, "max_steps": int, "n_params": int, "started_at": float,
                 "updated_at": float, "train_loss": float, "lr": float, "steps_per_s": float, "elapsed_s": float,
                 "val_loss": float, "val_step": int, "test_loss": float, "pause_reason": str, "diverged": str,
                 "checkpoint_step": int, "save_error": str, "input_file": str, "eval_done": int, "eval_total": int,
                 # the trainer's Overfitting event, once it has come (watch.py)
                 "overfitting_at": int, "best_step": int, "best_val_loss": float, "overfit_val_loss": float,
                 "overfit_evaluations": int, "overfit_stopping": bool,
                 # the run's end: the Finished event's fields (events.to_json), its step as "step"
                 **{k: t for k, t in ev.json_fields(ev.Finished).items() if k != "steps"}}
COMMANDS = ("pause", "resume", "step", "stop", "save", "status")
ALIVE_STATES = ("running", "paused", "starting", "evaluating")  # status.json's states of a live process


class StatusWriter:
    """A trainer listener that keeps status.json current (at most every `interval` seconds, and at
    once on a change of state)."""

    def __init__(self, work_dir: Path, extra: dict | None = None, interval: float = 1.0):
        self.path = Path(work_dir) / STATUS
        self.interval = interval
        self.status: dict = {"pid": os.getpid(), "state": "starting", "step": 0, **(extra or {})}
        self._next = 0.0
        self._lock = threading.Lock()
        self.failed = False  # the latest write failed
        self.on_error: Callable[[str], None] | None = None  # told once per run of failures

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now >= self._next:
            self._next = now + self.interval
            with self._lock:
                self.status["updated_at"] = time.time()
                try:
                    write_json(self.path, self.status)
                except OSError as e:  # a full disk: the run goes on; the next write tries again
                    if self.on_error is not None and not self.failed:
                        from .checkpoint import describe_os_error

                        self.on_error(f"could not write {STATUS} ({describe_os_error(e)})")
                    self.failed = True
                else:
                    self.failed = False

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
        elif isinstance(e, ev.Overfitting):
            s.update(overfitting_at=e.step, best_step=e.best_step, best_val_loss=_finite(e.best_val_loss),
                     overfit_val_loss=_finite(e.val_loss), overfit_evaluations=e.evaluations,
                     overfit_stopping=e.stopping)
            self._write(force=True)
        elif isinstance(e, ev.CheckpointSaved):
            s.update(checkpoint_step=e.step)
            s.pop("save_error", None)
            self._write(force=True)
        elif isinstance(e, ev.CheckpointFailed):
            s.update(save_error=e.error)
            self._write(force=True)
        elif isinstance(e, ev.FinalEvaluation):  # the last step is done; the splits are evaluated
            s.update(state="evaluating", step=e.step, eval_done=0, eval_total=len(e.examples))
            self._write(force=True)
        elif isinstance(e, ev.SplitEvaluated):
            s.update(eval_done=e.done, eval_total=e.total)
            self._write(force=True)
        elif isinstance(e, ev.Finished):
            s.update({k: v for k, v in ev.to_json(e).items() if k != "steps"}, state="finished", step=e.step)
            self._write(force=True)


def _finite(x: float) -> float | None:
    return x if x == x and abs(x) != float("inf") else None


class ControlServer:
    """Serves control.sock for one run until closed. Commands run in the training thread via
    trainer.submit or the trainer's own flags, so they act between two steps."""

    def __init__(self, work_dir: Path, run: RunHandle, status: StatusWriter):
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
                        send_message(conn, {"ok": False, "error": "not the owner of this run"})
                        continue
                    send_message(conn, self.handle(read_message(conn)))
                except (OSError, ValueError) as e:
                    try:
                        send_message(conn, {"ok": False, "error": str(e)[:200]})
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


def send_message(conn: socket.socket, obj: dict) -> None:
    """One message: a JSON object on one line."""
    conn.sendall((json.dumps(obj) + "\n").encode())


def read_message(conn: socket.socket, limit: int = 65536):
    """The JSON value of one line (ValueError when it is too long or not JSON)."""
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
        if len(buf) > limit:
            raise ValueError("message too long")
    return json.loads(buf.decode() or "null")


def read_status(work_dir: str | os.PathLike) -> dict | None:
    """A run's status.json with only well-typed fields (None when it has none, or it is unreadable)."""
    return typed(read_json(Path(work_dir) / STATUS), STATUS_FIELDS)


def run_state(status: dict) -> str:
    """status.json's state, or "gone" when it says alive but its process has died without saying
    so (SIGKILL, a reboot)."""
    state = str(status.get("state", ""))
    if state in ALIVE_STATES and not pid_alive(status.get("pid")):
        return "gone"
    return state


def pid_alive(pid) -> bool:
    """Whether a process with this id exists (one of another user counts)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
