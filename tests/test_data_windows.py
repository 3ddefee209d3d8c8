"""Word lists as flat arrays of token ids (splits.Split), windows cut when a batch is drawn (issue 16):
the cut windows equal the materialised ones for any list and block size, every model type trains on
the very batches it trained on when every window was built up front, the streaming loader gives what
reading the whole file gave, and memory follows the text, not the text times the block size."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from makemore_tui import data as data_mod
from makemore_tui.config import preset
from makemore_tui.data import DataError, Vocab, load_dataset, make_dataset, read_words, split_words
from makemore_tui.models import names as type_names
from makemore_tui.splits import shuffled_order, token_dtype
from makemore_tui.trainer import Trainer

from helpers import loop_examples, make_words

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
word_lists = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                              min_size=1, max_size=14), min_size=1, max_size=25)


def materialised(words: list[str], vocab: Vocab, block_size: int):
    """Every window of the words, as the lecture's loop builds them (what the engine kept before)."""
    return loop_examples(words, vocab, block_size)


# ---- the windows ------------------------------------------------------------------------------------

@SETTINGS
@given(word_lists, st.integers(1, 12), st.integers(0, 2**31))
def test_windows_cut_on_the_fly_equal_the_materialised_ones(words, block_size, seed):
    vocab = Vocab.from_words(words)
    d = make_dataset(words * 6, block_size, vocab=vocab)  # (6 copies: every split non-empty)
    for name, split in d.splits.items():
        X, Y = materialised(d.split_words[name], vocab, block_size)
        assert split.examples == X.shape[0] and split.n_words == len(d.split_words[name])
        g = torch.Generator().manual_seed(seed)
        ix = torch.randint(0, split.examples, (50,), generator=g)
        Xc, Yc = split.windows(ix)
        assert Xc.dtype == Yc.dtype == torch.long
        assert torch.equal(Xc, X[ix]) and torch.equal(Yc, Y[ix])
        ends = (Y == 0).nonzero().squeeze(1)  # the windows that end a word, in order
        w = torch.randint(0, split.n_words, (20,), generator=g)
        assert torch.equal(split.word_windows(w), X[ends[w]])
        text = d.split_words[name]
        assert Y[split.targets_of(w)].tolist() == [c for i in w.tolist() for c in (*vocab.encode(text[i]), 0)]
        Xa, Ya = split  # every window at once, as the lecture's code reads a split
        assert torch.equal(Xa, X) and torch.equal(Ya, Y)
        head = split.head(7)
        assert head.examples >= min(7, split.examples) and torch.equal(head.X, X[: head.examples])


SMALL = {  # small versions of each type's preset: a step takes milliseconds
    "mlp": dict(n_embd=4, n_hidden=16), "bigram": dict(), "mlp-bn": dict(n_embd=6, n_hidden=24),
    "wavenet": dict(n_embd=8, n_hidden=16), "rnn": dict(n_embd=8, n_hidden=16), "gru": dict(n_embd=8, n_hidden=16),
    "transformer": dict(n_embd=16, n_layer=1, n_head=2), "bow": dict(n_embd=8, n_hidden=16),
}


def test_small_covers_every_type():
    assert set(SMALL) == set(type_names())


@pytest.mark.parametrize("kind", sorted(SMALL))
@pytest.mark.parametrize("block_size", [None, 3])
def test_every_model_type_draws_the_batches_it_drew_from_materialised_windows(kind, block_size):
    """The trainer's batches, chunk after chunk, equal those of the engine that built every window up
    front: a random row of the train windows (of those that end a word, for a sequence model)."""
    if kind == "bigram" and block_size:
        block_size = 1
    if kind == "wavenet" and block_size:
        block_size = 8
    cfg = preset(kind if kind != "mlp" else "seed", **SMALL[kind], batch_size=24, max_steps=50, eval_every=0,
                 seed=11, **({"block_size": block_size} if block_size else {})).validate()
    data = make_dataset(make_words(300, seed=4), cfg.block_size)
    t = Trainer(cfg, data)
    t.chunk = 7  # several chunks in a few steps
    X, Y = data.splits["train"]
    if getattr(t.model, "trains_on_words", False):
        X, Y = X[Y == 0], Y[Y == 0]
    g = torch.Generator().manual_seed(cfg.seed)
    for step in range(30):
        if step % t.chunk == 0:
            ix = torch.randint(0, X.shape[0], (t.chunk * cfg.batch_size,), generator=g)
            Xc, Yc = X[ix], Y[ix]
        j = (step % t.chunk) * cfg.batch_size
        xb, yb = t._batch(step)
        assert torch.equal(xb, Xc[j : j + cfg.batch_size]) and torch.equal(yb, Yc[j : j + cfg.batch_size]), step


# ---- the split --------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 2**40))
def test_the_fast_shuffle_is_the_library_shuffle(n, seed):
    ref = list(range(n))
    random.Random(seed).shuffle(ref)
    assert shuffled_order(n, seed).tolist() == ref


