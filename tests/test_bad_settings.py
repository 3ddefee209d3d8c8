"""Bad settings get one line on stderr and status 2, before anything is written or allocated."""

from __future__ import annotations

import errno
import json
import os
import time

import pytest
import torch

from makemore_tui import cli
from makemore_tui.recorder import SUMMARY
from makemore_tui.run import check_resources, estimate_params

from helpers import FORTY_WORDS, one_error_line, write_file

HAVE_CUDA = torch.cuda.is_available()

NUMERIC_FLAGS = ["--block-size", "--n-embd", "--n-embd2", "--n-layer", "--n-head", "--batch-size", "--max-steps",
                 "--seed", "--eval-every", "--log-every", "--warmup-steps", "--threads", "--learning-rate",
                 "--weight-decay", "--min-lr", "--num-samples", "--temperature", "--top-k", "--save-every"]
ZERO_OK = {"--seed", "--eval-every", "--warmup-steps", "--weight-decay", "--min-lr", "--save-every"}


@pytest.mark.parametrize("flag,value", [
    (f, v) for v in ["0", "-1", "nan", "inf", "-inf", "1e300", "abc", "", "1.5x"] for f in NUMERIC_FLAGS
    if not (v == "0" and f in ZERO_OK)  # zero means something there (e.g. --eval-every 0: only at the end)
])
def test_bad_numeric_settings(tmp_path, capsys, flag, value):
    argv = ["--headless", "-o", str(tmp_path / "o"), "--max-steps", "1", f"{flag}={value}"]
    rc = cli.main(argv)
    assert rc == 2
    one_error_line(capsys)
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_fractional_whole_numbers_are_refused(tmp_path, capsys):
    assert cli.main(["--headless", "-o", str(tmp_path / "o"), "--batch-size", "32.5"]) == 2
    one_error_line(capsys, "not a whole number")


def test_unknown_preset(tmp_path, capsys):
    assert cli.main(["--headless", "-o", str(tmp_path / "o"), "--preset", "huge"]) == 2
    one_error_line(capsys, "unknown preset", "lecture")


@pytest.mark.skipif(HAVE_CUDA, reason="this machine has CUDA")
def test_absent_device(tmp_path, capsys):
    assert cli.main(["--headless", "-o", str(tmp_path / "o"), "--device", "cuda", "--max-steps", "1"]) == 2
    one_error_line(capsys, "cuda", "not available")


def test_work_dir_that_is_a_file(tmp_path, capsys):
    f = write_file(tmp_path, "afile", "x")
    assert cli.main(["--headless", "-o", str(f), "--max-steps", "1"]) == 2
    one_error_line(capsys, "is a file")
    assert cli.main(["--headless", "-o", str(f / "sub"), "--max-steps", "1"]) == 2
    one_error_line(capsys, "cannot be created")


def test_work_dir_not_writable(tmp_path, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make the probe see what a read-only disk says
        import tempfile

        def refuse(*a, **k):
            raise OSError(errno.EROFS, "Read-only file system")

        monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    else:
        ro.chmod(0o500)
    assert cli.main(["--headless", "-o", str(ro), "--max-steps", "1"]) == 2
    one_error_line(capsys, "not writable")


def test_absurd_sizes_are_refused_before_allocating(tmp_path, capsys):
    words = write_file(tmp_path, "in.txt", FORTY_WORDS)
    t0 = time.perf_counter()
    rc = cli.main(["--headless", "-i", str(words), "-o", str(tmp_path / "o"), "--n-embd", "4096",
                   "--n-hidden", "65536", "--block-size", "256"])
    assert rc == 2 and time.perf_counter() - t0 < 10
    one_error_line(capsys, "GiB", "parameters", "smaller")


def test_memory_estimate_counts_every_model_type():
    from makemore_tui.config import PRESETS, preset
    from makemore_tui.models import build_model, count_params

    for name in PRESETS:
        for V in (27, 60):
            cfg = preset(name)
            assert estimate_params(cfg, V) == count_params(build_model(cfg, V)), name
    check_resources(preset("best"), 27)  # a real recipe passes
    with pytest.raises(Exception, match="GiB"):
        check_resources(preset("seed", batch_size=10**6, n_hidden=60000), 27, memory=8 << 30)


def test_resume_ignores_other_settings_with_a_note(tmp_path, capsys):
    words = write_file(tmp_path, "in.txt", FORTY_WORDS)
    base = ["--headless", "-i", str(words), "-o", str(tmp_path / "o"), "--threads", "1"]
    assert cli.main(base + ["--max-steps", "20"]) == 0
    capsys.readouterr()
    assert cli.main(base + ["--resume", "--n-hidden", "7", "--max-steps", "30"]) == 0
    err = capsys.readouterr().err
    assert "ignored: n_hidden=7" in err
    assert json.loads((tmp_path / "o" / SUMMARY).read_text())["steps"] == 30
    assert cli.main(base + ["--resume", "--max-steps", "10"]) == 2
    one_error_line(capsys, "at step 30")
