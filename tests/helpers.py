"""What the tests share, apart from fixtures (conftest.py) and the app's Pilot helpers (helpers_app.py):
word lists and tiny configurations, waiting on an event, running `python -m makemore_tui` in a child,
reading a run's files, and the small seeded networks of the insight tests."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch

from makemore_tui import events as ev
from makemore_tui.config import Config

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
NAMES = REPO.parent / "shared" / "data" / "names.txt"  # the makemore names list beside the project
PYTHON = sys.executable

# ---- words and configurations --------------------------------------------------------------------

_SYLLABLES = ["an", "na", "el", "li", "ma", "ri", "jo", "sa", "ka", "be", "th", "ya", "le", "on", "is", "ev",
              "da", "mi", "ro", "ch", "ze", "qu", "ix", "ul", "fa", "go", "wy", "ph"]


def make_words(n: int = 300, seed: int = 0) -> list[str]:
    """Name-like words over a-z (every letter appears), deterministic for a seed."""
    r = random.Random(seed)
    words = ["".join(r.choice(_SYLLABLES) for _ in range(r.randint(1, 4))) for _ in range(n)]
    words[0] = "abcdefghijklmnopqrstuvwxyz"  # the whole alphabet, so the vocabulary has 27 symbols
    return words


FORTY_WORDS = "\n".join(make_words(40)) + "\n"  # the text of a small input file


def word_list(n: int = 400) -> list[str]:
    """The app tests' words (and their snapshots'): sorted, unique, the alphabet first."""
    r = random.Random(1)
    words = sorted({"".join(r.choice(_SYLLABLES) for _ in range(r.randint(1, 3))) for _ in range(n)})
    return ["abcdefghijklmnopqrstuvwxyz"] + words


def tiny_config(**changes) -> Config:
    base = dict(block_size=3, n_embd=4, n_hidden=16, batch_size=16, learning_rate=0.1, max_steps=200,
                eval_every=0, log_every=10, seed=1234)
    return Config(**{**base, **changes})


def write_file(directory: Path, name: str, content: str | bytes) -> Path:
    """directory/name holding content (text as UTF-8)."""
    p = directory / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


# ---- waiting on an event -------------------------------------------------------------------------

def wait_until(pred, timeout: float = 60.0, every: float = 0.005) -> bool:
    """Poll pred() until it holds (True) or `timeout` seconds pass (False). The timeout only bounds a
    failing test: a loaded machine may take many times longer than an idle one to get there."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(every)
    return bool(pred())


# ---- the events and files of a run ---------------------------------------------------------------

def losses_of(events) -> list[float]:
    """Every step's loss from a run's Steps events, checking that none was lost or repeated."""
    out: list[float] = []
    for e in events:
        if isinstance(e, ev.Steps):
            assert e.first_step == len(out)  # consecutive, none lost or repeated
            out.extend(e.losses)
    return out


def metrics_without_time(work: Path) -> list[dict]:
    """metrics.jsonl without the wall-clock field, for comparing runs."""
    from makemore_tui.recorder import METRICS

    out = []
    for line in (work / METRICS).read_text().splitlines():
        d = json.loads(line)
        d.pop("elapsed_s")
        out.append(d)
    return out


def one_error_line(capsys, *words) -> str:
    """What the command line printed on stderr is one `makemore-tui: error:` line naming `words`."""
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("makemore-tui: error: "), err
    for w in words:
        assert w in err, err
    return err


def loop_examples(words, vocab, block_size):
    """The lecture's loop, one character at a time."""
    stoi = vocab.stoi
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ix in [stoi[ch] for ch in w] + [0]:  # the end token: index 0, whatever its mark
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X, dtype=torch.long).view(-1, block_size), torch.tensor(Y, dtype=torch.long)


def stopped_at(cfg: Config, words_file: Path, work: Path, stop_at: int) -> None:
    """Train to exactly `stop_at` steps (pause, step, save, stop: as the app does), then quit."""
    from makemore_tui.run import open_run

    run = open_run(cfg, str(words_file), work, save_every_s=0)
    t = run.trainer
    t.pause()
    t.step_once(stop_at)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    assert wait_until(lambda: t.step == stop_at and t.paused)
    assert "saved step" in t.submit(run.save_checkpoint).result(timeout=60)
    t.stop()
    th.join(60)
    run.close()


# ---- `python -m makemore_tui` in a child ---------------------------------------------------------

def subprocess_env() -> dict:
    """The environment for `python -m makemore_tui` in a child: this checkout's sources first."""
    return {**os.environ, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1"}


def headless_process(work: Path, *flags: str) -> subprocess.Popen:
    """`makemore-tui --headless -o WORK FLAGS...` in a child process."""
    return subprocess.Popen(
        [PYTHON, "-m", "makemore_tui", "--headless", "-o", str(work), *flags],
        # a file, not a pipe: nobody reads a long run's output, and a full pipe would block it
        stdout=tempfile.TemporaryFile(), stderr=subprocess.STDOUT, env=subprocess_env(),
    )


def answers(work: Path) -> bool:
    """The run in `work` answers on its control socket. The socket file appears when it is bound,
    a moment before it listens: only an answer says the run is ready for commands."""
    from makemore_tui.attach import RemoteError, send_command

    try:
        return bool(send_command(work, "status", timeout=10).get("ok"))
    except RemoteError:
        return False


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)


# ---- the insight tests' names and tiny networks --------------------------------------------------

WORDS = ("emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily elizabeth mila ella "
         "avery sofia camila aria scarlett victoria madison luna grace chloe penelope layla riley zoey nora lily "
         "eleanor hannah lillian addison aubrey ellie stella natalie zoe leah hazel violet aurora savannah audrey "
         "brooklyn bella claire skylar lucy paisley everly anna caroline nova genesis emilia kennedy samantha maya "
         "willow kinsley naomi aaliyah elena sarah ariana allison gabriella alice madelyn cora ruby eva serenity "
         "autumn adeline hailey gianna valentina isla eliana quinn nevaeh ivy sadie piper lydia alexa josephine "
         "liam noah william james oliver benjamin elijah lucas mason logan alexander ethan jacob michael daniel "
         "henry jackson sebastian aiden matthew samuel david joseph carter owen wyatt john jack luke jayden dylan "
         "grayson levi isaac gabriel julian mateo anthony jaxon lincoln joshua christopher andrew theodore caleb "
         "ryan asher nathan thomas leo isaiah charles josiah hudson christian hunter connor eli ezra aaron landon "
         "adrian jonathan nolan jeremiah easton elias colton cameron carson robert angel maverick nicholas dominic "
         "jaxson greyson adam ian austin santiago jordan cooper brayden roman evan ezekiel xavier jose jace jameson "
         "leonardo bryson axel everett parker kayden miles sawyer jason").split()


def small_model_config(**changes) -> Config:
    base = dict(block_size=3, n_embd=2, n_hidden=16, seed=1234, batch_size=32)
    base.update(changes)
    return Config(**base).validate()


def small_model(data, **changes):
    """A freshly initialised seeded network over data's vocabulary."""
    from makemore_tui.models import build_model

    return build_model(small_model_config(**changes), len(data.vocab))


def weights_of(model) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


def same_weights(model, weights) -> bool:
    return all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())


def train_run(directory: Path, name: str, data_file: Path, *flags: str) -> Path:
    """A headless run (in this process) into directory/name; its work directory."""
    from makemore_tui.cli import main

    work = directory / name
    assert main(["--headless", "-i", str(data_file), "-o", str(work), *flags]) == 0
    return work
