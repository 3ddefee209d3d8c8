"""A sweep's search space: the model type's own (models/search.py), narrowed by the user, and the
settings of one trial.

Narrowing, on the command line (`--space NAME=SPEC`, repeatable) or in a TOML file (`--space-file`):

    --space learning_rate=1e-3:1e-2     a range, low:high (a searched range keeps its log scale)
    --space batch_size=128,256          choices
    --space block_size=8                a fixed value

    # space.toml
    learning_rate = [1e-3, 1e-2]        # a range for a range, a subset for a choice
    batch_size = [128, 256]
    lr_schedule = "cosine"              # fixed

NAME is a setting the table marks `sweep` (settings.py: block_size, n_embd, learning_rate, ...). TOML is
read with Python 3.11's tomllib (or the tomli package on 3.10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import PRESETS, Config, ConfigError, preset
from ..models import model_type
from ..workdir import read_small
from ..models.search import Choice, FloatRange, IntRange, SearchSpace, is_searched
from ..settings import BY_NAME, parse_number, searchable

try:  # Python 3.11+
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    try:
        import tomli as _toml  # type: ignore[no-redef]
    except ModuleNotFoundError:
        _toml = None  # type: ignore[assignment]



def base_preset(type_name: str) -> str | None:
    """The preset a sweep of this type starts from."""
    spec = model_type(type_name)
    if spec.search_space.base is not None:
        return spec.search_space.base
    if type_name in spec.presets:
        return type_name
    return next(iter(spec.presets), None)


def base_config(type_name: str) -> Config:
    name = base_preset(type_name)
    if name is None or name not in PRESETS:
        return Config(type=type_name)
    return preset(name, type=type_name)


def type_space(type_name: str) -> SearchSpace:
    return model_type(type_name).search_space


def _number(text: str, name: str) -> int | float:
    try:
        return parse_number(text, int if "." not in text and "e" not in text.lower() else float)
    except ValueError as e:
        raise ConfigError(f"--space {name}: {e}") from None


def _scalar(text: str, name: str) -> Any:
    """A setting's value from text: a number for numeric fields, else the text."""
    if BY_NAME[name].kind in (int, float):
        return _number(text, name)
    if BY_NAME[name].kind is bool:
        return {"true": True, "on": True, "false": False, "off": False}.get(text.strip().lower(), text.strip())
    return text.strip()


def _as_spec(name: str, value: Any, current: Any) -> Any:
    """A narrowed spec from a TOML value (a list: a range or choices; else fixed)."""
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"space {name}: an empty list")
        if isinstance(current, Choice):
            return Choice(tuple(value))
        if len(value) != 2:
            raise ConfigError(f"space {name}: a range is [low, high], got {len(value)} values")
        return _range(name, value[0], value[1], current)
    if isinstance(value, dict):
        raise ConfigError(f"space {name}: give a value, [low, high] or a list of choices")
    return value


def _range(name: str, low: Any, high: Any, current: Any) -> IntRange | FloatRange:
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"space {name}: a range takes numbers, got {v!r}")
    if low > high:
        raise ConfigError(f"space {name}: the range {low:g}:{high:g} is empty (low above high)")
    log = getattr(current, "log", False) and low > 0
    if BY_NAME[name].kind is int:
        if low != int(low) or high != int(high):
            raise ConfigError(f"space {name}: a range of whole numbers, got {low:g}:{high:g}")
        return IntRange(int(low), int(high), log=log)
    return FloatRange(float(low), float(high), log=log)


def parse_spec(text: str, space: SearchSpace) -> tuple[str, Any]:
    """`NAME=SPEC` from --space."""
    name, eq, spec = text.partition("=")
    name = name.strip().replace("-", "_")
    if not eq or not spec.strip():
        raise ConfigError(f"--space takes NAME=SPEC (low:high, a,b,c or a value), got {text!r}")
    _check_name(name)
    current = space.params.get(name)
    if ":" in spec:
        low, _, high = spec.partition(":")
        return name, _range(name, _number(low, name), _number(high, name), current)
    if "," in spec:
        return name, Choice(tuple(_scalar(v, name) for v in spec.split(",") if v.strip()))
    return name, _scalar(spec, name)


