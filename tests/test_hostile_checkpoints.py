"""Hostile or damaged checkpoints are refused in one line, and run nothing."""

from __future__ import annotations

import os
import pickle
import subprocess
import zipfile
from pathlib import Path

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli

from helpers import PYTHON, one_error_line, stopped_at, subprocess_env, tiny_config, write_file


class Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _good_checkpoint(tmp_path, small_words) -> Path:
    work = tmp_path / "w"
    stopped_at(tiny_config(max_steps=20).validate(), small_words, work, 20)
    return work


def _hostile_variants(work: Path, marker: Path) -> dict[str, bytes]:
    import io

    path = work / ckpt.CHECKPOINT
    good = torch.load(path, weights_only=True)
    out = {}
    buf = io.BytesIO()
    torch.save({**good, "state": {**good["state"], "extra": Exploit(marker)}}, buf)  # inside a real checkpoint
    out["torch.save"] = buf.getvalue()
    buf = io.BytesIO()
    torch.save(Exploit(marker), buf)
    out["torch.save alone"] = buf.getvalue()
    for proto in (2, 4):
        out[f"raw pickle {proto}"] = pickle.dumps({"format": ckpt.FORMAT, "x": Exploit(marker)}, protocol=proto)
    # the zip's data.pkl swapped for a hostile one
    zbuf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(zbuf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("data.pkl"):
                data = pickle.dumps(Exploit(marker), protocol=2)
            zout.writestr(item, data)
    out["zip with a hostile data.pkl"] = zbuf.getvalue()
    return out


def test_a_checkpoint_that_would_run_code_is_refused_and_runs_nothing(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    marker = tmp_path / "PWNED"
    # the exploit is real: unpickled without protection, it runs
    pickle.loads(pickle.dumps(Exploit(marker)))
    assert marker.exists()
    marker.unlink()
    for what, blob in _hostile_variants(work, marker).items():
        (work / ckpt.CHECKPOINT).write_bytes(blob)
        with pytest.raises(ckpt.CheckpointError, match="refused|corrupt") as e:
            ckpt.load(work)
        assert "nothing from it was run" in str(e.value) or "corrupt" in str(e.value), what
        for argv in (["--sample-only", "-o", str(work)],
                     ["--headless", "-i", str(small_words), "-o", str(work), "--resume", "--max-steps", "30"]):
            assert cli.main(argv) == 2, (what, argv)
            one_error_line(capsys, str(work / ckpt.CHECKPOINT))
        assert not marker.exists(), what


def test_hostile_checkpoint_names_the_import(tmp_path, small_words):
    work = _good_checkpoint(tmp_path, small_words)
    (work / ckpt.CHECKPOINT).write_bytes(_hostile_variants(work, tmp_path / "m")["torch.save"])
    with pytest.raises(ckpt.CheckpointError, match=r"asks to import (posix|os|nt)\.system"):
        ckpt.load(work)
    assert not (tmp_path / "m").exists()


def test_damaged_training_state_is_refused_with_a_message(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    path = work / ckpt.CHECKPOINT
    raw = torch.load(path, weights_only=True)
    raw["state"]["batch_gen"] = torch.zeros(3, dtype=torch.uint8)
    raw["checksum"] = ckpt.tensor_checksum(raw["state"])  # damaged by its writer, not on disk
    torch.save(raw, path)
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(work), "--resume", "--max-steps", "30"]) == 2
    one_error_line(capsys, "damaged training state")


def test_resume_with_data_of_another_vocabulary_says_so(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    other = write_file(tmp_path, "other.txt", "\n".join(["Émile", "zoë"] * 10))
    assert cli.main(["--headless", "-i", str(other), "-o", str(work), "--resume", "--max-steps", "30"]) == 2
    one_error_line(capsys, "another vocabulary", "'Éë'")


def test_truncated_checkpoint_via_the_command_line(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    path = work / ckpt.CHECKPOINT
    path.write_bytes(path.read_bytes()[:777])
    assert cli.main(["--sample-only", "-o", str(work)]) == 2
    one_error_line(capsys, "corrupt or truncated")


def test_hostile_file_in_a_real_process_gives_one_line(tmp_path, small_words):
    """No warnings or tracebacks from torch or Python reach stderr in a real process either."""
    work = _good_checkpoint(tmp_path, small_words)
    marker = tmp_path / "PWNED"
    (work / ckpt.CHECKPOINT).write_bytes(_hostile_variants(work, marker)["raw pickle 4"])
    p = subprocess.run([PYTHON, "-m", "makemore_tui", "--sample-only", "-o", str(work)], capture_output=True,
                       text=True, env=subprocess_env(), timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("makemore-tui: error: "), p.stderr
    assert not marker.exists()
