"""Word lists of any size: memory and time from the command's start to summary.json (issues 16, 23).

First, two lists that repetition of few words cannot flatter (issue 23): 250,000 distinct
pseudo-words from a seeded generator (3 to 15 letters, 10 bytes a line), shuffled anew and repeated
to 100 MB, as a dictionary would be; and one word repeated to 50 MB. Each model runs 200 steps on
each, and the run's peak RSS is reported per phase (load, train, save, final evaluation, samples,
exit), told apart by the run's own output lines while /proc is read every 20 ms and the kernel's
high-water mark when each phase ends: a regression names its phase.

Then the names lists (issue 16). They are made by repetition from the bundled names (public-domain Social Security records; no
other word list is installed and nothing is downloaded): line i of a list is name i joined to the
first half of another name, the pairing shifted on every pass over the names, so a line averages
about 10.6 bytes like an English word list's (234k lines in 2.5 MB) and the lists hold many
distinct words. Each size is written once into a cache directory (default: the system's temporary
directory) and reused.

For each size (0.2 MB to 100 MB, about 10 million lines) and each model (`--type mlp`, the seed
network, and `--type transformer`, makemore's GPT preset):

- one headless run of 200 steps in a fresh process: its peak RSS (the kernel's maximum resident set
  of the child, from wait4) and its wall time from the command's start to summary.json;
- the time a training step takes (batches drawn as a run draws them, windows cut from the list), in
  this process: a few thousand steps of the MLP, a few dozen of the transformer, in rounds that
  alternate between the sizes, in turn smallest first and largest first (so a burst of other load
  hits them all), the median of the rounds.
  (200 steps of the seed MLP take some 30 ms: too short to time in a run of its own.)

Prints a table, the ratios against the targets (<= 1 GB and <= 90 s at 100 MB; per-step time within
10% from the smallest list to the largest) and a final JSON line.

    python benchmarks/bench_large_lists.py                  # every list, both models
    python benchmarks/bench_large_lists.py --sizes 0.2 100 --threads 1
    python benchmarks/bench_large_lists.py --sizes --threads 1   # the distinct and one-word lists only
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
NAMES = ROOT / "data" / "names.txt"
SIZES_MB = (0.2, 1.0, 5.0, 25.0, 100.0)
MODELS = ("mlp", "transformer")
RSS_TARGET_MB, WALL_TARGET_S, STEP_SPREAD = 1000.0, 90.0, 0.10
DISTINCT = 250_000  # distinct pseudo-words of the `distinct` lists


def make_list(path: Path, megabytes: float) -> int:
    """Write a list of about `megabytes` MB made from the bundled names; returns its line count."""
    names = NAMES.read_text().split()
    n = len(names)
    target = int(megabytes * 1e6)
    lines, size, k = 0, 0, 0
    with open(path, "w", encoding="ascii") as f:
        while size < target:
            shift = 1 + (k * 7919) % (n - 1)  # a different partner for each pass over the names
            block = "".join(f"{a}{names[(i + shift) % n][: len(names[(i + shift) % n]) // 2]}\n"
                            for i, a in enumerate(names))
            if size + len(block) > target:  # the last pass: only as many lines as fit
                cut = block.rfind("\n", 0, target - size) + 1
                block = block[:cut]
            f.write(block)
            size += len(block)
            lines += block.count("\n")
            k += 1
            if not block:
                break
    return lines


def pseudo_words(n: int, seed: int = 23) -> list[str]:
    """n distinct pseudo-words from a seeded generator: 3 to 15 letters (9 on average, so a line of
    the list is 10 bytes), letters drawn with English-like frequencies."""
    import numpy as np

    rng = np.random.default_rng(seed)
    freq = np.array([8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, .15, .77, 4.0, 2.4, 6.7, 7.5, 1.9, .1,
                     6.0, 6.3, 9.1, 2.8, .98, 2.4, .15, 2.0, .07])
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    out: dict[str, None] = {}
    while len(out) < n:
        m = n - len(out) + 1000
        lens = rng.integers(3, 16, size=m)
        flat = letters[rng.choice(26, size=int(lens.sum()), p=freq / freq.sum())].tobytes().decode()
        ends = np.cumsum(lens)
        out.update(dict.fromkeys(flat[e - k : e] for e, k in zip(ends.tolist(), lens.tolist())))
    return list(out)[:n]


def make_distinct_list(path: Path, megabytes: float, distinct: int, seed: int = 23) -> int:
    """Write about `megabytes` MB of `distinct` pseudo-words, shuffled anew on each pass (as a
    dictionary shuffled and repeated); returns the line count."""
    import numpy as np

    words = np.array(pseudo_words(distinct, seed), dtype=object)
    rng = np.random.default_rng(seed + 1)
    target, size, lines = int(megabytes * 1e6), 0, 0
    with open(path, "w", encoding="ascii") as f:
        while size < target:
            block = "\n".join(words[rng.permutation(len(words))].tolist()) + "\n"
            if size + len(block) > target:
                block = block[: block.rfind("\n", 0, target - size) + 1]
            if not block:
                break
            f.write(block)
            size += len(block)
            lines += block.count("\n")
    return lines


def make_one_word_list(path: Path, megabytes: float, word: str = "abcdefghi") -> int:
    """Write about `megabytes` MB of one word repeated; returns the line count."""
    n = int(megabytes * 1e6) // (len(word) + 1)
    with open(path, "w", encoding="ascii") as f:
        for a in range(0, n, 1 << 20):
            f.write(f"{word}\n" * min(1 << 20, n - a))
    return n


def cached_list(cache: Path, megabytes: float, kind: str = "names") -> tuple[Path, int]:
    """A list of `kind`: names (the bundled names, paired), distinct (DISTINCT pseudo-words,
    repeated) or one (one word repeated), written once into `cache`."""
    path = cache / (f"words-{megabytes:g}MB.txt" if kind == "names" else f"{kind}-{megabytes:g}MB.txt")
    meta = path.with_suffix(".lines")
    if not (path.exists() and meta.exists()):
        make = {"names": make_list, "one": make_one_word_list,
                "distinct": lambda p, mb: make_distinct_list(p, mb, DISTINCT)}[kind]
        lines = make(path, megabytes)
        meta.write_text(str(lines))
    return path, int(meta.read_text())


PHASES = ("load", "train", "save", "final evaluation", "samples", "exit")
# the line of the run's plain output that ends each phase (the last phase ends with the process)
_PHASE_ENDS = (lambda l: l.startswith("training "), lambda l: bool(re.match(r"step +([\d,]+)/\1 ", l)),
               lambda l: l.startswith("final evaluation:"), lambda l: l.startswith("train ") and "summary in" in l,
               lambda l: l.startswith("samples at step"))


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a live process in kB; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            got = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
        return int(got["VmRSS"].split()[0]), int(got["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return 0, 0


def one_run(words: Path, model: str, work: Path, steps: int, threads: int | None) -> dict:
    """A headless run in a fresh process: wall seconds to summary.json, peak RSS, steps/s, and the
    peak RSS of each phase. The phases are told apart by the run's own output lines (read as they
    come, nothing added to the run); the memory is read from /proc every 20 ms and, exactly, as the
    kernel's high-water mark (VmHWM) when each phase ends."""
    cmd = [sys.executable, "-m", "makemore_tui", "--headless", "-i", str(words), "-o", str(work),
           "--type", model, "--max-steps", str(steps), "--save-every", "0"]
    if threads:
        cmd += ["--threads", str(threads)]
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    marks: list[tuple[float, int]] = []  # (seconds, VmHWM kB) when each phase ended
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            k = len(marks)
            while k < len(_PHASE_ENDS) and _PHASE_ENDS[k](line.strip()):
                marks.append((time.perf_counter() - t0, _memory_kb(proc.pid)[1]))
                k += 1  # a phase that prints nothing of its own ends with the next

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples: list[tuple[float, int]] = []  # (seconds, VmRSS kB)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # the child's own peak (ru_maxrss) when it ends
        if pid:
            break
        rss, _ = _memory_kb(proc.pid)
        if rss:
            samples.append((time.perf_counter() - t0, rss))
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(5)
    out = "".join(lines)
    if proc.returncode != 0:
        raise SystemExit(f"{model} on {words.name} failed ({proc.returncode}):\n{out[-2000:]}")
    peak_kb = usage.ru_maxrss
    phases, start, hwm = {}, 0.0, 0
    for name, (end, end_hwm) in zip(PHASES[: len(marks)] + ("exit",), marks + [(wall, peak_kb)]):
        seen = [r for t, r in samples if start <= t <= end] or [r for t, r in samples if t <= end][-1:]
        peak = end_hwm if end_hwm > hwm else max(seen, default=0)  # the high-water mark rose in this phase
        phases[name] = {"end_s": round(end, 2), "peak_mb": round(peak / 1024, 1)}
        start, hwm = end, max(hwm, end_hwm)
    summary = json.loads((work / "summary.json").read_text())
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "rss_mb": round(peak_kb / 1024, 1),
            "ms_per_step": round(1e3 / summary["steps_per_s"], 3), "val_loss": summary["val_loss"],
            "eval_examples": sum(summary["eval_examples"].values()), "phases": phases}


