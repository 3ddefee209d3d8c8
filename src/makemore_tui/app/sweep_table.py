"""The sweep view's table of trials: number, state, dev loss, seconds, settings; the best first,
then the running ones. Rebuilt only when a row changes, keeping the highlighted trial."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ..sweep.results import HEADERS
from .pane import Pane

STATE_STYLE = {"running": "bold", "complete": "", "pruned": "dim", "failed": "red"}
RIGHT = {"trial", "dev", "seconds"}


class TrialsPane(Pane):
    PANE_TITLE = "Trials · enter: open its view"

    def compose(self):
        yield TrialsTable()


class TrialsTable(DataTable):
    DEFAULT_CSS = """
    TrialsTable { height: 1fr; background: $surface; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.rows_shown: list[tuple[str, ...]] = []

    def on_mount(self) -> None:
        for h in HEADERS:
            self.add_column(h, key=h)

    @property
    def selected_trial(self) -> int | None:
        """The highlighted trial's number, or None when the table is empty."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def show_rows(self, rows: list[tuple[str, ...]]) -> None:
        if rows == self.rows_shown:
            return
        keep = self.selected_trial
        self.clear()
        for row in rows:
            style = STATE_STYLE.get(row[1], "")
            cells = [Text(c, style=style if h == "state" else "", justify="right" if h in RIGHT else "left")
                     for h, c in zip(HEADERS, row)]
            self.add_row(*cells, key=row[0].rstrip("*"))
        self.rows_shown = list(rows)
        if keep is not None:
            try:
                self.move_cursor(row=self.get_row_index(str(keep)), animate=False)
            except Exception:  # that trial is gone from the table (another study's file)
                pass
