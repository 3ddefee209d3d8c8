"""The runs the app holds: starting one in a thread worker, its events in, the keys that steer it
(pause, step, save, stop, new settings), and letting go of every run when the app ends.

The app mixes RunControl in (class MakemoreApp(InsightActions, RunControl, App)); its message handlers
go by Textual's naming convention (on_trainer_event, ...). A run is held through interface.RunHandle
only, so a live run and an attached one (another process's) are driven alike; `run.attached` says
which, for what differs in words. Each run has an id: a message from a run that has since been
replaced is dropped.

However the app ends (q, SIGTERM or SIGHUP, an unhandled error, a test's pilot leaving), its runs are
released when it unmounts: a live run stops promptly and is saved, an attached one goes on. No
training thread outlives the app: each trains in a daemon thread of its own (never in the event
loop's executor, which would keep a process whose app has ended alive until training ends), and the
app waits for them as it ends, at most RELEASE_WAIT_S (the run saves), then lets the process go.
A lost terminal (SIGHUP, or the terminal hung up without it) quits like q, waiting at most
LOST_TERMINAL_WAIT_S: the process ends within seconds.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
import time
from functools import partial
from typing import Callable

from .. import events as ev
from ..config import Config
from ..interface import RunHandle
from ..recorder import metrics_events, read_metrics
from ..run import next_work_dir
from .messages import CheckpointDone, RunFailed, RunOpened, TrainerEvent, TrainingEnded
from .settings_screen import SettingsScreen
from .state import DIVERGED, FINISHED, PAUSED, STOPPED, TRAINING


RELEASE_WAIT_S = 60.0  # the app waits this long at most, as it ends, for its runs to stop and save
LOST_TERMINAL_WAIT_S = 4.0  # the same when its terminal is gone (the process ends within 5 s)
TERMINAL_CHECK_S = 0.5  # how often the app looks whether its terminal has hung up

# actions that do nothing for an attached run that has ended: hidden from the footer, keys off
ENDED_ATTACHED_OFF = frozenset({"toggle_pause", "step", "stop_run", "checkpoint", "settings", "apply_lr"})


class RunControl:
    """The app's side of its runs, mixed into the app."""

    current_run: RunHandle
    make_run: Callable[[Config], RunHandle] | None  # a new run from the settings form (None: not offered)

    def init_runs(self, run: RunHandle, make_run: Callable[[Config], RunHandle] | None) -> None:
        self.current_run = run
        self.make_run = make_run
        self.run_id = 0
        self.live_runs: dict[int, RunHandle] = {}  # runs whose training worker has not returned yet
        self.quitting = False
        self._eager = False  # redraw on the next event (after a key that changes the run)
        self._taken_dirs: set[str] = set()
        self.train_threads: list[threading.Thread] = []  # daemon threads, joined (bounded) as the app ends
        self.release_wait_s = RELEASE_WAIT_S
        self.opening = False  # a new run is being opened: more restart keys are refused, not queued
        self.terminal_lost = False

    # ---- the training worker -----------------------------------------------------------------
    def start_run(self, run: RunHandle) -> None:
        self.run_id += 1
        rid = self.run_id
        self.current_run = run
        self.live_runs[rid] = run
        self.state.reset(work_dir=str(run.work_dir))
        self.state.attached = run.attached
        if not run.attached and run.trainer.step > 0:
            self.load_history(run)
        self._taken_dirs.add(str(run.work_dir))
        run.trainer.listeners.append(partial(self._listen, rid))
        thread = threading.Thread(target=self._train, args=(run, rid), name=f"makemore-train-{rid}", daemon=True)
        self.train_threads = [t for t in self.train_threads if t.is_alive()] + [thread]
        thread.start()
        self.redraw(force=True)

    def load_history(self, run: RunHandle) -> None:
        """A resumed run: its steps before this session, from its metrics.jsonl (the chart shows the
        whole run, and the elapsed time goes on from where it was), before its trainer starts."""
        records, _ = read_metrics(run.work_dir)
        for e in metrics_events([r for r in records if r.step <= run.trainer.step]):
            self.state.apply(e)
        self.state.elapsed_s = max(self.state.elapsed_s, getattr(run.trainer, "elapsed", 0.0))

    def _listen(self, rid: int, event: ev.Event) -> None:
        """In the training thread: hand the event over and return at once."""
        self.post_message(TrainerEvent(rid, event))

    def _train(self, run: RunHandle, rid: int) -> None:
        """In a thread worker: train to the end (or stop), save, close the run's files. An attached
        run (another process's) is followed until it ends or the app detaches; it saves itself."""
        error = None
        try:
            run.trainer.run()
        except BaseException as e:  # shown to the user; the app goes on
            error = f"{type(e).__name__}: {e}"
        if run.attached:
            run.close()
            self.post_message(TrainingEnded(rid, "the run saved its own checkpoint", error))
            return
        try:
            msg = run.save_checkpoint()
        except Exception as e:
            msg = f"checkpoint not saved: {e}"
        finally:
            run.close()
        self.post_message(TrainingEnded(rid, msg, error))

    def on_trainer_event(self, message: TrainerEvent) -> None:
        if message.run_id != self.run_id:
            return  # from a run that has been replaced
        e = message.event
        self.state.apply(e)
        if isinstance(e, (ev.Diverged, ev.Overfitting)):
            self.bell()
            self.redraw(force=True)
        elif isinstance(e, ev.CheckpointFailed):
            self.notify(f"{e.error}. Training goes on; the next save tries again.", severity="error", timeout=10)
            self.redraw(force=True)
        elif isinstance(e, ev.Finished) or self._eager and isinstance(e, (ev.Steps, ev.Paused, ev.Resumed)):
            self._eager = False
            self.redraw()
        if isinstance(e, (ev.Started, ev.Finished)):
            self.refresh_keys()

    def on_training_ended(self, message: TrainingEnded) -> None:
        self.live_runs.pop(message.run_id, None)
        if message.run_id != self.run_id or self.quitting:
            return
        run = self.current_run
        for note in run.notes:  # an attached run whose data or weights could not be read
            self.notify(note, severity="warning", timeout=10)
        if message.error:
            self.notify(f"training stopped by an error: {message.error}", severity="error", timeout=15)
        elif run.attached:
            self.notify("the run's process has ended without finishing (killed?); its last checkpoint is kept"
                        if run.gone else f"the run has ended; {message.save_message}", timeout=8)
        elif self.state.status == FINISHED:
            self.notify(f"training finished; {message.save_message}", timeout=6)
        self.refresh_keys()
        self.redraw(force=True)

    # ---- which keys work now ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """The footer offers, and the keys do, only what works: an attached run that has ended takes
        no training keys (pause, step, stop, save, new settings) and opens no new run."""
        if action in ENDED_ATTACHED_OFF and self.current_run.attached and self.run_ended:
            return False
        return True

    def refresh_keys(self) -> None:
        """The footer follows what works now (check_action); not while the app is closing."""
        if not self.quitting and self.screen_stack:
            self.refresh_bindings()

    @property
    def run_ended(self) -> bool:
        return self.state.status in (FINISHED, STOPPED) or (self.current_run.attached and not self.current_run.alive)

    # ---- actions: training ----------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        t = self.current_run.trainer
        if self.state.status in (FINISHED, STOPPED):
            self.notify("This run has finished. Press e to train again with new settings.")
            return
        if t.paused:
            t.resume()
            self.state.status = TRAINING
        else:
            t.pause()
            if self.state.status != DIVERGED:
                self.state.status = PAUSED
        self.state.touch("status")
        self._eager = True
        self.redraw()

    def action_step(self) -> None:
        t = self.current_run.trainer
        if self.state.status in (FINISHED, STOPPED):
            self.notify("This run has finished. Press e to train again with new settings.")
            return
        if not t.paused:
            t.pause()
            self.state.status = PAUSED
            self.state.touch("status")
            self.notify("Paused. Press n again for one step at a time.", timeout=3)
        else:
            t.step_once(stats=True)  # this step's gradients and updates, for the parameter table
        self._eager = True
        self.redraw()

    def action_checkpoint(self) -> None:
        rid, run = self.run_id, self.current_run
        fut = run.request_checkpoint()

        def done(f) -> None:
            try:
                text, ok = f.result(), True
                ok = text.startswith("saved")
            except Exception as e:  # the future carries the error of the save
                text, ok = f"checkpoint not saved: {e}", False
            self.post_message(CheckpointDone(rid, text, ok))

        fut.add_done_callback(done)

    def on_checkpoint_done(self, message: CheckpointDone) -> None:
        self.notify(message.text, severity="information" if message.ok else "warning", timeout=5)

    def action_settings(self) -> None:
        if isinstance(self.screen, SettingsScreen):
            return
        nxt = next_work_dir(self.state.work_dir or "out", self._taken_dirs)
        note = f"Start trains a new run in {nxt}; this one stays saved in {self.state.work_dir}."
        if self.current_run.attached:
            self.notify("Attached to a run in another process: its settings are its own. Stop it (x) and start "
                        "a new one with the settings you want.", timeout=6)
            return
        if self.make_run is None:
            note = "This app was started without a way to open new runs; starting one is not available."
        self.push_screen(SettingsScreen(self.current_run.cfg, note), self.restart)

    def restart(self, cfg: Config | None) -> None:
        """Open a new run with cfg (off the UI thread); the current one goes on until it is ready."""
        if cfg is None or self.make_run is None:
            return
        if self.opening:  # one run for many presses (a key held, a paste): no empty directories
            self.notify("A new run is already starting; wait for it.", timeout=3)
            return
        self.opening = True
        self.notify("Starting a new run with the new settings...", timeout=3)
        self.run_worker(partial(self._open_run, cfg), thread=True, group="open", exit_on_error=False)

    def _open_run(self, cfg: Config) -> None:
        try:
            run = self.make_run(cfg)
        except Exception as e:  # ConfigError, DataError, OSError...: said in words, the old run goes on
            self.post_message(RunFailed(str(e) or type(e).__name__))
            return
        if not self.post_message(RunOpened(run)):  # the app has closed meanwhile: let the run go
            run.close()

    def on_run_failed(self, message: RunFailed) -> None:
        self.opening = False
        self.notify(f"The new run could not start: {message.error}. The current run goes on.", severity="error",
                    timeout=10)

    def on_run_opened(self, message: RunOpened) -> None:
        self.opening = False
        if self.quitting:
            message.run.close()
            return
        old = self.current_run
        old.trainer.stop()  # it finishes in its own worker: final losses, checkpoint, summary
        self.sampler.forget()
        self.start_run(message.run)
        self.sample_panel.show(self.samples)
        self.notify(f"New run in {message.run.work_dir}; the previous one is kept in {old.work_dir}.", timeout=6)

    # ---- quitting -------------------------------------------------------------------------------
    def stop_all(self) -> None:
        """Let go of every run: a live one stops promptly (and is saved), an attached one goes on."""
        self.quitting = True
        for run in list(self.live_runs.values()):
            run.release()

    def action_stop_run(self) -> None:
        """End the run (it saves, evaluates and writes its summary); the app stays open."""
        if self.state.status in (FINISHED, STOPPED):
            self.notify("This run has already ended.")
            return
        self.current_run.trainer.stop()
        self.notify("Stopping the run: it saves, evaluates the splits and writes summary.json.", timeout=5)
        self._eager = True

    async def action_quit(self) -> None:
        self.stop_all()
        self.exit()

    def on_unmount(self) -> None:
        # however the app ended (q, a signal, an unhandled error, a test's pilot leaving), the
        # training threads stop and save; the app waits for them, at most release_wait_s
        self.stop_all()
        self.join_runs(LOST_TERMINAL_WAIT_S if self.terminal_lost else self.release_wait_s)

    def join_runs(self, wait_s: float) -> bool:
        """Wait for the training threads to end, at most wait_s in all; whether they all did."""
        end = time.monotonic() + wait_s
        for t in self.train_threads:
            t.join(max(0.0, end - time.monotonic()))
        return not any(t.is_alive() for t in self.train_threads)

    def lose_terminal(self) -> None:
        """The terminal is gone (SIGHUP, or it hung up): quit as q does (the run saves), waiting
        for the run only briefly."""
        self.terminal_lost = True
        self.stop_all()
        self.exit()

    def _check_terminal(self) -> None:
        """On a timer: a terminal that hung up without a SIGHUP (its pty closed) ends the app."""
        if terminal_gone():
            self.lose_terminal()

    def _quit_on_signals(self) -> None:
        """SIGTERM and SIGHUP (an SSH connection dropping) quit like q: the run is saved."""
        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            quit_ = self.lose_terminal if sig == getattr(signal, "SIGHUP", None) else lambda: (self.stop_all(), self.exit())
            try:
                loop.add_signal_handler(sig, quit_)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        if terminal_gone(check_tty=True) is False:  # only where there is a terminal to lose
            self.set_interval(TERMINAL_CHECK_S, self._check_terminal, name="terminal-check")


def terminal_gone(check_tty: bool = False) -> bool | None:
    """Whether the terminal on stdin has hung up (POLLHUP: its other end closed) or gone; None when
    stdin is no terminal (nothing to watch)."""
    try:
        fd = 0
        if check_tty and not os.isatty(fd):
            return None
        p = select.poll()
        p.register(fd, select.POLLHUP | select.POLLERR | select.POLLNVAL)
        return any(ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, ev in p.poll(0))
    except (OSError, ValueError, AttributeError):
        return None if check_tty else True
