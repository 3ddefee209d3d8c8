"""`makemore-tui sweep`: its arguments, and the command itself (cli.py hands it the rest of the line)."""

from __future__ import annotations

import sys

from ..argtypes import FLOAT, INT, Parser, UsageError, add_setting
from ..config import ConfigError
from ..errors import EXIT_RESOURCE, resource_message
from ..printable import printable
from ..models import DEFAULT_TYPE, names
from ..settings import BY_NAME

EXIT_USAGE = 2

EPILOG = """examples:
  makemore-tui sweep -o sweeps/mlp --budget 600 --trial-seconds 30
  makemore-tui sweep -o sweeps/mlp --storage postgresql://user:pw@db/sweeps --study mlp   # on every machine
  makemore-tui --attach sweeps/mlp          # the trials, live
  makemore-tui --inspect sweep -o sweeps/mlp
  makemore-tui --preset-from sweeps/mlp --headless -o runs/best
"""


def build_parser() -> Parser:
    import argparse

    p = Parser(
        prog="makemore-tui sweep",
        description="Search the settings of a model type on a time budget (Optuna does the search). Each trial is\n"
        "a run of its own in DIR/trials/NNNN, trained for the same number of seconds; DIR/sweep.json\n"
        "lists them. Ctrl-C stops the workers cleanly; the same command again resumes the study.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--work-dir", "-o", required=True, metavar="DIR", help="the sweep's directory (trials, sweep.json)")
    p.add_argument("--input-file", "-i", default=None, help="one item a line, UTF-8 (default: the bundled names)")
    types = names()
    add_setting(p, BY_NAME["type"], help=f"model type to search: {', '.join(types)} (default: the study's, else {DEFAULT_TYPE})")
    p.add_argument("--budget", type=FLOAT, default=None, metavar="SECONDS",
                   help="no trial starts after this many seconds (default 600, or none with --trials)")
    p.add_argument("--trials", type=INT, default=None, metavar="N", help="stop when the study holds N trials in all")
    p.add_argument("--trial-seconds", type=FLOAT, default=30.0, metavar="S",
                   help="wall-clock seconds of each trial; its schedule is fitted to them (default 30)")
    p.add_argument("--workers", type=INT, default=None, metavar="W",
                   help="trials at once on this machine, one process and one torch thread each (default: a core each)")
    p.add_argument("--storage", default=None, metavar="URL",
                   help="where the study lives: an Optuna storage URL (sqlite:///f.db, postgresql://..., mysql://...), "
                   "redis://..., or a journal file; the same URL and --study on another machine joins "
                   "(default: DIR/study.journal)")
    p.add_argument("--study", default=None, metavar="NAME", help="the study's name (default: makemore-TYPE)")
    p.add_argument("--space", action="append", default=[], metavar="NAME=SPEC",
                   help="narrow a setting: low:high, a,b,c or one value (repeatable), e.g. learning_rate=1e-3:1e-2")
    add_setting(p, BY_NAME["tensorboard"], help="each trial also writes TensorBoard event files (tensorboard "
                "--logdir DIR/trials); MAKEMORE_TUI_TENSORBOARD=1 makes it the default")
    p.add_argument("--space-file", default=None, metavar="FILE.toml", help="the same as a TOML file (NAME = [low, high])")
    return p


def main(argv: list[str]) -> int:
    from ..data import DataError
    from ..tensorboard_log import check_available, env_default
    from .launch import SweepRequest, run_sweep

    try:
        args = build_parser().parse_args(argv)
        if args.tensorboard or (args.tensorboard is None and env_default()):
            check_available()
        req = SweepRequest(
            sweep_dir=args.work_dir, input_file=args.input_file, type=args.type, budget=args.budget,
            trials=args.trials, trial_seconds=args.trial_seconds, workers=args.workers, storage=args.storage,
            study=args.study, space=args.space, space_file=args.space_file,
            tensorboard=args.tensorboard if args.tensorboard is not None else env_default(),
        )
        return run_sweep(req)
    except UsageError as e:
        print(f"makemore-tui sweep: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (ConfigError, DataError) as e:
        print(f"makemore-tui sweep: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("makemore-tui sweep: interrupted", file=sys.stderr)
        return 130
    except (MemoryError, RuntimeError, OSError) as e:  # a resource ran out (memory, descriptors): one line
        why = resource_message(e)
        if why is None:
            if not isinstance(e, OSError):
                raise
            why = f"{printable(e.filename) + ': ' if e.filename else ''}{e.strerror or e}"
        print(f"makemore-tui sweep: error: {why}", file=sys.stderr)
        return EXIT_RESOURCE if resource_message(e) else EXIT_USAGE
