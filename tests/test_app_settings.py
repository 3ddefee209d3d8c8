"""The settings form: checked as it is typed, a preset filling it, a restart in a new work directory."""

from __future__ import annotations

import pytest

from makemore_tui.app.dashboard import LARGE
from makemore_tui.app.settings_screen import SettingsScreen, field_of
from makemore_tui.settings import parse_number
from makemore_tui.config import preset
from makemore_tui.run import next_work_dir

from helpers_app import finished, make_app, run_async, screen_text, wait_for


def message(screen, field: str) -> str:
    """The form's message beside a field ('' when it is fine)."""
    return str(screen.query_one(f"#e-{field}").render())


def test_parse_number_and_field_of():
    assert parse_number("200,000", int, form=True) == 200_000  # the form's commas (not the flags')
    assert parse_number("2e5", int) == 200_000
    assert parse_number("1_000", int) == 1000
    assert parse_number("0.05", float) == 0.05
    for bad, kind in (("", int), ("abc", int), ("1.5", int), ("inf", float)):
        with pytest.raises(ValueError):
            parse_number(bad, kind, form=True)
    with pytest.raises(ValueError, match="not a number"):
        parse_number("200,000", int)  # a flag takes no commas
    assert field_of("block_size must be between 1 and 256, got 0") == "block_size"
    assert field_of("learning_rate 5000 is far too large") == "learning_rate"
    assert field_of("min_lr must be between 0 and the learning rate") == "min_lr"
    assert field_of("lr_decay_factor must be in (0, 1], got 2") is None  # not a field of the form


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


class _FormApp:
    """A bare app holding only the settings form (no run): what the form shows for a Config."""

    def __new__(cls, cfg):
        from textual.app import App

        class FormApp(App):
            def on_mount(self) -> None:
                self.push_screen(SettingsScreen(cfg))

        return FormApp()


def _shown(screen) -> set[str]:
    from makemore_tui.app.settings_screen import FIELDS

    return {f.name for f in FIELDS if screen.query_one(f"#f-{f.name}").display
            and screen.query_one(f"#l-{f.name}").display}


@pytest.mark.parametrize("kind", __import__("makemore_tui.models", fromlist=["names"]).names())
@run_async
async def test_the_form_shows_every_setting_the_type_reads(kind):
    """For each registered type, the form shows each setting of the table that the type reads (its
    sizes, dropout, the optimiser's and the schedule's) and none that it does not."""
    from makemore_tui.config import PRESETS, Config, read_by
    from makemore_tui.settings import SETTINGS

    app = _FormApp(preset(kind) if kind in PRESETS else Config(type=kind))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        want = {s.name for s in SETTINGS if s.form and kind in read_by(s)}
        assert _shown(screen) == want
        assert {"weight_decay", "warmup_steps", "min_lr", "split", "eval_every"} <= want
        # at 80x24 each field comes into view when focused (the form scrolls where it is taller)
        form = screen.query_one("VerticalScroll")
        assert not screen.query_one("#apply").disabled
        for name in [*sorted(want), "apply"]:
            w = screen.query_one(f"#f-{name}" if name != "apply" else "#apply")
            w.focus()  # the screen scrolls it into view after a refresh or two (slower on a loaded machine)
            await wait_for(pilot, lambda: w.region.height > 0 and form.region.contains_region(w.region), what=name)


@run_async
async def test_the_form_follows_the_model_type_and_keeps_the_values():
    from makemore_tui.config import Config

    cfg = preset("transformer", n_layer=2, dropout=0.2, max_steps=1234)
    app = _FormApp(cfg)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert {"n_layer", "n_head", "dropout"} <= _shown(screen) and "n_hidden" not in _shown(screen)
        assert screen.query_one("#f-n_layer").value == "2" and screen.query_one("#f-dropout").value == "0.2"
        screen.query_one("#f-n_layer").value = "3"
        await pilot.pause()
        got = screen.check()
        assert (got.n_layer, got.dropout, got.max_steps, got.weight_decay) == (3, 0.2, 1234, cfg.weight_decay)
        screen.query_one("#f-type").value = "mlp"  # the MLP reads no layers nor dropout: hidden, dropout off
        await wait_for(pilot, lambda: "n_hidden" in _shown(screen), what="the MLP's fields")
        assert not {"n_layer", "n_head", "dropout"} & _shown(screen)
        got = screen.check()
        assert got is not None and got.type == "mlp" and got.dropout == Config().dropout
        screen.query_one("#f-preset").value = "rnn"  # a preset fills the form and shows its type's fields
        await wait_for(pilot, lambda: "dropout" in _shown(screen) and "n_layer" not in _shown(screen),
                       what="the rnn's fields")
        assert screen.query_one("#f-n_embd").value == str(preset("rnn").n_embd)
        assert screen.check().type == "rnn"
