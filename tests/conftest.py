"""Shared fixtures for the engine's tests: small word lists, tiny configs, a helper to train."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
import torch

from makemore_tui.config import Config
from makemore_tui.data import make_dataset

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "names.txt"

_SYLLABLES = ["an", "na", "el", "li", "ma", "ri", "jo", "sa", "ka", "be", "th", "ya", "le", "on", "is", "ev",
              "da", "mi", "ro", "ch", "ze", "qu", "ix", "ul", "fa", "go", "wy", "ph"]


def make_words(n: int = 300, seed: int = 0) -> list[str]:
    """Name-like words over a-z (every letter appears), deterministic for a seed."""
    r = random.Random(seed)
    words = ["".join(r.choice(_SYLLABLES) for _ in range(r.randint(1, 4))) for _ in range(n)]
    words[0] = "abcdefghijklmnopqrstuvwxyz"  # the whole alphabet, so the vocabulary has 27 symbols
    return words


@pytest.fixture
def words() -> list[str]:
    return make_words()


@pytest.fixture
def words_file(tmp_path, words) -> Path:
    p = tmp_path / "words.txt"
    p.write_text("\n".join(words) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def names_path() -> Path:
    """The makemore names list beside the project (../shared/data/names.txt); skips when absent."""
    if not NAMES.is_file():
        pytest.skip(f"{NAMES} is not present")
    return NAMES


def tiny_config(**changes) -> Config:
    base = dict(block_size=3, n_embd=4, n_hidden=16, batch_size=16, learning_rate=0.1, max_steps=200,
                eval_every=0, log_every=10, seed=1234)
    return Config(**{**base, **changes})


@pytest.fixture
def tiny_data(words):
    return make_dataset(words, 3)


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread_session():
    """Tiny matrices: a second thread only adds hand-off cost (and the cores are shared)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    yield
    torch.set_num_threads(1)  # cli.main sets its own count


def subprocess_env() -> dict:
    """The environment for `python -m makemore_tui` in a child: this checkout's sources first."""
    return {**os.environ, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}


PYTHON = sys.executable
