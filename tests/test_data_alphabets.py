"""Real word lists in their own alphabets: dots, spaces, apostrophes, hyphens and capitals.

The boundary token (index 0) is no character of the data: it is shown by its mark, '.' for data
without dots (names, whose screens stay as they were) and another visible mark when the data has a
'.'. Lists of places and people train, sample in their own alphabet, save and resume; the next-char
and embedding views, the shapes notes and --sample-only show or accept the data's own symbols. And a
file with lines that cannot be used says how many and shows the first few."""

from __future__ import annotations

import random
import re

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui import data as data_mod
from makemore_tui import events as ev
from makemore_tui.data import (
    BOUNDARY_MARKS, SPACE_MARK, DataError, Vocab, boundary_mark, load_dataset, make_dataset, read_words,
)
from makemore_tui.insight.confusion import confusion
from makemore_tui.insight.embedding import embedding_map
from makemore_tui.insight.nextchar import next_char
from makemore_tui.insight.render import show_char
from makemore_tui.run import load_for_sampling, open_run

from helpers import one_error_line, tiny_config, write_file
from helpers_app import finished, make_app, run_async, wait_for, wait_for_text

_FIRST = ["St.", "Mt.", "Ft.", "H.-", "J.", "O'", "D'", "Mc", "Van ", "Le ", "La ", "", "", ""]
_STEMS = ["Louis", "Vernon", "Dieter", "Brien", "Angelo", "Paul", "Worth", "Anne", "Marie", "Kay", "Rock",
          "Wayne", "Bay", "Pierre", "Hill", "Ruth", "Jean", "Lake"]


def place_names(n: int = 400, seed: int = 3) -> list[str]:
    """Names of places and people as city and person lists have them: 'St. Louis', 'H.-Dieter',
    "O'Brien", 'Van Wayne'."""
    r = random.Random(seed)
    words = ["St. Louis", "H.-Dieter", "Mt. Vernon", "O'Brien", "New York"]
    while len(words) < n:
        w = r.choice(_FIRST) + r.choice(_STEMS)
        words.append(w + (r.choice(["", " City", "ville", ".", " Jr."]) if r.random() < 0.3 else ""))
    return words


@pytest.fixture
def places(tmp_path):
    return write_file(tmp_path, "places.txt", "\n".join(place_names()) + "\n")


# ---- the mark ------------------------------------------------------------------------------------

def test_the_mark_is_a_dot_unless_the_data_has_one():
    assert Vocab.from_words(["emma", "olivia"]).mark == "." == Vocab.from_words(["emma"]).itos[0]
    v = Vocab.from_words(["St. Louis", "O'Brien"])  # a dot and a space (shown as SPACE_MARK)
    assert v.mark not in v.symbols and v.mark != SPACE_MARK and v.mark == "¤"
    assert Vocab.from_words(["H.-Dieter"]).mark == "·"  # no space: the middle dot is free
    assert v.stoi["."] != 0 and v.itos[v.stoi["."]] == "."  # the data's dot is a symbol like any
    assert v.encode("St. L")[2] == v.stoi["."] and 0 not in v.encode("St. Louis")
    every = "".join(BOUNDARY_MARKS) + " "
    m = boundary_mark(every)
    assert m not in every and len(m) == 1  # all taken: a private-use character
    with pytest.raises(DataError, match="boundary mark"):
        Vocab((".", "a", "."))  # a checkpoint whose mark is one of its symbols


def test_a_list_with_dots_loads_and_its_vocabulary_holds_them(places):
    d = load_dataset(places, 3)  # refused before: '.' was the start/end token
    words = place_names()
    assert sorted(d.words) == sorted(words)
    assert set(d.vocab.symbols) == set("".join(words)) and {".", " ", "'", "-", "S"} <= set(d.vocab.symbols)
    assert d.vocab.mark not in "".join(words)
    assert d.is_known("St. Louis") or "St. Louis" in d.split_words["dev"] + d.split_words["test"]
    assert not d.is_known(d.vocab.mark)  # the mark is no word's character
    assert f"the start/end token is shown as {d.vocab.mark!r} instead" in " ".join(d.notices)
    assert not any("start/end" in n for n in make_dataset(["emma", "ava"] * 5, 3).notices)


def test_headless_says_which_mark_the_boundary_has(tmp_path, places, capsys):
    assert cli.main(["--headless", "-i", str(places), "-o", str(tmp_path / "o"), "--max-steps", "3"]) == 0
    err = capsys.readouterr().err
    assert "note: some items contain '.', a symbol like any other: the start/end token is shown as '¤'" in err


def test_a_data_dot_is_never_the_boundary_of_an_older_vocabulary(places):
    names_vocab = Vocab.from_words(["abc"])  # a checkpoint of names: '.' is its boundary's mark
    with pytest.raises(DataError, match="lacks"):
        load_dataset(places, 3, vocab=names_vocab)


# ---- training, sampling, saving and resuming -----------------------------------------------------

def _in_alphabet(samples, vocab):
    for s in samples:
        assert set(s.text) <= set(vocab.symbols), s.text
        assert vocab.mark not in s.text


