"""The default thread count against one thread and all cores, on an idle and on a loaded machine.

    python benchmarks/bench_threads.py                 # wavenet and best, 3,000 steps each
    python benchmarks/bench_threads.py --steps 1000 --types wavenet

Each run is `makemore-tui --headless` in its own process on the names (../shared/data/names.txt
beside the project, or --input FILE), timed from the command's start to summary.json; "loaded" runs
with a busy loop on every core for the whole run. The settings alternate within each condition so
both see the same machine. Prints seconds, the ratios to one thread, and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT.parent / "shared" / "data" / "names.txt"


def _spin() -> None:
    while True:
        pass


def timed_run(preset: str, steps: int, threads: int | None, data: Path) -> float:
    with tempfile.TemporaryDirectory() as work:
        cmd = [sys.executable, "-m", "makemore_tui", "--headless", "--preset", preset, "--max-steps", str(steps),
               "--eval-every", "0", "-i", str(data), "-o", work]
        if threads:
            cmd += ["--threads", str(threads)]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--types", default="wavenet,best", help="presets, comma-separated")
    ap.add_argument("--input", type=Path, default=NAMES)
    args = ap.parse_args()
    if not args.input.is_file():
        print(f"skipped: {args.input} is not present")
        return
    cores = os.cpu_count() or 1
    settings = {"default": None, "1 thread": 1, f"{cores} threads": cores}
    out: dict = {"steps": args.steps, "cores": cores}
    for loaded in (False, True):
        hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(cores if loaded else 0)]
        for h in hogs:
            h.start()
        try:
            for name in args.types.split(","):
                secs = {k: timed_run(name, args.steps, v, args.input) for k, v in settings.items()}
                label = f"{name} {'loaded' if loaded else 'idle'}"
                ratios = {k: secs["1 thread"] / s for k, s in secs.items()}
                print(f"{label:>16}: " + ", ".join(f"{k} {s:.1f} s ({ratios[k]:.2f}x one thread's speed)"
                                                   for k, s in secs.items()), flush=True)
                out[label] = {"seconds": {k: round(s, 2) for k, s in secs.items()},
                              "speed_vs_one_thread": {k: round(r, 3) for k, r in ratios.items()}}
        finally:
            for h in hogs:
                h.terminate()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
