"""metrics.jsonl's one reader (recorder.read_metrics), beside its writer."""

from __future__ import annotations

import json

from makemore_tui.recorder import METRICS, MetricsLine, read_metrics, truncate_metrics


def test_read_metrics_reads_every_kind_of_line_and_skips_what_is_not_one(tmp_path):
    (tmp_path / METRICS).write_text(
        '{"step": 10, "train_loss": 3.0, "lr": 0.1, "elapsed_s": 0.5}\n'
        '{"step": 20, "train_loss": null, "lr": null, "elapsed_s": 0.9, "val_loss": 2.5}\n'
        'not json\n[1, 2]\n{"no step": 1}\n'
        '{"step": 30, "train_loss": 2.0, "lr": 0.1, "elapsed_s": 1.0, "val_loss": 2.4}')
    lines, offset = read_metrics(tmp_path)
    assert lines == [MetricsLine(10, 3.0, 0.1, 0.5), MetricsLine(20, None, None, 0.9, 2.5),
                     MetricsLine(30, 2.0, 0.1, 1.0, 2.4)]
    assert offset == (tmp_path / METRICS).stat().st_size


def test_following_a_file_being_written_leaves_a_torn_line_for_later(tmp_path):
    path = tmp_path / METRICS
    assert read_metrics(tmp_path, 0, follow=True) == ([], 0)  # not there yet
    path.write_text('{"step": 10, "train_loss": 3.0}\n{"step": 20, "train_lo')
    lines, offset = read_metrics(tmp_path, 0, follow=True)
    assert [x.step for x in lines] == [10] and offset == len('{"step": 10, "train_loss": 3.0}\n')
    with open(path, "a") as f:
        f.write('ss": 2.5}\n')
    lines, end = read_metrics(tmp_path, offset, follow=True)
    assert lines == [MetricsLine(20, 2.5)] and end == path.stat().st_size
    assert read_metrics(tmp_path, end, follow=True) == ([], end)


def test_truncate_keeps_the_lines_the_reader_reads_up_to_a_step(tmp_path):
    path = tmp_path / METRICS
    path.write_text('{"step": 10, "train_loss": 3.0}\n{"step": 20, "train_loss": 2.0}\n{"step": 30, "tra')
    truncate_metrics(tmp_path, 20)
    assert [json.loads(x)["step"] for x in path.read_text().splitlines()] == [10, 20]
    truncate_metrics(tmp_path, 10)
    assert [x.step for x in read_metrics(tmp_path)[0]] == [10]
