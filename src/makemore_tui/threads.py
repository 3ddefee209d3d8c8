"""How many CPU threads torch gets for a run, chosen by measuring when the run starts.

Small models (the seed and lecture networks) get one thread: a second only adds hand-off cost. For
larger ones more threads can win on an idle machine and lose badly on a busy one, where torch's
extra threads spin against the other load (a wavenet step was 3.6 times slower with two threads
than with one on a loaded two-core machine). So the default is one thread unless a measurement on
this machine, now, shows that more threads make the run's own training step clearly faster. The
measurement times forward and backward passes of a copy of the model (the run's weights are not
touched) with one thread and with all cores (up to 8), alternately, and keeps the better.
"""

from __future__ import annotations

import copy
import os
import time

import torch

from .models.base import train_without_dropout

MAX_THREADS = 8
SMALL_WORK = 4_000_000  # multiply-adds a step below which one thread always wins
MIN_GAIN = 1.25  # more threads must make a step at least this much faster to be chosen
PROBE_S = 0.15  # seconds of timing per setting and round (two rounds)


def step_work(cfg, model: torch.nn.Module) -> int:
    """About how many multiply-adds a training step makes: batch x parameters, times the window for
    models that read it in order."""
    n_params = sum(p.numel() for p in model.parameters())
    per_example = n_params * (cfg.block_size if model.trains_on_words else 1)
    return cfg.batch_size * per_example


def _time_steps(model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, threads: int, budget_s: float) -> float:
    """Seconds a forward and backward pass takes with `threads` threads (the best of a few)."""
    torch.set_num_threads(threads)
    model.zero_grad(set_to_none=True)
    model.loss(X, Y).backward()  # warm-up
    best, end = float("inf"), time.perf_counter() + budget_s
    for _ in range(50):
        t0 = time.perf_counter()
        model.loss(X, Y).backward()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() > end:
            break
    return best


def choose_threads(cfg, model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor,
                   cores: int | None = None) -> tuple[int, str]:
    """(threads, why) for training `model` with batches like (X, Y); sets torch's thread count."""
    cores = max(1, min(MAX_THREADS, cores or os.cpu_count() or 1))
    if cores == 1 or step_work(cfg, model) < SMALL_WORK:
        torch.set_num_threads(1)
        return 1, "one thread: the model is small"
    probe = train_without_dropout(copy.deepcopy(model))
    if model.trains_on_words:
        X, Y = X[Y == 0], Y[Y == 0]  # the windows such a model trains on: whole words
    X, Y = X[: cfg.batch_size], Y[: cfg.batch_size]
    one = many = float("inf")
    for _ in range(2):  # alternate, so a burst of other load hits both settings
        one = min(one, _time_steps(probe, X, Y, 1, PROBE_S))
        many = min(many, _time_steps(probe, X, Y, cores, PROBE_S))
    if one / many >= MIN_GAIN:
        torch.set_num_threads(cores)
        return cores, f"{cores} threads: a step took {many * 1e3:.1f} ms with {cores}, {one * 1e3:.1f} ms with one"
    torch.set_num_threads(1)
    return 1, f"one thread: a step took {one * 1e3:.1f} ms with one, {many * 1e3:.1f} ms with {cores}"
