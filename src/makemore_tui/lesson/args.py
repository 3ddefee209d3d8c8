"""`makemore-tui lesson`'s arguments: the run's input and sizes (the same flags and number types as
the main command), the language, and --plain. A usage error raises argtypes.UsageError."""

from __future__ import annotations

import argparse

from ..argtypes import INT, Parser
from ..config import LECTURE_SEED
from .words import LANGS, lang_from_env

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
    p.add_argument("--seed", type=INT, default=None, help=f"seeds the weights and the batches (default {LECTURE_SEED})")
    p.add_argument("--block-size", type=INT, default=None, help="context length: characters the model sees (default 3)")
    p.add_argument("--n-embd", type=INT, default=None, help="embedding size, columns of C (default 2)")
    p.add_argument("--n-embd2", "--n-hidden", dest="n_embd2", type=INT, default=None, help="hidden layer size (default 100)")
    p.add_argument("--batch-size", "-b", type=INT, default=None, help="examples in a batch (default 32)")
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

    sizes = {"block_size": args.block_size, "n_embd": args.n_embd, "n_hidden": args.n_embd2,
             "batch_size": args.batch_size}
    for name, value in sizes.items():
        if value is not None and value > LIMITS[name]:
            raise ConfigError(f"{name} must be at most {LIMITS[name]:,} in the lesson, got {value:,}")
    settings = {k: v for k, v in sizes.items() if v is not None}
    if args.seed is not None:
        settings["seed"] = args.seed
    words = read_words(bundled_dataset() if args.input_file is None else args.input_file)
    return {**settings, "words": words, "lang": args.lang or lang_from_env(), "input_file": args.input_file}
