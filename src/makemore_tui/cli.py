"""The `makemore-tui` command: flags named as in makemore.py where they mean the same thing.

With no flags it opens the app and trains the seed network on the bundled names. Errors in the
arguments or the input print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .argtypes import FLOAT, INT, Parser, UsageError, add_settings, given_settings
from .errors import EXIT_RESOURCE, resource_message
from .config import PRESETS, Config, ConfigError, preset

EXIT_USAGE = 2

def inspect_choices() -> str:
    """The insight views for --help, from their registry: "next-char, embedding, lr-find (writes
    lr_find.json), ..."."""
    from .insight.views import views

    return ", ".join(v.name + (f" ({v.cli_note})" if v.cli_note else "") for v in views())


def build_parser() -> Parser:
    p = Parser(
        prog="makemore-tui",
        description="Train makemore's character-level language model live in the terminal, look inside it, "
        "and sample names from it.",
        epilog="commands: `makemore-tui sweep -o DIR ...` searches the settings on a time budget "
        "(makemore-tui sweep --help); `makemore-tui lesson` walks through the network step by step on "
        "real tensors (makemore-tui lesson --help)",
    )
    io = p.add_argument_group("input and output")
    io.add_argument("--input-file", "-i", default=None, help="one item a line, UTF-8 (default: the bundled names)")
    io.add_argument("--work-dir", "-o", default="out", help="where checkpoints, metrics.jsonl and summary.json go (default: out)")
    io.add_argument("--resume", action="store_true",
                    help="continue the run saved in the work directory, with its settings (--max-steps may raise the end)")
    io.add_argument("--init-from", metavar="DIR", default=None,
                    help="a new run that starts from the weights of the run in DIR, with its settings and "
                    "vocabulary (flags change the others): to train them on other data")
    io.add_argument("--save-every", type=FLOAT, default=None, metavar="SECONDS",
                    help="seconds between checkpoints during a run (default 60; 0: only at the end and on signals)")
    io.add_argument("--sample-only", action="store_true", help="print names from the work directory's model and exit")
    io.add_argument("--headless", action="store_true", help="train without the app: progress on the terminal, files in the work directory")
    io.add_argument("--attach", metavar="DIR", default=None,
                    help="open the app on a run started with --headless -o DIR (running or finished); "
                    "q leaves it running")
    io.add_argument("--theme", default=None, help="the app's colour theme (see themes/)")
    io.add_argument("--inspect", metavar="VIEW", default=None,
                    help="print an insight view of the work directory's model and exit: " + inspect_choices()
                    + "; sweep (a sweep's trials)")
    io.add_argument("--context", default="", help="what --inspect next-char has typed (default: a word's start)")
    io.add_argument("--word", default=None, metavar="NAME",
                    help="the word --inspect trace traces (default: a name sampled from the model)")
    io.add_argument("--compare", nargs="+", metavar="DIR", default=None,
                    help="earlier runs' work directories: overlaid on the loss chart, listed by --inspect compare")
    m = p.add_argument_group("model")
    m.add_argument("--preset-from", metavar="DIR", default=None,
                   help="start from the settings of the best trial of the sweep in DIR (makemore-tui sweep -o DIR)")
    o = p.add_argument_group("optimisation")
    o.add_argument("--threads", type=INT, default=None, help="CPU threads for torch (default: one, or all cores where a timing at the start shows they win)")
    add_settings(p, {"model": m, "optimisation": o, "input and output": io})  # the table's (settings.py), in its order
    s = p.add_argument_group("sampling")
    s.add_argument("--num-samples", type=INT, default=20, help="names to print with --sample-only (default 20)")
    s.add_argument("--temperature", type=FLOAT, default=1.0)
    s.add_argument("--top-k", type=INT, default=None, help="sample only from the k likeliest characters")
    s.add_argument("--prefix", default="", help="every sampled name starts with this")
    return p


