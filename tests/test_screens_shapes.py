"""The transformer's shapes pane explains its flattened (positions, n_embd) rows next to makemore.py's
(B, T, C), at 80x24 and 160x48."""

from __future__ import annotations

import asyncio
import re

import pytest

from makemore_tui.config import preset
from makemore_tui.data import make_dataset
from makemore_tui.models import build_model
from makemore_tui.models.base import WHY
from screens_helpers import screen_app, screen_text, wait_done

TINY = {"type": "transformer", "block_size": 8, "n_embd": 16, "n_layer": 1, "n_head": 2, "batch_size": 32,
        "learning_rate": 0.003, "optimizer": "adamw", "lr_schedule": "constant", "warmup_steps": 0}


def test_the_transformer_says_why_its_rows_are_positions(words):
    cfg = preset("seed", **TINY).validate()
    data = make_dataset(words, cfg.block_size)
    model = build_model(cfg, len(data.vocab))
    X = data.splits["train"][0][:32]
    rows = {r.name: r for r in model.shape_report(X)}
    x = rows["x"]
    N, E = x.shape
    assert E == 16 and N < 32 * 8  # the real positions only: fewer than B x T
    short, why = x.note.split(WHY)
    assert "real positions" in short
    assert "(B, T, C) = (32, 8, 16)" in why and "(positions, n_embd)" in why and f"{N} real positions" in why
    assert all(WHY not in r.note for name, r in rows.items() if name != "x")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_shapes_pane_explains_the_flattened_rows(words_file, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)

    async def go():
        app = screen_app(words_file, steps=20, cfg=TINY, eval_every=10)
        async with app.run_test(size=size) as pilot:
            await wait_done(pilot)
            await pilot.press("3")
            await pilot.pause(0.1)
            app.redraw(force=True)
            await pilot.pause(0.1)
            return screen_text(app)

    text = asyncio.run(go())
    flat = re.sub(r"[│\s]+", " ", text)
    assert re.search(r"why \(\d+, 16\)\?", flat), text
    assert "(B, T, C) = (32, 8, 16)" in flat and "(positions, n_embd)" in flat and "x[b, t]" in flat
    assert "wte[seq] + wpe[position]" in text
