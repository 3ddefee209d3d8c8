"""Property-based tests of the loader, the examples, the split, the argument parsing and the
checkpoint reader: whatever the input, a result that obeys the rules or one clean error."""

from __future__ import annotations

import contextlib
import io
import math
import random
import unicodedata

import pytest
import torch
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui.config import Config, ConfigError
from makemore_tui.data_lines import CONTROLS
from makemore_tui.data import (
    MAX_LINE_CHARS, MIN_WORDS, DataError, Vocab, build_examples, read_words, split_words, words_from_bytes,
    words_from_text,
)

from helpers import loop_examples

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# characters that matter to the loader: letters, the boundary, spaces, line breaks of every kind,
# combining accents, a BOM, NUL, and anything else unicode has
interesting = st.sampled_from(list("abcXYZ .é\u0301\t\r\n\x0b\x0c\x1c\x85\u2028\ufeff\x00😀李"))
texts = st.lists(st.one_of(interesting, st.characters()), max_size=200).map("".join)
lines_of_names = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12), min_size=0,
                          max_size=40)


def expected_words(text: str) -> list[str]:
    return [w for w in (x.strip() for x in unicodedata.normalize("NFC", text).splitlines()) if w]


@SETTINGS
@given(st.one_of(texts, lines_of_names.map("\n".join)))
@example("")
@example("a\nb\nc\nd\ne\nf")
@example("a\nb\nc\nd\ne")
@example("a.b\n" * 10)
def test_words_from_text_obeys_the_rules_or_says_why(text):
    want = expected_words(text)
    ok = len(want) >= MIN_WORDS and all(len(w) <= MAX_LINE_CHARS for w in want)  # '.' is a symbol like any
    ok = ok and not CONTROLS.search(text)  # control characters but tab and line ends are refused
    try:
        got = words_from_text(text)
    except DataError as e:
        assert not ok, (text, str(e))
        assert str(e) and "\n" not in str(e)
        return
    assert ok and got == want
    for w in got:
        assert w == w.strip() and w and not any(c in w for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@SETTINGS
@given(st.binary(max_size=300))
@example(b"\xef\xbb\xbf" + b"a\nb\nc\nd\ne\nf\n")
@example(b"a\r\nb\r\nc\r\nd\r\ne\r\nf\r\n")
def test_words_from_bytes_never_fails_any_other_way(raw):
    try:
        words = words_from_bytes(raw)
    except DataError:
        return
    text = raw.decode("utf-8-sig")
    assert words == expected_words(text)


@SETTINGS
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                        min_size=1, max_size=15), min_size=1, max_size=30),
       st.integers(1, 8))
def test_vectorised_examples_equal_the_loop(words, block_size):
    vocab = Vocab.from_words(words)
    X, Y = build_examples(words, vocab, block_size)
    Xl, Yl = loop_examples(words, vocab, block_size)
    assert torch.equal(X, Xl) and torch.equal(Y, Yl)


@SETTINGS
@given(st.lists(st.integers(0, 50).map(str), max_size=120), st.integers(0, 2**32))
def test_split_is_a_partition_in_lecture_order(words, seed):
    tr, dev, te = split_words(words, seed)
    ref = list(words)
    random.Random(seed).shuffle(ref)
    assert tr + dev + te == ref
    n = len(words)
    assert (len(tr), len(dev)) == (int(0.8 * n), int(0.9 * n) - int(0.8 * n))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines_of_names.filter(lambda w: len(w) >= MIN_WORDS), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(),
       st.booleans())
def test_files_round_trip_whatever_the_line_endings(tmp_path, words, eol, bom, trailing):
    p = tmp_path / "w.txt"
    body = eol.join(f"  {w} " for w in words) + (eol if trailing else "")
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode())
    assert read_words(p) == words


# ---- the command line ----------------------------------------------------------------------------------

INT_FLAGS = {"--block-size": "block_size", "--n-embd": "n_embd", "--n-embd2": "n_hidden", "--n-layer": "n_layer",
             "--n-head": "n_head", "--batch-size": "batch_size", "--max-steps": "max_steps", "--seed": "seed",
             "--eval-every": "eval_every", "--log-every": "log_every", "--warmup-steps": "warmup_steps"}
FLOAT_FLAGS = {"--learning-rate": "learning_rate", "--weight-decay": "weight_decay", "--min-lr": "min_lr"}
OTHER_FLAGS = ["--threads", "--num-samples", "--temperature", "--top-k", "--save-every"]

