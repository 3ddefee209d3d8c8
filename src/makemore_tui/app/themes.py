"""The project's own themes: data files in themes/ (TOML or JSON), read at start, never executed.

A source checkout has them in the repository's themes/; an installed wheel has them in
makemore_tui/themes inside the package (pyproject force-includes them there). A theme file holds
the fields of textual.theme.Theme (name, primary, secondary, accent, warning, error, success,
foreground, background, surface, panel, boost, dark, ansi, luminosity_spread, text_alpha) and a
[variables] table, where `chart-raw`, `chart-smooth` and `chart-dev` colour the loss chart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from ..workdir import read_small

try:  # Python 3.11+
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    try:
        import tomli as _toml  # type: ignore[no-redef]
    except ModuleNotFoundError:
        _toml = None  # type: ignore[assignment]

_PACKAGE = Path(__file__).resolve().parent.parent  # src/makemore_tui or site-packages/makemore_tui

DEFAULT_DARK = "makemore-dark"
DEFAULT_LIGHT = "makemore-light"
DEFAULT_ANSI = "makemore-ansi"

COLOR_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
                "surface", "panel", "boost")


def theme_dirs() -> list[Path]:
    """Where theme files may be: inside the installed package, then the source checkout's themes/."""
    return [_PACKAGE / "themes", _PACKAGE.parent.parent / "themes"]


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one sentence per file that could not be used


def _read(path: Path) -> dict:
    text = read_small(path).decode("utf-8")  # a regular file of a bounded size (ConfigError: a ValueError)
    if path.suffix == ".json":
        return json.loads(text)
    if _toml is None:
        raise ValueError("TOML themes need Python 3.11 or the tomli package")
    return _toml.loads(text)


def theme_from_dict(d: dict, source: str = "theme") -> Theme:
    """A Theme from a file's data; ValueError naming the problem when it cannot be one."""
    if not isinstance(d, dict):
        raise ValueError(f"{source}: not a table of settings")
    name = d.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{source}: needs a name")
    if "primary" not in d:
        raise ValueError(f"{source}: needs a primary colour")
    kwargs: dict = {"name": name.strip()}
    for key in COLOR_FIELDS:
        if key in d:
            value = d[key]
            try:
                Color.parse(value)
            except (ColorParseError, TypeError, ValueError):
                raise ValueError(f"{source}: {key} = {value!r} is not a colour") from None
            kwargs[key] = value
    for key, kind in (("dark", bool), ("ansi", bool), ("luminosity_spread", float), ("text_alpha", float)):
        if key in d:
            value = d[key]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind):
                raise ValueError(f"{source}: {key} must be {'true or false' if kind is bool else 'a number'}")
            kwargs[key] = value
    variables = d.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in variables.items()):
        raise ValueError(f"{source}: variables must map names to strings")
    kwargs["variables"] = dict(variables)
    unknown = set(d) - set(COLOR_FIELDS) - {"name", "dark", "ansi", "luminosity_spread", "text_alpha", "variables",
                                            "description"}
    if unknown:
        raise ValueError(f"{source}: unknown setting {sorted(unknown)[0]!r}")
    return Theme(**kwargs)


def load_themes(dirs: list[Path] | None = None) -> LoadedThemes:
    """Every theme file in `dirs` (default: theme_dirs()); a name found twice: the first wins."""
    out = LoadedThemes()
    seen: set[str] = set()
    for folder in dirs if dirs is not None else theme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".toml", ".json") or not path.is_file():
                continue
            try:
                theme = theme_from_dict(_read(path), path.name)
            except (OSError, ValueError, UnicodeDecodeError) as e:  # tomllib/json errors are ValueErrors
                out.problems.append(f"theme file {path.name} not used: {e}")
                continue
            if theme.name not in seen:
                seen.add(theme.name)
                out.themes.append(theme)
    return out


def install_themes(app, theme: str | None, no_color: bool) -> tuple[list[str], list[str]]:
    """Register the project's themes on `app` and select `theme` (default: the project's dark one, or
    its ANSI one under NO_COLOR); returns the project's theme names and the problems to tell the
    user, in words."""
    loaded = load_themes()
    notes = list(loaded.problems)
    project = [t.name for t in loaded.themes]
    for t in loaded.themes:
        app.register_theme(t)
    default = DEFAULT_ANSI if no_color else DEFAULT_DARK
    wanted = theme or default
    if wanted not in app.available_themes:
        if theme:
            names = ", ".join(project + sorted(set(app.available_themes) - set(project)))
            notes.append(f"unknown theme {theme!r}; choose one of {names}")
        wanted = default if default in app.available_themes else "textual-dark"
    app.theme = wanted
    return project, notes
