import random

import pytest
import torch

from makemore_tui.data import (
    BOUNDARY, MIN_WORDS, DataError, Vocab, build_examples, load_dataset, make_dataset, read_words, split_words,
    words_from_text,
)

from helpers import loop_examples


def test_vocab_of_names_is_27_symbols_with_boundary_first(names_path):
    words = read_words(names_path)
    v = Vocab.from_words(words)
    assert len(v) == 27
    assert v.itos[0] == BOUNDARY == "."
    assert v.stoi["."] == 0 and v.stoi["a"] == 1 and v.stoi["z"] == 26
    assert "".join(v.itos[1:]) == "abcdefghijklmnopqrstuvwxyz"


def test_vocab_of_small_list(words):
    v = Vocab.from_words(words)
    assert len(v) == 27 and v.itos[0] == "."
    assert v.decode(v.encode("emma")) == "emma"
    with pytest.raises(DataError, match="not in the vocabulary"):
        v.encode("é")


@pytest.mark.parametrize("block_size", [1, 2, 3, 5, 8])
def test_vectorised_examples_equal_the_loop(words, block_size):
    v = Vocab.from_words(words)
    X, Y = build_examples(words, v, block_size)
    Xl, Yl = loop_examples(words, v, block_size)
    assert X.dtype == torch.long and Y.dtype == torch.long
    assert X.shape == (sum(len(w) + 1 for w in words), block_size)
    assert torch.equal(X, Xl) and torch.equal(Y, Yl)


@pytest.mark.parametrize("block_size", [1, 3, 4])
def test_vectorised_examples_equal_the_loop_beyond_ascii(block_size):
    words = ["Zoë", "José María", "李小龍", "a", "😀x😀", "ÅSA", "x" * 30]
    v = Vocab.from_words(words)
    X, Y = build_examples(words, v, block_size)
    Xl, Yl = loop_examples(words, v, block_size)
    assert torch.equal(X, Xl) and torch.equal(Y, Yl)


def test_examples_of_names_equal_the_loop(names_path):
    words = read_words(names_path)[:3000]
    v = Vocab.from_words(words)
    X, Y = build_examples(words, v, 3)
    Xl, Yl = loop_examples(words, v, 3)
    assert torch.equal(X, Xl) and torch.equal(Y, Yl)


def test_split_is_lecture_shuffle_80_10_10(words):
    tr, dev, te = split_words(words)
    ref = list(words)
    random.Random(42).shuffle(ref)
    n1, n2 = int(0.8 * len(ref)), int(0.9 * len(ref))
    assert (tr, dev, te) == (ref[:n1], ref[n1:n2], ref[n2:])
    assert words == words[:]  # the caller's list is not shuffled in place
    other = split_words(words, seed=7)[0]
    assert other != tr


def test_names_split_sizes(names_path):
    d = load_dataset(names_path, 3)
    n = len(d.words)
    assert [len(d.split_words[k]) for k in ("train", "dev", "test")] == [int(0.8 * n), int(0.9 * n) - int(0.8 * n),
                                                                         n - int(0.9 * n)]
    ref = list(d.words)
    random.Random(42).shuffle(ref)
    assert d.split_words["dev"] == ref[int(0.8 * n):int(0.9 * n)]
    X, Y = d.splits["train"]
    assert X.shape[0] == Y.shape[0] == sum(len(w) + 1 for w in d.split_words["train"])


def test_dataset_known_words_are_the_training_split(tiny_data):
    tr = tiny_data.split_words["train"]
    dev_only = [w for w in tiny_data.split_words["dev"] if w not in set(tr)]
    assert all(tiny_data.is_known(w) for w in tr[:20])
    assert dev_only and not any(tiny_data.is_known(w) for w in dev_only)


def test_read_words_strips_and_drops_blank_lines(tmp_path):
    p = tmp_path / "w.txt"
    p.write_text("  emma \n\n olivia\n\t\nava\nmia\nzoe\nleo\n", encoding="utf-8")
    assert read_words(p) == ["emma", "olivia", "ava", "mia", "zoe", "leo"]


def test_minimum_words_is_what_the_split_needs():
    for n in range(1, 12):
        text = "\n".join(f"w{chr(97 + i)}" for i in range(n))
        if n < MIN_WORDS:
            with pytest.raises(DataError, match=f"at least {MIN_WORDS}"):
                words_from_text(text)
        else:
            words = words_from_text(text)
            assert all(split_words(words)), n  # no split is empty
    tr, dev, te = split_words([str(i) for i in range(MIN_WORDS - 1)])
    assert not (tr and dev and te)  # one fewer really does leave a split empty


def test_make_dataset_with_a_given_vocab_refuses_unknown_characters(words):
    v = Vocab.from_words(["abc"])
    with pytest.raises(DataError, match="vocabulary lacks"):
        make_dataset(words, 3, vocab=v)


def test_only_regular_files_of_a_bounded_size_are_read(tmp_path, monkeypatch):
    import os

    from makemore_tui import data as data_mod
    from makemore_tui.data import DataError, read_words

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # no writer: opening it would wait forever
    for path, why in ((fifo, "not a regular file"), ("/dev/zero", "not a regular file"),
                      (tmp_path / ("n" * 300), "cannot be read"), (tmp_path / "none" / "x.txt", "does not exist")):
        with pytest.raises(DataError, match=why):
            read_words(path)
    big = tmp_path / "big.txt"
    big.write_text("anna\nbob\n" * 100)
    monkeypatch.setattr(data_mod, "MAX_INPUT_BYTES", 500)
    with pytest.raises(DataError, match="more than"):
        read_words(big)


@pytest.mark.parametrize("which", ["/dev/zero", "/dev/urandom", "fifo", "long name"])
def test_unusable_input_paths_end_in_one_line_in_a_real_process(tmp_path, which):
    import os
    import subprocess

    from helpers import PYTHON, subprocess_env

    path = {"fifo": tmp_path / "pipe", "long name": tmp_path / ("n" * 300)}.get(which, which)
    if which == "fifo":
        os.mkfifo(path)
    p = subprocess.run([PYTHON, "-m", "makemore_tui", "--headless", "-i", str(path), "-o", str(tmp_path / "w")],
                       capture_output=True, text=True, env=subprocess_env(), timeout=60)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("makemore-tui: error: "), p.stderr
