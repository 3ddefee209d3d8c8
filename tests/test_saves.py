"""Saving the checkpoint: SIGKILL at any moment of a save leaves a loadable one, and a full disk is
reported while the previous one survives."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui import events as ev
from makemore_tui.data import load_dataset
from makemore_tui.headless import EXIT_SAVE_FAILED, run_headless
from makemore_tui.run import Run

from helpers import PYTHON, subprocess_env, tiny_config

# ---- SIGKILL during saves ---------------------------------------------------------------------------

# Each child says when its first save is done (so that, however slowly it starts on a loaded machine,
# it is killed while saving, not before), then saves again and again until it is killed.
HAMMER = r"""
import json, os, random, signal, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
from makemore_tui import checkpoint as ckpt
from makemore_tui.config import Config
from makemore_tui.data import Vocab

base, kills = Path(sys.argv[1]), [int(k) for k in sys.argv[2:4]]
atomic_write = ckpt.atomic_write_bytes

def in_place(path, write):  # the control: what a naive saver does
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write(f)

cfg, vocab = Config(), Vocab(tuple(".abcdefghijklmnopqrstuvwxyz"))

def state(step):
    return {"step": step, "model": {"W": torch.full((300, 300), float(step))}}

report = {}
for mode, n_kills in zip(("atomic", "in-place"), kills):
    ckpt.atomic_write_bytes = atomic_write if mode == "atomic" else in_place
    work = base / mode
    ckpt.save(work, cfg, vocab, state(0))
    rng, last, bad, steps = random.Random(), 0, [], []
    for k in range(1, n_kills + 1):
        saved_once, tell = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child saves, and saves, until it is killed
            os.close(saved_once)
            s = k * 1_000_000
            while True:
                ckpt.save(work, cfg, vocab, state(s))
                if s == k * 1_000_000:
                    os.write(tell, b"1")
                s += 1
        os.close(tell)
        assert os.read(saved_once, 1) == b"1"
        os.close(saved_once)
        time.sleep(rng.uniform(0.002, 0.04))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        try:
            p = ckpt.load(work)
            step = p["state"]["step"]
            if step < last or not torch.equal(p["state"]["model"]["W"], state(step)["model"]["W"]):
                bad.append(f"kill {k}: step {step} after {last}, or wrong weights")
            last = step
            steps.append(step)
        except ckpt.CheckpointError as e:
            bad.append(f"kill {k}: {e}")
            ckpt.save(work, cfg, vocab, state(last))  # start the next round from a good file
    temps = [p.name for p in work.iterdir() if p.name.endswith(".tmp")]
    report[mode] = {"bad": bad, "steps": steps, "temps": temps}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def hammered(tmp_path_factory) -> tuple[Path, dict]:
    """Children that save in a loop, killed with SIGKILL at random moments: 30 with the real
    (atomic) save, 10 with a save that writes in place, as a control."""
    base = tmp_path_factory.mktemp("hammer")
    p = subprocess.run([PYTHON, "-c", HAMMER, str(base), "30", "10"], capture_output=True, text=True,
                       env=subprocess_env(), timeout=600)
    assert p.returncode == 0, p.stderr
    return base, json.loads(p.stdout.splitlines()[-1])


def test_sigkill_at_random_moments_during_saves_always_leaves_a_loadable_checkpoint(hammered):
    base, report = hammered
    r = report["atomic"]
    assert r["bad"] == []
    assert len(r["steps"]) == 30
    assert sum(s >= 1_000_000 for s in r["steps"]) >= 15  # the children really were saving when killed
    # kills during a save leave temporary files, never a damaged model.pt; a new run removes them
    assert all(t.startswith("model.pt.") for t in r["temps"])
    assert ckpt.remove_stale_temps(base / "atomic", older_than_s=0) == len(r["temps"])


def test_the_sigkill_test_catches_a_saver_that_writes_in_place(hammered):
    _, report = hammered
    assert report["in-place"]["bad"], "killing an in-place writer mid-save should have damaged model.pt"


# ---- a full disk ------------------------------------------------------------------------------------

def _disk_full_after(n_bytes: int):
    real_save = torch.save

    def save(obj, f, *a, **k):
        import io

        buf = io.BytesIO()
        real_save(obj, buf, *a, **k)
        f.write(buf.getvalue()[:n_bytes])
        raise OSError(errno.ENOSPC, "No space left on device")

    return save


def test_full_disk_while_saving_is_reported_and_the_previous_checkpoint_survives(tmp_path, small_words,
                                                                                   monkeypatch):
    work = tmp_path / "w"
    run = Run(tiny_config(max_steps=100).validate(), load_dataset(small_words, 3), work, save_every_s=0)
    run.trainer.run()
    assert run.save_checkpoint() == f"saved step 100 to {work / ckpt.CHECKPOINT}"
    before = (work / ckpt.CHECKPOINT).read_bytes()
    failed = []
    run.trainer.listeners.append(lambda e: failed.append(e) if isinstance(e, ev.CheckpointFailed) else None)
    run.trainer.cfg = run.cfg = run.cfg.updated(max_steps=150)
    run.trainer.run()
    monkeypatch.setattr(ckpt.torch, "save", _disk_full_after(5000))
    msg = run.save_checkpoint()
    assert msg == "checkpoint not saved (no space left on the device); the previous one is kept"
    assert failed and failed[-1].error == msg and failed[-1].step == 150
    assert (work / ckpt.CHECKPOINT).read_bytes() == before
    assert ckpt.load(work)["state"]["step"] == 100
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]


def test_full_disk_at_the_end_of_a_headless_run_exits_3(tmp_path, small_words, monkeypatch, capsys):
    work = tmp_path / "w"
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(work), "--max-steps", "50",
                     "--threads", "1"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(ckpt.torch, "save", _disk_full_after(100))
    rc = cli.main(["--headless", "-i", str(small_words), "-o", str(work), "--resume", "--max-steps", "80",
                   "--threads", "1"])
    assert rc == EXIT_SAVE_FAILED
    err = capsys.readouterr().err
    assert "makemore-tui: error: checkpoint not saved (no space left on the device)" in err
    assert ckpt.load(work)["state"]["step"] == 50


def test_full_disk_for_metrics_does_not_stop_training(tmp_path, small_words, capsys):
    run = Run(tiny_config(max_steps=400, log_every=10).validate(), load_dataset(small_words, 3), tmp_path / "w",
              save_every_s=0)

    class Full:
        closed = False

        def fileno(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def write(self, s):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    run.recorder._file = Full()
    rc = run_headless(run, out=open(os.devnull, "w"), err=__import__("sys").stderr)
    assert rc == 0 and run.trainer.step == 400
    assert ckpt.load(tmp_path / "w")["state"]["step"] == 400
    assert run.recorder.errors == ["could not write metrics.jsonl (no space left on the device)"]
    assert capsys.readouterr().err.count("warning: could not write metrics.jsonl") == 1
