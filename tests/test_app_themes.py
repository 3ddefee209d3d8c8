"""Themes: the --theme option, t for the next one, NO_COLOR, and the project's themes as data."""

from __future__ import annotations

import pytest

from makemore_tui.app.themes import DEFAULT_ANSI, DEFAULT_DARK, DEFAULT_LIGHT, load_themes, theme_from_dict

from helpers_app import finished, make_app, run_async


@run_async
async def test_theme_option_and_next_theme(app_words, in_tmp):
    app = make_app(app_words, theme="makemore-ansi")
    async with app.run_test() as pilot:
        await finished(pilot)
        assert app.theme == "makemore-ansi" and app.current_theme.ansi
        await pilot.press("t")
        assert app.theme != "makemore-ansi"
    unknown = make_app(app_words, theme="no-such-theme")
    async with unknown.run_test() as pilot:
        await finished(pilot)
        assert unknown.theme == DEFAULT_DARK
        assert any("no-such-theme" in n for n in unknown.startup_notes)


@run_async
async def test_no_color_uses_the_ansi_theme_without_colours(app_words, in_tmp, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(app_words)
    async with app.run_test() as pilot:
        await finished(pilot)
        assert app.no_color and app.theme == DEFAULT_ANSI


def test_project_themes_load_as_data(tmp_path):
    loaded = load_themes()
    names = {t.name for t in loaded.themes}
    assert {DEFAULT_DARK, DEFAULT_LIGHT, DEFAULT_ANSI} <= names and not loaded.problems
    by_name = {t.name: t for t in loaded.themes}
    assert by_name[DEFAULT_ANSI].ansi
    ansi_colours = [getattr(by_name[DEFAULT_ANSI], f) for f in ("primary", "secondary", "error", "foreground")]
    assert all(c.startswith("ansi_") for c in ansi_colours)
    assert not by_name[DEFAULT_LIGHT].dark
    # a broken file is reported, not executed, and does not stop the others
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = "not a colour"\n')
    (tmp_path / "code.toml").write_text('__import__("os")')
    (tmp_path / "ok.json").write_text('{"name": "ok", "primary": "#123456", "variables": {"chart-raw": "#777777"}}')
    out = load_themes([tmp_path])
    assert [t.name for t in out.themes] == ["ok"]
    assert len(out.problems) == 2 and any("not a colour" in p for p in out.problems)
    with pytest.raises(ValueError, match="unknown setting"):
        theme_from_dict({"name": "x", "primary": "#000000", "exec": "rm -rf /"})
