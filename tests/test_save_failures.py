"""A full disk in a real process, on a small tmpfs: a failed save is said at once in one line,
training goes on and the next save tries again; a failed final save ends the run with status 3
and one line; the last good checkpoint survives. Skipped where no tmpfs can be mounted."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest

from makemore_tui import checkpoint as ckpt
from makemore_tui.recorder import METRICS, SUMMARY

from helpers import PYTHON, make_words, subprocess_env, wait_until

# a checkpoint of about 0.65 MB (weights and AdamW's two moments): more than is left free
BIG = ["--n-embd", "8", "--n-embd2", "1024", "--block-size", "3", "--optimizer", "adamw", "-l", "0.001",
       "--threads", "1", "--log-every", "10"]


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", f"makemore-test-{uuid.uuid4().hex[:8]}",
                        str(mnt)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip() or p.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(mnt, leave: int):
    """A file that leaves `leave` bytes of the disk free."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    with open(mnt / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return mnt / "filler"


def _words(mnt):
    p = mnt / "words.txt"
    p.write_text("\n".join(make_words()) + "\n")
    return p



def test_a_failed_final_save_exits_3_with_one_line_and_keeps_the_last_good_checkpoint(small_disk):
    words, work = _words(small_disk), small_disk / "w"
    cmd = [PYTHON, "-m", "makemore_tui", "--headless", "-i", str(words), "-o", str(work), *BIG]
    first = subprocess.run([*cmd, "--max-steps", "40"], capture_output=True, text=True, env=subprocess_env(),
                           timeout=300)
    assert first.returncode == 0, first.stderr
    good = (work / ckpt.CHECKPOINT).read_bytes()
    _fill(small_disk, leave=200_000)
    p = subprocess.run([*cmd, "--resume", "--max-steps", "80", "--save-every", "0"], capture_output=True, text=True,
                       env=subprocess_env(), timeout=300)
    assert p.returncode == 3, p.stderr
    assert "Traceback" not in p.stderr
    errors = [ln for ln in p.stderr.splitlines() if ln.startswith("makemore-tui: error: ")]
    assert errors == ["makemore-tui: error: checkpoint not saved (no space left on the device); "
                      "the previous one is kept"], p.stderr
    assert (work / ckpt.CHECKPOINT).read_bytes() == good
    assert ckpt.load(work)["state"]["step"] == 40
    assert not [q.name for q in work.iterdir() if q.name.endswith(".tmp")]


def test_a_failed_save_is_said_at_once_and_the_next_save_tries_again(small_disk):
    words, work = _words(small_disk), small_disk / "w"
    filler = _fill(small_disk, leave=300_000)  # room for the metrics, not for a checkpoint
    proc = subprocess.Popen([PYTHON, "-m", "makemore_tui", "--headless", "-i", str(words), "-o", str(work),
                             "--max-steps", str(10**9), "--no-keep-best", "--save-every", "0.3", *BIG],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=subprocess_env())
    try:
        line = proc.stderr.readline()  # the first failed periodic save, while the run goes on
        assert line.startswith("makemore-tui: warning: checkpoint not saved (no space left on the device)"), line
        assert "training goes on" in line and proc.poll() is None
        metrics_then = (work / METRICS).stat().st_size
        assert wait_until(lambda: (work / METRICS).stat().st_size > metrics_then, timeout=120)  # still training
        filler.unlink()  # room again: the next periodic save succeeds
        assert wait_until(lambda: (work / ckpt.CHECKPOINT).exists(), timeout=120)
        assert wait_until(lambda: _loads(work), timeout=120)
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(120)
        rest = proc.stderr.read()
    assert rc == 0, rest
    assert "Traceback" not in rest
    assert (work / SUMMARY).exists()


def _loads(work) -> bool:
    try:
        return ckpt.load(work)["state"]["step"] > 0
    except ckpt.CheckpointError:
        return False
