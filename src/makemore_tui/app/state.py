"""What the app knows about the run, accumulated from the trainer's events (Textual-free).

The app applies each event as it arrives (cheap: appending to bounded series, setting numbers) and
its panes redraw from this state on a timer. Each part of the state has a version number that
changes when the part does, so a pane redraws only when what it shows has changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import events as ev
from ..insight.health import RatioHistory
from ..series import Series

# How the status line names the state of the run.
STARTING, TRAINING, PAUSED, DIVERGED, FINISHED, STOPPED = "starting", "training", "paused", "diverged", "finished", "stopped"
EVALUATING = "evaluating"  # the final evaluation, after the last step (eval_done of eval_total splits)
GONE = "gone"  # an attached run whose process died without finishing (SIGKILL, a reboot)

SECTIONS = ("chart", "params", "shapes", "status", "run")


@dataclass
class RunState:
    history: int = 2048  # buckets of train-loss history kept (memory stays flat over any run)
    smooth_span: int = 100  # steps in the status line's smoothed train loss

    def __post_init__(self) -> None:
        self.train = Series(self.history)
        self.dev = Series(max(64, self.history // 4))
        self.versions: dict[str, int] = {s: 0 for s in SECTIONS}
        self.reset()

    def reset(self, work_dir: str = "") -> None:
        """Forget everything about the previous run (a restart)."""
        self.train.clear()
        self.dev.clear()
        self.work_dir = work_dir
        self.attached = False  # a run in another process (makemore-tui --attach)
        self.config: dict = {}
        self.params: list[ev.ParamInfo] = []
        self.n_params = 0
        self.shapes: list[tuple[str, str, tuple[int, ...], str]] = []
        self.vocab_size = 0
        self.n_train = self.n_dev = 0
        self.start_step = 0
        self.max_steps = 0
        self.step = 0
        self.elapsed_s = 0.0
        self.steps_per_s = 0.0
        self.lr = math.nan
        self.batch_loss = math.nan
        self.smooth_loss = math.nan
        self._ema = self._ema_norm = 0.0
        self.dev_loss: float | None = None
        self.dev_step = 0
        self.stats: dict[str, ev.ParamStat] = {}
        self.stats_step = 0
        self.ratios = RatioHistory()  # log10 update:data ratio per parameter over the run (app/insight/health.py)
        self.status = STARTING
        self.pause_reason = ""
        self.diverged: str | None = None
        self.diverged_step = 0
        self.overfitting: ev.Overfitting | None = None  # the trainer's word that the model overfits (once)
        self.finished: ev.Finished | None = None
        self.eval_done = self.eval_total = 0  # the final evaluation's splits done, of how many
        self.last_checkpoint: str | None = None
        self.save_error = ""  # the latest failed save, in words, until one succeeds
        self.events = 0
        self.touch(*SECTIONS)

    def touch(self, *sections: str) -> None:
        for s in sections:
            self.versions[s] += 1

    # ---- events ------------------------------------------------------------------------------
    def apply(self, e: ev.Event) -> None:
        self.events += 1
        if isinstance(e, ev.Steps):
            self._steps(e)
        elif isinstance(e, ev.ParamStats):
            self.stats = {s.name: s for s in e.stats}
            self.stats_step = e.step
            self.ratios.add_event(e)
            self.touch("params")
        elif isinstance(e, ev.Evaluated):
            self.dev_loss, self.dev_step = e.val_loss, e.step
            self.dev.append(e.step, e.val_loss)
            self.touch("chart", "status")
        elif isinstance(e, ev.Started):
            self.config = dict(e.config)
            self.params = list(e.params)
            self.n_params = e.n_params
            self.shapes = list(e.shapes)
            self.vocab_size = len(e.vocab)
            self.n_train, self.n_dev = e.n_train, e.n_dev
            self.start_step = self.step = e.start_step
            self.max_steps = e.max_steps
            self.lr = float(e.config.get("learning_rate", math.nan))
            if self.status in (STARTING, STOPPED, FINISHED):
                self.status = TRAINING
            self.touch(*SECTIONS)
        elif isinstance(e, ev.Paused):
            if self.status != DIVERGED:
                self.status = PAUSED
            self.pause_reason = e.reason
            self.step = e.step
            self.touch("status")
        elif isinstance(e, ev.Resumed):
            self.status = TRAINING
            self.pause_reason = ""
            self.touch("status")
        elif isinstance(e, ev.Diverged):
            self.status = DIVERGED
            self.diverged, self.diverged_step = e.reason, e.step
            self.touch("status", "run")
        elif isinstance(e, ev.Overfitting):
            self.overfitting = e
            self.touch("status", "run")
        elif isinstance(e, ev.CheckpointSaved):
            self.last_checkpoint = e.path
            self.save_error = ""
            self.touch("status")
        elif isinstance(e, ev.CheckpointFailed):
            self.save_error = e.error  # said until a save succeeds
            self.touch("status")
        elif isinstance(e, ev.FinalEvaluation):
            if self.status != DIVERGED:
                self.status = EVALUATING
            self.step, self.eval_done, self.eval_total = max(self.step, e.step), 0, len(e.examples)
            self.touch("status")
        elif isinstance(e, ev.SplitEvaluated):
            self.eval_done, self.eval_total = e.done, e.total
            self.touch("status")
        elif isinstance(e, ev.Gone):
            self.status = GONE
            self.step = max(self.step, e.step)
            self.touch("status")
        elif isinstance(e, ev.Finished):
            self.finished = e
            self.step = e.step
            if self.status != DIVERGED:
                self.status = STOPPED if e.stopped_early else FINISHED
            if math.isfinite(e.val_loss):
                self.dev_loss, self.dev_step = e.val_loss, e.step
                if self.dev.last_x != e.step:
                    self.dev.append(e.step, e.val_loss)
            self.touch("status", "chart", "run")

    def _steps(self, e: ev.Steps) -> None:
        if not e.losses:
            return
        self.train.extend(e.first_step + 1, e.losses, dx=e.stride)  # x = steps done after that step
        alpha = 2.0 / (self.smooth_span + 1.0)
        keep = 1.0 - alpha
        avg, norm = self._ema, self._ema_norm
        for x in e.losses:
            if math.isfinite(x):
                avg = keep * avg + alpha * x
                norm = keep * norm + alpha
        self._ema, self._ema_norm = avg, norm
        self.smooth_loss = avg / norm if norm > 0 else math.nan
        self.batch_loss = e.losses[-1]
        self.lr = e.lrs[-1] if e.lrs else self.lr
        self.step = e.step
        self.elapsed_s = e.elapsed_s
        # the rate the trainer reports is over the last batch of steps: smooth it a little
        r = e.steps_per_s
        if math.isfinite(r) and r > 0:
            self.steps_per_s = r if self.steps_per_s <= 0 else 0.7 * self.steps_per_s + 0.3 * r
        self.touch("chart", "status")

    # ---- derived ------------------------------------------------------------------------------
    @property
    def seconds_left(self) -> float | None:
        """Time to max_steps at the recent rate; None when not training or unknown."""
        if self.status != TRAINING or self.steps_per_s <= 0 or not self.max_steps:
            return None
        return max(0, self.max_steps - self.step) / self.steps_per_s

    @property
    def progress(self) -> float:
        return self.step / self.max_steps if self.max_steps else 0.0


@dataclass
class SampleState:
    """The sample panel's settings and latest batch (owned by the UI thread)."""

    temperature: float = 1.0
    prefix: str = ""
    n: int = 20
    samples: list = field(default_factory=list)
    step: int = 0  # training step the names were drawn at
    busy: bool = False
    error: str = ""
    request: int = 0

    TEMPERATURES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.7, 2.0, 2.5, 3.0, 4.0, 5.0)

    def step_temperature(self, direction: int) -> float:
        ts = self.TEMPERATURES
        cur = self.temperature
        if direction > 0:
            nxt = next((t for t in ts if t > cur + 1e-9), ts[-1])
        else:
            nxt = next((t for t in reversed(ts) if t < cur - 1e-9), ts[0])
        self.temperature = nxt
        return nxt


def format_duration(seconds: float | None) -> str:
    """1:05, 12:00, 1:02:03."""
    if seconds is None or not math.isfinite(seconds):
        return "--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_loss(x: float | None) -> str:
    if x is None:
        return "--"
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.4f}" if abs(x) < 100 else f"{x:.4g}"


def format_count(n: int) -> str:
    return f"{n:,}"
