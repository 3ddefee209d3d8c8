"""An event's fields are carried once (events.py): a field added to the Finished event reaches
summary.json, status.json and the attached app's state, with no other file changed."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import textwrap

from makemore_tui import events as ev
from makemore_tui.recorder import SUMMARY_FIELDS, typed

from helpers import PYTHON, SRC, subprocess_env

ANCHOR = "    last_val_loss: float | None = None"
TOY_FIELD = "    toy_count: int = 7  # a test's field\n"

CHILD = textwrap.dedent('''
    import asyncio, json, subprocess, sys
    from pathlib import Path

    words, work = sys.argv[1], Path(sys.argv[2])
    p = subprocess.run([sys.executable, "-m", "makemore_tui", "--headless", "-i", words, "-o", str(work),
                        "--max-steps", "20", "--eval-every", "10", "--threads", "1"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    found = {"summary": json.loads((work / "summary.json").read_text()).get("toy_count"),
             "status": json.loads((work / "status.json").read_text()).get("toy_count")}

    from makemore_tui.app.app import MakemoreApp
    from makemore_tui.attach import RemoteRun

    async def attached():
        app = MakemoreApp(RemoteRun(work), make_run=None, sample_seed=7, freeze_clock=True)
        async with app.run_test(size=(100, 30)) as pilot:
            while app.state.finished is None:  # the attached run's end, read back from its files
                await pilot.pause(0.05)
            return app.state.finished.toy_count

    found["app"] = asyncio.run(attached())
    print(json.dumps(found))
''')


def test_a_field_added_to_finished_reaches_the_files_and_the_attached_app(tmp_path, words_file):
    src = tmp_path / "src"
    shutil.copytree(SRC / "makemore_tui", src / "makemore_tui", ignore=shutil.ignore_patterns("__pycache__"))
    events = src / "makemore_tui" / "events.py"
    text = events.read_text(encoding="utf-8")
    at = text.index(ANCHOR)
    at = text.index("\n", at) + 1
    events.write_text(text[:at] + TOY_FIELD + text[at:], encoding="utf-8")
    env = {**subprocess_env(), "PYTHONPATH": str(src)}
    p = subprocess.run([PYTHON, "-c", CHILD, str(words_file), str(tmp_path / "run")], capture_output=True,
                       text=True, env=env, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    assert json.loads(p.stdout.strip().splitlines()[-1]) == {"summary": 7, "status": 7, "app": 7}


def test_finished_round_trips_through_its_json():
    fin = ev.Finished(step=40, train_loss=2.5, val_loss=float("nan"), test_loss=2.75, seconds=1.23456,
                      steps_per_s=32.25, stopped_early=True, diverged=None, eval_examples={"train": 9},
                      eval_whole=True, best_step=30, best_val_loss=2.6, ended_on="best", overfitting_at=40,
                      last_val_loss=2.9, extra={"not": "written"})
    d = ev.to_json(fin)
    assert d["steps"] == 40 and d["val_loss"] is None and d["seconds"] == 1.235 and d["eval_whole_splits"]
    assert "extra" not in d and "step" not in d
    back = ev.from_json(ev.Finished, typed(json.loads(json.dumps(d)), SUMMARY_FIELDS))
    assert math.isnan(back.val_loss)
    assert (back.step, back.train_loss, back.ended_on, back.best_step, back.eval_examples, back.eval_whole) == (
        40, 2.5, "best", 30, {"train": 9}, True)
    # a summary.json of an older run, without the newer fields: their defaults
    old = ev.from_json(ev.Finished, {"steps": 5, "train_loss": 3.0}, step=99)
    assert (old.step, old.ended_on, old.best_step, old.seconds, old.stopped_early) == (5, "last", None, 0.0, False)
    assert math.isnan(old.test_loss)
    assert ev.from_json(ev.Finished, {}, step=99).step == 99
