import json

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import events as ev
from makemore_tui.data import Vocab, make_dataset
from makemore_tui.recorder import METRICS, SUMMARY
from makemore_tui.run import Run, load_for_sampling
from makemore_tui.trainer import Trainer

from helpers import make_words, tiny_config


def trained_run(tmp_path, **cfg_changes) -> Run:
    data = make_dataset(make_words(), 3)
    run = Run(tiny_config(**cfg_changes), data, tmp_path / "run", save_every_s=0)
    run.trainer.run()
    run.close()
    return run


@pytest.mark.parametrize("opt", ["sgd", "adamw"])
def test_round_trip(tmp_path, opt):
    run = trained_run(tmp_path, optimizer=opt, learning_rate=0.05, max_steps=120)
    msg = run.save_checkpoint()
    assert msg.startswith("saved step 120")
    payload = ckpt.load(tmp_path / "run")  # a directory finds its model.pt
    assert payload["format"] == ckpt.FORMAT
    assert payload["config"] == run.cfg
    assert payload["vocab"] == run.data.vocab
    st = payload["state"]
    assert st["step"] == 120
    for k, v in run.trainer.model.state_dict().items():
        assert torch.equal(st["model"][k], v)
    # a fresh trainer that loads it has the same weights, step and optimiser moments
    t = Trainer(payload["config"], run.data)
    t.load_state_dict(st)
    assert t.step == 120
    for p, q in zip(t.model.parameters(), run.trainer.model.parameters()):
        assert torch.equal(p, q)
    if opt == "adamw":
        assert t.optimizer.t == 120
        for a, b in zip(t.optimizer.exp_avg_sq, run.trainer.optimizer.exp_avg_sq):
            assert torch.equal(a, b)


def test_load_for_sampling(tmp_path):
    run = trained_run(tmp_path)
    run.save_checkpoint()
    model, vocab, cfg = load_for_sampling(tmp_path / "run")
    assert vocab == run.data.vocab and cfg == run.cfg and not model.training
    X = run.data.splits["dev"][0][:10]
    assert torch.equal(model(X), run.trainer.model(X))


def test_other_vocabulary_is_refused_with_which(tmp_path):
    run = trained_run(tmp_path)
    run.save_checkpoint()
    payload = ckpt.load(tmp_path / "run")
    other = Vocab(tuple(".abc"))
    with pytest.raises(ckpt.CheckpointError, match="another vocabulary"):
        ckpt.check_compatible(payload, run.trainer.model, other)


def test_other_shape_is_refused_with_which(tmp_path):
    run = trained_run(tmp_path)
    run.save_checkpoint()
    payload = ckpt.load(tmp_path / "run")
    bigger = Trainer(tiny_config(n_hidden=17), run.data).model
    with pytest.raises(ckpt.CheckpointError, match=r"W1 of shape \(12, 16\), but the model needs \(12, 17\)"):
        ckpt.check_compatible(payload, bigger, run.data.vocab)
    # a checkpoint whose settings say one size and whose weights another is refused too
    path = tmp_path / "run" / ckpt.CHECKPOINT
    raw = torch.load(path, weights_only=True)
    raw["config"]["n_hidden"] = 17
    torch.save(raw, path)
    with pytest.raises(ckpt.CheckpointError, match="shape"):
        load_for_sampling(tmp_path / "run")


def test_missing_and_not_ours(tmp_path):
    with pytest.raises(ckpt.CheckpointError, match="no checkpoint"):
        ckpt.load(tmp_path)
    p = tmp_path / "x.pt"
    torch.save({"hello": torch.zeros(2)}, p)
    with pytest.raises(ckpt.CheckpointError, match="not a makemore-tui checkpoint"):
        ckpt.load(p)
    torch.save([1, 2, 3], p)
    with pytest.raises(ckpt.CheckpointError, match="not a makemore-tui checkpoint"):
        ckpt.load(p)


def test_corrupt_and_truncated_are_refused(tmp_path):
    run = trained_run(tmp_path)
    run.save_checkpoint()
    path = tmp_path / "run" / ckpt.CHECKPOINT
    good = path.read_bytes()
    for cut in (0, 10, 100, len(good) // 2, len(good) - 30):
        path.write_bytes(good[:cut])
        with pytest.raises(ckpt.CheckpointError, match="corrupt or truncated"):
            ckpt.load(path)
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ckpt.CheckpointError, match="corrupt"):
        ckpt.load(path)


def test_atomic_write_leaves_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "f.bin"
    ckpt.atomic_write_bytes(target, lambda f: f.write(b"old"))

    def bad(f):
        f.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        ckpt.atomic_write_bytes(target, bad)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]  # the temporary file is gone


