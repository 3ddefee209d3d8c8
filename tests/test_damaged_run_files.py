"""Run files damaged by hand or by a crash (wrong types, 1e400, deep nesting, a bad line) are skipped
or said in one line by --attach, --inspect compare and the attached app; never a traceback."""

from __future__ import annotations

import json
import subprocess

import pytest

from makemore_tui import cli
from makemore_tui.control import STATUS, read_status
from makemore_tui.recorder import CONFIG, METRICS, SUMMARY, parse_metrics_line, read_json, read_summary

from helpers import PYTHON, make_words, subprocess_env

DEEP = "[" * 100_000 + "]" * 100_000
BAD_JSON = {
    "wrong types": json.dumps({"step": "many", "max_steps": [1], "state": 7, "train_loss": {"a": 1}, "pid": "x",
                               "steps": "x", "val_loss": "low", "seconds": [], "test_loss": True,
                               "block_size": "three", "n_embd": None, "type": 3}),
    "huge numbers": '{"step": 1e400, "max_steps": 1e400, "train_loss": 1e400, "val_loss": -1e400, "steps": 1e400, '
                    '"seconds": 1e400, "test_loss": 1e400, "pid": 99999999999999999999999, "block_size": 1e400}',
    "deep nesting": DEEP,
    "not an object": "[1, 2, 3]",
    "not JSON": "{{{",
    "empty": "",
}
BAD_METRICS_LINES = ['{"step": 1e400, "train_loss": 1.0}', '{"step": "x"}', DEEP, '{"step": 5, "train_loss": "a"}',
                     "[]", "null", '{"step": [1]}']


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    words = base / "words.txt"
    words.write_text("\n".join(make_words()) + "\n")
    work = base / "run"
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "60", "--log-every", "10",
                     "--n-embd", "4", "--n-embd2", "16", "--threads", "1"]) == 0
    return work, words


def _copy(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_readers_skip_what_is_not_of_its_type(tmp_path):
    for text in BAD_JSON.values():
        (tmp_path / STATUS).write_text(text)
        (tmp_path / SUMMARY).write_text(text)
        status, summary = read_status(tmp_path) or {}, read_summary(tmp_path) or {}
        for k, v in [*status.items(), *summary.items()]:
            assert v is None or isinstance(v, (int, float, str, bool)), (k, v)
        assert "step" not in status and "train_loss" not in status and "steps" not in summary
    assert read_json(tmp_path / STATUS) is None  # empty: no object
    for line in BAD_METRICS_LINES:
        assert parse_metrics_line(line) is None or parse_metrics_line(line).step == 5


@pytest.mark.parametrize("which", [STATUS, SUMMARY, CONFIG, METRICS])
@pytest.mark.parametrize("damage", list(BAD_JSON))
def test_attach_status_line_and_compare_say_it_in_one_line_at_most(finished_run, tmp_path, which, damage, capsys):
    work = _copy(finished_run[0], tmp_path / "run")
    text = BAD_JSON[damage]
    if which == METRICS:  # a bad line among good ones
        lines = (work / METRICS).read_text().splitlines()
        text = "\n".join(lines[:2] + [text] + lines[2:]) + "\n"
    (work / which).write_text(text)
    for argv in (["--attach", str(work)], ["--inspect", "compare", "-o", str(work)]):
        rc = cli.main(argv)
        out, err = capsys.readouterr()
        assert rc in (0, 2), (argv, rc, err)
        assert "Traceback" not in err and err.count("\n") <= 1, err
        if rc == 2:
            assert err.startswith("makemore-tui: error: ")
        else:
            assert out.strip()


def test_a_damaged_status_file_in_a_real_process_is_one_line_at_most(finished_run, tmp_path):
    work = _copy(finished_run[0], tmp_path / "run")
    (work / STATUS).write_text(BAD_JSON["huge numbers"])
    p = subprocess.run([PYTHON, "-m", "makemore_tui", "--attach", str(work)], capture_output=True, text=True,
                       env=subprocess_env(), timeout=60)
    assert p.returncode == 0 and p.stderr == "" and str(work) in p.stdout


@pytest.mark.parametrize("line", BAD_METRICS_LINES, ids=range(len(BAD_METRICS_LINES)))
def test_one_bad_metrics_line_never_blinds_the_attached_run(finished_run, tmp_path, line):
    from makemore_tui import events as ev
    from makemore_tui.attach import RemoteRun

    work = _copy(finished_run[0], tmp_path / "run")
    lines = (work / METRICS).read_text().splitlines()
    (work / METRICS).write_text("\n".join(lines[:2] + [line] + lines[2:]) + "\n")
    run = RemoteRun(work)
    seen: list[int] = []  # the steps whose losses arrived
    run.trainer.listeners = [lambda e: seen.extend(e.first_step + i * e.stride + 1 for i in range(len(e.losses)))
                             if isinstance(e, ev.Steps) else None]
    fin = run.trainer.run()
    run.close()
    assert fin is not None and fin.step == 60
    logged = [int(json.loads(x)["step"]) for x in lines if json.loads(x).get("train_loss") is not None]
    assert sorted(set(seen)) == logged  # every good line arrived, those after the bad one too
