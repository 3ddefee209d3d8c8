"""Overfitting said, and runs that end on their best dev weights (issue 14, issue 13): the rule on
sequences of dev losses, a small list that overfits fast (stopped on its best, best.pt, summary.json,
the headless line), --no-keep-best, a run that keeps improving, resuming, sampling and the app."""

from __future__ import annotations

import io
import json
import math

import pytest
import torch

from helpers import make_words, tiny_config
from helpers_app import finished, make_app, run_async, wait_for, wait_for_text
from makemore_tui import checkpoint as ckpt
from makemore_tui import events as ev
from makemore_tui.app.status_bar import StatusBar
from makemore_tui.cli import build_parser, config_from_args
from makemore_tui.config import Config, ConfigError
from makemore_tui.evaluation import split_loss
from makemore_tui.headless import run_headless
from makemore_tui.models import build_model
from makemore_tui.recorder import SUMMARY, ended_weights, read_summary
from makemore_tui.run import load_for_sampling, open_run
from makemore_tui.watch import OVERFIT_EVALS, BestDev, first_overfitting, overfit_line

# ---- the rule --------------------------------------------------------------------------------------


def test_a_dev_loss_that_keeps_improving_never_fires():
    assert first_overfitting([3.0 - 0.01 * i for i in range(200)]) is None


def test_a_plateau_with_noise_never_fires():
    # the dev loss of a normal names run: flat, with noise of up to 0.025 around it
    g = torch.Generator().manual_seed(0)
    noise = (torch.rand(500, generator=g) * 2 - 1) * 0.025
    assert first_overfitting([2.15 + float(x) for x in noise]) is None


# The dev losses of `makemore-tui --headless` with the defaults (seed network, SGD 0.1, 200,000 steps,
# evaluated every 2,000) on the bundled names, measured: SGD's noise lifts three evaluations in a row
# up to 0.026 above the best so far (steps 46,000-50,000), which a margin of 0.02 took for overfitting.
DEFAULT_NAMES_RUN = [2.6491, 2.5585, 2.5143, 2.5036, 2.4931, 2.4878, 2.4687, 2.4202, 2.4582, 2.4264, 2.4067, 2.4207, 2.3981, 2.4154, 2.4195, 2.3777, 2.4097, 2.3665, 2.3712, 2.3756, 2.3896, 2.3728, 2.3974, 2.3939, 2.3928, 2.3712, 2.3653, 2.3657, 2.3663, 2.3788, 2.3404, 2.3546, 2.3521, 2.3444, 2.3448, 2.3721, 2.3385, 2.3617, 2.3297, 2.3535, 2.3453, 2.3317, 2.3299, 2.3567, 2.3724, 2.3296, 2.321, 2.3197, 2.3406, 2.3312, 2.3287, 2.3205, 2.3179, 2.3508, 2.3593, 2.3392, 2.3172, 2.3246, 2.3327, 2.3176, 2.3466, 2.3541, 2.3067, 2.2989, 2.3138, 2.3029, 2.292, 2.3358, 2.2943, 2.3106, 2.3197, 2.3023, 2.3, 2.3219, 2.3719, 2.2932, 2.3081, 2.3093, 2.2937, 2.2917, 2.3064, 2.2866, 2.3178, 2.3052, 2.2864, 2.2954, 2.2984, 2.284, 2.3154, 2.2888, 2.281, 2.3013, 2.2816, 2.3153, 2.2992, 2.2986, 2.287, 2.2863, 2.3066]


def test_a_default_run_on_the_names_never_fires():
    assert len(DEFAULT_NAMES_RUN) == 99
    assert first_overfitting(DEFAULT_NAMES_RUN) is None
    assert first_overfitting([x + 0.02 * (i >= 25) for i, x in enumerate(DEFAULT_NAMES_RUN)]) is None


def test_three_evaluations_in_a_row_above_the_best_fire_at_the_third():
    assert OVERFIT_EVALS == 3
    assert first_overfitting([2.5, 2.0, 2.1, 2.2, 2.3, 2.4]) == 4
    assert first_overfitting([2.5, 2.0, 2.1, 2.2]) is None  # only two so far


