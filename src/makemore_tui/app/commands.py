"""The command palette (ctrl+p): every action of keys.py (the insight views registered by then
included), and every theme."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import all_keys


class _Commands(Provider):
    """A provider of (title, help, callback) commands, matched on their titles."""

    def _commands(self):  # pragma: no cover - each provider has its own
        raise NotImplementedError

    def _discoverable(self, help: str) -> bool:
        """Whether a command is in the list shown before anything is typed."""
        return True

    async def discover(self) -> Hits:
        for title, help, callback in self._commands():
            if self._discoverable(help):
                yield DiscoveryHit(title, callback, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help)


class ActionCommands(_Commands):
    """Every key's action, by its sentence (with the key to remember it by)."""

    def _commands(self):
        app = self.app
        for k in all_keys():
            yield k.help, f"key: {k.shown_key}", partial(app.run_action, k.action)


class ThemeCommands(_Commands):
    """`theme: NAME` for the project's themes and Textual's built-in ones (the list shown before
    anything is typed has only the project's, so that the actions come first)."""

    def _commands(self):
        app = self.app
        ours = set(getattr(app, "project_themes", ()))
        names = sorted(app.available_themes, key=lambda n: (n not in ours, n))
        for name in names:
            yield f"theme: {name}", ("makemore-tui theme" if name in ours else "Textual theme"), partial(
                app.set_theme, name)

    def _discoverable(self, help: str) -> bool:
        return help.startswith("makemore-tui")
