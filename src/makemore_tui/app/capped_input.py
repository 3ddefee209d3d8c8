"""A text field that holds at most `max_length` characters and says so: a longer paste is cut to
what fits (its first line, as Input takes), typing past the end is refused, and either is said in a
notification, never silently. Every text field of the app is one (prefix, settings, context)."""

from __future__ import annotations

import time

from textual.widgets import Input

NOTE_EVERY_S = 2.0  # the notice is said at most this often (a held key, a long paste typed out)


class CappedInput(Input):
    def __init__(self, value: str | None = None, *, max_length: int, what: str = "this field", **kwargs) -> None:
        super().__init__(value, max_length=max_length, **kwargs)
        self.what = what
        self.cut = 0  # characters left out, in all (for the tests and the notice)
        self._said = -NOTE_EVERY_S

    def _say(self, left_out: int) -> None:
        self.cut += left_out
        now = time.monotonic()
        if now - self._said >= NOTE_EVERY_S:
            self._said = now
            self.notify(f"{self.what} holds at most {self.max_length} characters; "
                        f"{left_out:,} more {'were' if left_out != 1 else 'was'} left out", severity="warning",
                        timeout=4)

    def on_paste(self, event) -> None:
        # runs before Input's own paste handler (a subclass's handlers come first): Input would
        # refuse a paste that does not fit whole, without a word
        event.prevent_default()
        event.stop()
        lines = event.text.splitlines() if event.text else []
        if not lines:
            return
        line = lines[0]
        start, end = sorted(self.selection)
        room = max(0, self.max_length - (len(self.value) - (end - start)))
        if len(line) > room:
            self._say(len(line) - room)
            line = line[:room]
        if line:
            self.replace(line, start, end)

    def on_key(self, event) -> None:
        if (event.is_printable and len(self.value) >= self.max_length and self.selection.is_empty
                and self.check_consume_key(event.key, event.character)):
            self._say(1)
