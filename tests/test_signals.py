"""Signals: SIGINT, SIGTERM and SIGHUP save and exit cleanly (a second one skips the final evaluation);
after SIGKILL the last checkpoint loads; either way a resumed run equals the uninterrupted one."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui import events as ev
from makemore_tui.data import load_dataset
from makemore_tui.headless import run_headless, stop_on_signals
from makemore_tui.recorder import METRICS, SUMMARY
from makemore_tui.run import Run

from helpers import PYTHON, metrics_without_time, subprocess_env, tiny_config, wait_until

# ---- stop_on_signals, reusable ----------------------------------------------------------------------

def test_stop_on_signals_calls_stop_and_restores_handlers():
    before = signal.getsignal(signal.SIGUSR1)
    got = []
    with stop_on_signals(got.append, signals=(signal.SIGUSR1,)) as received:
        os.kill(os.getpid(), signal.SIGUSR1)
        assert wait_until(lambda: got == [signal.SIGUSR1])
        assert received == [signal.SIGUSR1]
    assert signal.getsignal(signal.SIGUSR1) == before


def test_stop_on_signals_outside_the_main_thread_does_nothing():
    errors = []

    def body():
        try:
            with stop_on_signals(lambda s: None) as received:
                assert received == []
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    th = threading.Thread(target=body)
    th.start()
    th.join()
    assert errors == []


def _signal_self_after(run: Run, steps: int, sig=signal.SIGTERM):
    def listener(e):
        if isinstance(e, ev.Steps) and e.step >= steps and not getattr(listener, "sent", False):
            listener.sent = True
            os.kill(os.getpid(), sig)

    run.trainer.listeners.append(listener)


def test_the_checkpoint_is_saved_before_the_final_evaluation(tmp_path, small_words):
    run = Run(tiny_config(max_steps=10**7).validate(), load_dataset(small_words, 3), tmp_path / "w", save_every_s=0,
              emit_interval=0.01)
    events = []
    run.trainer.listeners.append(events.append)
    _signal_self_after(run, 200)
    out = open(os.devnull, "w")
    assert run_headless(run, out=out, err=out) == 0
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("CheckpointSaved") < kinds.index("Finished")
    assert ckpt.load(tmp_path / "w")["state"]["step"] == events[-1].step


def test_a_second_signal_during_the_final_evaluation_skips_it(tmp_path, small_words):
    run = Run(tiny_config(max_steps=10**7).validate(), load_dataset(small_words, 3), tmp_path / "w", save_every_s=0,
              emit_interval=0.01)
    _signal_self_after(run, 200)
    evaluate = run.trainer.final_losses

    def slow_final_evaluation():
        os.kill(os.getpid(), signal.SIGTERM)  # impatient: again
        return evaluate()

    run.trainer.final_losses = slow_final_evaluation
    buf = io.StringIO()
    assert run_headless(run, out=buf, err=buf) == 128 + signal.SIGTERM
    assert "Final evaluation skipped" in buf.getvalue()
    assert ckpt.load(tmp_path / "w")["state"]["step"] == run.trainer.step  # saved first
    summary = json.loads((tmp_path / "w" / SUMMARY).read_text())  # what is known (issue 16)
    assert summary["steps"] == run.trainer.step and summary["val_loss"] is None and summary["eval_examples"] == {}


# ---- signals and SIGKILL in real processes -----------------------------------------------------------

RUN_FLAGS = ["--max-steps", "6000", "--n-hidden", "16", "--n-embd", "4", "--log-every", "10", "--eval-every", "1500",
             "--threads", "1", "--seed", "7"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, small_words):
    """The uninterrupted run that interrupted ones must equal."""
    work = tmp_path_factory.mktemp("ref") / "run"
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(work), *RUN_FLAGS]) == 0
    torch.set_num_threads(1)
    return work


# `python -m makemore_tui ARGS`, several times over, from one interpreter that has imported the
# package (and torch) once: each child is forked and runs the module as `-m` does (runpy), with its
# own stdout and stderr. Same code path, signals and exit status as separate commands, without
# paying torch's import (seconds on two shared cores) four times.
# Each child's training takes at least MIN_STEP_S a step (a listener sleeps for the steps it is told
# of; the numbers are untouched), so a signal due a moment after the first checkpoint always finds the
# run still training, however fast the machine.
MIN_STEP_S = 5e-4
LAUNCHER = r"""
import json, os, runpy, sys, time
import makemore_tui.cli, makemore_tui.headless, makemore_tui.run, makemore_tui.control
from makemore_tui import events as ev
from makemore_tui.trainer import Trainer
jobs, min_step_s = json.loads(sys.argv[1]), float(sys.argv[2])
run = Trainer.run

def at_least_min_step_s(trainer):
    def throttle(e):
        if isinstance(e, ev.Steps):
            time.sleep(len(e.losses) * min_step_s)
    trainer.listeners.append(throttle)
    return run(trainer)

Trainer.run = at_least_min_step_s
names = {}
for job in jobs:
    pid = os.fork()
    if pid == 0:
        for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        sys.argv = ["makemore_tui", *job["argv"]]
        code = 0
        try:
            runpy.run_module("makemore_tui", run_name="__main__", alter_sys=True)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            code = code or 120  # what python does when stdout cannot be flushed at exit
        os._exit(code)
    names[pid] = job["name"]
