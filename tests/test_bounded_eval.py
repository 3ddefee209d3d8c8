"""Evaluation that costs the same on any size (issue 16): losses over each split's fixed sample (its
first words holding EVAL_EXAMPLES examples), within the stated +-0.002 of the whole split's on names;
`--eval-exact` for whole splits; summary.json says which; the insight views read the same samples."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F

from makemore_tui import cli
from makemore_tui import splits as splits_mod
from makemore_tui.config import EVAL_EXAMPLES, Config, ConfigError, preset
from makemore_tui.data import load_dataset, make_dataset, read_words
from makemore_tui.evaluation import evaluate, split_loss
from makemore_tui.insight import confusion as confusion_mod
from makemore_tui.insight import health as health_mod
from makemore_tui.insight.views import Subject
from makemore_tui.models import build_model
from makemore_tui.trainer import Trainer

from helpers import make_words, tiny_config

TOLERANCE = 0.002  # one standard error of a loss over EVAL_EXAMPLES examples (README, "Data")


@pytest.fixture(scope="module")
def trained_on_names():
    """The `fast` network trained on the makemore names (300 steps, a few seconds)."""
    from helpers import NAMES

    if not NAMES.is_file():
        pytest.skip(f"{NAMES} is not present")
    cfg = preset("fast").validate()
    words = read_words(NAMES)
    t = Trainer(cfg, make_dataset(words, cfg.block_size))
    t.run()
    return t, words


def test_on_names_the_sample_is_every_example_and_nothing_changes(trained_on_names):
    t, _ = trained_on_names
    for k, split in t.data.splits.items():
        assert split.examples < EVAL_EXAMPLES and t.eval_splits[k] is split  # the whole split, no copy
    fin = t.finish(stopped=False)
    whole = {k: evaluate(t.model, *t.data.splits[k]) for k in ("train", "dev", "test")}
    assert (fin.train_loss, fin.val_loss, fin.test_loss) == (whole["train"], whole["dev"], whole["test"])
    assert fin.eval_whole and fin.eval_examples == {k: s.examples for k, s in t.data.splits.items()}


def test_the_sample_of_a_larger_list_is_within_the_tolerance_of_the_whole_split(trained_on_names):
    """Names repeated 8 times (as large lists are made in the benchmark): the train split holds
    1.46 million examples; its sample's loss is within 3 standard errors (3 x 0.002) of the whole
    split's, and samples at other places of the split spread by about one standard error."""
    t, words = trained_on_names
    big = make_dataset(words * 8, t.cfg.block_size, vocab=t.data.vocab)
    train = big.splits["train"]
    assert train.examples > 5 * EVAL_EXAMPLES
    with torch.no_grad():
        per_example = torch.cat([F.cross_entropy(t.model(X), Y, reduction="none").double()
                                 for X, Y in train.batches(65536)])
    exact = per_example.mean().item()
    head = big.eval_split("train")
    assert head.examples >= EVAL_EXAMPLES and head.examples < EVAL_EXAMPLES + 20  # whole words
    sampled = split_loss(t.model, head)
    assert sampled == pytest.approx(per_example[: head.examples].mean().item(), abs=1e-5)
    assert abs(sampled - exact) < 3 * TOLERANCE, (sampled, exact)
    # the other disjoint samples of the split: how far a sample's loss strays
    starts = train.starts
    ends = [0]
    while True:
        k = int(torch.searchsorted(starts, torch.tensor([ends[-1] + EVAL_EXAMPLES])))
        if k >= len(starts):
            break
        ends.append(int(starts[k]))
    means = torch.stack([per_example[a:b].mean() for a, b in zip(ends, ends[1:])])
    assert len(means) >= 5
    spread = means.std().item()
    # (sampling without replacement from a split only a few samples large narrows the spread)
    assert spread < 2 * TOLERANCE, spread
    assert (means - exact).abs().max().item() < 3 * TOLERANCE


@pytest.mark.parametrize("kind", ["rnn", "gru", "transformer"])
def test_sequence_models_evaluate_whole_words_as_their_windows_one_by_one(kind):
    words = make_words(400, seed=5) + ["abcdefghijklmnopqrstuvwxyz" * 2, "quixotically" * 3]  # longer than the block
    small = {"rnn": dict(n_embd=8, n_hidden=16), "gru": dict(n_embd=8, n_hidden=16),
             "transformer": dict(n_embd=16, n_layer=2, n_head=2)}[kind]
    cfg = preset(kind, **small, block_size=12, seed=3).validate()
    model = build_model(cfg, 27)
    d = make_dataset(words * 3, cfg.block_size)
    for split in d.splits.values():
        X, Y = split
        assert split_loss(model, split) == pytest.approx(evaluate(model, X, Y), abs=2e-6)
    assert max(len(w) for w in words) >= cfg.block_size  # (both kinds of pass were taken)


def test_an_evaluation_stops_between_two_passes():
    cfg = tiny_config().validate()
    d = make_dataset(make_words(8000), 3)
    model = build_model(cfg, len(d.vocab))
    passes = []

    def stop() -> bool:
        passes.append(1)
        return len(passes) > 2

    assert d.splits["train"].examples > 3 * 8192
    assert split_loss(model, d.splits["train"], stop=stop) is None
    assert len(passes) == 3


def test_eval_exact_is_a_setting():
    assert Config().eval_exact is False
    with pytest.raises(ConfigError, match="eval_exact"):
        Config(eval_exact="yes").validate()
    args = cli.build_parser().parse_args(["--eval-exact"])
    assert cli.config_from_args(args).eval_exact is True


@pytest.mark.parametrize("exact", [False, True])
def test_summary_says_what_the_losses_were_taken_over(tmp_path, monkeypatch, exact):
    monkeypatch.setattr(splits_mod, "EVAL_EXAMPLES", 500)
    words = tmp_path / "w.txt"
    words.write_text("\n".join(make_words(2000, seed=2)) + "\n")
    work = tmp_path / "run"
    argv = ["--headless", "-i", str(words), "-o", str(work), "--max-steps", "20", "--threads", "1"]
    assert cli.main(argv + (["--eval-exact"] if exact else [])) == 0
    summary = json.loads((work / "summary.json").read_text())
    d = load_dataset(words, 3)
    full = {k: s.examples for k, s in d.splits.items()}
    assert summary["eval_whole_splits"] is exact
    if exact:
        assert summary["eval_examples"] == full
    else:
        assert summary["eval_examples"] == {k: s.head().examples for k, s in d.splits.items()}
        assert all(500 <= n < 520 and n < full[k] for k, n in summary["eval_examples"].items())
    assert all(math.isfinite(summary[k]) for k in ("train_loss", "val_loss", "test_loss"))
    assert json.loads((work / "config.json").read_text())["eval_exact"] is exact


def test_the_insight_views_read_the_same_samples(monkeypatch):
    monkeypatch.setattr(splits_mod, "EVAL_EXAMPLES", 700)
    cfg = tiny_config().validate()
    d = make_dataset(make_words(2000, seed=6), cfg.block_size)
    model = build_model(cfg, len(d.vocab))
    subject = Subject(model, d.vocab, cfg, data=lambda: d, step=lambda: 0)
    c = confusion_mod.compute(subject)
    dev = d.eval_split("dev")
    assert c.n == dev.examples < d.splits["dev"].examples
    X, Y = dev
    assert c == confusion_mod.confusion(model, X, Y, d.vocab)
    h = health_mod.compute(subject)
    Xb, Yb = health_mod.fixed_batch(*d.eval_split("train"), cfg.batch_size, seed=cfg.seed)
    assert h.health == health_mod.health(model, Xb, Yb)
