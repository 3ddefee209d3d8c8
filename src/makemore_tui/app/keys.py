"""Every key of the app, in one place.

The app's bindings, the footer, the help screen (`?`) and the command palette (ctrl+p) are all built
from all_keys(), so a new pane or screen adds its keys here and they show up everywhere. An action
named here must exist on the app (`action_<name>`); parameters go in the action string, as in
Textual ("show_pane('chart')"). The insight views' keys come from their registry (insight/views.py)
each time the keys are read, so a view registered before the app is built has its key too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..insight.views import InsightView, views


@dataclass(frozen=True)
class Key:
    key: str  # Textual key names, comma-separated for alternatives: "plus,equals_sign"
    action: str  # app action, e.g. "toggle_pause" or "show_pane('chart')"
    label: str  # short, for the footer
    help: str  # a sentence, for the help screen and the command palette
    group: str  # heading on the help screen
    footer: bool = False  # shown in the footer
    display: str | None = None  # how the key is written for people (default: from `key`)

    @property
    def shown_key(self) -> str:
        if self.display:
            return self.display
        first = self.key.split(",")[0]
        return {"space": "space", "question_mark": "?", "slash": "/", "plus": "+", "minus": "-"}.get(first, first)


TRAINING_KEYS: list[Key] = [
    # training
    Key("space", "toggle_pause", "pause", "Pause or resume training", "Training", footer=True),
    Key("n", "step", "step", "Make one training step (pauses first if training)", "Training", footer=True),
    Key("x", "stop_run", "stop", "Stop the run: save, evaluate, write the summary (the app stays open)",
        "Training"),
    Key("c", "checkpoint", "save", "Save a checkpoint now (training goes on)", "Training"),
    Key("e", "settings", "settings", "Change the settings and restart training with them", "Training", footer=True),
    # chart
    Key("l", "toggle_log", "log", "Switch the loss chart between linear and log10 scale", "Chart", footer=True),
    Key("z", "toggle_fit", "zoom", "Fit the loss chart's y axis to every step, or to all but the first tenth",
        "Chart"),
    # samples
    Key("s", "sample", "sample", "Sample a fresh batch of names from the current weights", "Samples", footer=True),
    Key("plus,equals_sign", "temperature(1)", "T+", "Raise the sampling temperature (and resample)", "Samples",
        display="+"),
    Key("minus,underscore", "temperature(-1)", "T-", "Lower the sampling temperature (and resample)", "Samples",
        display="-"),
    Key("slash", "edit_prefix", "prefix", "Type a prefix every sampled name starts with (enter samples, escape leaves)",
        "Samples"),
    Key("enter", "trace_sample", "trace", "Show the selected name's trace (a click on a name too): each character's "
        "context, probability and rivals", "Samples", footer=True),
    Key("down", "pick_sample(0, 1)", "down", "Select the sampled name below (the first press selects the first)",
        "Samples", display="↓"),
    Key("up", "pick_sample(0, -1)", "up", "Select the sampled name above", "Samples", display="↑"),
    Key("right", "pick_sample(1, 0)", "right", "Select the sampled name in the next column", "Samples", display="→"),
    Key("left", "pick_sample(-1, 0)", "left", "Select the sampled name in the column before", "Samples", display="←"),
    # panes
    Key("1", "show_pane('chart')", "chart", "Show the loss chart", "Panes"),
    Key("2", "show_pane('params')", "params", "Show the parameter table", "Panes"),
    Key("3", "show_pane('shapes')", "shapes", "Show the shapes of the forward pass", "Panes"),
    Key("4", "show_pane('samples')", "samples", "Show the sampled names", "Panes"),
]

# after the insight views' own keys (app/insight/: a view's key again goes back to training)
INSIGHT_KEYS: list[Key] = [
    Key("f", "lr_find", "sweep", "Learning-rate finder: run the sweep (again)", "Insight"),
    Key("a", "apply_lr", "apply lr", "Restart training with the learning-rate finder's suggested rate", "Insight"),
]

APP_KEYS: list[Key] = [
    Key("t", "next_theme", "theme", "Switch to the next theme", "App"),
    Key("question_mark", "help", "help", "Show every key", "App", footer=True),
    Key("q", "quit", "quit", "Quit (the run is saved; continue it with --resume). Attached: leave, the run goes on", "App", footer=True),
]


def view_key(spec: InsightView) -> Key:
    """The key that shows an insight view."""
    return Key(spec.key, spec.action, spec.label, spec.help, "Insight")


def all_keys() -> list[Key]:
    """Every key of the app, in the order of the help screen, with the registered insight views'."""
    return [*TRAINING_KEYS, *(view_key(v) for v in views()), *INSIGHT_KEYS, *APP_KEYS]


# Keys that Textual provides itself, listed on the help screen.
BUILTIN_KEYS: list[tuple[str, str]] = [
    ("ctrl+p", "Command palette: every action, and the themes"),
    ("tab", "Move the focus (to the prefix field, the form's fields)"),
    ("escape", "Leave the prefix field, close a dialog"),
]


def bind_keys(app) -> None:
    """Bind every key on the app (when it is built: the insight views registered by then included)."""
    for k in all_keys():
        app.bind(k.key, k.action, description=k.label, show=k.footer, key_display=k.display)


def markdown_table() -> str:
    """The README's table of keys (tests/test_readme.py keeps the two equal)."""
    rows = ["| key | what it does |", "| --- | --- |"]
    for k in all_keys():
        rows.append(f"| `{k.shown_key}` | {k.help} |")
    for key, what in BUILTIN_KEYS:
        rows.append(f"| `{key}` | {what} |")
    return "\n".join(rows)
