"""The insight panes in the app (Pilot and snapshots): each view's key and palette entry, the numbers
each pane shows against a direct computation on the run's model, and what each looks like.

Every app here trains a small seeded network for a fixed number of steps and then idles, so the
numbers and the screens are the same on every run."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import torch

from makemore_tui.app.state import FINISHED
from makemore_tui.config import Config
from makemore_tui.insight.compare import load_run
from makemore_tui.insight.embedding import embedding_map, vowel_spread
from makemore_tui.insight.health import fixed_batch
from makemore_tui.insight.views import view

from helpers import REPO
from helpers_app import choose_in_palette, finished, insight_app, make_app, run_async, wait_for, wait_for_text

STEPS = 300
KEYS = {"next-char": "5", "embedding": "6", "lr-find": "7", "health": "8", "compare": "9", "confusion": "0"}
IDS = [name.replace("-", "") for name in KEYS]  # the snapshots' and the docs' file names: nextchar, lrfind


def pane(app, name):
    return app.insight_pane(name)


async def charts_drawn(pilot, p) -> None:
    """Draw the pane again at its size now (its first drawing may have come before its layout), and wait
    until its charts (built in worker threads) show that drawing."""
    from makemore_tui.app.insight.chart import InsightChart

    await wait_for(pilot, lambda: p.size.width > 0 and p.size.height > 0, what="the pane's layout")
    pilot.app.redraw(force=True)
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: all(c.settled for c in p.query(InsightChart)), what="the charts")
    await pilot.pause(0.05)


async def show(pilot, name: str):
    """Press the view's key and wait for its first numbers and charts."""
    await pilot.press(KEYS[name])
    p = pane(pilot.app, name)
    await wait_for(pilot, lambda: p.result is not None or p.error is not None, what=f"{name} numbers")
    await charts_drawn(pilot, p)
    assert p.error is None, p.error
    return p


# ---- keys and the palette ------------------------------------------------------------------------

