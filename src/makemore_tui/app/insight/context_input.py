"""The next-character view's context field: it types only what a context can hold."""

from __future__ import annotations

from ..capped_input import CappedInput


class ContextInput(CappedInput):
    """The context field. A printable key that cannot be in a context (a character outside the
    vocabulary, such as the digits of the views' keys) is not typed but left to the app's keys.
    What can be typed is for the nearest ancestor with a `can_type(character)` to say (the next
    character pane)."""

    def _typeable(self, character: str | None) -> bool:
        pane = next((a for a in self.ancestors if callable(getattr(a, "can_type", None))), None)
        return pane is None or not character or pane.can_type(character)

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return super().check_consume_key(key, character) and self._typeable(character)

    def on_key(self, event) -> None:
        # runs before Input's own key handler (a subclass's handlers come first); preventing the
        # default skips Input's, and the key bubbles on to the app's keys
        if event.is_printable and not self._typeable(event.character):
            event.prevent_default()
        else:
            super().on_key(event)
