"""The Textual app, driven by Pilot against a real trainer that makes a fixed number of seeded steps
and then idles (never an endless training thread: Pilot waits for the screen, and some of its calls
for an idle CPU)."""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
from pathlib import Path

import pytest
import torch

from makemore_tui import events as ev
from makemore_tui.app.app import MakemoreApp
from makemore_tui.app.dashboard import LARGE, MEDIUM, SMALL, layout_for
from makemore_tui.app.divergence_banner import DivergenceBanner
from makemore_tui.app.help_screen import HelpScreen, help_text
from makemore_tui.app.keys import all_keys
from makemore_tui.app.messages import TrainerEvent
from makemore_tui.app.settings_screen import SettingsScreen, field_of, parse_number
from makemore_tui.app.state import DIVERGED, FINISHED, PAUSED, TRAINING
from makemore_tui.app.themes import DEFAULT_ANSI, DEFAULT_DARK, DEFAULT_LIGHT, load_themes, theme_from_dict
from makemore_tui.config import preset
from makemore_tui.run import next_work_dir, open_run

torch.set_num_threads(1)  # as the command line does; and the same losses on every machine


def run_async(fn):
    """Run an async test in its own event loop (no asyncio plugin needed)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper

SYLLABLES = ["an", "na", "el", "li", "ma", "ri", "jo", "sa", "ka", "be", "th", "ya", "le", "on", "is", "ev",
             "da", "mi", "ro", "ch", "ze", "qu", "ix", "ul", "fa", "go", "wy", "ph"]


def word_list(n: int = 400) -> list[str]:
    import random

    r = random.Random(1)
    words = sorted({"".join(r.choice(SYLLABLES) for _ in range(r.randint(1, 3))) for _ in range(n)})
    return ["abcdefghijklmnopqrstuvwxyz"] + words


@pytest.fixture
def app_words(tmp_path) -> Path:
    p = tmp_path / "words.txt"
    p.write_text("\n".join(word_list()) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # work directories are relative ("out"), as on the command line
    return tmp_path


def make_run(words: Path, work_dir="out", steps: int = 300, emit_interval: float = 0.1, validate=True, **cfg):
    cfg = preset("seed", max_steps=steps, eval_every=100, log_every=50, **cfg)
    if validate:
        cfg.validate()
    return open_run(cfg, str(words), work_dir, emit_interval=emit_interval)


def make_app(words: Path, steps: int = 300, paused: bool = False, **kwargs) -> MakemoreApp:
    run = make_run(words, steps=steps, emit_interval=kwargs.pop("emit_interval", 0.1),
                   validate=kwargs.pop("validate", True), **kwargs.pop("cfg", {}))
    if paused:
        run.trainer.pause()  # it stops before its first step and waits
    counter = {"n": 1}

    def reopen(cfg):
        counter["n"] += 1
        return open_run(cfg, str(words), f"out-{counter['n']}")

    kwargs.setdefault("make_run", reopen)
    kwargs.setdefault("sample_seed", 7)
    kwargs.setdefault("freeze_clock", True)
    return MakemoreApp(run, **kwargs)


async def wait_for(pilot, condition, timeout: float = 20.0, what: str = "") -> None:
    """Let the app run until condition() holds (short sleeps: never waits for an idle CPU)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


