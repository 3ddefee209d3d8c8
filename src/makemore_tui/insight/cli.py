"""`makemore-tui --inspect VIEW`: the insight views without the app.

    next-char   the distribution after --context (default: the start of a word)
    embedding   the map of C's rows, and the vowels' spread
    lr-find     the lecture's learning-rate sweep from the run's initial weights; writes lr_find.json
    health      activations, saturated and dead units, gradients, one SGD step's update:data ratios
    compare     the work directory and every --compare DIR: settings, results and loss curves
    confusion   the dev set's true x predicted table and the top confusions
    trace       --word NAME (without it, a name sampled from the model, seeded by the run's seed): each
                character's context, its probability and rank, the likeliest instead, the word's loss

The views are those of the registry (views.py). A view prints render(compute(subject), width), where
the subject is the work directory's checkpoint (its data: the bundled names or -i FILE, loaded only
for the views that use it), unless its spec gives a command-line form of its own (`inspect`): lr-find
also works without a checkpoint, from the settings of the flags, and compare reads run files only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from .views import Subject, resolve, view, views



def _console() -> Console:
    out = Console(file=sys.stdout, highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out = Console(file=sys.stdout, highlight=False, soft_wrap=False, width=100)
    return out


def inspect(args, config_from_args) -> int:
    """Run one view for the parsed command line; returns the exit status."""
    from ..config import ConfigError

    try:
        spec = view(args.inspect)
    except KeyError:
        raise ConfigError(f"unknown view {args.inspect!r}; choose one of {', '.join(v.name for v in views())}") from None
    out = _console()
    width = max(40, min(out.width, 160))
    if spec.inspect is not None:
        return resolve(spec.inspect)(args, out, width, config_from_args)
    from .base import InsightError

    try:
        numbers = resolve(spec.compute)(checkpoint_subject(args))
    except InsightError as e:
        raise ConfigError(str(e)) from None
    out.print(resolve(spec.render)(numbers, width))
    return 0


def checkpoint_subject(args) -> Subject:
    """The work directory's model, with its data (-i FILE or the bundled names) and step loaded
    when a view first asks for them."""
    from ..checkpoint import CheckpointError, checkpoint_path, load
    from ..data import load_dataset
    from ..run import load_for_sampling

    path = checkpoint_path(args.work_dir)
    if not path.exists():
        raise CheckpointError(f"no checkpoint in {args.work_dir}: train first (makemore-tui --headless -o {args.work_dir})")
    model, vocab, cfg = load_for_sampling(args.work_dir)

    def step() -> int:
        try:
            return int(load(path)["state"]["step"])
        except Exception:  # the step only sets the rate shown; a checkpoint that loaded above has it
            return 0

    return Subject(model, vocab, cfg, data=lambda: load_dataset(args.input_file, cfg.block_size, vocab=vocab,
                                                                split=cfg.split, symbols=cfg.symbols),
                   step=step, context=args.context or "", word=args.word)


def inspect_lr_find(args, out, width, config_from_args) -> int:
    from ..checkpoint import checkpoint_path, load
    from ..data import load_dataset
    from ..models import build_model
    from ..recorder import LR_FIND, write_json
    from .base import to_json
    from .charts import chart_text, draw_lr_find
    from .lr_finder import STEPS, lr_find, sweep_settings

    if checkpoint_path(args.work_dir).exists():
        payload = load(checkpoint_path(args.work_dir))
        cfg, vocab, where = payload["config"], payload["vocab"], f"the settings of {checkpoint_path(args.work_dir)}"
    else:
        cfg, vocab, where = config_from_args(args), None, "the settings from the command line"
    data = load_dataset(args.input_file, cfg.block_size, vocab=vocab, split=cfg.split, symbols=cfg.symbols)
    model = build_model(cfg, len(data.vocab))  # the run's initial weights (the init is seeded)
    settings = sweep_settings(cfg)  # as the app's first sweep: the same suggestion for the same settings
    out.print(f"sweeping the learning rate 1e{settings['lo']:g} -> 1e{settings['hi']:g} over {STEPS:,} "
              f"{cfg.optimizer} steps of batch {cfg.batch_size} from the initial weights ({where})")
    r = lr_find(model, data.splits["train"], None, **settings)
    path = Path(args.work_dir) / LR_FIND
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"config": cfg.to_dict(), **to_json(r)})  # a temporary file renamed: no link followed
    out.print(chart_text(lambda plt: draw_lr_find(plt, r, width), width, max(14, min(28, width // 4))))
    out.print(f"loss is lowest ({r.min_loss:.3f}, smoothed over {r.window} steps) at lr {r.min_lr:.3g}; "
              f"steepest descent at lr {r.steepest_lr:.3g}" + ("; stopped early: the loss blew up" if r.stopped_early else ""))
    out.print(Text.assemble(("suggested learning rate: ", "bold"), (f"{r.suggested_lr:.3g}", "bold green"),
                            f"  ({r.rule}); the curve is in {path}"))
    return 0


def inspect_compare(args, out, width, _cfg) -> int:
    from ..config import ConfigError
    from .charts import chart_text, draw_runs
    from .compare import RunError, compare_rows, load_run
    from .render import run_table

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
        height = max(14, min(28, width // 4))
        out.print(chart_text(lambda plt: draw_runs(plt, runs, width, height=height), width, height))
    return 0
