"""Training without a screen: a rich progress bar on a terminal, plain periodic lines otherwise.

Ctrl-C, SIGTERM and SIGHUP (an SSH connection dropping) stop the run between two steps, save a
checkpoint before the final evaluation, write summary.json and exit with status 0; `--resume`
continues from it. A signal once the steps are over (during the final save or evaluation) ends the
evaluation within a second, between two of its passes: summary.json then has the losses computed
so far (null for the others). If it is the run's second signal, the exit status is 128 + its
number. Output to a terminal that has gone away is dropped instead of failing the run.

Exit status: 0 finished (or stopped by a signal, saved), 1 diverged (the last good checkpoint is
kept), 3 the final checkpoint could not be written (the previous one is kept), 128 + the signal's
number for a second signal.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from contextlib import contextmanager
from typing import TextIO

from . import events as ev
from .config import type_of
from .printable import printable
from .run import Run
from .watch import ended_words, overfitting_words

EXIT_OK, EXIT_DIVERGED = 0, 1
EXIT_SIGNAL = 0  # a signal stops the run cleanly: saved, summarised, resumable
EXIT_SAVE_FAILED = 3
STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


@contextmanager
def stop_on_signals(stop, signals=STOP_SIGNALS):
    """While inside, the given signals call stop(signum) instead of killing the process.

    Yields the list of signals received so far (stop can look at it: len() == 1 on the first).
    Handlers can only be set from the main thread; elsewhere this does nothing. On the way out the
    previous handlers come back."""
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


class Interrupted(KeyboardInterrupt):
    """A stop signal before training began (the data loading): there is nothing to save yet."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def interrupt_on_signals(signals=STOP_SIGNALS):
    """While inside, a stop signal raises Interrupted at once (at the next Python instruction; the
    loader's steps are each a fraction of a second), for the phases before training."""
    def interrupt(signum: int) -> None:
        raise Interrupted(signum)

    with stop_on_signals(interrupt, signals) as received:
        yield received


