"""The model types (models/) other than the MLP (test_mlp.py): every type trains, resumes, reports
its shapes, samples; BatchNorm uses running statistics in eval; the sequence models compute exactly
what makemore.py computes (makemore_reference.py)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from makemore_tui import checkpoint as ckpt
from makemore_tui import events as ev
from makemore_tui.config import Config, ConfigError, preset
from makemore_tui.data import make_dataset
from makemore_tui.models import build_model, count_params, names
from makemore_tui.models.mlp_bn import MLPBatchNorm
from makemore_tui.models.sequence import prefix_layout
from makemore_tui.models.wavenet import WaveNet
from makemore_tui.run import Run, open_run
from makemore_tui.sampling import sample
from makemore_tui.evaluation import evaluate
from makemore_tui.trainer import Trainer

from helpers import losses_of, make_words
from makemore_reference import bow_forward, rnn_forward, transformer_forward

FAMILY = ("bigram", "mlp-bn", "wavenet", "rnn", "gru", "transformer", "bow")

# Small versions of each preset, so a step takes milliseconds.
SMALL = {
    "bigram": dict(batch_size=32),
    "mlp-bn": dict(batch_size=32, n_embd=6, n_hidden=48),
    "wavenet": dict(batch_size=32, n_embd=8, n_hidden=32),
    "rnn": dict(batch_size=32, n_embd=16, n_hidden=32),
    "gru": dict(batch_size=32, n_embd=16, n_hidden=32),
    "transformer": dict(batch_size=32, n_embd=32, n_layer=2, n_head=4, learning_rate=3e-3),
    "bow": dict(batch_size=32, n_embd=16, n_hidden=32),
}


def small_config(kind: str, **changes) -> Config:
    # without dropout (a preset may have some): the reference forwards are makemore.py's, which has none
    return preset(kind, **{**SMALL[kind], "eval_every": 0, "log_every": 5, "warmup_steps": 0,
                           "lr_schedule": "constant", "seed": 7, "dropout": 0.0, **changes}).validate()


@pytest.fixture(scope="module")
def words16():
    return make_words(400, seed=3)


@pytest.fixture(scope="module")
def datasets(words16):
    cache = {}

    def get(block_size):
        if block_size not in cache:
            cache[block_size] = make_dataset(words16, block_size)
        return cache[block_size]

    return get


def test_every_type_is_registered():
    assert set(FAMILY) | {"mlp"} == set(names())
    for kind in FAMILY:
        assert kind in preset(kind).type


def test_preset_sizes_are_the_lectures_and_makemores():
    n = {k: count_params(build_model(preset(k), 27)) for k in FAMILY}
    assert n["wavenet"] == 76_579  # lecture 5's final network
    assert n["mlp-bn"] == 12_097  # lecture 3: C, W1, W2, b2, bngain, bnbias (no b1)
    assert n["bigram"] == 27 * 27
    assert n["rnn"] == 27 * 64 + 64 + (128 * 64 + 64) + (64 * 27 + 27)  # wte, start, cell, lm_head
    assert n["gru"] == 27 * 64 + 64 + 3 * (128 * 64 + 64) + (64 * 27 + 27)
    assert n["bow"] == 27 * 64 + 16 * 64 + (64 * 64 + 64) * 2 + (64 * 27 + 27)  # wte, wpe, c_fc, c_proj, lm_head
    # the preset is 6 blocks of makemore.py's layer (the five-minute recipe); --n-layer 4 is makemore.py's model
    tf = build_model(preset("transformer", n_layer=4), 27)
    assert sum(p.numel() for n_, p in tf.named_parameters() if not n_.startswith("lm_head")) == 202_816  # "0.20M"
    assert preset("transformer").n_layer == 6 and n["transformer"] == 202_816 + 2 * (12 * 64 * 64 + 13 * 64) + 64 * 27
    assert preset("transformer").block_size == 16 and preset("rnn").block_size == 16  # longest name 15 + 1


@pytest.mark.parametrize("kind", FAMILY)
def test_trains_and_the_loss_falls(kind, datasets):
    cfg = small_config(kind, max_steps=80)
    data = datasets(cfg.block_size)
    seen: list[ev.Event] = []
    t = Trainer(cfg, data, listeners=[seen.append])
    before = evaluate(t.model, *data.splits["dev"])
    fin = t.run()
    losses = losses_of(seen)
    assert len(losses) == 80 and all(map(math.isfinite, losses))
    head, tail = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert tail < head - 0.3, (kind, head, tail)
    assert fin.val_loss < before - 0.3, (kind, before, fin.val_loss)
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert started.n_params == count_params(t.model)
    assert [p.name for p in started.params] == [n for n, _ in t.model.named_parameters()]
    assert started.shapes and started.shapes[-1][0] == "loss"


@pytest.mark.parametrize("kind", FAMILY)
def test_checkpoint_round_trip_and_resume_continues_bit_for_bit(kind, tmp_path, words16):
    words_file = tmp_path / "words.txt"
    words_file.write_text("\n".join(words16) + "\n")
    cfg = small_config(kind, max_steps=30)

    # straight through
    straight: list[ev.Event] = []
    r0 = open_run(cfg, str(words_file), tmp_path / "a", listeners=[straight.append])
    r0.trainer.run()
    r0.close()

    # 15 steps, checkpoint, then a new set of objects resumes to 30 (constant rate: same schedule)
    first: list[ev.Event] = []
    r1 = open_run(cfg.updated(max_steps=15), str(words_file), tmp_path / "b", listeners=[first.append])
    r1.trainer.run()
    r1.save_checkpoint()
    r1.close()
    payload = ckpt.load(tmp_path / "b")
    assert payload["config"].type == kind
    model = build_model(payload["config"], len(payload["vocab"]))
    ckpt.check_compatible(payload, model)
    model.load_state_dict(payload["state"]["model"])
    for k, v in r1.trainer.model.state_dict().items():  # weights and buffers (BatchNorm's running stats)
        assert torch.equal(model.state_dict()[k], v), k
    second: list[ev.Event] = []
    r2 = open_run(cfg, str(words_file), tmp_path / "b", resume=True, max_steps=30, listeners=[second.append])
    assert r2.trainer.step == 15
    r2.trainer.run()
    r2.close()
    assert losses_of(first) == losses_of(straight)[:15]
    steps = [e for e in second if isinstance(e, ev.Steps)]
    assert steps[0].first_step == 15
    resumed = [x for e in steps for x in e.losses]
    assert resumed == losses_of(straight)[15:]
    for k, v in r0.trainer.model.state_dict().items():
        assert torch.equal(r2.trainer.model.state_dict()[k], v), k


def test_checkpoint_of_one_type_is_refused_by_another(tmp_path, datasets):
    cfg = small_config("rnn", max_steps=2)
    data = datasets(cfg.block_size)
    run = Run(cfg, data, tmp_path)
    run.trainer.run()
    run.save_checkpoint()
    run.close()
    payload = ckpt.load(tmp_path)
    with pytest.raises(ckpt.CheckpointError):
        ckpt.check_compatible(payload, build_model(small_config("gru"), len(data.vocab)))


def prefix_lengths(X) -> list[int]:
    """<START> plus the characters of each window's word prefix, counted plainly."""
    out = []
    for row in X.tolist():
        lead = next((i for i, c in enumerate(row) if c), len(row))  # leading padding
        out.append(len(row) - max(lead - 1, 0))
    return out


