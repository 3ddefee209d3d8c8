"""makemore.py against makemore-tui, side by side: the same training words, the same dev set, the
same wall-clock time on this machine.

    python benchmarks/bench_makemore.py --makemore ../makemore/makemore.py
    python benchmarks/bench_makemore.py --makemore PATH --types transformer --budgets 60,150,300

makemore.py is run from a clone of https://github.com/karpathy/makemore (MIT License, Copyright (c)
2022 Andrej Karpathy), passed by --makemore (or MAKEMORE_PY): its own model classes, CharDataset
and InfiniteDataLoader, with its default settings (batch 32, AdamW lr 5e-4, weight decay 0.01,
betas 0.9/0.99, eps 1e-8, n_layer 4, n_head 4, n_embd 64, n_embd2 64, seed 3407) and its training step (`logits, loss = model(X, Y)`, zero_grad, backward, step). Without
the file the benchmark says so and skips. Its TensorBoard import is satisfied by a stand-in when
TensorBoard is not installed (nothing is logged). Its batches come from its InfiniteDataLoader with no
worker processes (--num-workers 0): on two cores that is faster than its default of 4 (its
transformer: 50.5 against 38.0 steps a second here), so makemore.py gets the better of the two.

Both sides train on the lecture split's training words (the project's default split of the 32,033
names, ../shared/data/names.txt or --input) and are measured on its dev words, with the same
per-character cross-entropy over every dev word (each character and the end token). makemore.py's
clock counts its training steps only: its periodic evaluations and samples are left out, which
only helps it. makemore-tui trains each budget as `makemore-tui --headless --preset TYPE` would,
from the type's preset with the schedule fitted to the budget (bench_models.train_for), and its
clock includes its own periodic evaluations; it reports the weights the run ends on (the best dev
checkpoint where the preset keeps it).

Each side runs in its own process, one after the other. Prints a line per run, the table (Markdown)
and a final JSON line. Run it on a quiet machine: the figures are only as good as the cores are free.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT.parent / "shared" / "data" / "names.txt"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from makemore_tui.data import read_words  # noqa: E402
from makemore_tui.splits import split_words  # noqa: E402

TYPES = ("bigram", "mlp", "rnn", "gru", "bow", "transformer")  # makemore.py's --type choices
PROJECT_PRESET = {"bigram": "bigram", "mlp": "best", "rnn": "rnn", "gru": "gru", "bow": "bow", "transformer": "transformer"}
MARGIN = 0.02  # issue 13: beat makemore.py's transformer by at least this at the same wall clock
DEFAULT_MAKEMORE = ROOT.parent / "makemore" / "makemore.py"


def lecture_words(path: Path) -> tuple[list[str], list[str], list[str]]:
    words = read_words(path)
    train, dev, _ = split_words(words)
    return words, train, dev


# ---- makemore.py's side ------------------------------------------------------------------------

def load_makemore(path: Path) -> types.ModuleType:
    """makemore.py as a module (its training loop is under __main__ and does not run)."""
    try:
        import torch.utils.tensorboard  # noqa: F401
    except ImportError:  # makemore.py imports SummaryWriter at the top; nothing is logged here
        stub = types.ModuleType("torch.utils.tensorboard")
        stub.SummaryWriter = type("SummaryWriter", (), {"__init__": lambda self, *a, **k: None})
        sys.modules["torch.utils.tensorboard"] = stub
    spec = importlib.util.spec_from_file_location("makemore_py", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@torch.no_grad()
def peer_dev_loss(model, dataset, batch: int = 500) -> float:
    """Per-character cross-entropy over every word of `dataset` (makemore's padded layout, the
    masked positions left out): the same figure the project's split_loss gives."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(dataset), batch):
        X, Y = zip(*(dataset[j] for j in range(i, min(i + batch, len(dataset)))))
        X, Y = torch.stack(X), torch.stack(Y)
        logits, _ = model(X)
        total += F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1), ignore_index=-1,
                                 reduction="sum").item()
        count += int((Y != -1).sum())
    model.train()
    return total / count


def run_peer(args) -> list[dict]:
    mm = load_makemore(Path(args.makemore))
    words, train, dev = lecture_words(Path(args.input))
    torch.manual_seed(3407)  # makemore.py's default --seed
    chars = sorted(set("".join(words)))
    longest = max(len(w) for w in words)
    train_ds, dev_ds = mm.CharDataset(train, chars, longest), mm.CharDataset(dev, chars, longest)
    config = mm.ModelConfig(vocab_size=train_ds.get_vocab_size(), block_size=train_ds.get_output_length(),
                            n_layer=4, n_head=4, n_embd=64, n_embd2=64)
    model = {"transformer": lambda: mm.Transformer(config), "bigram": lambda: mm.Bigram(config),
             "mlp": lambda: mm.MLP(config), "rnn": lambda: mm.RNN(config, cell_type="rnn"),
             "gru": lambda: mm.RNN(config, cell_type="gru"), "bow": lambda: mm.BoW(config)}[args.type]()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    loader = mm.InfiniteDataLoader(train_ds, batch_size=32, pin_memory=False, num_workers=args.num_workers)
    marks = sorted(args.budgets)
    out, trained, step = [], 0.0, 0
    while marks:
        t0 = time.perf_counter()
        X, Y = loader.next()
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        trained += time.perf_counter() - t0
        step += 1
        if trained >= marks[0]:
            out.append({"side": "makemore.py", "type": args.type, "seconds": marks.pop(0), "steps": step,
                        "steps_per_s": round(step / trained, 1), "dev": round(peer_dev_loss(model, dev_ds), 4),
                        "threads": torch.get_num_threads(), "num_workers": args.num_workers})
            print(json.dumps(out[-1]), file=sys.stderr, flush=True)
    return out


