"""--split makemore: makemore.py's split (a random 10%, at most 1,000 words, held out as its test set,
seeded as makemore.py seeds it; the rest training), dev = test; summary.json says which split."""

from __future__ import annotations

import json
import subprocess

import pytest
import torch

from makemore_tui.config import Config, ConfigError
from makemore_tui.data import DataError, make_dataset
from makemore_tui.run import Run, open_run

from helpers import PYTHON, make_words, subprocess_env, tiny_config


def makemore_split(words: list[str]) -> tuple[list[str], list[str]]:
    """makemore.py's create_datasets after its torch.manual_seed(3407) (its default --seed)."""
    torch.manual_seed(3407)
    test_set_size = min(1000, int(len(words) * 0.1))
    rp = torch.randperm(len(words)).tolist()
    return [words[i] for i in rp[:-test_set_size]], [words[i] for i in rp[-test_set_size:]]


@pytest.mark.parametrize("n", [10, 2_345, 12_000])
def test_the_makemore_split_holds_out_makemores_words(n):
    words = make_words(n, seed=n)
    state = torch.get_rng_state()
    data = make_dataset(words, 3, split="makemore")
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is left as it was
    want_train, want_test = makemore_split(words)
    got = data.split_words
    assert len(got["train"]) == n - min(1000, n // 10)
    assert got["train"] == want_train
    assert got["dev"] == got["test"] == want_test
    assert data.splits["dev"] is data.splits["test"]
    assert data.split == "makemore"
    assert data.words == words  # the file's order, read back


def test_the_lecture_split_stays_the_default():
    words = make_words(500)
    a, b = make_dataset(words, 3), make_dataset(words, 3, split="lecture")
    assert a.split == "lecture" and a.split_words == b.split_words
    assert len(a.split_words["train"]) == 400 and a.split_words["dev"] != a.split_words["test"]
    assert Config().split == "lecture" and Config.from_dict({"block_size": 3}).split == "lecture"
    with pytest.raises(ConfigError, match="split"):
        tiny_config(split="random").validate()


def test_the_makemore_split_needs_ten_words():
    with pytest.raises(DataError, match="at least 10"):
        make_dataset(make_words(9), 3, split="makemore")


def test_a_run_refuses_data_split_otherwise(tmp_path):
    data = make_dataset(make_words(100), 3, split="makemore")
    with pytest.raises(ConfigError, match="split"):
        Run(tiny_config().validate(), data, tmp_path / "w")


@pytest.mark.parametrize("split", ["lecture", "makemore"])
def test_summary_says_which_split(tmp_path, words_file, split):
    cfg = tiny_config(max_steps=20, split=split).validate()
    run = open_run(cfg, str(words_file), tmp_path / "w", save_every_s=0)
    assert run.data.split == split
    run.trainer.run()
    run.close()
    summary = json.loads((tmp_path / "w" / "summary.json").read_text())
    assert summary["split"] == split
    assert (summary["val_loss"] == summary["test_loss"]) == (split == "makemore")


def test_headless_says_the_dev_loss_is_makemores_test_loss(tmp_path, words_file):
    out = subprocess.run([PYTHON, "-m", "makemore_tui", "--headless", "-o", str(tmp_path / "w"), "-i", str(words_file),
                          "--split", "makemore", "--max-steps", "20"],
                         capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert out.returncode == 0, out.stderr
    assert "(makemore.py's split: dev = test)" in out.stdout + out.stderr
    assert json.loads((tmp_path / "w" / "summary.json").read_text())["split"] == "makemore"
