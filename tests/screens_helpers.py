"""Helpers of the screen tests (tests/test_screens_*.py, test_app_signals.py): the app in a real
process on a pseudo-terminal, and the screen tests' app under Pilot (helpers_app's, with their
defaults)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading

from helpers import PYTHON, subprocess_env, wait_until  # noqa: F401 (wait_until: the screen tests')
from helpers_app import app_config, finished, make_app, screen_text, wait_for  # noqa: F401


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


# ---- the app under Pilot -------------------------------------------------------------------------

def screen_app(words, steps: int = 300, work_dir="out", emit_interval: float = 1e9, validate: bool = True,
               paused: bool = False, eval_every: int = 100, cfg: dict | None = None, **app_kwargs):
    """helpers_app.make_app on the seed preset's run of `steps` steps, with no flush on time by
    default (the same events on every machine); `cfg` changes settings."""
    return make_app(words, app_config(steps, validate=validate, eval_every=eval_every, **(cfg or {})),
                    work_dir=work_dir, emit_interval=emit_interval, paused=paused, **app_kwargs)


async def wait_done(pilot) -> None:
    """The run has ended and its worker returned; notifications cleared, the screen redrawn."""
    await finished(pilot)
    pilot.app.clear_notifications()
    pilot.app.redraw(force=True)
    await pilot.pause(0.05)
