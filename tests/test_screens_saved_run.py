"""Runs are never replaced without asking: the app on a directory that holds a saved run shows it and
asks (resume, a fresh directory, replace, quit); headless keeps its warning; --resume on a finished
run says it is finished and what to pass to go further."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from pathlib import Path

import pytest

from helpers import make_words
from makemore_tui import cli
from makemore_tui.app.saved_run_screen import SavedRunApp, SavedRunScreen
from makemore_tui.saved_run import NEW, QUIT, REPLACE, RESUME, SavedRun, ago, find_saved_run
from makemore_tui.workdir import WorkDirLock, is_busy
from screens_helpers import app_on_a_terminal, wait_until

FAST = ["--threads", "1", "--log-every", "10", "--eval-every", "50"]


def _files(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir()) if p.is_file()}


@pytest.fixture
def saved(tmp_path, capsys):
    """A run of 200 steps saved in tmp/out (finished), and one of 10**6 steps stopped at 100 (tmp/part)."""
    words = tmp_path / "words.txt"
    words.write_text("\n".join(make_words(300)) + "\n")
    assert cli.main(["--headless", "-i", str(words), "-o", str(tmp_path / "out"), "--max-steps", "200", *FAST]) == 0
    capsys.readouterr()
    return words


# ---- what is read, in words ------------------------------------------------------------------------

def test_find_saved_run_reads_and_changes_nothing(saved, tmp_path):
    out = tmp_path / "out"
    before = _files(out)
    s = find_saved_run(out)
    assert _files(out) == before
    assert s.step == 200 and s.max_steps == 200 and s.finished and not s.problem
    assert s.val_loss is not None and s.train_loss is not None and s.model == "mlp (preset seed)"
    assert "step 200 of 200 (finished)" in s.describe() and "dev loss" in s.describe() and "saved " in s.describe()
    assert s.further == 400
    assert find_saved_run(tmp_path / "nowhere") is None


def test_a_damaged_checkpoint_is_described_not_raised(saved, tmp_path):
    out = tmp_path / "out"
    (out / "model.pt").write_bytes(b"not a checkpoint")
    s = find_saved_run(out)
    assert s.problem and not s.finished and "cannot be used" in s.describe()


def test_ago():
    assert ago(5) == "just now" and ago(61) == "1 minute ago" and ago(3 * 3600 + 5) == "3 hours ago"
    assert ago(2 * 86400) == "2 days ago"


def test_is_busy_asks_without_writing(tmp_path):
    d = tmp_path / "w"
    d.mkdir()
    assert not is_busy(d)  # no lock file: nothing created either
    assert not (d / "run.lock").exists()
    lock = WorkDirLock(d)
    try:
        content = (d / "run.lock").read_bytes()
        assert is_busy(d)
        assert (d / "run.lock").read_bytes() == content
    finally:
        lock.release()
    assert not is_busy(d)


# ---- the question, in the app ----------------------------------------------------------------------

SAVED_AT = 1_700_000_000.0
PART = SavedRun(Path("out"), SAVED_AT, step=33_219, max_steps=200_000, model="mlp (preset seed)",
                train_loss=2.3711, val_loss=2.4195)
DONE = SavedRun(Path("out"), SAVED_AT, step=2_000, max_steps=2_000, model="mlp (preset seed)",
                train_loss=2.6454, val_loss=2.6491)
BROKEN = SavedRun(Path("out"), SAVED_AT, problem="out/model.pt is corrupt or truncated (EOFError)")


def _answer(saved_run: SavedRun, *keys: str) -> str:
    async def go():
        app = SavedRunApp(saved_run, "out-2", now=SAVED_AT + 300)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SavedRunScreen)
            for k in keys:
                await pilot.press(k)
            await pilot.pause()
        return app.return_value

    return asyncio.run(go())


@pytest.mark.parametrize("keys,answer", [(("r",), RESUME), (("n",), NEW), (("d",), REPLACE), (("q",), QUIT),
                                         (("escape",), QUIT), (("enter",), RESUME), (("tab", "enter"), NEW),
                                         (("down", "down", "enter"), REPLACE)])
def test_each_key_gives_its_answer(keys, answer):
    assert _answer(PART, *keys) == answer


def test_a_damaged_checkpoint_offers_no_resume():
    assert _answer(BROKEN, "r", "q") == QUIT  # r does nothing


def test_what_the_question_shows():
    async def go(saved_run):
        app = SavedRunApp(saved_run, "out-2", now=SAVED_AT + 300)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            from screens_helpers import screen_text

            return screen_text(app)

    text = asyncio.run(go(PART))
    for part in ("out holds a saved run", "step 33,219 of 200,000 (stopped at 17%)", "dev loss 2.4195",
                 "(5 minutes ago)", "Resume it", "continue from step 33,219", "start in out-2, keeping this one",
                 "Replace it", "Quit", "change nothing"):
        assert part in text, (part, text)
    text = asyncio.run(go(DONE))
    assert "(finished)" in text and "Train it further" in text and "on to step 4,000" in text
    text = asyncio.run(go(BROKEN))
    assert "cannot be used" in text and "Resume" not in text and "Train it" not in text


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_saved_run_question(snap_compare, utc, size):
    assert snap_compare(SavedRunApp(PART, "out-2", now=SAVED_AT + 300), terminal_size=size)


def test_snapshot_saved_run_question_no_color(snap_compare, utc, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(SavedRunApp(DONE, "out-2", now=SAVED_AT + 300), terminal_size=(80, 24), press=["tab"])


# ---- the command line ----------------------------------------------------------------------------

def test_resume_on_a_finished_run_says_so_and_changes_nothing(saved, tmp_path, capsys):
    out = tmp_path / "out"
    before = _files(out)
    base = ["--headless", "-i", str(saved), "-o", str(out), "--resume", *FAST]
    assert cli.main(base) == 0
    said = capsys.readouterr().out
    assert "has finished" in said and "step 200 of 200" in said
    assert f"makemore-tui --resume -o {out} --max-steps 400" in said and "--sample-only" in said
    assert cli.main(base + ["--max-steps", "200"]) == 0  # the same end: nothing to do either
    assert "has finished" in capsys.readouterr().out
    assert _files(out) == before
    assert cli.main(base + ["--max-steps", "300"]) == 0  # a larger end trains on
    assert find_saved_run(out).step == 300


def test_headless_keeps_its_warning(saved, tmp_path, capsys):
    assert cli.main(["--headless", "-i", str(saved), "-o", str(tmp_path / "out"), "--max-steps", "20", *FAST]) == 0
    assert "held a saved run; this new run replaced it" in capsys.readouterr().err


# ---- a real app process on a terminal --------------------------------------------------------------

def test_the_app_on_a_saved_run_asks_and_quits_without_changing_it(saved, tmp_path):
    out = tmp_path / "out"
    before = _files(out)
    proc, screen = app_on_a_terminal(["-i", str(saved), "-o", "out", *FAST], cwd=tmp_path)
    try:
        assert wait_until(lambda: b"holds a saved run" in screen and b"Train it further" in screen), bytes(screen)[-2000:]
        os.write(proc.master, b"q")
        assert proc.wait(60) == 0
    finally:
        proc.stop()
    assert wait_until(lambda: b"is left as it was" in screen, 10), bytes(screen)[-2000:]
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "words.txt"]  # no fresh directory either


def test_the_app_on_a_saved_run_starts_a_new_one_elsewhere(saved, tmp_path):
    out = tmp_path / "out"
    before = _files(out)
    proc, screen = app_on_a_terminal(["-i", str(saved), "-o", "out", "--max-steps", str(10**9), "--no-keep-best", *FAST],
                                     cwd=tmp_path)
    try:
        assert wait_until(lambda: b"holds a saved run" in screen), bytes(screen)[-2000:]
        os.write(proc.master, b"n")
        fresh = tmp_path / "out-2" / "metrics.jsonl"
        assert wait_until(lambda: fresh.exists() and fresh.stat().st_size > 0), bytes(screen)[-2000:]
        os.write(proc.master, b"q")
        assert proc.wait(60) == 0
    finally:
        proc.stop()
    assert _files(out) == before
    assert (tmp_path / "out-2" / "model.pt").is_file()
