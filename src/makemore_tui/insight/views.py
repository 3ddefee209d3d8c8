"""One spec per insight view, and the registry that every list of the views reads.

An InsightView says all that the rest of the program needs to know about a view: its one name (the
command line's `--inspect NAME`, the app's action `insight('NAME')` and view id `insight-NAME`), its
key and words in the app (footer label, help sentence, pane title), what it computes and how that
reads as text, its command-line form, and which app pane shows it.

The command line's --inspect choices, the app's keys (app/keys.py: bindings, footer, help screen,
README table), its command palette and its views all read VIEWS, so a view registered here shows up
in all of them. The engine does not import the app: a spec names its pane by a dotted path
("package.module:Class") that the app imports. A spec without a pane of its own gets the app's
generic pane, which computes the spec's numbers off the UI thread and shows their text.

Functions may be given as dotted paths too (`resolve` turns either into the object): the built-in
specs do, so that this module stays light (the command line reads it before torch is loaded).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Union

Ref = Union[Callable[..., Any], str]  # a function, or "package.module:name"

GENERIC_PANE = "makemore_tui.app.insight.generic:GenericPane"


@dataclass(frozen=True)
class InsightView:
    name: str  # the one spelling: --inspect NAME, insight('NAME'), the view id insight-NAME
    key: str  # the app key that shows the view (Textual's key name)
    label: str  # short, for the footer
    help: str  # a sentence, for the help screen, the command palette and the README
    title: str  # the pane's border title
    # (Subject) -> the view's numbers (plain Python: a dataclass of numbers and lists), in any thread
    compute: Ref | None = None
    # (numbers, width) -> a rich renderable: the view as text (the command line's form, the generic pane's)
    render: Ref | None = None
    # (args, console, width, config_from_args) -> exit status: the command line's form when it is
    # more than render(compute(the work directory's model)), e.g. flags or files of its own
    inspect: Ref | None = None
    pane: str = GENERIC_PANE  # the app pane that shows it, "package.module:Class"
    cli_note: str = ""  # said after the name in --help, e.g. "writes lr_find.json"

    @property
    def view_id(self) -> str:
        return f"insight-{self.name}"

    @property
    def action(self) -> str:
        return f"insight({self.name!r})"


class Subject:
    """What a view's numbers are computed from: a model that is the caller's own to read (a copy of
    the live one, or one loaded from a checkpoint), its vocabulary and settings, its data and step,
    the context typed for next-char and the word to trace (None: a name sampled from the model).
    `data` and `step` may be given as functions of no arguments, called the first time a view asks
    for them."""

    def __init__(self, model, vocab, cfg, *, data=None, step: int | Callable[[], int] = 0, context: str = "",
                 word: str | None = None):
        self.model, self.vocab, self.cfg, self.context, self.word = model, vocab, cfg, context, word
        self._data, self._step = data, step

    @property
    def data(self):
        if callable(self._data):
            self._data = self._data()
        return self._data

    @property
    def step(self) -> int:
        if callable(self._step):
            self._step = self._step()
        return self._step


VIEWS: dict[str, InsightView] = {}  # by name, in the order registered


def register(spec: InsightView) -> InsightView:
    """Add a view (ValueError for a name or key already taken, or a spec that cannot be shown)."""
    if spec.name in VIEWS:
        raise ValueError(f"an insight view is already named {spec.name!r}")
    taken = next((v.name for v in VIEWS.values() if v.key == spec.key), None)
    if taken:
        raise ValueError(f"key {spec.key!r} already shows the {taken} view")
    generic = spec.compute is not None and spec.render is not None
    if not generic and (spec.pane == GENERIC_PANE or spec.inspect is None):
        raise ValueError(f"the {spec.name} view needs compute and render, or a pane and an inspect of its own")
    VIEWS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    VIEWS.pop(name, None)


def view(name: str) -> InsightView:
    """The view named `name` (KeyError if there is none)."""
    return VIEWS[name]


def views() -> list[InsightView]:
    return list(VIEWS.values())


def resolve(ref: Ref) -> Any:
    """The object a Ref names: a callable as it is, "package.module:name" imported."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


# ---- the built-in views (keys 5 to 0, and w) ----------------------------------------------------

_I, _A = "makemore_tui.insight", "makemore_tui.app.insight"

register(InsightView(
    "next-char", "5", "next char", "Next character: type a context, see the 27-way distribution",
    "Next character", compute=f"{_I}.nextchar:compute", render=f"{_I}.report:next_char_report",
    pane=f"{_A}.nextchar:NextCharPane"))
register(InsightView(
    "embedding", "6", "embedding", "Embedding map: the rows of C, labelled with their characters",
    "Embedding map", compute=f"{_I}.embedding:compute", render=f"{_I}.report:embedding_report",
    pane=f"{_A}.embedding:EmbeddingPane"))
register(InsightView(
    "lr-find", "7", "lr finder", "Learning-rate finder: the lecture's sweep and a suggested rate",
    "Learning-rate finder", inspect=f"{_I}.cli:inspect_lr_find", pane=f"{_A}.lr_find:LRFindPane",
    cli_note="writes lr_find.json"))
register(InsightView(
    "health", "8", "health", "Activation and gradient health, update:data ratios (lecture 3)",
    "Activation and gradient health", compute=f"{_I}.health:compute", render=f"{_I}.report:health_report",
    pane=f"{_A}.health:HealthPane"))
register(InsightView(
    "compare", "9", "compare", "Compare runs: loss curves overlaid, settings side by side",
    "Run comparison", inspect=f"{_I}.cli:inspect_compare", pane=f"{_A}.compare:ComparePane"))
register(InsightView(
    "confusion", "0", "confusion", "Confusion over the dev set: which characters, mistaken for what",
    "Confusion over the dev set", compute=f"{_I}.confusion:compute", render=f"{_I}.report:confusion_report",
    pane=f"{_A}.confusion:ConfusionPane"))
register(InsightView(
    "trace", "w", "trace", "Sample trace: a word's characters, each one's context, probability and rivals",
    "Sample trace", compute=f"{_I}.trace:compute", render=f"{_I}.report:trace_report",
    pane=f"{_A}.trace:TracePane", cli_note="of --word NAME, or of a sampled name"))
