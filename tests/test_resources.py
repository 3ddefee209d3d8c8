"""One line for every resource failure: out of memory (under a limit on the address space) has its
own exit status and a hint; a sweep that runs out of file descriptors while starting its workers
stops the ones it started (none outlives it); settings files are regular files under a size limit
(`--space-file /dev/zero` does not grow memory). Each runs in a child process with the limit set
(resource.setrlimit), and waits on the child's end, not on time."""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest

from makemore_tui.run import machine_memory

from helpers import PYTHON, subprocess_env, wait_until, write_file

GIB = 1 << 30


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    pytest.skip("no /proc/self/status here")


def _child(args, cwd, limit=None, timeout=300, **env):
    def limits():
        if limit is not None:
            resource.setrlimit(*limit)

    return subprocess.run([PYTHON, "-m", "makemore_tui", *args], cwd=cwd, capture_output=True, text=True,
                          env={**subprocess_env(), "MALLOC_ARENA_MAX": "2", **env}, preexec_fn=limits, timeout=timeout)


def _one_line(stderr: str, prefix: str = "makemore-tui: error: ") -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(prefix), stderr
    return lines[0]


def test_out_of_memory_is_one_line_with_its_own_exit_status_and_a_hint(tmp_path, words_file):
    headroom = _vm_size() + GIB  # this process has torch loaded, as the child will: 1 GiB more for it
    big = (100_000, 8_000)  # a batch of 100,000 x 8,000 hidden units: 3.2 GB in one tensor, over the limit
    if (machine_memory() or 0) < 8 * GIB:  # the settings must pass the check against the machine's memory
        pytest.skip("a machine with at least 8 GiB is needed to get past the settings check")
    p = _child(["--headless", "-i", str(words_file), "-o", "w", "--max-steps", "3", "--threads", "1",
                "-b", str(big[0]), "--n-hidden", str(big[1]), "--n-embd", "64", "--block-size", "8"],
               tmp_path, (resource.RLIMIT_AS, (headroom, headroom)))
    assert p.returncode == 4, p.stderr[-2000:]
    line = _one_line(p.stderr)
    assert "out of memory" in line and "-b" in line


def _processes_in(cwd: Path) -> list[int]:
    """The processes whose working directory is `cwd` (the sweep's and its workers')."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd") == str(cwd):
                    out.append(int(entry.name))
            except OSError:
                pass
    return out


def test_a_sweep_out_of_descriptors_stops_its_workers_in_one_line(tmp_path, words_file):
    here = tmp_path / "here"
    here.mkdir()
    p = _child(["sweep", "-o", "s", "-i", str(words_file), "--workers", "8", "--trials", "8", "--trial-seconds", "2"],
               here, (resource.RLIMIT_NOFILE, (12, 12)))
    assert p.returncode == 4, p.stdout + p.stderr
    line = _one_line(p.stderr, "makemore-tui sweep: error: ")
    assert "file descriptors" in line and "ulimit -n" in line
    assert wait_until(lambda: not _processes_in(here), timeout=60), "a worker outlived the sweep"


def test_settings_files_are_regular_files_under_a_limit(tmp_path, words_file):
    limit = (resource.RLIMIT_AS, (_vm_size() + GIB,) * 2)  # reading /dev/zero whole would pass this
    p = _child(["sweep", "-o", "s", "-i", str(words_file), "--type", "mlp", "--space-file", "/dev/zero"],
               tmp_path, limit)
    assert p.returncode == 2 and "not a regular file" in _one_line(p.stderr, "makemore-tui sweep: error: ")
    huge = write_file(tmp_path, "space.toml", "# a comment\n" * (2 << 20))  # 24 MiB
    p = _child(["sweep", "-o", "s", "-i", str(words_file), "--type", "mlp", "--space-file", str(huge)], tmp_path, limit)
    assert p.returncode == 2 and "larger than" in _one_line(p.stderr, "makemore-tui sweep: error: ")
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").symlink_to("/dev/zero")
    (run / "summary.json").symlink_to("/dev/zero")
    write_file(run, "metrics.jsonl", "")
    p = _child(["--inspect", "compare", "-o", str(run)], tmp_path, limit)
    assert "Traceback" not in p.stderr and p.returncode in (0, 2), p.stderr[-2000:]
    (run / "model.pt").symlink_to("/dev/zero")
    p = _child(["--sample-only", "-o", str(run)], tmp_path, limit)
    assert p.returncode == 2 and "not a regular file" in _one_line(p.stderr)
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())  # nothing written before the check


def test_a_small_settings_file_still_works(tmp_path):
    from makemore_tui.sweep.space import narrowed

    space = write_file(tmp_path, "space.toml", "learning_rate = [0.01, 0.1]\n")
    assert narrowed("mlp", [], str(space)).params["learning_rate"].low == pytest.approx(0.01)