class SafeStream:
    """A text stream whose writes never raise: once the terminal is gone (SIGHUP closes it, a pipe's
    reader exits), output is dropped so that training, saving and the summary go on."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self.stream.write(text)
            except UnicodeEncodeError:  # a symbol its encoding cannot show: written escaped, the line kept
                enc = getattr(self.stream, "encoding", None) or "ascii"
                return self.write(text.encode(enc, "backslashreplace").decode(enc, "replace"))
            except (OSError, ValueError):  # EIO, EPIPE, or a closed file
                self._break()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._break()

    def _break(self) -> None:
        """From now on drop output; point the file descriptor at /dev/null, so that what is still
        buffered does not fail again when the interpreter flushes it on the way out."""
        self.broken = True
        try:
            fd = self.stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass

    def isatty(self) -> bool:
        try:
            return not self.broken and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


def evaluating_line(e: ev.FinalEvaluation) -> str:
    n = " + ".join(f"{v:,}" for v in e.examples.values())
    return f"final evaluation: {n} examples ({'the whole splits' if e.whole else 'a fixed sample of each split'})"


SAMPLES_SHOWN = 8  # names printed at each dev evaluation (on a terminal) and at the end


def names_line(samples, step: int) -> str:
    """Sampled names in one line, grouped as makemore.py groups them: new (in none of the data),
    real but unseen (dev or test names) and in the training data."""
    groups = {"new": [], "real but unseen": [], "in the training data": []}
    for s in samples:
        key = "in the training data" if not s.is_new else ("real but unseen" if s.held_out else "new")
        groups[key].append((printable(s.text) or "(empty)") + ("" if s.ended else "…"))
    parts = [f"{k}: {', '.join(v)}" for k, v in groups.items() if v]
    return f"samples at step {step:,}: " + " · ".join(parts)


class PlainProgress:
    """A line every `every` seconds, for logs and pipes."""

    def __init__(self, out: TextIO, every: float = 2.0):
        self.out, self.every, self._next = out, every, 0.0
        self.max_steps = 0
        self.val: float | None = None

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.Started):
            self.max_steps = e.max_steps
            print(f"training {type_of(e.config)} ({e.n_params:,} parameters) on {e.n_train:,} examples, "
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
        elif isinstance(e, ev.Overfitting):
            print(overfitting_words(e), file=self.out, flush=True)
        elif isinstance(e, ev.FinalEvaluation):
            print(evaluating_line(e), file=self.out, flush=True)

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
        self.names = None  # step -> a line of sampled names, at each dev evaluation

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.Started):
            self.console.print(f"training [bold]{type_of(e.config)}[/] ({e.n_params:,} parameters) on "
                               f"{e.n_train:,} examples")
            self.progress.start()
            self.task = self.progress.add_task("train", total=e.max_steps, completed=e.start_step, info="")
        elif isinstance(e, ev.Steps) and self.task is not None:
            val = f" dev {self.val:.4f}" if self.val is not None else ""
            self.progress.update(self.task, completed=e.step,
                                 info=f"loss {e.losses[-1]:.4f}{val}  {e.steps_per_s:,.0f} steps/s")
        elif isinstance(e, ev.Evaluated):
            self.val = e.val_loss
            if self.names is not None:  # in the training thread, between two steps: the weights are whole
                self.console.print(f"dev {e.val_loss:.4f} · {self.names(e.step)}", markup=False, highlight=False)
        elif isinstance(e, ev.Diverged):
            self.console.print(f"[red]diverged at step {e.step:,}:[/] {e.reason}")
        elif isinstance(e, ev.Overfitting):
            self.console.print(overfitting_words(e), markup=False, highlight=False)
        elif isinstance(e, ev.FinalEvaluation):
            self.console.print(evaluating_line(e))

    def close(self) -> None:
        self.progress.stop()


def attach_point(run: Run, out: TextIO):
    """status.json and control.sock in the work directory, so `makemore-tui --attach DIR` can watch
    and steer this run from another terminal (see control.py)."""
    from .control import ControlServer, StatusWriter

    status = StatusWriter(run.work_dir, extra={"input_file": run.input_file})
    run.trainer.listeners.append(status)
    try:
        return status, ControlServer(run.work_dir, run, status)
    except OSError as e:  # e.g. a socket path longer than the system allows
        print(f"note: no control socket ({e.strerror or e}); attach can watch this run but not steer it",
              file=out, flush=True)
        return status, None


def run_headless(run: Run, out: TextIO = sys.stdout, fancy: bool | None = None, err: TextIO | None = None) -> int:
    """Train to the end (or a signal), save, write summary.json; return the exit status."""
    out = out if isinstance(out, SafeStream) else SafeStream(out)
    err = SafeStream(err if err is not None else sys.stderr)
    fancy = out.isatty() if fancy is None else fancy
    view = RichProgress(out) if fancy else PlainProgress(out)
    trainer = run.trainer

    def names(step: int) -> str:
        return names_line(run.sample_here(n=SAMPLES_SHOWN, seed=run.cfg.seed + step), step)

    if fancy:  # on a terminal, as makemore.py does: names at each dev evaluation
        view.names = names
    trainer.listeners.append(view)
    # A diverged run stops: headless there is nobody to read the explanation and resume it.
    trainer.listeners.append(lambda e: trainer.stop() if isinstance(e, ev.Diverged) else None)
    run.recorder.on_error = lambda msg: _say(err, f"makemore-tui: warning: {msg}")
    final: dict = {}

    def say_failed_saves(e: ev.Event) -> None:  # at once; the final save's failure is said at the end
        if isinstance(e, ev.CheckpointFailed) and "saving" not in final:
            _say(err, f"makemore-tui: warning: {e.error} (training goes on; the next save tries again)")

    trainer.listeners.append(say_failed_saves)

    def save_before_final_evaluation() -> None:
        final["saving"] = True
        final["msg"] = run.save_checkpoint()
        final["failed"] = final["msg"].startswith("checkpoint not saved")

    trainer.before_finish.append(save_before_final_evaluation)

    def on_signal(signum: int) -> None:
        if len(received) == 1 and "saving" not in final:
            trainer.stop()  # between two steps; saved, then evaluated as at any end
        else:  # a second signal, or one after the steps: no (more) evaluation
            trainer.stop(final_evaluation=False)

    status, server = attach_point(run, out)
    status.on_error = lambda msg: _say(err, f"makemore-tui: warning: {msg}")
    with stop_on_signals(on_signal) as received:
        try:
            fin = trainer.run()
        finally:
            view.close()
            if server is not None:
                server.close()
        run.close()
        if "msg" not in final:  # stopped before the trainer's own final save
            save_before_final_evaluation()
        msg = final["msg"]
        cut = len(fin.eval_examples) < 3  # the final evaluation was skipped or cut short
        if received:
            name = signal.Signals(received[0]).name
            where = f"at step {fin.step:,}" if fin.stopped_early else "after the last step"
            if len(received) > 1 and cut:
                _say(out, f"stopped by {name} {where}; {msg}. Final evaluation skipped "
                     f"({signal.Signals(received[1]).name} again). Continue with --resume.")
            else:
                _say(out, f"stopped by {name} {where}; {msg}. Continue with --resume.")
        else:
            _say(out, msg)
        on = " (makemore.py's split: dev = test)" if run.cfg.split == "makemore" else ""
        _say(out, f"train {fin.train_loss:.4f} | dev {fin.val_loss:.4f} | test {fin.test_loss:.4f}{on} | "
             f"{fin.step:,} steps in {fin.seconds:.1f}s ({fin.steps_per_s:,.0f} steps/s) | "
             f"summary in {run.work_dir / 'summary.json'}")
        if fin.eval_examples and (fin.best_step is not None or fin.ended_on == "best"):
            _say(out, ended_words(fin))
        if len(received) > 1 and cut:
            return 128 + received[1]
        if not fin.diverged and trainer.weights_finite():
            _say(out, names(fin.best_step if fin.ended_on == "best" else fin.step))
        if fin.diverged:
            _say(out, f"the run diverged: {fin.diverged}")
            return EXIT_DIVERGED
        if final.get("failed"):
            _say(err, f"makemore-tui: error: {msg}")
            return EXIT_SAVE_FAILED
        return EXIT_SIGNAL if received else EXIT_OK
