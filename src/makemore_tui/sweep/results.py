"""Reading a sweep's directory: sweep.json, its trials' files, the best trial's settings, and the
table that `makemore-tui --inspect sweep -o DIR` prints. No Optuna here: the files are enough.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TextIO

from ..config import Config, ConfigError
from ..printable import printable
from ..recorder import CONFIG, SUMMARY, read_json, read_metrics, read_summary
from ..settings import SETTINGS
from .files import STUDY_FILE, SWEEP_JSON, trial_dir

STATE_ORDER = {"running": 0, "complete": 1, "pruned": 2, "failed": 3}
SHORT = {s.name: s.short for s in SETTINGS if s.short}  # a trial's settings in one line: block=8 lr=0.003


def is_sweep_dir(path: str | os.PathLike) -> bool:
    p = Path(path)
    return (p / SWEEP_JSON).is_file() or (p / STUDY_FILE).is_file()


def read_sweep(path: str | os.PathLike) -> dict:
    """sweep.json, or an empty sweep before the first is written."""
    data = read_json(Path(path) / SWEEP_JSON) or {}
    trials = [t for t in data.get("trials", []) if isinstance(t, dict) and isinstance(t.get("number"), int)]
    best = data.get("best") if isinstance(data.get("best"), dict) else None
    lost = [str(x) for x in data.get("lost", []) if isinstance(x, str)] if isinstance(data.get("lost"), list) else []
    return {"study": data.get("study"), "trials": trials, "best": best, "lost": lost}


def ranked(trials: list[dict]) -> list[dict]:
    """The complete trials, best (lowest dev loss) first."""
    done = [t for t in trials if t.get("state") == "complete" and _num(t.get("val_loss")) is not None]
    return sorted(done, key=lambda t: (t["val_loss"], t["number"]))


def finished_at(sweep_dir: str | os.PathLike, number: int) -> float | None:
    """When a trial ended (its summary.json's time), or None."""
    try:
        return (trial_dir(sweep_dir, number) / SUMMARY).stat().st_mtime
    except OSError:
        return None


def best_so_far(trials: list[dict], ends: dict[int, float]) -> list[tuple[float, float]]:
    """(seconds since the first of them began, the best dev loss by then) at each complete trial's
    end; `ends`: when each trial ended (a time.time()), for those whose end is known."""
    done = [(ends[t["number"]], t["val_loss"], _num(t.get("seconds")) or 0.0) for t in trials
            if t.get("state") == "complete" and _num(t.get("val_loss")) is not None and t["number"] in ends]
    if not done:
        return []
    t0 = min(end - secs for end, _, secs in done)
    points, best = [], math.inf
    for end, val, _ in sorted(done):
        best = min(best, val)
        points.append((end - t0, best))
    return points


def dev_curve(path: str | os.PathLike) -> list[tuple[float, float]]:
    """(seconds, dev loss) at each evaluation of a trial, and at its end."""
    pts = [(r.elapsed_s or 0.0, r.val_loss) for r in read_metrics(path)[0] if _num(r.val_loss) is not None]
    summary = read_summary(path)
    if summary and _num(summary.get("val_loss")) is not None and _num(summary.get("seconds")) is not None:
        pts.append((summary["seconds"], summary["val_loss"]))
    return pts


def live(path: str | os.PathLike) -> dict:
    """A running trial's progress from its metrics: step, seconds, the latest dev loss."""
    rows = read_metrics(path)[0]
    out: dict = {}
    if rows:
        out["step"] = rows[-1].step
        out["seconds"] = rows[-1].elapsed_s
    vals = [r.val_loss for r in rows if _num(r.val_loss) is not None]
    if vals:
        out["val_loss"] = vals[-1]
    return out


def best_config(sweep_dir: str | os.PathLike, sweep: dict | None = None, configs: dict | None = None) -> Config:
    """The settings of the sweep's best trial (its config.json), for `--preset-from DIR`: `sweep`
    and `configs` (trial number -> config.json, as the study keeps them) from sweep/current.py,
    where the study was read from its storage; else DIR's own files."""
    sweep = sweep if sweep is not None else read_sweep(sweep_dir)
    if not sweep["trials"] and not is_sweep_dir(sweep_dir):
        raise ConfigError(f"{sweep_dir} holds no sweep (no {SWEEP_JSON}); start one with makemore-tui sweep -o {sweep_dir}")
    best = sweep["best"]
    if best is None:
        raise ConfigError(f"the sweep in {sweep_dir} has no complete trial yet")
    cfg = read_json(trial_dir(sweep_dir, best["number"]) / CONFIG) or (configs or {}).get(best["number"])
    if cfg is None:
        flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in best.get("params", {}).items())
        raise ConfigError(f"trial {best['number']} ran on another machine ({trial_dir(sweep_dir, best['number'])} "
                          f"is not here); its settings: {flags}")
    try:
        return Config.from_dict(cfg).validate()
    except (TypeError, ConfigError) as e:
        raise ConfigError(f"{trial_dir(sweep_dir, best['number']) / CONFIG}: {e}") from None


