"""Long runs: metrics.jsonl grows at a bounded rate and memory stays flat."""

from __future__ import annotations

import os
from pathlib import Path

from makemore_tui import events as ev
from makemore_tui.data import load_dataset
from makemore_tui.recorder import METRICS
from makemore_tui.run import Run

from helpers import tiny_config


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