async def finished(app, pilot) -> None:
    await wait_for(pilot, lambda: app.state.finished is not None and not app.live_runs, what="training to end")
    app.redraw(force=True)
    await pilot.pause(0.05)


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    from rich.console import Console

    console = Console(record=True, width=app.size.width, file=open("/dev/null", "w"), legacy_windows=False)
    screen = app.screen
    console.print(screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


# ---- training, the status line, the panes --------------------------------------------------------

@run_async
async def test_trains_to_the_end_and_shows_every_pane(app_words, in_tmp):
    app = make_app(app_words, steps=300, emit_interval=0.001)  # flushes often: the stats come too
    async with app.run_test(size=(160, 48)) as pilot:
        await finished(app, pilot)
        st = app.state
        assert st.status == FINISHED and st.step == 300
        assert st.train.count == 300 and math.isfinite(st.smooth_loss)
        assert st.dev.count >= 2  # evaluated at 100 and 200, and the final dev loss
        assert st.dev_loss == pytest.approx(st.finished.val_loss)
        text = screen_text(app)
        assert "FINISHED" in text and "step 300/300" in text
        assert f"dev {st.finished.val_loss:.4f}" in text
        # parameter table: every parameter with its shape and count, and the total
        for name, shape, count in (("C", "(27, 2)", "54"), ("W1", "(6, 100)", "600"), ("b1", "(100,)", "100"),
                                   ("W2", "(100, 27)", "2,700"), ("b2", "(27,)", "27")):
            line = next(l for l in text.splitlines() if f" {name} " in l and shape in l)
            assert count in line
        assert "3,481" in text
        # live stats arrived
        assert set(st.stats) == {"C", "W1", "b1", "W2", "b2"}
        assert all(s.grad_norm > 0 and 0 < s.update_ratio < 1 for s in st.stats.values())
        assert f"{st.stats['W1'].update_ratio:.1e}" in text
        # shapes pane: the real shapes of the batch, and why the view is there
        for shape in ("(32, 3)", "(32, 3, 2)", "(32, 6)", "(32, 100)", "(32, 27)"):
            assert shape in text
        assert "shapes cannot be multiplied (96x2 and 6x100)" in text.replace("\n", " ").replace("│", " ").replace("  ", " ") \
            or "shapes cannot be multiplied" in text
        assert app.dashboard.mode == LARGE


@run_async
async def test_status_line_shows_progress_and_hides_the_clock_when_frozen(app_words, in_tmp):
    app = make_app(app_words, steps=300, freeze_clock=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await finished(app, pilot)
        text = screen_text(app)
        assert "elapsed 0:0" in text
        assert "lr 0.1" in text and "train " in text and "dev " in text
    frozen = make_app(app_words, steps=300)
    async with frozen.run_test(size=(120, 40)) as pilot:
        await finished(frozen, pilot)
        assert "elapsed --" in screen_text(frozen)


@run_async
async def test_time_left_while_training(app_words, in_tmp):
    app = make_app(app_words, steps=300, paused=True, freeze_clock=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED, what="the first pause")
        app.state.status = TRAINING
        app.state.steps_per_s = 100.0
        app.state.step = 100
        app.state.touch("status")
        app.redraw()
        await pilot.pause(0.05)
        assert "left 0:02" in screen_text(app)  # 200 steps at 100 steps/s
        app.stop_all()


@run_async
async def test_space_pauses_and_n_steps_one_at_a_time(app_words, in_tmp):
    app = make_app(app_words, steps=300, paused=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED, what="the first pause")
        assert app.state.step == 0
        await pilot.press("n")
        await wait_for(pilot, lambda: app.state.step == 1, what="one step")
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: app.state.step == 3, what="two more steps")
        await pilot.pause(0.2)
        assert app.state.step == 3 and app.current_run.trainer.paused
        assert "PAUSED" in screen_text(app)
        await pilot.press("space")  # resume: runs to the end
        assert not app.current_run.trainer.paused and app.state.status in (TRAINING, FINISHED)
        await finished(app, pilot)
        assert app.state.step == 300


@run_async
async def test_n_while_training_pauses_first(app_words, in_tmp):
    app = make_app(app_words, steps=300, paused=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED)
        app.current_run.trainer.resume()
        app.state.status = TRAINING
        # the trainer is running (or already done): n asks it to pause
        app.current_run.trainer.pause()
        app.state.status = TRAINING
        await pilot.press("n")
        assert app.current_run.trainer.paused
        app.stop_all()


@run_async
async def test_keys_after_the_end_say_the_run_has_finished(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test() as pilot:
        await finished(app, pilot)
        await pilot.press("space")
        await pilot.pause(0.05)
        assert any("finished" in n.message for n in app._notifications)
        assert app.state.status == FINISHED


@run_async
async def test_checkpoint_key_saves(app_words, in_tmp):
    app = make_app(app_words, steps=300, paused=True)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.status == PAUSED)
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: app.state.step == 2)
        await pilot.press("c")
        await wait_for(pilot, lambda: any("saved step 2" in n.message for n in app._notifications),
                       what="the save message")
        assert (in_tmp / "out" / "model.pt").is_file()
        app.stop_all()


# ---- the chart -----------------------------------------------------------------------------------

