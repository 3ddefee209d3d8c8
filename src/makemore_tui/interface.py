"""What a front end may use of a training run, whether it trains in this process or in another.

`RunHandle` and `TrainerHandle` are the whole surface that the app (app/), the control server
(control.py) and anything else that watches and steers a run rely on. Two kinds provide every member:
- the live run in this process: run.Run and its trainer.Trainer;
- a headless run in another process, attached to: attach.RemoteRun and attach.RemoteTrainer.
The one thing a caller asks is `attached`, for what differs in words: leaving the app leaves an
attached run going, and its settings are its own.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

from . import events as ev

if TYPE_CHECKING:
    import torch

    from .config import Config
    from .data import Dataset
    from .sampling import Sample


@runtime_checkable
class TrainerHandle(Protocol):
    """The training loop, steered from other threads: each call only asks, and the loop acts
    between two steps (an attached run's, in its own process)."""

    listeners: list[ev.Listener]  # called with each event, in the training thread
    step: int  # steps done

    @property
    def paused(self) -> bool: ...

    @property
    def running(self) -> bool:
        """run() is under way."""

    @property
    def model(self) -> torch.nn.Module:
        """The weights to look at (touch them only in `submit`ted functions)."""

    def run(self) -> ev.Finished | None:
        """Train (or follow the run) to its end in the calling thread; the final event, if any."""

    def pause(self, reason: str = "") -> None: ...

    def resume(self) -> None: ...

    def step_once(self, n: int = 1, stats: bool = False) -> None:
        """While paused, n more steps; stats: measure the parameters' gradients and updates too."""

    def stop(self, final_evaluation: bool = True) -> None:
        """End the run: it saves and writes its summary (without final_evaluation, promptly)."""

    def submit(self, fn: Callable[[], Any]) -> Future:
        """fn's result, computed between two steps, where the weights are whole."""


@runtime_checkable
class RunHandle(Protocol):
    """A run bound to its work directory: its settings, words, trainer, checkpoints and samples."""

    attached: bool  # the run trains in another process (makemore-tui --attach)
    cfg: Config
    work_dir: Path
    notes: list[str]  # what to tell the user when the run ends (an attached run's unreadable files)
    last_checkpoint: str | None

    @property
    def trainer(self) -> TrainerHandle: ...

    @property
    def data(self) -> Dataset | None:
        """The run's words (None: an attached run's, not read (yet))."""

    @property
    def alive(self) -> bool:
        """Still training (an attached run: its process is)."""

    @property
    def gone(self) -> bool:
        """Its process has ended without finishing (killed): only an attached run can be."""

    def sample(self, n: int = 10, temperature: float = 1.0, top_k: int | None = None, prefix: str = "",
               seed: int | None = None) -> list[Sample]:
        """Names from the current weights (call off the UI thread)."""

    def save_checkpoint(self) -> str:
        """Save now; a sentence for people."""

    def request_checkpoint(self) -> Future:
        """Save between two steps, from any thread: a Future of save_checkpoint's sentence."""

    def release(self) -> None:
        """The front end is closing: a live run stops promptly (it is saved, its final evaluation
        skipped); an attached run is only left, and goes on."""

    def close(self) -> None:
        """Release the run's files (after run() has returned)."""
