"""Learning-rate finder: lecture 2's sweep, plotted, with a suggested rate that `a` applies.

The sweep (insight/lr_finder.py) trains a fresh copy of the run's network from its initial weights (the init
is seeded, so these are the weights the run started from) in a thread worker: the live run is not
touched. It starts when the view is first shown for a run; `f` runs it again with new batches.
Applying restarts training with the suggested rate through the app's restart (a new work directory;
the current run is kept)."""

from __future__ import annotations

import math
import threading

from rich.text import Text

from ...insight.charts import draw_lr_find
from ...insight.lr_finder import STEPS, LRFind, lr_find, sweep_settings
from .chart import InsightChart
from .pane import InsightPane
from .text import InsightText

class LRFindPane(InsightPane):
    LIVE = False
    INTERVAL = 0.2

    DEFAULT_CSS = """
    LRFindPane { padding: 0; }
    LRFindPane InsightChart { height: 1fr; }
    LRFindPane #lr-note { height: auto; padding: 0 1; }
    """

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.sweeps = 0  # sweeps asked for; 0 until the view is first shown
        self.progress: tuple[list[float], list[float]] = ([], [])
        self._progress_lock = threading.Lock()
        self._cancel = threading.Event()
        self._progress_seen = 0

    def compose(self):
        yield InsightChart(id="lr-plot")
        yield InsightText(id="lr-note")

    # ---- requests ---------------------------------------------------------------------------
    def on_shown(self) -> None:
        if self.sweeps == 0:
            self.start_sweep()

    def start_sweep(self) -> None:
        self.sweeps += 1
        self.result, self.error = None, None
        self.refresh_numbers()

    def wanted(self, state) -> tuple:
        # nothing until asked; then one sweep per request (a new run asks again when shown)
        return (id(self.app.current_run), self._token) if self.sweeps else self._computed

    def _maybe_compute(self, state) -> None:
        if self.busy and self._computed is not None and self._computed[0] != id(self.app.current_run):
            self._cancel.set()  # the run was replaced: stop the old sweep
        super()._maybe_compute(state)

    def compute(self, run) -> LRFind:
        self._cancel.clear()
        cfg = run.cfg
        settings = sweep_settings(cfg, self.sweeps - 1)  # the first: as --inspect lr-find sweeps
        lo, hi = settings["lo"], settings["hi"]
        with self._progress_lock:
            self.progress = ([], [])
        lre = [lo + (hi - lo) * i / (STEPS - 1) for i in range(STEPS)]

        def progress(i: int, loss: float) -> None:
            with self._progress_lock:
                self.progress[0].append(lre[i - 1])
                self.progress[1].append(loss)

        from ...models import build_model

        model = build_model(cfg, len(run.data.vocab))  # the run's initial weights: the init is seeded
        return lr_find(model, run.data.splits["train"], None, copy_model=False, progress=progress,
                       should_stop=self._cancel.is_set, **settings)

    def draw_key(self, state) -> tuple:
        # while a sweep runs, redraw as its curve grows (at the timer's pace)
        return (len(self.progress[0]) // 25,) if self.busy else ()

    # ---- drawing ----------------------------------------------------------------------------
    def render_result(self, state) -> None:
        plot = self.query_one("#lr-plot", InsightChart)
        note = self.query_one("#lr-note", InsightText)
        run = self.host.current_run
        width = max(16, plot.size.width - 8)
        r: LRFind | None = self.result
        if self.error:
            note.set(Text(f"the sweep failed: {self.error}", style="yellow"))
            return
        if r is None:
            with self._progress_lock:
                prog = (list(self.progress[0]), list(self.progress[1]))
            plot.plot(lambda plt: draw_lr_find(plt, None, width, progress=prog))
            if self.sweeps == 0:
                note.set(Text("f: sweep the learning rate", style="dim"))
            else:
                note.set(Text(f"sweeping... {len(prog[0]):,} of {STEPS:,} steps", style="dim"))
            return
        plot.plot(lambda plt: draw_lr_find(plt, r, width))
        cur = run.cfg.learning_rate if run is not None else math.nan
        line = Text()
        line.append(f"{r.optimizer}, lr 1e{r.log10_lrs[0]:g} -> 1e{r.log10_lrs[-1]:g}, {r.steps:,} steps of "
                    f"{r.batch_size} from the initial weights. ", style="dim")
        line.append("lowest smoothed loss ", style="dim")
        line.append(f"{r.min_loss:.3f} at lr {r.min_lr:.3g}", style="red")
        if r.stopped_early:
            line.append(" (then it blew up)", style="dim")
        line.append("\nsuggested learning rate ")
        line.append(f"{r.suggested_lr:.3g}", style="bold green")
        line.append(" (half the minimum's)", style="dim")
        line.append(f"   current {cur:.3g}\n")
        line.append("a", style="bold")
        line.append(": restart training with it   ")
        line.append("f", style="bold")
        line.append(": sweep again")
        note.set(line)
        self.border_subtitle = "vertical lines: suggested rate, minimum"
