"""Every model type, trained for the same wall-clock budget on the lecture split of names.txt.

    python benchmarks/bench_models.py --seconds 60     # one minute per model (about 8 minutes in all)
    python benchmarks/bench_models.py --seconds 300    # five minutes at most per model (about 13 minutes: presets that end sooner stop there)
    python benchmarks/bench_models.py --seconds 300 --models wavenet,transformer

Reads the 32,033 names behind the published makemore numbers from ../shared/data/names.txt (beside
the project), or --input FILE, and skips with a message when there is none. Each model trains from
its preset (config.PRESETS[type]) through the engine's own Trainer, as `makemore-tui --headless`
would. A cosine schedule needs to know its last step, so each run first times a few seconds of
steps on this machine and sets max_steps to what fits the budget; the run also stops at the
deadline if the machine slows down. Dev loss is measured on the whole dev split (the lecture's
10%) at the end. Prints a line per model, a table, and a final JSON line.

Sequence models (rnn, gru, transformer) learn from every position of each window, and the trainer
draws them only the windows that end a word (each holds the whole word: makemore's batches);
--last-only learns from the last position alone, for comparison.

Targets: wavenet dev <= 1.99 and transformer dev <= 1.93, each within 5 minutes on two cores
(makemore.py's own transformer, side by side on the same words: bench_makemore.py). Run it on a quiet machine: the figures are only as good as the cores are free.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT.parent / "shared" / "data" / "names.txt"
sys.path.insert(0, str(ROOT / "src"))

from makemore_tui import events as ev  # noqa: E402
from makemore_tui.config import preset  # noqa: E402
from makemore_tui.data import load_dataset  # noqa: E402
from makemore_tui.models import count_params  # noqa: E402
from makemore_tui.models.sequence import SequenceModel  # noqa: E402
from makemore_tui.trainer import Trainer  # noqa: E402

MODELS = ("bigram", "mlp-bn", "wavenet", "rnn", "gru", "transformer", "bow")
TARGETS = {"wavenet": 1.99, "transformer": 1.93}
REFERENCE = {  # what the lectures / makemore report, for the table
    "mlp-bn": "lecture 3: val 2.1056 (200k steps)",
    "wavenet": "lecture 5: val 1.9937 (200k steps)",
    "transformer": "makemore.py, same words, 5 min: see bench_makemore.py",
}


def make_trainer(cfg, data, **kw) -> Trainer:
    return Trainer(cfg, data, **kw)


def timed_steps(cfg, data, seconds: float) -> tuple[float, int]:
    """Steps per second of this config here, from a run of about `seconds` (first steps excluded)."""
    t = make_trainer(cfg.updated(max_steps=10**9, eval_every=0), data, emit_interval=0.05)
    marks: list[tuple[float, int]] = []

    def on(e):
        if isinstance(e, ev.Steps):
            marks.append((time.perf_counter(), e.step))
            if marks[-1][0] - marks[0][0] >= seconds:
                t.stop()

    t.listeners.append(on)
    t.final_losses = lambda: {"train": float("nan"), "dev": float("nan"), "test": float("nan")}
    t.run()
    (t0, s0), (t1, s1) = marks[0], marks[-1]
    return (s1 - s0) / max(1e-9, t1 - t0), s1


def train_for(name: str, data, seconds: float, calibrate_s: float, overrides: dict, threads: int | None) -> dict:
    cfg = preset(name, **overrides).validate()
    rates = {}
    for n in ([threads] if threads else [1, 2]):  # auto: whichever of one or two threads is faster here
        torch.set_num_threads(n)
        rates[n], _ = timed_steps(cfg, data, calibrate_s)
    threads = max(rates, key=rates.get)
    torch.set_num_threads(threads)
    rate = rates[threads]
    # the preset's own length when it fits the budget (a recipe tuned to stop before it overfits),
    # else as many steps as fit, with the schedule squeezed to end there
    steps = min(cfg.max_steps, max(cfg.warmup_steps + 10, int(rate * seconds * 0.97)))
    cfg = cfg.updated(max_steps=steps, eval_every=0, log_every=max(1, steps // 100),
                      warmup_steps=min(cfg.warmup_steps, steps // 10))
    trainer = make_trainer(cfg, data, emit_interval=0.25)
    deadline = [0.0]

    def on(e):
        if isinstance(e, ev.Started):
            deadline[0] = time.perf_counter() + seconds
        elif isinstance(e, ev.Steps) and time.perf_counter() >= deadline[0]:
            trainer.stop()

    trainer.listeners.append(on)
    fin = trainer.run()
    return {
        "model": name, "params": count_params(trainer.model), "steps": fin.step, "planned_steps": steps,
        "train_s": round(fin.seconds, 1), "steps_per_s": round(fin.steps_per_s, 1),
        "train": round(fin.train_loss, 4), "dev": round(fin.val_loss, 4), "test": round(fin.test_loss, 4),
        "batch_size": cfg.batch_size, "learning_rate": cfg.learning_rate, "threads": threads,
        "calibration_steps_per_s": {str(k): round(v, 1) for k, v in rates.items()},
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="training budget per model (60 or 300)")
    p.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from {', '.join(MODELS)}")
    p.add_argument("--input", default=str(NAMES), help="names file (default ../shared/data/names.txt)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (default: time 1 and 2 for each model and keep the faster)")
    p.add_argument("--calibrate", type=float, default=3.0,
                   help="seconds spent timing each model (per thread count) before its run")
    p.add_argument("--last-only", action="store_true",
                   help="sequence models learn from the last position of each window only (for comparison)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a preset setting for every model, e.g. --set batch_size=128")
    args = p.parse_args(argv)
    path = Path(args.input)
    if not path.is_file():
        print(f"bench_models: skipped: no names file at {path} (the 32,033 names of makemore; pass --input)")
        return 0
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        p.error(f"unknown model(s): {', '.join(unknown)}")
    overrides = {}
    for item in args.set:
        k, _, v = item.partition("=")
        overrides[k] = json.loads(v) if v[:1] in "0123456789-[{tfn" and v not in ("nan",) else v
    if args.last_only:
        SequenceModel.train_all_positions = False
    mode = "last position only" if args.last_only else "all positions of whole words"
    print(f"bench_models: {path} | {args.seconds:g}s per model | threads {args.threads or 'auto (1 or 2)'} | "
          f"sequence models: {mode} | torch {torch.__version__}", flush=True)
    datasets: dict[int, object] = {}
    results = []
    for name in models:
        bs = preset(name, **overrides).block_size
        if bs not in datasets:
            datasets[bs] = load_dataset(path, bs)
        r = train_for(name, datasets[bs], args.seconds, args.calibrate, overrides, args.threads)
        target = TARGETS.get(name)
        r["target"] = target
        r["met"] = None if target is None else bool(r["dev"] <= target)
        results.append(r)
        print(f"{name:12s} dev {r['dev']:.4f} | train {r['train']:.4f} | {r['steps']:,} steps in {r['train_s']}s "
              f"({r['steps_per_s']:,.0f}/s, {r['threads']} thread(s)) | {r['params']:,} params"
              + (f" | target <= {target}: {'met' if r['met'] else 'MISSED'}" if target else ""), flush=True)
    print()
    print(f"| model | params | steps in {args.seconds:g}s | dev | train | target | reference |")
    print("|---|---:|---:|---:|---:|---|---|")
    for r in results:
        t = f"<= {r['target']} {'met' if r['met'] else 'missed'}" if r["target"] else ""
        print(f"| {r['model']} | {r['params']:,} | {r['steps']:,} | {r['dev']:.4f} | {r['train']:.4f} | {t} | "
              f"{REFERENCE.get(r['model'], '')} |")
    print(json.dumps({"benchmark": "bench_models", "seconds": args.seconds, "threads": args.threads or "auto",
                      "last_only": args.last_only, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
