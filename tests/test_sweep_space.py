"""A sweep's parts in one process: the search spaces (each type's, narrowed by flags and TOML), the
study's bookkeeping (sweep.json, resuming), one trial, the table and --preset-from."""

from __future__ import annotations

import io
import json
import os
import warnings

import optuna
import pytest
from optuna.trial import TrialState

from makemore_tui import cli, models
from makemore_tui.config import ConfigError
from makemore_tui.models.search import DEFAULT, Choice, FloatRange, IntRange
from makemore_tui.sweep import space as sp
from makemore_tui.sweep import study as st
from makemore_tui.sweep.files import trial_dir
from makemore_tui.sweep.results import best_config, print_sweep, read_sweep
from makemore_tui.sweep.trial import REPORTS, fitted, run_trial
from sweep_files import write_sweep

from helpers import tiny_config


@pytest.mark.parametrize("name", models.names())
def test_every_types_space_makes_valid_settings(name):
    space = sp.type_space(name)
    assert space.searched(), f"{name} searches nothing"
    sp.check(name, space)
    base = sp.baseline_params(name, space)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(8):
        trial = study.ask()
        params = sp.suggest(trial, space)
        cfg = sp.trial_config(name, space, params).validate()
        assert cfg.type == name
        assert {k: getattr(cfg, k) for k in params} == params
        study.tell(trial, 1.0)
    assert all(space.params[k].contains(v) for k, v in base.items())


def test_the_registry_gives_a_type_without_a_space_the_optimisation_one():
    spec = models.ModelType("no-space", "a test's", build=lambda cfg, v: None, estimate_params=lambda cfg, v: 0)
    assert spec.search_space is DEFAULT
    assert "learning_rate" in DEFAULT.searched() and "block_size" not in DEFAULT.params


def test_flags_narrow_a_range_keep_its_scale_pick_choices_and_fix_values():
    name = models.DEFAULT_TYPE
    space = sp.narrowed(name, ["learning_rate=1e-3:1e-2", "batch_size=64,128", "block-size=8", "n_hidden=100:200"])
    assert space.params["learning_rate"] == FloatRange(1e-3, 1e-2, log=True)
    assert space.params["batch_size"] == Choice((64, 128))
    assert space.params["block_size"] == 8 and "block_size" not in space.searched()
    assert space.params["n_hidden"] == IntRange(100, 200, log=True)
    assert sp.trial_config(name, space, {}).block_size == 8


def test_a_toml_file_narrows_too_and_flags_win(tmp_path):
    f = tmp_path / "space.toml"
    f.write_text('learning_rate = [0.001, 0.01]\nbatch_size = [128, 256]\nlr_schedule = "cosine"\nblock_size = 4\n')
    space = sp.narrowed(models.DEFAULT_TYPE, ["block_size=6"], str(f))
    assert space.params["learning_rate"] == FloatRange(0.001, 0.01, log=True)
    assert space.params["batch_size"] == Choice((128, 256))
    assert space.params["lr_schedule"] == "cosine" and space.params["block_size"] == 6
    (tmp_path / "t.toml").write_text("[space]\nn_embd = [10, 20]\n")
    assert sp.narrowed(models.DEFAULT_TYPE, [], str(tmp_path / "t.toml")).params["n_embd"] == IntRange(10, 20, log=True)


@pytest.mark.parametrize("flag, message", [
    ("nope=1", "cannot be searched"),
    ("max_steps=1:2", "cannot be searched"),
    ("learning_rate", "NAME=SPEC"),
    ("learning_rate=0.1:0.01", "empty"),
    ("block_size=2.5:4", "whole numbers"),
    ("n_embd=0:8", "n_embd must be between"),
    ("learning_rate=0:0.01", "learning_rate must be positive"),
    ("batch_size=0", "batch_size"),
    ("lr_schedule=sometimes", "lr_schedule"),
    ("learning_rate=x:1", "not a number"),
])
def test_a_bad_narrowing_is_one_clear_error(flag, message):
    with pytest.raises(ConfigError, match=message):
        sp.narrowed(models.DEFAULT_TYPE, [flag])