def step_times(lists: dict[str, Path], model: str, steps: int, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Milliseconds a training step takes on each list (median of `rounds` alternating rounds), and
    the seconds each list took to load (read, checked, encoded, shuffled and split)."""
    import statistics

    import torch

    from makemore_tui.config import preset
    from makemore_tui.data import load_dataset
    from makemore_tui.trainer import Trainer

    cfg = preset("seed" if model == "mlp" else model, max_steps=steps, eval_every=0).validate()
    data, load_s = {}, {}
    for k, p in lists.items():
        t0 = time.perf_counter()
        data[k] = load_dataset(p, cfg.block_size)
        load_s[k] = round(time.perf_counter() - t0, 2)
    times: dict[str, list[float]] = {k: [] for k in lists}
    for r in range(rounds):
        for k, d in (data.items() if r % 2 == 0 else reversed(data.items())):  # no size always first
            torch.manual_seed(0)
            t = Trainer(cfg, d, emit_interval=3600)
            t.final_losses = lambda: {}  # only the steps are timed
            fin = t.run()
            times[k].append(1e3 / fin.steps_per_s)
    return {k: round(statistics.median(v), 4) for k, v in times.items()}, load_s


def hard_lists(args) -> dict:
    """The lists that no repetition of few words flatters: DISTINCT pseudo-words repeated to
    --distinct-mb, and one word repeated to --one-mb. A run of each model on each, with its peak
    RSS per phase, against the targets (<= 1 GB, <= 90 s from the command's start to its end)."""
    out: dict = {}
    names = " ".join(PHASES)
    print(f"lists with many distinct words, and of one word; peak RSS MB per phase ({names}):")
    for kind, mb in (("distinct", args.distinct_mb), ("one", args.one_mb)):
        if not mb:
            continue
        words, lines = cached_list(args.cache, mb, kind)
        for model in args.models:
            with tempfile.TemporaryDirectory() as tmp:
                r = one_run(words, model, Path(tmp) / "run", args.steps, args.threads)
            r.update(lines=lines, rss_ratio=round(r["rss_mb"] / RSS_TARGET_MB, 2),
                     wall_ratio=round(r["wall_s"] / WALL_TARGET_S, 2))
            out.setdefault(model, {})[f"{kind}-{mb:g}"] = r
            peaks = " ".join(f"{p['peak_mb']:.0f}" for p in r["phases"].values())
            print(f"{kind:>9} {mb:g} MB {lines:>11,} {model:>12}: wall {r['wall_s']:.1f} s (cpu {r['cpu_s']:.1f} s), "
                  f"peak {r['rss_mb']:.0f} MB ({r['rss_ratio']:.2f}x 1 GB, {r['wall_ratio']:.2f}x 90 s); "
                  f"by phase: {peaks}", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="*", default=list(SIZES_MB), help="sizes in MB of the names lists")
    ap.add_argument("--distinct-mb", type=float, default=100.0, help="size of the distinct words' list (0: none)")
    ap.add_argument("--one-mb", type=float, default=50.0, help="size of the one word's list (0: none)")
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--threads", type=int, default=None, help="--threads for the runs (default: the run's own choice)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "makemore-large-lists")
    ap.add_argument("--rounds", type=int, default=7, help="rounds of the per-step timing")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    hard = hard_lists(args)
    if not args.sizes:
        print(json.dumps({"benchmark": "large_lists", "steps": args.steps, "threads": args.threads, "hard": hard}))
        return 0
    results: dict[str, dict[str, dict]] = {m: {} for m in args.models}
    print(f"{'list':>14} {'lines':>11} {'model':>12} {'wall s':>8} {'peak RSS MB':>12} {'ms/step*':>8} {'dev':>7}")
    for mb in args.sizes:
        words, lines = cached_list(args.cache, mb)
        for model in args.models:
            with tempfile.TemporaryDirectory() as tmp:
                r = one_run(words, model, Path(tmp) / "run", args.steps, args.threads)
            r["lines"] = lines
            results[model][f"{mb:g}"] = r
            print(f"{mb:>11g} MB {lines:>11,} {model:>12} {r['wall_s']:>8.1f} {r['rss_mb']:>12.0f} "
                  f"{r['ms_per_step']:>8.2f} {r['val_loss']:>7.4f}", flush=True)
    print("(* over the run's 200 steps, for reference: too few steps to compare; timed below)")
    import torch

    torch.set_num_threads(args.threads or 1)
    lists = {f"{mb:g}": cached_list(args.cache, mb)[0] for mb in args.sizes}
    timing_steps = {"mlp": 5000, "transformer": 40}
    print(f"time a step takes, median of {args.rounds} rounds alternating between the sizes:")
    for model in args.models:
        per_step, load_s = step_times(lists, model, timing_steps.get(model, 100), args.rounds)
        for k, ms in per_step.items():
            results[model][k].update(ms_per_step_timed=ms, load_s=load_s[k])
        print(f"  {model:>12}: " + ", ".join(f"{k} MB {ms:.3f} ms" for k, ms in per_step.items()), flush=True)
        print(f"  {'(loading)':>12}: " + ", ".join(f"{k} MB {t:.2f} s ({t / float(k):.3f} s/MB)"
                                                   for k, t in load_s.items()), flush=True)
    verdict = {}
    for model, by_size in results.items():
        biggest = by_size[f"{max(args.sizes):g}"]
        steps = [r["ms_per_step_timed"] for r in by_size.values()]
        spread = steps[-1] / steps[0] - 1  # the largest list against the smallest
        verdict[model] = {"rss_mb": biggest["rss_mb"], "rss_ratio": round(biggest["rss_mb"] / RSS_TARGET_MB, 2),
                          "wall_s": biggest["wall_s"], "wall_ratio": round(biggest["wall_s"] / WALL_TARGET_S, 2),
                          "step_time_change": round(spread, 3), "step_time_spread": round(max(steps) / min(steps) - 1, 3)}
        print(f"{model}: at {max(args.sizes):g} MB peak RSS {biggest['rss_mb']:.0f} MB ({verdict[model]['rss_ratio']:.2f}x "
              f"the 1 GB target), wall {biggest['wall_s']:.1f} s ({verdict[model]['wall_ratio']:.2f}x the 90 s "
              f"target); a step takes {spread:+.1%} longer at {max(args.sizes):g} MB than at {min(args.sizes):g} MB "
              f"(target within 10%; largest spread between any two sizes {max(steps) / min(steps) - 1:.1%})")
    print(json.dumps({"benchmark": "large_lists", "steps": args.steps, "threads": args.threads,
                      "results": results, "verdict": verdict, "hard": hard}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
