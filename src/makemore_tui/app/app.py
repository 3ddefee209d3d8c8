"""The Textual app: the engine's trainer in a thread worker, its events drawn live.

Threads: the trainer runs in a Textual thread worker; its listener posts each event as a
`TrainerEvent` message (plain numbers) and does nothing else. The UI thread applies events to a
RunState (bounded buffers) and the panes redraw from it on a timer, never per event. Sampling and
opening a new run also happen in thread workers, so keys stay responsive.

Adding to the app:
- a pane of the training dashboard: subclass `Pane` (pane.py) and add it in dashboard.py;
- a view of its own (a whole screen of panes): add a `View` to VIEWS below; it is shown with
  `show_view('<id>')`, and its panes are redrawn by the same timer;
- keys: add them to keys.py (footer, help screen and command palette follow).
"""

from __future__ import annotations

import gc
import math
import os
import random
import signal
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from textual import on
from textual.app import App
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input

from .. import events as ev
from ..config import Config
from .commands import ActionCommands, ThemeCommands
from .dashboard import Dashboard, layout_for
from .divergence_banner import DivergenceBanner
from .help_screen import HelpScreen
from .insight.actions import InsightActions, insight_views
from .keys import bind_keys
from .loss_chart import LossChart
from .messages import (CheckpointDone, RunFailed, RunOpened, SampleRequest, SamplesReady, SamplingFailed,
                       TrainerEvent, TrainingEnded)
from .pane import Pane
from .sample_panel import NAME_WIDTH, SamplePanel
from .settings_screen import SettingsScreen
from .state import DIVERGED, FINISHED, PAUSED, STOPPED, TRAINING, RunState, SampleState
from .status_bar import StatusBar
from .themes import DEFAULT_ANSI, DEFAULT_DARK, load_themes


@dataclass(frozen=True)
class View:
    id: str
    title: str
    factory: Callable[..., Widget]


VIEWS: list[View] = [
    View("training", "Training", Dashboard),
]  # then one per insight view, from their registry when the app is built (app/insight/actions.py)

CHART_DUTY = 0.03  # the chart may use at most this share of the UI thread (plotext is pure Python)
CHART_MIN_INTERVAL = 0.5
CHART_MAX_INTERVAL = 2.0


def stop_quickly(trainer) -> None:
    """Stop between two steps, skipping the final evaluation of the whole splits (which takes
    seconds for the larger presets): quitting must be prompt. The run's summary then has no final
    losses; its checkpoint is saved as usual."""
    nan = float("nan")
    trainer.final_losses = lambda: {"train": nan, "dev": nan, "test": nan}
    trainer.stop()


def is_attached(run) -> bool:
    """True for a run in another process (makemore-tui --attach): the app watches and steers it,
    and leaving the app leaves it running."""
    return bool(getattr(run, "attached", False))


def next_work_dir(base: str | os.PathLike, taken: set[str] = frozenset()) -> Path:
    """`<base>-2`, `-3`, ...: the first that does not exist yet, so earlier runs are kept."""
    base = Path(base)
    k = 2
    while True:
        p = base.with_name(f"{base.name}-{k}")
        if not p.exists() and str(p) not in taken:
            return p
        k += 1


