"""A headless run in another process: watch it, pause and resume it, detach, attach again."""

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from makemore_tui import events as ev
from makemore_tui.remote import SOCKET, STATUS, RemoteError, RemoteRun, read_json, send_command

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


def _follow(run: RemoteRun):
    seen: list[ev.Event] = []
    run.trainer.listeners.append(seen.append)
    th = threading.Thread(target=run.trainer.run, daemon=True)
    th.start()
    return seen, th


def test_socket_is_owner_only(headless_run):
    work, _ = headless_run
    mode = stat.S_IMODE(os.stat(work / SOCKET).st_mode)
    assert mode & 0o077 == 0


def test_attach_pause_resume_detach_reattach_stop(headless_run):
    work, proc = headless_run
    run = RemoteRun(work)
    seen, th = _follow(run)
    assert _wait(lambda: any(isinstance(e, ev.Steps) for e in seen)), "no steps followed"

    run.trainer.pause()
    assert _wait(lambda: (read_json(work / STATUS) or {}).get("state") == "paused")
    assert _wait(lambda: any(isinstance(e, ev.Paused) for e in seen))
    step_paused = read_json(work / STATUS)["step"]
    time.sleep(0.6)
    assert read_json(work / STATUS)["step"] == step_paused, "a paused run kept training"

    run.trainer.step_once()
    assert _wait(lambda: read_json(work / STATUS)["step"] == step_paused + 1)

    # the checkpoint saved on request holds the paused weights, and sampling reads it
    assert "saved step" in run.save_checkpoint()
    names = run.sample(5, seed=0)
    assert len(names) == 5 and all(isinstance(s.text, str) for s in names)

    run.trainer.resume()
    assert _wait(lambda: any(isinstance(e, ev.Resumed) for e in seen))
    assert _wait(lambda: read_json(work / STATUS)["step"] > step_paused + 1)

    # detach: the app goes away, the run goes on
    run.detach()
    th.join(5)
    assert not th.is_alive()
    assert proc.poll() is None
    step_detached = read_json(work / STATUS)["step"]
    assert _wait(lambda: read_json(work / STATUS)["step"] > step_detached), "training stopped on detach"

    # two apps attach at once and both follow it
    a, b = RemoteRun(work), RemoteRun(work)
    seen_a, th_a = _follow(a)
    seen_b, th_b = _follow(b)
    assert _wait(lambda: any(isinstance(e, ev.Steps) for e in seen_a) and any(isinstance(e, ev.Steps) for e in seen_b))

    a.trainer.stop()
    assert proc.wait(30) == 0
    assert _wait(lambda: any(isinstance(e, ev.Finished) for e in seen_b)), "watcher did not see the end"
    th_a.join(5)
    th_b.join(5)
    assert not (work / SOCKET).exists()
    assert read_json(work / "summary.json")["stopped_early"] is True
    with pytest.raises(RemoteError):
        send_command(work, "status")


def test_unknown_command_is_refused(headless_run):
    work, _ = headless_run
    reply = send_command(work, "rm -rf /")
    assert reply["ok"] is False and "unknown command" in reply["error"]
