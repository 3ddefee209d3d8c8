"""Sampling from the app: the keys, the temperature, a typed prefix."""

from __future__ import annotations

import pytest

from helpers_app import finished, make_app, run_async, screen_text, wait_for


@run_async
async def test_sampling_keys(app_words, in_tmp):
    app = make_app(app_words, n_samples=12)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        await pilot.press("s")
        assert app.sample_panel.display  # sampling shows the panel
        await wait_for(pilot, lambda: len(app.samples.samples) == 12, what="samples")
        first = [s.text for s in app.samples.samples]
        known = app.current_run.data.is_known
        for s in app.samples.samples:
            assert s.is_new == (not known(s.text)) and s.logprob < 0
        await wait_for(pilot, lambda: first[0] in screen_text(app), what="the samples on the screen")
        text = screen_text(app)
        assert first[0] in text and ("new" in text or "known" in text)
        # temperature up: same seed, other names; the title says so
        await pilot.press("plus")
        assert app.samples.temperature == pytest.approx(1.1)
        await wait_for(pilot, lambda: not app.samples.busy)
        assert "T 1.1" in app.sample_panel.border_title
        await pilot.press("minus", "minus")
        await wait_for(pilot, lambda: not app.samples.busy)
        assert app.samples.temperature == pytest.approx(0.9)
        # a fresh batch: another seed
        await pilot.press("s")
        await wait_for(pilot, lambda: not app.samples.busy)
        again = [s.text for s in app.samples.samples]
        assert again != first


@run_async
async def test_prefix_is_typed_and_checked(app_words, in_tmp):
    app = make_app(app_words, n_samples=8)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        await pilot.press("slash")
        assert app.focused is app.sample_panel.prefix_input
        await pilot.press("m", "a", "enter")
        assert app.focused is None  # back to the keys
        await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy, what="samples")
        assert all(s.text.startswith("ma") for s in app.samples.samples)
        # q typed into the field is a letter, not quit
        await pilot.press("slash", "backspace", "backspace", "q", "escape")
        assert app.is_running and app.sample_panel.prefix_input.value == "q"
        await pilot.press("slash", "backspace", "full_stop", "enter")
        assert "start/end token" in app.samples.error
        await pilot.press("slash", "backspace", "7", "enter")
        assert "not in the data" in app.samples.error
