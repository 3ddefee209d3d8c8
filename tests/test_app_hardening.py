"""The app under a careless or hostile hand: text fields cap their length and say so, an error
inside the app saves, restores the terminal and exits with one line, no training thread keeps the
process alive, a lost terminal ends it, and many restart keys make one run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from textual import events

from helpers import PYTHON, subprocess_env
from helpers_app import make_app, run_async, wait_for

SCRIPT = Path(__file__).parent / "app_exit_script.py"
EXIT_CRASH = 70  # app/launch.py's exit status for an internal error (README)


@run_async
async def test_text_fields_cap_their_length_and_say_so(app_words, in_tmp):
    app = make_app(app_words, paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        prefix = app.sample_panel.prefix_input
        await wait_for(pilot, lambda: app.focused is prefix, what="the prefix field")
        prefix.post_message(events.Paste("abcdefghij" * 2000))  # 20,000 characters
        await wait_for(pilot, lambda: prefix.value, what="the paste")
        assert prefix.value == ("abcdefghij" * 5)[:50]
        await wait_for(pilot, lambda: _said(app, "the prefix holds at most 50 characters; 19,950 more were left out"),
                       what="the notice")
        await pilot.press("escape", "e")
        field = await _settings_field(pilot)
        field.post_message(events.Paste("9" * 20000))
        await wait_for(pilot, lambda: "9" in field.value, what="the paste in the settings")
        assert len(field.value) <= 24
        await wait_for(pilot, lambda: _said(app, "block size holds at most 24 characters"), what="the notice")
        for _ in range(30):  # typing on past the end: refused, and the app goes on
            await pilot.press("9")
        assert len(field.value) <= 24 and field.cut >= 20000 - 24
        await pilot.press("escape")
        await pilot.press("q")


def _said(app, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


async def _settings_field(pilot):
    from makemore_tui.app.settings_screen import SettingsScreen

    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen), what="the settings form")
    field = pilot.app.screen.query_one("#f-block_size")
    await wait_for(pilot, lambda: pilot.app.focused is field, what="the block size field")
    return field


@run_async
async def test_many_restart_keys_make_one_run(app_words, in_tmp):
    app = make_app(app_words, paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        cfg = app.current_run.cfg.updated(learning_rate=0.05)
        for _ in range(20):  # twenty quick presses of `a` (or Start), before the first new run is open
            app.restart(cfg)
        await wait_for(pilot, lambda: str(app.current_run.work_dir).endswith("out-2"), what="the new run")
        await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "open"], what="no run opening")
        app.current_run.trainer.pause()
        await pilot.press("q")
    assert sorted(p.name for p in in_tmp.iterdir() if p.is_dir()) == ["out", "out-2"]


def _child(mode: str, words: Path, work: Path) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, str(SCRIPT), mode, str(words), str(work)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=subprocess_env())


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the process did not end:\n{out}\n{err[-2000:]}")


def test_an_error_inside_the_app_saves_and_exits_with_one_line(app_words, tmp_path):
    work = tmp_path / "out"
    proc = _child("crash", app_words, work)
    out, err = _finish(proc)
    assert proc.returncode == EXIT_CRASH, (out, err[-2000:])
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "internal error (RuntimeError: an error inside the app)" in lines[0], err[-2000:]
    assert (work / "model.pt").is_file() and (work / "summary.json").is_file()  # saved
    assert "Traceback" in (work / "crash.log").read_text()  # the details, kept
    assert "TRAIN THREADS 0" in out


def test_a_trainer_that_does_not_stop_does_not_keep_the_process_alive(app_words, tmp_path):
    proc = _child("deaf", app_words, tmp_path / "out")
    out, err = _finish(proc)
    assert "READY" in out and "stopped at step" in out and proc.returncode == 0, (out, err[-2000:])
    assert err.strip() == "makemore-tui: a run did not stop in time and was left; its last saved checkpoint is kept"


def test_a_lost_terminal_ends_the_process_within_seconds(app_words, tmp_path):
    proc = _child("hup", app_words, tmp_path / "out")
    line = proc.stdout.readline()
    assert line.startswith("READY"), line
    t0 = time.monotonic()
    proc.send_signal(signal.SIGHUP)
    _finish(proc)
    # the promise is 5 s; twice that here, on a loaded machine (what fails is never ending at all)
    assert time.monotonic() - t0 < 10 and proc.returncode == 0
