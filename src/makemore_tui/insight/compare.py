"""Run comparison: work directories read back (settings, results, loss curves) and a settings-and-
results table with one column per run."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..config import default, read_by, type_of
from ..recorder import CONFIG, METRICS, read_json, read_metrics, read_summary
from ..settings import BY_NAME, SETTINGS


@dataclass
class RunRecord:
    """One work directory's files: settings, results and loss curves."""

    path: str
    config: dict = field(default_factory=dict)
    summary: dict | None = None
    steps: list[int] = field(default_factory=list)  # logged steps with a train loss
    train_loss: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or Path(self.path).name or self.path

    def best_val(self) -> float | None:
        if self.summary and self.summary.get("val_loss") is not None:
            return float(self.summary["val_loss"])
        finite = [v for v in self.val_loss if math.isfinite(v)]
        return min(finite) if finite else None


class RunError(ValueError):
    pass


def load_run(path: str | os.PathLike, label: str = "") -> RunRecord:
    """Read metrics.jsonl, config.json and summary.json of a work directory (missing files are
    empty; a torn last line is skipped). RunError when the directory holds none of them."""
    p = Path(path)
    if not p.is_dir():
        raise RunError(f"{p} is not a directory")
    rec = RunRecord(str(p), label=label)
    found = False
    config, summary = read_json(p / CONFIG), read_summary(p)
    if config is not None:
        rec.config, found = config, True
    if summary is not None:
        rec.summary, found = summary, True
    if (p / METRICS).is_file():
        found = True
        for m in read_metrics(p)[0]:
            if m.train_loss is not None:
                rec.steps.append(m.step)
                rec.train_loss.append(m.train_loss)
            if m.val_loss is not None:
                rec.val_steps.append(m.step)
                rec.val_loss.append(m.val_loss)
    if not found:
        raise RunError(f"{p} holds no run (no metrics.jsonl, config.json or summary.json)")
    return rec



# The settings the table shows in the compare view (settings.py's `compare`), in its order; those
# marked "changed" only where some run has another value than the default: the split says which
# words the dev loss is over, so two runs' dev losses on different splits are not compared blind
COMPARE_KEYS = tuple(s.name for s in SETTINGS if s.compare != "never")
UNLESS_DEFAULT = {s.name: default(s) for s in SETTINGS if s.compare == "changed"}


def _read(key: str, runs: list[RunRecord]) -> bool:
    """Whether some run's model type reads the setting (most are read by all types)."""
    s = BY_NAME.get(key)
    if s is None or not s.model:
        return True
    if s.only_when_read and any(r.config.get(key, default(s)) != default(s) for r in runs):
        return True  # a value the type should not have had: shown
    return any(type_of(r.config) in read_by(s) for r in runs)


def compare_rows(runs: Iterable[RunRecord], keys: Sequence[str] = COMPARE_KEYS,
                 only_different: bool = False) -> tuple[list[str], list[list[str]]]:
    """A settings-and-results table with one column per run: (header, rows), where the header is
    ["", run names...] and each row is [what, one cell per run]. With only_different, settings that
    all runs share are left out (when there are two runs or more). A setting of some model types
    only (the transformer's layers) is shown where some run's type reads it."""
    runs = list(runs)
    keys = [k for k in keys if any(k in r.config for r in runs)] or list(keys)
    keys = [k for k in keys if _read(k, runs)]
    keys = [k for k in keys if k not in UNLESS_DEFAULT
            or any(r.config.get(k, UNLESS_DEFAULT[k]) != UNLESS_DEFAULT[k] for r in runs)]
    if only_different and len(runs) > 1:
        keys = [k for k in keys if len({json.dumps(r.config.get(k)) for r in runs}) > 1]
    rows = [[k] + [_fmt(r.config.get(k)) for r in runs] for k in keys]
    summ = [r.summary or {} for r in runs]
    rows.append(["steps"] + [_fmt(s.get("steps", r.steps[-1] if r.steps else None)) for s, r in zip(summ, runs)])
    rows.append(["train loss"] + [_fmt(s.get("train_loss", r.train_loss[-1] if r.train_loss else None), 4)
                                  for s, r in zip(summ, runs)])
    rows.append(["dev loss"] + [_fmt(r.best_val(), 4) for r in runs])
    rows.append(["seconds"] + [_fmt(s.get("seconds")) for s in summ])
    return ["", *(r.name for r in runs)], rows


def _fmt(v, digits: int | None = None) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if digits is not None:
            return f"{v:.{digits}f}"
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
