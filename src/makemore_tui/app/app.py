"""The Textual app: the engine's trainer in a thread worker, its events drawn live.

The app is wiring: the runs it holds are run_control.py's (a live run and one in another process
alike, through interface.RunHandle), the sample panel's names sampler.py's, the insight views
insight/actions.py's; here are the layout, the redraw timer and the keys of the views and panes.

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
import os
import time
from dataclasses import dataclass
from typing import Callable

from textual import on
from textual.app import App
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input

from ..config import Config
from ..interface import RunHandle
from .commands import ActionCommands, ThemeCommands
from .dashboard import Dashboard, layout_for
from .divergence_banner import DivergenceBanner
from .help_screen import HelpScreen
from .insight.actions import InsightActions, insight_views
from .keys import bind_keys
from .loss_chart import LossChart
from .messages import SampleRequest, SamplesReady, SamplingFailed
from .pane import Pane
from .run_control import RunControl
from .sample_panel import SampleList, SamplePanel
from .sampler import Sampler
from .state import RunState
from .status_bar import StatusBar
from .themes import install_themes


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


class MakemoreApp(InsightActions, RunControl, App):
    CSS_PATH = "app.tcss"
    TITLE = "makemore"
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
        bind_keys(self)  # keys.py, with the insight views registered by now
        self.init_runs(run, make_run)
        self.state = RunState(history=history)
        self.sampler = Sampler(self, n_samples, sample_seed)
        self.samples = self.sampler.state
        self.freeze_clock = freeze_clock
        self.views: ContentSwitcher | None = None  # the training view and the insight views (compose)
        self.redraw_interval = 1.0 / redraw_hz
        self.handle_signals = handle_signals
        self._chart_due = 0.0
        self.redraws = 0
        # themes: the project's files, then Textual's own
        self.project_themes, self.startup_notes = install_themes(self, theme, no_color)

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

    @property
    def sample_list(self) -> SampleList:
        return self.views.query_one(SampleList)

    def selected_sample(self) -> str | None:
        """The sampled name selected in the samples pane (None: none)."""
        return self.sample_list.selected()

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
        if self.views is None:
            return
        size = event.size
        if self.footer.show_command_palette != (size.width >= 70):  # narrow: the keys need the room
            self.footer.show_command_palette = size.width >= 70
            self.footer.refresh(recompose=True)
        self.call_after_refresh(self.redraw, True)
        self.call_after_refresh(self.redraw, True)

    def redraw(self, force: bool = False) -> None:
        """Redraw what changed (on the timer, and right after keys)."""
        if self.views is None or not self.views.is_attached:
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
        self.refresh_keys()
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
        self.refresh_keys()  # enter traces a name once there are names

    # ---- actions: a sampled name's trace (app/insight/trace.py) ---------------------------------
    def action_pick_sample(self, dx: int, dy: int) -> None:
        if self.sample_panel.display:
            self.sample_list.move(dx, dy)
        else:  # moved once the pane is laid out: its columns depend on its width
            self.show_samples()
            self.call_after_refresh(self.sample_list.move, dx, dy)

    def action_trace_sample(self) -> None:
        self.show_samples()
        self.sample_list.choose()

    @on(SampleList.Chosen)
    def _on_sample_chosen(self, message: SampleList.Chosen) -> None:
        from .insight.trace import TraceScreen

        if self.screen is self.screen_stack[0]:
            self.push_screen(TraceScreen(message.text))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("pick_sample", "trace_sample"):  # on the training view, once there are names
            return self.views is not None and self.views.current == VIEWS[0].id and bool(self.samples.samples)
        return super().check_action(action, parameters)

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
