"""Benchmarks of the Textual app against the headless trainer (not a test: numbers for people).

1. Throughput: the same settings trained headless (Trainer.run in this thread) and inside the app
   (App.run_test, the trainer in its thread worker, the UI drawing live), alternating, `--rounds`
   times each; medians of Finished.steps_per_s. Target: app >= 0.9x headless.
2. Key-press-to-screen latency: Pilot presses keys while a real trainer runs; the time from the
   press until the screen has been painted with the change. Target: p95 < 50 ms.
3. Memory over a long run: the app's history buffers and the process's RSS, sampled while many
   steps are trained. Target: flat (bounded chart history).

    python benchmarks/bench_app.py [--steps 30000] [--rounds 3] [--size 100x30] [--quick]

Prints a line per measurement and a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from makemore_tui.config import preset
from makemore_tui.run import open_run


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_run(tmp: Path, steps: int, name: str):
    cfg = preset("seed", max_steps=steps)
    return open_run(cfg, None, tmp / name)


def headless_rate(tmp: Path, steps: int, i: int) -> float:
    run = make_run(tmp, steps, f"headless-{i}")
    fin = run.trainer.run()
    run.close()
    return fin.steps_per_s


async def _app_rate(tmp: Path, steps: int, i: int, size: tuple[int, int]) -> tuple[float, int]:
    from makemore_tui.app.app import MakemoreApp

    run = make_run(tmp, steps, f"app-{i}")
    app = MakemoreApp(run, freeze_clock=False)
    async with app.run_test(size=size) as pilot:
        while app.state.finished is None:
            await asyncio.sleep(0.05)
        fin = app.state.finished
        redraws = app.redraws
        await pilot.press("q")
    return fin.steps_per_s, redraws


def throughput(tmp: Path, steps: int, rounds: int, size: tuple[int, int]) -> dict:
    head, app = [], []
    for i in range(rounds):
        for kind in ("headless", "app") if i % 2 == 0 else ("app", "headless"):
            gc.collect()
            if kind == "headless":
                r = headless_rate(tmp, steps, i)
                head.append(r)
            else:
                r, redraws = asyncio.run(_app_rate(tmp, steps, i, size))
                app.append(r)
            print(f"  round {i + 1} {kind:8s} {r:8,.0f} steps/s", flush=True)
    h, a = statistics.median(head), statistics.median(app)
    paired = statistics.median(x / y for x, y in zip(app, head))  # each round's app run over its headless run
    print(f"throughput: headless {h:,.0f} steps/s, app {a:,.0f} steps/s, ratio of medians {a / h:.3f}, "
          f"median of paired ratios {paired:.3f} (target >= 0.9)", flush=True)
    return {"headless_steps_per_s": round(h), "app_steps_per_s": round(a), "ratio": round(a / h, 3),
            "paired_ratio": round(paired, 3),
            "headless_all": [round(x) for x in head], "app_all": [round(x) for x in app]}


async def _latency(tmp: Path, presses: int, size: tuple[int, int]) -> list[float]:
    """ms from a key press until the screen has been painted with its effect: the first paint
    after the key's action has run (the action changes the widgets, the paint shows them)."""
    from makemore_tui.app.app import MakemoreApp

    run = make_run(tmp, 10_000_000, "latency")
    app = MakemoreApp(run, n_samples=20)
    paints: list[float] = []
    done: list[float] = []
    async with app.run_test(size=size) as pilot:
        real_display = app._display

        def display(screen, renderable):  # every update of the (headless) terminal
            paints.append(time.perf_counter())
            return real_display(screen, renderable)

        app._display = display
        keys = [("l", "toggle_log"), ("space", "toggle_pause"), ("2", "show_pane"), ("3", "show_pane"),
                ("plus", "temperature"), ("minus", "temperature"), ("z", "toggle_fit"), ("space", "toggle_pause")]
        for _, action in keys:  # note when each action has run
            method = getattr(app, f"action_{action}")

            def timed(*args, _m=method):
                result = _m(*args)
                done.append(time.perf_counter())
                return result

            setattr(app, f"action_{action}", timed)
        while app.state.step < 2000:
            await asyncio.sleep(0.05)
        out = []
        k = 0
        while len(out) < presses:
            key, _ = keys[k % len(keys)]
            k += 1
            n_done = len(done)
            t0 = time.perf_counter()
            await pilot.press(key)
            deadline = t0 + 3.0
            while len(done) == n_done and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            if len(done) == n_done:
                continue
            t_action = done[n_done]
            while not any(p >= t_action for p in paints[-5:]) and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            after = [p for p in paints if p >= t_action]
            if after:
                out.append((after[0] - t0) * 1000)
            await asyncio.sleep(0.05)  # a person does not type faster than this
        app.stop_all()
        await pilot.press("q")
    return out


