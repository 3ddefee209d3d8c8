"""Sweeps end to end, in real processes: worker processes and a joining `sweep` on one study, the
pruner's trials marked pruned, SIGTERM and resuming, and two sweeps on one SQLite database (Optuna's
RDB storage, the URL path). Nothing here depends on the machine's speed: the tests wait on the
files and the study themselves, with generous time limits, and never count trials per second."""

from __future__ import annotations

import io
import json
import signal
import subprocess
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from makemore_tui.sweep.files import trial_dir
from makemore_tui.sweep.launch import SweepRequest, run_sweep
from makemore_tui.sweep.study import make_storage
from makemore_tui.sweep.results import read_sweep

from helpers import PYTHON, subprocess_env, wait_until

LONG = 240.0  # seconds: a limit for things that take a few


def _wait(pred, what: str, timeout: float = LONG) -> None:
    assert wait_until(pred, timeout=timeout, every=0.1), f"timed out waiting for {what}"


def _sweep(d: Path, words: Path, *extra: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "makemore_tui", "sweep", "-o", str(d), "-i", str(words), "--trial-seconds", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=subprocess_env(), **kw)


def _finish(proc: subprocess.Popen, timeout: float = LONG) -> str:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"sweep did not end:\n{out}")
    assert proc.returncode == 0, out
    return out


def _trials(d: Path, url: str | None = None, name: str = "makemore-mlp"):
    storage = make_storage(url, d)
    return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)


def _check_sweep_json(d: Path, elsewhere: tuple[int, ...] = ()) -> dict:
    """sweep.json's shape and sense, and the files of its complete trials (but those `elsewhere`)."""
    sweep = json.loads((d / "sweep.json").read_text())
    assert set(sweep) == {"study", "trials", "best"}
    numbers = [t["number"] for t in sweep["trials"]]
    assert len(numbers) == len(set(numbers)), "trial numbers must be distinct"
    for t in sweep["trials"]:
        assert set(t) == {"number", "state", "val_loss", "params", "seconds"}
        assert t["state"] in ("complete", "pruned", "failed", "running")
    done = [t for t in sweep["trials"] if t["state"] == "complete"]
    if done:
        best = min(done, key=lambda t: t["val_loss"])
        assert sweep["best"] == {"number": best["number"], "val_loss": best["val_loss"], "params": best["params"]}
    for t in (t for t in done if t["number"] not in elsewhere):
        td = trial_dir(d, t["number"])
        for name in ("config.json", "metrics.jsonl", "summary.json"):
            assert (td / name).is_file(), f"{td / name}"
        summary = json.loads((td / "summary.json").read_text())
        assert summary["val_loss"] == pytest.approx(t["val_loss"])
        assert summary["diverged"] is not None or (td / "model.pt").is_file()
    return sweep