def _hook_shapes(model, X, modules):
    seen = {}

    def hook(name):
        def record(mod, inp, out):
            seen.setdefault(name, tuple(out.shape))  # the first call: block 1, not a later reuse

        return record

    hooks = [m.register_forward_hook(hook(name)) for name, m in modules.items()]
    try:
        with torch.no_grad():
            model.eval()
            out = model(X)
    finally:
        for h in hooks:
            h.remove()
    return tuple(out.shape), seen


@pytest.mark.parametrize("kind", FAMILY)
def test_shape_report_matches_the_real_tensors(kind, datasets):
    cfg = small_config(kind)
    data = datasets(cfg.block_size)
    X = data.splits["train"][0][:24]
    model = build_model(cfg, len(data.vocab))
    rows = {r.name: r.shape for r in model.shape_report(X)}
    B, T = X.shape
    V, E = len(data.vocab), cfg.n_embd
    assert rows["X"] == (B, T) and rows["loss"] == ()
    modules = {}
    if kind == "wavenet":
        modules = {f"lin{i}": m.linear for i, m in enumerate(model.merges, 1)}
        modules["emb"] = model.emb
    elif kind in ("rnn", "gru", "transformer", "bow"):
        modules = {"emb": model.wte, "lm_head": model.lm_head}
        if kind == "bow":
            modules.update({"c_fc": model.c_fc, "c_proj": model.c_proj})
        if kind == "transformer":
            modules.update({"mlp.1": model.h[0].c_fc, "x.1": model.h[0]})
    out, real = _hook_shapes(model, X, modules)
    assert rows["logits"] == out == (B, V)
    for name, shape in real.items():
        if name in rows:
            assert rows[name] == shape, name
    if kind == "wavenet":  # the pairwise merges: 8 -> 4 -> 2 -> 1 positions
        assert [rows[f"pairs{i}"] for i in (1, 2, 3)] == [(B, 4, 2 * E), (B, 2, 2 * cfg.n_hidden),
                                                          (B, 1, 2 * cfg.n_hidden)]
        assert rows["h"] == (B, cfg.n_hidden)
    if kind in ("rnn", "gru", "transformer", "bow"):
        n = prefix_lengths(X)
        L = max(n)
        assert rows["seq"] == (B, L)
        if kind == "bow":  # every position of the padded prefixes: the bag, the MLP, back to n_embd
            assert rows["x"] == rows["bag"] == real["emb"] == rows["h"] == (B, L, E)
            assert rows["tanh"] == real["c_fc"] == (B, L, cfg.n_hidden)
            assert rows["h_last"] == (B, E)
        elif kind == "transformer":
            N = sum(n)
            assert rows["x"] == (N, E) and real["emb"] == (N, E)
            hs = E // cfg.n_head
            assert rows["q,k,v.1"] == (N, cfg.n_head, hs)
            assert rows["att.1"] == (sum(k * (k + 1) // 2 for k in n), cfg.n_head)  # the causal pairs
            assert rows[f"x.{cfg.n_layer}"] == (N, E)
        else:  # the unrolled steps: step t runs the rows whose prefix is longer than t
            assert rows["emb"] == real["emb"] == (B, L, E)
            H = cfg.n_hidden
            for t in range(L):
                assert rows[f"h_{t + 1}"] == (sum(1 for k in n if k > t), H)
            assert f"h_{L + 1}" not in rows


@pytest.mark.parametrize("kind", FAMILY)
def test_sampling(kind, datasets):
    cfg = small_config(kind, max_steps=40)
    data = datasets(cfg.block_size)
    t = Trainer(cfg, data)
    t.run()
    t.model.train()
    a = sample(t.model, data.vocab, cfg.block_size, n=30, seed=5, is_known=data.is_known)
    b = sample(t.model, data.vocab, cfg.block_size, n=30, seed=5)
    assert [s.text for s in a] == [s.text for s in b]
    assert t.model.training  # sample() put the model back as it was
    assert len(a) == 30 and all(math.isfinite(s.logprob) and s.logprob <= 0 for s in a)
    assert all(set(s.text) <= set(data.vocab.itos[1:]) for s in a)
    assert len({s.text for s in a}) > 5
    forced = sample(t.model, data.vocab, cfg.block_size, n=5, seed=1, prefix="ma")
    assert all(s.text.startswith("ma") for s in forced)


@pytest.mark.parametrize("kind", ["mlp-bn", "wavenet"])
def test_batchnorm_uses_running_statistics_in_eval(kind, datasets):
    cfg = small_config(kind, max_steps=60)
    data = datasets(cfg.block_size)
    t = Trainer(cfg, data)
    bufs0 = {k: v.clone() for k, v in t.model.state_dict().items() if "running" in k}
    t.run()
    m = t.model
    bufs = {k: v.clone() for k, v in m.state_dict().items() if "running" in k}
    assert bufs and all(not torch.equal(bufs[k], bufs0[k]) for k in bufs)  # training moved them
    X = data.splits["dev"][0][:64]
    m.eval()
    full = m(X)
    one_by_one = torch.cat([m(X[i : i + 1]) for i in range(8)])
    assert torch.allclose(full[:8], one_by_one, atol=1e-5)  # eval: an example's output ignores its batch
    for k, v in m.state_dict().items():
        if "running" in k:
            assert torch.equal(v, bufs[k])  # and eval never moves the running statistics
    if isinstance(m, MLPBatchNorm):  # the lecture's formula with the running estimates
        h = m.C[X].view(X.shape[0], -1) @ m.W1
        h = m.bngain * (h - m.bnmean_running) / torch.sqrt(m.bnvar_running + 1e-5) + m.bnbias
        assert torch.allclose(full, torch.tanh(h) @ m.W2 + m.b2, atol=1e-5)
    else:
        assert isinstance(m, WaveNet)
        bn = m.merges[0].bn
        x = m.merges[0].linear(m.emb(X).view(X.shape[0], -1, 2 * cfg.n_embd))
        ref = (x - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
        acts = dict(m.activations(X))
        assert torch.allclose(acts["h1"], torch.tanh(ref), atol=1e-5)
    m.train()
    with torch.no_grad():
        batch_mode = m(X)
    assert not torch.allclose(batch_mode, full, atol=1e-3)  # training mode normalises by the batch


# ---- the sequence models are makemore's ------------------------------------------------------


def _targets_of(x, y) -> list[int]:
    x = x.tolist()
    lead = next((i for i, c in enumerate(x) if c), len(x))
    return x[max(lead - 1, 0) + 1 :] + [int(y)]


@pytest.mark.parametrize("kind", ["rnn", "gru", "transformer", "bow"])
def test_sequence_models_compute_makemores_forward_and_gradient(kind, datasets):
    cfg = small_config(kind)
    data = datasets(cfg.block_size)
    X, Y = data.splits["train"]
    g = torch.Generator().manual_seed(0)
    ix = torch.randint(0, X.shape[0], (48,), generator=g)
    X, Y = torch.cat([X[ix], X[:1] * 0]), torch.cat([Y[ix], Y[:1]])  # with a window of padding only
    X[-2] = torch.arange(1, 17)  # and one with no padding (a word longer than the block)
    m = build_model(cfg, len(data.vocab))
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.1)  # away from the init's symmetries
    ref_fn = {"transformer": transformer_forward, "bow": bow_forward}.get(kind, rnn_forward)
    all_logits, all_targets, last = [], [], []
    for x, y in zip(X.tolist(), Y.tolist()):
        lead = next((i for i, c in enumerate(x) if c), len(x))
        seq = x[max(lead - 1, 0):]  # <START> and the word prefix, as makemore lays out a word
        logits = ref_fn(m, torch.tensor([seq]))[0]
        all_logits.append(logits)
        all_targets += seq[1:] + [y]
        last.append(logits[-1])
    ref_last = torch.stack(last)
    ref_loss = F.cross_entropy(torch.cat(all_logits), torch.tensor(all_targets))
    assert torch.allclose(m(X), ref_last, atol=1e-5)
    loss = m.loss(X, Y)  # the value is the windows' own targets' loss ...
    assert loss.item() == pytest.approx(F.cross_entropy(ref_last, Y).item(), abs=1e-5)
    grads = torch.autograd.grad(loss, list(m.parameters()))
    ref_grads = torch.autograd.grad(ref_loss, list(m.parameters()))  # ... the gradient makemore's loss's
    for (name, _), a, b in zip(m.named_parameters(), grads, ref_grads):
        assert torch.allclose(a, b, atol=1e-6), name
    ends = (Y == 0).nonzero().squeeze(1)  # whole words (windows ending a word): the value is makemore's loss
    assert len(ends) > 0
    ref_words = F.cross_entropy(torch.cat([all_logits[i] for i in ends.tolist()]),
                                torch.tensor([c for i in ends.tolist() for c in _targets_of(X[i], Y[i])]))
    assert m.loss(X[ends], Y[ends]).item() == pytest.approx(ref_words.item(), abs=1e-5)
    with torch.no_grad():  # a whole split at once takes the sorted, chunked path: same numbers
        big = data.splits["dev"][0]
        m.SORTED_GROUP = 100
        assert torch.allclose(m(big), torch.cat([m(big[i : i + 50]) for i in range(0, big.shape[0], 50)]),
                              atol=1e-5)


def test_prefix_layout():
    X = torch.tensor([[0, 0, 0, 5, 6], [0, 0, 0, 0, 0], [1, 2, 3, 4, 5], [0, 7, 8, 9, 1]])
    Y = torch.tensor([0, 3, 6, 2])
    A, n, t = prefix_layout(X, Y)
    assert n.tolist() == [3, 1, 5, 5]
    assert A.tolist() == [[0, 5, 6, 0, 0], [0, 0, 0, 0, 0], [1, 2, 3, 4, 5], [0, 7, 8, 9, 1]]
    assert t.tolist() == [[5, 6, 0, -1, -1], [3, -1, -1, -1, -1], [2, 3, 4, 5, 6], [7, 8, 9, 1, 2]]


def test_config_checks_and_flags():
    with pytest.raises(ConfigError, match="power of two"):
        preset("wavenet", block_size=6).validate()
    with pytest.raises(ConfigError, match="multiple of n_head"):
        preset("transformer", n_embd=30).validate()
    with pytest.raises(ConfigError, match="n_layer"):
        preset("transformer", n_layer=0).validate()
    from makemore_tui.cli import build_parser, config_from_args

    cfg = config_from_args(build_parser().parse_args(
        ["--preset", "transformer", "--n-layer", "2", "--n-head", "8", "--n-embd", "32"]))
    assert (cfg.type, cfg.n_layer, cfg.n_head, cfg.n_embd) == ("transformer", 2, 8, 32)
    cfg = config_from_args(build_parser().parse_args(["--type", "gru", "--block-size", "16"]))
    assert cfg.type == "gru"
    # a type alone brings its own preset's sizes (wavenet needs a block of 8, not the seed's 3)
    cfg = config_from_args(build_parser().parse_args(["--type", "wavenet", "--max-steps", "10"]))
    assert (cfg.preset, cfg.block_size, cfg.n_embd, cfg.max_steps) == ("wavenet", 8, 24, 10)
    cfg = config_from_args(build_parser().parse_args(["--type", "mlp"]))
    assert (cfg.preset, cfg.n_embd) == ("seed", 2)


@pytest.mark.parametrize("kind", names())
def test_every_type_declares_what_it_can_do(kind):
    """A model says what it can do (models/base.py's Interface) and the rest of the program reads
    that, never probing: each registered type's declarations match what it has."""
    from makemore_tui.config import PRESETS
    from makemore_tui.models import model_type
    from makemore_tui.models.base import Interface

    cfg = (preset(kind) if kind in PRESETS else Config(type=kind)).validate()
    model = build_model(cfg, 27)
    own = type(model)
    assert isinstance(model, Interface)
    assert own.fused_sgd == (own.sgd_step is not Interface.sgd_step)
    assert own.hand_backward == (own.backward_by_hand is not Interface.backward_by_hand)
    assert own.trains_on_words == (own.word_loss is not Interface.word_loss)
    assert model.block_size == (cfg.block_size if "block_size" in model_type(kind).reads else 1)
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    in_order = model.named_in_order()
    assert {id(p) for _, p in in_order} == trainable and len(in_order) == len(trainable)
    C = model.embedding()
    assert C is None or (C.shape[0] == 27 and C.shape[1] == cfg.n_embd)
    X = torch.randint(0, 27, (8, cfg.block_size))
    Y = torch.randint(1, 27, (8,))
    for name, h in model.activations(X):
        assert isinstance(name, str) and h.shape[0] == 8 and not h.requires_grad
    assert math.isfinite(float(model.loss(X, Y).detach()))
    if own.fused_sgd:
        before = [p.detach().clone() for _, p in in_order]
        assert math.isfinite(float(model.sgd_step(X, Y, 0.1)))
        assert any(not torch.equal(b, p) for b, (_, p) in zip(before, in_order))
