"""The settings form: checked as it is typed, a preset filling it, a restart in a new work directory."""

from __future__ import annotations

import pytest

from makemore_tui.app.dashboard import LARGE
from makemore_tui.app.settings_screen import SettingsScreen, field_of, parse_number
from makemore_tui.config import preset
from makemore_tui.run import next_work_dir

from helpers_app import finished, make_app, run_async, screen_text, wait_for


def message(screen, field: str) -> str:
    """The form's message beside a field ('' when it is fine)."""
    return str(screen.query_one(f"#e-{field}").render())


def test_parse_number_and_field_of():
    assert parse_number("200,000", int) == 200_000
    assert parse_number("2e5", int) == 200_000
    assert parse_number("1_000", int) == 1000
    assert parse_number("0.05", float) == 0.05
    for bad, kind in (("", int), ("abc", int), ("1.5", int), ("inf", float)):
        with pytest.raises(ValueError):
            parse_number(bad, kind)
    assert field_of("block_size must be between 1 and 256, got 0") == "block_size"
    assert field_of("learning_rate 5000 is far too large") == "learning_rate"
    assert field_of("min_lr must be between 0 and the learning rate") is None


@run_async
async def test_settings_form_checks_and_keeps_the_run_going_when_invalid(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        first_run = app.current_run
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        field = screen.query_one("#f-block_size")
        field.value = "0"
        await wait_for(pilot, lambda: "between 1 and 256" in message(screen, "block_size"), what="the check")
        assert "between 1 and 256" in str(screen.query_one("#e-block_size").render())
        assert screen.query_one("#apply").disabled
        await pilot.press("ctrl+s")  # refused: still the form, still the same run
        assert app.screen is screen and app.current_run is first_run
        field.value = "abc"
        await wait_for(pilot, lambda: "not a number" in message(screen, "block_size"), what="the check")
        assert "not a number" in str(screen.query_one("#e-block_size").render())
        field.value = "4"
        screen.query_one("#f-learning_rate").value = "-1"
        await wait_for(pilot, lambda: message(screen, "block_size") == ""
                       and "positive" in message(screen, "learning_rate"), what="the check")
        assert str(screen.query_one("#e-block_size").render()) == ""
        assert "positive" in str(screen.query_one("#e-learning_rate").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen) and app.current_run is first_run


@run_async
async def test_settings_form_restarts_in_a_new_work_dir(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        old = app.current_run
        await pilot.press("e")
        screen = app.screen
        screen.query_one("#f-n_embd").value = "5"
        screen.query_one("#f-max_steps").value = "200"
        await pilot.pause(0.05)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.current_run is not old, what="the new run")
        assert app.current_run.cfg.n_embd == 5 and app.current_run.cfg.block_size == 3
        assert str(app.current_run.work_dir) == "out-2" and str(old.work_dir) == "out"
        await finished(pilot)
        assert app.state.step == 200
        assert ("C", "C[X]", (32, 3, 5)) == app.state.shapes[1][:1] + app.state.shapes[1][1:3] or \
            app.state.shapes[1][2] == (32, 3, 5)
        assert "(32, 3, 5)" in screen_text(app) or app.dashboard.mode != LARGE
        assert (in_tmp / "out" / "model.pt").is_file() and (in_tmp / "out-2" / "model.pt").is_file()


@run_async
async def test_preset_fills_the_form(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        await pilot.press("e")
        screen = app.screen
        screen.query_one("#f-preset").value = "fast"
        fast = preset("fast")
        await wait_for(pilot, lambda: screen.query_one("#f-block_size").value == str(fast.block_size),
                       what="the preset")
        assert screen.query_one("#f-block_size").value == str(fast.block_size)
        assert screen.query_one("#f-optimizer").value == fast.optimizer
        cfg = screen.check()
        assert cfg is not None and cfg.warmup_steps == fast.warmup_steps and cfg.preset == "fast"
        await pilot.press("escape")


def test_next_work_dir_skips_existing(tmp_path):
    (tmp_path / "out-2").mkdir()
    assert next_work_dir(tmp_path / "out") == tmp_path / "out-3"
    assert next_work_dir(tmp_path / "out", {str(tmp_path / "out-3")}) == tmp_path / "out-4"
