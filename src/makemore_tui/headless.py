"""Training without a screen: a rich progress bar on a terminal, plain periodic lines otherwise.

Ctrl-C, SIGTERM and SIGHUP (an SSH connection dropping) stop the run between two steps, save a
checkpoint and exit cleanly; `--resume` continues from it.
"""

from __future__ import annotations

import signal
import sys
import time
from contextlib import contextmanager
from typing import TextIO

from . import events as ev
from .run import Run

EXIT_OK, EXIT_DIVERGED = 0, 1
EXIT_SIGNAL = 0  # a signal stops the run cleanly: saved, summarised, resumable


@contextmanager
def stop_on_signals(stop, signals=(signal.SIGINT, signal.SIGTERM, signal.SIGHUP)):
    """While inside, the given signals call stop(signum) instead of killing the process."""
    old = {}
    received: list[int] = []

    def handler(signum, frame):
        received.append(signum)
        stop(signum)

    for s in signals:
        try:
            old[s] = signal.signal(s, handler)
        except (ValueError, OSError):  # not the main thread, or not on this platform
            pass
    try:
        yield received
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class PlainProgress:
    """A line every `every` seconds, for logs and pipes."""

    def __init__(self, out: TextIO, every: float = 2.0):
        self.out, self.every, self._next = out, every, 0.0
        self.max_steps = 0
        self.val: float | None = None

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.Started):
            self.max_steps = e.max_steps
            print(f"training {e.config['type']} ({e.n_params:,} parameters) on {e.n_train:,} examples, "
                  f"{e.max_steps:,} steps", file=self.out, flush=True)
        elif isinstance(e, ev.Steps):
            now = time.monotonic()
            if now >= self._next or e.step >= self.max_steps:
                self._next = now + self.every
                val = f" | dev {self.val:.4f}" if self.val is not None else ""
                print(f"step {e.step:>9,}/{self.max_steps:,} | loss {e.losses[-1]:.4f} | lr {e.lrs[-1]:.3g} | "
                      f"{e.steps_per_s:,.0f} steps/s | {e.elapsed_s:.1f}s{val}", file=self.out, flush=True)
        elif isinstance(e, ev.Evaluated):
            self.val = e.val_loss
        elif isinstance(e, ev.Diverged):
            print(f"diverged at step {e.step:,}: {e.reason}", file=self.out, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    """A live progress bar with the loss, for a terminal."""

    def __init__(self, out: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = Console(file=out)
        self.progress = Progress(
            TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"), console=self.console, transient=False,
        )
        self.task = None
        self.val: float | None = None

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.Started):
            self.console.print(f"training [bold]{e.config['type']}[/] ({e.n_params:,} parameters) on "
                               f"{e.n_train:,} examples")
            self.progress.start()
            self.task = self.progress.add_task("train", total=e.max_steps, completed=e.start_step, info="")
        elif isinstance(e, ev.Steps) and self.task is not None:
            val = f" dev {self.val:.4f}" if self.val is not None else ""
            self.progress.update(self.task, completed=e.step,
                                 info=f"loss {e.losses[-1]:.4f}{val}  {e.steps_per_s:,.0f} steps/s")
        elif isinstance(e, ev.Evaluated):
            self.val = e.val_loss
        elif isinstance(e, ev.Diverged):
            self.console.print(f"[red]diverged at step {e.step:,}:[/] {e.reason}")

    def close(self) -> None:
        self.progress.stop()


def attach_point(run: Run, out: TextIO):
    """status.json and control.sock in the work directory, so `makemore-tui --attach DIR` can watch
    and steer this run from another terminal (see remote.py)."""
    from .remote import ControlServer, StatusWriter

    status = StatusWriter(run.work_dir, extra={"input_file": run.input_file})
    run.trainer.listeners.append(status)
    try:
        return status, ControlServer(run.work_dir, run, status)
    except OSError as e:  # e.g. a socket path longer than the system allows
        print(f"note: no control socket ({e.strerror or e}); attach can watch this run but not steer it",
              file=out, flush=True)
        return status, None


def run_headless(run: Run, out: TextIO = sys.stdout, fancy: bool | None = None) -> int:
    """Train to the end (or a signal), save, write summary.json; return the exit status."""
    fancy = out.isatty() if fancy is None else fancy
    view = RichProgress(out) if fancy else PlainProgress(out)
    trainer = run.trainer
    trainer.listeners.append(view)
    # A diverged run stops: headless there is nobody to read the explanation and resume it.
    trainer.listeners.append(lambda e: trainer.stop() if isinstance(e, ev.Diverged) else None)
    status, server = attach_point(run, out)
    with stop_on_signals(lambda signum: trainer.stop()) as received:
        try:
            fin = trainer.run()
        finally:
            view.close()
            if server is not None:
                server.close()
        msg = run.save_checkpoint()
    run.close()
    if received:
        name = signal.Signals(received[0]).name
        print(f"stopped by {name} at step {fin.step:,}; {msg}. Continue with --resume.", file=out, flush=True)
    else:
        print(msg, file=out)
    print(f"train {fin.train_loss:.4f} | dev {fin.val_loss:.4f} | test {fin.test_loss:.4f} | "
          f"{fin.step:,} steps in {fin.seconds:.1f}s ({fin.steps_per_s:,.0f} steps/s) | "
          f"summary in {run.work_dir / 'summary.json'}", file=out, flush=True)
    if fin.diverged:
        print(f"the run diverged: {fin.diverged}", file=out, flush=True)
        return EXIT_DIVERGED
    return EXIT_SIGNAL if received else EXIT_OK
