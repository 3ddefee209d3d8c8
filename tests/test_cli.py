import json
import re
import subprocess

import pytest

from makemore_tui import cli
from makemore_tui.checkpoint import CHECKPOINT

from helpers import PYTHON, make_words, subprocess_env


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory):
    """A work directory trained through the command line itself."""
    base = tmp_path_factory.mktemp("cli")
    words = base / "words.txt"
    words.write_text("\n".join(make_words()) + "\n")
    work = base / "run"
    rc = cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "1500", "--threads", "1",
                   "--n-hidden", "32", "--init", "kaiming", "--log-every", "50", "--eval-every", "500"])
    assert rc == 0
    return work, make_words()


def test_headless_writes_its_files(trained_dir, capsys):
    work, _ = trained_dir
    for name in (CHECKPOINT, "metrics.jsonl", "summary.json", "config.json"):
        assert (work / name).is_file(), name
    lines = (work / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 1500 // 50
    assert json.loads((work / "summary.json").read_text())["steps"] == 1500
    assert json.loads((work / "config.json").read_text())["n_hidden"] == 32


def test_sample_only_prints_bare_names(trained_dir, capsys):
    work, words = trained_dir
    alphabet = set("".join(words))
    assert cli.main(["--sample-only", "-o", str(work), "--num-samples", "12", "--seed", "5"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n")
    names = out.split("\n")[:-1]
    assert len(names) == 12
    for n in names:
        assert n and set(n) <= alphabet, n  # a name, no decoration, no '.', no spaces
    # the same seed, the same names
    cli.main(["--sample-only", "-o", str(work), "--num-samples", "12", "--seed", "5"])
    assert capsys.readouterr().out == out


def test_sample_only_prefix_temperature_top_k(trained_dir, capsys):
    work, _ = trained_dir
    assert cli.main(["--sample-only", "-o", str(work), "--num-samples", "8", "--prefix", "ma", "--temperature",
                     "0.7", "--top-k", "5", "--seed", "1"]) == 0
    names = capsys.readouterr().out.splitlines()
    assert len(names) == 8 and all(n.startswith("ma") for n in names)


def test_sample_only_in_a_real_process_prints_nothing_else(trained_dir):
    work, words = trained_dir
    p = subprocess.run([PYTHON, "-m", "makemore_tui", "--sample-only", "-o", str(work), "--num-samples", "6"],
                       capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = p.stdout.split("\n")
    assert lines[-1] == "" and len(lines) == 7
    # a barely trained model may end a name at once: an empty line is still a name (the model's choice)
    assert all(re.fullmatch(r"[a-z]*", n) for n in lines[:-1]), lines


@pytest.mark.parametrize("argv,words", [
    (["--sample-only", "-o", "{missing}"], "no checkpoint"),
    (["--sample-only", "-o", "{work}", "--num-samples", "0"], "num_samples"),
    (["--sample-only", "-o", "{work}", "--temperature", "0"], "temperature"),
    (["--sample-only", "-o", "{work}", "--top-k", "0"], "top_k"),
    (["--sample-only", "-o", "{work}", "--prefix", "a.b"], "prefix"),
    (["--sample-only", "-o", "{work}", "--prefix", "é"], "does not know"),
    (["--no-such-flag"], "unrecognized arguments"),
    (["--type", "lstm"], "invalid choice"),
])
def test_errors_are_one_line_and_status_2(trained_dir, tmp_path, capsys, argv, words):
    work, _ = trained_dir
    argv = [a.format(work=work, missing=tmp_path / "nothing") for a in argv]
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("makemore-tui: error: ") and words in err, err


@pytest.mark.parametrize("command", [["--headless", "--max-steps", "5", "-o"], ["--sample-only", "-o"],
                                     ["--inspect", "health", "-o"], ["--attach"]])
def test_a_path_the_system_refuses_is_one_line_and_exit_2(tmp_path, command):
    """A work directory whose name is too long for the file system: no traceback."""
    p = subprocess.run([PYTHON, "-m", "makemore_tui", *command, str(tmp_path / ("n" * 300))],
                       capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("makemore-tui: error: "), p.stderr


def test_integer_flags_are_kept_exactly():
    args = cli.build_parser().parse_args(["--seed", "12345678901234567", "--max-steps", "1e5", "-b", "3.0"])
    assert args.seed == 12345678901234567 and args.max_steps == 100_000 and args.batch_size == 3
    assert cli.config_from_args(args).seed == 12345678901234567
    with pytest.raises(cli.UsageError, match="not a whole number"):
        cli.build_parser().parse_args(["--seed", "1.5"])


@pytest.mark.parametrize("kind", ["mlp-bn", "wavenet"])
def test_batchnorm_models_refuse_a_batch_of_one_up_front(tmp_path, capsys, kind):
    assert cli.main(["--headless", "--type", kind, "-b", "1", "-o", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "BatchNorm" in err and "--batch-size 2" in err
    assert not (tmp_path / "w" / CHECKPOINT).exists()
