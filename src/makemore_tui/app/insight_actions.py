"""The insight views in the app: their views (app.VIEWS), and the app actions their keys call.

    5 next character   6 embedding map   7 learning-rate finder   8 health   9 compare   0 confusion
    f sweep the learning rate (again)    a restart training with the suggested rate

The app mixes InsightActions in (class MakemoreApp(InsightActions, App)) and adds `insight_views()`
to VIEWS; the keys are in keys.py, so the footer, the help screen and the command palette list them.
Pressing a view's key again goes back to the training view.
"""

from __future__ import annotations

from functools import partial

from ..config import ConfigError
from .insight_compare import ComparePane
from .insight_confusion import ConfusionPane
from .insight_embedding import EmbeddingPane
from .insight_health import HealthPane
from .insight_lrfind import LRFindPane
from .insight_nextchar import NextCharPane
from .insight_pane import InsightPane, InsightView

INSIGHT_PANES: dict[str, type[InsightPane]] = {
    "nextchar": NextCharPane,
    "embedding": EmbeddingPane,
    "lrfind": LRFindPane,
    "health": HealthPane,
    "compare": ComparePane,
    "confusion": ConfusionPane,
}


def insight_views(view_cls) -> list:
    """One app view per insight pane: view_cls(id, title, factory)."""
    return [view_cls(cls.VIEW_ID, cls.PANE_TITLE, partial(InsightView, cls)) for cls in INSIGHT_PANES.values()]


class InsightActions:
    """Actions of the insight keys, mixed into the app."""

    compare_dirs: tuple[str, ...] = ()  # earlier runs' work directories from --compare

    def insight_pane(self, name: str) -> InsightPane:
        return self._views().query_one(f"#{INSIGHT_PANES[name].VIEW_ID}-pane", InsightPane)

    def _views(self):
        views = getattr(self, "views", None)  # the app keeps its ContentSwitcher (query_one sees dialogs first)
        if views is None:
            from textual.widgets import ContentSwitcher

            views = self.query_one("#views", ContentSwitcher)
        return views

    def show_insight(self, name: str, toggle: bool = True) -> InsightPane | None:
        switcher = self._views()
        target = INSIGHT_PANES[name].VIEW_ID
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
        pane = self.show_insight("lrfind", toggle=False)
        if pane is not None and not pane.busy:
            if pane.sweeps and pane.result is None and pane.error is None:
                return  # shown for the first time: the sweep has just started
            pane.start_sweep()
            self.redraw(force=True)

    def action_apply_lr(self) -> None:
        pane = self.insight_pane("lrfind")
        r = pane.result
        if r is None:
            self.show_insight("lrfind", toggle=False)
            self.notify("No suggested rate yet: the sweep is running (f starts it).", timeout=4)
            return
        if getattr(self, "make_run", None) is None:
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
