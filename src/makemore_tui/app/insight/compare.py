"""Run comparison: this session's runs (each keeps its work directory) and any `--compare DIR`,
their loss curves overlaid (log10) and their settings side by side.

The live run is drawn from the app's bounded loss history; earlier runs are read from their
metrics.jsonl, config.json and summary.json in a worker (a finished run is read once). Every curve is
cut to about twice the chart's width, so a redraw costs the same however long the runs."""

from __future__ import annotations

import math
from pathlib import Path

from rich.text import Text

from ...insight.charts import draw_runs
from ...insight.compare import RunError, RunRecord, compare_rows, load_run
from ...insight.render import run_table
from ..state import DIVERGED, FINISHED, PAUSED, STOPPED
from .chart import InsightChart
from .pane import InsightPane
from .text import InsightText


# how the current run is labelled: a run that has ended says so ("out (finished)")
RUN_WORDS = {FINISHED: "finished", STOPPED: "stopped", DIVERGED: "diverged", PAUSED: "paused"}


class ComparePane(InsightPane):
    INTERVAL = 2.0

    DEFAULT_CSS = """
    ComparePane { padding: 0; }
    ComparePane #cmp-plot { height: 1fr; min-height: 6; }
    ComparePane #cmp-table { height: auto; max-height: 50%; padding: 0 1; overflow-y: auto; }
    """

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.session_dirs: list[str] = []  # work directories of this session's runs, oldest first
        self._cache: dict[str, RunRecord] = {}

    def compose(self):
        yield InsightChart(id="cmp-plot")
        yield InsightText(id="cmp-table")

    def on_mount(self) -> None:
        self.note_run()
        self.set_interval(1.0, self.note_run, name="compare-runs")  # restarts while the view is hidden

    def note_run(self) -> None:
        run = self.host.current_run
        wd = str(run.work_dir) if run is not None else ""
        if wd and wd not in self.session_dirs:
            self.session_dirs.append(wd)

    def other_dirs(self) -> list[str]:
        """Earlier runs of the session, then the command line's --compare directories."""
        run = self.host.current_run
        cur = str(run.work_dir) if run is not None else ""
        extra = [str(d) for d in self.host.compare_dirs]
        seen, out = {cur}, []
        for d in self.session_dirs + extra:
            if d not in seen:
                seen.add(d)
                out.append(d)
        return out

    def wanted(self, state) -> tuple:
        return super().wanted(state) + (tuple(self.other_dirs()),)

    def compute(self, run) -> tuple[list[RunRecord], list[str]]:
        records, problems = [], []
        for d in self.other_dirs():
            rec = self._cache.get(d)
            if rec is None:
                try:
                    rec = load_run(d)
                except RunError as e:
                    problems.append(str(e))
                    continue
                if rec.summary is not None:  # finished: it will not change
                    self._cache[d] = rec
            records.append(rec)
        return records, problems

    def draw_key(self, state) -> tuple:
        return (self.throttled(state.versions.get("chart", 0), 1.0),)

    def live_record(self, state, points: int) -> RunRecord:
        name = f"{Path(state.work_dir or 'run').name} ({RUN_WORDS.get(state.status, 'live')})"
        v = state.train.view(points)
        d = state.dev.view(points)
        rec = RunRecord(path=state.work_dir, config=dict(state.config), label=name,
                        steps=list(v.x), train_loss=list(v.mean), val_steps=list(d.x), val_loss=list(d.mean))
        fin = state.finished
        rec.summary = {
            "steps": state.step,
            "train_loss": fin.train_loss if fin and math.isfinite(fin.train_loss) else state.smooth_loss,
            "val_loss": state.dev_loss,
            # a frozen clock (tests, screenshots) shows no time: it differs from run to run
            "seconds": None if self.host.freeze_clock else round(state.elapsed_s, 1),
        }
        return rec

    def render_result(self, state) -> None:
        plot = self.query_one("#cmp-plot", InsightChart)
        table = self.query_one("#cmp-table", InsightText)
        width = max(16, plot.size.width - 8)
        earlier, problems = self.result if self.result is not None else ([], [])
        runs = [*earlier, self.live_record(state, 2 * width)]
        height = plot.size.height
        plot.plot(lambda plt: draw_runs(plt, runs, width, height=height))
        header, rows = compare_rows(runs, only_different=len(runs) > 1)
        if len(runs) > 1:
            out = [run_table(header, rows)]
        else:  # one run: its settings in a line, and how to get others
            out = [Text("  ".join(f"{r[0]} {r[1]}" for r in rows), style="")]
            out.append(Text("Earlier runs appear here: e restarts with other settings (each run keeps its "
                            "work directory); --compare DIR ... adds saved ones.", style="dim"))
        for p in problems:
            out.append(Text(p, style="yellow"))
        from rich.console import Group

        table.set(Group(*out), lines=(len(runs), len(rows), len(problems)))
        self.border_subtitle = f"{len(runs)} runs; settings that differ" if len(runs) > 1 else "1 run"
