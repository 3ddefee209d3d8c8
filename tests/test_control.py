"""The run's side of the control channel: a headless run's status file and owner-only socket."""

import os
import stat

from makemore_tui.attach import send_command
from makemore_tui.control import SOCKET

from helpers import make_words, tiny_config, wait_until


def test_socket_is_owner_only(headless_run):
    work, _ = headless_run
    mode = stat.S_IMODE(os.stat(work / SOCKET).st_mode)
    assert mode & 0o077 == 0


def test_unknown_command_is_refused(headless_run):
    work, _ = headless_run
    reply = send_command(work, "rm -rf /")
    assert reply["ok"] is False and "unknown command" in reply["error"]


def test_commands_reach_a_run_in_this_process(tmp_path):
    """The server and the client over a real socket, with the run in a thread of this process."""
    import threading

    from makemore_tui import events as ev
    from makemore_tui.control import ControlServer, StatusWriter
    from makemore_tui.data import make_dataset
    from makemore_tui.recorder import read_json
    from makemore_tui.run import Run

    run = Run(tiny_config(max_steps=10**9).validate(), make_dataset(make_words(), 3), tmp_path / "w", save_every_s=0)
    status = StatusWriter(run.work_dir, interval=0.0)
    run.trainer.listeners.append(status)
    paused = threading.Event()
    run.trainer.listeners.append(lambda e: paused.set() if isinstance(e, ev.Paused) else None)
    server = ControlServer(run.work_dir, run, status)
    th = threading.Thread(target=run.trainer.run, daemon=True)
    th.start()
    try:
        assert send_command(run.work_dir, "pause")["ok"]
        assert paused.wait(60)
        step = run.trainer.step
        assert read_json(run.work_dir / "status.json")["state"] == "paused"
        assert send_command(run.work_dir, "step")["ok"]
        assert wait_until(lambda: run.trainer.step == step + 1)
        reply = send_command(run.work_dir, "save")
        assert reply["ok"] and reply["message"].startswith(f"saved step {step + 1:,}")
        assert send_command(run.work_dir, "status")["status"]["step"] == step + 1
        assert send_command(run.work_dir, "stop")["ok"]
        th.join(60)
        assert not th.is_alive()
    finally:
        run.trainer.stop()
        server.close()
        run.close()
    assert not (run.work_dir / SOCKET).exists()


def test_a_failed_status_write_is_said_once_and_never_ends_the_run(tmp_path):
    from makemore_tui import events as ev
    from makemore_tui.control import STATUS, StatusWriter

    said = []
    w = StatusWriter(tmp_path, interval=0.0)
    w.on_error = said.append
    (tmp_path / STATUS).mkdir()  # the rename over it fails, as a full disk's write would
    for step in (1, 2, 3):
        w(ev.Paused(step=step, reason=""))
    assert w.failed and said == [f"could not write {STATUS} (Is a directory)"]
    (tmp_path / STATUS).rmdir()
    w(ev.Resumed(step=4))
    assert not w.failed and (tmp_path / STATUS).is_file()