@run_async
async def test_each_view_has_a_key_that_shows_it_and_goes_back(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        switcher = app.query_one("#views")
        for name, key in KEYS.items():
            await pilot.press(key)
            assert switcher.current == view(name).view_id
            app.set_focus(None)  # the next-char view focuses its input
            await pilot.press(key)
            assert switcher.current == "training"


@run_async
async def test_each_view_is_in_the_command_palette(workdir):
    from makemore_tui.app.keys import all_keys

    actions = {k.action: k for k in all_keys()}
    for name in KEYS:
        assert f"insight('{name}')" in actions
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        await choose_in_palette(pilot, "embedding map", view("embedding").help)
        await wait_for(pilot, lambda: app.query_one("#views").current == "insight-embedding", what="the palette")


# ---- the numbers on screen -----------------------------------------------------------------------

@run_async
async def test_next_char_pane_shows_the_softmax_of_the_live_model(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        p = await show(pilot, "next-char")
        await pilot.press(*"emm")
        await wait_for(pilot, lambda: p.result is not None and p.result.context == "emm", what="emm")
        run = app.current_run
        m = run.trainer.model
        X = torch.tensor([run.data.vocab.encode("emm")])
        with torch.no_grad():
            want = torch.softmax(m(X).double()[0], 0)
        got = torch.tensor(p.result.probs, dtype=torch.float64)
        assert torch.allclose(got, want, atol=1e-6) and math.isclose(float(got.sum()), 1.0, abs_tol=1e-9)
        best = run.data.vocab.itos[int(want.argmax())]
        text = await wait_for_text(pilot, "the model sees 'emm'")
        assert f"most likely: {best} {100 * float(want.max()):.1f}%" in text
        assert "the model sees 'emm'" in text
        await pilot.press("backspace", "backspace", "backspace", "x", "!")  # '!' is no name's: not typed
        await wait_for(pilot, lambda: p.result is not None and p.result.context == "x", what="x")
        assert p.context == "x"
        app.query_one("#nc-input").value = "x!"  # pasted: said in words, no crash
        await wait_for(pilot, lambda: p.error is not None, what="an unknown character")
        assert "'!'" in p.error


@run_async
async def test_embedding_pane_plots_c(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        p = await show(pilot, "embedding")
        step, e = p.result
        C = app.current_run.trainer.model.C.detach().double()
        assert step == STEPS and e.method == "PCA"
        ref = embedding_map(app.current_run.trainer.model, app.current_run.data.vocab)
        assert e.xs == pytest.approx(ref.xs) and e.ys == pytest.approx(ref.ys)
        assert e.vowel_spread == pytest.approx(vowel_spread(C, app.current_run.data.vocab))
        text = await wait_for_text(pilot, f"vowel spread {e.vowel_spread:.2f}", "4-d rows of C")
        assert f"vowel spread {e.vowel_spread:.2f}" in text and "4-d rows of C" in text


@run_async
async def test_embedding_pane_shows_c_itself_with_two_dimensions(workdir):
    app = make_app("names.txt", Config(n_embd=2, n_hidden=32, max_steps=50, eval_every=0, seed=3).validate(),
                   work_dir="run", sample_seed=None, make_run=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        p = await show(pilot, "embedding")
        _, e = p.result
        C = app.current_run.trainer.model.C.detach().double()
        assert e.method == "C" and e.xs == C[:, 0].tolist() and e.ys == C[:, 1].tolist()


@run_async
async def test_lr_finder_pane_sweeps_and_a_applies_the_suggested_rate(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        live = {k: v.clone() for k, v in app.current_run.trainer.model.state_dict().items()}
        p = await show(pilot, "lr-find")
        r = p.result
        assert r.lrs[0] == pytest.approx(1e-3) and r.lrs[-1] == pytest.approx(1.0) and len(r.lrs) == 1000
        assert 1e-3 <= r.suggested_lr <= r.min_lr <= 1.0
        i = min(range(len(r.smoothed)), key=lambda k: r.smoothed[k])
        assert r.min_lr == pytest.approx(r.lrs[i])
        assert all(torch.equal(v, live[k]) for k, v in app.current_run.trainer.model.state_dict().items())
        text = await wait_for_text(pilot, f"suggested learning rate {r.suggested_lr:.3g}")
        assert f"suggested learning rate {r.suggested_lr:.3g}" in text
        old = app.current_run
        await pilot.press("a")
        await wait_for(pilot, lambda: app.current_run is not old, what="the restart")
        assert app.current_run.cfg.learning_rate == pytest.approx(float(f"{r.suggested_lr:.3g}"))
        assert str(app.current_run.work_dir) == "run-2" and Path("run/model.pt").exists()
        await finished(pilot)


@run_async
async def test_health_pane_numbers_equal_a_direct_count(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        p = await show(pilot, "health")
        step, h = p.result
        run = app.current_run
        m = run.trainer.model
        X, Y = fixed_batch(*run.data.splits["train"], run.cfg.batch_size, seed=run.cfg.seed)
        with torch.no_grad():
            H = torch.tanh(m.C[X].view(X.shape[0], -1) @ m.W1 + m.b1)
        layer = h.layer
        assert step == STEPS
        assert layer.saturated == pytest.approx(float((H.abs() > 0.97).double().mean()))
        assert layer.dead_units == int((H.abs() > 0.99).all(0).sum())
        text = await wait_for_text(pilot, f"saturated {100 * layer.saturated:.1f}%", "update:data ratio")
        assert f"saturated {100 * layer.saturated:.1f}%" in text and f"dead {layer.dead_units}/32" in text
        # the update:data history: log10 of the trainer's ParamStats, over the run
        hist = p.history(app.state)
        assert hist.count > 0 and set(hist.names) == {"C", "W1", "b1", "W2", "b2"}
        for name, s in app.state.stats.items():
            assert hist.latest()[name] == pytest.approx(math.log10(s.update_ratio))
        assert "update:data ratio" in text


@run_async
async def test_compare_pane_overlays_the_sessions_runs_and_compare_dirs(workdir):
    app = insight_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await finished(pilot)
        app.restart(app.current_run.cfg.updated(learning_rate=0.05))
        await wait_for(pilot, lambda: str(app.current_run.work_dir) == "run-2", what="the second run")
        await finished(pilot)
        p = await show(pilot, "compare")
        await wait_for(pilot, lambda: p.result is not None and len(p.result[0]) == 1, what="the first run's files")
        await charts_drawn(pilot, p)
        earlier, problems = p.result
        assert problems == [] and earlier[0].path == "run"
        assert earlier[0].summary == load_run("run").summary
        text = await wait_for_text(pilot, "learning_rate", "0.05", "run-2 (finished)")
        assert "learning_rate" in text and "0.05" in text and "run-2 (finished)" in text
        # the live curve is cut to the chart's width, however long the run
        width = 100
        rec = p.live_record(app.state, 2 * width)
        assert len(rec.steps) <= 2 * width


@run_async
async def test_compare_pane_reads_the_command_lines_compare_dirs(workdir):
    from makemore_tui.cli import main

    assert main(["--headless", "-i", "names.txt", "-o", "old", "--max-steps", "200", "--n-hidden", "16",
                 "--log-every", "10"]) == 0
    app = insight_app()
    app.compare_dirs = ("old", "missing")  # what run_app sets from --compare DIR ...
    async with app.run_test(size=(120, 36)) as pilot:
        await finished(pilot)
        p = await show(pilot, "compare")
        earlier, problems = p.result
        assert [r.path for r in earlier] == ["old"] and earlier[0].summary["steps"] == 200
        assert len(problems) == 1 and "missing" in problems[0]
        text = await wait_for_text(pilot, "old", "n_hidden", "missing is not a directory")
        assert "old" in text and "n_hidden" in text and "missing is not a directory" in text


@run_async
async def test_confusion_pane_counts_the_dev_set(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        p = await show(pilot, "confusion")
        step, c = p.result
        run = app.current_run
        Xd, Yd = run.data.splits["dev"]
        with torch.no_grad():
            pred = run.trainer.model(Xd).argmax(1)
        assert sum(map(sum, c.counts)) == Xd.shape[0] == c.n
        assert sum(c.counts[i][i] for i in range(len(c.chars))) == int((pred == Yd).sum()) == c.correct
        text = await wait_for_text(pilot, f"{c.correct:,} of {c.n:,} right")
        assert f"{c.correct:,} of {c.n:,} right" in text


@run_async
async def test_panes_compute_while_training_runs_and_follow_it(workdir):
    """A pane open during training gets new numbers as the steps go on (computed between steps).
    The run is far longer than any machine trains during the test, so it is still running at the end."""
    app = insight_app(steps=10**9, emit_interval=0.1, keep_best=False)
    async with app.run_test(size=(100, 30)) as pilot:
        p = pane(app, "health")
        await pilot.press(KEYS["health"])
        await wait_for(pilot, lambda: p.computations >= 3, what="three computations")
        steps = {p.result[0]}
        await wait_for(pilot, lambda: p.result[0] not in steps, what="a later step")
        assert app.state.status != FINISHED
        await pilot.press("q")


@run_async
async def test_numbers_and_charts_are_made_off_the_ui_thread(workdir, monkeypatch):
    import threading

    from makemore_tui.app.insight import health as insight_health

    where: dict[str, str] = {}

    def spy(name, fn):
        def wrapped(*args, **kwargs):
            where[name] = threading.current_thread().name
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(insight_health, "health", spy("health", insight_health.health))
    monkeypatch.setattr(insight_health, "draw_ratios", spy("chart", insight_health.draw_ratios))
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        await show(pilot, "health")
        ui = threading.main_thread().name
        await wait_for(pilot, lambda: set(where) == {"health", "chart"}, what="the numbers and the chart")
        assert ui not in where.values()


# ---- what each view looks like -------------------------------------------------------------------

def _before(name: str, typed: str = ""):
    async def run_before(pilot) -> None:
        await finished(pilot)
        await show(pilot, name)
        if typed:
            p = pane(pilot.app, name)
            await pilot.press(*typed)
            await wait_for(pilot, lambda: p.result is not None and p.result.context == typed)
            pilot.app.set_focus(None)
        await pilot.pause(0.3)
        pilot.app.clear_notifications()  # "training finished" would cover the pane's subtitle
        pilot.app.redraw(force=True)
        await charts_drawn(pilot, pane(pilot.app, name))

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("name", list(KEYS), ids=IDS)
def test_view_snapshot(workdir, snap_compare, name, size):
    typed = "emm" if name == "next-char" else ""
    assert snap_compare(insight_app(), terminal_size=size, run_before=_before(name, typed))


# ---- screenshots for the docs (MAKEMORE_DOCS_SHOTS=1 writes docs/insight-*.svg) ----------------------

DOCS = REPO / "docs"


@pytest.mark.skipif(not os.environ.get("MAKEMORE_DOCS_SHOTS"), reason="writes docs/insight-*.svg on request")
@pytest.mark.parametrize("name", list(KEYS), ids=IDS)
@run_async
async def test_docs_screenshot(tmp_path, monkeypatch, name):
    """The README's pictures: the seed network (2-d embeddings) on the bundled names, 30,000 steps."""
    monkeypatch.chdir(tmp_path)
    data = str(REPO / "data" / "names.txt")
    cfg = Config(max_steps=30_000, eval_every=5_000).validate()
    app = make_app(data, cfg, sample_seed=0)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.state.status == FINISHED and not app.current_run.trainer.running,
                       timeout=300)
        if name == "compare":  # a second run to compare with: lecture 2's bigger network
            app.restart(cfg.updated(n_embd=10, n_hidden=200))
            await wait_for(pilot, lambda: str(app.current_run.work_dir) == "out-2")
            await wait_for(pilot, lambda: app.state.status == FINISHED and not app.current_run.trainer.running,
                           timeout=300)
        await show(pilot, name)
        if name == "next-char":
            await pilot.press(*"emm")
            await wait_for(pilot, lambda: pane(app, name).result.context == "emm")
            app.set_focus(None)
        if name == "compare":
            await wait_for(pilot, lambda: len(pane(app, name).result[0]) == 1)
        await pilot.pause(0.5)
        app.clear_notifications()
        app.redraw(force=True)
        await charts_drawn(pilot, pane(app, name))
        DOCS.mkdir(exist_ok=True)
        app.save_screenshot(str(DOCS / f"insight-{name.replace('-', '')}.svg"))
