"""Benchmarks of the lesson screen (`makemore-tui lesson`), on the bundled names (not a test: numbers for
people).

1. Time to the first screen: `makemore-tui lesson` against `makemore-tui` (the training view), each in
   its own process on a pseudo-terminal, from the command's start until the terminal has been sent
   the first screen (the lesson: step 1's title; the training view: its loss pane). The two alternate,
   `--rounds` times each; medians and their ratio. Target: lesson <= training view (ratio <= 1).
2. Moving between steps once they are computed: Pilot presses right and left across the ten steps;
   the time from the press until the screen has been painted with the new step. Target: p95 < 50 ms.

    python benchmarks/bench_lesson.py [--rounds 5] [--moves 60] [--size 80x24] [--quick]
    python benchmarks/bench_lesson.py --screenshot docs/lesson.svg --size 120x40 --step 8

Prints a line per measurement and a final JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_screen_s(args: list[str], marker: bytes, size: tuple[int, int], cwd: str, timeout: float = 120.0) -> float:
    """Seconds from starting `makemore-tui ARGS` on a pseudo-terminal until it has written `marker`."""
    master, slave = pty.openpty()
    cols, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TERM": "xterm-256color"}
    out = bytearray()
    seen = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "makemore_tui", *args], stdin=slave, stdout=slave, stderr=slave,
                            cwd=cwd, env=env, start_new_session=True)
    os.close(slave)
    at: list[float] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out.extend(chunk)
            if not at and marker in out:
                at.append(time.perf_counter())
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not seen.wait(timeout):
            raise RuntimeError(f"{args}: no {marker!r} within {timeout:.0f} s; last output: {bytes(out)[-500:]!r}")
        return at[0] - t0
    finally:
        proc.kill()
        proc.wait(30)
        os.close(master)


def first_screens(rounds: int, size: tuple[int, int]) -> dict:
    from makemore_tui.data import bundled_dataset, read_words
    from makemore_tui.lesson import Lesson

    title = Lesson(read_words(bundled_dataset())).titles()[0].encode()
    lesson, training = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            kinds = ("lesson", "training") if i % 2 == 0 else ("training", "lesson")
            for kind in kinds:
                if kind == "lesson":
                    s = first_screen_s(["lesson", "--lang", "en"], title, size, tmp)
                    lesson.append(s)
                else:  # a fresh work directory each time: no saved run to ask about
                    s = first_screen_s(["-o", f"run-{i}"], b"Loss", size, tmp)
                    training.append(s)
                print(f"  round {i + 1} {kind:8s} first screen after {s:6.2f} s", flush=True)
    a, b = statistics.median(lesson), statistics.median(training)
    paired = statistics.median(x / y for x, y in zip(lesson, training))
    print(f"first screen: lesson {a:.2f} s, training view {b:.2f} s, ratio of medians {a / b:.2f}, median of paired "
          f"ratios {paired:.2f} (target <= 1)", flush=True)
    return {"lesson_s": round(a, 3), "training_s": round(b, 3), "ratio": round(a / b, 3), "paired_ratio": round(paired, 3),
            "lesson_all": [round(x, 3) for x in lesson], "training_all": [round(x, 3) for x in training]}


async def _moves(count: int, size: tuple[int, int]) -> list[float]:
    """ms from a key press until the screen has been painted after the move's action has run."""
    from makemore_tui.app.lesson_app import LessonApp
    from makemore_tui.data import bundled_dataset, read_words
    from makemore_tui.lesson import Lesson

    lesson = Lesson(read_words(bundled_dataset()))
    app = LessonApp(lesson)
    paints: list[float] = []
    done: list[float] = []
    out: list[float] = []
    async with app.run_test(size=size) as pilot:
        real_display = app._display  # (a benchmark's probe, as bench_app.py's: every update of the terminal)

        def display(screen, renderable):
            paints.append(time.perf_counter())
            return real_display(screen, renderable)

        app._display = display
        real_move = app.action_move

        def move(by):
            result = real_move(by)
            done.append(time.perf_counter())
            return result

        app.action_move = move
        while not all(app.is_ready(n) for n in range(1, app.count + 1)):
            await asyncio.sleep(0.05)
        await pilot.pause(0.5)
        direction = 1
        while len(out) < count:
            if not 1 <= app.current + direction <= app.count:
                direction = -direction
            n_done = len(done)
            t0 = time.perf_counter()
            await pilot.press("right" if direction > 0 else "left")
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
            await asyncio.sleep(0.05)  # a person does not press faster than this
        await pilot.press("q")
    return out


def moves(count: int, size: tuple[int, int]) -> dict:
    ms = sorted(asyncio.run(_moves(count, size)))
    p50 = ms[len(ms) // 2]
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"step moves at {size[0]}x{size[1]}: n={len(ms)} p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
          f"(target p95 < 50 ms)", flush=True)
    return {"moves": len(ms), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1)}


async def _screenshot(path: str, size: tuple[int, int], step: int) -> None:
    """The README's picture: a step of the lesson on the bundled names, its charts drawn."""
    from makemore_tui.app.lesson_app import LessonApp
    from makemore_tui.app.lesson_chart import LessonChart
    from makemore_tui.data import bundled_dataset, read_words
    from makemore_tui.lesson import Lesson

    out = Path(path).resolve()
    app = LessonApp(Lesson(read_words(bundled_dataset())))
    async with app.run_test(size=size) as pilot:
        while not all(app.is_ready(n) for n in range(1, app.count + 1)):
            await asyncio.sleep(0.05)
        for _ in range(step - 1):
            await pilot.press("right")
        while app.current != step or step not in app.built or not all(
                c.settled and c.builds for c in app.pages.visible_content.query(LessonChart)):
            await asyncio.sleep(0.05)
        await pilot.pause(0.2)
        app.save_screenshot(filename=out.name, path=str(out.parent))
        print(f"screenshot: {out} ({size[0]}x{size[1]}, step {step})", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="first screens of each kind (alternating)")
    p.add_argument("--moves", type=int, default=60, help="step moves timed at each size")
    p.add_argument("--size", default="80x24", help="terminal size of the first screens, COLSxROWS")
    p.add_argument("--quick", action="store_true", help="fewer rounds and moves")
    p.add_argument("--screenshot", metavar="SVG", default=None,
                   help="only save a screenshot of a step at --size (for the README), e.g. docs/lesson.svg")
    p.add_argument("--step", type=int, default=8, help="the step of --screenshot (default 8)")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.moves = 2, 20
    import torch

    torch.set_num_threads(1)  # as `makemore-tui lesson` does
    size = tuple(int(x) for x in args.size.lower().split("x"))
    if args.screenshot:
        asyncio.run(_screenshot(args.screenshot, size, args.step))
        return 0
    result: dict = {"size": args.size, "cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2)}
    result["first_screen"] = first_screens(args.rounds, size)
    result["moves"] = {f"{w}x{h}": moves(args.moves, (w, h)) for w, h in ((80, 24), (160, 48))}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