def test_an_evaluation_back_near_the_best_starts_the_count_again():
    assert first_overfitting([2.0, 2.1, 2.1, 2.01, 2.1, 2.1]) is None
    assert first_overfitting([2.0, 2.1, 2.1, 2.01, 2.1, 2.1, 2.1]) == 6
    assert first_overfitting([2.0, 2.1, 2.1, 1.9, 2.0, 2.0, 2.0]) == 6  # a new best: counted from it


def test_the_line_is_the_larger_of_0_05_and_two_percent_of_the_best():
    assert overfit_line(2.0) == pytest.approx(2.05) and overfit_line(5.0) == pytest.approx(5.1)
    assert first_overfitting([2.0, 2.049, 2.049, 2.049, 2.049]) is None
    assert first_overfitting([5.0, 5.09, 5.09, 5.09, 5.09]) is None
    assert first_overfitting([5.0, 5.11, 5.11, 5.11]) == 3


def test_it_fires_once_and_ignores_losses_that_are_not_numbers():
    b = BestDev(keep_weights=False)
    fired = [b.update(i, v) for i, v in enumerate([2.0, math.nan, 2.5, 2.5, 2.5, 2.6, 2.7])]
    assert fired == [False, False, False, False, True, False, False]
    assert (b.step, b.val, b.overfitting_at) == (0, 2.0, 4)
    again = BestDev()
    again.load_state_dict(b.state_dict())
    assert again.state_dict() == b.state_dict() and again.weights is None


# ---- settings --------------------------------------------------------------------------------------

def test_keep_best_is_on_by_default_and_a_flag_turns_it_off():
    p = build_parser()
    assert Config().keep_best is True
    assert config_from_args(p.parse_args([])).keep_best is True
    assert config_from_args(p.parse_args(["--no-keep-best"])).keep_best is False
    assert config_from_args(p.parse_args(["--keep-best"])).keep_best is True
    assert Config.from_dict({"max_steps": 5}).keep_best is True  # an older config.json or checkpoint
    with pytest.raises(ConfigError, match="keep_best"):
        Config(keep_best="yes").validate()


# ---- runs ------------------------------------------------------------------------------------------

def overfit_config(**changes) -> Config:
    """A big network on 30 words, AdamW at 0.01, evaluated every 25 steps: its dev loss is lowest at
    step 25 and has risen well above it by step 100 (deterministic: seeded, counted in steps)."""
    base = dict(n_embd=16, n_hidden=256, init="kaiming", optimizer="adamw", learning_rate=0.01, batch_size=32,
                max_steps=5000, eval_every=25)
    return tiny_config(**{**base, **changes}).validate()


@pytest.fixture
def thirty_words(tmp_path):
    p = tmp_path / "thirty.txt"
    p.write_text("\n".join(make_words(30, seed=3)) + "\n")
    return p


def headless(cfg, words, work):
    run = open_run(cfg, str(words), work, save_every_s=0)
    events = []
    run.trainer.listeners.append(events.append)
    buf = io.StringIO()
    assert run_headless(run, out=buf, err=buf) == 0
    return run, events, buf.getvalue(), json.loads((work / SUMMARY).read_text())


def dev_loss_of(path, run) -> float:
    payload = ckpt.load(path)
    model = build_model(payload["config"], len(payload["vocab"]))
    model.load_state_dict(payload["state"]["model"])
    return split_loss(model, run.trainer.eval_splits["dev"])


