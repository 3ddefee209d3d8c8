"""Attaching to a headless run in another process: watch it, pause and resume it, detach, attach again."""

import threading
import time

import pytest

from makemore_tui import events as ev
from makemore_tui.attach import RemoteError, RemoteRun, send_command
from makemore_tui.control import SOCKET, STATUS
from makemore_tui.recorder import read_json

from helpers import wait_until


def _follow(run: RemoteRun):
    seen: list[ev.Event] = []
    run.trainer.listeners.append(seen.append)
    th = threading.Thread(target=run.trainer.run, daemon=True)
    th.start()
    return seen, th


def test_attach_pause_resume_detach_reattach_stop(headless_run):
    work, proc = headless_run
    run = RemoteRun(work)
    seen, th = _follow(run)
    assert wait_until(lambda: any(isinstance(e, ev.Steps) for e in seen)), "no steps followed"

    run.trainer.pause()
    assert wait_until(lambda: (read_json(work / STATUS) or {}).get("state") == "paused")
    assert wait_until(lambda: any(isinstance(e, ev.Paused) for e in seen))
    step_paused = read_json(work / STATUS)["step"]
    time.sleep(0.6)
    assert read_json(work / STATUS)["step"] == step_paused, "a paused run kept training"

    run.trainer.step_once()
    assert wait_until(lambda: read_json(work / STATUS)["step"] == step_paused + 1)

    # the checkpoint saved on request holds the paused weights, and sampling reads it
    assert "saved step" in run.save_checkpoint()
    names = run.sample(5, seed=0)
    assert len(names) == 5 and all(isinstance(s.text, str) for s in names)

    run.trainer.resume()
    assert wait_until(lambda: any(isinstance(e, ev.Resumed) for e in seen))
    assert wait_until(lambda: read_json(work / STATUS)["step"] > step_paused + 1)

    # detach: the app goes away, the run goes on
    run.detach()
    th.join(30)
    assert not th.is_alive()
    assert proc.poll() is None
    step_detached = read_json(work / STATUS)["step"]
    assert wait_until(lambda: read_json(work / STATUS)["step"] > step_detached), "training stopped on detach"

    # two apps attach at once and both follow it
    a, b = RemoteRun(work), RemoteRun(work)
    seen_a, th_a = _follow(a)
    seen_b, th_b = _follow(b)
    assert wait_until(lambda: any(isinstance(e, ev.Steps) for e in seen_a) and any(isinstance(e, ev.Steps) for e in seen_b))

    a.trainer.stop()
    assert proc.wait(60) == 0
    assert wait_until(lambda: any(isinstance(e, ev.Finished) for e in seen_b)), "watcher did not see the end"
    th_a.join(30)
    th_b.join(30)
    assert not (work / SOCKET).exists()
    assert read_json(work / "summary.json")["stopped_early"] is True
    with pytest.raises(RemoteError):
        send_command(work, "status")
