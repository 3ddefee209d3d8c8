"""The sequence models against makemore.py's own (tests/makemore_reference.py): built from the same
seed they hold the same weights (PyTorch's default inits, drawn in makemore.py's order), and trained
on the same batches of words with the same AdamW they follow the same learning curve.

Tolerances: the two implementations differ only in the order of their floating-point arithmetic, so
their per-step losses agree to float32 rounding (measured: at most 7e-7 apart over 300 steps of
makemore.py's transformer, 100 of the rnn and gru); the test allows 1e-3 per step and 0.005 on the
mean of the last 50 losses. Either is far inside the spread between seeds (the reference's mean of
its last 50 losses at these sizes moved by about 0.02 from seed 1 to seed 2) and far outside what
GPT-2's init gives (its first loss alone is 0.1 away; 0.2 apart at worst over 300 steps)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from makemore_reference import MakemoreBoW, MakemoreRNN, MakemoreTransformer, makemore_batch
from makemore_tui.config import Config
from makemore_tui.data import load_dataset
from makemore_tui.trainer import Trainer

SIZES = {"transformer": dict(n_embd=32, n_layer=2, n_head=4), "rnn": dict(n_embd=32, n_hidden=32),
         "gru": dict(n_embd=32, n_hidden=32), "bow": dict(n_embd=32, n_hidden=48)}
STEPS = {"transformer": 150, "rnn": 100, "gru": 100, "bow": 150}
SEED = 3407


@pytest.fixture(scope="module")
def names():
    """The bundled names as token ids, and the dataset with makemore's block (longest word + 1)."""
    data = load_dataset(None, 3)
    longest = data.max_word_len
    data = load_dataset(None, longest + 1)
    return data, [data.vocab.encode(w) for w in data.split_words["train"]], longest


def engine(kind: str, names, init: str = "makemore", **changes):
    """The engine's model and optimiser (a Trainer's) with makemore.py's recipe: AdamW 5e-4, weight
    decay 0.01, betas 0.9/0.99, batch 32, constant rate."""
    data, _, longest = names
    cfg = Config(type=kind, block_size=longest + 1, batch_size=32, optimizer="adamw", learning_rate=5e-4,
                 weight_decay=0.01, seed=SEED, init=init, **{**SIZES[kind], **changes}).validate()
    tr = Trainer(cfg, data)
    return tr.model, tr.optimizer


def reference(kind: str, names) -> nn.Module:
    """makemore.py's model of the same sizes, built as makemore.py builds it after manual_seed."""
    data, _, longest = names
    s, V = SIZES[kind], len(data.vocab)
    torch.manual_seed(SEED)
    if kind == "transformer":
        return MakemoreTransformer(V, longest + 1, s["n_embd"], s["n_layer"], s["n_head"])
    if kind == "bow":
        return MakemoreBoW(V, longest + 1, s["n_embd"], s["n_hidden"])
    return MakemoreRNN(V, s["n_embd"], s["n_hidden"], kind)


def curves(kind: str, names, init: str = "makemore") -> tuple[list[float], list[float]]:
    """Both trained STEPS[kind] steps on the same batches of 32 words; their per-step losses."""
    _, ids, longest = names
    ours, opt = engine(kind, names, init)
    ref = reference(kind, names)
    ref_opt = torch.optim.AdamW(ref.parameters(), lr=5e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)
    g = torch.Generator().manual_seed(1)
    T = longest + 1
    a, b = [], []
    for _ in range(STEPS[kind]):
        batch = [ids[i] for i in torch.randint(0, len(ids), (32,), generator=g).tolist()]
        x, y = makemore_batch(batch, longest)  # makemore's padded words
        _, loss = ref(x, y)
        ref_opt.zero_grad()
        loss.backward()
        ref_opt.step()
        b.append(loss.item())
        X = torch.zeros(32, T, dtype=torch.long)  # the engine's windows that end each word
        for i, w in enumerate(batch):
            X[i, T - len(w):] = torch.tensor(w)
        for p in ours.parameters():
            p.grad = None
        loss = ours.loss(X, torch.zeros(32, dtype=torch.long))
        loss.backward()
        opt.step(5e-4)
        a.append(loss.item())
    return a, b


