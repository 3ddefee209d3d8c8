"""The app tests' helpers: a MakemoreApp on a real seeded run that makes a fixed number of steps and
then idles (never an endless training thread: Pilot waits for the screen, and some of its calls for
an idle CPU), and waits on what the app does and draws (never on how long it usually takes)."""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from pathlib import Path

from makemore_tui.app.app import MakemoreApp
from makemore_tui.config import Config, preset
from makemore_tui.run import open_run


def run_async(fn):
    """Run an async test in its own event loop (no asyncio plugin needed); fixtures still reach it
    through __wrapped__."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


# ---- the app -------------------------------------------------------------------------------------

def app_config(steps: int = 300, validate: bool = True, **changes) -> Config:
    """The dashboard tests' run: the lecture's seed network, evaluated every 100 steps."""
    cfg = preset("seed", max_steps=steps, **{"eval_every": 100, "log_every": 50, **changes})
    return cfg.validate() if validate else cfg


def insight_config(steps: int = 300, **changes) -> Config:
    """The insight panes' run: a 32-unit network over the names of helpers.WORDS."""
    return Config(n_embd=4, n_hidden=32, max_steps=steps, eval_every=100, log_every=10, seed=7, **changes).validate()


def make_app(words: str | Path = "names.txt", cfg: Config | None = None, *, work_dir: str = "out",
             emit_interval: float = 0.1, paused: bool = False, sample_seed: int = 7, **app_kwargs) -> MakemoreApp:
    """The app on a run of cfg (app_config() by default) over `words`, in `work_dir`; restarts from the
    settings go to work_dir-2, work_dir-3, ... With `paused` the trainer stops before its first step
    and waits (for n, space, or the test). emit_interval 0: the trainer reports after every step, so
    what the app sees is the same on every run, whatever the machine's speed."""
    cfg = cfg if cfg is not None else app_config()
    run = open_run(cfg, str(words), work_dir, emit_interval=emit_interval)
    if paused:
        run.trainer.pause()
    counter = itertools.count(2)

    def reopen(c: Config):
        return open_run(c, str(words), f"{work_dir}-{next(counter)}", emit_interval=emit_interval)

    app_kwargs.setdefault("make_run", reopen)
    app_kwargs.setdefault("freeze_clock", True)
    return MakemoreApp(run, sample_seed=sample_seed, **app_kwargs)


def insight_app(steps: int = 300, emit_interval: float = 0.0, **changes) -> MakemoreApp:
    """The insight tests' app (in the `workdir` fixture): work directories run, run-2, ..."""
    return make_app("names.txt", insight_config(steps, **changes), work_dir="run", emit_interval=emit_interval,
                    sample_seed=0)


# ---- waiting on the app --------------------------------------------------------------------------

async def wait_for(pilot, condition, timeout: float = 60.0, what: str = "") -> None:
    """Let the app run until condition() holds (short sleeps: never waits for an idle CPU). The timeout
    only bounds a failing test."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


def screen_text(app) -> str:
    """What the terminal shows, as plain text, a line a row."""
    return "\n".join("".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips())


def flat(text: str) -> str:
    """text with every run of white space one space (a sentence wrapped over lines, found whole)."""
    return " ".join(text.split())


async def wait_for_text(pilot, *needles: str, timeout: float = 60.0, flatten: bool = False) -> str:
    """Wait until the screen shows every one of needles (drawn, not only decided); the screen's text.
    With flatten, white space does not count (a sentence may wrap)."""
    def seen() -> bool:
        text = screen_text(pilot.app)
        text = flat(text) if flatten else text
        return all(n in text for n in needles)

    await wait_for(pilot, seen, timeout=timeout, what=f"{needles} on the screen")
    return screen_text(pilot.app)


async def finished(pilot) -> None:
    """Wait for the run to end (its Finished event handled, its worker returned), then redraw all."""
    app = pilot.app
    await wait_for(pilot, lambda: app.state.finished is not None and not app.live_runs, what="training to end")
    app.redraw(force=True)
    await pilot.pause(0.05)


async def choose_in_palette(pilot, typed: str, wanted: str) -> None:
    """Open the command palette, type, wait until the command whose title holds `wanted` is
    highlighted (the palette searches in the background), and choose it."""
    from textual.command import CommandList, CommandPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the command palette")
    await pilot.press(*typed)

    def highlighted() -> bool:
        if not isinstance(app.screen, CommandPalette):
            return False
        commands = app.screen.query_one(CommandList)
        i = commands.highlighted
        if i is None or i >= commands.option_count:
            return False
        hit = getattr(commands.get_option_at_index(i), "hit", None)
        return hit is not None and wanted in (hit.text or "")

    await wait_for(pilot, highlighted, what=f"{wanted!r} highlighted in the palette")
    await pilot.press("enter")
