"""The lesson: its steps in the notes' order, each computed on first use and kept.

    lesson = Lesson(words)             # cheap: the vocabulary and the titles
    lesson.titles()                    # the step list, in the lesson's language
    lesson.step(3)                     # page.Step: code lines and blocks, from real tensors
    lesson.run_config()                # the settings of the real run the lesson leads to

`step` may be called from a worker thread while the screen calls `titles` and `ui`: the steps are
computed one at a time under a lock, a computed step is answered without waiting for it (`is_ready`
says which are), and what the screen reads without the lock never changes."""

from __future__ import annotations

import threading
from typing import Callable

from ..config import LECTURE_SEED, Config, ConfigError
from ..data import MIN_WORDS, DataError
from .steps_model import data, embedding, network
from .page import START_RUN_KEY, Block, Step
from .state import State
from .words import Words

StepFn = Callable[[State, Words], tuple[tuple[str, ...], tuple[Block, ...]]]


def _steps() -> tuple[tuple[str, StepFn], ...]:
    """(key, function) of every step, in the notes' order."""
    from .steps_data import minibatch, sampling
    from .steps_forward import hidden, loss, shapes
    from .steps_train import backward, loop

    return (
        ("network", network), ("data", data), ("embedding", embedding), ("shapes", shapes), ("hidden", hidden),
        ("loss", loss), ("backward", backward), ("loop", loop), ("minibatch", minibatch), ("sampling", sampling),
    )


STEP_KEYS = ("network", "data", "embedding", "shapes", "hidden", "loss", "backward", "loop", "minibatch", "sampling")
UI_KEYS = ("steps", "next", "back", "start_run", "help", "quit", "computing", "step_of", "code")


class Lesson:
    def __init__(self, words: list[str], *, seed: int = LECTURE_SEED, block_size: int = 3, n_embd: int = 2,
                 n_hidden: int = 100, batch_size: int = 32, lang: str = "en", input_file: str | None = None):
        self.config = Config(seed=seed, block_size=block_size, n_embd=n_embd, n_hidden=n_hidden,
                             batch_size=batch_size).validate()
        if len(words) < MIN_WORDS:
            raise DataError(f"the lesson needs at least {MIN_WORDS} words (to split them 80/10/10), got {len(words)}")
        self.state = State(words, seed=seed, block_size=block_size, n_embd=n_embd, n_hidden=n_hidden,
                           batch_size=batch_size)
        examples = sum(len(self.state.vocab.split(w)) + 1 for w in words)
        if examples < batch_size:
            raise ConfigError(f"the data gives {examples:,} examples, fewer than a batch of {batch_size:,}: "
                              f"give a smaller --batch-size")
        self.words = words
        self.input_file = input_file  # the run's -i (None: the bundled names)
        self.lang = lang
        self.t = Words(lang)
        self._titles = tuple(self.t(f"title.{k}") for k in STEP_KEYS)
        self._ui = {k: self.t.table[f"ui.{k}"] for k in UI_KEYS}  # "step_of" keeps its {fields}
        self._ui["start_run_key"] = START_RUN_KEY
        self._done: dict[int, Step] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_args(cls, argv=None) -> "Lesson":
        """The lesson of `makemore-tui lesson`'s arguments (a list of strings, or the namespace its
        parser gave): its words read as a run reads -i."""
        from .args import lesson_settings, parse

        args = parse(list(argv or ())) if argv is None or isinstance(argv, (list, tuple)) else argv  # None: defaults
        settings = lesson_settings(args)
        return cls(**settings)

    @property
    def count(self) -> int:
        return len(STEP_KEYS)

    def titles(self) -> tuple[str, ...]:
        return self._titles

    def ui(self) -> dict[str, str]:
        """The screen's own words in the lesson's language ("step_of" takes {n} and {count})."""
        return dict(self._ui)

    def is_ready(self, number: int) -> bool:
        """Whether step `number` is computed (step() then answers at once)."""
        return number in self._done

    def step(self, number: int) -> Step:
        if not 1 <= number <= self.count:
            raise ValueError(f"the lesson has steps 1 to {self.count}, not {number}")
        done = self._done.get(number)
        if done is not None:  # computed: no wait, even while a worker computes another step
            return done
        with self._lock:
            if number not in self._done:
                key, fn = _steps()[number - 1]
                code, blocks = fn(self.state, self.t)
                self._done[number] = Step(number, key, self._titles[number - 1], tuple(code), tuple(blocks))
            return self._done[number]

    def run_config(self) -> Config:
        """The settings of the real run step 9 leads to: the seed MLP with the lesson's seed and sizes
        (its input is `input_file`)."""
        return self.config.updated()
