"""The run interface (interface.py): the live run and an attached one both provide all of it."""

from __future__ import annotations

import inspect

import pytest

from makemore_tui.attach import RemoteRun, RemoteTrainer
from makemore_tui.data import make_dataset
from makemore_tui.interface import RunHandle, TrainerHandle
from makemore_tui.recorder import CONFIG, write_json
from makemore_tui.run import Run
from makemore_tui.trainer import Trainer

from helpers import make_words, tiny_config


def members(protocol: type) -> set[str]:
    """The protocol's attributes, properties and methods (what a run or trainer must have)."""
    own = {k for k, v in vars(protocol).items()
           if not k.startswith("_") and (inspect.isfunction(v) or isinstance(v, property))}
    return own | set(protocol.__annotations__)


def has(obj, name: str) -> bool:
    """obj has the attribute (looked up without running a property)."""
    return name in vars(obj) or any(name in vars(c) for c in type(obj).__mro__)


def missing(protocol: type, obj) -> list[str]:
    """The protocol's members that obj lacks, and its methods whose parameters differ from the
    protocol's (names, kinds and defaults)."""
    out = []
    for name in sorted(members(protocol)):
        if not has(obj, name):
            out.append(name)
            continue
        want = vars(protocol).get(name)
        if inspect.isfunction(want):
            have = getattr(type(obj), name, None)
            if not inspect.isfunction(have):
                out.append(f"{name} (not a method)")
            elif [(p.name, p.kind, p.default) for p in inspect.signature(want).parameters.values()] != [
                    (p.name, p.kind, p.default) for p in inspect.signature(have).parameters.values()]:
                out.append(f"{name}{inspect.signature(have)} (the protocol has {name}{inspect.signature(want)})")
        elif isinstance(want, property) and not isinstance(getattr(type(obj), name, None), property) \
                and name not in vars(obj) and name not in vars(type(obj)):
            out.append(f"{name} (neither a property nor an attribute)")
    return out


@pytest.fixture
def live_run(tmp_path):
    run = Run(tiny_config(max_steps=10**9).validate(), make_dataset(make_words(), 3), tmp_path / "live")
    yield run
    run.close()


@pytest.fixture
def attached_run(tmp_path):
    work = tmp_path / "attached"
    work.mkdir()
    write_json(work / CONFIG, tiny_config().validate().to_dict())  # what a headless run writes first
    return RemoteRun(work)


def test_the_protocols_list_what_the_app_uses():
    assert {"attached", "cfg", "data", "work_dir", "trainer", "notes", "last_checkpoint", "alive", "gone",
            "sample", "save_checkpoint", "request_checkpoint", "release", "close"} == members(RunHandle)
    assert {"listeners", "step", "paused", "running", "model", "run", "pause", "resume", "step_once", "stop",
            "submit"} == members(TrainerHandle)


def test_the_live_run_and_its_trainer_provide_every_member(live_run):
    assert isinstance(live_run, Run) and isinstance(live_run.trainer, Trainer)
    assert missing(RunHandle, live_run) == []
    assert missing(TrainerHandle, live_run.trainer) == []
    assert isinstance(live_run, RunHandle) and isinstance(live_run.trainer, TrainerHandle)
    assert live_run.attached is False and live_run.notes == [] and not live_run.gone


def test_an_attached_run_and_its_trainer_provide_every_member(attached_run):
    assert isinstance(attached_run.trainer, RemoteTrainer)
    assert missing(RunHandle, attached_run) == []
    assert missing(TrainerHandle, attached_run.trainer) == []
    assert attached_run.attached is True and attached_run.data is None  # read in the app's worker
    attached_run.data = make_dataset(make_words(), 3)  # (then the weights it starts from can be built)
    assert isinstance(attached_run, RunHandle) and isinstance(attached_run.trainer, TrainerHandle)


def test_a_missing_member_or_another_signature_is_caught(live_run):
    # the live run's class and instance, less one method
    Lacking = type("Lacking", (), {k: v for k, v in vars(Run).items() if k in members(RunHandle) - {"release"}})
    lacking = Lacking()
    lacking.__dict__.update(vars(live_run))
    assert missing(RunHandle, lacking) == ["release"]
    assert not isinstance(lacking, RunHandle)

    class OtherStop(Trainer):
        def stop(self) -> None:  # without final_evaluation
            super().stop()

    other = OtherStop.__new__(OtherStop)
    other.__dict__.update(vars(live_run.trainer))
    assert [m.split("(")[0] for m in missing(TrainerHandle, other)] == ["stop"]


def test_release_stops_a_live_run_promptly_and_only_detaches_an_attached_one(live_run, attached_run):
    live_run.trainer.listeners.append(lambda e: live_run.release() if e.__class__.__name__ == "Steps" else None)
    fin = live_run.trainer.run()
    assert fin.stopped_early and fin.val_loss != fin.val_loss  # NaN: the final evaluation was skipped
    attached_run.release()
    assert attached_run.trainer.run() is None  # it only follows the files, and stops following at once
