"""The sample trace (insight/trace.py, `--inspect trace`): for every registered model type, each
character's probability is the softmax of the model's logits for that character's window, computed
here one window at a time; the context is what the type reads; the text shows the numbers."""

from __future__ import annotations

import math

import pytest
import torch
from rich.cells import cell_len
from rich.console import Console

from makemore_tui.cli import main
from makemore_tui.config import Config
from makemore_tui.data import DataError, make_dataset
from makemore_tui.insight.base import InsightError
from makemore_tui.insight.report import pct, shown, trace_report
from makemore_tui.insight.trace import CONTEXTS, compute, trace
from makemore_tui.insight.views import Subject
from makemore_tui.models import build_model, model_type, names
from makemore_tui.sampling import sample

from helpers import WORDS, same_weights, weights_of

SEQUENCE = {"rnn", "gru", "transformer", "bow"}


def small(kind: str, block: int = 4):
    data = make_dataset(WORDS, block)
    cfg = Config(type=kind, block_size=block, n_embd=8, n_hidden=16, n_layer=1, n_head=2, seed=1).validate()
    return build_model(cfg, len(data.vocab)), data.vocab, cfg


def by_hand(model, vocab, word: str, block: int) -> torch.Tensor:
    """The model's next-symbol probabilities after each prefix of word (the end included), one window
    at a time: the block characters before, 0-padded on the left."""
    rows = []
    model.eval()
    with torch.no_grad():
        for i in range(len(word) + 1):
            ids = [0] * block + [vocab.stoi[c] for c in word[:i]]
            logits = model(torch.tensor([ids[len(ids) - block:]]))
            rows.append(torch.softmax(logits.double()[0], 0))
    model.train()
    return torch.stack(rows)


@pytest.mark.parametrize("kind", names())
@pytest.mark.parametrize("word", ["emma", "emmaline", ""])
def test_each_probability_is_the_softmax_of_the_models_logits(kind, word):
    m, vocab, cfg = small(kind)
    before = weights_of(m)
    t = trace(m, vocab, word, cfg.block_size, context=model_type(kind).context, model_type=kind)
    probs = by_hand(m, vocab, word, cfg.block_size)
    targets = [vocab.stoi[c] for c in word] + [0]
    assert len(t.steps) == len(word) + 1 and [s.char for s in t.steps] == [vocab.itos[i] for i in targets]
    for s, p, y in zip(t.steps, probs, targets):
        assert s.prob == pytest.approx(float(p[y]), abs=1e-6)
        assert s.rank == 1 + int((p > p[y] + 1e-9).sum())
        want = sorted(range(len(p)), key=lambda i: -float(p[i]))[:5]
        assert [q for _, q in s.top] == pytest.approx([float(p[i]) for i in want], abs=1e-6)
        assert s.top[0][0] == vocab.itos[want[0]] or s.top[0][1] == pytest.approx(s.top[1][1], abs=1e-6)
    assert t.logprob == pytest.approx(sum(math.log(float(p[y])) for p, y in zip(probs, targets)), abs=1e-5)
    assert t.loss == pytest.approx(-t.logprob / (len(word) + 1))
    assert same_weights(m, before) and m.training  # the model as it was


def test_every_type_says_what_its_context_is():
    for kind in names():
        assert model_type(kind).context in CONTEXTS
    assert model_type("mlp").context == "window" and model_type("bigram").context == "last"
    assert {k for k in names() if model_type(k).context == "prefix"} >= SEQUENCE


def test_the_contexts_are_what_each_type_reads():
    word = "emmaline"
    m, vocab, cfg = small("mlp", block=3)
    t = trace(m, vocab, word, 3, context="window", model_type="mlp")
    assert [s.context for s in t.steps] == [("..." + word)[i:i + 3] for i in range(len(word) + 1)]
    assert "the 3 previous characters" in t.context_note()
    m, vocab, cfg = small("bigram")
    t = trace(m, vocab, word, 4, context="last", model_type="bigram")
    assert [s.context for s in t.steps] == list("." + word)
    for kind in sorted(SEQUENCE):
        m, vocab, cfg = small(kind, block=6)
        t = trace(m, vocab, word, 6, context=model_type(kind).context, model_type=kind)
        assert [s.context for s in t.steps] == ["." + word[:i] if i < 6 else "…" + word[i - 6:i]
                                                for i in range(len(word) + 1)]
        assert "the whole word so far" in t.context_note() and kind in t.context_note()


