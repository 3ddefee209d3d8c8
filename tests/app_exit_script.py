"""A child process for test_app_hardening.py: the app (headless Textual, through the command line's
launch.run_app) on a long run, ended one way or another: `crash` (an error inside the app), `deaf`
(a trainer that does not hear stop: the app must end anyway), `hup` (a deaf trainer and SIGHUP, a
lost terminal)."""

import sys
import threading

from textual.app import App

from makemore_tui.app import launch, run_control
from makemore_tui.app.app import MakemoreApp
from makemore_tui.config import Config
from makemore_tui.run import open_run

mode, words, work = sys.argv[1:4]
run_control.RELEASE_WAIT_S = 2.0  # the bound the app waits for a run that does not stop
run = open_run(Config(max_steps=10**9, eval_every=0, seed=1).validate(), words, work)
if mode in ("deaf", "hup"):
    run.trainer.stop = lambda final_evaluation=True: None
    run.release = lambda: None


def ready(self):
    def crash():
        raise RuntimeError("an error inside the app")

    print("READY", flush=True)
    if mode == "crash":
        self.set_timer(0.5, crash)
    elif mode == "deaf":
        self.set_timer(0.5, self.exit)


MakemoreApp.on_ready = ready
MakemoreApp.run = lambda self, **kw: App.run(self, headless=True, size=(100, 30))


class Args:
    work_dir, input_file, theme, compare = work, words, None, None


code = launch.run_app(run, Args)
print("TRAIN THREADS", sum(t.name.startswith("makemore-train") and not t.daemon for t in threading.enumerate()),
      flush=True)
sys.exit(code)
