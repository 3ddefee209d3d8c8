"""Bad input files get one line on stderr and status 2; any characters make their own vocabulary; a
large file loads fast, in memory proportional to the data, with its progress shown."""

from __future__ import annotations

import errno
import os
import random
import time
import tracemalloc

import pytest

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui import data as data_mod
from makemore_tui.data import MIN_WORDS, DataError, load_dataset, read_words

from helpers import FORTY_WORDS, make_words, one_error_line, write_file

# ---- bad input: one line on stderr, status 2 --------------------------------------------------------

BAD_INPUTS = [
    ("missing", None, "does not exist"),
    ("directory", "DIR", "is a directory"),
    ("empty", b"", "no words"),
    ("blank lines only", b"\n  \n\t\n\r\n", "no words"),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00abc\nanna\n", "NUL bytes"),
    ("not utf-8", "emma\nzoë\nmia\n".encode("latin-1") * 5, "not UTF-8"),
    ("a single word", b"emma\n", f"at least {MIN_WORDS}"),
    ("fewer words than a split needs", b"a\nb\nc\nd\ne\n", f"at least {MIN_WORDS}"),
    ("an extremely long line", ("emma\n" * 10 + "x" * 100_000 + "\n").encode(), "100,000 characters"),
    ("several bad lines", ("emma\n" * 10 + "zo\xc3\n" * 5).encode("latin-1"), "5 lines cannot be used: 5 are not UTF-8"),
]


@pytest.mark.parametrize("name,content,words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_file_is_one_line_and_status_2(tmp_path, capsys, name, content, words):
    if content is None:
        path = tmp_path / "nope.txt"
    elif content == "DIR":
        path = tmp_path / "adir"
        path.mkdir()
    else:
        path = write_file(tmp_path, "in.txt", content)
    rc = cli.main(["--headless", "-i", str(path), "-o", str(tmp_path / "out"), "--max-steps", "5"])
    assert rc == 2
    one_error_line(capsys, words)
    assert not (tmp_path / "out" / ckpt.CHECKPOINT).exists()


def test_unreadable_input_file(tmp_path, capsys, monkeypatch):
    path = write_file(tmp_path, "in.txt", FORTY_WORDS)
    if os.geteuid() == 0:  # root reads anything: make open() say what it says to others
        real_open = open

        def no_read(file, *a, **k):
            if str(file) == str(path):
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, *a, **k)

        monkeypatch.setattr("builtins.open", no_read)
    else:
        path.chmod(0)
    assert cli.main(["--headless", "-i", str(path), "-o", str(tmp_path / "out"), "--max-steps", "5"]) == 2
    one_error_line(capsys, "cannot be read", "permission denied")


def test_empty_input_file_name(tmp_path, capsys):
    assert cli.main(["--headless", "-i", "", "-o", str(tmp_path / "out"), "--max-steps", "5"]) == 2
    one_error_line(capsys, "input file name is empty")


def test_error_names_the_line(tmp_path):
    p = write_file(tmp_path, "in.txt", b"emma\nava\nmia\nzo\xe9\nleo\n")
    with pytest.raises(DataError, match=r"line 4"):
        read_words(p)
    p = write_file(tmp_path, "in.txt", b"emma\nava\n\x00\n")
    with pytest.raises(DataError, match=r"line 3"):
        read_words(p)


def test_byte_order_mark_and_line_endings_are_fine(tmp_path):
    words = make_words(50)
    plain = read_words(write_file(tmp_path, "a.txt", "\n".join(words) + "\n"))
    bom = read_words(write_file(tmp_path, "b.txt", b"\xef\xbb\xbf" + ("\n".join(words) + "\n").encode()))
    crlf = read_words(write_file(tmp_path, "c.txt", ("\r\n".join(words) + "\r\n").encode()))
    cr = read_words(write_file(tmp_path, "d.txt", ("\r".join(words)).encode()))
    assert plain == bom == crlf == cr == words
    assert "\ufeff" not in "".join(bom) and "\r" not in "".join(crlf)