def test_a_word_the_model_cannot_read_is_one_error():
    m, vocab, cfg = small("mlp")
    for bad in ("em1a", "e.ma"):
        with pytest.raises(DataError):
            trace(m, vocab, bad, 4)
    with pytest.raises(InsightError, match="^word: "):
        compute(Subject(m, vocab, cfg, word="em1a"))


def test_without_a_word_the_view_traces_a_name_sampled_with_the_runs_seed():
    m, vocab, cfg = small("mlp")
    t = compute(Subject(m, vocab, cfg))
    assert t.sampled and t.word == sample(m, vocab, cfg.block_size, n=1, seed=cfg.seed)[0].text


def test_the_text_fits_its_width_and_shows_each_number():
    m, vocab, cfg = small("transformer")
    t = trace(m, vocab, "emmaline", 4, context="prefix", model_type="transformer")
    for width in (40, 80, 160):
        text = trace_report(t, width)
        lines = text.plain.split("\n")
        rows = lines[-len(t.steps):]
        assert all(cell_len(line) <= width for line in rows)  # the rows; the header lines may wrap
        for s, row in zip(t.steps, rows):
            assert pct(s.prob) in row and f" {s.rank} " in row + " "
        if width >= 80:
            assert all(f"{s.top[0][0]} {pct(s.top[0][1]):>5}" in row for s, row in zip(t.steps, rows))
        assert f"log-prob {t.logprob:.2f}" in text.plain


def test_symbols_from_the_data_are_made_safe_for_a_terminal():
    words = [w + "\x1b" if i % 3 == 0 else w for i, w in enumerate(WORDS)] + ["a b\x07"] * 5
    data = make_dataset(words, 3)
    m = build_model(Config(n_embd=4, n_hidden=8).validate(), len(data.vocab))
    t = trace(m, data.vocab, "a b\x07\x1b", 3, model_type="mlp")
    out = Console(width=100, file=None, record=True, color_system=None)
    with out.capture() as cap:
        out.print(trace_report(t, 100))
    printed = cap.get()
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b" in printed and "\\x07" in printed and shown(" ") in printed


# ---- the command line ----------------------------------------------------------------------------

def test_inspect_trace_prints_each_characters_numbers(runs, capsys):
    from makemore_tui.run import load_for_sampling

    _, a, _ = runs
    model, vocab, cfg = load_for_sampling(a)
    capsys.readouterr()
    assert main(["--inspect", "trace", "-o", str(a), "--word", "emma"]) == 0
    out = capsys.readouterr().out
    probs = by_hand(model, vocab, "emma", cfg.block_size)
    lines = out.splitlines()
    for i, (ch, ctx) in enumerate(zip("emma.", ["...", "..e", ".em", "emm", "mma"])):
        y = vocab.stoi[ch] if ch != "." else 0
        p = float(probs[i, y])
        row = next(line for line in lines if line.split()[:3] == [str(i + 1), ctx, ch])
        assert pct(p) in row and f" {1 + int((probs[i] > probs[i, y]).sum())} " in row
    logprob = sum(math.log(float(probs[i, y])) for i, y in enumerate([vocab.stoi[c] for c in "emma"] + [0]))
    assert f"log-prob {logprob:.2f} nats" in out and "'emma'" in out


def test_inspect_trace_without_a_word_or_with_a_bad_one(runs, capsys):
    from makemore_tui.run import load_for_sampling

    _, a, _ = runs
    model, vocab, cfg = load_for_sampling(a)
    capsys.readouterr()
    assert main(["--inspect", "trace", "-o", str(a)]) == 0
    name = sample(model, vocab, cfg.block_size, n=1, seed=cfg.seed)[0].text
    assert f"a name sampled from the model {name!r}" in capsys.readouterr().out
    assert main(["--inspect", "trace", "-o", str(a), "--word", "em1a"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'1'" in err
