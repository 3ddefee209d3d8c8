"""Headless: a line of sampled names at each dev evaluation on a terminal (as makemore.py prints
samples) and at the end of every run; and the README's nohup example works in a fresh directory as
written."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess

import torch

from helpers import PYTHON, REPO, subprocess_env, tiny_config
from makemore_tui.data import make_dataset
from makemore_tui.headless import names_line, run_headless
from makemore_tui.run import Run
from makemore_tui.sampling import Sample
from screens_helpers import wait_until


def test_names_line_groups_as_makemore_does():
    line = names_line([Sample("emma", -1, False), Sample("zorb", -2, True), Sample("liv", -3, True, held_out=True),
                       Sample("qqqq", -9, True, ended=False)], 2000)
    assert line == "samples at step 2,000: new: zorb, qqqq… · real but unseen: liv · in the training data: emma"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(words, tmp_path, fancy: bool, steps: int = 300):
    run = Run(tiny_config(max_steps=steps, eval_every=100), make_dataset(words, 3), tmp_path / ("t" if fancy else "p"),
              save_every_s=0)
    out = Terminal() if fancy else io.StringIO()
    assert run_headless(run, out=out, err=io.StringIO()) == 0
    return out.getvalue(), run


def test_a_terminal_gets_names_at_each_evaluation_and_at_the_end(words, tmp_path):
    text, _ = _run(words, tmp_path, fancy=True)
    lines = [ln for ln in text.splitlines() if "samples at step" in ln]
    assert [re.search(r"samples at step ([\d,]+)", ln).group(1) for ln in lines] == ["100", "200", "300"]
    assert all(re.search(r"(new|real but unseen|in the training data): \S", ln) for ln in lines)
    assert text.splitlines()[-1].startswith("samples at step 300:")  # the last line: names from the final weights


def test_a_pipe_gets_names_only_at_the_end(words, tmp_path):
    text, _ = _run(words, tmp_path, fancy=False)
    lines = [ln for ln in text.splitlines() if "samples at step" in ln]
    assert len(lines) == 1 and lines[0].startswith("samples at step 300:")


def test_names_do_not_change_the_training(words, tmp_path):
    """Drawn in the training thread with their own generator: the losses are those of a run without."""
    from makemore_tui.recorder import read_metrics

    _run(words, tmp_path, fancy=True)
    _run(words, tmp_path, fancy=False)
    a, _ = read_metrics(tmp_path / "t")
    b, _ = read_metrics(tmp_path / "p")
    assert [(r.step, r.train_loss, r.val_loss) for r in a] == [(r.step, r.train_loss, r.val_loss) for r in b]
    ta, tb = torch.load(tmp_path / "t" / "model.pt", weights_only=True), torch.load(tmp_path / "p" / "model.pt",
                                                                                    weights_only=True)
    for k, v in ta["state"]["model"].items():
        assert torch.equal(v, tb["state"]["model"][k])


def test_the_readme_nohup_example_works_in_a_fresh_directory(tmp_path):
    text = (REPO / "README.md").read_text()
    start = text.index("## Runs that outlive the terminal")
    block = [ln.strip() for ln in text[start:].splitlines()[1:12] if ln.startswith("    ")]
    start_cmd = "\n".join(block[: next(i for i, ln in enumerate(block) if "nohup" in ln) + 1])  # mkdir, nohup
    status_cmd = next(ln for ln in block if "| cat" in ln).split("#")[0].strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "makemore-tui"
    shim.write_text(f"#!/bin/sh\nexec {PYTHON} -m makemore_tui \"$@\"\n")
    shim.chmod(0o755)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = {**subprocess_env(), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # (not captured: the run in the background keeps the shell's output open as long as it runs)
    p = subprocess.run(["bash", "-c", start_cmd], cwd=fresh, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    assert p.returncode == 0
    work = fresh / "runs" / "a"
    try:
        assert wait_until(lambda: (work / "metrics.jsonl").exists() and (work / "metrics.jsonl").stat().st_size > 0,
                          120), (fresh / "runs" / "a.log").read_text() if (fresh / "runs" / "a.log").exists() else ""
        q = subprocess.run(["bash", "-c", status_cmd], cwd=fresh, env=env, capture_output=True, text=True, timeout=60)
        assert q.returncode == 0 and q.stdout.startswith("runs/a: running"), (q.stdout, q.stderr)
    finally:
        pid = int((work / "run.lock").read_text().strip()) if (work / "run.lock").exists() else None
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            wait_until(lambda: "stopped by" in (fresh / "runs" / "a.log").read_text(), 180)
    log = (fresh / "runs" / "a.log").read_text()
    assert "stopped by SIGTERM" in log, log
