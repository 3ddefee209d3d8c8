"""Issue 4: bad input gets one line and status 2; faults lose nothing; hostile files run nothing;
long runs stay flat."""

from __future__ import annotations

import errno
import json
import os
import pickle
import random
import signal
import subprocess
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import torch

from makemore_tui import checkpoint as ckpt
from makemore_tui import cli
from makemore_tui import data as data_mod
from makemore_tui import events as ev
from makemore_tui.config import Config
from makemore_tui.data import MIN_WORDS, DataError, load_dataset, read_words
from makemore_tui.headless import EXIT_DIVERGED, EXIT_SAVE_FAILED, run_headless, stop_on_signals
from makemore_tui.recorder import METRICS, SUMMARY
from makemore_tui.run import Run, check_resources, estimate_params, open_run

from conftest import PYTHON, make_words, subprocess_env, tiny_config

HAVE_CUDA = torch.cuda.is_available()


def wait_for(pred, timeout=30.0, every=0.002):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(every)
    return False


def metrics(work: Path) -> list[dict]:
    """metrics.jsonl without the wall-clock field, for comparing runs."""
    out = []
    for line in (work / METRICS).read_text().splitlines():
        d = json.loads(line)
        d.pop("elapsed_s")
        out.append(d)
    return out


def one_error_line(capsys, *words) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("makemore-tui: error: "), err
    for w in words:
        assert w in err, err
    return err


# ---- bad input: one line on stderr, status 2 --------------------------------------------------------

def _write(tmp_path, name, content) -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


NAMES = "\n".join(make_words(40)) + "\n"

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
    ("the boundary token", ("emma\n" * 10 + "st. john\n").encode(), "reserves"),
]