@pytest.mark.parametrize("kind", ["mlp", "transformer"])
def test_train_sample_save_and_resume_in_the_data_alphabet(tmp_path, places, kind):
    extra = dict(type="transformer", n_embd=8, n_layer=1, n_head=2, block_size=16, learning_rate=3e-3) \
        if kind == "transformer" else {}
    cfg = tiny_config(max_steps=40, **extra).validate()
    run = open_run(cfg, str(places), tmp_path / "w", save_every_s=0)
    vocab = run.data.vocab
    run.trainer.run()
    assert run.trainer.step == 40
    samples = run.sample(n=60, seed=0)
    _in_alphabet(samples, vocab)
    assert sum(s.ended for s in samples) > 0
    for s in run.sample(n=10, seed=1, prefix="St."):  # a prefix with the data's dot
        assert s.text.startswith("St.")
    with pytest.raises(DataError, match="start/end token"):  # the mark would end every name at once
        run.sample(n=2, prefix="St" + vocab.mark)
    run.save_checkpoint()
    run.close()
    payload = ckpt.load(tmp_path / "w")
    assert payload["vocab"] == vocab and payload["vocab"].mark == vocab.mark != "."
    resumed = open_run(cfg, str(places), tmp_path / "w", resume=True, save_every_s=0, max_steps=60)
    assert resumed.trainer.step == 40 and resumed.data.vocab == vocab
    resumed.trainer.run()
    assert resumed.trainer.step == 60
    _in_alphabet(resumed.sample(n=30, seed=2), vocab)
    resumed.save_checkpoint()
    resumed.close()
    model, v, _ = load_for_sampling(tmp_path / "w")
    assert v == vocab


def test_a_checkpoint_whose_mark_is_one_of_its_symbols_is_refused(tmp_path, places):
    run = open_run(tiny_config(max_steps=2).validate(), str(places), tmp_path / "w", save_every_s=0)
    run.trainer.run()
    path = run.save_checkpoint() and ckpt.checkpoint_path(tmp_path / "w")
    run.close()
    payload = torch.load(path, weights_only=True)
    payload["vocab"][0] = "."  # the boundary's mark made the data's dot
    torch.save(payload, path)
    with pytest.raises(ckpt.CheckpointError, match="malformed vocabulary"):
        ckpt.load(tmp_path / "w")


