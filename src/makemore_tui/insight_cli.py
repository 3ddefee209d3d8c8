"""`makemore-tui --inspect VIEW`: the insight views without the app.

    next-char   the distribution after --context (default: the start of a word)
    embedding   the map of C's rows, and the vowels' spread
    lr-find     the lecture's learning-rate sweep from the run's initial weights; writes lr_find.json
    health      activations, saturated and dead units, gradients, one SGD step's update:data ratios
    compare     the work directory and every --compare DIR: settings, results and loss curves
    confusion   the dev set's true x predicted table and the top confusions

Each reads the work directory's checkpoint (lr-find and compare also work without one: lr-find then
uses the settings from the flags, compare the run files). The data is the bundled names or -i FILE.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

VIEWS = ("next-char", "embedding", "lr-find", "health", "compare", "confusion")
LR_FIND_FILE = "lr_find.json"


def _console() -> Console:
    out = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out = Console(file=sys.stdout, highlight=False, soft_wrap=False, width=100)
    return out


def _chart(draw, width: int, height: int) -> Text:
    from textual_plotext.plot import Plot

    plt = Plot()
    draw(plt)
    plt.plotsize(width, height)
    plt.theme("clear")
    return Text.from_ansi(plt.build())


def _load(args, need_data: bool = True):
    from .checkpoint import CheckpointError, checkpoint_path
    from .data import load_dataset
    from .run import load_for_sampling

    if not checkpoint_path(args.work_dir).exists():
        raise CheckpointError(f"no checkpoint in {args.work_dir}: train first (makemore-tui --headless -o {args.work_dir})")
    model, vocab, cfg = load_for_sampling(args.work_dir)
    data = load_dataset(args.input_file, cfg.block_size, vocab=vocab) if need_data else None
    return model, vocab, cfg, data


def inspect(args, config_from_args) -> int:
    """Run one view for the parsed command line; returns the exit status."""
    from .config import ConfigError

    view = args.inspect
    if view not in VIEWS:
        raise ConfigError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    out = _console()
    width = max(40, min(out.width, 160))
    return {
        "next-char": _next_char, "embedding": _embedding, "lr-find": _lr_find, "health": _health,
        "compare": _compare, "confusion": _confusion,
    }[view](args, out, width, config_from_args)


def _next_char(args, out, width, _cfg) -> int:
    from .config import ConfigError
    from .data import DataError
    from .insight import next_char

    model, vocab, cfg, _ = _load(args, need_data=False)
    context = args.context or ""
    try:
        nc = next_char(model, vocab, context, block_size=cfg.block_size)
    except DataError as e:
        raise ConfigError(f"context: {e}") from None
    from .insight_render import prob_bars, top_line

    out.print(f"after {context!r} the model sees {nc.window!r} (block size {cfg.block_size}); "
              f"next character, {len(vocab)}-way:")
    out.print(prob_bars(nc, width=max(10, min(50, width - 16))))
    out.print(Text("most likely: ", style="bold") + Text(top_line(nc)))
    return 0


def _embedding(args, out, width, _cfg) -> int:
    from .config import ConfigError
    from .insight import InsightError, embedding_map
    from .insight_charts import draw_embedding

    model, vocab, cfg, _ = _load(args, need_data=False)
    try:
        e = embedding_map(model, vocab)
    except InsightError as err:
        raise ConfigError(str(err)) from None
    out.print(_chart(lambda plt: draw_embedding(plt, e), width, max(16, min(32, width // 3))))
    if e.method == "PCA":
        out.print(f"{e.n_embd}-d embeddings projected on their two principal axes "
                  f"({100 * e.explained[0]:.0f}% + {100 * e.explained[1]:.0f}% of the variance)")
    else:
        out.print(f"C itself: the {e.n_embd}-d embedding of each of the {len(vocab)} symbols")
    if e.vowel_spread is not None:
        out.print(f"vowel spread {e.vowel_spread:.2f} (mean distance between vowels / between all letters; "
                  "below 1: the vowels sit together)")
    return 0


def _lr_find(args, out, width, config_from_args) -> int:
    import torch

    from .checkpoint import checkpoint_path, load
    from .data import load_dataset
    from .lr_finder import lr_find
    from .models import build_model

    if checkpoint_path(args.work_dir).exists():
        payload = load(checkpoint_path(args.work_dir))
        cfg, vocab, where = payload["config"], payload["vocab"], f"the settings of {checkpoint_path(args.work_dir)}"
    else:
        cfg, vocab, where = config_from_args(args), None, "the settings from the command line"
    data = load_dataset(args.input_file, cfg.block_size, vocab=vocab)
    model = build_model(cfg, len(data.vocab))  # the run's initial weights (the init is seeded)
    Xtr, Ytr = data.splits["train"]
    out.print(f"sweeping the learning rate 1e-3 -> 1 over 1,000 SGD steps of batch {cfg.batch_size} "
              f"from the initial weights ({where})")
    r = lr_find(model, Xtr, Ytr, batch_size=cfg.batch_size, seed=cfg.seed)
    path = Path(args.work_dir) / LR_FIND_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    from .insight import to_json

    payload = {"config": cfg.to_dict(), **to_json(r)}
    path.write_text(json.dumps(payload) + "\n")
    from .insight_charts import draw_lr_find

    out.print(_chart(lambda plt: draw_lr_find(plt, r, width), width, max(14, min(28, width // 4))))
    out.print(f"loss is lowest ({r.min_loss:.3f}, smoothed over {r.window} steps) at lr {r.min_lr:.3g}; "
              f"steepest descent at lr {r.steepest_lr:.3g}" + ("; stopped early: the loss blew up" if r.stopped_early else ""))
    out.print(Text.assemble(("suggested learning rate: ", "bold"), (f"{r.suggested_lr:.3g}", "bold green"),
                            f"  ({r.rule}); the curve is in {path}"))
    return 0


def _health(args, out, width, _cfg) -> int:
    from .insight import fixed_batch, health, update_ratios
    from .insight_render import health_text, ratio_text

    model, vocab, cfg, data = _load(args)
    X, Y = fixed_batch(*data.splits["train"], cfg.batch_size, seed=cfg.seed)
    h = health(model, X, Y)
    out.print(health_text(h, width=min(40, width - 4)))
    step = 0
    try:
        from .checkpoint import checkpoint_path, load

        step = int(load(checkpoint_path(args.work_dir))["state"]["step"])
    except Exception:  # the step only sets the rate shown; a checkpoint that loaded above has it
        pass
    lr = cfg.lr_at(step)
    if cfg.optimizer == "sgd":
        out.print(ratio_text(update_ratios(model, X, Y, lr), f"log10 update:data ratio of one SGD step at lr {lr:.3g}"))
    else:
        out.print(f"update:data ratio: the run uses {cfg.optimizer}, whose update depends on its moment estimates; "
                  "the app's health pane shows it live")
    return 0


def _compare(args, out, width, _cfg) -> int:
    from .config import ConfigError
    from .insight import RunError, compare_rows, load_run
    from .insight_charts import draw_runs
    from .insight_render import run_table

    dirs = [args.work_dir, *(args.compare or [])]
    runs, skipped = [], []
    for d in dirs:
        try:
            runs.append(load_run(d))
        except RunError as e:
            skipped.append(str(e))
    for s in skipped:
        print(f"makemore-tui: note: {s}", file=sys.stderr)
    if not runs:
        raise ConfigError("no runs to compare: give work directories with metrics.jsonl (-o DIR --compare DIR ...)")
    header, rows = compare_rows(runs, only_different=len(runs) > 1)
    out.print(run_table(header, rows, title="runs"))
    if any(r.steps for r in runs):
        out.print(_chart(lambda plt: draw_runs(plt, runs, width), width, max(14, min(28, width // 4))))
    return 0


def _confusion(args, out, width, _cfg) -> int:
    from .insight import confusion
    from .insight_render import confusion_summary, heat_table

    model, vocab, cfg, data = _load(args)
    c = confusion(model, *data.splits["dev"], vocab)
    out.print(confusion_summary(c))
    out.print("\nrows: the true next character; columns: the model's most likely one; shade: share of the row")
    out.print(heat_table(c))
    return 0