class MakemoreApp(InsightActions, App):
    CSS_PATH = "app.tcss"
    TITLE = "makemore"
    COMMANDS = App.COMMANDS | {ActionCommands, ThemeCommands}
    AUTO_FOCUS = None

    def __init__(
        self,
        run,
        make_run: Callable[[Config], object] | None = None,
        theme: str | None = None,
        freeze_clock: bool = False,
        sample_seed: int | None = None,
        redraw_hz: float = 4.0,
        n_samples: int | None = None,
        history: int = 2048,
        handle_signals: bool = False,
    ) -> None:
        no_color = "NO_COLOR" in os.environ  # Textual removes it from the environment as it starts
        super().__init__(ansi_color=True if no_color else None)
        bind_keys(self)  # keys.py, with the insight views registered by now
        self.current_run = run
        self.make_run = make_run
        self.run_id = 0
        self.live_runs: dict[int, object] = {}
        self.state = RunState(history=history)
        self.samples = SampleState(n=n_samples or 20)
        self.fixed_n_samples = n_samples is not None  # else as many names as the panel shows
        self.freeze_clock = freeze_clock
        self.sample_seed = sample_seed
        self._sample_batches = 0
        self._sample_current_seed: int | None = None
        self._rng = random.Random()
        self.redraw_interval = 1.0 / redraw_hz
        self.handle_signals = handle_signals
        self._chart_due = 0.0
        self._eager = False  # redraw on the next event (after a key that changes the run)
        self._taken_dirs: set[str] = set()
        self.quitting = False
        self.redraws = 0
        # themes: the project's files, then Textual's own
        loaded = load_themes()
        self.startup_notes = list(loaded.problems)
        self.project_themes = [t.name for t in loaded.themes]
        for t in loaded.themes:
            self.register_theme(t)
        default = DEFAULT_ANSI if no_color else DEFAULT_DARK
        wanted = theme or default
        if wanted not in self.available_themes:
            if theme:
                names = ", ".join(self.project_themes + sorted(set(self.available_themes) - set(self.project_themes)))
                self.startup_notes.append(f"unknown theme {theme!r}; choose one of {names}")
            wanted = default if default in self.available_themes else "textual-dark"
        self.theme = wanted

    # ---- layout ---------------------------------------------------------------------------------
    def compose(self):
        # kept by reference: App.query_one looks in the screen on top, which may be a dialog
        self.banner = DivergenceBanner(id="banner")
        self.views = ContentSwitcher(initial=VIEWS[0].id, id="views")
        self.status_bar = StatusBar(id="status")
        self.footer = Footer(compact=True)
        yield self.banner
        with self.views:
            for view in [*VIEWS, *insight_views(View)]:
                yield view.factory(id=view.id)
        yield self.status_bar
        yield self.footer

    @property
    def dashboard(self) -> Dashboard:
        return self.views.query_one(Dashboard)

    @property
    def chart(self) -> LossChart:
        return self.views.query_one(LossChart)

    @property
    def sample_panel(self) -> SamplePanel:
        return self.views.query_one(SamplePanel)

    def on_mount(self) -> None:
        self.status_bar.freeze_clock = self.freeze_clock
        self.footer.show_command_palette = self.size.width >= 70
        self.dashboard.apply_layout(layout_for(self.size.width, self.size.height - 3))  # until its first resize
        self.theme_changed_signal.subscribe(self, lambda _theme: self.redraw(force=True))
        for note in self.startup_notes:
            self.notify(note, severity="warning", timeout=8)
        self.sample_panel.show(self.samples)
        self.set_interval(self.redraw_interval, self.redraw, name="redraw")
        # what exists now (Textual, torch, the widgets) lives as long as the app: keep it out of the
        # garbage collector's full passes, which would otherwise pause the UI now and then
        self.call_after_refresh(gc.freeze)
        if self.handle_signals:
            self._install_signal_handlers()
        self.start_run(self.current_run)

    def on_resize(self, event) -> None:
        if getattr(self, "views", None) is None:
            return
        size = getattr(event, "size", None) or self.size
        if self.footer.show_command_palette != (size.width >= 70):  # narrow: the keys need the room
            self.footer.show_command_palette = size.width >= 70
            self.footer.refresh(recompose=True)
        self.call_after_refresh(self.redraw, True)
        self.call_after_refresh(self.redraw, True)

    # ---- the trainer ----------------------------------------------------------------------------
    def start_run(self, run) -> None:
        self.run_id += 1
        rid = self.run_id
        self.current_run = run
        self.live_runs[rid] = run
        self.state.reset(work_dir=str(run.work_dir))
        self.state.attached = is_attached(run)
        self._taken_dirs.add(str(run.work_dir))
        run.trainer.listeners.append(partial(self._listen, rid))
        self.run_worker(partial(self._train, run, rid), thread=True, group="train", name=f"train-{rid}",
                        exit_on_error=False)
        self.redraw(force=True)

    def _listen(self, rid: int, event: ev.Event) -> None:
        """In the training thread: hand the event over and return at once."""
        self.post_message(TrainerEvent(rid, event))

    def _train(self, run, rid: int) -> None:
        """In a thread worker: train to the end (or stop), save, close the run's files. An attached
        run (another process's) is followed until it ends or the app detaches; it saves itself."""
        error = None
        try:
            run.trainer.run()
        except Exception as e:  # shown to the user; the app goes on
            error = f"{type(e).__name__}: {e}"
        if is_attached(run):
            run.close()
            self.post_message(TrainingEnded(rid, "the run saved its own checkpoint", error))
            return
        try:
            msg = run.save_checkpoint()
        except Exception as e:
            msg = f"checkpoint not saved: {e}"
        finally:
            run.close()
        self.post_message(TrainingEnded(rid, msg, error))

    @on(TrainerEvent)
    def _on_trainer_event(self, message: TrainerEvent) -> None:
        if message.run_id != self.run_id:
            return  # from a run that has been replaced
        e = message.event
        self.state.apply(e)
        if isinstance(e, ev.Diverged):
            self.bell()
            self.redraw(force=True)
        elif isinstance(e, ev.Finished) or self._eager and isinstance(e, (ev.Steps, ev.Paused, ev.Resumed)):
            self._eager = False
            self.redraw()

    @on(TrainingEnded)
    def _on_training_ended(self, message: TrainingEnded) -> None:
        self.live_runs.pop(message.run_id, None)
        if message.run_id != self.run_id or self.quitting:
            return
        run = self.current_run
        for note in getattr(run, "notes", ()):  # an attached run whose data or weights could not be read
            self.notify(note, severity="warning", timeout=10)
        if message.error:
            self.notify(f"training stopped by an error: {message.error}", severity="error", timeout=15)
        elif is_attached(run):
            gone = (getattr(run.trainer, "status", {}) or {}).get("state") == "gone"
            self.notify("the run's process has ended without finishing (killed?); its last checkpoint is kept"
                        if gone else f"the run has ended; {message.save_message}", timeout=8)
        elif self.state.status == FINISHED:
            self.notify(f"training finished; {message.save_message}", timeout=6)
        self.redraw(force=True)

    def redraw(self, force: bool = False) -> None:
        """Redraw what changed (on the timer, and right after keys)."""
        if getattr(self, "views", None) is None or not self.views.is_attached:
            return  # starting or closing
        self.redraws += 1
        state = self.state
        self.banner.update_from(state, force)
        self.status_bar.update_from(state, force)
        now = time.monotonic()
        try:
            view = self.views.visible_content
        except NoMatches:  # the app is closing and its views are being removed
            return
        if view is None:
            return
        for pane in view.query(Pane):
            if isinstance(pane, LossChart) and not force and now < self._chart_due:
                continue
            if pane.update_from(state, force) and isinstance(pane, LossChart):
                cost = pane.plot.render_seconds
                self._chart_due = now + min(CHART_MAX_INTERVAL, max(CHART_MIN_INTERVAL, cost / CHART_DUTY))

    # ---- actions: training ----------------------------------------------------------------------
    def _trainer_done(self) -> bool:
        return self.state.status in (FINISHED, STOPPED) or not any(
            w.is_running for w in self.workers if w.group == "train" and w.name == f"train-{self.run_id}")

    def action_toggle_pause(self) -> None:
        t = self.current_run.trainer
        if self.state.status in (FINISHED, STOPPED):
            self.notify("This run has finished. Press e to train again with new settings.")
            return
        if t.paused:
            t.resume()
            self.state.status = TRAINING
        else:
            t.pause()
            if self.state.status != DIVERGED:
                self.state.status = PAUSED
        self.state.touch("status")
        self._eager = True
        self.redraw()

    def action_step(self) -> None:
        t = self.current_run.trainer
        if self.state.status in (FINISHED, STOPPED):
            self.notify("This run has finished. Press e to train again with new settings.")
            return
        if not t.paused:
            t.pause()
            self.state.status = PAUSED
            self.state.touch("status")
            self.notify("Paused. Press n again for one step at a time.", timeout=3)
        else:
            if hasattr(t, "_stats_due"):
                t._stats_due = True  # measure this step's gradients and updates for the parameter table
            t.step_once()
        self._eager = True
        self.redraw()

    def action_checkpoint(self) -> None:
        rid, run = self.run_id, self.current_run
        fut = run.request_checkpoint()

        def done(f) -> None:
            try:
                text, ok = f.result(), True
                ok = text.startswith("saved")
            except Exception as e:  # the future carries the error of the save
                text, ok = f"checkpoint not saved: {e}", False
            self.post_message(CheckpointDone(rid, text, ok))

        fut.add_done_callback(done)

    @on(CheckpointDone)
    def _on_checkpoint_done(self, message: CheckpointDone) -> None:
        self.notify(message.text, severity="information" if message.ok else "warning", timeout=5)

    def action_settings(self) -> None:
        if isinstance(self.screen, SettingsScreen):
            return
        nxt = next_work_dir(self.state.work_dir or "out", self._taken_dirs)
        note = f"Restarting trains a new run in {nxt}; this one stays saved in {self.state.work_dir}."
        if is_attached(self.current_run):
            self.notify("Attached to a run in another process: its settings are its own. Stop it (x) and start "
                        "a new one with the settings you want.", timeout=6)
            return
        if self.make_run is None:
            note = "This app was started without a way to open new runs; restarting is not available."
        self.push_screen(SettingsScreen(self.current_run.cfg, note), self.restart)

    def restart(self, cfg: Config | None) -> None:
        """Open a new run with cfg (off the UI thread); the current one goes on until it is ready."""
        if cfg is None or self.make_run is None:
            return
        self.notify("Starting a new run with the new settings...", timeout=3)
        self.run_worker(partial(self._open_run, cfg), thread=True, group="open", exit_on_error=False)

    def _open_run(self, cfg: Config) -> None:
        try:
            run = self.make_run(cfg)
        except Exception as e:  # ConfigError, DataError, OSError...: said in words, the old run goes on
            self.post_message(RunFailed(str(e) or type(e).__name__))
            return
        self.post_message(RunOpened(run))

    @on(RunFailed)
    def _on_run_failed(self, message: RunFailed) -> None:
        self.notify(f"The new run could not start: {message.error}. The current run goes on.", severity="error",
                    timeout=10)

    @on(RunOpened)
    def _on_run_opened(self, message: RunOpened) -> None:
        if self.quitting:
            message.run.close()
            return
        old = self.current_run
        old.trainer.stop()  # it finishes in its own worker: final losses, checkpoint, summary
        self.samples.samples, self.samples.error, self.samples.busy = [], "", False
        self._sample_current_seed = None
        self.start_run(message.run)
        self.sample_panel.show(self.samples)
        self.notify(f"New run in {message.run.work_dir}; the previous one is kept in {old.work_dir}.", timeout=6)

    # ---- actions: chart, panes, themes -----------------------------------------------------------
    def action_toggle_log(self) -> None:
        chart = self.chart
        chart.set_log_scale(not chart.log_scale)
        if not chart.display:
            self.show_pane("chart")
        chart.update_from(self.state, force=True)

    def action_toggle_fit(self) -> None:
        chart = self.chart
        chart.set_fit_all(not chart.fit_all)
        if not chart.display:
            self.show_pane("chart")
        chart.update_from(self.state, force=True)

    def action_show_pane(self, name: str) -> None:
        self.show_pane(name)

    def show_pane(self, name: str) -> None:
        """Bring a pane into view and draw the panes that were hidden (only those: keys stay fast)."""
        if self.views.current != VIEWS[0].id:  # from an insight view too
            self.views.current = VIEWS[0].id
            self.call_after_refresh(self.redraw, True)
        dash = self.dashboard
        hidden = [p for p in dash.panes if not p.display]
        dash.select(name)
        for pane in hidden:
            if pane.display:
                pane.update_from(self.state, force=True)  # now, and again at its new size once laid out
                self.call_after_refresh(pane.update_from, self.state)

    def action_show_view(self, view_id: str) -> None:
        self.views.current = view_id
        self.redraw(force=True)

    def set_theme(self, name: str) -> None:
        self.theme = name

    def action_next_theme(self) -> None:
        names = self.project_themes + sorted(set(self.available_themes) - set(self.project_themes))
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]
        self.notify(f"theme: {self.theme}", timeout=2)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ---- actions: samples -----------------------------------------------------------------------
    def action_sample(self) -> None:
        self.request_samples(fresh=True)

    def action_temperature(self, direction: int) -> None:
        self.samples.step_temperature(direction)
        self.request_samples(fresh=False)

    def action_edit_prefix(self) -> None:
        self._show_samples()
        self.sample_panel.prefix_input.focus()

    @on(SampleRequest)
    def _on_sample_request(self, message: SampleRequest) -> None:
        self.set_focus(None)
        self.request_samples(fresh=message.fresh)

    def on_key(self, event) -> None:
        if event.key == "escape" and isinstance(self.focused, Input) and self.screen is self.screen_stack[0]:
            self.set_focus(None)
            event.stop()

    def _show_samples(self) -> None:
        if not self.sample_panel.display or self.views.current != VIEWS[0].id:
            self.show_pane("samples")

    def check_prefix(self, prefix: str) -> str:
        """'' when the prefix can be sampled from, else why not."""
        if "." in prefix:
            return "a prefix cannot contain '.', the start/end token"
        data = getattr(self.current_run, "data", None)
        if data is None:  # an attached run whose words are not loaded (yet): sampling says what is wrong
            return ""
        itos = set(data.vocab.itos)
        missing = sorted(set(prefix) - itos)
        if missing:
            return f"not in the data's characters: {''.join(missing)!r}"
        return ""

    def request_samples(self, fresh: bool = True) -> None:
        s = self.samples
        self._show_samples()
        prefix = self.sample_panel.prefix_input.value.strip()
        s.error = self.check_prefix(prefix)
        if s.error:
            self.sample_panel.show(s)
            return
        if fresh or self._sample_current_seed is None:
            if self.sample_seed is not None:
                self._sample_current_seed = self.sample_seed + self._sample_batches
            else:
                self._sample_current_seed = self._rng.randrange(2**31)
            self._sample_batches += 1
        s.prefix = prefix
        s.request += 1
        s.busy = True
        self.sample_panel.show(s)
        # after the next layout: a panel that has just been shown knows its size by then
        self.call_after_refresh(self._start_sampling, self.current_run, self.run_id, s.request, s.temperature,
                                prefix, self._sample_current_seed)

    def _start_sampling(self, run, rid: int, req: int, temperature: float, prefix: str, seed: int) -> None:
        s = self.samples
        if req != s.request or rid != self.run_id or self.quitting:
            return  # a newer request, or another run
        if not self.fixed_n_samples:
            s.n = self.sample_panel.capacity(name_width=self._name_width(run))
        self.run_worker(partial(self._sample, run, rid, req, s.n, temperature, prefix, seed),
                        thread=True, group="sample", exit_on_error=False)

    def _name_width(self, run) -> int:
        """How wide a sampled name is likely to be: the data's longest word, at most 16 (cached per run)."""
        cached = getattr(run, "_mm_name_width", None)
        if cached is None:
            try:
                cached = min(NAME_WIDTH, max(4, run.data.max_word_len))
            except (AttributeError, ValueError):
                cached = 12
            run._mm_name_width = cached
        return cached

    def _sample(self, run, rid: int, req: int, n: int, temperature: float, prefix: str, seed: int) -> None:
        """In a thread worker (the draw itself runs between two training steps)."""
        try:
            out = run.sample(n=n, temperature=temperature, prefix=prefix, seed=seed)
        except Exception as e:
            self.post_message(SamplingFailed(rid, req, f"sampling failed: {e}"))
            return
        self.post_message(SamplesReady(rid, req, out, temperature, prefix, run.trainer.step))

    @on(SamplesReady)
    def _on_samples(self, message: SamplesReady) -> None:
        s = self.samples
        if message.run_id != self.run_id or message.request != s.request:
            return  # a newer request is on its way
        s.samples, s.step, s.busy, s.error = message.samples, message.step, False, ""
        self.sample_panel.show(s)

    @on(SamplingFailed)
    def _on_sampling_failed(self, message: SamplingFailed) -> None:
        s = self.samples
        if message.run_id != self.run_id or message.request != s.request:
            return
        s.busy, s.error = False, message.error
        self.sample_panel.show(s)

    # ---- quitting -------------------------------------------------------------------------------
    def stop_all(self) -> None:
        self.quitting = True
        for run in list(self.live_runs.values()):
            if is_attached(run):
                run.detach()  # leaving the app leaves another process's run going
            else:
                stop_quickly(run.trainer)

    def action_stop_run(self) -> None:
        """End the run (it saves, evaluates and writes its summary); the app stays open."""
        if self.state.status in (FINISHED, STOPPED):
            self.notify("This run has already ended.")
            return
        self.current_run.trainer.stop()
        self.notify("Stopping the run: it saves, evaluates the splits and writes summary.json.", timeout=5)
        self._eager = True

    async def action_quit(self) -> None:
        self.stop_all()
        self.exit()

    def exit(self, *args, **kwargs) -> None:
        # however the app ends (q, ctrl+q, a signal, a test's pilot), the training threads stop
        # first: the event loop waits for its worker threads before the process can end
        self.stop_all()
        super().exit(*args, **kwargs)

    async def _shutdown(self) -> None:
        # run_test's exit (a failing test) shuts down without exit(): stop the threads here too
        self.stop_all()
        await super()._shutdown()

    def _handle_exception(self, error: Exception) -> None:
        self.stop_all()  # a crash must not leave a trainer running (and the process waiting on it)
        super()._handle_exception(error)

    def _install_signal_handlers(self) -> None:
        """SIGTERM and SIGHUP (an SSH connection dropping) quit like q: the run is saved."""
        import asyncio

        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, lambda: (self.stop_all(), self.exit()))
            except (NotImplementedError, RuntimeError, ValueError):
                pass