def test_stale_temporary_files_are_removed(tmp_path):
    import os

    (tmp_path / "model.pt.abc123.tmp").write_bytes(b"partial")
    (tmp_path / "mine.tmp").write_bytes(b"not ours")
    fresh = tmp_path / "status.json.x1.tmp"
    fresh.write_bytes(b"a save in progress")
    os.utime(tmp_path / "model.pt.abc123.tmp", (1, 1))
    assert ckpt.remove_stale_temps(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.tmp", "status.json.x1.tmp"]


def test_run_files_metrics_and_summary(tmp_path):
    run = trained_run(tmp_path, max_steps=250, log_every=25, eval_every=100)
    lines = [json.loads(x) for x in (tmp_path / "run" / METRICS).read_text().splitlines()]
    assert [x["step"] for x in lines] == list(range(25, 251, 25))
    for x in lines:
        assert {"step", "train_loss", "lr", "elapsed_s"} <= set(x)
        assert isinstance(x["train_loss"], float) and x["lr"] == 0.1 and x["elapsed_s"] >= 0
        assert ("val_loss" in x) == (x["step"] in (100, 200))  # evaluated there (250 is the end: summary)
    summary = json.loads((tmp_path / "run" / SUMMARY).read_text())
    assert {"steps", "params", "train_loss", "val_loss", "test_loss", "seconds", "steps_per_s"} <= set(summary)
    assert summary["steps"] == 250
    assert summary["params"] == sum(p.numel() for p in run.trainer.model.parameters())
    for k in ("train_loss", "val_loss", "test_loss"):
        assert 0 < summary[k] < 10
    assert summary["stopped_early"] is False and summary["diverged"] is None


def test_save_events(tmp_path):
    run = trained_run(tmp_path)
    seen = []
    run.trainer.listeners.append(seen.append)
    run.save_checkpoint()
    assert isinstance(seen[-1], ev.CheckpointSaved) and seen[-1].step == run.trainer.step


def _flip_a_byte_inside_a_tensor(path) -> None:
    """Flip one byte in the middle of the largest tensor's stored bytes (the zip stores them plain)."""
    import struct
    import zipfile

    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = max((i for i in z.infolist() if "/data/" in i.filename and not i.filename.endswith(".pkl")),
                   key=lambda i: i.file_size)
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    raw[start + info.file_size // 2] ^= 0x10
    path.write_bytes(bytes(raw))


def test_a_flipped_byte_inside_a_tensor_is_refused(tmp_path):
    run = trained_run(tmp_path)
    run.save_checkpoint()
    path = tmp_path / "run" / ckpt.CHECKPOINT
    assert ckpt.load(path)["state"]["step"] == run.trainer.step  # the good file loads
    _flip_a_byte_inside_a_tensor(path)
    with pytest.raises(ckpt.CheckpointError, match="checksum"):
        ckpt.load(path)


def test_the_checksum_covers_names_shapes_and_bytes():
    a = {"model": {"W": torch.ones(2, 3)}, "step": 1}
    base = ckpt.tensor_checksum(a)
    assert ckpt.tensor_checksum({"model": {"W": torch.ones(2, 3)}, "step": 1}) == base
    assert ckpt.tensor_checksum({"model": {"V": torch.ones(2, 3)}, "step": 1}) != base
    assert ckpt.tensor_checksum({"model": {"W": torch.ones(3, 2)}, "step": 1}) != base
    assert ckpt.tensor_checksum({"model": {"W": torch.ones(2, 3, dtype=torch.float64)}, "step": 1}) != base
    b = torch.ones(2, 3)
    b[1, 2] = 1.0000001
    assert ckpt.tensor_checksum({"model": {"W": b}, "step": 1}) != base


def test_a_checkpoint_without_a_checksum_still_loads(tmp_path):
    """Checkpoints written before the checksum existed."""
    run = trained_run(tmp_path)
    run.save_checkpoint()
    path = tmp_path / "run" / ckpt.CHECKPOINT
    payload = torch.load(path, weights_only=True)
    del payload["checksum"]
    torch.save(payload, path)
    assert ckpt.load(path)["state"]["step"] == run.trainer.step


@pytest.mark.parametrize("command", [["--sample-only"], ["--resume", "--headless", "--max-steps", "500"],
                                     ["--inspect", "embedding"], ["--inspect", "confusion"]])
def test_every_command_that_loads_a_checkpoint_refuses_a_flipped_byte(tmp_path, command):
    import subprocess

    from helpers import PYTHON, subprocess_env

    words = tmp_path / "words.txt"
    words.write_text("\n".join(make_words()) + "\n", encoding="utf-8")
    run = Run(tiny_config(), make_dataset(make_words(), 3), tmp_path / "run", save_every_s=0)
    run.trainer.run()
    run.save_checkpoint()
    run.close()
    _flip_a_byte_inside_a_tensor(tmp_path / "run" / ckpt.CHECKPOINT)
    p = subprocess.run([PYTHON, "-m", "makemore_tui", *command, "-o", str(tmp_path / "run"), "-i", str(words)],
                       capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and "checksum" in p.stderr, p.stderr


def test_arrays_larger_than_the_settings_imply_are_refused_before_they_are_read(tmp_path, monkeypatch):
    run = trained_run(tmp_path)
    run.save_checkpoint()
    path = tmp_path / "run" / ckpt.CHECKPOINT
    payload = torch.load(path, weights_only=True)
    payload["state"]["junk"] = torch.zeros(5 << 20)  # 20 MiB beside a model of a few thousand parameters
    payload["checksum"] = ckpt.tensor_checksum(payload["state"])
    torch.save(payload, path)
    touched = []
    monkeypatch.setattr(ckpt, "tensor_checksum", lambda obj: touched.append(1) or "")
    with pytest.raises(ckpt.CheckpointError, match="more than its settings"):
        ckpt.load(path)
    assert touched == []  # refused before any array's bytes were read (the checksum reads them all)


def test_every_loader_checks_the_machines_memory(tmp_path, monkeypatch):
    from makemore_tui import run as run_mod
    from makemore_tui.config import ConfigError

    run = trained_run(tmp_path)
    run.save_checkpoint()
    monkeypatch.setattr(run_mod, "machine_memory", lambda: 1 << 10)  # a machine of 1 KiB
    with pytest.raises(ConfigError, match="need about"):
        load_for_sampling(tmp_path / "run")
