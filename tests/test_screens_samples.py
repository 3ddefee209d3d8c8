"""The samples pane: one hint before the first names, none once the run has ended; each name marked
new (not in the data), real (a dev or test name: real, but never trained on) or known (trained on),
and the pane says what the marks mean."""

from __future__ import annotations

import asyncio

import pytest

from makemore_tui.app.sample_panel import MEANING, legend, mark_of
from makemore_tui.data import make_dataset
from makemore_tui.models import build_model
from makemore_tui.sampling import Sample, held_out_words, sample
from helpers import tiny_config
from screens_helpers import screen_app, screen_text, wait_done, wait_for

NAMES = [Sample("emma", -5.1, is_new=False), Sample("zorblat", -19.2, is_new=True),
         Sample("olivia", -7.3, is_new=True, held_out=True), Sample("ana", -4.0, is_new=False),
         Sample("quix", -12.5, is_new=True)]


def test_marks_and_legend():
    assert [mark_of(s) for s in NAMES] == ["known", "new", "real", "known", "new"]
    wide = legend(NAMES, 1200, 200)
    assert "\n" not in wide and "2 new (not in the data)" in wide and "1 real but unseen (dev/test names" in wide
    assert "2 known (trained on)" in wide and wide.startswith("step 1,200: ")
    narrow = legend(NAMES, 1200, 76)
    first, meaning = narrow.split("\n")
    assert first == "step 1,200: 2 new · 1 real, unseen · 2 known" and meaning == MEANING and len(MEANING) <= 76


def test_sampling_marks_dev_and_test_names(words):
    data = make_dataset(words, 3)
    cfg = tiny_config()
    model = build_model(cfg, len(data.vocab))
    dev_or_test = held_out_words(data)
    assert all(dev_or_test(w) for w in data.split_words["dev"] + data.split_words["test"])
    out = sample(model, data.vocab, 3, n=50, seed=1, is_known=lambda w: False, is_held_out=lambda w: True)
    assert all(s.is_new and s.held_out for s in out)
    out = sample(model, data.vocab, 3, n=50, seed=1, is_known=lambda w: True, is_held_out=lambda w: True)
    assert not any(s.held_out for s in out)  # a name in the training data is known, whatever else
    out = sample(model, data.vocab, 3, n=50, seed=1, is_known=data.is_known)
    assert not any(s.held_out for s in out)  # without the dev and test words: nothing is marked real


def test_the_run_marks_its_dev_names_real(words_file, tmp_path, monkeypatch):
    """Run.sample passes the dev and test words: a name drawn from them is marked real."""
    from makemore_tui.config import preset
    from makemore_tui.run import open_run

    run = open_run(preset("seed", max_steps=1), str(words_file), tmp_path / "w")
    try:
        run.trainer.run()
        dev = set(run.data.split_words["dev"]) - set(run.data.split_words["train"])
        monkeypatch.setattr(run.data, "known", lambda texts: [False] * len(texts))  # as if nothing were trained on
        names = run.sample(n=400, seed=3, prefix="")
        real = [s.text for s in names if s.held_out]
        held = held_out_words(run.data)
        assert all(held(t) for t in real) and all(s.is_new for s in names)
        assert [s.text for s in names if held(s.text)] == real
        assert dev  # (the split has names of its own)
    finally:
        run.close()


async def _pane_texts(words_file, size):
    app = screen_app(words_file, steps=300, paused=True, n_samples=5)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.state.status == "paused", what="the pause")
        await pilot.press("4")
        await pilot.pause(0.05)
        panel = app.sample_panel
        before = screen_text(app)
        # names as the sampler would hand them over
        s = app.samples
        s.samples, s.step = list(NAMES), 120
        panel.show(s)
        await pilot.pause(0.05)
        during = (screen_text(app), str(panel.border_subtitle))
        app.current_run.trainer.resume()
        await wait_done(pilot)
        await pilot.pause(0.05)
        after = (screen_text(app), str(panel.border_subtitle))
        return before, during, after


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_one_hint_before_the_names_none_after_the_end(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    before, (during, sub_during), (after, sub_after) = asyncio.run(_pane_texts(words_file, size))
    hint = "press s to sample names"
    assert before.count(hint) == 1 and "press / to type" not in before
    assert hint not in during and "again" in sub_during and "s again" in during
    for text in (during, after):
        assert "zorblat" in text and "real" in text and "known" in text and "new" in text
        assert "not in the data" in text and "dev/test" in text
    assert sub_after == "" and hint not in after and "press" not in after.split("Samples")[1].split("╰")[0]


def test_snapshot_samples_marks(words_file, tmp_path, monkeypatch, snap_compare):
    monkeypatch.chdir(tmp_path)

    async def before(pilot):
        app = pilot.app
        await wait_for(pilot, lambda: app.state.status == "paused", what="the pause")
        await pilot.press("4")
        s = app.samples
        s.samples, s.step = list(NAMES), 120
        app.sample_panel.show(s)
        await pilot.pause(0.05)

    app = screen_app(words_file, steps=300, paused=True, n_samples=5)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