# ---- the table -------------------------------------------------------------------------------------

def _num(x) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def fmt_value(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return printable(v)


def fmt_params(params: dict, short: bool = True) -> str:
    """The parameters as `name=value` (sweep.json's: each shown printable)."""
    return " ".join(f"{printable(SHORT.get(k, k) if short else k)}={fmt_value(v)}" for k, v in params.items())


def fmt_loss(x) -> str:
    v = _num(x)
    return f"{v:.4f}" if v is not None else "-"


def fmt_seconds(x) -> str:
    v = _num(x)
    return f"{v:.1f}" if v is not None else "-"


def table_rows(sweep: dict, sweep_dir: str | os.PathLike | None = None) -> list[tuple[str, ...]]:
    """(#, state, dev, seconds, settings) for each trial: the best first, then the running, the rest
    by number. A running trial's dev loss and seconds come from its own files when DIR is given."""
    best = sweep.get("best") or {}
    rows = []
    order = sorted(sweep["trials"], key=lambda t: (
        t.get("number") != best.get("number"), STATE_ORDER.get(t.get("state"), 9), _num(t.get("val_loss")) or math.inf,
        t["number"]))
    for t in order:
        val, secs = t.get("val_loss"), t.get("seconds")
        if t.get("state") == "running" and sweep_dir is not None:
            now = live(trial_dir(sweep_dir, t["number"]))
            val = now.get("val_loss", val)
        mark = "*" if t.get("number") == best.get("number") else ""
        rows.append((f"{t['number']}{mark}", printable(t.get("state", "?")), fmt_loss(val), fmt_seconds(secs),
                     fmt_params(t.get("params") or {})))
    return rows


HEADERS = ("trial", "state", "dev", "seconds", "settings")


def print_sweep(sweep_dir: str | os.PathLike, out: TextIO, sweep: dict | None = None) -> int:
    """`--inspect sweep -o DIR`: the trials, best first (`sweep`: as sweep/current.py read it from the
    study; else DIR/sweep.json); 0, or 2 when DIR holds no sweep."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if not is_sweep_dir(sweep_dir):
        raise ConfigError(f"{sweep_dir} holds no sweep (no {SWEEP_JSON}); start one with makemore-tui sweep -o {sweep_dir}")
    sweep = sweep if sweep is not None else read_sweep(sweep_dir)
    counts = {s: sum(t.get("state") == s for t in sweep["trials"]) for s in STATE_ORDER}
    title = (f"sweep {printable(sweep.get('study') or '')}: {len(sweep['trials'])} trials ("
             + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + ")")
    table = Table(box=None, pad_edge=False)
    for h in HEADERS:
        table.add_column(h, justify="right" if h in ("trial", "dev", "seconds") else "left",
                         overflow="fold" if h == "settings" else "ellipsis", no_wrap=h != "settings")
    for row in table_rows(sweep, sweep_dir):
        table.add_row(*(Text(cell) for cell in row))  # the files' strings as they are, never markup
    console = Console(file=out, width=None if out.isatty() else 160, soft_wrap=False)
    console.print(Text(title), highlight=False, soft_wrap=True)
    console.print(table)
    best = sweep.get("best")
    if best:
        console.print(Text(f"best: trial {best['number']}, dev {fmt_loss(best['val_loss'])} "
                           f"({fmt_params(best.get('params') or {}, short=False)}); "
                           f"train it with makemore-tui --preset-from {printable(sweep_dir)}"),
                      highlight=False, soft_wrap=True)
    return 0
