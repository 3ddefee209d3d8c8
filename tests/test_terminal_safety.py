"""No control character reaches a terminal: the loader refuses word lists that hold them, and every
string printed from a run's or a sweep's files (an old run's samples and symbols, a study's name and
parameters) comes out with its escapes visible and its bidirectional overrides neutralised. An output
encoding that cannot show a symbol gets it escaped, never a traceback or a dropped line."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui.data import DataError, Vocab, load_dataset
from makemore_tui.models import build_model
from makemore_tui.printable import printable
from makemore_tui.sweep.results import print_sweep

from helpers import PYTHON, make_words, one_error_line, subprocess_env, tiny_config, write_file

# what must never reach a terminal raw: C0 but tab and newline, DEL, C1, bidi controls
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE = ["\x1b]0;pwned\x07", "\x1b[2J", "\u009b31m", "\u202eevil"]


def test_printable_shows_escapes_and_neutralises_bidi_overrides_and_keeps_the_rest():
    assert printable("\x1b]0;t\x07a\tb\u202ec\x9b[x]é名") == "\\x1b]0;t\\x07a\tb\\u202ec\\x9b[x]é名"
    assert printable(os.fsdecode(b"run-\xff")) == "run-\\xff"
    assert printable("anna") == "anna"


def test_the_loader_refuses_control_characters_naming_the_first_lines(tmp_path, capsys):
    lines = make_words(40)
    lines[3:3] = ["ok\tname"]  # a tab is allowed
    lines[10:10] = HOSTILE
    src = write_file(tmp_path, "words.txt", "\r\n".join(lines) + "\r\n")  # Windows line ends are fine
    with pytest.raises(DataError) as e:
        load_dataset(src, 3)
    msg = str(e.value)
    assert "3 lines cannot be used" in msg and "control characters" in msg and "U+001B at line 11" in msg
    assert "line 11 '\\x1b]0;pwned\\x07'" in msg and "line 13 '\\x9b31m'" in msg
    assert not RAW.search(msg)
    del lines[10:14]
    write_file(tmp_path, "ok.txt", "\n".join(lines) + "\n")
    assert "\t" in "".join(load_dataset(tmp_path / "ok.txt", 3).vocab.itos)
    assert cli.main(["--headless", "-i", str(src), "-o", str(tmp_path / "w")]) == 2
    one_error_line(capsys, "control characters", "line 11")


def _old_hostile_run(work):
    """A run saved before the loader refused control characters: they are symbols of its vocabulary."""
    itos = (".", "\x1b", "]", "0", ";", "\x07", "[", "2", "J", "\x9b", "\u202e", "a", "b")
    cfg = tiny_config().validate()
    model = build_model(cfg, len(itos))
    work.mkdir()
    ckpt.save(work, cfg, Vocab(itos), {"model": model.state_dict(), "step": 0})


def test_an_old_runs_control_symbols_are_printed_escaped(tmp_path, capsys):
    work = tmp_path / "old"
    _old_hostile_run(work)
    capsys.readouterr()
    assert cli.main(["--sample-only", "-o", str(work), "--num-samples", "60", "--temperature", "50",
                     "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 60
    assert not RAW.search(out) and "\\x1b" in out and "\\u202e" in out  # they were sampled, and shown escaped
    for view in ("next-char", "embedding"):
        assert cli.main(["--inspect", view, "-o", str(work)]) == 0
        out = capsys.readouterr().out
        assert not RAW.search(out) and "\\x1b" in out, view


def test_a_sweeps_strings_are_printed_safely_and_markup_stays_literal(tmp_path):
    d = tmp_path / "sweep"
    d.mkdir()
    params = {"learning_rate": 0.01, "init": "\x1b]0;x\x07[bold]kaiming[/bold]\u202e"}
    (d / "sweep.json").write_text(json.dumps({
        "study": "\x1b[2Jstudy [red]x[/red] \u202eevil",
        "trials": [{"number": 0, "state": "complete", "val_loss": 2.5, "params": params, "seconds": 1.0}],
        "best": {"number": 0, "val_loss": 2.5, "params": params}}))
    out = tmp_path / "out.txt"
    with open(out, "w") as f:
        assert print_sweep(d, f) == 0
    text = out.read_text()
    assert not RAW.search(text)
    assert "\\x1b[2Jstudy [red]x[/red] \\u202eevil" in text and "[bold]kaiming[/bold]" in text


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii:strict"}])
def test_an_ascii_output_gets_symbols_escaped_not_a_traceback_or_a_dropped_line(tmp_path, env):
    words = [w + "é" if i % 2 else "ø" + w for i, w in enumerate(make_words(60))]
    src = write_file(tmp_path, "accents.txt", "\n".join(words) + "\n")
    work = tmp_path / "w"
    run = lambda *flags: subprocess.run([PYTHON, "-m", "makemore_tui", *flags], capture_output=True,  # noqa: E731
                                        env={**subprocess_env(), **env}, timeout=300)
    p = run("--headless", "-i", str(src), "-o", str(work), "--max-steps", "300", "--eval-every", "100")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("ascii")
    assert "Traceback" not in out + p.stderr.decode("ascii", "replace")
    last = [line for line in out.splitlines() if line.startswith("samples at step 300")]
    assert last and ("\\xe9" in last[0] or "\\xf8" in last[0]), out  # the end's samples: there, escaped
    p = run("--sample-only", "-o", str(work), "--num-samples", "50", "--seed", "1")
    assert p.returncode == 0 and not p.stderr, p.stderr
    names = p.stdout.decode("ascii").splitlines()
    assert len(names) == 50 and any("\\xe9" in n or "\\xf8" in n for n in names)


def test_the_apps_samples_pane_shows_an_old_runs_control_symbols_escaped():
    from makemore_tui.app.sample_panel import SampleList
    from makemore_tui.sampling import Sample

    pane = SampleList()
    pane.samples = [Sample("\x1b]0;pwned\x07", -3.0, True), Sample("a\u202eb\x1b[2J", -4.0, True, ended=False)]
    cells, _ = pane._cells()
    shown = "".join(markup + plain for markup, plain in cells)
    assert not RAW.search(shown) and "\\x1b]0;pwned\\x07" in shown and "\\u202e" in shown
