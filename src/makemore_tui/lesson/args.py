"""`makemore-tui lesson`'s arguments: the run's input and sizes (the same flags and number types as
the main command), the language, and --plain. A usage error raises argtypes.UsageError."""

from __future__ import annotations

import argparse

from ..argtypes import Parser, add_setting
from ..settings import SETTINGS, setting
from .words import LANGS, lang_from_env

SIZES = tuple(s.name for s in SETTINGS if s.lesson)  # the settings the lesson takes (Lesson's keywords)
# The lesson computes every step on the spot, so its sizes stay where a step answers at once.
LIMITS = {"block_size": 64, "n_embd": 1024, "n_hidden": 4096, "batch_size": 4096}


def build_parser() -> Parser:
    p = Parser(
        prog="makemore-tui lesson",
        description="The network, step by step, on the real tensors of a run on your data: the layers, the "
        "data as numbers, the embedding, the shapes error, the hidden layer, the loss, the backward pass, "
        "the training loop, minibatches and sampling.",
    )
    p.add_argument("--input-file", "-i", default=None, help="one item a line, UTF-8 (default: the bundled names)")
    for name in SIZES:  # the run's own flags, from the settings table
        add_setting(p, setting(name))
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="the lesson's language: en or it (default: Italian when LANG is it_*, else English)")
    p.add_argument("--plain", action="store_true", help="print every step as text and exit")
    p.add_argument("--theme", default=None, help="the app's colour theme (see themes/)")
    return p


def parse(argv) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def lesson_settings(args: argparse.Namespace) -> dict:
    """Lesson(**settings): the words read from -i (as a run reads them) and the sizes. Raises
    ConfigError or DataError."""
    from ..config import ConfigError
    from ..data import bundled_dataset, read_words

    settings = {name: getattr(args, name) for name in SIZES if getattr(args, name) is not None}
    for name, value in settings.items():
        if name in LIMITS and value > LIMITS[name]:
            raise ConfigError(f"{name} must be at most {LIMITS[name]:,} in the lesson, got {value:,}")
    words = read_words(bundled_dataset() if args.input_file is None else args.input_file)
    return {**settings, "words": words, "lang": args.lang or lang_from_env(), "input_file": args.input_file}
