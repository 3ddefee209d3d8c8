"""The sweep view: `makemore-tui --attach DIR` on a sweep's directory.

It reads the sweep's files on a timer (sweep.json, and each trial's metrics.jsonl and summary.json;
no Optuna, no torch) and shows the trials live: a table (state, dev loss, seconds, settings), the best
dev loss so far against time, and the dev-loss curves of the best few trials. Enter on a trial ends
this app with that trial's directory: cli.py then opens the trial's own attached view, and comes
back here when it is left.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from ..printable import printable
from ..recorder import CONFIG, METRICS, SUMMARY
from ..sweep.results import (STATE_ORDER, best_so_far, dev_curve, finished_at, fmt_loss, ranked, read_sweep,
                             table_rows)
from ..sweep.files import trial_dir
from .sweep_charts import BestSoFarChart, CurvesChart, SweepTitle
from .sweep_table import TrialsPane, TrialsTable
from .themes import install_themes

BEST_FEW = 5


class SweepApp(App):
    TITLE = "makemore sweep"
    AUTO_FOCUS = "TrialsTable"
    BINDINGS = [
        Binding("enter", "open_trial", "open trial"),
        Binding("l", "log_scale", "log scale"),
        Binding("r", "reload", "reload"),
        Binding("q", "quit", "quit"),
    ]
    CSS = """
    Screen { background: $background; }
    #charts { height: 2fr; }
    #trials { height: 3fr; }
    """

    def __init__(self, sweep_dir: str | os.PathLike, theme: str | None = None, refresh_s: float = 1.0,
                 notes: list[str] | tuple = ()) -> None:
        no_color = "NO_COLOR" in os.environ  # Textual removes it from the environment as it starts
        super().__init__(ansi_color=True if no_color else None)
        self.sweep_dir = Path(sweep_dir)
        self.refresh_s = refresh_s
        self.sweep: dict = {"study": None, "trials": [], "best": None}
        self._curves: dict[int, tuple[tuple, list]] = {}  # trial -> (its files' stamps, its dev curve)
        self.project_themes, self.startup_notes = install_themes(self, theme, no_color)
        self.startup_notes = [*notes, *self.startup_notes]  # e.g. the study's storage could not be read

    def compose(self):
        yield SweepTitle(id="title")
        yield TrialsPane(id="trials")
        with Horizontal(id="charts"):
            yield BestSoFarChart(id="best")
            yield CurvesChart(id="curves")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for note in self.startup_notes:
            self.notify(note, severity="warning", timeout=8)
        self.reload()
        self.set_interval(self.refresh_s, self.reload, name="reload")

    # ---- reading the files ------------------------------------------------------------------------
    def _curve(self, number: int) -> list[tuple[float, float]]:
        d = trial_dir(self.sweep_dir, number)
        stamps = []
        for name in (METRICS, SUMMARY):
            try:
                st = (d / name).stat()
                stamps.append((st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append(None)
        cached = self._curves.get(number)
        if cached is None or cached[0] != tuple(stamps):
            cached = (tuple(stamps), dev_curve(d))
            self._curves[number] = cached
        return cached[1]

    def reload(self) -> None:
        self.sweep = sweep = read_sweep(self.sweep_dir)
        trials = sweep["trials"]
        self.query_one(TrialsTable).show_rows(table_rows(sweep, self.sweep_dir))
        counts = {s: sum(t.get("state") == s for t in trials) for s in STATE_ORDER}
        parts = [f"sweep {printable(sweep.get('study') or self.sweep_dir.name)}"]
        best = sweep.get("best")
        if best:
            parts.append(f"best {fmt_loss(best.get('val_loss'))} (trial {best.get('number')})")
        parts.append(f"{len(trials)} trials: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
        if sweep.get("lost"):  # a worker killed by a signal: its trial failed (sweep/launch.py)
            parts.append(f"{len(sweep['lost'])} worker(s) lost: {sweep['lost'][-1]}")
        self.query_one(SweepTitle).update(Text(" · ".join(parts)))  # the study's name as it is, never markup
        ends = {t["number"]: e for t in trials if (e := finished_at(self.sweep_dir, t["number"])) is not None}
        self.query_one(BestSoFarChart).draw(best_so_far(trials, ends))
        top = ranked(trials)[:BEST_FEW]
        self.query_one(CurvesChart).draw([(t["number"], self._curve(t["number"])) for t in top])

    # ---- keys -------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_log_scale(self) -> None:
        for chart in (self.query_one(BestSoFarChart), self.query_one(CurvesChart)):
            chart.log_scale = not chart.log_scale
        self.reload()

    def on_data_table_row_selected(self, event) -> None:
        self.action_open_trial()

    def action_open_trial(self) -> None:
        number = self.query_one(TrialsTable).selected_trial
        if number is None:
            return
        path = trial_dir(self.sweep_dir, number)
        if not (path / CONFIG).is_file():
            self.notify(f"trial {number} has no files in {self.sweep_dir} (it ran on another machine, or has "
                        "not started yet)", severity="warning")
            return
        self.exit(str(path))


def run_sweep_app(sweep_dir: str | os.PathLike, theme: str | None = None, notes: list[str] | tuple = ()) -> str | None:
    """Open the sweep view; returns the directory of the trial to open, or None when left."""
    return SweepApp(sweep_dir, theme=theme, notes=notes).run()