def test_a_run_that_overfits_says_so_stops_and_ends_on_its_best_weights(tmp_path, thirty_words):
    work = tmp_path / "w"
    run, events, out, summary = headless(overfit_config(), thirty_words, work)
    said = [e for e in events if isinstance(e, ev.Overfitting)]
    assert len(said) == 1
    o = said[0]
    assert o.stopping and o.evaluations == 3 and o.val_loss > overfit_line(o.best_val_loss)
    vals = {e.step: e.val_loss for e in events if isinstance(e, ev.Evaluated)}
    assert o.best_step == min(vals, key=vals.get) and o.best_val_loss == min(vals.values())
    # stopped there, far before max_steps
    assert summary["steps"] == o.step < 5000 and summary["stopped_early"] is True
    assert summary["overfitting_at"] == o.step
    assert summary["best_step"] == o.best_step and summary["best_val_loss"] == o.best_val_loss
    assert summary["ended_on"] == "best"
    assert summary["val_loss"] == pytest.approx(o.best_val_loss, abs=1e-9)  # the final losses are the best's
    assert summary["last_val_loss"] == pytest.approx(vals[o.step], abs=1e-9)
    # best.pt holds the best weights; model.pt the last step's (the resume point)
    best = ckpt.load(ckpt.best_path(work))
    assert best["state"]["step"] == o.best_step
    assert dev_loss_of(ckpt.best_path(work), run) == pytest.approx(o.best_val_loss, abs=1e-9)
    assert ckpt.load(ckpt.checkpoint_path(work))["state"]["step"] == o.step
    assert dev_loss_of(ckpt.checkpoint_path(work), run) == pytest.approx(vals[o.step], abs=1e-9)
    # what samples a finished run reads its weights from: the best
    assert ended_weights(work) == ckpt.best_path(work)
    model, _, _ = load_for_sampling(work)
    assert all(torch.equal(v, best["state"]["model"][k]) for k, v in model.state_dict().items())
    # said in one line, and the final lines say which step's weights
    assert (f"dev loss {o.val_loss:.4f} has risen above its best {o.best_val_loss:.4f} (step {o.best_step:,}) "
            f"for 3 evaluations: the model is overfitting; ending on the best weights (step {o.best_step:,})") in out
    assert f"the losses are of the best dev's weights, step {o.best_step:,} (best.pt)" in out
    assert f"samples at step {o.best_step:,}" in out


def test_without_keep_best_it_says_so_and_trains_to_the_end_on_its_last_weights(tmp_path, thirty_words):
    work = tmp_path / "w"
    run, events, out, summary = headless(overfit_config(keep_best=False, max_steps=200), thirty_words, work)
    said = [e for e in events if isinstance(e, ev.Overfitting)]
    assert len(said) == 1 and not said[0].stopping
    assert summary["steps"] == 200 and summary["stopped_early"] is False
    assert summary["ended_on"] == "last" and summary["overfitting_at"] == said[0].step
    assert summary["best_step"] == said[0].best_step
    assert not ckpt.best_path(work).exists() and ended_weights(work) == ckpt.checkpoint_path(work)
    assert "training goes on to the end (--no-keep-best)" in out
    assert "the losses are of the last step's weights, step 200" in out


def test_a_normal_end_ends_on_the_best_weights_where_they_beat_the_last(tmp_path, thirty_words):
    # evaluated at 25, 50 and 75: too few to fire; the last step (90) is worse than step 25
    work = tmp_path / "w"
    run, events, out, summary = headless(overfit_config(max_steps=90), thirty_words, work)
    assert not any(isinstance(e, ev.Overfitting) for e in events)
    assert summary["steps"] == 90 and summary["stopped_early"] is False and summary["overfitting_at"] is None
    assert summary["ended_on"] == "best" and summary["best_step"] == 25
    assert summary["val_loss"] == pytest.approx(summary["best_val_loss"], abs=1e-9)
    assert summary["last_val_loss"] > summary["best_val_loss"]


def test_a_run_whose_dev_loss_keeps_improving_never_fires_and_ends_on_its_last_weights(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(make_words(400, seed=1)) + "\n")
    work = tmp_path / "w"
    run, events, out, summary = headless(tiny_config(max_steps=400, eval_every=50, learning_rate=0.1).validate(),
                                         words, work)
    vals = [e.val_loss for e in events if isinstance(e, ev.Evaluated)]
    assert len(vals) == 7 and vals == sorted(vals, reverse=True)  # improving at every evaluation
    assert not any(isinstance(e, ev.Overfitting) for e in events)
    assert summary["steps"] == 400 and summary["ended_on"] == "last" and summary["overfitting_at"] is None
    assert summary["val_loss"] < summary["best_val_loss"]


