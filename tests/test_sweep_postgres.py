"""Sweeps on a real PostgreSQL server, as on many machines: a throwaway server (initdb and pg_ctl in a
temporary directory, a free port on 127.0.0.1), two `sweep` processes with their own directories on
one study. Their trials are distinct and complete, each in one directory, with the user attributes
optuna-dashboard shows; `--inspect sweep`, `--preset-from` and `--attach` on either directory show
the whole study (the same best), also where that directory's sweep.json is an old copy; and where
the database cannot be reached they show the local sweep.json and say so in one line.

Skipped where PostgreSQL's server programs are not installed (`dpkg -L postgresql-15` lists them on
Debian and Ubuntu), or psycopg (the [postgres] extra) is not."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from makemore_tui.cli import build_parser, config_from_args
from makemore_tui.sweep.current import Mirror
from makemore_tui.sweep.files import trial_dir
from makemore_tui.sweep.study import make_storage
from makemore_tui.tensorboard_log import event_files

from helpers import PYTHON, subprocess_env, wait_until

pytest.importorskip("psycopg", reason="psycopg (pip install 'makemore-tui[postgres]') is not installed")

STUDY = "pg-shared"
TRIALS = 6
LONG = 300.0


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    """A PostgreSQL server of its own for this module; its URL (trust authentication, no password)."""
    pg_ctl, initdb = _pg_bin("pg_ctl"), _pg_bin("initdb")
    if pg_ctl is None or initdb is None:
        pytest.skip("PostgreSQL's pg_ctl and initdb are not installed (e.g. apt-get install postgresql-15)")
    as_user: list[str] = []
    # (as root: in /tmp, which the postgres user can reach, whatever TMPDIR says)
    root = tempfile.mkdtemp(prefix="makemore-pg-", dir="/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None)
    if os.geteuid() == 0:  # the server refuses to run as root: as the postgres user
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no postgres user to run the server as")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = os.path.join(root, "data"), os.path.join(root, "server.log")
    port = _free_port()
    run = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    p = subprocess.run([*as_user, initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"], **run)
    assert p.returncode == 0, p.stdout
    p = subprocess.run([*as_user, pg_ctl, "-D", data, "-l", log, "-w", "-t", "60", "-o",
                        f"-p {port} -h 127.0.0.1 -k {root}", "start"], **run)
    assert p.returncode == 0, p.stdout + (Path(log).read_text() if os.path.exists(log) else "")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], **run)
        shutil.rmtree(root, ignore_errors=True)


def _sweep(d: Path, words: Path, url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "makemore_tui", "sweep", "-o", str(d), "-i", str(words), "--storage", url, "--study", STUDY,
         "--trials", str(TRIALS), "--workers", "1", "--trial-seconds", "1", "--space", "n_hidden=16:64", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=subprocess_env())


def _finish(proc: subprocess.Popen) -> str:
    try:
        out, _ = proc.communicate(timeout=LONG)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"sweep did not end:\n{out}")
    assert proc.returncode == 0, out
    return out


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "makemore_tui", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=subprocess_env(), timeout=LONG)


@pytest.fixture(scope="module")
def two_machines(pg_url, tmp_path_factory, small_words):
    """Two sweeps at once, each with its own directory (two machines), on one study; a with --tensorboard."""
    root = tmp_path_factory.mktemp("pg")
    a, b = root / "a", root / "b"
    procs = [_sweep(a, small_words, pg_url, "--tensorboard"), _sweep(b, small_words, pg_url)]
    for p in procs:
        _finish(p)
    return pg_url, a, b


def test_two_sweeps_on_one_postgresql_study_run_distinct_complete_trials(two_machines):
    url, a, b = two_machines
    study = optuna.load_study(study_name=STUDY, storage=make_storage(url, a))
    trials = study.get_trials(deepcopy=False)
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers)) >= TRIALS
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials), [t.state for t in trials]
    ran = {t.number: [d for d in (a, b) if (trial_dir(d, t.number) / "summary.json").is_file()] for t in trials}
    assert all(len(where) == 1 for where in ran.values()), ran  # each trial ran on one machine, once
    assert any(where == [a] for where in ran.values()) and any(where == [b] for where in ran.values())
    # the user attributes optuna-dashboard shows for each trial: its directory, its dev loss, its steps
    for t in trials:
        assert t.user_attrs["dir"] == str(trial_dir(ran[t.number][0], t.number).resolve())
        summary = json.loads((trial_dir(ran[t.number][0], t.number) / "summary.json").read_text())
        assert t.user_attrs["steps"] == summary["steps"] > 0
        assert t.user_attrs["val_loss"] == pytest.approx(summary["val_loss"])
        assert t.user_attrs["config"]["type"] == "mlp"
    # sweep --tensorboard: a's trials wrote their events in their own directories; b's none
    for n, where in ran.items():
        assert bool(event_files(trial_dir(where[0], n))) == (where == [a])


def _best_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("best: trial")).split("; train it")[0]


def test_every_machine_shows_the_whole_study_and_the_same_best(two_machines, monkeypatch):
    url, a, b = two_machines
    study = optuna.load_study(study_name=STUDY, storage=make_storage(url, a))
    n = len(study.get_trials(deepcopy=False))
    best = study.best_trial
    # a's sweep.json as a machine that ended first holds it: its own trials only, its own best
    stale = json.loads((a / "sweep.json").read_text())
    stale["trials"] = [t for t in stale["trials"] if (trial_dir(a, t["number"]) / "config.json").is_file()]
    mine = min((t for t in stale["trials"] if t["state"] == "complete"), key=lambda t: t["val_loss"], default=None)
    stale["best"] = mine and {k: mine[k] for k in ("number", "val_loss", "params")}
    (a / "sweep.json").write_text(json.dumps(stale))
    outs = {}
    for d in (a, b):
        p = _cli("--inspect", "sweep", "-o", str(d))
        assert p.returncode == 0 and p.stderr == "", p.stderr
        assert f"{n} trials" in p.stdout.splitlines()[0]
        outs[d] = p.stdout
        assert f"best: trial {best.number}, dev {best.value:.4f}" in p.stdout
        attached = _cli("--attach", str(d))  # no terminal: the same table
        assert attached.returncode == 0 and _best_line(attached.stdout) == _best_line(p.stdout)
    assert _best_line(outs[a]) == _best_line(outs[b])
    assert json.loads((a / "sweep.json").read_text())["best"]["number"] == best.number  # brought up to date
    # --preset-from on either machine: the best trial's own settings, whichever machine ran it
    monkeypatch.delenv("MAKEMORE_TUI_TENSORBOARD", raising=False)
    cfgs = [config_from_args(build_parser().parse_args(["--preset-from", str(d)])).to_dict() for d in (a, b)]
    assert cfgs[0] == cfgs[1] == {**best.user_attrs["config"]}
    # the attached app's view: its sweep.json is kept up to date from the study while it is open
    mirror = Mirror(b, every=0.1)
    assert mirror.start() is None
    try:
        (b / "sweep.json").write_text(json.dumps(stale))
        assert wait_until(lambda: len(json.loads((b / "sweep.json").read_text())["trials"]) == n, timeout=60)
    finally:
        mirror.stop()


def test_an_unreachable_database_falls_back_to_the_local_copy_in_one_line(two_machines, tmp_path):
    url, a, _ = two_machines
    c = tmp_path / "c"
    shutil.copytree(a, c, ignore=shutil.ignore_patterns("trials", "*.lock"))
    dead = f"postgresql://postgres@127.0.0.1:{_free_port()}/postgres"  # nothing listens there
    (c / "study.json").write_text(json.dumps({"study": STUDY, "storage": dead}))
    local = json.loads((c / "sweep.json").read_text())
    p = _cli("--inspect", "sweep", "-o", str(c))
    assert p.returncode == 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot be read" in lines[0] and "sweep.json" in lines[0], p.stderr
    assert f"{len(local['trials'])} trials" in p.stdout.splitlines()[0]
    assert json.loads((c / "sweep.json").read_text()) == local  # left as it was
