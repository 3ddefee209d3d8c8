"""`makemore-tui --attach DIR`: the app on a headless run in another process, finished or running."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from makemore_tui import cli
from makemore_tui.app.app import MakemoreApp
from makemore_tui.app.state import FINISHED, PAUSED, STOPPED, TRAINING
from makemore_tui.attach import RemoteRun, send_command
from makemore_tui.control import SOCKET, STATUS
from makemore_tui.recorder import read_json

from helpers import PYTHON, headless_process, subprocess_env, wait_until
from helpers_app import finished, run_async, screen_text, wait_for


def _headless(work: Path, words: Path, steps: int) -> subprocess.Popen:
    return headless_process(work, "-i", str(words), "--max-steps", str(steps), "--eval-every", "100",
                            "--log-every", "10")


def _app(work: Path) -> MakemoreApp:
    return MakemoreApp(RemoteRun(work), make_run=None, sample_seed=7, freeze_clock=True)


@run_async
async def test_attach_to_a_finished_run_shows_its_chart_tables_and_samples(words_file, tmp_path):
    work = tmp_path / "done"
    proc = _headless(work, words_file, 400)
    assert proc.wait(300) == 0
    summary = read_json(work / "summary.json")
    app = _app(work)
    async with app.run_test(size=(160, 48)) as pilot:
        await finished(pilot)
        st = app.state
        assert st.status == FINISHED and st.step == 400 and st.attached
        # the whole history, every logged step, from metrics.jsonl (in a few strided batches)
        assert st.train.count == 40
        assert st.dev_loss == pytest.approx(summary["val_loss"])
        text = screen_text(app)
        assert "FINISHED" in text and "attached" in text and f"dev {summary['val_loss']:.4f}" in text
        # the model's table and shapes, from the checkpoint and the run's own data
        assert st.n_params == summary["params"] == 3481
        for shape in ("(27, 2)", "(6, 100)", "(32, 3, 2)", "(32, 6)", "(32, 27)"):
            assert shape in text
        # samples come from the saved weights: the same as --sample-only with the same seed
        await pilot.press("s")
        await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy, what="samples")
        n = len(app.samples.samples)
        expected = subprocess.run(
            [PYTHON, "-m", "makemore_tui", "--sample-only", "-o", str(work), "--num-samples", str(n),
             "--seed", str(app.sampler.seed)],
            capture_output=True, text=True, env=subprocess_env(), timeout=120,
        ).stdout.splitlines()
        assert [s.text for s in app.samples.samples] == expected
        data = app.current_run.data  # the run's words, read again: each name marked new or known
        assert [s.is_new for s in app.samples.samples] == [not data.is_known(s.text) for s in app.samples.samples]
        await pilot.press("q")
    assert (work / "model.pt").exists() and not (work / SOCKET).exists()


def _state(work: Path) -> str:
    return (read_json(work / STATUS) or {}).get("state", "")


@run_async
async def test_attach_pause_resume_leave_reattach_and_stop(headless_run):
    work, proc = headless_run
    app = _app(work)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.state.step > 0 and app.state.status == TRAINING, what="steps")
        await pilot.press("space")
        await wait_for(pilot, lambda: _state(work) == "paused", what="the run to pause")
        await wait_for(pilot, lambda: app.state.status == PAUSED, what="the app to see the pause")
        assert "PAUSED" in screen_text(app)
        await pilot.press("space")
        await wait_for(pilot, lambda: _state(work) == "running" and app.state.status == TRAINING, what="resume")
        await pilot.press("q")
    # leaving the app leaves the run going
    step = read_json(work / STATUS)["step"]
    assert wait_until(lambda: read_json(work / STATUS)["step"] > step), "the run stopped when the app left"
    assert proc.poll() is None

    # attach again: the history so far, and x ends the run (which saves and writes its summary)
    again = _app(work)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: again.state.step >= step, what="the history")
        await pilot.press("x")
        await wait_for(pilot, lambda: again.state.status == STOPPED, timeout=60, what="the run to stop")
        await pilot.press("q")
    assert proc.wait(60) == 0
    assert read_json(work / "summary.json")["stopped_early"] is True


def test_attach_without_a_terminal_prints_one_status_line(words_file, tmp_path, capsys):
    work = tmp_path / "done"
    proc = _headless(work, words_file, 200)
    assert proc.wait(300) == 0
    assert cli.main(["--attach", str(work)]) == 0  # pytest's stdout is not a terminal
    out = capsys.readouterr().out.strip()
    summary = read_json(work / "summary.json")
    assert out.startswith(f"{work}: finished | step 200/200")
    assert f"dev {summary['val_loss']:.4f}" in out and f"test {summary['test_loss']:.4f}" in out


def test_attach_to_what_is_not_a_run_is_one_clear_error(tmp_path, capsys):
    assert cli.main(["--attach", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err
    assert cli.main(["--attach", str(tmp_path)]) == 2
    assert "holds no run" in capsys.readouterr().err


def test_a_stopped_run_refuses_commands_in_words(words_file, tmp_path):
    work = tmp_path / "done"
    assert _headless(work, words_file, 100).wait(300) == 0
    from makemore_tui.attach import RemoteError

    with pytest.raises(RemoteError, match="no run is listening"):
        send_command(work, "pause")