def latency(tmp: Path, presses: int, size: tuple[int, int]) -> dict:
    ms = asyncio.run(_latency(tmp, presses, size))
    ms.sort()
    p50 = ms[len(ms) // 2]
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"key-press-to-screen: n={len(ms)} p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
          f"(target p95 < 50 ms)", flush=True)
    return {"presses": len(ms), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1)}


async def _memory(tmp: Path, seconds: float, size: tuple[int, int]) -> dict:
    from makemore_tui.app.app import MakemoreApp

    run = make_run(tmp, 10_000_000, "memory")
    app = MakemoreApp(run)
    samples = []
    async with app.run_test(size=size) as pilot:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            await asyncio.sleep(seconds / 10)
            gc.collect()
            samples.append((app.state.step, round(rss_mb(), 1), len(app.state.train), app.state.train.width))
            print(f"  step {samples[-1][0]:>9,}  rss {samples[-1][1]:7.1f} MB  history buckets {samples[-1][2]:5d} "
                  f"(x{samples[-1][3]} steps each)", flush=True)
        app.stop_all()
        await pilot.press("q")
    first, last = samples[1], samples[-1]  # skip the first sample: start-up allocations
    growth = last[1] - first[1]
    print(f"memory: {last[0]:,} steps; rss {first[1]} -> {last[1]} MB ({growth:+.1f} MB) from step {first[0]:,}; "
          f"history {last[2]} buckets (bounded at {app.state.train.capacity})", flush=True)
    return {"steps": last[0], "rss_start_mb": first[1], "rss_end_mb": last[1], "rss_growth_mb": round(growth, 1),
            "history_buckets": last[2], "history_capacity": app.state.train.capacity}


async def _screenshot(tmp: Path, path: str, size: tuple[int, int], steps: int) -> None:
    """The README's picture: the seed network trained on the bundled names, a batch of samples."""
    from makemore_tui.app.app import MakemoreApp

    out = Path(path).resolve()
    os.chdir(tmp)  # the run's folder shows in the status line: call it "out", as the command line does
    run = open_run(preset("seed", max_steps=steps), None, "out")
    app = MakemoreApp(run, sample_seed=2147483647)
    async with app.run_test(size=size) as pilot:
        while app.state.finished is None or app.live_runs:
            await asyncio.sleep(0.1)
        app.clear_notifications()
        await pilot.press("s")
        while not app.samples.samples or app.samples.busy:
            await asyncio.sleep(0.05)
        app.redraw(force=True)
        await pilot.pause(0.2)
        app.save_screenshot(filename=out.name, path=str(out.parent))
        print(f"screenshot: {out} ({size[0]}x{size[1]}, {app.state.step:,} steps)", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=30_000, help="steps per throughput run")
    p.add_argument("--rounds", type=int, default=3, help="runs of each kind (alternating)")
    p.add_argument("--size", default="100x30", help="terminal size of the app, COLSxROWS")
    p.add_argument("--presses", type=int, default=60)
    p.add_argument("--memory-seconds", type=float, default=30.0)
    p.add_argument("--quick", action="store_true", help="fewer steps, rounds and presses")
    p.add_argument("--only", choices=("throughput", "latency", "memory"), default=None)
    p.add_argument("--screenshot", metavar="SVG", default=None,
                   help="only save a screenshot of the app after a short run (for the README), e.g. docs/app.svg")
    args = p.parse_args()
    if args.quick:
        args.steps, args.rounds, args.presses, args.memory_seconds = 10_000, 1, 20, 8.0
    w, h = (int(x) for x in args.size.lower().split("x"))
    torch.set_num_threads(1)  # as the command line does by default
    result: dict = {"size": args.size, "steps": args.steps, "torch_threads": torch.get_num_threads(),
                    "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if args.screenshot:
            asyncio.run(_screenshot(tmp, args.screenshot, (w, h), args.steps))
            return 0
        if args.only in (None, "throughput"):
            result["throughput"] = throughput(tmp, args.steps, args.rounds, (w, h))
        if args.only in (None, "latency"):
            result["latency"] = latency(tmp, args.presses, (w, h))
        if args.only in (None, "memory"):
            result["memory"] = _run(_memory(tmp, args.memory_seconds, (w, h)))
    print(json.dumps(result))
    return 0


def _run(coro):
    return asyncio.run(coro)


if __name__ == "__main__":
    sys.exit(main())