def config_from_args(args: argparse.Namespace) -> Config:
    overrides = explicit_settings(args)
    from .tensorboard_log import env_default

    if "tensorboard" not in overrides and env_default():
        overrides["tensorboard"] = True
    # `--type wavenet` alone starts from the wavenet preset (its sizes and recipe), as makemore.py's
    # --type gives each model its own defaults; with --preset, the preset's sizes and this type
    name = args.preset or (args.type if args.type in PRESETS else "seed")
    if getattr(args, "init_from", None) is not None:  # another run's settings, to start from its weights
        from .checkpoint import checkpoint_path, load

        return load(checkpoint_path(args.init_from))["config"].updated(**overrides).validate()
    if getattr(args, "preset_from", None) is not None:  # a sweep's best trial instead of a preset
        from .sweep.current import best_of_study

        return best_of_study(args.preset_from, sys.stderr).updated(**overrides).validate()
    return preset(name, **overrides).validate()


def explicit_settings(args: argparse.Namespace) -> dict:
    """The Config fields the command line set (not left to the preset; --preset itself is where
    they start)."""
    return {k: v for k, v in given_settings(args).items() if k != "preset"}


LARGE_INPUT = 8 << 20  # bytes: above this, loading progress is shown on stderr


def _load_progress(input_file: str | None):
    """A progress callback that prints to stderr, for files large enough to take a while."""
    try:
        big = input_file is not None and os.path.getsize(input_file) >= LARGE_INPUT
    except OSError:
        big = False
    if not big:
        return None

    def show(msg: str) -> None:
        print(f"makemore-tui: loading: {msg}", file=sys.stderr, flush=True)

    return show


def check_sampling_args(args: argparse.Namespace) -> None:
    """The numbers that are not a Config's: sampling, threads, the save interval."""
    if args.threads is not None and not 1 <= args.threads <= 1024:
        raise ConfigError(f"threads must be between 1 and 1024, got {args.threads:,}")
    if not 1 <= args.num_samples <= 100_000:
        raise ConfigError(f"num_samples must be between 1 and 100,000, got {args.num_samples}")
    if not 0.01 <= args.temperature <= 100:
        raise ConfigError(f"temperature must be between 0.01 and 100, got {args.temperature:g}")
    if args.top_k is not None and not 1 <= args.top_k <= 1_000_000:
        raise ConfigError(f"top_k must be between 1 and 1,000,000, got {args.top_k:,}")
    if len(args.prefix) > 50:
        raise ConfigError("prefix is too long (at most 50 characters)")
    if args.save_every is not None and not 0 <= args.save_every <= 10**7:
        raise ConfigError(f"save_every is in seconds, between 0 (only at the end) and 10,000,000, got {args.save_every:g}")


def sample_only(args: argparse.Namespace) -> int:
    from .checkpoint import CheckpointError, checkpoint_path
    from .printable import printable
    from .run import load_for_sampling
    from .sampling import sample

    if not checkpoint_path(args.work_dir).exists():
        raise CheckpointError(f"no checkpoint in {args.work_dir}: train first (makemore-tui --headless -o {args.work_dir})")
    model, vocab, cfg = load_for_sampling(args.work_dir)
    why = vocab.text_problem(args.prefix)
    if why:
        raise ConfigError(f"prefix: {why}")
    names = sample(model, vocab, cfg.block_size, n=args.num_samples, temperature=args.temperature,
                   top_k=args.top_k, prefix=args.prefix, seed=args.seed)
    sys.stdout.write("".join(printable(s.text) + "\n" for s in names))
    return 0


def attach(args: argparse.Namespace) -> int:
    """--attach DIR: the app on another process's run; without a terminal, one line of its status."""
    from .sweep.results import is_sweep_dir

    if is_sweep_dir(args.attach):
        return attach_sweep(args)
    from .attach import RemoteError, RemoteRun

    try:
        run = RemoteRun(args.attach)
    except RemoteError as e:
        raise ConfigError(str(e)) from None
    if not sys.stdout.isatty():
        print(_status_line(run))
        return 0
    import torch

    torch.set_num_threads(args.threads or 1)  # the training runs elsewhere; the app only reads weights
    from .app.launch import attach_app

    return attach_app(run, args)