def test_a_bad_toml_file_is_one_clear_error(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("learning_rate = [1, 2, 3]\n")
    with pytest.raises(ConfigError, match=r"\[low, high\]"):
        sp.narrowed(models.DEFAULT_TYPE, [], str(f))
    f.write_text("this is not toml = = =\n")
    with pytest.raises(ConfigError, match="not TOML"):
        sp.narrowed(models.DEFAULT_TYPE, [], str(f))
    with pytest.raises(ConfigError, match="No such file"):
        sp.narrowed(models.DEFAULT_TYPE, [], str(tmp_path / "missing.toml"))


def test_a_trials_length_is_fitted_to_its_seconds():
    cfg = tiny_config(max_steps=10**6, warmup_steps=500)
    out = fitted(cfg, rate=1000.0, seconds=10.0)
    assert out.max_steps % REPORTS == 0 and out.eval_every * REPORTS == out.max_steps
    assert 8000 <= out.max_steps <= 10_000
    assert out.warmup_steps <= out.max_steps // 10
    assert fitted(cfg, rate=0.01, seconds=1.0).max_steps == 2 * REPORTS  # never less than two per evaluation


# ---- the study's bookkeeping -----------------------------------------------------------------------

def test_redact_hides_the_password_only():
    assert st.redact("postgresql://me:secret@db:5432/sweeps") == "postgresql://me:***@db:5432/sweeps"
    assert st.redact("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_the_directory_remembers_its_study_and_storage(tmp_path):
    assert st.resolve(tmp_path, "sqlite:///a.db", None, "makemore-x") == ("sqlite:///a.db", "makemore-x")
    assert st.resolve(tmp_path, None, None, "other") == ("sqlite:///a.db", "makemore-x")
    with pytest.raises(ConfigError, match="holds the study 'makemore-x'"):
        st.resolve(tmp_path, None, "another", "other")
    d = tmp_path / "pw"
    d.mkdir()
    st.resolve(d, "postgresql://me:secret@db/s", None, "s")
    assert "secret" not in (d / "study.json").read_text()
    with pytest.raises(ConfigError, match="pass --storage"):
        st.resolve(d, None, None, "s")


def _study(tmp_path):
    return st.open_study(st.make_storage(None, tmp_path), "t")


def test_sweep_json_has_the_issues_shape(tmp_path):
    study = _study(tmp_path)
    for value in (2.5, 2.1, None, float("nan")):
        t = study.ask({"learning_rate": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)})
        if value is None:
            t.report(2.9, 1)
            study.tell(t, state=TrialState.PRUNED)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                study.tell(t, value)  # NaN: failed
    running = study.ask({"batch_size": optuna.distributions.CategoricalDistribution([32, 64])})
    running.report(2.7, 1)
    snap = st.write_sweep_json(study, tmp_path)
    assert json.loads((tmp_path / "sweep.json").read_text()) == snap
    assert set(snap) == {"study", "trials", "best"} and snap["study"] == "t"
    assert [t["state"] for t in snap["trials"]] == ["complete", "complete", "pruned", "failed", "running"]
    for t in snap["trials"]:
        assert set(t) == {"number", "state", "val_loss", "params", "seconds"}
    assert snap["trials"][2]["val_loss"] == 2.9 and snap["trials"][3]["val_loss"] is None
    assert snap["trials"][4]["val_loss"] == 2.7
    assert snap["best"] == {"number": 1, "val_loss": 2.1, "params": snap["trials"][1]["params"]}


def test_resuming_fails_trials_of_dead_processes_and_queues_stopped_settings_once(tmp_path):
    study = _study(tmp_path)
    dist = {"n_embd": optuna.distributions.IntDistribution(2, 64)}
    lost = study.ask(dist)
    lost.set_user_attr("host", st.host())
    lost.set_user_attr("pid", 2**22 + 12345)  # no such process
    stopped = study.ask(dist)
    stopped.set_user_attr("interrupted", True)
    study.tell(stopped, state=TrialState.FAIL)
    alive = study.ask(dist)
    alive.set_user_attr("host", st.host())
    alive.set_user_attr("pid", os.getpid())
    notes = st.recover(study)
    assert len(notes) == 2
    trials = study.get_trials(deepcopy=False)
    assert trials[lost.number].state == TrialState.FAIL and trials[alive.number].state == TrialState.RUNNING
    queued = [t for t in trials if t.state == TrialState.WAITING]
    assert sorted(t.user_attrs["retry_of"] for t in queued) == [lost.number, stopped.number]
    again = [study.ask(dist).params["n_embd"] for _ in queued]  # the queued run first, with their settings
    assert sorted(again) == sorted([trials[lost.number].params["n_embd"], trials[stopped.number].params["n_embd"]])
    assert st.recover(study) == []  # not queued twice


# ---- one trial -------------------------------------------------------------------------------------

def test_one_trial_writes_a_runs_files_and_reports_its_evaluations(words_file, tmp_path):
    reports = []
    cfg = tiny_config(max_steps=10**6, eval_every=10**5, batch_size=32)
    result = run_trial(cfg, str(words_file), tmp_path / "t", seconds=1.5,
                       report=lambda k, v: reports.append((k, v)) or False)
    for name in ("config.json", "metrics.jsonl", "summary.json", "model.pt", "status.json"):
        assert (tmp_path / "t" / name).exists(), name
    planned = json.loads((tmp_path / "t" / "config.json").read_text())
    assert planned["max_steps"] % REPORTS == 0 and planned["eval_every"] * REPORTS == planned["max_steps"]
    assert reports and [k for k, _ in reports] == list(range(1, len(reports) + 1))
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert summary["val_loss"] == pytest.approx(result.val_loss) and summary["train_loss"] is None
    assert not result.pruned and not result.interrupted


def test_a_trial_stops_when_pruned_or_told_to(words_file, tmp_path):
    cfg = tiny_config(max_steps=10**6, batch_size=32)
    pruned = run_trial(cfg, str(words_file), tmp_path / "p", seconds=4, report=lambda k, v: True)
    assert pruned.pruned and json.loads((tmp_path / "p" / "summary.json").read_text())["stopped_early"]
    stop = run_trial(cfg, str(words_file), tmp_path / "s", seconds=600, should_stop=lambda: True)
    assert stop.interrupted and (tmp_path / "s" / "model.pt").exists()


# ---- the files, read back --------------------------------------------------------------------------

def test_inspect_sweep_prints_the_trials_best_first(tmp_path, capsys):
    d = write_sweep(tmp_path)
    assert cli.main(["--inspect", "sweep", "-o", str(d)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "7 trials" in lines[0] and "4 complete" in lines[0]
    assert lines[1].split()[:3] == ["trial", "state", "dev"]
    assert lines[2].split()[:3] == ["3*", "complete", "2.0391"]
    assert "best: trial 3" in out and f"--preset-from {d}" in out
    assert cli.main(["--inspect", "sweep", "-o", str(tmp_path)]) == 2
    assert "holds no sweep" in capsys.readouterr().err


def test_attach_to_a_sweep_without_a_terminal_prints_its_table(tmp_path, capsys):
    d = write_sweep(tmp_path)
    assert cli.main(["--attach", str(d)]) == 0
    assert "running" in capsys.readouterr().out


def test_preset_from_takes_the_best_trials_settings_and_the_flags(tmp_path):
    d = write_sweep(tmp_path)
    args = cli.build_parser().parse_args(["--preset-from", str(d), "--max-steps", "123"])
    cfg = cli.config_from_args(args)
    assert (cfg.block_size, cfg.n_embd, cfg.n_hidden, cfg.learning_rate) == (9, 30, 700, 0.0021)
    assert cfg.max_steps == 123
    assert best_config(d).max_steps == 8000
    (trial_dir(d, 3) / "config.json").unlink()
    with pytest.raises(ConfigError, match="another machine.*--block-size 9"):
        best_config(d)
    with pytest.raises(ConfigError, match="holds no sweep"):
        best_config(tmp_path / "nothing")


def test_print_sweep_survives_a_torn_file(tmp_path):
    d = write_sweep(tmp_path)
    (d / "sweep.json").write_text('{"study": "x", "trials": [{"numb')
    assert read_sweep(d)["trials"] == []
    assert print_sweep(d, io.StringIO()) == 0


def test_the_command_line_knows_the_sweep_command(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0 and "makemore-tui sweep" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        cli.main(["sweep", "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "--trial-seconds" in out and "postgresql://" in out
    assert cli.main(["sweep"]) == 2
    assert "required" in capsys.readouterr().err
    d = str(tmp_path / "x")
    assert cli.main(["sweep", "-o", d, "--space", "nope=1", "--type", models.DEFAULT_TYPE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be searched" in err
    assert cli.main(["sweep", "-o", d, "--budget", "-1"]) == 2
    assert cli.main(["sweep", "-o", d, "-i", str(tmp_path / "missing.txt")]) == 2
    assert cli.main(["sweep", "-o", d, "--workers", "0"]) == 2
    assert not (tmp_path / "x").exists()  # nothing written for a mistake


def test_timing_a_diverging_setting_ends(words_file):
    from makemore_tui.data import load_dataset
    from makemore_tui.sweep.trial import measure_rate

    cfg = tiny_config(learning_rate=1000.0, max_steps=10**6)  # the loss blows up at once; the trainer pauses
    assert measure_rate(cfg, load_dataset(str(words_file), cfg.block_size)) > 0


def test_enter_in_the_sweep_view_opens_the_trials_view_and_leaving_it_comes_back(tmp_path, monkeypatch):
    import argparse
    import sys

    d = write_sweep(tmp_path)
    shown = iter([str(trial_dir(d, 3)), str(trial_dir(d, 0)), None])  # enter on 3, then on 0, then q
    monkeypatch.setattr("makemore_tui.app.sweep_app.run_sweep_app", lambda path, theme=None, notes=(): next(shown))
    opened = []
    monkeypatch.setattr(cli, "attach", lambda args: opened.append(args.attach) or 0)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.attach_sweep(argparse.Namespace(attach=str(d), theme=None, threads=None)) == 0
    assert opened == [str(trial_dir(d, 3)), str(trial_dir(d, 0))]


def test_a_trials_directory_is_a_run_that_attach_reads(words_file, tmp_path, capsys):
    run_trial(tiny_config(max_steps=10**6), str(words_file), tmp_path / "t", seconds=1.0)
    assert cli.main(["--attach", str(tmp_path / "t")]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"{tmp_path / 't'}: finished") and "dev " in line
