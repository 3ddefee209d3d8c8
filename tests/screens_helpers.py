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