def attach_sweep(args: argparse.Namespace) -> int:
    """--attach on a sweep's directory: the sweep view (without a terminal, its table); enter on a
    trial opens that trial's own attached view, and leaving it comes back to the sweep. A study
    shared by several machines is read from its storage every few seconds (sweep/current.py)."""
    if not sys.stdout.isatty():
        from .sweep.current import inspect_sweep

        return inspect_sweep(args.attach, sys.stdout, sys.stderr)
    from .app.sweep_app import run_sweep_app

    from .sweep.current import Mirror

    mirror = Mirror(args.attach)
    note = mirror.start()
    try:
        while (trial := run_sweep_app(args.attach, theme=args.theme, notes=[note] if note else [])) is not None:
            attach(argparse.Namespace(**{**vars(args), "attach": str(trial)}))
            note = None
    finally:
        mirror.stop()
    return 0


def _status_line(run) -> str:
    """One line for scripts: `makemore-tui --attach DIR | cat`."""
    from .control import read_status, run_state
    from .printable import printable
    from .recorder import read_summary

    status = read_status(run.work_dir) or {}
    state = run_state(status) or "unknown"
    if state == "gone":
        state = "gone (the process ended without finishing)"
    parts = [f"{printable(run.work_dir)}: {state}", f"step {int(status.get('step', 0)):,}"]
    if status.get("max_steps"):
        parts[-1] += f"/{int(status['max_steps']):,}"
    for key, label in (("train_loss", "train"), ("val_loss", "dev")):
        if isinstance(status.get(key), (int, float)):
            parts.append(f"{label} {status[key]:.4f}")
    if isinstance(status.get("steps_per_s"), (int, float)) and state == "running":
        parts.append(f"{status['steps_per_s']:,.0f} steps/s")
    summary = read_summary(run.work_dir)
    if state == "finished" and summary and isinstance(summary.get("test_loss"), (int, float)):
        parts.append(f"test {summary['test_loss']:.4f}")
    if isinstance(status.get("overfitting_at"), int):
        parts.append(f"overfitting at step {status['overfitting_at']:,} (best dev at step {status.get('best_step') or 0:,})")
    if state == "finished" and summary and summary.get("ended_on") == "best":
        parts.append(f"ended on the best weights, step {summary.get('best_step') or 0:,}")
    return " | ".join(parts)


def _ask_about_saved_run(args: argparse.Namespace) -> str | None:
    """The app on a directory that holds a saved run asks first (resume, a new directory, replace,
    quit) and `args` follow the answer; None when there was nothing to ask."""
    if args.resume:
        return None
    from .app.launch import ask_about_saved_run
    from .saved_run import NEW, REPLACE, RESUME

    asked = ask_about_saved_run(args.work_dir, args.theme)
    if asked is None:
        return None
    answer, saved, new_dir = asked
    if answer == RESUME:
        args.resume = True
        if saved.finished:
            args.max_steps = saved.further
    elif answer == NEW:
        args.work_dir = new_dir
    elif answer != REPLACE:
        print(f"makemore-tui: {args.work_dir} is left as it was: {saved.describe()}")
        return "quit"
    return answer


def _resume_finished(args: argparse.Namespace) -> bool:
    """--resume on a finished run, with no larger --max-steps: say so and how to go further."""
    from .saved_run import find_saved_run, finished_message

    saved = find_saved_run(args.work_dir)
    if saved is None or not saved.finished or (args.max_steps is not None and args.max_steps != saved.step):
        return False
    print(f"makemore-tui: {finished_message(saved)}")
    return True