def test_names_are_split_as_the_lecture_splits_them(names_path):
    words = read_words(names_path)
    d = load_dataset(names_path, 3)
    ref = list(words)
    random.Random(42).shuffle(ref)
    n1, n2 = int(0.8 * len(ref)), int(0.9 * len(ref))
    assert d.split_words["train"] == ref[:n1] and d.split_words["test"] == ref[n2:]
    assert d.words == words
    assert split_words(words) == (ref[:n1], ref[n1:n2], ref[n2:])


# ---- the streaming loader ---------------------------------------------------------------------------

def _write(tmp_path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_reading_in_small_pieces_gives_what_reading_the_whole_file_gives(tmp_path, monkeypatch, eol):
    words = make_words(3000, seed=8)
    words[5:9] = ["Zoë", "José María", "李娜", "mia 😀"]
    text = "\ufeff  " + eol.join(f" {w} " if i % 7 else w for i, w in enumerate(words)) + eol + eol
    path = _write(tmp_path, "w.txt", text.encode())
    whole = make_dataset(words, 4)
    monkeypatch.setattr(data_mod, "READ_PIECE", 97)  # pieces cut inside lines, inside \r\n pairs
    assert read_words(path) == words
    d = load_dataset(path, 4)
    assert d.vocab == whole.vocab
    for k in ("train", "dev", "test"):
        assert torch.equal(d.splits[k].tokens, whole.splits[k].tokens)
        assert torch.equal(d.splits[k].starts, whole.splits[k].starts)


def test_errors_name_the_place_in_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "READ_PIECE", 64)
    lines = [f"word{chr(97 + i % 26)}" for i in range(200)]
    bad = list(lines)
    bad[120], bad[150] = "x" * 1500, "y" * 1001
    with pytest.raises(DataError, match=r"2 lines cannot be used: 2 are too long \(at most 1,000\): "
                                        r"line 121 \(1,500 characters\) 'x+…', line 151 \(1,001 characters\) 'y+…'"):
        load_dataset(_write(tmp_path, "long.txt", "\n".join(bad).encode()), 3)
    raw = "\n".join(lines).encode()
    at = raw.index(b"\n", 1000) + 1  # the start of a line far into the file
    line = raw.count(b"\n", 0, at) + 1
    with pytest.raises(DataError, match=f"NUL bytes \\(first at line {line}\\)"):
        load_dataset(_write(tmp_path, "nul.txt", raw[:at] + b"\x00" + raw[at:]), 3)
    with pytest.raises(DataError, match=f"bad byte 0xff at line {line}, byte offset {at + 3:,}"):
        load_dataset(_write(tmp_path, "bad.txt", b"\xef\xbb\xbf" + raw[:at] + b"\xff" + raw[at:]), 3)


def test_the_smallest_integer_type_that_holds_the_vocabulary():
    assert token_dtype(27) == token_dtype(256) == torch.uint8
    assert token_dtype(257) == token_dtype(32768) == torch.int16
    assert token_dtype(32769) == torch.int32
    chars = [chr(0x4E00 + i) for i in range(300)]
    words = ["".join(chars[i:i + 3]) for i in range(0, 300, 3)] * 3
    d = make_dataset(words, 3)
    assert len(d.vocab) == 301 and d.splits["train"].tokens.dtype == torch.int16
    X, _ = d.splits["train"]
    assert int(X.max()) > 255  # ids above a byte survive the cut


def test_memory_follows_the_text_not_the_text_times_the_block_size(tmp_path):
    r = random.Random(1)
    words = ["".join(r.choices("abcdefghijklmnopqrstuvwxyz", k=r.randint(2, 12))) for _ in range(20_000)]
    chars = sum(map(len, words))
    for block_size in (3, 16, 64):
        d = make_dataset(words, block_size)
        held = sum(s.tokens.nbytes + s.starts.nbytes for s in d.splits.values())
        # one byte a character and its end token, and 8 bytes a word where it starts
        assert held == (chars + len(words)) + 8 * (len(words) + 3), block_size


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcé李", min_size=1, max_size=6), min_size=10, max_size=60),
       st.lists(st.text(alphabet="abcé李x", min_size=0, max_size=7), max_size=20))
def test_known_words_are_exactly_the_training_split(words, probes):
    d = make_dataset(words, 3)
    train = set(d.split_words["train"])
    for w in [*probes, *words[:10]]:
        assert d.is_known(w) == (w in train), w


def test_a_split_cut_on_a_device_gives_the_same_windows():
    d = make_dataset(make_words(200), 5)
    s = d.splits["dev"]
    same = s.to("cpu")
    assert same is s  # nothing copied where it already is
    ix = torch.arange(0, s.examples, 3)
    assert torch.equal(s.windows(ix)[0], s.X[ix])
    assert np.array_equal(s.tokens.numpy(), s.Y.numpy())
