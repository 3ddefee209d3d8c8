"""Signals in the long phases of a run on a large generated list (issue 16), in real processes: a
SIGTERM during the final evaluation ends the run within a few seconds with summary.json written; one
while the data loads ends the command at once and writes nothing. Each signal is sent when the
process says the phase has begun (a line on its output), so no timing of this machine is assumed."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from makemore_tui.recorder import SUMMARY

from helpers import make_words, subprocess_env


def write_list(path: Path, megabytes: float) -> Path:
    block = ("\n".join(make_words(20_000, seed=9)) + "\n").encode()
    with open(path, "wb") as f:
        for _ in range(max(1, round(megabytes * 1e6 / len(block)))):
            f.write(block)
    return path


def start(args: list[str]) -> tuple[subprocess.Popen, queue.Queue]:
    """`python -m makemore_tui ARGS`, its stdout and stderr lines in one queue as (stream, line)."""
    proc = subprocess.Popen([sys.executable, "-m", "makemore_tui", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=subprocess_env())
    lines: queue.Queue = queue.Queue()

    def pump(stream, name):
        for line in stream:
            lines.put((name, line))

    for stream, name in ((proc.stdout, "out"), (proc.stderr, "err")):
        threading.Thread(target=pump, args=(stream, name), daemon=True).start()
    return proc, lines


def wait_for_line(proc: subprocess.Popen, lines: queue.Queue, start_of: str, timeout: float = 180) -> list[str]:
    """Every line up to the first that starts with `start_of` (on stdout or stderr)."""
    seen, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            _, line = lines.get(timeout=0.5)
        except queue.Empty:
            assert proc.poll() is None, f"ended ({proc.returncode}) before {start_of!r}:\n{''.join(seen)}"
            continue
        seen.append(line)
        if line.startswith(start_of):
            return seen
    raise AssertionError(f"no {start_of!r} in {timeout} s:\n{''.join(seen)}")


def rest(lines: queue.Queue) -> str:
    time.sleep(0.2)  # the pumps' last lines
    out = []
    while not lines.empty():
        out.append(lines.get()[1])
    return "".join(out)


def sigterm_after(proc, lines, line: str) -> tuple[int, float]:
    """SIGTERM once the process has printed `line`; (its exit status, seconds it took to exit)."""
    try:
        wait_for_line(proc, lines, line)
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        rc = proc.wait(timeout=30)
        return rc, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigterm_during_the_final_evaluation_ends_the_run_within_seconds_with_a_summary(tmp_path):
    words = write_list(tmp_path / "words.txt", 2)  # 2 MB: its whole splits take minutes to evaluate here
    work = tmp_path / "run"
    proc, lines = start(["--headless", "-i", str(words), "-o", str(work), "--type", "transformer",
                         "--max-steps", "3", "--eval-exact", "--threads", "1", "--save-every", "0"])
    rc, seconds = sigterm_after(proc, lines, "final evaluation:")
    output = rest(lines)
    assert rc == 0, output
    assert seconds < 5, seconds  # acted on between two passes of the evaluation (each well under a second)
    summary = json.loads((work / SUMMARY).read_text())
    assert summary["steps"] == 3 and summary["stopped_early"] is False
    assert len(summary["eval_examples"]) < 3, summary  # cut short: what was computed, and only that
    assert summary["test_loss"] is None
    assert "stopped by SIGTERM after the last step; saved step 3" in output, output
    assert "Traceback" not in output


def test_sigterm_while_the_data_loads_ends_the_command_at_once_and_writes_nothing(tmp_path):
    words = write_list(tmp_path / "words.txt", 40)  # progress is shown from 8 MB on
    work = tmp_path / "run"
    work.mkdir()
    earlier = work / SUMMARY
    earlier.write_text('{"steps": 5}\n')  # a previous run's: left as it is
    proc, lines = start(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "3", "--threads", "1"])
    rc, seconds = sigterm_after(proc, lines, "makemore-tui: loading: reading")
    output = rest(lines)
    assert rc == 128 + signal.SIGTERM, output
    assert seconds < 3, seconds
    assert "makemore-tui: stopped by SIGTERM before training began: nothing was trained or saved" in output
    assert "Traceback" not in output, output
    assert earlier.read_text() == '{"steps": 5}\n' and not (work / "model.pt").exists()
