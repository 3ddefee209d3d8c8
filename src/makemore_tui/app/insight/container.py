"""The app view (app.VIEWS) of one insight view: a container holding the spec's pane, which fills it."""

from __future__ import annotations

from textual.containers import Container

from ...insight.views import InsightView, resolve
from .pane import InsightPane


class InsightContainer(Container):
    DEFAULT_CSS = """
    InsightContainer { height: 1fr; }
    """

    def __init__(self, spec: InsightView, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def compose(self):
        pane_cls: type[InsightPane] = resolve(self.spec.pane)
        yield pane_cls(self.spec, id=f"{self.id}-pane")

    @property
    def pane(self) -> InsightPane:
        return self.query_one(InsightPane)