def test_sample_only_takes_a_prefix_with_the_data_dot_and_refuses_the_mark(tmp_path, places, capsys):
    work = tmp_path / "w"
    assert cli.main(["--headless", "-i", str(places), "-o", str(work), "--max-steps", "30"]) == 0
    capsys.readouterr()
    assert cli.main(["--sample-only", "-o", str(work), "--prefix", "Mt.", "--num-samples", "5", "--seed", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5 and all(x.startswith("Mt.") for x in out)
    mark = ckpt.load(work)["vocab"].mark
    assert cli.main(["--sample-only", "-o", str(work), "--prefix", f"a{mark}"]) == 2
    one_error_line(capsys, "start/end token")


def test_a_prefix_with_a_dot_is_still_refused_for_names(tmp_path, capsys):
    work = tmp_path / "n"
    words = write_file(tmp_path, "n.txt", "\n".join(["emma", "olivia", "ava", "mia", "zoe"] * 4) + "\n")
    assert cli.main(["--headless", "-i", str(words), "-o", str(work), "--max-steps", "5"]) == 0
    capsys.readouterr()
    assert cli.main(["--sample-only", "-o", str(work), "--prefix", "em."]) == 2
    one_error_line(capsys, "'.'", "start/end token")


# ---- what the views show -------------------------------------------------------------------------

def test_next_char_embedding_and_shapes_show_the_mark(places):
    words = place_names()
    d = make_dataset(words, 4)
    from makemore_tui.models import build_model

    torch.manual_seed(0)
    model = build_model(tiny_config(block_size=4).validate(), len(d.vocab))
    mark = d.vocab.mark
    nc = next_char(model, d.vocab, "St.", block_size=4)
    assert nc.window == mark + "St." and nc.chars[0] == mark and "." in nc.chars[1:]
    assert abs(sum(nc.probs) - 1) < 1e-9
    with pytest.raises(DataError, match="start/end"):
        next_char(model, d.vocab, f"a{mark}", block_size=4)
    assert embedding_map(model, d.vocab).chars[0] == mark
    conf = confusion(model, d.splits["dev"], None, d.vocab)
    assert conf.chars[0] == mark and "." in conf.chars[1:]
    assert show_char(" ") != mark  # a space and the boundary never look alike
    tf = build_model(tiny_config(type="transformer", n_embd=8, n_layer=1, n_head=2, block_size=4).validate(),
                     len(d.vocab))
    X = d.splits["train"].first(4)[0]
    started = ev.Started.of(tiny_config().to_dict(), tf, X, vocab=d.vocab.itos)
    notes = " ".join(note for *_, note in started.shapes)
    assert f"'{mark}'-padded" in notes and "'.'-padded" not in notes
    names = ev.Started.of(tiny_config().to_dict(), tf, X, vocab=(".",) + d.vocab.itos[1:])
    assert "'.'-padded" in " ".join(note for *_, note in names.shapes)


@run_async
async def test_the_next_char_pane_types_dots_and_capitals_and_shows_the_mark(in_tmp):
    write_file(in_tmp, "places.txt", "\n".join(place_names()) + "\n")
    app = make_app("places.txt", tiny_config(max_steps=30, block_size=4).validate(), work_dir="run")
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        mark = app.current_run.data.vocab.mark
        await pilot.press("5")
        p = app.insight_pane("next-char")
        await pilot.press("S", "t", "full_stop")
        await wait_for(pilot, lambda: p.result is not None and p.result.context == "St.", what="St.")
        text = await wait_for_text(pilot, f"the model sees '{mark}St.'")
        assert f"'{mark}' before the name starts" in text
        app.set_focus(None)
        await pilot.press("6")
        await wait_for_text(pilot, " start/end")
        e = app.insight_pane("embedding")
        await wait_for(pilot, lambda: e.result is not None, what="the embedding")
        assert e.result[1].chars[0] == mark


@run_async
async def test_the_sample_panel_takes_the_data_dot_in_a_prefix(in_tmp):
    write_file(in_tmp, "places.txt", "\n".join(place_names()) + "\n")
    app = make_app("places.txt", tiny_config(max_steps=30).validate(), work_dir="run", n_samples=6)
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        await pilot.press("slash", "S", "t", "full_stop", "enter")
        await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy, what="samples")
        assert not app.samples.error and all(s.text.startswith("St.") for s in app.samples.samples)
        mark = app.current_run.data.vocab.mark
        app.sample_panel.prefix_input.value = mark
        await pilot.press("slash", "enter")
        await wait_for(pilot, lambda: "start/end token" in (app.samples.error or ""), what="the mark refused")


# ---- lines that cannot be used -------------------------------------------------------------------

def test_bad_lines_are_counted_and_the_first_few_shown(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "READ_PIECE", 50)  # bad lines in many pieces
    lines = [f"Place {i}" for i in range(100)]
    for i in (6, 18, 39, 70):
        lines[i] = "x" * 1200
    p = write_file(tmp_path, "w.txt", "\n".join(lines) + "\n")
    with pytest.raises(DataError) as e:
        read_words(p)
    msg = str(e.value)
    assert "w.txt: 4 lines cannot be used: 4 are too long" in msg and "\n" not in msg
    assert "line 7 (1,200 characters) 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…', line 19 " in msg
    assert "line 40 (1,200 characters)" in msg and "line 71" not in msg and "(1 more)" in msg


def test_every_kind_of_bad_line_is_named_in_one_message(tmp_path):
    raw = b"emma\n" * 10 + b"zo\xe9\n" + b"ok\n" * 3 + b"a\x00b\n" + ("y" * 1001 + "\n").encode() + b"zo\xe9\n"
    p = write_file(tmp_path, "mixed.txt", raw)
    with pytest.raises(DataError) as e:
        load_dataset(p, 3)
    msg = str(e.value)
    assert "4 lines cannot be used" in msg
    assert "2 are not UTF-8 (bad byte 0xe9 at line 11, byte offset 52): line 11 'zo\ufffd', line 17 'zo\ufffd'" in msg
    assert "1 contains NUL bytes (first at line 15): line 15 'a\\x00b'" in msg
    assert "1 is too long (at most 1,000): line 16 (1,001 characters)" in msg


def test_a_binary_file_is_not_read_to_its_end(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "READ_PIECE", 64)
    raw = b"emma\n" * 30 + b"\x00\x01\n" * 2 + b"ok\n" * 100 + b"\x00\n" * 50
    with pytest.raises(DataError) as e:
        read_words(write_file(tmp_path, "bin.txt", raw))
    msg = str(e.value)
    assert re.search(r"bin.txt: 2 lines \(reading stopped after line \d\d\) cannot be used: 2 contain NUL bytes "
                     r"\(first at line 31\): line 31 '\\x00\\x01', line 32 '\\x00\\x01'; it looks binary", msg), msg


def test_a_line_too_long_to_keep_is_skipped_to_its_end_and_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "READ_PIECE", 64)
    monkeypatch.setattr(data_mod, "LINE_BYTES", 200)
    raw = b"emma\n" * 5 + b"z" * 5000 + b"\n" + b"ok\n" * 5 + b"q" * 3000 + b"\r\n" + b"end\n"
    with pytest.raises(DataError) as e:
        read_words(write_file(tmp_path, "huge.txt", raw))
    msg = str(e.value)
    assert "2 lines cannot be used: 2 are too long" in msg
    assert "line 6 (over " in msg and "line 12 (over " in msg


def test_a_bad_file_on_the_command_line_says_how_many_lines(tmp_path, capsys):
    p = write_file(tmp_path, "bad.txt", ("Emma\n" * 10 + "é\n" * 7).encode("latin-1"))
    assert cli.main(["--headless", "-i", str(p), "-o", str(tmp_path / "o"), "--max-steps", "5"]) == 2
    one_error_line(capsys, "7 lines cannot be used", "line 11 ", "line 12 ", "line 13 ", "(4 more)")
