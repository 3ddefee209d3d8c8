"""The app in real processes on a terminal: SIGTERM and SIGHUP (an SSH connection dropping) quit it
as q does: the run is saved and the process exits with status 0."""

from __future__ import annotations

import signal

from helpers import make_words, wait_until
from screens_helpers import app_on_a_terminal


def _app_on_a_terminal(words, work):
    """`makemore-tui` (the app) on a pseudo-terminal of 120x40; its output is read as it comes."""
    return app_on_a_terminal(["-i", str(words), "-o", str(work), "--max-steps", str(10**9), "--no-keep-best", "--log-every", "10",
                              "--save-every", "0", "--threads", "1"], size=(120, 40))


def test_sigterm_and_sighup_save_and_exit_0(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(make_words(300)) + "\n")
    sigs = (signal.SIGTERM, signal.SIGHUP)
    apps = {sig: (tmp_path / sig.name, *_app_on_a_terminal(words, tmp_path / sig.name)) for sig in sigs}
    try:
        for sig, (work, proc, out) in apps.items():
            metrics = work / "metrics.jsonl"
            assert wait_until(lambda: metrics.exists() and metrics.stat().st_size > 0, timeout=120, every=0.1), \
                f"{sig.name}: no training"
            assert not (work / "model.pt").exists()  # no save before the signal (--save-every 0)
            proc.send_signal(sig)
        for sig, (work, proc, out) in apps.items():
            assert proc.wait(60) == 0, bytes(out)[-2000:]
            assert (work / "model.pt").is_file(), f"{sig.name}: not saved"
            assert wait_until(lambda: b"makemore-tui: stopped at step" in out, timeout=30), bytes(out)[-2000:]
    finally:
        for _, proc, _ in apps.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