def test_a_resumed_run_ends_as_one_never_interrupted(tmp_path, thirty_words):
    _, _, _, whole = headless(overfit_config(), thirty_words, tmp_path / "a")
    cfg = overfit_config()
    run = open_run(cfg, str(thirty_words), tmp_path / "b", save_every_s=0)
    run.trainer.listeners.append(lambda e: run.trainer.stop() if isinstance(e, ev.Evaluated) and e.step == 75 else None)
    buf = io.StringIO()
    assert run_headless(run, out=buf, err=buf) == 0  # stopped at 75: past the best (25), before it fires
    assert json.loads((tmp_path / "b" / SUMMARY).read_text())["steps"] == 75
    run = open_run(cfg, str(thirty_words), tmp_path / "b", resume=True, save_every_s=0)
    assert run.trainer.best.step == 25 and run.trainer.best.weights is not None  # read back from best.pt
    assert run_headless(run, out=buf, err=buf) == 0
    resumed = read_summary(tmp_path / "b")
    for k in ("steps", "best_step", "best_val_loss", "ended_on", "overfitting_at", "val_loss", "train_loss", "test_loss"):
        assert resumed[k] == whole[k], k


# ---- the app ---------------------------------------------------------------------------------------

@run_async
async def test_the_app_says_it_in_its_banner_and_status_line(thirty_words, in_tmp):
    app = make_app(thirty_words, overfit_config(log_every=5), emit_interval=0)
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_for(pilot, lambda: app.state.overfitting is not None, what="the overfitting event")
        await finished(pilot)
        o = app.state.overfitting
        await wait_for_text(pilot, "OVERFITTING", "the model is overfitting; ending on the best weights",
                            f"the losses are of the best dev's weights, step {o.best_step:,}", flatten=True)
        status = app.query_one(StatusBar)
        assert "OVERFIT" in str(status.render()) and status.size.height == 1  # one line at 80 columns
        assert app.state.finished.ended_on == "best" and app.state.finished.step == o.step
        app.stop_all()


def test_an_attached_app_learns_it_from_the_run_files(tmp_path, thirty_words):
    from makemore_tui.attach import RemoteRun

    work = tmp_path / "w"
    _, events, _, summary = headless(overfit_config(), thirty_words, work)
    o = next(e for e in events if isinstance(e, ev.Overfitting))
    remote = RemoteRun(work)
    seen = []
    remote.trainer.listeners.append(seen.append)
    fin = remote.trainer.run()
    assert [e for e in seen if isinstance(e, ev.Overfitting)] == [o]
    assert (fin.ended_on, fin.best_step, fin.overfitting_at) == ("best", o.best_step, o.step)
    # its samples come from the weights the run ended on
    model = remote.latest_model()
    best = ckpt.load(ckpt.best_path(work))["state"]["model"]
    assert all(torch.equal(v, best[k]) for k, v in model.state_dict().items())


def test_the_status_line_of_attach_without_a_terminal_says_it(tmp_path, thirty_words, capsys):
    from makemore_tui import cli

    work = tmp_path / "w"
    _, events, _, summary = headless(overfit_config(), thirty_words, work)
    assert cli.main(["--attach", str(work)]) == 0  # stdout is not a terminal here: one line
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert (f"overfitting at step {summary['overfitting_at']:,} (best dev at step {summary['best_step']:,})" in line
            and f"ended on the best weights, step {summary['best_step']:,}" in line)


def test_on_a_terminal_the_progress_bar_says_it_too(tmp_path, thirty_words):
    run = open_run(overfit_config(), str(thirty_words), tmp_path / "w", save_every_s=0)
    buf = io.StringIO()
    assert run_headless(run, out=buf, err=buf, fancy=True) == 0
    text = " ".join(buf.getvalue().split())
    assert "for 3 evaluations: the model is overfitting; ending on the best weights (step 25)" in text
    assert "the losses are of the best dev's weights, step 25 (best.pt)" in text