def test_two_workers_and_a_joining_sweep_share_one_study_and_stop_cleanly(tmp_path, words_file):
    d = tmp_path / "sweep"
    a = _sweep(d, words_file, "--workers", "2", "--budget", "3600")
    try:
        _wait(lambda: any(t["state"] == "running" for t in read_sweep(d)["trials"]), "the first trial")
        b = _sweep(d, words_file, "--workers", "1", "--budget", "3600")
        try:
            def joined():
                ended = [t for t in _trials(d) if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
                by_b = [t for t in ended if t.user_attrs.get("sweep_pid") == b.pid]
                a_workers = {t.user_attrs.get("pid") for t in ended if t.user_attrs.get("sweep_pid") == a.pid}
                return by_b and len(a_workers) >= 2

            _wait(joined, "a trial of each of A's two workers and of B's")
        finally:
            b.send_signal(signal.SIGTERM)
            out_b = _finish(b)
    finally:
        a.send_signal(signal.SIGTERM)
        out_a = _finish(a)
    assert "SIGTERM: stopping" in out_a and "SIGTERM: stopping" in out_b
    sweep = _check_sweep_json(d)
    assert not [t for t in sweep["trials"] if t["state"] == "running"], "every worker ended its trial"
    trials = _trials(d)
    assert len({t.user_attrs.get("pid") for t in trials if t.state != TrialState.WAITING}) >= 3
    assert {t.number for t in trials if t.state != TrialState.WAITING} == {t["number"] for t in sweep["trials"]}
    for t in trials:  # the trials stopped by the signal: saved as far as they got, and marked
        if t.user_attrs.get("interrupted") and (trial_dir(d, t.number) / "summary.json").exists():
            assert t.state == TrialState.FAIL
            assert json.loads((trial_dir(d, t.number) / "summary.json").read_text())["stopped_early"]


def test_a_trial_the_pruner_stops_is_marked_pruned(tmp_path, words_file):
    d = tmp_path / "sweep"
    req = SweepRequest(sweep_dir=str(d), input_file=str(words_file), trials=2, trial_seconds=3, workers=1,
                       pruner=optuna.pruners.ThresholdPruner(upper=0.0))  # every dev loss is above 0: prune
    out = io.StringIO()
    assert run_sweep(req, out) == 0
    sweep = _check_sweep_json(d)
    assert [t["state"] for t in sweep["trials"]] == ["pruned", "pruned"]
    assert sweep["best"] is None
    assert "trial 0 pruned" in out.getvalue()
    for t in sweep["trials"]:
        summary = json.loads((trial_dir(d, t["number"]) / "summary.json").read_text())
        config = json.loads((trial_dir(d, t["number"]) / "config.json").read_text())
        assert summary["stopped_early"] and summary["steps"] < config["max_steps"]
        assert t["val_loss"] == pytest.approx(summary["val_loss"])


def test_sigterm_saves_the_running_trial_and_sweep_again_resumes(tmp_path, words_file):
    d = tmp_path / "sweep"
    first = _sweep(d, words_file, "--workers", "1", "--trial-seconds", "3600")  # a trial that never ends alone
    status = trial_dir(d, 0) / "status.json"
    _wait(lambda: status.exists() and json.loads(status.read_text() or "{}").get("step", 0) > 0, "training")
    first.send_signal(signal.SIGTERM)
    out = _finish(first)
    assert "Run the same command again to resume" in out
    sweep = _check_sweep_json(d)
    assert [(t["number"], t["state"]) for t in sweep["trials"]] == [(0, "failed")]
    stopped = trial_dir(d, 0)
    assert json.loads((stopped / "summary.json").read_text())["stopped_early"]
    assert (stopped / "model.pt").is_file()

    out = _finish(_sweep(d, words_file, "--workers", "1", "--trials", "3"))
    assert "stopped before their end" in out
    sweep = _check_sweep_json(d)
    states = {t["number"]: t for t in sweep["trials"]}
    assert sorted(states) == [0, 1, 2] and states[0]["state"] == "failed"
    assert states[1]["params"] == states[0]["params"]  # the stopped trial's settings ran again first
    assert states[1]["state"] in ("complete", "pruned") and states[2]["state"] in ("complete", "pruned", "failed")


def test_two_sweeps_share_a_study_in_a_sqlite_database(tmp_path, words_file):
    db = tmp_path / "studies.db"
    url = f"sqlite:///{db}"
    _finish(_sweep(tmp_path / "a", words_file, "--storage", url, "--study", "shared", "--trials", "2",
                   "--workers", "1"))
    _finish(_sweep(tmp_path / "b", words_file, "--storage", url, "--study", "shared", "--trials", "4",
                   "--workers", "1"))
    assert sorted(p.name for p in (tmp_path / "a" / "trials").iterdir()) == ["0000", "0001"]
    assert sorted(p.name for p in (tmp_path / "b" / "trials").iterdir()) == ["0002", "0003"]
    sweep_b = _check_sweep_json(tmp_path / "b", elsewhere=(0, 1))
    assert sweep_b["study"] == "shared" and [t["number"] for t in sweep_b["trials"]] == [0, 1, 2, 3]
    assert json.loads((tmp_path / "a" / "study.json").read_text()) == {"study": "shared", "storage": url}
    # `sweep` again in a: the directory remembers the database and the study
    _finish(_sweep(tmp_path / "a", words_file, "--trials", "5", "--workers", "1"))
    assert [t["number"] for t in _check_sweep_json(tmp_path / "a", elsewhere=(2, 3))["trials"]] == [0, 1, 2, 3, 4]
    assert len(_trials(tmp_path, url, "shared")) == 5
