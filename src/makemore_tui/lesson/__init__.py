"""Lesson mode: the notes the network grew from, step by step, computed on the run's own data.

`Lesson` (core.py) computes each step on real tensors and returns it as plain text and numbers
(page.py); `makemore-tui lesson --plain` prints it (command.py), the app's lesson screen lays it out.
The engine imports no Textual."""

from .core import Lesson

__all__ = ["Lesson"]
