"""Training speed and quality of the engine against a literal copy of the lecture's loop.

    python benchmarks/bench_train.py            # everything (about 4 minutes on 2 cores)
    python benchmarks/bench_train.py --quick    # speed ratio only, no 200,000-step runs
    python benchmarks/bench_train.py --quick --lecture-threads 1   # on a machine shared with other work

Reads the 32,033 names behind the published makemore numbers from ../shared/data/names.txt
(beside the project), or --input FILE. Prints each figure and a final JSON line.

1. speed: steps per second of the engine's headless run (lecture preset) against the lecture's loop
   (autograd, p.grad = None, p.data += -lr * p.grad, one .item() per step), same config, same
   machine, alternating runs in one process, their order turned by one each round (a machine that
   slows under sustained load would otherwise favour the run that goes first); the medians and
   their ratio. The engine runs on each
   path of the MLP's step in turn (mlp_paths: plain, workspace) and as it chooses by default; the
   ratios per path come as the median of the rounds', best round against best round, and steps
   per CPU second (steadier where other work shares the machine).
2. equal quality: both run the full 200,000 steps; dev losses compared (they draw the same batches).
3. time to quality: `makemore-tui --headless --preset fast`, wall time from the command's start to
   summary.json, and its dev loss.
4. best quality: `makemore-tui --headless --preset best`, dev loss and training seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT.parent / "shared" / "data" / "names.txt"
sys.path.insert(0, str(ROOT / "src"))

from makemore_tui.config import preset  # noqa: E402
from makemore_tui.data import load_dataset  # noqa: E402
from makemore_tui.headless import run_headless  # noqa: E402
from makemore_tui.models import mlp_paths  # noqa: E402
from makemore_tui.run import Run  # noqa: E402


def lecture_loop(data, cfg, steps: int, start_at: int = 0) -> tuple[float, float]:
    """The lecture's training loop, as written there (with the descent sign). Returns (steps/s, dev loss)."""
    Xtr, Ytr = data.splits["train"]
    Xdev, Ydev = data.splits["dev"]
    g = torch.Generator().manual_seed(cfg.seed)
    C = torch.randn((len(data.vocab), cfg.n_embd), generator=g)
    W1 = torch.randn((cfg.block_size * cfg.n_embd, cfg.n_hidden), generator=g)
    b1 = torch.randn(cfg.n_hidden, generator=g)
    W2 = torch.randn((cfg.n_hidden, len(data.vocab)), generator=g)
    b2 = torch.randn(len(data.vocab), generator=g)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    torch.manual_seed(cfg.seed)
    t0 = time.perf_counter()
    for i in range(start_at, start_at + steps):
        # minibatch construct
        ix = torch.randint(0, Xtr.shape[0], (cfg.batch_size,))
        # forward pass
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, cfg.block_size * cfg.n_embd) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        # backward pass
        for p in parameters:
            p.grad = None
        loss.backward()
        # update
        lr = 0.1 if i < 100000 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        loss.item()
    rate = steps / (time.perf_counter() - t0)
    with torch.no_grad():
        emb = C[Xdev]
        h = torch.tanh(emb.view(-1, cfg.block_size * cfg.n_embd) @ W1 + b1)
        dev = F.cross_entropy(h @ W2 + b2, Ydev).item()
    return rate, dev


def engine_run(data, cfg, work_dir: str) -> tuple[float, float]:
    """The engine's headless run (recorder, progress lines and all). Returns (steps/s, dev loss)."""
    run = Run(cfg, data, work_dir)
    sink = io.StringIO()
    run_headless(run, out=sink, fancy=False)
    s = run.recorder.summary
    return s["steps_per_s"], s["val_loss"]


