"""The Textual app: the engine's trainer in a thread worker, its events drawn live.

The app holds a run through interface.RunHandle only: a live run (run.py) and one in another
process (attach.py) are driven alike, and `run.attached` says which for what differs in words.

Threads: the trainer runs in a Textual thread worker; its listener posts each event as a
`TrainerEvent` message (plain numbers) and does nothing else. The UI thread applies events to a
RunState (bounded buffers) and the panes redraw from it on a timer, never per event. Sampling
(sampler.py) and opening a new run also happen in thread workers, so keys stay responsive. However
the app ends (q, a signal, an error, a test's pilot), its runs are released when it unmounts, so no
training thread outlives it.

Adding to the app:
- a pane of the training dashboard: subclass `Pane` (pane.py) and add it in dashboard.py;
- a view of its own (a whole screen of panes): add a `View` to VIEWS below; it is shown with
  `show_view('<id>')`, and its panes are redrawn by the same timer;
- keys: add them to keys.py (footer, help screen and command palette follow).
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import time
from dataclasses import dataclass
from functools import partial
from typing import Callable

from textual import on
from textual.app import App
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input

from .. import events as ev
from ..config import Config
from ..interface import RunHandle
from ..run import next_work_dir
from .commands import ActionCommands, ThemeCommands
from .dashboard import Dashboard, layout_for
from .divergence_banner import DivergenceBanner
from .help_screen import HelpScreen
from .insight_actions import InsightActions, insight_views
from .keys import bindings
from .loss_chart import LossChart
from .messages import (CheckpointDone, RunFailed, RunOpened, SampleRequest, SamplesReady, SamplingFailed,
                       TrainerEvent, TrainingEnded)
from .pane import Pane
from .sample_panel import SamplePanel
from .sampler import Sampler
from .settings_screen import SettingsScreen
from .state import DIVERGED, FINISHED, PAUSED, STOPPED, TRAINING, RunState
from .status_bar import StatusBar
from .themes import DEFAULT_ANSI, DEFAULT_DARK, load_themes


@dataclass(frozen=True)
class View:
    id: str
    title: str
    factory: Callable[..., Widget]


VIEWS: list[View] = [
    View("training", "Training", Dashboard),
    *insight_views(View),  # next character, embedding, LR finder, health, compare, confusion (insight_*.py)
]

CHART_DUTY = 0.03  # the chart may use at most this share of the UI thread (plotext is pure Python)
CHART_MIN_INTERVAL = 0.5
CHART_MAX_INTERVAL = 2.0


class MakemoreApp(InsightActions, App):
    CSS_PATH = "app.tcss"
    TITLE = "makemore"
    BINDINGS = bindings()
    COMMANDS = App.COMMANDS | {ActionCommands, ThemeCommands}
    AUTO_FOCUS = None

    def __init__(
        self,
        run: RunHandle,
        make_run: Callable[[Config], RunHandle] | None = None,
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
        self.current_run = run
        self.make_run = make_run
        self.run_id = 0
        self.live_runs: dict[int, RunHandle] = {}
        self.state = RunState(history=history)
        self.sampler = Sampler(self, n_samples, sample_seed)
        self.samples = self.sampler.state
        self.freeze_clock = freeze_clock
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
            for view in VIEWS:
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
            self._quit_on_signals()
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
    def start_run(self, run: RunHandle) -> None:
        self.run_id += 1
        rid = self.run_id
        self.current_run = run
        self.live_runs[rid] = run
        self.state.reset(work_dir=str(run.work_dir))
        self.state.attached = run.attached
        self._taken_dirs.add(str(run.work_dir))
        run.trainer.listeners.append(partial(self._listen, rid))
        self.run_worker(partial(self._train, run, rid), thread=True, group="train", name=f"train-{rid}",
                        exit_on_error=False)
        self.redraw(force=True)

    def _listen(self, rid: int, event: ev.Event) -> None:
        """In the training thread: hand the event over and return at once."""
        self.post_message(TrainerEvent(rid, event))

    def _train(self, run: RunHandle, rid: int) -> None:
        """In a thread worker: train to the end (or stop), save, close the run's files. An attached
        run (another process's) is followed until it ends or the app detaches; it saves itself."""
        error = None
        try:
            run.trainer.run()
        except Exception as e:  # shown to the user; the app goes on
            error = f"{type(e).__name__}: {e}"
        if run.attached:
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
        for note in run.notes:  # an attached run whose data or weights could not be read
            self.notify(note, severity="warning", timeout=10)
        if message.error:
            self.notify(f"training stopped by an error: {message.error}", severity="error", timeout=15)
        elif run.attached:
            self.notify("the run's process has ended without finishing (killed?); its last checkpoint is kept"
                        if run.gone else f"the run has ended; {message.save_message}", timeout=8)
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
            t.step_once(stats=True)  # this step's gradients and updates, for the parameter table
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
        if self.current_run.attached:
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
        self.sampler.forget()
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

    # ---- actions: samples (sampler.py) ----------------------------------------------------------
    def action_sample(self) -> None:
        self.sampler.request(fresh=True)

    def action_temperature(self, direction: int) -> None:
        self.samples.step_temperature(direction)
        self.sampler.request(fresh=False)

    def action_edit_prefix(self) -> None:
        self.show_samples()
        self.sample_panel.prefix_input.focus()

    @on(SampleRequest)
    def _on_sample_request(self, message: SampleRequest) -> None:
        self.set_focus(None)
        self.sampler.request(fresh=message.fresh)

    @on(SamplesReady)
    def _on_samples(self, message: SamplesReady) -> None:
        self.sampler.ready(message)

    @on(SamplingFailed)
    def _on_sampling_failed(self, message: SamplingFailed) -> None:
        self.sampler.failed(message)

    def on_key(self, event) -> None:
        if event.key == "escape" and isinstance(self.focused, Input) and self.screen is self.screen_stack[0]:
            self.set_focus(None)
            event.stop()

    def show_samples(self) -> None:
        if not self.sample_panel.display or self.views.current != VIEWS[0].id:
            self.show_pane("samples")

    # ---- quitting -------------------------------------------------------------------------------
    def stop_all(self) -> None:
        """Let go of every run: a live one stops promptly (and is saved), an attached one goes on."""
        self.quitting = True
        for run in list(self.live_runs.values()):
            run.release()

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

    def on_unmount(self) -> None:
        # however the app ended (q, a signal, an unhandled error, a test's pilot leaving), the
        # training threads stop: the event loop waits for its worker threads before the process ends
        self.stop_all()

    def _quit_on_signals(self) -> None:
        """SIGTERM and SIGHUP (an SSH connection dropping) quit like q: the run is saved."""
        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, lambda: (self.stop_all(), self.exit()))
            except (NotImplementedError, RuntimeError, ValueError):
                pass
