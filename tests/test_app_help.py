"""The help screen and the command palette: every key listed, with an action, and reachable by name."""

from __future__ import annotations

from makemore_tui.app.help_screen import HelpScreen, help_text
from makemore_tui.app.keys import all_keys

from helpers_app import choose_in_palette, finished, make_app, run_async, wait_for, wait_for_text


@run_async
async def test_help_lists_every_key(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(100, 40)) as pilot:
        await finished(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = await wait_for_text(pilot, "Pause or resume training", "Keys")
        full = " ".join(help_text(60).split())
        for k in all_keys():
            assert " ".join(k.help.split()) in full, k.help
        assert "ctrl+p" in full and "Command palette" in full
        assert "Pause or resume training" in text and "Keys" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@run_async
async def test_every_key_has_an_action(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test() as pilot:
        await finished(pilot)
        for k in all_keys():
            name = k.action.split("(")[0]
            assert callable(getattr(app, f"action_{name}", None)), k.action


@run_async
async def test_palette_reaches_actions_and_themes(app_words, in_tmp):
    from makemore_tui.app.commands import ActionCommands, ThemeCommands

    app = make_app(app_words)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        themes = [title for title, _, _ in ThemeCommands(app.screen)._commands()]
        assert "theme: makemore-light" in themes and "theme: textual-dark" in themes
        actions = [title for title, _, _ in ActionCommands(app.screen)._commands()]
        assert len(actions) == len(all_keys())
        await choose_in_palette(pilot, "makemore-light", "theme: makemore-light")
        await wait_for(pilot, lambda: app.theme == "makemore-light", what="the theme to change")