def tail_mean(losses: list[float]) -> float:
    return sum(losses[-50:]) / len(losses[-50:])


@pytest.mark.parametrize("kind", ["transformer", "rnn", "gru", "bow"])
def test_the_same_seed_gives_makemores_weights(kind, names):
    ours, _ = engine(kind, names)
    ref = reference(kind, names)
    pairs = list(zip(ours.parameters(), ref.parameters()))
    assert len(pairs) == len(list(ref.parameters())) == len(list(ours.parameters()))
    for p, q in pairs:
        assert torch.equal(p, q)


def init_problems(model: nn.Module) -> list[str]:
    """What in `model`'s parameters is not PyTorch's default init: embeddings N(0, 1), Linear
    weights and biases uniform within +-1/sqrt(fan_in), LayerNorm ones and zeros."""
    problems = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Embedding):
            w = mod.weight.detach()
            if not 0.9 < float(w.std()) < 1.1 or abs(float(w.mean())) > 0.1:
                problems.append(f"{name}: embedding std {float(w.std()):.3f}, not N(0, 1)")
        elif isinstance(mod, nn.Linear):
            bound = 1 / math.sqrt(mod.in_features)
            for what, t in (("weight", mod.weight), ("bias", mod.bias)):
                if t is None:
                    continue
                t = t.detach()
                if float(t.abs().max()) > bound:
                    problems.append(f"{name}.{what}: beyond +-1/sqrt(fan_in)")
                elif t.numel() >= 64 and not 0.85 < float(t.std()) / (bound / math.sqrt(3)) < 1.15:
                    problems.append(f"{name}.{what}: std {float(t.std()):.4f}, uniform's is {bound / math.sqrt(3):.4f}")
        elif isinstance(mod, nn.LayerNorm):
            if not (torch.equal(mod.weight, torch.ones_like(mod.weight)) and not mod.bias.any()):
                problems.append(f"{name}: LayerNorm not ones and zeros")
    return problems


@pytest.mark.parametrize("kind", ["transformer", "rnn", "gru", "bow"])
def test_the_init_is_pytorchs_default_as_in_makemore(kind, names):
    ours, _ = engine(kind, names, n_embd=64, **({"n_hidden": 64} if kind != "transformer" else {}))
    assert init_problems(ours) == []
    if kind == "transformer":  # GPT-2's init stays a setting, and is not makemore's
        gpt2, _ = engine(kind, names, init="gpt2", n_embd=64)
        problems = init_problems(gpt2)
        assert any("wte: embedding std 0.02" in p for p in problems), problems
        assert sum("std" in p for p in problems) >= 5


def test_seed_means_the_types_own_init(names):
    """Config's default init ("seed", as old settings and checkpoints hold) builds makemore's init."""
    a, _ = engine("transformer", names, init="seed")
    b, _ = engine("transformer", names, init="makemore")
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("kind", ["transformer", "rnn", "gru", "bow"])
def test_the_learning_curve_is_makemores(kind, names):
    ours, ref = curves(kind, names)
    assert max(abs(x - y) for x, y in zip(ours, ref)) < 1e-3
    assert abs(tail_mean(ours) - tail_mean(ref)) < 0.005
    assert tail_mean(ours) < ours[0] - 0.3  # and it did learn


def test_gpt2_init_does_not_follow_makemores_curve(names):
    """The test above fails with GPT-2's init (the project's init before): the curves part."""
    ours, ref = curves("transformer", names, init="gpt2")
    assert max(abs(x - y) for x, y in zip(ours, ref)) > 0.05