def cli_run(args: list[str], work_dir: str) -> tuple[float, dict]:
    """Run makemore-tui in a fresh process; wall seconds from start to summary.json, and the summary."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "makemore_tui", "--headless", "-o", work_dir, *args],
                   check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    wall = time.perf_counter() - t0
    return wall, json.loads((Path(work_dir) / "summary.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=NAMES)
    ap.add_argument("--quick", action="store_true", help="speed ratio only")
    ap.add_argument("--steps", type=int, default=20_000, help="steps per speed trial")
    ap.add_argument("--trials", type=int, default=4, help="rounds (each run takes each place once in 4)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the engine")
    ap.add_argument("--lecture-threads", type=int, default=None,
                    help="torch threads for the lecture loop (default: torch's default; 1 on a loaded machine, "
                         "where torch's threads spin against the other load)")
    args = ap.parse_args()
    if not args.input.exists():
        print(f"skipped: {args.input} not found (the 32,033-name makemore dataset is read from beside the project)")
        return
    default_threads = torch.get_num_threads()
    cfg = preset("lecture", eval_every=0, log_every=100)
    data = load_dataset(args.input, cfg.block_size)
    out: dict = {"dataset": args.input.name, "cpu_threads_default": default_threads, "engine_threads": args.threads}
    tmp = tempfile.mkdtemp(prefix="bench-train-")

    # 1. speed, alternating: the lecture loop, the engine on each path of the MLP's step (mlp_paths:
    # forced in turn), and as it runs by default (the path it measures at start)
    lecture_threads = args.lecture_threads or default_threads
    out["lecture_threads"] = lecture_threads
    paths = [*mlp_paths.PATHS, None]
    base, ours, by_path = [], [], {p or "chosen": [] for p in paths}
    chosen: list[str] = []
    rates: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # steps per CPU second: what other load on the machine changes least
    runs = ["lecture", *paths]  # the order turns by one each round, so that each run takes each place in turn
    for t in range(args.trials):
        k = t % len(runs)
        for p in runs[k:] + runs[:k]:
            c0 = time.process_time()
            if p == "lecture":
                torch.set_num_threads(lecture_threads)
                rate = lecture_loop(data, cfg, args.steps)[0]
                torch.set_num_threads(args.threads)
            else:
                mlp_paths.FORCED = p
                rate = engine_run(data, cfg.updated(max_steps=args.steps), f"{tmp}/speed{t}-{p}")[0]
                if p is None:
                    chosen.append(mlp_paths.chosen())
            # steps per CPU second of the whole run (the engine's setup, path probe and final evaluation included)
            cpu.setdefault(p or "chosen", []).append(args.steps / (time.process_time() - c0))
            rates.setdefault(p or "chosen", []).append(rate)
        base.append(rates["lecture"][-1])
        ours.append(rates["chosen"][-1])
        for p in paths:
            by_path[p or "chosen"].append(rates[p or "chosen"][-1] / base[-1])
        mlp_paths.FORCED = None
        print(f"trial {t + 1}: lecture loop {base[-1]:,.0f} steps/s | engine {ours[-1]:,.0f} steps/s "
              f"| ratio {ours[-1] / base[-1]:.2f} | per path: "
              + ", ".join(f"{k} {v[-1]:.2f}" for k, v in by_path.items()) + f" (chose {chosen[-1]})", flush=True)
    out["lecture_steps_per_s"] = round(statistics.median(base))
    out["engine_steps_per_s"] = round(statistics.median(ours))
    out["speed_ratio"] = round(statistics.median(o / b for o, b in zip(ours, base)), 2)
    out["speed_ratio_worst"] = round(min(o / b for o, b in zip(ours, base)), 2)
    out["speed_ratio_by_path"] = {k: round(statistics.median(v), 2) for k, v in by_path.items()}
    out["paths_chosen"] = chosen
    out["cpu_ratio_by_path"] = {k: round(statistics.median(v) / statistics.median(cpu["lecture"]), 2)
                                for k, v in cpu.items() if k != "lecture"}
    # on a loaded machine other work only ever slows a run: the best of the rounds against the best
    out["speed_ratio_of_bests_by_path"] = {k: round(max(v) / max(base), 2) for k, v in rates.items() if k != "lecture"}
    print(f"speed: engine {out['engine_steps_per_s']:,} vs lecture loop {out['lecture_steps_per_s']:,} steps/s "
          f"-> median ratio {out['speed_ratio']:.2f}x, worst {out['speed_ratio_worst']:.2f}x (target >= 2x); "
          "by path: " + ", ".join(f"{k} {v:.2f}x" for k, v in out["speed_ratio_by_path"].items())
          + "; best round against best round: "
          + ", ".join(f"{k} {v:.2f}x" for k, v in out["speed_ratio_of_bests_by_path"].items())
          + "; steps per CPU second against the lecture loop's: "
          + ", ".join(f"{k} {v:.2f}x" for k, v in out["cpu_ratio_by_path"].items()), flush=True)

    if not args.quick:
        # 2. the full 200,000 steps, both
        torch.set_num_threads(lecture_threads)
        rate_b, dev_b = lecture_loop(data, cfg, cfg.max_steps)
        torch.set_num_threads(args.threads)
        rate_o, dev_o = engine_run(data, cfg, f"{tmp}/full")
        out.update(full_lecture_dev=round(dev_b, 4), full_engine_dev=round(dev_o, 4),
                   full_dev_diff=round(abs(dev_o - dev_b), 4),
                   full_lecture_steps_per_s=round(rate_b), full_engine_steps_per_s=round(rate_o),
                   full_speed_ratio=round(rate_o / rate_b, 2))
        print(f"200,000 steps: lecture loop dev {dev_b:.4f} at {rate_b:,.0f} steps/s | engine dev {dev_o:.4f} at "
              f"{rate_o:,.0f} steps/s | ratio {rate_o / rate_b:.2f}x, dev difference {abs(dev_o - dev_b):.4f} "
              "(target <= 0.01)", flush=True)
        # 3. time to quality
        walls, devs = [], []
        for t in range(args.trials):
            wall, s = cli_run(["--preset", "fast", "-i", str(args.input)], f"{tmp}/fast{t}")
            walls.append(wall)
            devs.append(s["val_loss"])
            print(f"fast preset: dev {s['val_loss']:.4f} in {wall:.2f} s wall (training {s['seconds']:.2f} s, "
                  f"{s['steps']:,} steps)", flush=True)
        out.update(fast_wall_s=round(statistics.median(walls), 2), fast_dev=round(statistics.median(devs), 4),
                   fast_dev_max=round(max(devs), 4))
        print(f"time to quality: median {out['fast_wall_s']:.2f} s to dev {out['fast_dev']:.4f} "
              "(target <= 2.17 in < 5 s)", flush=True)
        # 4. best quality
        wall, s = cli_run(["--preset", "best", "-i", str(args.input)], f"{tmp}/best")
        out.update(best_dev=round(s["val_loss"], 4), best_train_s=round(s["seconds"], 1), best_wall_s=round(wall, 1))
        print(f"best preset: dev {s['val_loss']:.4f} after {s['seconds']:.1f} s of training ({wall:.1f} s wall) "
              "(target <= 1.99 within 60 s)", flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
