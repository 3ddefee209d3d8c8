"""A work directory whose name holds bytes that are not UTF-8 works for every command: a good
model.pt is never called corrupt because of its path's encoding."""

from __future__ import annotations

import os

from makemore_tui import cli
from makemore_tui.run import load_for_sampling
from makemore_tui.saved_run import find_saved_run

from helpers import stopped_at, tiny_config


def test_a_run_in_a_directory_named_in_another_encoding_samples_resumes_and_is_inspected(tmp_path, small_words,
                                                                                          capsys):
    work = tmp_path / os.fsdecode(b"run-\xff\xfe-latin1-\xe9")  # surrogate-escaped, as argv gives it
    stopped_at(tiny_config(max_steps=40).validate(), small_words, work, 20)
    assert not find_saved_run(work).problem  # the app's saved-run question: no "d Replace it" for a good run
    model, vocab, cfg = load_for_sampling(work)
    assert len(vocab) == 27
    capsys.readouterr()
    assert cli.main(["--sample-only", "-o", str(work), "--num-samples", "3"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 3 and "corrupt" not in err
    assert cli.main(["--inspect", "health", "-o", str(work)]) == 0
    assert "corrupt" not in capsys.readouterr().err
    assert cli.main(["--headless", "--resume", "-i", str(small_words), "-o", str(work)]) == 0
    out, err = capsys.readouterr()
    assert "corrupt" not in out + err
    assert find_saved_run(work).step == 40
    assert cli.main(["--attach", str(work)]) == 0  # no terminal: one status line, the name's bytes escaped
    out = capsys.readouterr().out
    assert out.startswith(str(tmp_path)) and "run-\\xff\\xfe-latin1-\\xe9: " in out
