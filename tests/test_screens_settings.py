"""The settings form: Enter moves to the next field (or opens a list), only Start (the button or
ctrl+s) starts a new run, and the focused field is marked beside its label, with or without colour."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Label, Select

from makemore_tui.app.settings_screen import SettingsScreen
from screens_helpers import screen_app, wait_done, wait_for


def _marked(screen) -> list[str]:
    return [str(w.render()).strip() for w in screen.query(Label) if str(w.render()).startswith("▸")]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_enter_moves_on_and_only_start_starts(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = screen_app(words_file, steps=300)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            first = app.current_run
            await pilot.press("e")
            screen = app.screen
            assert isinstance(screen, SettingsScreen)
            assert app.focused.id == "f-block_size" and _marked(screen) == ["▸ block size"]
            await pilot.press("5", "enter")  # the value typed over, then the next field: nothing started
            assert app.screen is screen and app.focused.id == "f-n_embd"
            assert _marked(screen) == ["▸ embedding size"]
            for _ in range(4):  # n_embd, n_hidden, batch size, learning rate: each Enter moves on
                await pilot.press("enter")
            assert app.focused.id == "f-lr_schedule" and _marked(screen) == ["▸ lr schedule"]
            select = app.focused
            assert isinstance(select, Select) and not select.expanded
            await pilot.press("enter")  # a list: Enter opens it
            assert select.expanded
            await pilot.press("escape")
            await pilot.pause(0.05)
            assert not select.expanded and app.screen is screen
            assert app.current_run is first  # no Enter started anything
            await pilot.pause(0.1)
            assert str(screen.query_one("#apply").label) == "Start training"
            await pilot.click("#apply")  # the explicit Start
            await wait_for(pilot, lambda: app.current_run is not first, what="the new run")
            assert app.current_run.cfg.block_size == 5
            await wait_done(pilot)

    asyncio.run(go())


def test_the_last_field_enter_goes_to_start_without_pressing_it(words_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = screen_app(words_file, steps=300)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_done(pilot)
            first = app.current_run
            await pilot.press("e")
            screen = app.screen
            screen.query_one("#f-seed").focus()
            await pilot.press("enter")  # seed -> optimizer (a list)
            assert app.focused.id == "f-optimizer" and app.current_run is first
            assert _marked(screen) == ["▸ optimizer"]
            await pilot.press("escape")  # leaves the form
            assert not isinstance(app.screen, SettingsScreen) and app.current_run is first

    asyncio.run(go())


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_settings_focus_no_color(words_file, tmp_path, monkeypatch, snap_compare, size):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")

    async def before(pilot):
        await wait_done(pilot)
        await pilot.press("e", "enter", "enter")  # focus on the hidden size
        await pilot.pause(0.05)

    assert snap_compare(screen_app(words_file, steps=300), terminal_size=size, run_before=before)