@pytest.mark.parametrize("name,content,words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_file_is_one_line_and_status_2(tmp_path, capsys, name, content, words):
    if content is None:
        path = tmp_path / "nope.txt"
    elif content == "DIR":
        path = tmp_path / "adir"
        path.mkdir()
    else:
        path = _write(tmp_path, "in.txt", content)
    rc = cli.main(["--headless", "-i", str(path), "-o", str(tmp_path / "out"), "--max-steps", "5"])
    assert rc == 2
    one_error_line(capsys, words)
    assert not (tmp_path / "out" / ckpt.CHECKPOINT).exists()


def test_unreadable_input_file(tmp_path, capsys, monkeypatch):
    path = _write(tmp_path, "in.txt", NAMES)
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
    p = _write(tmp_path, "in.txt", b"emma\nava\nmia\nzo\xe9\nleo\n")
    with pytest.raises(DataError, match=r"line 4"):
        read_words(p)
    p = _write(tmp_path, "in.txt", b"emma\nava\n\x00\n")
    with pytest.raises(DataError, match=r"line 3"):
        read_words(p)


def test_byte_order_mark_and_line_endings_are_fine(tmp_path):
    words = make_words(50)
    plain = read_words(_write(tmp_path, "a.txt", "\n".join(words) + "\n"))
    bom = read_words(_write(tmp_path, "b.txt", b"\xef\xbb\xbf" + ("\n".join(words) + "\n").encode()))
    crlf = read_words(_write(tmp_path, "c.txt", ("\r\n".join(words) + "\r\n").encode()))
    cr = read_words(_write(tmp_path, "d.txt", ("\r".join(words)).encode()))
    assert plain == bom == crlf == cr == words
    assert "\ufeff" not in "".join(bom) and "\r" not in "".join(crlf)


def test_characters_beyond_a_z_make_their_own_vocabulary(tmp_path, capsys):
    words = ["Zoë", "José María", "Émile", "zoë", "anna", "r2d2", "李娜", "mia 😀", "Jo", "ÅSA", "åsa"] * 3
    path = _write(tmp_path, "in.txt", "\n".join(words) + "\n")
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
    words = read_words(_write(tmp_path, "in.txt", "\n".join([composed, decomposed] * 4)))
    assert words == [composed] * 8


def test_large_vocabulary_gets_a_notice(tmp_path, capsys):
    chars = [chr(0x4E00 + i) for i in range(150)]
    words = ["".join(chars[i:i + 3]) for i in range(0, 150, 3)] * 2
    path = _write(tmp_path, "in.txt", "\n".join(words))
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
    path = _write(tmp_path, "in.txt", "\n".join(make_words(2000)))
    seen = []
    load_dataset(path, 3, progress=seen.append)
    reading = [m for m in seen if m.startswith("reading")]
    assert len(reading) > 5 and reading[-1].startswith("reading in.txt: 100%")
    assert any("building the train examples" in m for m in seen)


def test_headless_shows_loading_progress_for_big_files_only(tmp_path, capsys, monkeypatch):
    path = _write(tmp_path, "in.txt", NAMES)
    args = ["--headless", "-i", str(path), "-o", str(tmp_path / "o"), "--max-steps", "3", "--threads", "1"]
    assert cli.main(args) == 0
    assert "loading:" not in capsys.readouterr().err
    monkeypatch.setattr(cli, "LARGE_INPUT", 100)
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "makemore-tui: loading:" in err and "building the train examples" in err


# ---- settings ---------------------------------------------------------------------------------------

NUMERIC_FLAGS = ["--block-size", "--n-embd", "--n-embd2", "--n-layer", "--n-head", "--batch-size", "--max-steps",
                 "--seed", "--eval-every", "--log-every", "--warmup-steps", "--threads", "--learning-rate",
                 "--weight-decay", "--min-lr", "--num-samples", "--temperature", "--top-k", "--save-every"]
ZERO_OK = {"--seed", "--eval-every", "--warmup-steps", "--weight-decay", "--min-lr", "--save-every"}


@pytest.mark.parametrize("flag,value", [
    (f, v) for v in ["0", "-1", "nan", "inf", "-inf", "1e300", "abc", "", "1.5x"] for f in NUMERIC_FLAGS
    if not (v == "0" and f in ZERO_OK)  # zero means something there (e.g. --eval-every 0: only at the end)
])
def test_bad_numeric_settings(tmp_path, capsys, flag, value):
    argv = ["--headless", "-o", str(tmp_path / "o"), "--max-steps", "1", f"{flag}={value}"]
    rc = cli.main(argv)
    assert rc == 2
    one_error_line(capsys)
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_fractional_whole_numbers_are_refused(tmp_path, capsys):
    assert cli.main(["--headless", "-o", str(tmp_path / "o"), "--batch-size", "32.5"]) == 2
    one_error_line(capsys, "not a whole number")


def test_unknown_preset(tmp_path, capsys):
    assert cli.main(["--headless", "-o", str(tmp_path / "o"), "--preset", "huge"]) == 2
    one_error_line(capsys, "unknown preset", "lecture")


@pytest.mark.skipif(HAVE_CUDA, reason="this machine has CUDA")
def test_absent_device(tmp_path, capsys):
    assert cli.main(["--headless", "-o", str(tmp_path / "o"), "--device", "cuda", "--max-steps", "1"]) == 2
    one_error_line(capsys, "cuda", "not available")


def test_work_dir_that_is_a_file(tmp_path, capsys):
    f = _write(tmp_path, "afile", "x")
    assert cli.main(["--headless", "-o", str(f), "--max-steps", "1"]) == 2
    one_error_line(capsys, "is a file")
    assert cli.main(["--headless", "-o", str(f / "sub"), "--max-steps", "1"]) == 2
    one_error_line(capsys, "cannot be created")


def test_work_dir_not_writable(tmp_path, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make the probe see what a read-only disk says
        import tempfile

        def refuse(*a, **k):
            raise OSError(errno.EROFS, "Read-only file system")

        monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    else:
        ro.chmod(0o500)
    assert cli.main(["--headless", "-o", str(ro), "--max-steps", "1"]) == 2
    one_error_line(capsys, "not writable")


def test_absurd_sizes_are_refused_before_allocating(tmp_path, capsys):
    words = _write(tmp_path, "in.txt", NAMES)
    t0 = time.perf_counter()
    rc = cli.main(["--headless", "-i", str(words), "-o", str(tmp_path / "o"), "--n-embd", "4096",
                   "--n-hidden", "65536", "--block-size", "256"])
    assert rc == 2 and time.perf_counter() - t0 < 10
    one_error_line(capsys, "GiB", "parameters", "smaller")


def test_memory_estimate_counts_every_model_type():
    from makemore_tui.config import PRESETS, preset
    from makemore_tui.models import build_model, count_params

    for name in PRESETS:
        for V in (27, 60):
            cfg = preset(name)
            assert estimate_params(cfg, V) == count_params(build_model(cfg, V)), name
    check_resources(preset("best"), 27)  # a real recipe passes
    with pytest.raises(Exception, match="GiB"):
        check_resources(preset("seed", batch_size=10**6, n_hidden=60000), 27, memory=8 << 30)


def test_resume_ignores_other_settings_with_a_note(tmp_path, capsys):
    words = _write(tmp_path, "in.txt", NAMES)
    base = ["--headless", "-i", str(words), "-o", str(tmp_path / "o"), "--threads", "1"]
    assert cli.main(base + ["--max-steps", "20"]) == 0
    capsys.readouterr()
    assert cli.main(base + ["--resume", "--n-hidden", "7", "--max-steps", "30"]) == 0
    err = capsys.readouterr().err
    assert "ignored: n_hidden=7" in err
    assert json.loads((tmp_path / "o" / SUMMARY).read_text())["steps"] == 30
    assert cli.main(base + ["--resume", "--max-steps", "10"]) == 2
    one_error_line(capsys, "at step 30")


# ---- stop_on_signals, reusable ----------------------------------------------------------------------

def test_stop_on_signals_calls_stop_and_restores_handlers():
    before = signal.getsignal(signal.SIGUSR1)
    got = []
    with stop_on_signals(got.append, signals=(signal.SIGUSR1,)) as received:
        os.kill(os.getpid(), signal.SIGUSR1)
        assert wait_for(lambda: got == [signal.SIGUSR1], timeout=5)
        assert received == [signal.SIGUSR1]
    assert signal.getsignal(signal.SIGUSR1) == before


def test_stop_on_signals_outside_the_main_thread_does_nothing():
    errors = []

    def body():
        try:
            with stop_on_signals(lambda s: None) as received:
                assert received == []
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    th = threading.Thread(target=body)
    th.start()
    th.join()
    assert errors == []


def _signal_self_after(run: Run, steps: int, sig=signal.SIGTERM):
    def listener(e):
        if isinstance(e, ev.Steps) and e.step >= steps and not getattr(listener, "sent", False):
            listener.sent = True
            os.kill(os.getpid(), sig)

    run.trainer.listeners.append(listener)


def test_the_checkpoint_is_saved_before_the_final_evaluation(tmp_path, small_words):
    run = Run(tiny_config(max_steps=10**7).validate(), load_dataset(small_words, 3), tmp_path / "w", save_every_s=0,
              emit_interval=0.01)
    events = []
    run.trainer.listeners.append(events.append)
    _signal_self_after(run, 200)
    out = open(os.devnull, "w")
    assert run_headless(run, out=out, err=out) == 0
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("CheckpointSaved") < kinds.index("Finished")
    assert ckpt.load(tmp_path / "w")["state"]["step"] == events[-1].step


def test_a_second_signal_during_the_final_evaluation_skips_it(tmp_path, small_words):
    run = Run(tiny_config(max_steps=10**7).validate(), load_dataset(small_words, 3), tmp_path / "w", save_every_s=0,
              emit_interval=0.01)
    _signal_self_after(run, 200)
    evaluate = run.trainer.final_losses

    def slow_final_evaluation():
        os.kill(os.getpid(), signal.SIGTERM)  # impatient: again
        return evaluate()

    run.trainer.final_losses = slow_final_evaluation
    buf = __import__("io").StringIO()
    assert run_headless(run, out=buf, err=buf) == 128 + signal.SIGTERM
    assert "Final evaluation skipped" in buf.getvalue()
    assert ckpt.load(tmp_path / "w")["state"]["step"] == run.trainer.step  # saved first
    summary = json.loads((tmp_path / "w" / SUMMARY).read_text())  # what is known (issue 16)
    assert summary["steps"] == run.trainer.step and summary["val_loss"] is None and summary["eval_examples"] == {}


# ---- signals and SIGKILL in real processes -----------------------------------------------------------

RUN_FLAGS = ["--max-steps", "6000", "--n-hidden", "16", "--n-embd", "4", "--log-every", "10", "--eval-every", "1500",
             "--threads", "1", "--seed", "7"]


@pytest.fixture(scope="module")
def small_words(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("words") / "words.txt"
    p.write_text("\n".join(make_words(300)) + "\n")
    return p


@pytest.fixture(scope="module")
def reference(tmp_path_factory, small_words):
    """The uninterrupted run that interrupted ones must equal."""
    work = tmp_path_factory.mktemp("ref") / "run"
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(work), *RUN_FLAGS]) == 0
    torch.set_num_threads(1)
    return work


# `python -m makemore_tui ARGS`, several times over, from one interpreter that has imported the
# package (and torch) once: each child is forked and runs the module as `-m` does (runpy), with its
# own stdout and stderr. Same code path, signals and exit status as separate commands, without
# paying torch's import (seconds on two shared cores) four times.
LAUNCHER = r"""
import json, os, runpy, sys
import makemore_tui.cli, makemore_tui.headless, makemore_tui.run, makemore_tui.control
jobs = json.loads(sys.argv[1])
names = {}
for job in jobs:
    pid = os.fork()
    if pid == 0:
        for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        sys.argv = ["makemore_tui", *job["argv"]]
        code = 0
        try:
            runpy.run_module("makemore_tui", run_name="__main__", alter_sys=True)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            code = code or 120  # what python does when stdout cannot be flushed at exit
        os._exit(code)
    names[pid] = job["name"]
print(json.dumps({v: k for k, v in names.items()}), flush=True)
while names:
    pid, status = os.wait()
    if pid in names:
        print(json.dumps({"exit": names.pop(pid), "rc": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Child:
    """A forked `python -m makemore_tui` of the launcher, steered like a Popen."""

    def __init__(self, name: str, pid: int, exits: dict):
        self.name, self.pid, self.exits = name, pid, exits

    def poll(self):
        return self.exits.get(self.name)

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout):
        assert wait_for(lambda: self.name in self.exits, timeout=timeout), f"{self.name} did not exit"
        return self.exits[self.name]


@pytest.fixture(scope="module")
def signalled(tmp_path_factory, small_words):
    """Four headless runs at once; each gets its signal once it has saved a checkpoint (SIGHUP's
    terminal, a pipe, goes away first)."""
    base = tmp_path_factory.mktemp("sig")
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL)
    fifo = base / "SIGHUP.out"
    os.mkfifo(fifo)
    hup_reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the terminal of the SIGHUP run
    jobs = []
    for sig in sigs:
        flags = RUN_FLAGS + ["--max-steps", "10000000"] if sig == signal.SIGHUP else RUN_FLAGS
        jobs.append(dict(name=sig.name, stdout=str(base / f"{sig.name}.out"), stderr=str(base / f"{sig.name}.err"),
                         argv=["--headless", "-i", str(small_words), "-o", str(base / sig.name), *flags,
                               "--save-every", "0.05"]))
    launcher = subprocess.Popen([PYTHON, "-c", LAUNCHER, json.dumps(jobs)], stdout=subprocess.PIPE, text=True,
                                env=subprocess_env())
    pids = json.loads(launcher.stdout.readline())
    exits: dict = {}

    def collect():
        for line in launcher.stdout:
            d = json.loads(line)
            exits[d["exit"]] = d["rc"]

    threading.Thread(target=collect, daemon=True).start()
    procs = {sig: (Child(sig.name, pids[sig.name], exits), base / sig.name) for sig in sigs}
    rng = random.Random()
    due: dict = {}  # each process gets its signal at a random moment after its first checkpoint
    end = time.monotonic() + 60
    try:
        while len(due) < len(procs) or any(t is not None for t in due.values()):
            assert time.monotonic() < end, "the runs did not start"
            for sig, (p, work) in procs.items():
                if sig in due and due[sig] is None:
                    continue  # signalled already
                assert p.poll() is None, f"{sig.name}: ended before its signal ({p.poll()})"
                if sig not in due:
                    if (work / ckpt.CHECKPOINT).exists():
                        due[sig] = time.monotonic() + rng.uniform(0.0, 0.15)
                        if sig == signal.SIGHUP:
                            # the terminal goes first: the progress line due every 2 s meets a closed pipe
                            os.close(hup_reader)
                            hup_reader = None
                            due[sig] += 2.5
                elif time.monotonic() >= due[sig]:
                    p.send_signal(sig)
                    due[sig] = None
            time.sleep(0.002)
        results = {}
        for sig, (p, work) in procs.items():
            rc = p.wait(60)
            out = "" if sig == signal.SIGHUP else (base / f"{sig.name}.out").read_text()
            results[sig] = dict(rc=rc, work=work, out=out, err=(base / f"{sig.name}.err").read_text())
        launcher.wait(30)
        return results
    finally:
        if hup_reader is not None:
            os.close(hup_reader)
        for p, _ in procs.values():
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        launcher.kill()
        launcher.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_signal_saves_and_exits_cleanly(signalled, sig):
    r = signalled[sig]
    assert r["rc"] == 0, r["err"]
    assert "Traceback" not in r["err"] and "Exception" not in r["err"], r["err"]
    payload = ckpt.load(r["work"])
    summary = json.loads((r["work"] / SUMMARY).read_text())
    assert summary["stopped_early"] is True and 0 < summary["steps"] < (10**7 if sig == signal.SIGHUP else 6000)
    assert payload["state"]["step"] == summary["steps"]  # saved where it stopped
    if sig != signal.SIGHUP:  # (its stdout went away)
        assert f"stopped by {sig.name} at step {summary['steps']:,}" in r["out"]
    last = json.loads((r["work"] / METRICS).read_text().splitlines()[-1])
    assert last["step"] <= summary["steps"]


def test_sigkill_leaves_a_loadable_checkpoint_and_resume_equals_the_uninterrupted_run(signalled, reference,
                                                                                       small_words, capsys):
    r = signalled[signal.SIGKILL]
    assert r["rc"] == -signal.SIGKILL
    payload = ckpt.load(r["work"])
    step = payload["state"]["step"]
    assert 0 < step < 6000
    assert not (r["work"] / SUMMARY).exists()
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(r["work"]), "--resume", "--threads", "1"]) == 0
    assert metrics(r["work"]) == metrics(reference)
    a, b = ckpt.load(r["work"]), ckpt.load(reference)
    for k, v in a["state"]["model"].items():
        assert torch.equal(v, b["state"]["model"][k]), k


def test_resume_after_sigint_equals_the_uninterrupted_run(signalled, reference, small_words):
    r = signalled[signal.SIGINT]
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(r["work"]), "--resume", "--threads", "1"]) == 0
    got, want = metrics(r["work"]), metrics(reference)
    assert len(got) == 6000 // 10 and got == want
    s1, s2 = (json.loads((w / SUMMARY).read_text()) for w in (r["work"], reference))
    for k in ("steps", "params", "train_loss", "val_loss", "test_loss"):
        assert s1[k] == s2[k], k


HAMMER = r"""
import json, os, random, signal, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
from makemore_tui import checkpoint as ckpt
from makemore_tui.config import Config
from makemore_tui.data import Vocab

base, kills = Path(sys.argv[1]), [int(k) for k in sys.argv[2:4]]
atomic_write = ckpt.atomic_write_bytes

def in_place(path, write):  # the control: what a naive saver does
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write(f)

cfg, vocab = Config(), Vocab(tuple(".abcdefghijklmnopqrstuvwxyz"))

def state(step):
    return {"step": step, "model": {"W": torch.full((300, 300), float(step))}}

report = {}
for mode, n_kills in zip(("atomic", "in-place"), kills):
    ckpt.atomic_write_bytes = atomic_write if mode == "atomic" else in_place
    work = base / mode
    ckpt.save(work, cfg, vocab, state(0))
    rng, last, bad, steps = random.Random(), 0, [], []
    for k in range(1, n_kills + 1):
        pid = os.fork()
        if pid == 0:  # the child saves, and saves, until it is killed
            s = k * 1_000_000
            while True:
                ckpt.save(work, cfg, vocab, state(s))
                s += 1
        time.sleep(rng.uniform(0.002, 0.04))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        try:
            p = ckpt.load(work)
            step = p["state"]["step"]
            if step < last or not torch.equal(p["state"]["model"]["W"], state(step)["model"]["W"]):
                bad.append(f"kill {k}: step {step} after {last}, or wrong weights")
            last = step
            steps.append(step)
        except ckpt.CheckpointError as e:
            bad.append(f"kill {k}: {e}")
            ckpt.save(work, cfg, vocab, state(last))  # start the next round from a good file
    temps = [p.name for p in work.iterdir() if p.name.endswith(".tmp")]
    report[mode] = {"bad": bad, "steps": steps, "temps": temps}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def hammered(tmp_path_factory) -> tuple[Path, dict]:
    """Children that save in a loop, killed with SIGKILL at random moments: 30 with the real
    (atomic) save, 10 with a save that writes in place, as a control."""
    base = tmp_path_factory.mktemp("hammer")
    p = subprocess.run([PYTHON, "-c", HAMMER, str(base), "30", "10"], capture_output=True, text=True,
                       env=subprocess_env(), timeout=120)
    assert p.returncode == 0, p.stderr
    return base, json.loads(p.stdout.splitlines()[-1])


def test_sigkill_at_random_moments_during_saves_always_leaves_a_loadable_checkpoint(hammered):
    base, report = hammered
    r = report["atomic"]
    assert r["bad"] == []
    assert len(r["steps"]) == 30
    assert sum(s >= 1_000_000 for s in r["steps"]) >= 15  # the children really were saving when killed
    # kills during a save leave temporary files, never a damaged model.pt; a new run removes them
    assert all(t.startswith("model.pt.") for t in r["temps"])
    assert ckpt.remove_stale_temps(base / "atomic", older_than_s=0) == len(r["temps"])


def test_the_sigkill_test_catches_a_saver_that_writes_in_place(hammered):
    _, report = hammered
    assert report["in-place"]["bad"], "killing an in-place writer mid-save should have damaged model.pt"


# ---- resume, bit for bit, stopped anywhere ----------------------------------------------------------

def _stopped_at(cfg: Config, words_file: Path, work: Path, stop_at: int) -> None:
    """Train to exactly `stop_at` steps (pause, step, save, stop: as the app does), then quit."""
    run = open_run(cfg, str(words_file), work, save_every_s=0)
    t = run.trainer
    t.pause()
    t.step_once(stop_at)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    assert wait_for(lambda: t.step == stop_at and t.paused, timeout=60)
    assert "saved step" in t.submit(run.save_checkpoint).result(timeout=30)
    t.stop()
    th.join(30)
    run.close()


def _resumed(cfg: Config, words_file: Path, work: Path) -> Run:
    run = open_run(cfg, str(words_file), work, resume=True, save_every_s=0)
    run.trainer.run()
    run.save_checkpoint()
    run.close()
    return run


@pytest.mark.parametrize("opt", ["sgd", "adamw"])
def test_resume_is_bit_for_bit_mid_chunk_and_on_chunk_boundaries(tmp_path, small_words, opt):
    extra = dict(optimizer="adamw", learning_rate=0.01, weight_decay=0.01, lr_schedule="cosine",
                 warmup_steps=20) if opt == "adamw" else dict(lr_schedule="step", lr_decay_at=0.6)
    # a large batch makes a chunk of batches short (trainer.chunk), so a run crosses several
    cfg = tiny_config(batch_size=4096, max_steps=140, log_every=1, eval_every=50, n_embd=2, n_hidden=8,
                      **extra).validate()
    ref_run = open_run(cfg, str(small_words), tmp_path / "ref", save_every_s=0)
    K = ref_run.trainer.chunk
    assert K == 64
    ref_run.trainer.run()
    ref_run.save_checkpoint()
    ref_run.close()
    want = metrics(tmp_path / "ref")
    assert len(want) == 140 and [x["step"] for x in want if "val_loss" in x] == [50, 100]
    for stop_at in (K - 1, K, 100):  # mid-chunk, a chunk boundary, mid-chunk on an evaluation step
        work = tmp_path / f"stop{stop_at}"
        _stopped_at(cfg, small_words, work, stop_at)
        run = _resumed(cfg, small_words, work)
        assert run.trainer.step == 140
        assert run.trainer.start_loss == ref_run.trainer.start_loss  # divergence is judged as before
        assert metrics(work) == want, f"stopped at {stop_at}"
        for p, q in zip(run.trainer.model.parameters(), ref_run.trainer.model.parameters()):
            assert torch.equal(p, q), stop_at
        if opt == "adamw":
            for a, b in zip(run.trainer.optimizer.exp_avg, ref_run.trainer.optimizer.exp_avg):
                assert torch.equal(a, b)


def test_metrics_up_to_a_checkpoint_are_on_disk_when_it_is_saved(tmp_path, small_words):
    """A process killed right after a save must not lose the line of the saved step (the recorder
    holds it back for a possible val_loss): a resumed run starts logging after that step."""
    cfg = tiny_config(max_steps=1000, log_every=10).validate()
    run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
    t = run.trainer
    t.pause()
    t.step_once(20)
    th = threading.Thread(target=t.run, daemon=True)
    th.start()
    try:
        assert wait_for(lambda: t.step == 20 and t.paused)
        assert "saved step 20" in t.submit(run.save_checkpoint).result(timeout=30)
        on_disk = [json.loads(x)["step"] for x in (tmp_path / "w" / METRICS).read_text().splitlines()]
        assert on_disk == [10, 20]  # read as a killed process would leave it
    finally:
        t.stop()
        th.join(30)
        run.close()


def test_resume_restores_the_global_generator(tmp_path, small_words):
    cfg = tiny_config(max_steps=30).validate()
    run = open_run(cfg, str(small_words), tmp_path / "w", save_every_s=0)
    run.trainer.run()
    torch.rand(7)  # something drew from the global generator (dropout would, say)
    run.save_checkpoint()
    run.close()
    saved = ckpt.load(tmp_path / "w")["state"]["torch_rng"]
    torch.manual_seed(12345)
    run = open_run(cfg, str(small_words), tmp_path / "w", resume=True, save_every_s=0)
    run.trainer.run()  # already at max_steps: no step is taken
    run.close()
    assert torch.equal(torch.get_rng_state(), saved)


# ---- divergence never overwrites a good checkpoint ---------------------------------------------------

@pytest.mark.parametrize("lr", [1e6, -2.0])
def test_a_diverging_run_never_overwrites_a_good_checkpoint(tmp_path, small_words, lr):
    work = tmp_path / "w"
    _stopped_at(tiny_config(max_steps=300, init="kaiming").validate(), small_words, work, 300)
    good = ckpt.load(work)
    # the same run, continued with a rate that blows it up (as if changed in the app's settings)
    bad = good["config"].updated(learning_rate=lr, max_steps=100_000)
    data = load_dataset(small_words, 3)
    run = Run(bad, data, work, resume=good, save_every_s=1e-9)  # it tries to save at every chance
    events = []
    run.trainer.listeners.append(events.append)
    out = open(os.devnull, "w")
    assert run_headless(run, out=out, err=out) == EXIT_DIVERGED
    diverged = [e for e in events if isinstance(e, ev.Diverged)]
    assert len(diverged) == 1
    saves = [e.step for e in events if isinstance(e, ev.CheckpointSaved)]
    assert all(s < diverged[0].step for s in saves)
    # on disk: the good checkpoint, or one saved before the climb began, never the diverged weights
    now = ckpt.load(work)
    assert now["state"]["step"] < run.trainer.step
    assert all(torch.isfinite(v).all() for v in now["state"]["model"].values())
    from makemore_tui.trainer import Trainer, evaluate

    t = Trainer(now["config"], data)
    t.load_state_dict(now["state"])
    assert evaluate(t.model, *data.splits["dev"]) < 1.5 * run.trainer.start_loss + 1.0
    assert "not saved" in run.save_checkpoint()


def test_saving_refuses_when_the_loss_is_climbing(tmp_path, small_words):
    run = Run(tiny_config(max_steps=50).validate(), load_dataset(small_words, 3), tmp_path / "w", save_every_s=0)
    run.trainer.run()
    assert run.save_checkpoint().startswith("saved")
    before = (tmp_path / "w" / ckpt.CHECKPOINT).read_bytes()
    t = run.trainer
    t.last_loss = 1.5 * t.start_loss + 2  # not yet flagged as diverged, but climbing past its test
    assert "loss is climbing" in run.save_checkpoint()
    with torch.no_grad():
        t.model.W1[0, 0] = float("nan")
    t.last_loss = 2.0
    assert "diverged" in run.save_checkpoint()
    assert (tmp_path / "w" / ckpt.CHECKPOINT).read_bytes() == before


# ---- a full disk ------------------------------------------------------------------------------------

def _disk_full_after(n_bytes: int):
    real_save = torch.save

    def save(obj, f, *a, **k):
        import io

        buf = io.BytesIO()
        real_save(obj, buf, *a, **k)
        f.write(buf.getvalue()[:n_bytes])
        raise OSError(errno.ENOSPC, "No space left on device")

    return save


def test_full_disk_while_saving_is_reported_and_the_previous_checkpoint_survives(tmp_path, small_words,
                                                                                   monkeypatch):
    work = tmp_path / "w"
    run = Run(tiny_config(max_steps=100).validate(), load_dataset(small_words, 3), work, save_every_s=0)
    run.trainer.run()
    assert run.save_checkpoint() == f"saved step 100 to {work / ckpt.CHECKPOINT}"
    before = (work / ckpt.CHECKPOINT).read_bytes()
    failed = []
    run.trainer.listeners.append(lambda e: failed.append(e) if isinstance(e, ev.CheckpointFailed) else None)
    run.trainer.cfg = run.cfg = run.cfg.updated(max_steps=150)
    run.trainer.run()
    monkeypatch.setattr(ckpt.torch, "save", _disk_full_after(5000))
    msg = run.save_checkpoint()
    assert msg == "checkpoint not saved (no space left on the device); the previous one is kept"
    assert failed and failed[-1].error == msg and failed[-1].step == 150
    assert (work / ckpt.CHECKPOINT).read_bytes() == before
    assert ckpt.load(work)["state"]["step"] == 100
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]