# ---- makemore-tui's side -----------------------------------------------------------------------

def run_project(args) -> list[dict]:
    from bench_models import train_for

    from makemore_tui.config import preset
    from makemore_tui.data import load_dataset

    name = PROJECT_PRESET[args.type]
    overrides = dict(json.loads(args.set)) if args.set else {}
    data = load_dataset(Path(args.input), preset(name, **overrides).block_size)
    out = []
    for seconds in sorted(args.budgets):
        r = train_for(name, data, seconds, 3.0, {"eval_exact": True, **overrides}, None)
        out.append({"side": "makemore-tui", "type": args.type, "preset": name, "seconds": seconds,
                    "steps": r["steps"], "steps_per_s": r["steps_per_s"], "dev": r["dev"],
                    "threads": r["threads"], **{k: r[k] for k in ("best_step", "ended_on") if k in r}})
        print(json.dumps(out[-1]), file=sys.stderr, flush=True)
    return out


# ---- both --------------------------------------------------------------------------------------

def worker(side: str, args, typ: str) -> list[dict]:
    cmd = [sys.executable, __file__, "--worker", side, "--types", typ, "--input", args.input,
           "--budgets", ",".join(f"{b:g}" for b in args.budgets), "--makemore", str(args.makemore),
           "--num-workers", str(args.num_workers)] + (["--set", args.set] if args.set else [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench_makemore: the {side} run of {typ} failed (exit {p.returncode})")
    return json.loads(p.stdout.strip().splitlines()[-1])


def table(results: list[dict], budgets: list[float]) -> list[str]:
    lines = ["| model | " + " | ".join(f"makemore.py {b:g} s | makemore-tui {b:g} s" for b in budgets) + " |",
             "|---|" + "---:|---:|" * len(budgets)]
    for typ in dict.fromkeys(r["type"] for r in results):
        cells = []
        for b in budgets:
            for side in ("makemore.py", "makemore-tui"):
                r = next((r for r in results if r["type"] == typ and r["side"] == side and r["seconds"] == b), None)
                cells.append("—" if r is None else f"{r['dev']:.4f} ({r['steps']:,} steps)")
        lines.append(f"| {typ} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--makemore", default=os.environ.get("MAKEMORE_PY", str(DEFAULT_MAKEMORE)),
                   help="makemore.py from a clone of karpathy/makemore (default ../makemore/makemore.py)")
    p.add_argument("--input", default=str(NAMES), help="names file (default ../shared/data/names.txt)")
    p.add_argument("--types", default="transformer,rnn,gru,mlp,bigram",
                   help=f"comma-separated, from {', '.join(TYPES)}")
    p.add_argument("--budgets", default="60,150,300", help="training seconds to compare at")
    p.add_argument("--num-workers", type=int, default=0,
                   help="makemore.py's data-loader workers (default 0: faster on two cores than its own default 4)")
    p.add_argument("--set", default="", help="JSON of settings over makemore-tui's presets, e.g. '{\"dropout\": 0.1}'")
    p.add_argument("--worker", choices=("peer", "project"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.budgets = [float(b) for b in args.budgets.split(",") if b.strip()]
    typs = [t.strip() for t in args.types.split(",") if t.strip()]
    if unknown := [t for t in typs if t not in TYPES]:
        p.error(f"unknown type(s): {', '.join(unknown)}")
    if not Path(args.input).is_file():
        print(f"bench_makemore: skipped: no names file at {args.input} (the 32,033 names of makemore; pass --input)")
        return 0
    if not Path(args.makemore).is_file():
        print(f"bench_makemore: skipped: no makemore.py at {args.makemore} (clone "
              "https://github.com/karpathy/makemore and pass --makemore PATH/makemore.py)")
        return 0
    if args.worker:
        args.type = typs[0]
        print(json.dumps(run_peer(args) if args.worker == "peer" else run_project(args)))
        return 0
    print(f"bench_makemore: {args.input} (lecture split: train words, dev words) | budgets "
          f"{', '.join(f'{b:g}' for b in args.budgets)} s | torch {torch.__version__} | {os.cpu_count()} cores",
          flush=True)
    results = []
    for typ in typs:
        sides = ("peer", "project") if typ in PROJECT_PRESET else ("peer",)
        for side in sides:
            for r in worker(side, args, typ):
                results.append(r)
                print(f"{r['type']:12s} {r['side']:13s} {r['seconds']:5g} s: dev {r['dev']:.4f} after "
                      f"{r['steps']:,} steps ({r['steps_per_s']:,.1f}/s)", flush=True)
    print()
    print("\n".join(table(results, args.budgets)))
    verdicts = {}
    for typ in typs:
        for b in args.budgets:
            pair = {r["side"]: r["dev"] for r in results if r["type"] == typ and r["seconds"] == b}
            if len(pair) == 2:
                gain = pair["makemore.py"] - pair["makemore-tui"]
                verdicts[f"{typ}@{b:g}"] = round(gain, 4)
                print(f"{typ} at {b:g} s: makemore-tui's dev is {gain:+.4f} below makemore.py's "
                      f"(ratio {pair['makemore-tui'] / pair['makemore.py']:.4f})")
    print(json.dumps({"benchmark": "bench_makemore", "budgets": args.budgets, "margin": MARGIN,
                      "gain": verdicts, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
