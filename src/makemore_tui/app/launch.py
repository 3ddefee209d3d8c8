"""The command line's way into the app: ask before a saved run would be replaced, open the app on a
run, and say on the terminal how it was left."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from rich.console import Console

from ..config import Config
from ..interface import RunHandle
from ..run import next_work_dir, open_run
from ..saved_run import QUIT, SavedRun, find_saved_run
from ..workdir import is_busy
from .app import MakemoreApp
from .saved_run_screen import SavedRunApp
from .state import FINISHED, STOPPED


def attach_app(run: RunHandle, args) -> int:
    """Open the app on a run in another process (makemore-tui --attach DIR)."""
    return _run_and_report(MakemoreApp(run, make_run=None, theme=args.theme, handle_signals=True), args)


def run_app(run: RunHandle, args) -> int:
    """Open the app on a run (from cli.py); return the exit status."""
    taken: set[str] = set()

    def make_run(cfg: Config) -> RunHandle:
        work_dir = next_work_dir(args.work_dir, taken)
        taken.add(str(work_dir))
        return open_run(cfg, args.input_file, work_dir)

    return _run_and_report(MakemoreApp(run, make_run=make_run, theme=args.theme, handle_signals=True), args)


EXIT_CRASH = 70  # the app stopped on an internal error (its runs saved; the traceback in crash.log)
CRASH_LOG = "crash.log"


def _run_and_report(app: MakemoreApp, args) -> int:
    app.compare_dirs = tuple(args.compare or ())  # --compare DIR ...: the compare view
    # an internal error's traceback goes to a file, not over the terminal: one line is said instead
    crash = io.StringIO()
    app.error_console = Console(file=crash, markup=False, highlight=False, width=120, color_system=None)
    app.run()
    try:
        code = _report(app, crash.getvalue())
    except OSError:  # the terminal is gone: nothing can be said
        code = app.return_code or 0
    return _leave(app, code)


def _leave(app: MakemoreApp, code: int) -> int:
    """A training thread that did not stop within the app's wait must not hold the process (nor be
    torn down under torch as the interpreter ends): said, then the process ends at once."""
    if not any(t.is_alive() for t in app.train_threads):
        return code
    try:
        print("makemore-tui: a run did not stop in time and was left; its last saved checkpoint is kept",
              file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(code)


def _report(app: MakemoreApp, crash: str) -> int:
    st = app.state
    last = app.current_run
    if crash.strip() or (app.return_code or 0) != 0:
        log = _write_crash_log(last.work_dir, crash)
        what = next((ln.strip() for ln in reversed(crash.splitlines()) if ln.strip()), "an unknown error")[:300]
        saved = f"the run was saved to {last.last_checkpoint}" if not last.attached and last.last_checkpoint else (
            f"its files are in {last.work_dir}")
        print(f"makemore-tui: the app stopped on an internal error ({what}); {saved}"
              + (f"; the traceback is in {log}" if log else ""), file=sys.stderr)
        return EXIT_CRASH
    if last.attached:
        alive = last.alive and st.status not in (FINISHED, STOPPED)
        again = f"makemore-tui --attach {last.work_dir}"
        if not alive:
            how = f"the run has ended; files in {last.work_dir}."
        elif last.trainer.paused:
            how = f"the run stays paused until resumed: attach again ({again}) and press space."
        else:
            how = f"the run goes on. Attach again with: {again}"
        print(f"makemore-tui: detached at step {st.step:,}; {how}")
        return 0
    ckpt = last.last_checkpoint
    where = f"saved to {ckpt}" if ckpt else f"files in {last.work_dir}"
    if st.status == FINISHED and st.step >= last.cfg.max_steps:  # nothing left to resume
        further = 2 * last.cfg.max_steps
        print(f"makemore-tui: finished at step {st.step:,}; {where}. To train it further: "
              f"makemore-tui --resume -o {last.work_dir} --max-steps {further}")
    else:
        print(f"makemore-tui: stopped at step {st.step:,}; {where}. Continue with: "
              f"makemore-tui --resume -o {last.work_dir}")
    return 1 if st.diverged else 0


def _write_crash_log(work_dir, text: str) -> str | None:
    """The traceback, in the run's directory (owner-only); its path, or None if it cannot be written."""
    from ..checkpoint import atomic_write_bytes

    path = Path(work_dir) / CRASH_LOG
    try:
        atomic_write_bytes(path, lambda f: f.write(text.encode("utf-8", "replace")))
    except (OSError, TypeError):
        return None
    return str(path)


def ask_about_saved_run(work_dir, theme: str | None = None) -> tuple[str, SavedRun, str] | None:
    """When `work_dir` holds a saved run (and no live run holds it: opening it then says who does),
    show it and ask what to do: (answer, the saved run, the fresh directory offered). None when
    there is nothing to ask. Nothing in the directory is written."""
    if is_busy(work_dir):
        return None
    saved = find_saved_run(work_dir)
    if saved is None:
        return None
    new_dir = str(next_work_dir(work_dir))
    answer = SavedRunApp(saved, new_dir, theme).run()
    return answer or QUIT, saved, new_dir
