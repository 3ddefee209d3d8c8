"""A sweep's files survive crashes: a journal cut off mid-line is set aside (a notice, a backup copy)
before anything is appended; other damage is one line naming the file and the line, with nothing
written; a study that starts again from nothing never overwrites an earlier study's trials/NNNN."""

from __future__ import annotations

import io

import optuna
import pytest

from makemore_tui.config import ConfigError
from makemore_tui.sweep.command import main as sweep_main
from makemore_tui.sweep.files import JOURNAL, trial_dir
from makemore_tui.sweep.launch import SweepRequest, run_sweep
from makemore_tui.sweep.study import make_storage


def _sweep(d, words, trials: int) -> str:
    out = io.StringIO()
    req = SweepRequest(sweep_dir=str(d), input_file=str(words), trials=trials, trial_seconds=1, workers=1)
    assert run_sweep(req, out) == 0, out.getvalue()
    return out.getvalue()


def _numbers(d) -> list[int]:
    study = optuna.load_study(study_name="makemore-mlp", storage=make_storage(None, d))
    return sorted(t.number for t in study.get_trials(deepcopy=False))


def test_a_cut_last_line_is_set_aside_and_an_emptied_journal_overwrites_no_trial(tmp_path, words_file):
    d = tmp_path / "sweep"
    _sweep(d, words_file, 1)
    journal = d / JOURNAL
    whole = journal.read_bytes()
    cut = whole + b'{"op_code": 6, "worker_id": "x", "trial_id": 0, "user_at'  # a crash mid-append
    journal.write_bytes(cut)
    out = _sweep(d, words_file, 2)
    notice = [line for line in out.splitlines() if "partial line" in line]
    n_lines = whole.count(b"\n")
    assert len(notice) == 1 and f"line {n_lines + 1}," in notice[0] and "study.journal.1.bak" in notice[0]
    assert (d / "study.journal.1.bak").read_bytes() == cut  # the backup holds the file as it was
    assert journal.read_bytes().startswith(whole) and journal.read_bytes().endswith(b"\n")
    assert _numbers(d) == [0, 1]  # the study resumed: its journal reads whole
    first = (trial_dir(d, 0) / "summary.json").read_bytes()

    journal.write_bytes(b"")  # emptied: the next sweep is a new study, numbering from 0 again
    out = _sweep(d, words_file, 1)
    assert _numbers(d) == [0]
    assert "trials.old-1" in out
    assert (d / "trials.old-1" / "0000" / "summary.json").read_bytes() == first  # the old trial is kept whole
    assert (d / "trials.old-1" / "0001" / "summary.json").is_file()
    assert (trial_dir(d, 0) / "summary.json").read_bytes() != first  # the new trial 0 has its own directory


@pytest.mark.parametrize("damage, what", [(b"garbage that is not json\n", "not a JSON record"),
                                          (b'{"op_code": 0, \x00\x00\x00\x00}\n', "NUL bytes"),
                                          (b'{"op_code": 0, "x": "\xff\xfe"}\n', "not UTF-8")])
def test_other_damage_is_one_line_naming_the_file_and_the_line_and_nothing_is_written(tmp_path, words_file, capsys,
                                                                                      damage, what):
    d = tmp_path / "sweep"
    d.mkdir()
    journal = d / JOURNAL
    storage = make_storage(None, d)  # a study of a few records, written by Optuna itself
    study = optuna.create_study(storage=storage, study_name="makemore-mlp")
    study.set_user_attr("type", "mlp")
    lines = journal.read_bytes().splitlines(keepends=True)
    broken = b"".join(lines[:1] + [damage] + lines[1:])
    journal.write_bytes(broken)
    before = sorted(p.name for p in d.iterdir())
    with pytest.raises(ConfigError) as e:
        run_sweep(SweepRequest(sweep_dir=str(d), input_file=str(words_file), trials=1, trial_seconds=1, workers=1),
                  io.StringIO())
    assert str(journal) in str(e.value) and "line 2 " in str(e.value) and what in str(e.value)
    assert journal.read_bytes() == broken and sorted(p.name for p in d.iterdir()) == before
    assert sweep_main(["-o", str(d), "-i", str(words_file), "--trials", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "line 2 " in err
    assert journal.read_bytes() == broken