print(json.dumps({v: k for k, v in names.items()}), flush=True)
while names:
    pid, status = os.wait()
    if pid in names:
        print(json.dumps({"exit": names.pop(pid), "rc": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Child:
    """A forked `python -m makemore_tui` of the launcher, steered like a Popen."""

    def __init__(self, name: str, pid: int, exits: dict):
        self.name, self.pid, self.exits = name, pid, exits

    def poll(self):
        return self.exits.get(self.name)

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout):
        assert wait_until(lambda: self.name in self.exits, timeout=timeout), f"{self.name} did not exit"
        return self.exits[self.name]


@pytest.fixture(scope="module")
def signalled(tmp_path_factory, small_words):
    """Four headless runs at once; each gets its signal once it has saved a checkpoint (SIGHUP's
    terminal, a pipe, goes away first)."""
    base = tmp_path_factory.mktemp("sig")
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL)
    fifo = base / "SIGHUP.out"
    os.mkfifo(fifo)
    hup_reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the terminal of the SIGHUP run
    jobs = []
    for sig in sigs:
        flags = RUN_FLAGS + ["--max-steps", "10000000", "--no-keep-best"] if sig == signal.SIGHUP else RUN_FLAGS
        jobs.append(dict(name=sig.name, stdout=str(base / f"{sig.name}.out"), stderr=str(base / f"{sig.name}.err"),
                         argv=["--headless", "-i", str(small_words), "-o", str(base / sig.name), *flags,
                               "--save-every", "0.05"]))
    launcher = subprocess.Popen([PYTHON, "-c", LAUNCHER, json.dumps(jobs), str(MIN_STEP_S)], stdout=subprocess.PIPE,
                                text=True, env=subprocess_env())
    pids = json.loads(launcher.stdout.readline())
    exits: dict = {}

    def collect():
        for line in launcher.stdout:
            d = json.loads(line)
            exits[d["exit"]] = d["rc"]

    threading.Thread(target=collect, daemon=True).start()
    procs = {sig: (Child(sig.name, pids[sig.name], exits), base / sig.name) for sig in sigs}
    rng = random.Random()
    due: dict = {}  # each process gets its signal at a random moment after its first checkpoint
    end = time.monotonic() + 180  # bounds a failing test only (four runs starting on a loaded machine)
    try:
        while len(due) < len(procs) or any(t is not None for t in due.values()):
            assert time.monotonic() < end, "the runs did not start"
            for sig, (p, work) in procs.items():
                if sig in due and due[sig] is None:
                    continue  # signalled already
                assert p.poll() is None, f"{sig.name}: ended before its signal ({p.poll()})"
                if sig not in due:
                    if (work / ckpt.CHECKPOINT).exists():
                        due[sig] = time.monotonic() + rng.uniform(0.0, 0.15)
                        if sig == signal.SIGHUP:
                            # the terminal goes first: the progress line due every 2 s meets a closed pipe
                            os.close(hup_reader)
                            hup_reader = None
                            due[sig] += 2.5
                elif time.monotonic() >= due[sig]:
                    p.send_signal(sig)
                    due[sig] = None
            time.sleep(0.002)
        results = {}
        for sig, (p, work) in procs.items():
            rc = p.wait(60)
            out = "" if sig == signal.SIGHUP else (base / f"{sig.name}.out").read_text()
            results[sig] = dict(rc=rc, work=work, out=out, err=(base / f"{sig.name}.err").read_text())
        launcher.wait(30)
        return results
    finally:
        if hup_reader is not None:
            os.close(hup_reader)
        for p, _ in procs.values():
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        launcher.kill()
        launcher.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_signal_saves_and_exits_cleanly(signalled, sig):
    r = signalled[sig]
    assert r["rc"] == 0, r["err"]
    assert "Traceback" not in r["err"] and "Exception" not in r["err"], r["err"]
    payload = ckpt.load(r["work"])
    summary = json.loads((r["work"] / SUMMARY).read_text())
    assert summary["stopped_early"] is True and 0 < summary["steps"] < (10**7 if sig == signal.SIGHUP else 6000)
    assert payload["state"]["step"] == summary["steps"]  # saved where it stopped
    if sig != signal.SIGHUP:  # (its stdout went away)
        assert f"stopped by {sig.name} at step {summary['steps']:,}" in r["out"]
    # a line every --log-every (10) steps, none past the step it stopped at (a run signalled before
    # its tenth step, as on a crowded single core, has logged none)
    logged = [json.loads(x)["step"] for x in (r["work"] / METRICS).read_text().splitlines()]
    assert logged == list(range(10, summary["steps"] + 1, 10))


def test_sigkill_leaves_a_loadable_checkpoint_and_resume_equals_the_uninterrupted_run(signalled, reference,
                                                                                       small_words, capsys):
    r = signalled[signal.SIGKILL]
    assert r["rc"] == -signal.SIGKILL
    payload = ckpt.load(r["work"])
    step = payload["state"]["step"]
    assert 0 < step < 6000
    assert not (r["work"] / SUMMARY).exists()
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(r["work"]), "--resume", "--threads", "1"]) == 0
    assert metrics_without_time(r["work"]) == metrics_without_time(reference)
    a, b = ckpt.load(r["work"]), ckpt.load(reference)
    for k, v in a["state"]["model"].items():
        assert torch.equal(v, b["state"]["model"][k]), k


def test_resume_after_sigint_equals_the_uninterrupted_run(signalled, reference, small_words):
    r = signalled[signal.SIGINT]
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(r["work"]), "--resume", "--threads", "1"]) == 0
    got, want = metrics_without_time(r["work"]), metrics_without_time(reference)
    assert len(got) == 6000 // 10 and got == want
    s1, s2 = (json.loads((w / SUMMARY).read_text()) for w in (r["work"], reference))
    for k in ("steps", "params", "train_loss", "val_loss", "test_loss"):
        assert s1[k] == s2[k], k
