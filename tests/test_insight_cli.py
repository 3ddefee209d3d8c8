"""The insight views' command-line forms (`--inspect VIEW`, insight/cli.py)."""

from __future__ import annotations

import json

import pytest

from makemore_tui.cli import main
from makemore_tui.data import make_dataset
from makemore_tui.insight.confusion import confusion
from makemore_tui.insight.health import fixed_batch, health
from makemore_tui.insight.nextchar import next_char

from helpers import WORDS


def test_inspect_views_print_their_numbers(runs, capsys):
    f, a, _ = runs
    from makemore_tui.run import load_for_sampling

    model, vocab, cfg = load_for_sampling(a)
    capsys.readouterr()
    assert main(["--inspect", "next-char", "-o", str(a), "--context", "emm"]) == 0
    out = capsys.readouterr().out
    nc = next_char(model, vocab, "emm", block_size=cfg.block_size)
    assert "'emm'" in out and f"most likely: {nc.top[0][0]} {100 * nc.top[0][1]:.1f}%" in out
    assert main(["--inspect", "confusion", "-o", str(a), "-i", str(f)]) == 0
    out = capsys.readouterr().out
    data = make_dataset(WORDS, cfg.block_size, vocab=vocab)
    c = confusion(model, *data.splits["dev"], vocab)
    assert f"{c.correct:,} of {c.n:,} right" in out
    assert main(["--inspect", "embedding", "-o", str(a)]) == 0
    assert "vowel spread" in capsys.readouterr().out
    assert main(["--inspect", "health", "-o", str(a), "-i", str(f)]) == 0
    out = capsys.readouterr().out
    X, Y = fixed_batch(*data.splits["train"], cfg.batch_size, seed=cfg.seed)
    layer = health(model, X, Y).layer
    assert f"saturated {100 * layer.saturated:.1f}% |h|>0.97" in out and f"dead {layer.dead_units}/" in out
    assert "update:data ratio" in out


def test_inspect_lr_find_writes_the_curve_and_prints_the_suggestion(runs, capsys):
    f, a, _ = runs
    capsys.readouterr()
    assert main(["--inspect", "lr-find", "-o", str(a), "-i", str(f)]) == 0
    out = capsys.readouterr().out
    saved = json.loads((a / "lr_find.json").read_text())
    assert len(saved["lrs"]) == 1000 and saved["lrs"][0] == pytest.approx(1e-3) and saved["lrs"][-1] == pytest.approx(1)
    assert f"suggested learning rate: {saved['suggested_lr']:.3g}" in out
    assert saved["suggested_lr"] <= saved["min_lr"]


def test_inspect_compare_lists_every_run(runs, capsys):
    _, a, b = runs
    capsys.readouterr()
    assert main(["--inspect", "compare", "-o", str(a), "--compare", str(b)]) == 0
    out = capsys.readouterr().out
    assert "learning_rate" in out and "0.05" in out and "dev loss" in out


def test_inspect_without_a_checkpoint_or_with_a_bad_view_fails_cleanly(tmp_path, capsys):
    assert main(["--inspect", "next-char", "-o", str(tmp_path / "none")]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert main(["--inspect", "nonsense", "-o", str(tmp_path)]) == 2
    assert "unknown view" in capsys.readouterr().err
