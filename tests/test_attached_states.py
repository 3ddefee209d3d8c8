"""The words of an attached run's state are true: GONE for a killed process, FINISHED for a finished
run the app made (no status.json), EVALUATING with its progress during the final evaluation; view 6
works on every finished run; and a sweep worker killed by a signal is said, its trial failed and a
new worker started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import optuna
from optuna.trial import TrialState

from makemore_tui import events as ev
from makemore_tui.app.state import FINISHED, RunState
from makemore_tui.app.status_bar import StatusBar
from makemore_tui.attach import RemoteRun
from makemore_tui.config import Config
from makemore_tui.control import STATUS, StatusWriter
from makemore_tui.run import open_run
from makemore_tui.sweep.results import read_sweep
from makemore_tui.sweep.study import make_storage
from makemore_tui.trainer import Trainer

GONE, EVALUATING = "gone", "evaluating"  # app/state.py's names of the states

from helpers import PYTHON, stop_process, subprocess_env, wait_until
from helpers_app import finished, run_async, screen_text, wait_for, wait_for_text


def _app(work: Path):
    from makemore_tui.app.app import MakemoreApp

    return MakemoreApp(RemoteRun(work), make_run=None, sample_seed=7, freeze_clock=True)


@run_async
async def test_a_killed_run_says_gone(headless_run):
    work, proc = headless_run
    app = _app(work)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_text(pilot, "TRAINING")
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        text = await wait_for_text(pilot, "GONE")
        assert app.state.status == GONE and "TRAINING" not in text and "steps/s" not in text
        await pilot.press("q")


@run_async
async def test_a_finished_run_made_by_the_app_says_finished_and_view_6_works(words_file, tmp_path):
    work = tmp_path / "made-by-app"
    cfg = Config(max_steps=30, eval_every=10, log_every=10, seed=3).validate()
    run = open_run(cfg, str(words_file), work)  # as the app opens and ends a run: no status.json
    try:
        run.trainer.run()
        run.save_checkpoint()
    finally:
        run.close()
    assert (work / "summary.json").exists() and not (work / STATUS).exists()
    app = _app(work)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.state.status == FINISHED, timeout=60, what="FINISHED")
        await finished(pilot)
        assert "FINISHED" in screen_text(app) and app.state.step == 30
        await pilot.press("6")
        pane = app.insight_pane("embedding")
        await wait_for(pilot, lambda: pane.result is not None or pane.error, what="the embedding computed")
        assert not pane.error and "NoneType" not in screen_text(app)
        await pilot.press("q")


def _final_evaluation_events(tmp_path, words_file) -> list[ev.Event]:
    from makemore_tui.data import load_dataset

    cfg = Config(max_steps=20, eval_every=0, log_every=50, seed=1).validate()
    data = load_dataset(words_file, cfg.block_size)
    seen: list[ev.Event] = []
    t = Trainer(cfg, data, listeners=[seen.append])
    t.run()
    return seen


def test_the_final_evaluation_says_evaluating_with_its_progress(tmp_path, words_file):
    events = _final_evaluation_events(tmp_path, words_file)
    kinds = [type(e).__name__ for e in events]
    i = kinds.index("FinalEvaluation")
    assert kinds[i + 1:] == ["SplitEvaluated"] * 3 + ["Finished"]
    assert [(e.done, e.total) for e in events[i + 1:i + 4]] == [(1, 3), (2, 3), (3, 3)]
    # the app's state line, in the app and attached (status.json written by a headless run)
    state = RunState()
    status = StatusWriter(tmp_path)
    for e in events[: i + 2]:
        state.apply(e)
        status(e)
    assert state.status == EVALUATING and state.step == 20 and (state.eval_done, state.eval_total) == (1, 3)
    line = StatusBar().text_for(state)
    assert "EVALUATING" in line and "20/20" in line and "1/3" in line and "TRAINING" not in line
    written = json.loads((tmp_path / STATUS).read_text())
    assert written["state"] == "evaluating" and written["step"] == 20 and written["eval_done"] == 1

    # attached: a RemoteTrainer reading that status.json says EVALUATING at step 20, not step 0
    (tmp_path / "config.json").write_text(json.dumps(Config(max_steps=20).to_dict()))
    remote = RemoteRun(tmp_path)
    got = RunState()
    remote.trainer.listeners.append(got.apply)
    remote.trainer._follow()
    assert got.status == EVALUATING and got.step == 20 and (got.eval_done, got.eval_total) == (1, 3)


def _sweep(d: Path, out: Path, words: Path, *extra: str) -> subprocess.Popen:
    # its output to a file: a pipe nobody reads while the test waits could fill and stop the sweep
    return subprocess.Popen(
        [PYTHON, "-m", "makemore_tui", "sweep", "-o", str(d), "-i", str(words), *extra],
        stdout=out.open("w"), stderr=subprocess.STDOUT, text=True, env=subprocess_env())


def _running(d: Path) -> list:
    try:
        study = optuna.load_study(study_name="makemore-mlp", storage=make_storage(None, d))
    except Exception:
        return []
    return [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING and t.user_attrs.get("pid")]


def test_a_sweep_worker_killed_by_a_signal_is_said_failed_and_replaced(tmp_path, words_file):
    d, log = tmp_path / "sweep", tmp_path / "sweep.log"
    proc = _sweep(d, log, words_file, "--workers", "1", "--trial-seconds", "3600", "--budget", "36000")
    try:
        assert wait_until(lambda: _running(d), timeout=240, every=0.1), "a first trial"
        first = _running(d)[0]
        os.kill(first.user_attrs["pid"], signal.SIGKILL)
        # a new worker takes its place and runs a new trial
        assert wait_until(lambda: any(t.user_attrs["pid"] != first.user_attrs["pid"] for t in _running(d)),
                          timeout=400, every=0.1), f"no new worker's trial:\n{log.read_text()}"
        sweep = read_sweep(d)
        assert any(f"trial {first.number}" in x and "SIGKILL" in x for x in sweep["lost"])
        assert {t["number"]: t["state"] for t in sweep["trials"]}[first.number] == "failed"
        proc.send_signal(signal.SIGTERM)
        proc.wait(240)
    finally:
        stop_process(proc)
    out = log.read_text()
    assert proc.returncode == 0, out
    assert f"was killed by SIGKILL; its trial {first.number} is marked failed; a new worker takes its place" in out
    sweep = read_sweep(d)
    assert not [t for t in sweep["trials"] if t["state"] == "running"], "sweep.json keeps no trial running"
