"""The command line's way into the app: open it on a run, and say on the terminal how it was left."""

from __future__ import annotations

from ..config import Config
from ..interface import RunHandle
from ..run import next_work_dir, open_run
from .app import MakemoreApp
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


def _run_and_report(app: MakemoreApp, args) -> int:
    app.compare_dirs = tuple(args.compare or ())  # --compare DIR ...: the compare view
    app.run()
    st = app.state
    last = app.current_run
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
    print(f"makemore-tui: stopped at step {st.step:,}; {where}. Continue with: makemore-tui --resume -o {last.work_dir}")
    return 1 if st.diverged else 0
