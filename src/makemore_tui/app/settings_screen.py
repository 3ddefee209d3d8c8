"""The settings form: what is typed is checked as it is typed (Config.validate(), the same check as
the command line) and the message shows beside the field. Enter moves to the next field (or opens a
list); only Start (the button, or ctrl+s) dismisses the form with the new Config, and the app then
opens a new run with it. The focused field is marked beside its label (▸), with or without colour.
While the form is open, or when what is typed is not valid, the current run goes on."""

from __future__ import annotations

import math

from textual import on
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from .. import models
from ..config import INITS, OPTIMIZERS, PRESETS, SCHEDULES, Config, ConfigError, preset
from .capped_input import CappedInput
from .text import esc

# (Config field, label, kind): kind is int, float, a tuple of choices, or a function that gives them
# (the registry's types and presets, read when the form opens)
FIELDS: list[tuple[str, str, object]] = [
    ("preset", "preset", lambda: tuple(PRESETS)),
    ("type", "model", models.names),
    ("block_size", "block size", int),
    ("n_embd", "embedding size", int),
    ("n_hidden", "hidden size", int),
    ("batch_size", "batch size", int),
    ("learning_rate", "learning rate", float),
    ("lr_schedule", "lr schedule", SCHEDULES),
    ("max_steps", "steps", int),
    ("seed", "seed", int),
    ("optimizer", "optimizer", OPTIMIZERS),
    ("init", "init", INITS),
]
FIELD_NAMES = [f[0] for f in FIELDS]
FIELD_CHARS = 24  # a number field holds at most this many characters (and says so)


def parse_number(text: str, kind: type) -> int | float:
    """'200,000', '2e5' and '200_000' are all 200000; ValueError with a sentence otherwise."""
    t = text.strip().replace("_", "").replace(",", "")
    if not t:
        raise ValueError("needed")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if kind is int:
        if value != int(value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


def field_of(message: str) -> str | None:
    """The form field a ConfigError message is about (it starts with the setting's name)."""
    first = message.split(" ", 1)[0].strip(":,")
    return first if first in FIELD_NAMES else None


def display_value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:_}"
    return str(value)


class SettingsScreen(ModalScreen["Config | None"]):
    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "apply", "start"),
    ]

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > VerticalScroll {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text-accent;
        background: $surface;
        padding: 0 1;
    }
    SettingsScreen Grid {
        grid-size: 3;
        grid-columns: 16 18 1fr;
        grid-rows: auto;
        grid-gutter: 0 1;
        height: auto;
    }
    SettingsScreen.-narrow Grid { grid-size: 2; grid-columns: 16 1fr; }
    SettingsScreen.-narrow .field-error { column-span: 2; padding-left: 17; }
    SettingsScreen Grid Label { color: $text-muted; }
    SettingsScreen Grid Label.-focused { color: $text-accent; text-style: bold; }
    SettingsScreen Grid Input:focus { background: $primary 25%; text-style: bold; }
    SettingsScreen Grid Input, SettingsScreen Grid Select { width: 18; }
    SettingsScreen .field-error { color: $error; }
    SettingsScreen #form-message { color: $error; height: auto; margin-top: 1; }
    SettingsScreen #form-note { color: $text-muted; height: auto; }
    SettingsScreen #buttons { height: auto; margin-top: 1; align-horizontal: right; }
    SettingsScreen Button { margin-left: 2; }
    """

    def __init__(self, cfg: Config, note: str = "") -> None:
        super().__init__()
        self.current = cfg
        self.base = cfg  # the settings the form does not show come from here
        self.note = note
        self.result_cfg: Config | None = None

    def compose(self):
        with VerticalScroll() as v:
            v.border_title = "Settings"
            v.border_subtitle = "enter: next field · ctrl+s starts · escape cancels"
            with Grid():
                for name, label, kind in FIELDS:
                    yield Label(f"  {label}", id=f"l-{name}")
                    value = getattr(self.current, name)
                    if kind not in (int, float):
                        choices = kind() if callable(kind) else kind
                        yield Select([(c, c) for c in choices], value=value if value in choices else Select.NULL,
                                     allow_blank=value not in choices, id=f"f-{name}", compact=True)
                    else:
                        yield CappedInput(display_value(value), id=f"f-{name}", compact=True, select_on_focus=True,
                                          max_length=FIELD_CHARS, what=label)
                    yield Static("", id=f"e-{name}", classes="field-error")
            yield Static("", id="form-message")
            yield Static(esc(self.note), id="form-note")
            with Horizontal(id="buttons"):
                yield Button("Start training", variant="primary", id="apply", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_resize(self, event) -> None:
        narrow = event.size.width < 80
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.check()

    def on_mount(self) -> None:
        for field in self.query("#f-block_size"):  # (none when the form is already being dismissed)
            field.focus()
            self.check()

    # ---- reading the form ---------------------------------------------------------------------
    def values(self) -> tuple[dict, dict[str, str]]:
        values, errors = {}, {}
        for name, _, kind in FIELDS:
            w = self.query_one(f"#f-{name}")
            if isinstance(w, Select):
                if w.value is Select.NULL or w.value == Select.BLANK:
                    errors[name] = "choose one"
                else:
                    values[name] = w.value
            else:
                try:
                    values[name] = parse_number(w.value, kind)
                except ValueError as e:
                    errors[name] = str(e)
        return values, errors

    def check(self) -> Config | None:
        """Validate what is typed; show each message beside its field. The Config when valid."""
        values, errors = self.values()
        general = ""
        cfg = None
        if not errors:
            try:
                cfg = self.base.updated(**values).validate()
            except ConfigError as e:
                msg = str(e)
                f = field_of(msg)
                if f:
                    errors[f] = msg.split(" ", 1)[1] if " " in msg else msg
                else:
                    general = msg
            except (TypeError, ValueError) as e:
                general = str(e)
        narrow = self.has_class("-narrow")
        for name in FIELD_NAMES:
            message = self.query_one(f"#e-{name}", Static)
            message.update(esc(errors.get(name, "")))
            message.display = not narrow or name in errors  # narrow: under its field, only when there is one
            self.query_one(f"#f-{name}").set_class(name in errors, "-invalid")
        self.query_one("#form-message", Static).update(esc(general))
        self.query_one("#apply", Button).disabled = cfg is None
        return cfg

    # ---- events -------------------------------------------------------------------------------
    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self.is_attached and self.query("#apply"):  # a change that comes as the form closes: nothing to check
            self.check()

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        if event.select.id == "f-preset" and isinstance(event.value, str) and event.value != self.base.preset:
            # a preset fills the whole form (and the settings the form does not show)
            self.base = preset(event.value, device=self.current.device)
            for name, _, kind in FIELDS:
                if name == "preset":
                    continue
                w = self.query_one(f"#f-{name}")
                value = getattr(self.base, name)
                if isinstance(w, Select):
                    w.value = value
                else:
                    w.value = display_value(value)
        self.check()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()  # Enter moves on; only Start (or ctrl+s) starts a run

    def on_descendant_focus(self, event) -> None:
        """Mark the focused field's label: ▸ before it (seen without colour too)."""
        focused = event.widget.id or ""
        for name, label, _ in FIELDS:
            on = focused == f"f-{name}"
            w = self.query_one(f"#l-{name}", Label)
            w.update(f"{'▸' if on else ' '} {label}")
            w.set_class(on, "-focused")

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_apply(self) -> None:
        cfg = self.check()
        if cfg is None:
            self.app.bell()
            return
        self.result_cfg = cfg
        self.dismiss(cfg)

    def action_cancel(self) -> None:
        self.dismiss(None)
