"""The insight views in the app: one app view per registered spec (insight/views.py), and the app
actions their keys call.

    5 next character   6 embedding map   7 learning-rate finder   8 health   9 compare   0 confusion
    w sample trace (enter on a sampled name opens it too: app.py, trace.py)
    f sweep the learning rate (again)    a restart training with the suggested rate

The app mixes InsightActions in (class MakemoreApp(InsightActions, App)) and adds `insight_views()`
to its views when it is built, so a view registered before then has its pane, its key (keys.py:
footer, help screen, command palette) and `insight('NAME')`. Pressing a view's key again goes back
to the training view.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from textual.widgets import ContentSwitcher

from ...config import ConfigError
from ...insight.views import view, views
from .container import InsightContainer
from .pane import InsightPane

LR_FIND = "lr-find"


def insight_views(view_cls) -> list:
    """One app view per registered insight view: view_cls(id, title, factory)."""
    return [view_cls(spec.view_id, spec.title, partial(InsightContainer, spec)) for spec in views()]


class InsightActions:
    """Actions of the insight keys, mixed into the app."""

    compare_dirs: tuple[str, ...] = ()  # earlier runs' work directories from --compare
    # the app's (app.py, run_control.py): its views, and how it opens a new run (None: it cannot)
    views: ContentSwitcher | None
    make_run: Callable | None
    refresh_keys: Callable[[], None]

    def insight_pane(self, name: str) -> InsightPane:
        return self._views().query_one(f"#{view(name).view_id}-pane", InsightPane)

    def _views(self) -> ContentSwitcher:
        # the app's own switcher: query_one would look in an open dialog first
        return self.views if self.views is not None else self.query_one("#views", ContentSwitcher)

    def show_insight(self, name: str, toggle: bool = True) -> InsightPane | None:
        switcher = self._views()
        target = view(name).view_id
        self.call_after_refresh(self.refresh_keys)  # the footer: the training view's keys come and go
        if toggle and switcher.current == target:
            switcher.current = "training"  # the same key again: back to training
            self.set_focus(None)
            self.redraw(force=True)
            return None
        switcher.current = target
        pane = self.insight_pane(name)
        self.set_focus(None)
        pane.on_shown()
        self.redraw(force=True)
        return pane

    def action_insight(self, name: str) -> None:
        self.show_insight(name)

    def action_lr_find(self) -> None:
        pane = self.show_insight(LR_FIND, toggle=False)
        if pane is not None and not pane.busy:
            if pane.sweeps and pane.result is None and pane.error is None:
                return  # shown for the first time: the sweep has just started
            pane.start_sweep()
            self.redraw(force=True)

    def action_apply_lr(self) -> None:
        pane = self.insight_pane(LR_FIND)
        r = pane.result
        if r is None:
            self.show_insight(LR_FIND, toggle=False)
            self.notify("No suggested rate yet: the sweep is running (f starts it).", timeout=4)
            return
        if self.make_run is None:
            self.notify("This app was started without a way to open new runs; restarting is not available.",
                        severity="warning")
            return
        cfg = self.current_run.cfg
        rate = float(f"{r.suggested_lr:.3g}")
        changes = {"learning_rate": rate}
        if cfg.min_lr > rate:
            changes["min_lr"] = rate / 100
        try:
            new = cfg.updated(**changes).validate()
        except ConfigError as e:
            self.notify(f"Cannot use the suggested rate: {e}", severity="error")
            return
        self.notify(f"Restarting with learning rate {rate:g} (was {cfg.learning_rate:g}).", timeout=4)
        self.restart(new)
