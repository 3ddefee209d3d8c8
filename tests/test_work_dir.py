"""A run's work directory: one live run at a time (a lock), a new run replaces an old one whole,
nothing is written through a planted link, every file is owner-only, leftovers of a killed save go."""

from __future__ import annotations

import os
import signal
import stat
import subprocess

import pytest

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui.control import SOCKET, STATUS
from makemore_tui.data import make_dataset
from makemore_tui.recorder import CONFIG, LR_FIND, METRICS, SUMMARY
from makemore_tui.run import Run
from makemore_tui.workdir import LOCK, WorkDirBusy

from helpers import PYTHON, make_words, subprocess_env, tiny_config, wait_until

FAST = ["--n-embd", "4", "--n-embd2", "16", "--threads", "1", "--log-every", "10"]



@pytest.fixture
def words(tmp_path):
    p = tmp_path / "words.txt"
    p.write_text("\n".join(make_words()) + "\n")
    return p


def _live_run(work, words):
    """A headless run far longer than any test: it is still running whenever the test looks."""
    proc = subprocess.Popen([PYTHON, "-m", "makemore_tui", "--headless", "-i", str(words), "-o", str(work),
                             "--max-steps", str(10**9), "--no-keep-best", *FAST], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=subprocess_env())
    assert wait_until(lambda: (work / METRICS).exists() and (work / METRICS).stat().st_size > 0, timeout=120)
    return proc


def test_a_second_run_on_a_live_directory_exits_2_naming_the_process(tmp_path, words):
    work = tmp_path / "w"
    first = _live_run(work, words)
    try:
        for extra in (["--headless"], [], ["--headless", "--resume"]):  # headless, the app (no terminal here), resume
            p = subprocess.run([PYTHON, "-m", "makemore_tui", *extra, "-i", str(words), "-o", str(work), *FAST],
                               capture_output=True, text=True, env=subprocess_env(), timeout=120)
            assert p.returncode == 2, p.stderr
            err = p.stderr.strip().splitlines()
            assert err and err[-1].startswith("makemore-tui: error: ") and f"process {first.pid}" in err[-1], p.stderr
            assert "Traceback" not in p.stderr
        assert first.poll() is None  # the first run never noticed
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(60) == 0
    assert (work / SUMMARY).exists()


def test_a_killed_run_leaves_no_lock_behind(tmp_path, words):
    work = tmp_path / "w"
    first = _live_run(work, words)
    first.kill()
    first.wait(30)
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "30", *FAST]) == 0


def test_two_runs_in_one_process_cannot_share_a_directory(tmp_path):
    data = make_dataset(make_words(), 3)
    run = Run(tiny_config(), data, tmp_path / "w", save_every_s=0)
    with pytest.raises(WorkDirBusy, match=f"process {os.getpid()}"):
        Run(tiny_config(), data, tmp_path / "w", save_every_s=0)
    run.close()  # the hold ends with the run
    Run(tiny_config(), data, tmp_path / "w", save_every_s=0).close()


def test_a_new_run_replaces_a_finished_one_whole(tmp_path, words):
    work = tmp_path / "w"
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "200", *FAST]) == 0
    assert cli.main(["--inspect", "lr-find", "-i", str(words), "-o", str(work)]) == 0
    for name in (ckpt.CHECKPOINT, METRICS, SUMMARY, CONFIG, STATUS, LR_FIND):
        assert (work / name).exists(), name
    run = Run(tiny_config(max_steps=50), make_dataset(make_words(), 3), work, save_every_s=0)
    left = sorted(p.name for p in work.iterdir())
    assert left == sorted([METRICS, LOCK]), left  # before the first step: nothing of the old run
    run.trainer.run()
    run.save_checkpoint()
    run.close()
    assert ckpt.load(work)["state"]["step"] == 50
    steps = [int(line.split('"step": ')[1].split(",")[0]) for line in (work / METRICS).read_text().splitlines()]
    assert max(steps) <= 50


def test_nothing_is_written_through_a_planted_link(tmp_path, words):
    work, victim = tmp_path / "w", tmp_path / "victim.txt"
    work.mkdir()
    victim.write_text("precious\n")
    names = (ckpt.CHECKPOINT, METRICS, SUMMARY, CONFIG, STATUS, SOCKET, LR_FIND, LOCK)
    for name in names:
        (work / name).symlink_to(victim)
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "60", "--save-every", "0.01",
                     *FAST]) == 0
    (work / LR_FIND).unlink(missing_ok=True)  # the run removed the old run's files, links included
    (work / LR_FIND).symlink_to(victim)  # so plant it again for the learning-rate finder's file
    assert cli.main(["--inspect", "lr-find", "-i", str(words), "-o", str(work)]) == 0
    assert victim.read_text() == "precious\n"
    for p in work.iterdir():
        assert not p.is_symlink(), p.name
        mode = stat.S_IMODE(p.lstat().st_mode)
        assert mode & 0o077 == 0, f"{p.name} is {oct(mode)}"


def test_every_file_of_a_run_is_owner_only(tmp_path, words):
    work = tmp_path / "w"
    proc = _live_run(work, words)  # a live run has its socket and status file too
    try:
        assert wait_until(lambda: all((work / n).exists() for n in (SOCKET, STATUS, CONFIG)), timeout=120)
        for p in work.iterdir():
            assert stat.S_IMODE(p.lstat().st_mode) & 0o077 == 0, f"{p.name} is {oct(p.lstat().st_mode)}"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    for p in work.iterdir():
        assert stat.S_IMODE(p.lstat().st_mode) & 0o077 == 0, f"{p.name} is {oct(p.lstat().st_mode)}"


def test_leftovers_of_an_interrupted_save_are_removed_at_the_next_start(tmp_path, words):
    work = tmp_path / "w"
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "30", *FAST]) == 0
    leftovers = [work / f"{ckpt.CHECKPOINT}.x1y2.tmp", work / f"{METRICS}.a3.tmp"]
    for p in leftovers:
        p.write_bytes(b"half a save")  # fresh: a run killed a moment ago
    (work / "notes.tmp").write_text("mine")  # not ours: stays
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--resume", "--max-steps", "60", *FAST]) == 0
    assert not any(p.exists() for p in leftovers)
    assert (work / "notes.tmp").read_text() == "mine"
