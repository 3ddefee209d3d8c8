"""Run comparison (insight/compare.py): work directories read back, the settings table, the curves cut
to a chart's width and its step axis."""

from __future__ import annotations

import json

import pytest

from makemore_tui.insight.charts import STEP_TICK_COLS
from makemore_tui.insight.compare import RunError, compare_rows, load_run
from makemore_tui.series import downsample
from makemore_tui.ticks import x_ticks


def test_load_run_reads_the_work_directory_files(runs, capsys):
    _, a, _ = runs
    capsys.readouterr()
    rec = load_run(a)
    lines = [json.loads(x) for x in (a / "metrics.jsonl").read_text().splitlines()]
    assert rec.steps == [d["step"] for d in lines if d.get("train_loss") is not None]
    assert rec.train_loss == [d["train_loss"] for d in lines if d.get("train_loss") is not None]
    assert rec.val_steps == [d["step"] for d in lines if d.get("val_loss") is not None] == [100, 200]
    assert rec.config == json.loads((a / "config.json").read_text())
    assert rec.summary == json.loads((a / "summary.json").read_text())
    assert rec.best_val() == rec.summary["val_loss"]


def test_load_run_skips_a_torn_line_and_refuses_an_empty_directory(tmp_path):
    (tmp_path / "metrics.jsonl").write_text('{"step": 10, "train_loss": 3.0}\n{"step": 20, "train_lo')
    rec = load_run(tmp_path)
    assert rec.steps == [10] and rec.train_loss == [3.0] and rec.summary is None
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RunError):
        load_run(empty)


def test_compare_rows_list_settings_that_differ_and_results(runs):
    _, a, b = runs
    ra, rb = load_run(a), load_run(b)
    header, rows = compare_rows([ra, rb], only_different=True)
    assert header == ["", "a", "b"]
    table = {r[0]: r[1:] for r in rows}
    assert table["learning_rate"] == ["0.1", "0.05"] and table["max_steps"] == ["300", "200"]
    assert "n_hidden" not in table and "block_size" not in table  # the same in both
    assert table["steps"] == ["300", "200"]
    assert table["dev loss"] == [f"{ra.summary['val_loss']:.4f}", f"{rb.summary['val_loss']:.4f}"]
    _, all_rows = compare_rows([ra, rb])
    assert {r[0] for r in all_rows} >= {"n_hidden", "block_size", "learning_rate"}


def test_downsample_is_bounded_and_averages_buckets():
    xs = list(range(1000))
    ys = [float(x) for x in xs]
    ox, oy = downsample(xs, ys, 100)
    assert len(ox) == 100 and ox[-1] == 999
    assert oy[0] == pytest.approx(sum(range(10)) / 10)
    assert downsample(xs[:50], ys[:50], 100) == (xs[:50], ys[:50])


# ---- the runs' chart: its step axis ------------------------------------------------------------------

def test_step_ticks_are_round_and_inside_the_range():
    ticks, labels = x_ticks(320.5, 81300.5, 80, STEP_TICK_COLS)
    assert ticks == [20000, 40000, 60000, 80000] and labels == ["20k", "40k", "60k", "80k"]
    ticks, labels = x_ticks(1, 300, 160, STEP_TICK_COLS)
    assert ticks[0] >= 1 and ticks[-1] <= 300 and all(t % 50 == 0 for t in ticks)


def test_compare_rows_show_the_split_and_dropout_where_a_run_leaves_the_default(runs, tmp_path):
    _, a, b = runs
    ra, rb = load_run(a), load_run(b)
    _, rows = compare_rows([ra, rb])
    assert not {"split", "dropout"} & {r[0] for r in rows}  # both on the lecture split, no dropout
    rb.config = {**rb.config, "split": "makemore", "dropout": 0.1}
    table = {r[0]: r[1:] for r in compare_rows([ra, rb])[1]}
    assert table["split"] == ["lecture", "makemore"] and table["dropout"] == ["0", "0.1"]


def test_compare_rows_show_a_types_own_settings_where_a_run_of_it_is_compared():
    from makemore_tui.config import preset
    from makemore_tui.insight.compare import RunRecord

    mlp = RunRecord("a", config=preset("seed").to_dict())
    gpt = RunRecord("b", config=preset("transformer", n_layer=2).to_dict())
    keys = {r[0] for r in compare_rows([mlp])[1]}
    assert "n_hidden" in keys and not {"n_layer", "n_head"} & keys  # the MLP has no layers nor heads
    table = {r[0]: r[1:] for r in compare_rows([mlp, gpt])[1]}
    assert table["n_layer"] == ["4", "2"] and table["n_head"] == ["4", "4"]