def escape_unshowable() -> None:
    """A symbol the output's encoding cannot show (PYTHONIOENCODING=ascii, LC_ALL=C) is written as
    its escape (\\u00e9), never a traceback or a dropped line."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    escape_unshowable()
    if argv[:1] == ["sweep"]:  # the subcommand; plain makemore-tui and its flags stay as they were
        from .sweep.command import main as sweep_main

        return sweep_main(argv[1:])
    if argv[:1] == ["lesson"]:  # the lesson: the network step by step on the run's data
        from .lesson.command import main as lesson_main

        return lesson_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return _main(args)
    except UsageError as e:
        print(f"makemore-tui: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `makemore-tui --sample-only | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except KeyboardInterrupt as e:  # a signal before training started (while loading, say): nothing to save
        signum = getattr(e, "signum", signal.SIGINT)
        print(f"makemore-tui: stopped by {signal.Signals(signum).name} before training began: nothing was "
              "trained or saved", file=sys.stderr)
        return 128 + signum
    except (MemoryError, RuntimeError, OSError) as e:  # a resource ran out (memory, descriptors): one line
        why = resource_message(e)
        if why is None:
            raise
        print(f"makemore-tui: error: {why}", file=sys.stderr)
        return EXIT_RESOURCE


def _main(args: argparse.Namespace) -> int:
    from .checkpoint import CheckpointError
    from .data import DataError

    try:
        check_sampling_args(args)
        if args.sample_only:
            import torch

            torch.set_num_threads(args.threads or 1)
            return sample_only(args)
        if args.attach is not None:
            return attach(args)
        if args.inspect == "sweep":
            from .sweep.current import inspect_sweep

            return inspect_sweep(args.work_dir, sys.stdout, sys.stderr)
        if args.inspect:
            import torch

            from .insight.cli import inspect

            torch.set_num_threads(args.threads or 1)
            return inspect(args, config_from_args)
        if args.init_from is not None and args.resume:
            raise ConfigError("--init-from starts a new run from another run's weights; --resume continues the run "
                              "in -o: give one of them")
        cfg = config_from_args(args)
        import torch

        from .run import open_run
        from .device import resolve_device

        resolve_device(cfg.device)
        headless = args.headless
        if not headless and not sys.stdout.isatty():
            print("makemore-tui: stdout is not a terminal, so training headless (pass --headless to say so)",
                  file=sys.stderr)
            headless = True
        from .checkpoint import checkpoint_path
        from .headless import interrupt_on_signals
        from .run import SAVE_INTERVAL_S, check_work_dir

        with interrupt_on_signals():  # until training starts a signal ends the command at once: nothing to save
            check_work_dir(args.work_dir)
            asked = None if headless else _ask_about_saved_run(args)
            if asked == "quit":
                return 0
            replaced = asked is None and not args.resume and checkpoint_path(args.work_dir).exists()
            if args.resume and _resume_finished(args):
                return 0
            save_every = SAVE_INTERVAL_S if args.save_every is None else args.save_every
            run = open_run(cfg, args.input_file, args.work_dir, resume=args.resume,
                           progress=_load_progress(args.input_file), save_every_s=save_every,
                           max_steps=args.max_steps if args.resume else None, init_from=args.init_from)
            if replaced:
                print(f"makemore-tui: note: {args.work_dir} held a saved run; this new run replaced it (use --resume "
                      "to continue a run instead, or -o for another directory)", file=sys.stderr)
            if args.resume:
                ignored = {k: v for k, v in explicit_settings(args).items()
                           if k not in ("max_steps", "device", "eval_exact", "tensorboard") and getattr(run.cfg, k) != v}
                if args.preset is not None and args.preset != run.cfg.preset:
                    ignored["preset"] = args.preset
                if ignored:
                    print("makemore-tui: note: --resume continues with the checkpoint's settings; ignored: "
                          + ", ".join(f"{k}={v}" for k, v in ignored.items()), file=sys.stderr)
            if args.threads:
                torch.set_num_threads(args.threads)
            else:  # measured now, on this machine as loaded as it is
                from .threads import choose_threads

                choose_threads(run.cfg, run.trainer.model, *run.trainer.first_batch())
            for notice in run.data.notices:
                print(f"makemore-tui: note: {notice}", file=sys.stderr)
        if headless:
            from .headless import run_headless

            return run_headless(run, err=sys.stderr)
        from .app.launch import run_app

        return run_app(run, args)
    except (ConfigError, DataError, CheckpointError) as e:
        print(f"makemore-tui: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        raise
    except OSError as e:  # a path the user gave that the system refuses (name too long, a device, ...)
        if resource_message(e):  # descriptors ran out: main says so, with its own exit status
            raise
        where = f"{str(e.filename)[:200]}: " if e.filename else ""
        print(f"makemore-tui: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
