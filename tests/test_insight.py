"""The insight views' numbers, each checked against a direct computation (insight.py, lr_finder.py),
and their command-line forms (--inspect)."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from makemore_tui import insight
from makemore_tui.cli import main
from makemore_tui.config import Config
from makemore_tui.data import DataError, make_dataset
from makemore_tui.lr_finder import lr_find, lr_schedule, smooth, suggest
from makemore_tui.models import build_model

WORDS = ("emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily elizabeth mila ella "
         "avery sofia camila aria scarlett victoria madison luna grace chloe penelope layla riley zoey nora lily "
         "eleanor hannah lillian addison aubrey ellie stella natalie zoe leah hazel violet aurora savannah audrey "
         "brooklyn bella claire skylar lucy paisley everly anna caroline nova genesis emilia kennedy samantha maya "
         "willow kinsley naomi aaliyah elena sarah ariana allison gabriella alice madelyn cora ruby eva serenity "
         "autumn adeline hailey gianna valentina isla eliana quinn nevaeh ivy sadie piper lydia alexa josephine "
         "liam noah william james oliver benjamin elijah lucas mason logan alexander ethan jacob michael daniel "
         "henry jackson sebastian aiden matthew samuel david joseph carter owen wyatt john jack luke jayden dylan "
         "grayson levi isaac gabriel julian mateo anthony jaxon lincoln joshua christopher andrew theodore caleb "
         "ryan asher nathan thomas leo isaiah charles josiah hudson christian hunter connor eli ezra aaron landon "
         "adrian jonathan nolan jeremiah easton elias colton cameron carson robert angel maverick nicholas dominic "
         "jaxson greyson adam ian austin santiago jordan cooper brayden roman evan ezekiel xavier jose jace jameson "
         "leonardo bryson axel everett parker kayden miles sawyer jason").split()


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These matrices are tiny: a second torch thread only fights the other processes for the CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _cfg(**kw) -> Config:
    base = dict(block_size=3, n_embd=2, n_hidden=16, seed=1234, batch_size=32)
    base.update(kw)
    return Config(**base).validate()


@pytest.fixture(scope="module")
def data():
    return make_dataset(WORDS, 3)


def _model(data, **kw):
    return build_model(_cfg(**kw), len(data.vocab))


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(model, state) -> bool:
    return all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


# ---- next character ------------------------------------------------------------------------------

@pytest.mark.parametrize("context,window", [("", "..."), ("e", "..e"), ("emm", "emm"), ("isabell", "ell")])
def test_next_char_is_the_softmax_of_the_logits_for_the_padded_window(data, context, window):
    m = _model(data)
    nc = insight.next_char(m, data.vocab, context, block_size=3)
    assert nc.window == window
    X = torch.tensor([[data.vocab.stoi[c] for c in window]])
    logits = (torch.tanh(m.C[X].view(1, -1) @ m.W1 + m.b1) @ m.W2 + m.b2)[0].detach().double()
    assert nc.chars == list(data.vocab.itos)
    assert len(nc.probs) == len(data.vocab) == 27
    assert math.isclose(sum(nc.probs), 1.0, abs_tol=1e-12)
    assert torch.allclose(torch.tensor(nc.logits, dtype=torch.float64), logits, atol=1e-5)
    assert torch.allclose(torch.tensor(nc.probs, dtype=torch.float64), torch.softmax(logits, 0), atol=1e-6)
    # the named characters are the likeliest, in order
    order = torch.argsort(torch.tensor(nc.probs), descending=True)[:5].tolist()
    assert [c for c, _ in nc.top] == [data.vocab.itos[i] for i in order]
    assert nc.top[0][1] == max(nc.probs) and nc.prob(nc.top[0][0]) == nc.top[0][1]


def test_next_char_rejects_unknown_characters(data):
    with pytest.raises(DataError):
        insight.next_char(_model(data), data.vocab, "em!", block_size=3)


def test_next_char_follows_training(data):
    """After training, the distribution after 'emm' changes and 'a' (emma) becomes likelier."""
    m = _model(data, n_embd=8, n_hidden=64)
    before = insight.next_char(m, data.vocab, "emm", block_size=3).prob("a")
    X, Y = data.splits["train"]
    Xall = torch.cat([X, data.splits["dev"][0], data.splits["test"][0]])
    Yall = torch.cat([Y, data.splits["dev"][1], data.splits["test"][1]])
    for _ in range(300):
        m.sgd_step(Xall, Yall, 0.5)
    after = insight.next_char(m, data.vocab, "emm", block_size=3).prob("a")
    assert after > before and after > 0.5


# ---- embedding map -------------------------------------------------------------------------------

def test_embedding_map_is_c_itself_when_n_embd_is_2(data):
    m = _model(data, n_embd=2)
    e = insight.embedding_map(m, data.vocab)
    assert e.method == "C" and e.n_embd == 2
    assert e.xs == m.C[:, 0].double().tolist() and e.ys == m.C[:, 1].double().tolist()
    assert e.chars == list(data.vocab.itos)
    var = m.C.detach().double().var(0, unbiased=False)
    assert e.explained == pytest.approx(tuple((var / var.sum()).tolist()))


def test_embedding_map_with_n_embd_1_puts_every_point_on_the_x_axis(data):
    e = insight.embedding_map(_model(data, n_embd=1), data.vocab)
    assert e.ys == [0.0] * 27 and e.xs == _model(data, n_embd=1).C[:, 0].double().tolist()


@pytest.mark.parametrize("n_embd", [3, 10])
def test_embedding_map_projects_larger_embeddings_on_their_principal_axes(data, n_embd):
    m = _model(data, n_embd=n_embd)
    e = insight.embedding_map(m, data.vocab)
    assert e.method == "PCA"
    C = m.C.detach().double()
    Xc = C - C.mean(0)
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    P = torch.tensor([e.xs, e.ys], dtype=torch.float64).T
    ref = Xc @ Vh[:2].T
    for j in range(2):  # equal up to the sign of each axis
        assert torch.allclose(P[:, j], ref[:, j], atol=1e-9) or torch.allclose(P[:, j], -ref[:, j], atol=1e-9)
    # and the same as torch.pca_lowrank's projection, up to sign
    _, _, V = torch.pca_lowrank(C, q=n_embd, center=True, niter=8)  # q = all: exact, not sketched
    low = Xc @ V[:, :2]
    for j in range(2):
        assert torch.allclose(P[:, j].abs(), low[:, j].abs(), atol=1e-6)
    # an orthogonal projection: reconstructing from the axes gives the best rank-2 fit
    mean, axes, share = insight.pca_axes(C)
    assert torch.allclose(axes.T @ axes, torch.eye(2, dtype=torch.float64), atol=1e-12)
    assert e.explained == pytest.approx(tuple((S[:2] ** 2 / (S ** 2).sum()).tolist()))
    resid = Xc - (Xc @ axes) @ axes.T
    assert math.isclose(float(resid.square().sum()), float((S[2:] ** 2).sum()), rel_tol=1e-9, abs_tol=1e-9)


def test_pca_signs_are_fixed_so_the_map_does_not_flip(data):
    C = _model(data, n_embd=6).C.detach()
    _, a1, _ = insight.pca_axes(C)
    _, a2, _ = insight.pca_axes(-C + 3.0)  # same geometry, mirrored: each axis keeps its sign rule
    for j in range(2):
        col = a1[:, j]
        assert col[col.abs().argmax()] > 0
        col2 = a2[:, j]
        assert col2[col2.abs().argmax()] > 0


def test_vowel_spread_is_mean_vowel_distance_over_mean_letter_distance(data):
    C = _model(data, n_embd=5).C.detach().double()
    itos = list(data.vocab.itos)

    def mean_pairs(chars):
        ix = [itos.index(c) for c in chars]
        ds = [float((C[i] - C[j]).norm()) for i in ix for j in ix if i != j]
        return sum(ds) / len(ds)

    want = mean_pairs("aeiou") / mean_pairs([c for c in itos if c != "."])
    assert insight.vowel_spread(C, data.vocab) == pytest.approx(want, rel=1e-9)
    # vowels moved onto one point: spread 0
    C2 = C.clone()
    for v in "aeiou":
        C2[itos.index(v)] = C2[itos.index("a")]
    assert insight.vowel_spread(C2, data.vocab) == pytest.approx(0.0, abs=1e-12)


def test_embedding_map_refuses_a_model_without_c(data):
    class Table(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.logits = torch.nn.Parameter(torch.zeros(27, 27))

    with pytest.raises(insight.InsightError):
        insight.embedding_map(Table(), data.vocab)


# ---- health --------------------------------------------------------------------------------------

def _direct_h(m, X):
    return torch.tanh(m.C[X].view(X.shape[0], -1) @ m.W1 + m.b1).detach()


@pytest.mark.parametrize("init", ["seed", "kaiming"])
def test_health_activation_numbers_equal_a_direct_count(data, init):
    m = _model(data, init=init, n_hidden=50)
    X, Y = insight.fixed_batch(*data.splits["train"], 64, seed=3)
    before = _state(m)
    h = insight.health(m, X, Y)
    assert _same(m, before) and all(p.grad is None for p in m.parameters())
    H = _direct_h(m, X)
    layer = h.layer
    assert layer.name == "h" and layer.n_units == 50 and h.batch_size == 64
    assert layer.saturated == pytest.approx(float((H.abs() > 0.97).sum()) / H.numel())
    dead = int(sum(1 for j in range(H.shape[1]) if all(abs(float(H[i, j])) > 0.99 for i in range(H.shape[0]))))
    assert layer.dead_units == dead and layer.dead_share == pytest.approx(dead / 50)
    assert layer.hist.total == H.numel() and len(layer.hist.edges) == len(layer.hist.counts) + 1
    assert layer.hist.edges[0] == -1.0 and layer.hist.edges[-1] == 1.0
    assert layer.mean == pytest.approx(float(H.double().mean())) and layer.std == pytest.approx(float(H.double().std()))
    assert h.loss == pytest.approx(float(F.cross_entropy(m(X), Y).detach()), rel=1e-5)


def test_health_counts_dead_units(data):
    m = _model(data, n_hidden=20)
    with torch.no_grad():
        m.b1[:5] = 50.0  # units 0-4 are pinned at +1 for every input
        m.b1[5:] = 0.0
        m.W1.mul_(0.01)
    X, Y = insight.fixed_batch(*data.splits["train"], 32)
    layer = insight.health(m, X, Y).layer
    assert layer.dead_units == 5 and layer.dead_share == 0.25
    assert layer.saturated == pytest.approx(5 / 20)


def test_health_gradients_equal_autograd(data):
    m = _model(data, n_hidden=30)
    X, Y = insight.fixed_batch(*data.splits["train"], 32, seed=1)
    h = insight.health(m, X, Y)
    loss = F.cross_entropy(m(X), Y)
    grads = torch.autograd.grad(loss, [getattr(m, n) for n in m.param_order])
    assert [g.name for g in h.grads] == list(m.param_order)
    for gs, g, n in zip(h.grads, grads, m.param_order):
        p = getattr(m, n)
        assert gs.shape == tuple(p.shape)
        assert gs.std == pytest.approx(float(g.std()), rel=1e-4)
        assert gs.mean == pytest.approx(float(g.mean()), rel=1e-3, abs=1e-9)
        assert gs.grad_data_ratio == pytest.approx(float(g.std() / p.detach().std()), rel=1e-4)
        assert gs.hist.total == g.numel()


def test_histogram_counts_every_value_once():
    v = torch.tensor([-1.0, -0.5, 0.0, 0.25, 0.99, 1.0, float("nan")])
    hist = insight.histogram(v, bins=4, lo=-1.0, hi=1.0)
    assert hist.counts == [1, 1, 2, 2] and hist.total == 6


def test_update_ratios_are_log10_of_lr_grad_std_over_data_std(data):
    m = _model(data)
    X, Y = insight.fixed_batch(*data.splits["train"], 32)
    before = _state(m)
    got = insight.update_ratios(m, X, Y, lr=0.1)
    assert _same(m, before)
    grads = torch.autograd.grad(F.cross_entropy(m(X), Y), [getattr(m, n) for n in m.param_order])
    for n, g in zip(m.param_order, grads):
        want = math.log10(float((0.1 * g).std()) / float(getattr(m, n).detach().std()))
        assert got[n] == pytest.approx(want, abs=1e-5)


def test_update_ratios_match_the_trainers_paramstats_for_an_sgd_step(data):
    """The trainer measures the step it takes: (p_new - p_old).std() / p_old.std(). For plain SGD
    that is std(lr * grad) / std(data), which update_ratios computes without taking the step."""
    from makemore_tui.trainer import Trainer

    cfg = _cfg(max_steps=1)
    t = Trainer(cfg, data)
    X, Y = t._batch(0)
    want = insight.update_ratios(t.model, X, Y, cfg.lr_at(0))
    _, stats = t._step_with_stats(X, Y, cfg.lr_at(0))
    for s in stats.stats:
        assert math.log10(s.update_ratio) == pytest.approx(want[s.name], abs=1e-4)


def test_ratio_history_keeps_log10_and_stays_bounded():
    hist = insight.RatioHistory(capacity=64)
    for step in range(1, 1001):
        hist.add(step, {"W1": 10 ** -3, "b1": 10 ** (-2 - step / 1000)})
        assert len(hist) <= 64
    assert hist.names == ["W1", "b1"] and hist.count == 1000
    xs, ys = hist.points("W1", 1000)
    assert len(xs) <= 64 and all(v == pytest.approx(-3.0) for v in ys)
    assert xs[0] < 16 and xs[-1] > 985  # still spans the whole run, at a uniform resolution
    gaps = [b - a for a, b in zip(xs, xs[1:-1])]
    assert max(gaps) == min(gaps)
    # each point is the mean of the log10 ratios it holds: b1 is linear in the step
    xs, ys = hist.points("b1", 1000)
    for x, y in zip(xs, ys):
        assert y == pytest.approx(-2 - x / 1000, abs=1e-9)
    assert len(hist.points("b1", 10)[0]) <= 10
    assert hist.latest()["b1"] == pytest.approx(-3.0)
    hist.add(1, {"W1": 1e-3})  # a new run: starts over
    assert hist.count == 1 and hist.points("W1", 10) == ([1.0], [pytest.approx(-3.0)])


def test_ratio_history_takes_paramstats_events():
    from makemore_tui import events as ev

    hist = insight.RatioHistory()
    hist.add_event(ev.ParamStats(step=7, stats=[ev.ParamStat("C", 1.0, 2.0, 0.01), ev.ParamStat("W1", 1.0, 2.0, 0.0)]))
    assert hist.points("C", 10) == ([7.0], [pytest.approx(-2.0)])
    assert math.isnan(hist.latest()["W1"])


# ---- learning-rate finder ------------------------------------------------------------------------

def test_lr_schedule_rises_exponentially_from_1e_3_to_1_over_1000_steps():
    lre, lrs = lr_schedule()
    assert len(lrs) == 1000 and lrs[0] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(1.0)
    ratios = [b / a for a, b in zip(lrs, lrs[1:])]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-9)  # a constant factor per step
    assert ratios[0] == pytest.approx(1000 ** (1 / 999))
    assert lre == pytest.approx([-3 + 3 * i / 999 for i in range(1000)])


def test_lr_find_sweeps_a_copy_and_suggests_a_rate_at_or_below_the_minimum(data):
    m = _model(data, n_hidden=32)
    before = _state(m)
    seen = []
    r = lr_find(m, *data.splits["train"], batch_size=32, seed=5, progress=lambda i, loss: seen.append(i))
    assert _same(m, before)  # the live model is untouched
    assert r.lrs == pytest.approx(lr_schedule()[1]) and r.steps == len(r.losses) == len(seen)
    assert r.steps <= 1000 and r.steps > 500
    assert 1e-3 <= r.suggested_lr <= r.min_lr <= 1.0
    i = min(range(len(r.smoothed)), key=lambda k: r.smoothed[k])
    assert r.min_lr == pytest.approx(r.lrs[i]) and r.min_loss == r.smoothed[i]
    assert r.suggested_lr == pytest.approx(max(1e-3, r.min_lr / 2))
    assert r.smoothed == pytest.approx(smooth(r.losses, r.window))
    # the same weights and seed give the same sweep
    assert lr_find(m, *data.splits["train"], batch_size=32, seed=5).losses == r.losses


def test_lr_find_losses_are_the_losses_of_sgd_steps_at_the_scheduled_rates(data):
    m = _model(data)
    X, Y = data.splits["train"]
    r = lr_find(m, X, Y, batch_size=16, steps=30, seed=9)
    ref = insight.snapshot(m)
    g = torch.Generator().manual_seed(9)
    for lr, got in zip(r.lrs, r.losses):
        ix = torch.randint(0, X.shape[0], (16,), generator=g)
        loss = F.cross_entropy(ref(X[ix]), Y[ix])
        assert float(loss.detach()) == pytest.approx(got, rel=1e-5)
        grads = torch.autograd.grad(loss, list(ref.parameters()))
        with torch.no_grad():
            for p, gr in zip(ref.parameters(), grads):
                p -= lr * gr


def test_lr_find_stops_when_the_loss_blows_up(data):
    m = _model(data)
    r = lr_find(m, *data.splits["train"], steps=400, lo=0.0, hi=3.0, seed=0)  # rates 1 to 1000
    assert r.stopped_early and r.steps < 400
    assert 1.0 <= r.suggested_lr <= r.min_lr


def test_smooth_is_a_centred_moving_average():
    xs = [float(i * i % 7) for i in range(30)]
    got = smooth(xs, 5)
    for i in range(30):
        r = min(2, i, 29 - i)
        seg = xs[i - r:i + r + 1]
        assert got[i] == pytest.approx(sum(seg) / len(seg))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 199), st.floats(0.1, 5.0))
def test_suggest_finds_the_minimum_of_a_valley(imin, depth):
    lre, _ = lr_schedule(200)
    curve = [depth * (i - imin) ** 2 / 200 + 2.0 for i in range(200)]
    sugg, min_lr, min_loss, steep = suggest(lre, curve)
    assert min_lr == pytest.approx(10 ** lre[imin]) and min_loss == pytest.approx(2.0)
    assert sugg == pytest.approx(max(1e-3, min_lr / 2)) and 1e-3 <= sugg <= min_lr
    assert 1e-3 <= steep <= min_lr


# ---- confusion -----------------------------------------------------------------------------------

def test_confusion_counts_every_dev_example_and_its_diagonal_is_the_correct_argmax(data):
    m = _model(data, n_embd=4, n_hidden=32)
    Xd, Yd = data.splits["dev"]
    c = insight.confusion(m, Xd, Yd, data.vocab, top=8)
    pred = m(Xd).argmax(1)
    assert c.n == Xd.shape[0] == sum(map(sum, c.counts))
    assert c.correct == int((pred == Yd).sum()) == sum(c.counts[i][i] for i in range(27))
    assert c.accuracy == pytest.approx(float((pred == Yd).double().mean()))
    for t in range(27):  # every cell, directly
        for p in range(27):
            assert c.counts[t][p] == int(((Yd == t) & (pred == p)).sum())
    off = sorted(((c.counts[t][p], t, p) for t in range(27) for p in range(27) if t != p and c.counts[t][p]),
                 reverse=True)
    assert [n for _, _, n in c.top] == [n for n, _, _ in off[:8]]
    assert all(t != p for t, p, _ in c.top)
    recall = c.recall()
    for t in range(27):
        row = sum(c.counts[t])
        assert recall[t] == (c.counts[t][t] / row if row else None)
    assert sum(c.predicted_totals()) == c.n


# ---- run comparison ------------------------------------------------------------------------------

def _train_run(tmp_path, name, data_file, *flags):
    work = tmp_path / name
    assert main(["--headless", "-i", str(data_file), "-o", str(work), *flags]) == 0
    return work


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("runs")
    f = tmp / "names.txt"
    f.write_text("\n".join(WORDS) + "\n")
    a = _train_run(tmp, "a", f, "--max-steps", "300", "--log-every", "10", "--eval-every", "100", "--n-hidden", "16")
    b = _train_run(tmp, "b", f, "--max-steps", "200", "--log-every", "20", "--eval-every", "100", "--n-hidden", "16",
                   "-l", "0.05")
    return f, a, b


def test_load_run_reads_the_work_directory_files(runs, capsys):
    _, a, _ = runs
    capsys.readouterr()
    rec = insight.load_run(a)
    lines = [json.loads(x) for x in (a / "metrics.jsonl").read_text().splitlines()]
    assert rec.steps == [d["step"] for d in lines if d.get("train_loss") is not None]
    assert rec.train_loss == [d["train_loss"] for d in lines if d.get("train_loss") is not None]
    assert rec.val_steps == [d["step"] for d in lines if d.get("val_loss") is not None] == [100, 200]
    assert rec.config == json.loads((a / "config.json").read_text())
    assert rec.summary == json.loads((a / "summary.json").read_text())
    assert rec.best_val() == rec.summary["val_loss"]


def test_load_run_skips_a_torn_line_and_refuses_an_empty_directory(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"step": 10, "train_loss": 3.0}\n{"step": 20, "train_lo')
    rec = insight.load_run(tmp_path)
    assert rec.steps == [10] and rec.train_loss == [3.0] and rec.summary is None
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(insight.RunError):
        insight.load_run(empty)


def test_compare_rows_list_settings_that_differ_and_results(runs):
    _, a, b = runs
    ra, rb = insight.load_run(a), insight.load_run(b)
    header, rows = insight.compare_rows([ra, rb], only_different=True)
    assert header == ["", "a", "b"]
    table = {r[0]: r[1:] for r in rows}
    assert table["learning_rate"] == ["0.1", "0.05"] and table["max_steps"] == ["300", "200"]
    assert "n_hidden" not in table and "block_size" not in table  # the same in both
    assert table["steps"] == ["300", "200"]
    assert table["dev loss"] == [f"{ra.summary['val_loss']:.4f}", f"{rb.summary['val_loss']:.4f}"]
    _, all_rows = insight.compare_rows([ra, rb])
    assert {r[0] for r in all_rows} >= {"n_hidden", "block_size", "learning_rate"}


def test_downsample_is_bounded_and_averages_buckets():
    xs = list(range(1000))
    ys = [float(x) for x in xs]
    ox, oy = insight.downsample(xs, ys, 100)
    assert len(ox) == 100 and ox[-1] == 999
    assert oy[0] == pytest.approx(sum(range(10)) / 10)
    assert insight.downsample(xs[:50], ys[:50], 100) == (xs[:50], ys[:50])


# ---- the command line ----------------------------------------------------------------------------

def test_inspect_views_print_their_numbers(runs, capsys):
    f, a, _ = runs
    from makemore_tui.run import load_for_sampling

    model, vocab, cfg = load_for_sampling(a)
    capsys.readouterr()
    assert main(["--inspect", "next-char", "-o", str(a), "--context", "emm"]) == 0
    out = capsys.readouterr().out
    nc = insight.next_char(model, vocab, "emm", block_size=cfg.block_size)
    assert "'emm'" in out and f"most likely: {nc.top[0][0]} {100 * nc.top[0][1]:.1f}%" in out
    assert main(["--inspect", "confusion", "-o", str(a), "-i", str(f)]) == 0
    out = capsys.readouterr().out
    data = make_dataset(WORDS, cfg.block_size, vocab=vocab)
    c = insight.confusion(model, *data.splits["dev"], vocab)
    assert f"{c.correct:,} of {c.n:,} right" in out
    assert main(["--inspect", "embedding", "-o", str(a)]) == 0
    assert "vowel spread" in capsys.readouterr().out
    assert main(["--inspect", "health", "-o", str(a), "-i", str(f)]) == 0
    out = capsys.readouterr().out
    X, Y = insight.fixed_batch(*data.splits["train"], cfg.batch_size, seed=cfg.seed)
    layer = insight.health(model, X, Y).layer
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


# ---- the other model types (models/) ------------------------------------------------------------

@pytest.mark.parametrize("kind", ["bigram", "mlp-bn", "wavenet", "rnn", "gru", "transformer"])
def test_every_view_works_for_every_model_type_and_leaves_it_unchanged(kind):
    block = 1 if kind == "bigram" else 4
    data = make_dataset(WORDS, block)
    m = build_model(Config(type=kind, block_size=block, n_embd=8, n_hidden=16, n_layer=1, n_head=2, seed=1).validate(),
                    len(data.vocab))
    before = _state(m)  # BatchNorm's running statistics included
    X, Y = insight.fixed_batch(*data.splits["train"], 32)
    nc = insight.next_char(m, data.vocab, "em", block_size=block)
    m.eval()  # one example: BatchNorm must use its running statistics, as next_char does
    with torch.no_grad():
        want = torch.softmax(m(torch.tensor([data.vocab.encode(nc.window)])).double()[0], 0)
    m.train()
    assert torch.allclose(torch.tensor(nc.probs, dtype=torch.float64), want, atol=1e-6)
    if kind == "bigram":
        with pytest.raises(insight.InsightError):
            insight.embedding_map(m, data.vocab)
    else:
        assert insight.embedding_map(m, data.vocab).method == "PCA"
    h = insight.health(m, X, Y)
    assert len(h.grads) == len([p for p in m.parameters() if p.requires_grad])
    for layer in h.layers:
        assert layer.hist.total > 0 and 0.0 <= layer.saturated <= 1.0
    c = insight.confusion(m, *data.splits["dev"], data.vocab)
    assert sum(map(sum, c.counts)) == data.splits["dev"][0].shape[0]
    r = lr_find(m, *data.splits["train"], steps=50)
    assert 1e-3 <= r.suggested_lr <= r.min_lr
    assert _same(m, before)


def test_step_ticks_are_round_and_inside_the_range():
    from makemore_tui.insight_charts import nice_ticks

    ticks, labels = nice_ticks(320.5, 81300.5, 80)
    assert ticks == [20000, 40000, 60000, 80000] and labels == ["20k", "40k", "60k", "80k"]
    ticks, labels = nice_ticks(1, 300, 160)
    assert ticks[0] >= 1 and ticks[-1] <= 300 and all(t % 50 == 0 for t in ticks)
