"""Marking sampled names new, real or known costs memory bounded by a block of words, not by the
word list (issue 23): on ten times more training words the end-of-run samples must not allocate
ten times more. Measured with tracemalloc (numpy's arrays and Python's objects are traced) around
the run's own sampling call, with the block of words read at a time made small, so that both lists
span many blocks."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from makemore_tui import splits
from makemore_tui.config import preset
from makemore_tui.data import make_dataset
from makemore_tui.run import open_run
from makemore_tui.sampling import sample

BLOCK = 2048  # words read at a time (splits.GATHER_WORDS), small so both lists are many blocks


def pseudo_words(n: int, seed: int) -> list[str]:
    """n distinct pseudo-words of 4 to 12 letters, the alphabet first (27 symbols either way)."""
    r = random.Random(seed)
    words = {"abcdefghijklmnopqrstuvwxyz": None}
    while len(words) < n:
        words["".join(r.choices("abcdefghijklmnopqrstuvwxyz", k=r.randint(4, 12)))] = None
    return list(words)


def sampling_peak(tmp_path, n_words: int) -> tuple[int, list]:
    """Bytes allocated at the peak of the run's end-of-run sampling (names marked new, real, known)."""
    words = pseudo_words(n_words, seed=5)
    path = tmp_path / f"words-{n_words}.txt"
    path.write_text("\n".join(words) + "\n")
    run = open_run(preset("seed", max_steps=1), str(path), tmp_path / f"w{n_words}")
    try:
        # warm-up: the model's first call allocates its own caches (the words are not looked at)
        sample(run.trainer.model, run.data.vocab, run.cfg.block_size, n=8, seed=1)
        tracemalloc.start()
        try:
            names = run.sample_here(n=8, seed=2)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        run.close()
    return peak, names


def test_marking_samples_allocates_memory_bounded_by_a_block_not_by_the_list(tmp_path, monkeypatch):
    monkeypatch.setattr(splits, "GATHER_WORDS", BLOCK)
    small, _ = sampling_peak(tmp_path, 20_000)
    large, names = sampling_peak(tmp_path, 200_000)
    assert len(names) == 8
    # 10x the words: a per-word index or string set would allocate about 10x (megabytes); a pass over
    # blocks of BLOCK words allocates the same few arrays of a block on either list
    assert large < 2 * small + 256 * 1024, (small, large)
    assert large < 4 << 20, large


@pytest.mark.parametrize("repeat", [1, 50])
def test_marks_match_the_words_of_each_split(repeat):
    """known / held_out say exactly what membership in the splits' words says, for distinct words
    and for a list of few words repeated many times (most names then in every split)."""
    words = pseudo_words(400, seed=3) if repeat == 1 else ["ann", "bob", "abcdefghijklmnopqrstuvwxyz"] * repeat
    data = make_dataset(words, 3)
    train = set(data.split_words["train"])
    held = set(data.split_words["dev"]) | set(data.split_words["test"])
    probes = list(train)[:40] + list(held)[:40] + ["", "zzzzzzzzzzzzzzzzzzzz", "an", "annn", "bo", "A", "a b"]
    assert data.known(probes) == [p in train for p in probes]
    assert data.held_out(probes) == [p in held for p in probes]
    assert [data.is_known(p) for p in probes] == [p in train for p in probes]


def test_split_words_are_decoded_when_asked_for_and_in_bounded_ranges():
    words = pseudo_words(300, seed=4)
    data = make_dataset(words, 3)
    train = data.split_words["train"]
    assert data.split_words["train"] is not train  # decoded anew: no list of every word is kept
    assert train == data.split_words["train"] and sorted(data.words) == sorted(words)
    split = data.splits["train"]
    assert split.decode(data.vocab.itos, 10, 20) == train[10:20]
    assert split.decode(data.vocab.itos, 230, 10_000) == train[230:]
    assert set(data.split_words) == {"train", "dev", "test"} and len(data.split_words) == 3
