"""A long headless run: a million steps of a tiny network, its memory watched from outside.

    python benchmarks/bench_long_run.py                     # 1,000,000 steps (a few minutes on 2 cores)
    python benchmarks/bench_long_run.py --steps 200000      # shorter

Starts `python -m makemore_tui --headless` on the bundled names (or --input FILE) with a tiny
config, and every --every seconds reads the run's step from status.json and its resident memory
(VmRSS) from /proc. Prints a line per sample and a final JSON line: the RSS after the first 5% of
the steps and at the end, the growth between them, the peak (VmHWM), and how many lines and bytes
metrics.jsonl holds (one line per --log-every steps). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def proc_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_step(work: Path) -> int | None:
    try:
        return int(json.loads((work / "status.json").read_text())["step"])
    except (OSError, ValueError, KeyError):
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--log-every", type=int, default=1_000)
    ap.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    ap.add_argument("--input", default=None, help="word list (default: the bundled names)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "makemore_tui", "--headless", "-o", str(work), "--max-steps", str(args.steps),
               "--n-embd", "2", "--n-hidden", "16", "--batch-size", "32", "--log-every", str(args.log_every),
               "--eval-every", str(max(1, args.steps // 10)), "--threads", "1"]
        if args.input:
            cmd += ["-i", args.input]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        samples: list[dict] = []
        hwm = 0
        while proc.poll() is None:
            time.sleep(args.every)
            rss, step = proc_kb(proc.pid, "VmRSS"), run_step(work)
            if rss is None or step is None:
                continue
            s = {"t": round(time.monotonic() - t0, 1), "step": step, "rss_mb": round(rss / 1024, 1)}
            samples.append(s)
            print(f"{s['t']:>7.1f}s  step {step:>9,}  rss {s['rss_mb']:.1f} MB", flush=True)
            hwm = max(hwm, proc_kb(proc.pid, "VmHWM") or 0)
        err = proc.stderr.read().decode()
        if proc.returncode != 0:
            print(err, file=sys.stderr)
            return proc.returncode
        summary = json.loads((work / "summary.json").read_text())
        metrics = work / "metrics.jsonl"
        lines = metrics.read_text().count("\n")
        warm = next((s for s in samples if s["step"] >= 0.05 * args.steps), samples[0] if samples else None)
        last = samples[-1] if samples else None
        result = {
            "steps": summary["steps"],
            "seconds": summary["seconds"],
            "steps_per_s": summary["steps_per_s"],
            "rss_mb_after_5pct": warm and warm["rss_mb"],
            "rss_mb_last": last and last["rss_mb"],
            "rss_growth_mb": round(last["rss_mb"] - warm["rss_mb"], 1) if warm and last else None,
            "rss_peak_mb": round(hwm / 1024, 1) if hwm else None,
            "metrics_lines": lines,
            "metrics_bytes": metrics.stat().st_size,
            "log_every": args.log_every,
            "samples": len(samples),
            "dev_loss": summary["val_loss"],
        }
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