def test_full_disk_at_the_end_of_a_headless_run_exits_3(tmp_path, small_words, monkeypatch, capsys):
    work = tmp_path / "w"
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(work), "--max-steps", "50",
                     "--threads", "1"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(ckpt.torch, "save", _disk_full_after(100))
    rc = cli.main(["--headless", "-i", str(small_words), "-o", str(work), "--resume", "--max-steps", "80",
                   "--threads", "1"])
    assert rc == EXIT_SAVE_FAILED
    err = capsys.readouterr().err
    assert "makemore-tui: error: checkpoint not saved (no space left on the device)" in err
    assert ckpt.load(work)["state"]["step"] == 50


def test_full_disk_for_metrics_does_not_stop_training(tmp_path, small_words, capsys):
    run = Run(tiny_config(max_steps=400, log_every=10).validate(), load_dataset(small_words, 3), tmp_path / "w",
              save_every_s=0)

    class Full:
        closed = False

        def fileno(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def write(self, s):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    run.recorder._file = Full()
    rc = run_headless(run, out=open(os.devnull, "w"), err=__import__("sys").stderr)
    assert rc == 0 and run.trainer.step == 400
    assert ckpt.load(tmp_path / "w")["state"]["step"] == 400
    assert run.recorder.errors == ["could not write metrics.jsonl (no space left on the device)"]
    assert capsys.readouterr().err.count("warning: could not write metrics.jsonl") == 1


# ---- hostile checkpoints run nothing ----------------------------------------------------------------

class Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _good_checkpoint(tmp_path, small_words) -> Path:
    work = tmp_path / "w"
    _stopped_at(tiny_config(max_steps=20).validate(), small_words, work, 20)
    return work


def _hostile_variants(work: Path, marker: Path) -> dict[str, bytes]:
    import io

    path = work / ckpt.CHECKPOINT
    good = torch.load(path, weights_only=True)
    out = {}
    buf = io.BytesIO()
    torch.save({**good, "state": {**good["state"], "extra": Exploit(marker)}}, buf)  # inside a real checkpoint
    out["torch.save"] = buf.getvalue()
    buf = io.BytesIO()
    torch.save(Exploit(marker), buf)
    out["torch.save alone"] = buf.getvalue()
    for proto in (2, 4):
        out[f"raw pickle {proto}"] = pickle.dumps({"format": ckpt.FORMAT, "x": Exploit(marker)}, protocol=proto)
    # the zip's data.pkl swapped for a hostile one
    zbuf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(zbuf, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("data.pkl"):
                data = pickle.dumps(Exploit(marker), protocol=2)
            zout.writestr(item, data)
    out["zip with a hostile data.pkl"] = zbuf.getvalue()
    return out


def test_a_checkpoint_that_would_run_code_is_refused_and_runs_nothing(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    marker = tmp_path / "PWNED"
    # the exploit is real: unpickled without protection, it runs
    pickle.loads(pickle.dumps(Exploit(marker)))
    assert marker.exists()
    marker.unlink()
    for what, blob in _hostile_variants(work, marker).items():
        (work / ckpt.CHECKPOINT).write_bytes(blob)
        with pytest.raises(ckpt.CheckpointError, match="refused|corrupt") as e:
            ckpt.load(work)
        assert "nothing from it was run" in str(e.value) or "corrupt" in str(e.value), what
        for argv in (["--sample-only", "-o", str(work)],
                     ["--headless", "-i", str(small_words), "-o", str(work), "--resume", "--max-steps", "30"]):
            assert cli.main(argv) == 2, (what, argv)
            one_error_line(capsys, str(work / ckpt.CHECKPOINT))
        assert not marker.exists(), what


def test_hostile_checkpoint_names_the_import(tmp_path, small_words):
    work = _good_checkpoint(tmp_path, small_words)
    (work / ckpt.CHECKPOINT).write_bytes(_hostile_variants(work, tmp_path / "m")["torch.save"])
    with pytest.raises(ckpt.CheckpointError, match=r"asks to import (posix|os|nt)\.system"):
        ckpt.load(work)
    assert not (tmp_path / "m").exists()


def test_damaged_training_state_is_refused_with_a_message(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    path = work / ckpt.CHECKPOINT
    raw = torch.load(path, weights_only=True)
    raw["state"]["batch_gen"] = torch.zeros(3, dtype=torch.uint8)
    raw["checksum"] = ckpt.tensor_checksum(raw["state"])  # damaged by its writer, not on disk
    torch.save(raw, path)
    assert cli.main(["--headless", "-i", str(small_words), "-o", str(work), "--resume", "--max-steps", "30"]) == 2
    one_error_line(capsys, "damaged training state")


def test_resume_with_data_of_another_vocabulary_says_so(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    other = _write(tmp_path, "other.txt", "\n".join(["Émile", "zoë"] * 10))
    assert cli.main(["--headless", "-i", str(other), "-o", str(work), "--resume", "--max-steps", "30"]) == 2
    one_error_line(capsys, "another vocabulary", "'Éë'")


def test_truncated_checkpoint_via_the_command_line(tmp_path, small_words, capsys):
    work = _good_checkpoint(tmp_path, small_words)
    path = work / ckpt.CHECKPOINT
    path.write_bytes(path.read_bytes()[:777])
    assert cli.main(["--sample-only", "-o", str(work)]) == 2
    one_error_line(capsys, "corrupt or truncated")


def test_hostile_file_in_a_real_process_gives_one_line(tmp_path, small_words):
    """No warnings or tracebacks from torch or Python reach stderr in a real process either."""
    work = _good_checkpoint(tmp_path, small_words)
    marker = tmp_path / "PWNED"
    (work / ckpt.CHECKPOINT).write_bytes(_hostile_variants(work, marker)["raw pickle 4"])
    p = subprocess.run([PYTHON, "-m", "makemore_tui", "--sample-only", "-o", str(work)], capture_output=True,
                       text=True, env=subprocess_env(), timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("makemore-tui: error: "), p.stderr
    assert not marker.exists()


# ---- long runs: bounded files, flat memory ----------------------------------------------------------

def test_long_run_metrics_grow_at_a_bounded_rate_and_memory_stays_flat(tmp_path, small_words):
    import gc
    import sys

    steps, log_every = 12_000, 100
    cfg = tiny_config(max_steps=steps, log_every=log_every, eval_every=3_000, n_hidden=8, batch_size=8).validate()
    run = Run(cfg, load_dataset(small_words, 3), tmp_path / "w", save_every_s=0.3, emit_interval=0.02)
    samples = {}

    def probe(e):
        # Python objects alive (pymalloc blocks: every float, list cell, tensor wrapper), and the RSS
        if isinstance(e, ev.Steps) and (e.step >= 2_000 and "start" not in samples or e.step == steps):
            gc.collect()
            rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            samples["end" if "start" in samples else "start"] = (e.step, sys.getallocatedblocks(), rss)

    run.trainer.listeners.append(probe)
    fin = run.trainer.run()
    run.close()
    assert fin.step == steps
    lines = (tmp_path / "w" / METRICS).read_text().splitlines()
    assert len(lines) == steps // log_every  # one a log_every steps; evaluations fall on logged steps
    assert (tmp_path / "w" / METRICS).stat().st_size < 120 * len(lines)
    (s0, b0, r0), (s1, b1, r1) = samples["start"], samples["end"]
    assert s1 - s0 >= 9_000
    # a list of each step's loss would hold one more block a step (9,000+ here)
    assert b1 - b0 < 1_000, (b0, b1)
    assert r1 - r0 < 16 << 20, (r0, r1)
    assert len(run.trainer._recent) <= 200 and run.trainer._losses == []
