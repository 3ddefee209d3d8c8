"""The run's side of the control channel: a headless run's status file and owner-only socket."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from makemore_tui.attach import send_command
from makemore_tui.control import SOCKET

SRC = Path(__file__).resolve().parent.parent / "src"


def _wait(pred, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def headless_run(tmp_path):
    work = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "makemore_tui", "--headless", "-o", str(work), "--max-steps", "5000000",
         "--eval-every", "1000", "--log-every", "50"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert _wait(lambda: (work / SOCKET).exists() and (work / "metrics.jsonl").exists()), "run did not start"
    yield work, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def test_socket_is_owner_only(headless_run):
    work, _ = headless_run
    mode = stat.S_IMODE(os.stat(work / SOCKET).st_mode)
    assert mode & 0o077 == 0


def test_unknown_command_is_refused(headless_run):
    work, _ = headless_run
    reply = send_command(work, "rm -rf /")
    assert reply["ok"] is False and "unknown command" in reply["error"]