def test_characters_beyond_a_z_make_their_own_vocabulary(tmp_path, capsys):
    words = ["Zoë", "José María", "Émile", "zoë", "anna", "r2d2", "李娜", "mia 😀", "Jo", "ÅSA", "åsa"] * 3
    path = write_file(tmp_path, "in.txt", "\n".join(words) + "\n")
    d = load_dataset(path, 3)
    assert set(d.vocab.itos) == {"."} | set("".join(words))
    assert d.vocab.itos[0] == "." and list(d.vocab.itos[1:]) == sorted(d.vocab.itos[1:])
    assert any("upper- and lower-case" in n for n in d.notices)
    assert any("spaces" in n for n in d.notices)
    work = tmp_path / "out"
    assert cli.main(["--headless", "-i", str(path), "-o", str(work), "--max-steps", "30", "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert "note: upper- and lower-case" in err and "Traceback" not in err
    assert cli.main(["--sample-only", "-o", str(work), "--num-samples", "5", "--prefix", "Zo"]) == 0
    names = capsys.readouterr().out.splitlines()
    assert len(names) == 5 and all(n.startswith("Zo") for n in names)


def test_accents_are_normalised(tmp_path):
    composed, decomposed = "zo\u00eb", "zoe\u0308"  # the same name, typed two ways
    words = read_words(write_file(tmp_path, "in.txt", "\n".join([composed, decomposed] * 4)))
    assert words == [composed] * 8


def test_large_vocabulary_gets_a_notice(tmp_path, capsys):
    chars = [chr(0x4E00 + i) for i in range(150)]
    words = ["".join(chars[i:i + 3]) for i in range(0, 150, 3)] * 2
    path = write_file(tmp_path, "in.txt", "\n".join(words))
    assert cli.main(["--headless", "-i", str(path), "-o", str(tmp_path / "o"), "--max-steps", "3",
                     "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert "vocabulary is large (151 symbols)" in err


# ---- a large file -----------------------------------------------------------------------------------

def test_large_file_loads_fast_in_memory_proportional_to_the_data(tmp_path):
    r = random.Random(1)
    n = 150_000
    letters = "abcdefghijklmnopqrstuvwxyz"
    path = tmp_path / "big.txt"
    path.write_text("\n".join("".join(r.choices(letters, k=r.randint(2, 12))) for _ in range(n)) + "\n")
    tracemalloc.start()
    t0 = time.perf_counter()
    d = load_dataset(path, 3)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tensors = sum(t.numel() * t.element_size() for xy in d.splits.values() for t in xy)
    assert len(d.words) == n and d.splits["train"][0].shape[0] > 800_000
    # the examples themselves, plus a list of strings (~80 bytes an item), plus working space of
    # about half the examples again; the lecture's loop (lists of lists) needs 10x more
    assert peak < 1.6 * tensors + 200 * n, (peak / 2**20, tensors / 2**20)
    assert seconds < 20, seconds  # ~1 s on two shared cores; generous for a loaded CI machine


def test_read_progress_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "READ_CHUNK", 1000)
    path = write_file(tmp_path, "in.txt", "\n".join(make_words(2000)))
    seen = []
    load_dataset(path, 3, progress=seen.append)
    reading = [m for m in seen if m.startswith("reading")]
    assert len(reading) > 5 and reading[-1].startswith("reading in.txt: 100%")
    assert any("building the train examples" in m for m in seen)


def test_headless_shows_loading_progress_for_big_files_only(tmp_path, capsys, monkeypatch):
    path = write_file(tmp_path, "in.txt", FORTY_WORDS)
    args = ["--headless", "-i", str(path), "-o", str(tmp_path / "o"), "--max-steps", "3", "--threads", "1"]
    assert cli.main(args) == 0
    assert "loading:" not in capsys.readouterr().err
    monkeypatch.setattr(cli, "LARGE_INPUT", 100)
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "makemore-tui: loading:" in err and "building the train examples" in err