number_texts = st.one_of(
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1e4, 1e4).map(lambda x: f"{x:g}"),
    st.sampled_from(["0", "-0", "1e3", "1_000", "nan", "inf", "-inf", "1e309", "0x10", "", " 5", "5 ", "1.0", "2.5",
                     "+7", "--", "1e-300", "9" * 400]),
    st.text(max_size=12),
)


def _parse(argv):
    args = cli.build_parser().parse_args(argv)
    cli.check_sampling_args(args)
    return args, cli.config_from_args(args)


@SETTINGS
@given(st.sampled_from(sorted({**INT_FLAGS, **FLOAT_FLAGS})), number_texts)
def test_each_setting_is_valid_or_refused(flag, text):
    field = {**INT_FLAGS, **FLOAT_FLAGS}[flag]
    try:
        args, cfg = _parse([f"{flag}={text}"])
    except (cli.UsageError, ConfigError) as e:
        assert str(e) and "\n" not in str(e)
        return
    value = getattr(cfg, field)
    assert cfg.validate() is cfg  # what was accepted is a usable setting
    assert math.isfinite(value) and value == float(text.replace("_", ""))
    if flag in INT_FLAGS:
        assert isinstance(value, int) and not isinstance(value, bool)


@SETTINGS
@given(st.sampled_from(OTHER_FLAGS), number_texts)
def test_other_numbers_are_valid_or_refused(flag, text):
    try:
        args, _ = _parse([f"{flag}={text}"])
    except (cli.UsageError, ConfigError) as e:
        assert str(e) and "\n" not in str(e)
        return
    value = getattr(args, flag[2:].replace("-", "_"))
    assert math.isfinite(value) and value == float(text.replace("_", ""))
    assert value > 0 or flag == "--save-every" and value == 0


TEXT_FLAGS = ["-i", "--prefix", "--preset", "--type", "--device", "--optimizer", "--lr-schedule", "--init"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(sorted({**INT_FLAGS, **FLOAT_FLAGS}) + OTHER_FLAGS + TEXT_FLAGS), min_size=1,
                max_size=4),
       st.lists(st.one_of(number_texts, st.text(max_size=8)), min_size=4, max_size=4))
def test_main_never_fails_with_more_than_one_line(flags, values):
    argv = ["--sample-only", "-o", "/nonexistent/work/dir"] + [f"{f}={v}" for f, v in zip(flags, values)]
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        rc = cli.main(argv)
    assert rc == 2 and out.getvalue() == ""
    e = err.getvalue()
    assert e.count("\n") == 1 and e.startswith("makemore-tui: error: "), e


# ---- the checkpoint reader -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_checkpoint(tmp_path_factory):
    from helpers import make_words, tiny_config
    from makemore_tui.data import make_dataset
    from makemore_tui.trainer import Trainer

    work = tmp_path_factory.mktemp("ck")
    data = make_dataset(make_words(), 3)
    t = Trainer(tiny_config(max_steps=5), data)
    t.run()
    ckpt.save(work, t.cfg, data.vocab, t.state_dict())
    return (work / ckpt.CHECKPOINT).read_bytes()


def _load_bytes(tmp_path, blob: bytes):
    p = tmp_path / "model.pt"
    p.write_bytes(blob)
    return ckpt.load(p)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_any_bytes_are_refused_cleanly(tmp_path, blob):
    with pytest.raises(ckpt.CheckpointError):
        _load_bytes(tmp_path, blob)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_checkpoints_load_whole_or_are_refused(tmp_path, good_checkpoint, data):
    blob = bytearray(good_checkpoint)
    kind = data.draw(st.sampled_from(["truncate", "flip", "splice"]))
    if kind == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] ^= data.draw(st.integers(1, 255))
    else:
        i = data.draw(st.integers(0, len(blob)))
        blob[i:i] = data.draw(st.binary(min_size=1, max_size=64))
    assume(bytes(blob) != good_checkpoint)
    try:
        payload = _load_bytes(tmp_path, bytes(blob))
    except ckpt.CheckpointError as e:
        assert str(e) and "\n" not in str(e)
        return
    # loaded: then it is a whole, well-formed checkpoint (a flip inside a tensor's bytes is not detectable)
    assert isinstance(payload["config"], Config) and isinstance(payload["vocab"], Vocab)
    assert isinstance(payload["state"]["model"], dict)