def _check_name(name: str) -> None:
    if name not in searchable():
        allowed = ", ".join(searchable())
        raise ConfigError(f"{name!r} cannot be searched; choose from {allowed}")


def read_space_file(path: str, space: SearchSpace) -> dict[str, Any]:
    """The changes a TOML file makes to the space (its top level, or a [space] table)."""
    if _toml is None:
        raise ConfigError("a TOML space file needs Python 3.11 or the tomli package")
    try:
        data = _toml.loads(read_small(path).decode("utf-8"))
    except ConfigError:  # not a regular file, or too large
        raise
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not TOML: {e}") from None
    data = data.get("space", data)
    changes = {}
    for name, value in data.items():
        name = name.replace("-", "_")
        _check_name(name)
        changes[name] = _as_spec(name, value, space.params.get(name))
    return changes


def narrowed(type_name: str, flags: list[str] = (), space_file: str | None = None) -> SearchSpace:
    """The type's space with the file's changes, then the flags', checked: every range's ends and
    every choice make valid settings."""
    space = type_space(type_name)
    changes: dict[str, Any] = {}
    if space_file:
        changes.update(read_space_file(space_file, space))
    for text in flags:
        name, spec = parse_spec(text, space)
        changes[name] = spec
    space = space.with_params(changes)
    check(type_name, space)
    return space


def _samples(spec: Any) -> list:
    if isinstance(spec, (IntRange, FloatRange)):
        return [spec.low, spec.high]
    if isinstance(spec, Choice):
        return list(spec.values)
    return [spec]


def check(type_name: str, space: SearchSpace) -> None:
    """ConfigError when an end of a range, a choice or a fixed value is not a valid setting."""
    base = base_config(type_name)
    for name, spec in space.params.items():
        if isinstance(spec, (IntRange, FloatRange)) and spec.log and spec.low <= 0:
            raise ConfigError(f"space {name}: a log-scale range must be above 0")
        for value in _samples(spec):
            try:
                trial_config(type_name, space, {name: value}, base=base).validate()
            except (ConfigError, TypeError) as e:
                raise ConfigError(f"space {name}={value!r}: {e}") from None


def trial_config(type_name: str, space: SearchSpace, params: dict[str, Any], base: Config | None = None) -> Config:
    """The settings of a trial: the base preset, the space's fixed values, the sampled params. The
    length (max_steps) is the base's until the trial fits it to its seconds (trial.py)."""
    base = base or base_config(type_name)
    cfg = base.updated(**{**space.fixed(), **params})
    return cfg.updated(min_lr=min(cfg.min_lr, cfg.learning_rate) if cfg.learning_rate > 0 else cfg.min_lr)


def suggest(trial, space: SearchSpace) -> dict[str, Any]:
    """Ask an Optuna trial for a value of every searched setting."""
    out = {}
    for name, spec in space.searched().items():
        if isinstance(spec, IntRange):
            out[name] = trial.suggest_int(name, spec.low, spec.high, log=spec.log)
        elif isinstance(spec, FloatRange):
            out[name] = trial.suggest_float(name, spec.low, spec.high, log=spec.log)
        else:
            out[name] = trial.suggest_categorical(name, list(spec.values))
    return out


def baseline_params(type_name: str, space: SearchSpace) -> dict[str, Any]:
    """The base preset's values of the searched settings that lie inside the space: the first
    trial of a new study, so the search starts from the known good recipe."""
    base = base_config(type_name)
    return {name: getattr(base, name) for name, spec in space.searched().items()
            if spec.contains(getattr(base, name))}


def describe(space: SearchSpace) -> list[str]:
    """One line a setting, for people."""
    lines = []
    for name, spec in space.params.items():
        if isinstance(spec, (IntRange, FloatRange)):
            lines.append(f"{name}: {spec.low:g} to {spec.high:g}{' (log scale)' if spec.log else ''}")
        elif isinstance(spec, Choice):
            lines.append(f"{name}: one of {', '.join(str(v) for v in spec.values)}")
        elif is_searched(spec) is False:
            lines.append(f"{name}: {spec}")
    return lines
