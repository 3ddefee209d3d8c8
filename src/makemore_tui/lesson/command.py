"""`makemore-tui lesson [--plain] [--lang en|it] [-i FILE] [--seed N] [sizes]`: the lesson in the app,
or with --plain every step printed to stdout. Errors: one line on stderr, exit status 2."""

from __future__ import annotations

import os
import sys

from ..argtypes import UsageError

EXIT_USAGE = 2
PROG = "makemore-tui lesson"


def main(argv: list[str]) -> int:
    from ..config import ConfigError
    from ..data import DataError
    from .args import parse
    from .core import Lesson

    try:
        args = parse(argv)
        import torch

        torch.set_num_threads(1)  # tiny matrices: a second thread only adds hand-off cost
        lesson = Lesson.from_args(args)
        if not args.plain and not sys.stdout.isatty():  # a pipe or a file: the text, as the main command goes headless
            print(f"{PROG}: stdout is not a terminal, so printing the lesson as text (pass --plain to say so)",
                  file=sys.stderr)
        elif not args.plain:
            from ..app.lesson_app import run_lesson

            return run_lesson(lesson, theme=args.theme)  # its start-run key goes on to the real run
        return print_lesson(lesson, sys.stdout)
    except (UsageError, ConfigError, DataError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        if isinstance(e, BrokenPipeError):  # `makemore-tui lesson --plain | head`
            try:
                sys.stdout = open(os.devnull, "w")
            except OSError:
                pass
            return 0
        where = f"{str(e.filename)[:200]}: " if e.filename else ""
        print(f"{PROG}: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE


def print_lesson(lesson, out) -> int:
    from .plain import render

    ui = lesson.ui()
    for n in range(1, lesson.count + 1):
        out.write(render(lesson.step(n), lesson.count, ui["step_of"], ui["code"]) + "\n")
        out.flush()
    return 0