@run_async
async def test_log_key_plots_log10_of_the_losses(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        chart = app.chart
        linear = dict(chart.drawn)
        assert linear["smooth"][1] and not chart.log_scale
        await pilot.press("l")
        assert chart.log_scale and "log10" in chart.border_title
        logged = chart.drawn
        # the same points, as log10 of the values
        assert len(logged["smooth"][1]) == len(linear["smooth"][1])
        for a, b in zip(linear["smooth"][1], logged["smooth"][1]):
            assert b == pytest.approx(math.log10(a))
        assert logged["dev"][1] == pytest.approx([math.log10(v) for v in linear["dev"][1]])
        await pilot.press("l")
        assert not chart.log_scale and chart.drawn["smooth"][1] == pytest.approx(linear["smooth"][1])


@run_async
async def test_chart_cost_does_not_grow_with_the_steps(app_words, in_tmp):
    """The chart draws about two points a column whatever the length of the run."""
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        st = app.state
        # a long run's worth of steps, as the trainer would send them
        for k in range(50):
            st.apply(ev.Steps(first_step=300 + k * 4000, losses=[2.5] * 4000, lrs=[0.1] * 4000,
                              step=300 + (k + 1) * 4000, elapsed_s=1.0, steps_per_s=1.0))
        assert st.train.count == 200_300
        assert len(st.train) <= st.train.capacity
        app.chart.update_from(st, force=True)
        width = app.chart.plot.size.width
        assert len(app.chart.drawn["raw"][0]) <= 2 * width
        assert len(app.chart.drawn["smooth"][0]) <= width


@run_async
async def test_zoom_key_fits_the_chart_to_every_step(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        chart = app.chart
        zoomed_top = chart.y_range[1]
        assert "last 90%" in chart.border_title  # the first steps' high loss is off the top
        await pilot.press("z")
        assert chart.fit_all and chart.y_range[1] > zoomed_top
        assert "last 90%" not in chart.border_title


# ---- sampling ------------------------------------------------------------------------------------

@run_async
async def test_sampling_keys(app_words, in_tmp):
    app = make_app(app_words, steps=300, n_samples=12)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        await pilot.press("s")
        assert app.sample_panel.display  # sampling shows the panel
        await wait_for(pilot, lambda: len(app.samples.samples) == 12, what="samples")
        first = [s.text for s in app.samples.samples]
        known = app.current_run.data.is_known
        for s in app.samples.samples:
            assert s.is_new == (not known(s.text)) and s.logprob < 0
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
    app = make_app(app_words, steps=300, n_samples=8)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
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


# ---- settings ------------------------------------------------------------------------------------

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
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        first_run = app.current_run
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        field = screen.query_one("#f-block_size")
        field.value = "0"
        await pilot.pause(0.05)
        assert "between 1 and 256" in str(screen.query_one("#e-block_size").render())
        assert screen.query_one("#apply").disabled
        await pilot.press("ctrl+s")  # refused: still the form, still the same run
        assert app.screen is screen and app.current_run is first_run
        field.value = "abc"
        await pilot.pause(0.05)
        assert "not a number" in str(screen.query_one("#e-block_size").render())
        field.value = "4"
        screen.query_one("#f-learning_rate").value = "-1"
        await pilot.pause(0.05)
        assert str(screen.query_one("#e-block_size").render()) == ""
        assert "positive" in str(screen.query_one("#e-learning_rate").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen) and app.current_run is first_run


@run_async
async def test_settings_form_restarts_in_a_new_work_dir(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
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
        await finished(app, pilot)
        assert app.state.step == 200
        assert ("C", "C[X]", (32, 3, 5)) == app.state.shapes[1][:1] + app.state.shapes[1][1:3] or \
            app.state.shapes[1][2] == (32, 3, 5)
        assert "(32, 3, 5)" in screen_text(app) or app.dashboard.mode != LARGE
        assert (in_tmp / "out" / "model.pt").is_file() and (in_tmp / "out-2" / "model.pt").is_file()


@run_async
async def test_preset_fills_the_form(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        await pilot.press("e")
        screen = app.screen
        screen.query_one("#f-preset").value = "fast"
        await pilot.pause(0.05)
        fast = preset("fast")
        assert screen.query_one("#f-block_size").value == str(fast.block_size)
        assert screen.query_one("#f-optimizer").value == fast.optimizer
        cfg = screen.check()
        assert cfg is not None and cfg.warmup_steps == fast.warmup_steps and cfg.preset == "fast"
        await pilot.press("escape")


def test_next_work_dir_skips_existing(tmp_path):
    (tmp_path / "out-2").mkdir()
    assert next_work_dir(tmp_path / "out") == tmp_path / "out-3"
    assert next_work_dir(tmp_path / "out", {str(tmp_path / "out-3")}) == tmp_path / "out-4"


# ---- divergence ----------------------------------------------------------------------------------

@run_async
async def test_divergence_is_said_in_words_and_pauses(app_words, in_tmp):
    # a rate the form refuses (it must be positive), so the trainer has to cope: the loss climbs
    app = make_app(app_words, steps=300, cfg={"learning_rate": -1.0}, validate=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.state.status == DIVERGED, what="divergence")
        await wait_for(pilot, lambda: app.current_run.trainer.paused)
        banner = app.query_one(DivergenceBanner)
        assert banner.display
        text = screen_text(app)
        flat = " ".join(text.split())
        assert "DIVERGED" in text and "the loss climbed from" in flat and "negative" in flat
        assert "PAUSED" in text or "DIVERGED" in text
        assert app.state.status == DIVERGED
        app.stop_all()


# ---- help, palette, themes -----------------------------------------------------------------------

@run_async
async def test_help_lists_every_key(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 40)) as pilot:
        await finished(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        full = " ".join(help_text(60).split())
        for k in all_keys():
            assert " ".join(k.help.split()) in full, k.help
        assert "ctrl+p" in full and "Command palette" in full
        assert "Pause or resume training" in text and "Keys" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@run_async
async def test_every_key_has_an_action(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test() as pilot:
        await finished(app, pilot)
        for k in all_keys():
            name = k.action.split("(")[0]
            assert callable(getattr(app, f"action_{name}", None)), k.action


@run_async
async def test_palette_reaches_actions_and_themes(app_words, in_tmp):
    from makemore_tui.app.commands import ActionCommands, ThemeCommands

    app = make_app(app_words, steps=300)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(app, pilot)
        themes = [title for title, _, _ in ThemeCommands(app.screen)._commands()]
        assert "theme: makemore-light" in themes and "theme: textual-dark" in themes
        actions = [title for title, _, _ in ActionCommands(app.screen)._commands()]
        assert len(actions) == len(all_keys())
        await pilot.press("ctrl+p")
        await pilot.press(*"makemore-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "makemore-light", what="the theme to change")


@run_async
async def test_theme_option_and_next_theme(app_words, in_tmp):
    app = make_app(app_words, steps=300, theme="makemore-ansi")
    async with app.run_test() as pilot:
        await finished(app, pilot)
        assert app.theme == "makemore-ansi" and app.current_theme.ansi
        await pilot.press("t")
        assert app.theme != "makemore-ansi"
    unknown = make_app(app_words, steps=300, theme="no-such-theme")
    async with unknown.run_test() as pilot:
        await finished(unknown, pilot)
        assert unknown.theme == DEFAULT_DARK
        assert any("no-such-theme" in n for n in unknown.startup_notes)


@run_async
async def test_no_color_uses_the_ansi_theme_without_colours(app_words, in_tmp, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(app_words, steps=300)
    async with app.run_test() as pilot:
        await finished(app, pilot)
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


# ---- layout --------------------------------------------------------------------------------------

def test_layout_for_sizes():
    # the dashboard's room: the terminal less the status line (1-2 rows) and the footer
    assert layout_for(160, 45) == LARGE and layout_for(120, 31) == LARGE
    assert layout_for(80, 21) == MEDIUM and layout_for(100, 27) == MEDIUM and layout_for(119, 40) == MEDIUM
    assert layout_for(40, 9) == SMALL and layout_for(59, 40) == SMALL and layout_for(80, 17) == SMALL


@run_async
async def test_every_pane_is_readable_at_80x24(app_words, in_tmp):
    app = make_app(app_words, steps=300, n_samples=9)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(app, pilot)
        assert app.dashboard.mode == MEDIUM
        assert app.chart.display and app.dashboard.is_shown("params")
        assert "W2" in screen_text(app) and "2,700" in screen_text(app)
        await pilot.press("3")
        text = screen_text(app)
        assert "(32, 3, 2)" in text and "cannot be multiplied" in text.replace("\n", " ")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy)
        text = screen_text(app)
        assert all((s.text or "(empty)")[:15] in text for s in app.samples.samples)  # long names end in …
        # the status line is complete (it wraps onto a second line rather than being cut)
        assert "FINISHED" in text and "dev " in text and "lr 0.1" in text


@run_async
async def test_resize_down_to_40x12_and_back(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(app, pilot)
        for size, mode in (((40, 12), SMALL), ((20, 6), SMALL), ((160, 48), LARGE), ((40, 12), SMALL),
                           ((80, 24), MEDIUM)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05)
            app.redraw(force=True)
            await pilot.pause(0.05)
            screen_text(app)  # renders every visible pane at this size
            assert app.dashboard.mode == mode, size
        await pilot.resize_terminal(40, 12)
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)
            shown = [p.id for p in app.dashboard.panes if p.display]
            assert shown == [{"1": "chart", "2": "params", "3": "shapes", "4": "samples"}[key]]
            screen_text(app)


# ---- quitting ------------------------------------------------------------------------------------

@run_async
async def test_quit_is_prompt_mid_training(app_words, in_tmp):
    """q while training (a run far from its end): the app and its training thread end within a second."""
    app = make_app(app_words, steps=10_000_000)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.state.step > 500, what="training to get going")
        threads = {t for t in threading.enumerate() if t.is_alive()}
        t0 = time.monotonic()
        await pilot.press("q")
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0, f"quitting took {elapsed:.2f}s"
    assert not app.current_run.trainer.running
    await asyncio.sleep(0.2)
    assert (in_tmp / "out" / "model.pt").is_file()  # saved on the way out, resumable
    assert threads  # (the training thread was among them)


def test_stop_quickly_skips_the_final_evaluation(app_words, in_tmp):
    """What quitting the app does to a live run (Run.release): it stops at once, unevaluated."""
    run = make_run(app_words, steps=10_000_000)
    t = run.trainer
    t.listeners.append(lambda e: run.release() if isinstance(e, ev.Steps) and e.step > 200 else None)
    fin = t.run()
    assert fin.stopped_early and math.isnan(fin.val_loss)
    run.close()


def _returns_within(fn, timeout: float = 60.0):
    """Call fn in a thread: (whether it returned within timeout, what it raised)."""
    box: dict = {}

    def target():
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(timeout)
    return not th.is_alive(), box.get("error")


def test_a_failing_pilot_test_leaves_no_training_thread(app_words, in_tmp):
    """A test that fails inside run_test: the app's shutdown stops the trainer, so asyncio.run (which
    waits for the worker threads) returns and the suite does not hang at exit."""
    app = make_app(app_words, steps=10**9)

    async def failing_test():
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.state.step > 0, what="training")
            raise RuntimeError("the test fails")

    ended, error = _returns_within(lambda: asyncio.run(failing_test()))
    if not ended:
        app.current_run.trainer.stop()  # let the thread go before failing
    assert ended, "the training thread outlived the app"
    assert isinstance(error, RuntimeError) and not app.current_run.trainer.running
    assert (in_tmp / "out" / "model.pt").is_file()  # saved on the way out, as with q


def test_an_error_in_the_app_stops_the_training_thread(app_words, in_tmp):
    """An unhandled exception ends the app (Textual's way) and the run stops with it."""
    app = make_app(app_words, steps=10**9)

    def fail() -> None:
        raise ZeroDivisionError("a bug in a handler")

    async def crashing():
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.state.step > 0, what="training")
            app.call_later(fail)
            await asyncio.sleep(0.5)

    ended, error = _returns_within(lambda: asyncio.run(crashing()))
    if not ended:
        app.current_run.trainer.stop()
    assert ended, "the training thread outlived the app"
    assert isinstance(error, ZeroDivisionError) and not app.current_run.trainer.running


@run_async
async def test_stale_events_of_a_replaced_run_are_dropped(app_words, in_tmp):
    app = make_app(app_words, steps=300)
    async with app.run_test() as pilot:
        await finished(app, pilot)
        step = app.state.step
        app.post_message(TrainerEvent(app.run_id - 1, ev.Steps(first_step=0, losses=[9.0], lrs=[0.1], step=1,
                                                                elapsed_s=0.0, steps_per_s=1.0)))
        await pilot.pause(0.05)
        assert app.state.step == step


# ---- chart axes (pure functions) -------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from makemore_tui.ticks import finer_step, log_ticks, nice_step, x_ticks, y_ticks  # noqa: E402


def test_finer_step_walks_the_1_2_5_sequence():
    assert [finer_step(s) for s in (1, 2, 5, 10, 0.5)] == pytest.approx([0.5, 1, 2, 5, 0.2])
    assert nice_step(100, 5) == 20 and nice_step(1.6, 3) == 1.0 and nice_step(1.4, 3) == 0.5


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-1e6, 1e6), span=st.floats(1e-6, 1e6), rows=st.integers(1, 80))
def test_axis_ticks_always_end_and_stay_in_range(lo, span, rows):
    hi = lo + span
    ticks, labels = y_ticks(lo, hi, rows)
    assert 1 <= len(ticks) <= 20 and len(labels) == len(ticks)
    assert all(lo - 1e-9 * abs(lo) - 1e-12 <= t <= hi + 1e-9 * abs(hi) + 1e-9 for t in ticks)
    xt, _ = x_ticks(lo, hi, rows * 3)
    assert len(xt) <= 20
    if lo > 0:
        lt, ll = log_ticks(lo, hi, rows)
        assert lt and len(lt) == len(ll)
