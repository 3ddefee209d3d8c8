"""The sample panel's names, drawn off the UI thread.

A request (s, the temperature keys, Enter in the prefix field) has its prefix checked, gets a seed (a
fixed series when the app is given one, else a random one; a change of temperature keeps the batch's
seed, so that only the temperature differs) and is drawn in a thread worker after the next layout: a
panel that has just been shown knows by then how many names fit. The run draws them between two
training steps. The answer comes back as a message that names its run and request, so that the
answer to an older request, or from a run since replaced, is dropped.
"""

from __future__ import annotations

import random
from functools import partial
from typing import TYPE_CHECKING

from .messages import SamplesReady, SamplingFailed
from .sample_panel import NAME_WIDTH
from .state import SampleState

if TYPE_CHECKING:
    from textual.app import App

    from ..interface import RunHandle


def check_prefix(run: RunHandle, prefix: str) -> str:
    """'' when the run's names can start with prefix, else why not."""
    if run.data is None:  # an attached run whose words are not loaded (yet): sampling says what is wrong
        return ""
    return run.data.vocab.text_problem(prefix)


def name_width(run: RunHandle) -> int:
    """How wide a sampled name is likely to be: the data's longest word, at most NAME_WIDTH."""
    try:
        return min(NAME_WIDTH, max(4, run.data.max_word_len)) if run.data is not None else 12
    except ValueError:  # no words
        return 12


class Sampler:
    """Requests of names for the app's sample panel, and their answers (on the UI thread)."""

    def __init__(self, app: App, n: int | None = None, seed: int | None = None) -> None:
        self.app = app
        self.state = SampleState(n=n or 20)
        self.fixed_n = n is not None  # else as many names as the panel shows
        self.first_seed = seed  # batch k is drawn with first_seed + k; None: random seeds
        self.batches = 0
        self.seed: int | None = None  # the current batch's
        self._rng = random.Random()
        self._width: tuple[int, int] | None = None  # (run id, name width) of the current run

    @property
    def panel(self):
        return self.app.sample_panel

    def forget(self) -> None:
        """A new run: its names are yet to be drawn."""
        s = self.state
        s.samples, s.error, s.busy = [], "", False
        self.seed = None

    def request(self, fresh: bool = True) -> None:
        """Draw a batch of names from the app's current run (fresh: with a new seed)."""
        app, s = self.app, self.state
        app.show_samples()
        prefix = self.panel.prefix_input.value.strip()
        s.error = check_prefix(app.current_run, prefix)
        if s.error:
            self.panel.show(s)
            return
        if fresh or self.seed is None:
            if self.first_seed is not None:
                self.seed = self.first_seed + self.batches
            else:
                self.seed = self._rng.randrange(2**31)
            self.batches += 1
        s.prefix = prefix
        s.request += 1
        s.busy = True
        self.panel.show(s)
        # after the next layout: a panel that has just been shown knows its size by then
        app.call_after_refresh(self._start, app.current_run, app.run_id, s.request, s.temperature, prefix, self.seed)

    def _start(self, run: RunHandle, rid: int, req: int, temperature: float, prefix: str, seed: int) -> None:
        s, app = self.state, self.app
        if req != s.request or rid != app.run_id or app.quitting:
            return  # a newer request, or another run
        if not self.fixed_n:
            if self._width is None or self._width[0] != rid:
                self._width = (rid, name_width(run))
            s.n = self.panel.capacity(name_width=self._width[1])
        app.run_worker(partial(self._draw, run, rid, req, s.n, temperature, prefix, seed),
                       thread=True, group="sample", exit_on_error=False)

    def _draw(self, run: RunHandle, rid: int, req: int, n: int, temperature: float, prefix: str, seed: int) -> None:
        """In a thread worker (the draw itself runs between two training steps)."""
        try:
            out = run.sample(n=n, temperature=temperature, prefix=prefix, seed=seed)
        except Exception as e:
            self.app.post_message(SamplingFailed(rid, req, f"sampling failed: {e}"))
            return
        self.app.post_message(SamplesReady(rid, req, out, temperature, prefix, run.trainer.step))

    def ready(self, message: SamplesReady) -> None:
        s = self.state
        if message.run_id != self.app.run_id or message.request != s.request:
            return  # a newer request is on its way
        s.samples, s.step, s.busy, s.error = message.samples, message.step, False, ""
        self.panel.show(s)

    def failed(self, message: SamplingFailed) -> None:
        s = self.state
        if message.run_id != self.app.run_id or message.request != s.request:
            return
        s.busy, s.error = False, message.error
        self.panel.show(s)
