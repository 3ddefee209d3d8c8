"""A block of text for the insight panes that repaints without a new layout.

Static.update() asks the whole screen for a new layout, which at 160x48 costs tens of milliseconds
on the UI thread; a pane that redraws a few times a second would spend its key-to-screen budget
there. InsightText repaints only itself, and asks for a layout only when its number of lines changes
while its height follows its content (height: auto), or when told the shape changed."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget


class InsightText(Widget):
    DEFAULT_CSS = """
    InsightText { height: auto; }
    """

    def __init__(self, content: RenderableType = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._content: RenderableType = content
        self._key: object = None
        self._lines = -1
        self.repaints = 0

    def render(self) -> RenderableType:
        return self._content

    def set(self, content: RenderableType, lines: int | None = None) -> None:
        """Show `content`. `lines`: its height when it is not a Text (a table, a group), so that a
        new layout is asked for only when that changes."""
        if isinstance(content, str):
            content = Text(content)
        if isinstance(content, Text):
            key = (content.plain, tuple(content.spans), str(content.style))
            lines = content.plain.count("\n") + 1
        else:
            key = None  # other renderables: compared by their line count only
        if key is not None and key == self._key:
            return
        auto = self.styles.height is None or self.styles.height.is_auto
        relayout = auto and (lines is None or lines != self._lines)
        self._content, self._key, self._lines = content, key, lines if lines is not None else -1
        self.repaints += 1
        self.refresh(layout=relayout)
