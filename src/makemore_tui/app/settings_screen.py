"""The settings form: what is typed is checked as it is typed (Config.validate(), the same check as
the command line) and the message shows beside the field. Enter moves to the next field (or opens a
list); only Start (the button, or ctrl+s) dismisses the form with the new Config, and the app then
opens a new run with it. The focused field is marked beside its label (▸), with or without colour.
While the form is open, or when what is typed is not valid, the current run goes on."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ..config import Config, ConfigError, choices, default, preset
from ..models import model_type
from ..settings import SETTINGS, Setting, parse_number
from .capped_input import CappedInput
from .text import esc

# The form's fields: the table's settings marked `form` (settings.py), in its order. A setting that
# only some model types read is shown while the chosen type reads it.
FIELDS: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.form)
FIELD_NAMES = [s.name for s in FIELDS]
BOOL = (("on", True), ("off", False))
FIELD_CHARS = 24  # a text field holds at most this many characters (and says so)


def field_of(message: str) -> str | None:
    """The form field a ConfigError message is about (it starts with the setting's name)."""
    first = message.split(" ", 1)[0].strip(":,")
    return first if first in FIELD_NAMES else None


def shown(s: Setting, type_name) -> bool:
    """Whether the form shows setting `s` for the model type `type_name` (every type reads most)."""
    if not s.model:
        return True
    try:
        return s.name in model_type(type_name).reads
    except ConfigError:
        return True


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
    SettingsScreen #buttons { dock: bottom; height: auto; margin-top: 1; align-horizontal: right; }
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
                for f in FIELDS:
                    on = shown(f, self.current.type)
                    label = Label(f"  {f.title}", id=f"l-{f.name}")
                    label.display = on
                    yield label
                    value = getattr(self.current, f.name)
                    if f.kind is bool or (f.kind is str and choices(f)):
                        options = BOOL if f.kind is bool else [(c, c) for c in choices(f)]
                        known = value in [v for _, v in options]
                        w = Select(options, value=value if known else Select.NULL, allow_blank=not known,
                                   id=f"f-{f.name}", compact=True)
                    else:
                        w = CappedInput(display_value(value), id=f"f-{f.name}", compact=True, select_on_focus=True,
                                        max_length=FIELD_CHARS, what=f.title)  # text too
                    w.display = on
                    yield w
                    yield Static("", id=f"e-{f.name}", classes="field-error")
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
        for w in [w for w in self.query(Input) if w.display][:1]:  # (none when the form is already being dismissed)
            w.focus()
            self.check()

    def _type(self) -> str:
        w = self.query_one("#f-type", Select)
        return w.value if isinstance(w.value, str) else self.base.type

    def _show_fields(self) -> None:
        """Show the fields the chosen type reads, hide the others."""
        kind = self._type()
        for f in FIELDS:
            on = shown(f, kind)
            self.query_one(f"#l-{f.name}").display = on
            self.query_one(f"#f-{f.name}").display = on

    # ---- reading the form ---------------------------------------------------------------------
    def values(self) -> tuple[dict, dict[str, str]]:
        """The shown fields' values; a hidden field the chosen type must leave alone, its default."""
        values, errors = {}, {}
        for f in FIELDS:
            w = self.query_one(f"#f-{f.name}")
            if not w.display:
                if f.only_when_read:
                    values[f.name] = default(f)
                continue
            if isinstance(w, Select):
                if w.is_blank():  # (not `== Select.BLANK`: that is False, an on/off field's value)
                    errors[f.name] = "choose one"
                else:
                    values[f.name] = w.value
            elif f.kind is str:  # free text (a setting without choices)
                values[f.name] = w.value.strip()
            else:
                try:
                    values[f.name] = parse_number(w.value, f.kind, form=True)
                except ValueError as e:
                    errors[f.name] = str(e)
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
            on = self.query_one(f"#f-{name}").display
            message.display = on and (not narrow or name in errors)  # narrow: under its field, only when there is one
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
            for f in FIELDS:
                if f.name == "preset":
                    continue
                w = self.query_one(f"#f-{f.name}")
                value = getattr(self.base, f.name)
                if isinstance(w, Select):
                    w.value = value
                else:
                    w.value = display_value(value)
        if event.select.id == "f-type" and isinstance(event.value, str):
            init = self.query_one("#f-init", Select)  # an init the new type lacks: the type's own
            if init.value != "seed" and init.value not in model_type(event.value).inits:
                init.value = "seed"
        if event.select.id in ("f-preset", "f-type"):
            self._show_fields()
        self.check()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()  # Enter moves on; only Start (or ctrl+s) starts a run

    def on_descendant_focus(self, event) -> None:
        """Mark the focused field's label: ▸ before it (seen without colour too)."""
        focused = event.widget.id or ""
        for f in FIELDS:
            on = focused == f"f-{f.name}"
            w = self.query_one(f"#l-{f.name}", Label)
            w.update(f"{'▸' if on else ' '} {f.title}")
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
