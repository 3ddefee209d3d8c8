"""A sweep directory written by hand, the same on every machine: sweep.json, and trial directories
with config.json, metrics.jsonl and summary.json (their times set), for the sweep view and the table."""

from __future__ import annotations

import asyncio
import functools
import json
import os
from pathlib import Path

from makemore_tui.config import preset

T0 = 1_700_000_000.0  # when the first trial began (a fixed time: the best-so-far chart reads file times)

TRIALS = [  # number, state, final dev, seconds, start (s after T0), params
    (0, "complete", 2.0712, 30.2, 0.0, {"block_size": 8, "n_embd": 24, "n_hidden": 512, "learning_rate": 0.003}),
    (1, "complete", 2.1544, 30.1, 0.0, {"block_size": 5, "n_embd": 12, "n_hidden": 128, "learning_rate": 0.0121}),
    (2, "pruned", 2.4810, 11.4, 30.5, {"block_size": 3, "n_embd": 9, "n_hidden": 70, "learning_rate": 0.0004}),
    (3, "complete", 2.0391, 30.3, 30.6, {"block_size": 9, "n_embd": 30, "n_hidden": 700, "learning_rate": 0.0021}),
    (4, "failed", None, 4.2, 42.2, {"block_size": 6, "n_embd": 40, "n_hidden": 900, "learning_rate": 0.029}),
    (5, "complete", 2.0954, 30.0, 46.6, {"block_size": 7, "n_embd": 18, "n_hidden": 300, "learning_rate": 0.005}),
    (6, "running", None, 12.0, 61.2, {"block_size": 8, "n_embd": 28, "n_hidden": 640, "learning_rate": 0.0026}),
]


def _curve(final: float, seconds: float, points: int) -> list[tuple[float, float]]:
    """Dev losses at even times, falling towards `final`."""
    return [(seconds * (k + 1) / 8, final + 0.9 / (k + 2) ** 1.3) for k in range(points)]


def write_sweep(root: Path, study: str = "makemore-test") -> Path:
    d = root / "sweep"
    rows = []
    for number, state, val, secs, start, params in TRIALS:
        td = d / "trials" / f"{number:04d}"
        td.mkdir(parents=True)
        cfg = preset("best", **params, max_steps=8000, eval_every=1000, log_every=100)
        (td / "config.json").write_text(json.dumps(cfg.to_dict()))
        evals = {"complete": 7, "pruned": 2, "failed": 1, "running": 3}[state]
        curve = _curve(val if val is not None else 2.3, secs, evals)
        with open(td / "metrics.jsonl", "w") as f:
            for k, (t, v) in enumerate(curve):
                f.write(json.dumps({"step": 1000 * (k + 1), "train_loss": v - 0.05, "lr": 0.003, "elapsed_s": t,
                                    "val_loss": v}) + "\n")
        if state != "running":
            summary = {"steps": 1000 * evals, "params": 1000, "train_loss": None, "val_loss": val,
                       "test_loss": val, "seconds": secs, "steps_per_s": 200.0, "stopped_early": state != "complete",
                       "diverged": None}
            (td / "summary.json").write_text(json.dumps(summary))
            end = T0 + start + secs
            os.utime(td / "summary.json", (end, end))
        reported = val if val is not None else (curve[-1][1] if state == "running" else None)
        rows.append({"number": number, "state": state, "val_loss": reported, "params": params, "seconds": secs})
    best = min((r for r in rows if r["state"] == "complete"), key=lambda r: r["val_loss"])
    sweep = {"study": study, "trials": rows,
             "best": {"number": best["number"], "val_loss": best["val_loss"], "params": best["params"]}}
    (d / "sweep.json").write_text(json.dumps(sweep, indent=2))
    (d / "study.json").write_text(json.dumps({"study": study, "storage": None}))
    return d


def run_async(fn):
    """Run an async test in its own event loop (no asyncio plugin)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper
