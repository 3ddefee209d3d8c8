"""The tests' fixtures: word lists and their files, tiny datasets, a directory of one's own as the
current one, headless runs in child processes, and one torch thread. The helpers they are made of
are in helpers.py (and the app's Pilot helpers in helpers_app.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from makemore_tui.data import make_dataset

from helpers import NAMES, WORDS, answers, headless_process, make_words, stop_process, train_run, wait_until, \
    word_list

# ---- torch: one thread ---------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread_session():
    """Tiny matrices: a second thread only adds hand-off cost (and the cores are shared). The same
    count as the command line's on a loaded machine, so the same losses on every machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    yield
    torch.set_num_threads(1)  # cli.main sets its own count


# ---- words and data ------------------------------------------------------------------------------

@pytest.fixture
def words() -> list[str]:
    return make_words()


@pytest.fixture
def words_file(tmp_path, words) -> Path:
    p = tmp_path / "words.txt"
    p.write_text("\n".join(words) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def small_words(tmp_path_factory) -> Path:
    """A file of 300 name-like words, one for the whole module (its runs read it many times)."""
    p = tmp_path_factory.mktemp("words") / "words.txt"
    p.write_text("\n".join(make_words(300)) + "\n")
    return p


@pytest.fixture
def names_path() -> Path:
    """The makemore names list beside the project (../shared/data/names.txt); skips when absent."""
    if not NAMES.is_file():
        pytest.skip(f"{NAMES} is not present")
    return NAMES


@pytest.fixture
def tiny_data(words):
    return make_dataset(words, 3)


@pytest.fixture(scope="module")
def data():
    """The insight tests' dataset: a few hundred real names (helpers.WORDS), block size 3."""
    return make_dataset(WORDS, 3)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two short runs over helpers.WORDS (for the comparison view and --inspect): (words file, a, b)."""
    tmp = tmp_path_factory.mktemp("runs")
    f = tmp / "names.txt"
    f.write_text("\n".join(WORDS) + "\n")
    a = train_run(tmp, "a", f, "--max-steps", "300", "--log-every", "10", "--eval-every", "100", "--n-hidden", "16")
    b = train_run(tmp, "b", f, "--max-steps", "200", "--log-every", "20", "--eval-every", "100", "--n-hidden", "16",
                  "-l", "0.05")
    return f, a, b


# ---- the app's working directory -----------------------------------------------------------------

@pytest.fixture
def app_words(tmp_path) -> Path:
    """The app tests' words (helpers.word_list) in a file."""
    p = tmp_path / "words.txt"
    p.write_text("\n".join(word_list()) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """tmp_path as the current directory: work directories are relative ("out"), as on the command line."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A directory of its own as the current one, so that work directories print the same ('run'),
    holding names.txt (helpers.WORDS): the insight app tests' input."""
    monkeypatch.chdir(tmp_path)
    Path("names.txt").write_text("\n".join(WORDS) + "\n")
    return tmp_path


# ---- headless runs in child processes ------------------------------------------------------------

def _serving(work: Path, proc) -> Path:
    assert wait_until(lambda: answers(work) or proc.poll() is not None, timeout=120, every=0.05) \
        and proc.poll() is None, "the run did not start"
    return work


@pytest.fixture
def headless_run(words_file, tmp_path):
    """A headless run over words_file in another process, far from its end (it never ends during a
    test) and answering on its control socket: (work directory, process)."""
    work = tmp_path / "run"
    proc = headless_process(work, "-i", str(words_file), "--max-steps", str(10**9), "--eval-every", "2000",
                            "--no-keep-best",  # a small list overfits: --keep-best would end the run
                            "--log-every", "10")
    try:
        yield _serving(work, proc), proc
    finally:
        stop_process(proc)
