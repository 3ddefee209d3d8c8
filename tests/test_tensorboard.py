"""--tensorboard: the event files, read back with TensorBoard's own reader, hold metrics.jsonl's
numbers (as float32, TensorBoard's scalar type); a resumed run appends without a step twice; without
the writer installed the flag is refused in one line that says what to install."""

from __future__ import annotations

import struct
import threading

import pytest

from makemore_tui import tensorboard_log
from makemore_tui.cli import build_parser, config_from_args, main
from makemore_tui.recorder import read_metrics
from makemore_tui.run import open_run

from helpers import tiny_config, wait_until

pytest.importorskip("tensorboardX", reason="the [tensorboard] extra (tensorboardX) is not installed")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                        reason="tensorboard (its reader) is not installed")
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402


def f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def scalars(work) -> dict[str, list[tuple[int, float]]]:
    ea = event_accumulator.EventAccumulator(str(work), size_guidance={"scalars": 0, "tensors": 0})
    ea.Reload()
    return {tag: [(s.step, s.value) for s in ea.Scalars(tag)] for tag in ea.Tags()["scalars"]}, ea


def raw_summary_steps(work) -> list[tuple[str, int]]:
    """(tag, step) of every summary in every event file, read without the reader's purging."""
    out = []
    for path in tensorboard_log.event_files(work):
        for e in EventFileLoader(str(path)).Load():
            out += [(v.tag, e.step) for v in e.summary.value]
    return out


def check_equal_to_metrics(work) -> None:
    got, ea = scalars(work)
    lines, _ = read_metrics(work)
    logged = [m for m in lines if m.train_loss is not None]
    assert got["Loss/train"] == [(m.step, f32(m.train_loss)) for m in logged]
    assert [s for s, _ in got["lr"]] == [m.step for m in logged]
    assert all(v == f32(m.lr) for (_, v), m in zip(got["lr"], logged))
    assert [s for s, _ in got["steps_per_s"]] == [m.step for m in logged]
    assert all(v > 0 for _, v in got["steps_per_s"])
    evals = [m for m in lines if m.val_loss is not None]
    assert evals and got["Loss/dev"] == [(m.step, f32(m.val_loss)) for m in evals]
    texts = ea.Tensors("samples/text_summary")
    assert [t.step for t in texts] == [m.step for m in evals]
    assert all(t.tensor_proto.string_val[0].strip() for t in texts)  # a few names, as text
    steps = raw_summary_steps(work)
    assert len(steps) == len(set(steps)), "a step written twice"


def test_the_event_files_hold_metrics_jsonls_numbers(tmp_path, small_words):
    cfg = tiny_config(max_steps=200, log_every=10, eval_every=50, tensorboard=True).validate()
    run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
    run.trainer.run()
    run.close()
    files = tensorboard_log.event_files(tmp_path / "w")
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    check_equal_to_metrics(tmp_path / "w")
    got, _ = scalars(tmp_path / "w")
    assert [s for s, _ in got["Loss/train"]] == list(range(10, 201, 10))
    assert [s for s, _ in got["Loss/dev"]] == [50, 100, 150]


def test_a_resumed_run_appends_without_a_step_twice(tmp_path, small_words):
    """A run saved at step 100 that went on to 150 and was then lost (its events past 100 on disk,
    as after a kill): resumed, it continues the same series from 101, each step once."""
    cfg = tiny_config(max_steps=200, log_every=10, eval_every=50, tensorboard=True).validate()
    work = tmp_path / "w"
    run = open_run(cfg, str(small_words), work, save_every_s=0)
    t = run.trainer
    t.pause()
    t.step_once(100)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    assert wait_until(lambda: t.step == 100 and t.paused)
    assert "saved step 100" in t.submit(run.save_checkpoint).result(timeout=60)
    t.step_once(50)
    assert wait_until(lambda: t.step == 150 and t.paused)
    t.stop(final_evaluation=False)
    th.join(60)
    run.close()  # the checkpoint stays at step 100; the files hold steps up to 150
    assert max(s for tag, s in raw_summary_steps(work) if tag == "Loss/train") == 150

    resumed = open_run(cfg, str(small_words), work, resume=True, save_every_s=0)
    assert resumed.trainer.step == 100
    resumed.trainer.run()
    resumed.close()
    assert len(tensorboard_log.event_files(work)) == 2
    check_equal_to_metrics(work)
    got, _ = scalars(work)
    assert [s for s, _ in got["Loss/train"]] == list(range(10, 201, 10))
    assert [s for s, _ in got["Loss/dev"]] == [50, 100, 150]


def test_a_new_run_replaces_the_old_runs_event_files(tmp_path, small_words):
    cfg = tiny_config(max_steps=40, log_every=10, tensorboard=True).validate()
    for _ in range(2):
        run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
        run.trainer.run()
        run.close()
    assert len(tensorboard_log.event_files(tmp_path / "w")) == 1


def test_the_environment_makes_it_the_default(monkeypatch):
    monkeypatch.delenv(tensorboard_log.ENV, raising=False)
    assert config_from_args(build_parser().parse_args([])).tensorboard is False
    assert config_from_args(build_parser().parse_args(["--tensorboard"])).tensorboard is True
    monkeypatch.setenv(tensorboard_log.ENV, "1")
    assert config_from_args(build_parser().parse_args([])).tensorboard is True


def test_without_the_writer_the_flag_says_what_to_install(tmp_path, small_words, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "tensorboardX", None)  # import fails as if not installed
    code = main(["--headless", "--tensorboard", "-i", str(small_words), "-o", str(tmp_path / "w"), "--max-steps", "5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "pip install 'makemore-tui[tensorboard]'" in err[0]
    assert not (tmp_path / "w" / "model.pt").exists()


def test_a_sweep_with_tensorboard_but_no_writer_says_what_to_install(tmp_path, monkeypatch, capsys):
    from makemore_tui.sweep.command import main as sweep_main

    monkeypatch.setitem(__import__("sys").modules, "tensorboardX", None)
    monkeypatch.setenv(tensorboard_log.ENV, "1")  # the environment's default asks for it too
    assert sweep_main(["-o", str(tmp_path / "s"), "--trials", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'makemore-tui[tensorboard]'" in err[0]
    assert not (tmp_path / "s").exists()
