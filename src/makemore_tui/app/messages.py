"""The app's messages. Those posted from other threads (the trainer's listener, the sampling and
run-opening workers) carry plain values and the id of the run they belong to, so that a message
from a run that has since been replaced is recognised and dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from .. import events as ev

if TYPE_CHECKING:
    from ..interface import RunHandle
    from ..sampling import Sample


class TrainerEvent(Message):
    """An event of the engine (events.py), posted from the training thread."""

    def __init__(self, run_id: int, event: ev.Event) -> None:
        super().__init__()
        self.run_id = run_id
        self.event = event


class TrainingEnded(Message):
    """The training worker has returned: the run finished or was stopped, and was saved."""

    def __init__(self, run_id: int, save_message: str, error: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.save_message = save_message
        self.error = error


class SamplesReady(Message):
    def __init__(self, run_id: int, request: int, samples: list["Sample"], temperature: float, prefix: str,
                 step: int) -> None:
        super().__init__()
        self.run_id = run_id
        self.request = request
        self.samples = samples
        self.temperature = temperature
        self.prefix = prefix
        self.step = step


class SamplingFailed(Message):
    def __init__(self, run_id: int, request: int, error: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.request = request
        self.error = error


class CheckpointDone(Message):
    """The answer to a checkpoint request, in words."""

    def __init__(self, run_id: int, text: str, ok: bool) -> None:
        super().__init__()
        self.run_id = run_id
        self.text = text
        self.ok = ok


class RunOpened(Message):
    """A new run, built off the UI thread from the settings form, is ready to start."""

    def __init__(self, run: "RunHandle") -> None:
        super().__init__()
        self.run = run


class RunFailed(Message):
    """Building a new run failed; the current one goes on."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SampleRequest(Message):
    """A pane asks the app for a fresh batch of names (the sample panel's Enter in the prefix field)."""

    def __init__(self, fresh: bool = True) -> None:
        super().__init__()
        self.fresh = fresh