def attach_app(run, args) -> int:
    """Open the app on a run in another process (makemore-tui --attach DIR)."""
    app = MakemoreApp(run, make_run=None, theme=getattr(args, "theme", None), handle_signals=True)
    app.compare_dirs = tuple(getattr(args, "compare", None) or ())
    return _run_and_report(app)


def run_app(run, args) -> int:
    """Open the app on a run (from cli.py); return the exit status."""
    taken: set[str] = set()

    def make_run(cfg: Config):
        from ..run import open_run

        work_dir = next_work_dir(args.work_dir, taken)
        taken.add(str(work_dir))
        return open_run(cfg, args.input_file, work_dir)

    app = MakemoreApp(run, make_run=make_run, theme=getattr(args, "theme", None), handle_signals=True)
    app.compare_dirs = tuple(getattr(args, "compare", None) or ())  # --compare DIR ...: the compare view
    return _run_and_report(app)


def _run_and_report(app: MakemoreApp) -> int:
    app.run()
    st = app.state
    last = app.current_run
    if is_attached(last):
        alive = last.alive and st.status not in (FINISHED, STOPPED)
        again = f"makemore-tui --attach {last.work_dir}"
        if not alive:
            how = f"the run has ended; files in {last.work_dir}."
        elif last.trainer.paused:
            how = f"the run stays paused until resumed: attach again ({again}) and press space."
        else:
            how = f"the run goes on. Attach again with: {again}"
        print(f"makemore-tui: detached at step {st.step:,}; {how}")
        return 0
    ckpt = getattr(last, "last_checkpoint", None)
    where = f"saved to {ckpt}" if ckpt else f"files in {last.work_dir}"
    print(f"makemore-tui: stopped at step {st.step:,}; {where}. Continue with: makemore-tui --resume -o {last.work_dir}")
    return 1 if st.diverged else 0
