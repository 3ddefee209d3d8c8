"""Helpers of the screen tests (tests/test_screens_*.py): the app in a real process on a pseudo-terminal,
what a Pilot-driven app shows as plain text, waiting on an event."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
import time

from conftest import PYTHON, subprocess_env


def wait_until(pred, timeout: float = 90.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


class TerminalApp(subprocess.Popen):
    """`makemore-tui ARGS` on a pseudo-terminal: `master` takes keys, `stop()` ends it if still alive."""

    master: int

    def stop(self) -> None:
        if self.poll() is None:
            self.kill()
            self.wait(10)


def app_on_a_terminal(args: list[str], size=(120, 40), cwd=None, env: dict | None = None):
    """The app in a real process on a pseudo-terminal of `size`; (process, bytes it has written so far)."""
    master, slave = pty.openpty()
    cols, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = TerminalApp([PYTHON, "-m", "makemore_tui", *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                       env={**subprocess_env(), "TERM": "xterm-256color", **(env or {})}, start_new_session=True)
    os.close(slave)
    proc.master = master
    out = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other side has closed
                break
            if not chunk:
                break
            out.extend(chunk)

    threading.Thread(target=read, daemon=True).start()
    return proc, out


def screen_text(app) -> str:
    """What a Pilot-driven app shows, as plain text."""
    from rich.console import Console

    console = Console(record=True, width=app.size.width, file=open(os.devnull, "w"), legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


# ---- the app under Pilot -------------------------------------------------------------------------

def make_app(words, steps: int = 300, work_dir="out", emit_interval: float = 1e9, validate: bool = True,
             paused: bool = False, eval_every: int = 100, **kwargs):
    """The app on a seeded run of `steps` steps of the seed preset (no flush on time by default: the
    same events on every machine), the clock frozen, sampling seeded; `cfg` changes settings."""
    from makemore_tui.app.app import MakemoreApp
    from makemore_tui.config import preset
    from makemore_tui.run import open_run

    cfg = preset("seed", max_steps=steps, eval_every=eval_every, log_every=50, **kwargs.pop("cfg", {}))
    if validate:
        cfg.validate()
    run = open_run(cfg, str(words), work_dir, emit_interval=emit_interval)
    if paused:
        run.trainer.pause()
    counter = {"n": 1}

    def reopen(cfg):
        counter["n"] += 1
        return open_run(cfg, str(words), f"{work_dir}-{counter['n']}")

    kwargs.setdefault("make_run", reopen)
    kwargs.setdefault("sample_seed", 7)
    kwargs.setdefault("freeze_clock", True)
    return MakemoreApp(run, **kwargs)


async def wait_for(pilot, condition, timeout: float = 30.0, what: str = "") -> None:
    """Let the app run until condition() holds (short sleeps: never waits for an idle CPU)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


async def wait_done(pilot) -> None:
    """The run has ended and its worker returned; the screen redrawn."""
    app = pilot.app
    await wait_for(pilot, lambda: app.state.finished is not None and not app.live_runs, what="the end of the run")
    app.clear_notifications()
    app.redraw(force=True)
    await pilot.pause(0.05)
