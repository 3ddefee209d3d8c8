"""The base of the insight panes: numbers computed off the UI thread, drawn on the timer.

An insight pane is a Pane (app/pane.py) that the app's redraw timer calls a few times a second while its
view is shown. On each call it may start one computation (`compute`, in a thread worker), at most
every INTERVAL seconds and only when the run has moved on (a new step, a new run, a new request),
and it redraws only when a new result has arrived or its size changed. Whatever touches the live
model does so in the training thread between two steps, through `in_training_thread(run, fn)`
(Trainer.submit), and hands back plain numbers or a snapshot (a copy of the weights) that the worker
then works on; nothing here runs on the UI thread but the drawing, whose cost does not depend on how
long the run is.
"""

from __future__ import annotations

import time
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from typing import Any, Callable, Protocol, cast

from textual.message import Message

from ...insight.views import InsightView
from ...interface import RunHandle
from ..pane import Pane
from ..state import RunState

SUBMIT_TIMEOUT_S = 30.0  # waiting for the training thread (a final evaluation can take seconds)


def in_training_thread(run, fn: Callable[[], Any]) -> Any:
    """Run fn between two training steps (or here, if the trainer is not running) and return its
    result. Call it from a worker thread, never from the UI thread."""
    return run.trainer.submit(fn).result(timeout=SUBMIT_TIMEOUT_S)


class InsightHost(Protocol):
    """What an insight pane reads of the app it is in (app.MakemoreApp)."""

    current_run: RunHandle | None
    state: RunState
    compare_dirs: tuple[str, ...]  # earlier runs' work directories from --compare
    freeze_clock: bool  # no wall-clock figures on screen (tests, screenshots)
    redraw_interval: float  # seconds between two redraws of the shown panes

    def selected_sample(self) -> str | None:
        """The sampled name selected in the samples pane (None: none)."""


class InsightPane(Pane):
    """The pane of one insight view; its spec (insight/views.py) gives its key and title."""

    @property
    def host(self) -> InsightHost:
        return cast(InsightHost, self.app)

    INTERVAL = 0.5  # seconds between two computations at most
    LIVE = True  # recompute as training goes on (the LR finder computes on request instead)

    class Ready(Message):
        """A computation finished (posted from the worker thread)."""

        def __init__(self, pane: "InsightPane", run, token: int, result: Any, error: str | None) -> None:
            super().__init__()
            self.pane, self.run, self.token, self.result, self.error = pane, run, token, result, error

    def __init__(self, spec: InsightView, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.PANE_KEY, self.PANE_TITLE = spec.key, spec.title  # for Pane's border title
        self.set_title()
        self.result: Any = None
        self.error: str | None = None
        self.busy = False
        self.computations = 0  # finished computations (for tests and the subtitle)
        self.draws = 0
        self._token = 0  # changes when the pane wants a fresh computation (new run, new input)
        self._version = 0  # changes with each result
        self._due = 0.0
        self._throttle: tuple[int | None, float] = (None, 0.0)  # (version shown, when the next may be)
        self._computed: tuple | None = None  # (run, step, token) of the latest request

    # ---- for subclasses ---------------------------------------------------------------------
    def compute(self, run) -> Any:
        """In a worker thread: the pane's numbers for the run (raise to show an error)."""
        raise NotImplementedError

    def render_result(self, state) -> None:
        """On the UI thread: draw self.result (or self.error, or a waiting line)."""
        raise NotImplementedError

    def wanted(self, state) -> tuple:
        """What the latest result must match to be current; a change asks for a new computation."""
        return (id(self.app.current_run), state.step if self.LIVE else 0, self._token)

    def refresh_numbers(self) -> None:
        """Ask for a new computation on the next timer tick (new input, a key)."""
        self._token += 1
        self._due = 0.0

    def on_shown(self) -> None:
        """The pane's view was brought into view (focus an input, start a sweep...)."""

    # ---- the machinery ----------------------------------------------------------------------
    def update_from(self, state, force: bool = False) -> bool:
        if not self.display or not self.is_mounted:
            return False
        self._maybe_compute(state)
        key = (self._version, self.size.width, self.size.height, self.draw_key(state))
        if not force and key == self._drawn_key:
            return False
        self._drawn_key = key
        self.draws += 1
        self.render_result(state)
        return True

    def draw_key(self, state) -> tuple:
        """Anything besides a new result that changes the drawing (a subclass's own inputs)."""
        return ()

    def throttled(self, version: int, period: float = 1.0) -> int:
        """`version` as seen at most once every `period` seconds: a draw key for a pane that follows
        fast-changing state (the loss history, the update ratios) without redrawing at every tick."""
        now = time.monotonic()
        seen, due = self._throttle
        if version != seen and now >= due:
            self._throttle = (version, now + period)
            return version
        return seen if seen is not None else version

    def draw(self, state) -> None:
        self.render_result(state)

    def _maybe_compute(self, state) -> None:
        run = self.host.current_run
        if run is None or self.busy:
            return
        want = self.wanted(state)
        now = time.monotonic()
        if want == self._computed or now < self._due:
            return
        self.busy = True
        self._computed = want
        self._due = now + self.INTERVAL
        self.run_worker(partial(self._work, run, self._token), thread=True, group=f"insight-{self.id}",
                        exit_on_error=False)

    def _work(self, run, token: int) -> None:
        try:
            result, error = self.compute(run), None
        except FutureTimeout:
            result, error = None, "the training thread did not answer in time"
        except Exception as e:  # shown in the pane; the app goes on
            result, error = None, f"{type(e).__name__}: {e}"
        self.post_message(self.Ready(self, run, token, result, error))

    def on_insight_pane_ready(self, message: "InsightPane.Ready") -> None:
        message.stop()
        if message.pane is not self:
            return
        self.busy = False
        if message.run is not self.host.current_run:
            self._computed = None  # from a replaced run: compute again for the new one
            return
        self.computations += 1
        self.result, self.error = message.result, message.error
        self._version += 1
        state = self.host.state
        if state is not None:
            self.update_from(state)
