"""The training loop: gradient descent on the makemore model, as a stream of events.

A Trainer runs in whatever thread calls `run()` (the app's worker thread, or the main thread when
headless). Other threads steer it with `pause()`, `resume()`, `step_once()`, `stop()` and
`submit(fn)`; those only set flags that the loop reads between steps, so a step is never
interrupted half-way and the loop stays free of locks on its hot path.

Listeners receive events (see events.py) in the training thread. Per-step losses are gathered and
sent as one `Steps` event every `emit_interval` seconds, so the cost of listening does not grow
with the step rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from contextlib import nullcontext
from concurrent.futures import Future
from typing import Callable

import torch

from . import events as ev
from .average import WeightAverage
from .config import Config
from .data import Dataset
from .device import resolve_device
from .evaluation import split_loss
from .models import build_model
from .optim import AdamW
from .param_stats import stats_step
from .watch import BestDev, divergence_reason


class Trainer:
    """The training loop of one run (what interface.TrainerHandle describes)."""
    FLUSH_STEPS = 8192  # losses are flushed (a Steps event) at least this often, whatever the clock

    def __init__(self, cfg: Config, data: Dataset, listeners: list[ev.Listener] | tuple = (),
                 emit_interval: float = 0.1):
        self.cfg = cfg
        self.data = data
        self.device = resolve_device(cfg.device)
        self.listeners: list[ev.Listener] = list(listeners)
        self.emit_interval = emit_interval
        self.model = build_model(cfg, len(data.vocab)).to(self.device)
        self.params = list(self.model.parameters())
        self.optimizer = self._make_optimizer()
        self.average = WeightAverage(self.params, cfg.ema) if cfg.ema else None  # --ema: what is evaluated
        self.step = 0
        self.elapsed = 0.0  # seconds spent training so far (pauses excluded), carried over a resume
        # Batches are drawn in chunks of K steps from their own generator; a checkpoint stores the
        # generator's state before the current chunk, so a resumed run draws the very same batches.
        self.chunk = max(1, min(1000, 262_144 // cfg.batch_size))
        self.batch_gen = torch.Generator().manual_seed(cfg.seed)
        self._chunk_start = -1
        self._chunk_state = self.batch_gen.get_state()
        splits = {k: s.to(self.device) for k, s in data.splits.items()}
        self._train = splits["train"]
        # Sequence models learn from every position of a window; the windows that end a word hold
        # the whole word, so drawing only those makes each batch makemore's batch of words.
        self._by_words = self.model.trains_on_words
        # what the losses are computed on: each split's fixed sample, or the whole splits
        self.eval_splits = {k: s if cfg.eval_exact else s.head() for k, s in splits.items()}
        self._fast_sgd = cfg.optimizer == "sgd" and self.model.fused_sgd
        self.start_loss: float | None = None  # mean of the first steps' losses, for divergence checks
        self.last_loss = float("nan")
        self.last_val: float | None = None
        self.last_val_step = -1  # its step
        self.best = BestDev(keep_weights=cfg.keep_best)  # the best dev loss, its step and weights; overfitting
        self.ended_on = "last"  # the weights the run ended on: the last step's, or the best dev's (finish)
        self._last_weights: dict | None = None  # the last step's, kept for the checkpoint once the model holds the best
        # the step whose evaluation a stop cut short: a run resumed from that step evaluates first
        self.eval_owed: int | None = None
        self.diverged: str | None = None
        self.last_dev: float | None = None  # the last step's weights' dev loss, from the final evaluation
        # steering from other threads
        self._cv = threading.Condition()
        self._attention = False  # any request pending; read without the lock on each step
        self._paused = False
        self._pause_reason = ""
        self._stopping = False
        self._final_evaluation = True
        self._single_steps = 0
        self._tasks: deque[tuple[Callable, Future]] = deque()
        self._running = False
        self._stats_due = False
        self._rng_restored = False  # load_state_dict set the global generator: run() must not reseed it
        # Called in the training thread when the loop has stopped, before the final evaluation
        # (which can take a while on a large data set): the place to save a checkpoint.
        self.before_finish: list[Callable[[], object]] = []

    # ---- steering (any thread) -------------------------------------------------------------
    def _poke(self, **changes) -> None:
        with self._cv:
            for k, v in changes.items():
                setattr(self, k, v)
            self._attention = True
            self._cv.notify_all()

    def pause(self, reason: str = "") -> None:
        self._pause_reason = reason
        self._poke(_paused=True)

    def resume(self) -> None:
        self._poke(_paused=False, _single_steps=0)

    def step_once(self, n: int = 1, stats: bool = False) -> None:
        """While paused, run n more steps and stay paused; with stats, the first of them also measures
        each parameter's gradient and update (a ParamStats event, for the parameter table)."""
        with self._cv:
            self._poke(_single_steps=self._single_steps + n, _stats_due=self._stats_due or stats)

    def stop(self, final_evaluation: bool = True) -> None:
        """End the run between two steps. Without final_evaluation the splits are not evaluated at the
        end (quitting must be prompt; an evaluation under way stops between two of its passes), and
        the Finished event's losses not computed are NaN."""
        self._final_evaluation = self._final_evaluation and final_evaluation
        self._poke(_stopping=True)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def running(self) -> bool:
        return self._running

    def submit(self, fn: Callable[[], object]) -> Future:
        """Run fn in the training thread between two steps (now, if no run is under way)."""
        fut: Future = Future()
        with self._cv:
            if self._running:
                self._tasks.append((fn, fut))
                self._attention = True
                self._cv.notify_all()
                return fut
        _run_task(fn, fut)
        return fut

    # ---- the loop ----------------------------------------------------------------------------
    def emit(self, event: ev.Event) -> None:
        for fn in self.listeners:
            fn(event)

    def first_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The first batch_size examples that batches are drawn from (whole words for a model that
        trains on words): for timing a step (threads.choose_threads)."""
        return self._train.first(self.cfg.batch_size, words=self._by_words)

    def _make_optimizer(self):
        if self.cfg.optimizer == "adamw":
            return AdamW(self.params, lr=self.cfg.learning_rate, weight_decay=self.cfg.weight_decay, betas=(0.9, 0.99))
        return None  # plain SGD is a single in-place update; see _update

    def _batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        K, B = self.chunk, self.cfg.batch_size
        start = step - step % K
        if start != self._chunk_start:
            if self._chunk_start != -1 and start != self._chunk_start + K:
                raise RuntimeError("batches must be drawn in order")
            self._chunk_state = self.batch_gen.get_state()
            n = self._train.n_words if self._by_words else self._train.examples
            ix = torch.randint(0, n, (K * B,), generator=self.batch_gen).to(self.device)
            Xc, Yc = self._train.windows(self._train.word_ends(ix) if self._by_words else ix)
            self._Xs, self._Ys = Xc.split(B), Yc.split(B)  # the chunk's batches: views, made at once
            self._chunk_start = start
        return self._Xs[step - start], self._Ys[step - start]

    def _steps_until(self, until: float) -> None:
        """Train one step, then more until something else is due: the end of the batches' chunk, a dev
        evaluation, the last step, a request from another thread, or the clock's `until` (a flush)."""
        cfg, step = self.cfg, self.step
        self._batch(step)  # draws the chunk this step is in, if it is a new one
        start = self._chunk_start
        end = min(start + self.chunk, cfg.max_steps, step + max(1, self.FLUSH_STEPS - len(self._losses)))
        if cfg.eval_every:
            end = min(end, (step // cfg.eval_every + 1) * cfg.eval_every)
        Xs, Ys, lr_at, train, average = self._Xs, self._Ys, cfg.lr_at, self._train_step, self.average
        add_loss, add_lr, clock = self._losses.append, self._lrs.append, time.perf_counter
        while True:
            lr = lr_at(step)
            add_loss(train(Xs[step - start], Ys[step - start], lr))
            add_lr(lr)
            step += 1
            self.step = step
            if average is not None:
                average.update()
            if step >= end or self._attention or clock() >= until:
                return

    def _train_step(self, X: torch.Tensor, Y: torch.Tensor, lr: float) -> torch.Tensor:
        wd = self.cfg.weight_decay
        if self._fast_sgd:
            if wd:
                with torch.no_grad():
                    torch._foreach_mul_(self.params, 1.0 - lr * wd)
            return self.model.sgd_step(X, Y, lr)
        if self.model.hand_backward:
            loss = self.model.backward_by_hand(X, Y)
        else:
            for p in self.params:
                p.grad = None
            loss = self.model.loss(X, Y)
            loss.backward()
        if self.optimizer is not None:
            self.optimizer.step(lr)
        else:
            with torch.no_grad():
                if wd:
                    torch._foreach_mul_(self.params, 1.0 - lr * wd)
                torch._foreach_add_(self.params, [p.grad for p in self.params], alpha=-lr)
        return loss.detach()

    def _service(self) -> bool:
        """Handle requests from other threads; wait while paused. False when the run must stop."""
        with self._cv:
            self._attention = False
            tasks = list(self._tasks)
            self._tasks.clear()
        for fn, fut in tasks:
            _run_task(fn, fut)
        with self._cv:
            if self._paused and not self._stopping and self._single_steps == 0:
                self._flush()
                self.emit(ev.Paused(step=self.step, reason=self._pause_reason))
                paused_at = time.perf_counter()
                while self._paused and not self._stopping and self._single_steps == 0:
                    if self._tasks:
                        tasks = list(self._tasks)
                        self._tasks.clear()
                        self._cv.release()
                        try:
                            for fn, fut in tasks:
                                _run_task(fn, fut)
                        finally:
                            self._cv.acquire()
                        continue
                    self._cv.wait(0.5)
                idle = time.perf_counter() - paused_at
                self._t0 += idle  # paused time is not training time
                self._rate_t += idle
                if not self._paused:
                    self._pause_reason = ""
                    self.emit(ev.Resumed(step=self.step))
            if self._single_steps > 0:
                self._single_steps -= 1
                self._attention = True  # come back here after this one step
            return not self._stopping

    def _flush(self) -> None:
        if not self._losses:
            return
        losses = torch.stack(self._losses).tolist()
        first = self.step - len(losses)
        now = time.perf_counter()
        rate = (self.step - self._rate_step) / max(1e-9, now - self._rate_t)
        self._rate_step, self._rate_t = self.step, now
        self.elapsed = self._elapsed_before + (now - self._t0)
        self.last_loss = losses[-1]
        if self.start_loss is None and self.step >= 1:
            # The first step's loss (the weights as initialised or resumed): with a huge rate the
            # steps after it may already be blowing up, and must not raise the reference.
            self.start_loss = losses[0] if math.isfinite(losses[0]) else None
        self._recent.extend(losses)
        self.emit(ev.Steps(first_step=first, losses=losses, lrs=self._lrs, step=self.step,
                           elapsed_s=self.elapsed, steps_per_s=rate))
        self._losses, self._lrs = [], []
        if self.diverged is None:
            reason = divergence_reason(list(self._recent), self.start_loss, self.cfg.lr_at(self.step - 1))
            if reason:
                self.diverged = reason
                self.emit(ev.Diverged(step=self.step, loss=self.last_loss, reason=reason))
                self._paused = True
                self._pause_reason = "diverged"
                self._attention = True

    def weights_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.params)

    def _evaluate_dev(self) -> None:
        with self.average.applied() if self.average is not None else nullcontext():  # best weights: the average's
            self._evaluate_dev_now()

    def _evaluate_dev_now(self) -> None:
        val = split_loss(self.model, self.eval_splits["dev"], stop=lambda: self._stopping)
        if val is None:  # a stop came part-way: owed to a run resumed from this step
            self.eval_owed = self.step
            return
        self.eval_owed = None
        self.last_val, self.last_val_step = val, self.step
        self.emit(ev.Evaluated(step=self.step, val_loss=val))
        if self.best.update(self.step, val, self.model):
            b = self.best
            self.emit(ev.Overfitting(step=self.step, best_step=b.step, best_val_loss=b.val, val_loss=val,
                                     evaluations=b.above, stopping=self.cfg.keep_best))
            if self.cfg.keep_best:  # ends on the best weights (finish)
                self._poke(_stopping=True)

    def run(self) -> ev.Finished:
        """Train until max_steps or stop(); returns (and emits) the final event."""
        cfg = self.cfg
        if not self._rng_restored:
            torch.manual_seed(cfg.seed)  # anything drawing from the global generator is seeded too
        with self._cv:
            self._running = True
        self.emit(ev.Started.of(
            cfg.to_dict(), self.model, self._train.first(cfg.batch_size)[0], vocab=self.data.vocab.itos,
            start_step=self.step, max_steps=cfg.max_steps, threads=torch.get_num_threads(),
            sizes=tuple(self.data.splits[k].examples for k in ("train", "dev", "test")),
        ))
        self._losses: list[torch.Tensor] = []
        self._lrs: list[float] = []
        self._recent: deque[float] = deque(maxlen=200)
        self._elapsed_before = self.elapsed
        self._t0 = time.perf_counter()
        self._rate_step, self._rate_t = self.step, self._t0
        next_flush = self._t0 + self.emit_interval
        stopped = False
        self.model.train()
        if self.average is not None:
            self.average.resume_training()  # where the end of an earlier run() had loaded the average
        if self.eval_owed == self.step and self.step < cfg.max_steps:
            self._evaluate_dev()  # resumed where a stop had cut this step's evaluation short
        try:
            while self.step < cfg.max_steps:
                if self._attention and not self._service():
                    stopped = True
                    break
                if self._stats_due:
                    self._stats_due = False
                    stats_step(self)
                else:
                    self._steps_until(next_flush)
                if cfg.eval_every and self.step % cfg.eval_every == 0 and self.step < cfg.max_steps:
                    self._flush()
                    self._evaluate_dev()
                if time.perf_counter() >= next_flush or len(self._losses) >= self.FLUSH_STEPS:
                    self._flush()
                    self._stats_due = True
                    next_flush = time.perf_counter() + self.emit_interval
            self._flush()
            self._service()  # answer anything submitted during the last steps
        finally:
            with self._cv:
                self._running = False
                tasks = list(self._tasks)
                self._tasks.clear()
            for fn, fut in tasks:
                _run_task(fn, fut)
        self.elapsed = self._elapsed_before + (time.perf_counter() - self._t0)
        if self.average is not None and self.average.updates:
            self.average.load_into_model()  # the run ends on the average: saved, evaluated, sampled
        for fn in self.before_finish:
            fn()
        return self.finish(stopped)

    def final_losses(self) -> dict[str, float]:
        """Each split's loss, on its sample or whole (eval_splits), of the weights the run ends on:
        with keep_best, the best dev's where its dev loss beats the last step's (evaluated first).
        A stop(final_evaluation=False) part-way ends it between two passes: the splits not done
        are left out."""
        stop = lambda: not self._final_evaluation  # noqa: E731
        losses: dict[str, float] = {}
        b = self.best
        if self.cfg.keep_best and b.weights is not None and b.step != self.step and self.weights_finite():
            last = self.last_val if self.last_val_step == self.step else split_loss(
                self.model, self.eval_splits["dev"], stop=stop)
            if last is None:
                return losses
            self.last_dev = last
            if b.val < last:
                self._last_weights, self.ended_on = b.swap_into(self.model), "best"
            else:
                losses["dev"] = last
        for i, k in enumerate(todo := [k for k in ("train", "dev", "test") if k not in losses]):
            if (loss := split_loss(self.model, self.eval_splits[k], stop=stop)) is None:
                break
            losses[k] = loss
            self.emit(ev.SplitEvaluated(step=self.step, split=k, done=i + 1, total=len(todo)))
        return {k: losses[k] for k in ("train", "dev", "test") if k in losses}

    def finish(self, stopped: bool) -> ev.Finished:
        nan = float("nan")
        losses: dict[str, float] = {}
        sizes = {k: s.examples for k, s in self.eval_splits.items()}
        whole = all(n == self.data.splits[k].examples for k, n in sizes.items())
        if self._final_evaluation:
            self.emit(ev.FinalEvaluation(step=self.step, examples=sizes, whole=whole))
            losses = self.final_losses()
        fin = ev.Finished(
            step=self.step, train_loss=losses.get("train", nan), val_loss=losses.get("dev", nan),
            test_loss=losses.get("test", nan), seconds=self.elapsed,
            steps_per_s=self.step / self.elapsed if self.elapsed > 0 else 0.0, stopped_early=stopped,
            diverged=self.diverged, eval_examples={k: sizes[k] for k in losses}, eval_whole=bool(losses) and whole,
            best_step=self.best.step, best_val_loss=self.best.val, ended_on=self.ended_on,
            overfitting_at=self.best.overfitting_at,
            last_val_loss=self.last_dev if self.ended_on == "best" else losses.get("dev", self.last_dev),
        )
        self.emit(fin)
        return fin

    # ---- state, for checkpoints --------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "step": self.step,
            "elapsed": self.elapsed,
            "model": {k: v.detach().cpu() for k, v in (self._last_weights or self.model.state_dict()).items()},
            "optimizer": self.optimizer.state_dict() if self.optimizer is not None else {},
            "batch_gen": self._chunk_state if self._chunk_start <= self.step < self._chunk_start + self.chunk
            else self.batch_gen.get_state(),
            "chunk_start": self._chunk_start,
            "torch_rng": torch.get_rng_state(),
            "start_loss": self.start_loss,
            "eval_owed": self.eval_owed,
            "best": self.best.state_dict(),
            "average": self.average.state_dict() if self.average is not None else None,
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        if self.optimizer is not None and state.get("optimizer"):
            self.optimizer.load_state_dict(state["optimizer"])
        self.step = int(state["step"])
        self.elapsed = float(state.get("elapsed", 0.0))
        self.batch_gen.set_state(state["batch_gen"])
        self._chunk_state = state["batch_gen"]
        # The stored generator state is the one before the chunk that holds `step`; the next
        # _batch call regenerates that chunk from it.
        self._chunk_start = -1
        torch.set_rng_state(state["torch_rng"])
        self._rng_restored = True
        start_loss = state.get("start_loss")
        self.start_loss = float(start_loss) if isinstance(start_loss, (int, float)) else None
        owed = state.get("eval_owed")
        self.eval_owed = int(owed) if isinstance(owed, int) else None
        self.best.load_state_dict(state.get("best"))
        if self.average is not None:
            self.average.load_state_dict(state.get("average"))


def _run_task(fn: Callable, fut: Future) -> None:
    if not fut.set_running_or_notify_cancel():
        return
    try:
        fut.set_result(fn())
    except BaseException as e:  # handed to whoever waits on the future
        fut.set_exception(e)
