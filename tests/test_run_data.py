"""A run knows its data: its checkpoint and config.json record the input (path, size, items, a
SHA-256 of the token stream), and --resume on other data is refused in one line that says how to
start a new run from these weights on the new data (--init-from DIR). Old checkpoints without the
record still resume."""

from __future__ import annotations

import json

import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui.data import load_dataset
from makemore_tui.run import open_run

from helpers import make_words, one_error_line, stopped_at, tiny_config, write_file


def _run(tmp_path, words_file):
    work = tmp_path / "run"
    stopped_at(tiny_config(max_steps=60).validate(), words_file, work, 20)
    return work


def test_the_checkpoint_and_config_json_record_the_data(tmp_path, words_file):
    work = _run(tmp_path, words_file)
    record = ckpt.load(work / ckpt.CHECKPOINT)["data"]
    assert record == json.loads((work / "config.json").read_text())["data"]
    assert record["path"] == str(words_file.resolve()) and record["bytes"] == words_file.stat().st_size
    assert record["items"] == 300 and len(record["sha256"]) == 64
    assert record["sha256"] == load_dataset(words_file, 3).record["sha256"]  # the same data: the same hash
    other = write_file(tmp_path, "other.txt", "\n".join(make_words(300, seed=5)) + "\n")
    assert load_dataset(other, 3).record["sha256"] != record["sha256"]


def test_resume_on_other_data_is_refused_in_one_line_that_says_how_to_start_from_these_weights(
        tmp_path, words_file, capsys):
    work = _run(tmp_path, words_file)
    before = (work / ckpt.CHECKPOINT).read_bytes()
    capsys.readouterr()
    # without -i: the bundled names, not the file the run was trained on (same 27 symbols)
    assert cli.main(["--headless", "--resume", "-o", str(work)]) == 2
    err = one_error_line(capsys, "--init-from", f"-i {words_file.resolve()}", "the bundled names")
    assert "300 items" in err
    other = write_file(tmp_path, "other.txt", "\n".join(make_words(300, seed=5)) + "\n")
    assert cli.main(["--headless", "--resume", "-i", str(other), "-o", str(work)]) == 2
    one_error_line(capsys, f"--init-from {work} -i {other}", "-o NEW_DIR")
    assert (work / ckpt.CHECKPOINT).read_bytes() == before  # nothing was touched
    assert cli.main(["--headless", "--resume", "-i", str(words_file), "-o", str(work)]) == 0  # its own data
    assert ckpt.load(work / ckpt.CHECKPOINT)["state"]["step"] == 60


def test_an_old_checkpoint_without_the_record_still_resumes(tmp_path, words_file, capsys):
    work = _run(tmp_path, words_file)
    payload = torch.load(work / ckpt.CHECKPOINT, weights_only=True)
    del payload["data"]
    torch.save(payload, work / ckpt.CHECKPOINT)
    cfg = json.loads((work / "config.json").read_text())
    del cfg["data"]
    (work / "config.json").write_text(json.dumps(cfg))
    assert ckpt.load(work / ckpt.CHECKPOINT)["data"] is None
    assert cli.main(["--headless", "--resume", "-i", str(words_file), "-o", str(work)]) == 0
    assert "error" not in capsys.readouterr().err
    assert ckpt.load(work / ckpt.CHECKPOINT)["state"]["step"] == 60


def test_init_from_starts_a_new_run_from_the_weights_on_new_data(tmp_path, words_file, capsys):
    work = _run(tmp_path, words_file)
    saved = ckpt.load(work / ckpt.CHECKPOINT)
    other = write_file(tmp_path, "other.txt", "\n".join(make_words(300, seed=5)) + "\n")
    run = open_run(tiny_config(max_steps=60).validate(), str(other), tmp_path / "new", init_from=work)
    try:
        assert run.trainer.step == 0
        for k, v in run.trainer.model.state_dict().items():
            assert torch.equal(v, saved["state"]["model"][k]), k
        assert run.data.record["path"] == str(other.resolve())
    finally:
        run.close()
    assert cli.main(["--headless", "--init-from", str(work), "-i", str(other), "-o", str(tmp_path / "new2"),
                     "--max-steps", "30"]) == 0
    new = ckpt.load(tmp_path / "new2" / ckpt.CHECKPOINT)
    assert new["state"]["step"] == 30 and new["data"]["path"] == str(other.resolve())
    assert new["config"].n_embd == saved["config"].n_embd and new["config"].max_steps == 30
    capsys.readouterr()
    assert cli.main(["--headless", "--init-from", str(work), "--resume", "-o", str(work)]) == 2
    one_error_line(capsys, "--init-from", "--resume")
