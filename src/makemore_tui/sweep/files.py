"""The files of a sweep's directory (no Optuna, no torch: the app and the table read them too).

    DIR/sweep.json          the trials and the best (rewritten atomically; see study.py)
    DIR/study.json          the study's name and storage, for `sweep` again in DIR
    DIR/study.journal       the study itself, unless --storage puts it elsewhere
    DIR/trials/NNNN/        each trial's run: config.json, metrics.jsonl, summary.json, model.pt
"""

from __future__ import annotations

import os
from pathlib import Path

SWEEP_JSON = "sweep.json"
STUDY_FILE = "study.json"
JOURNAL = "study.journal"
LOCK = ".sweep.lock"
TRIALS = "trials"


def trial_dir(sweep_dir: str | os.PathLike, number: int) -> Path:
    return Path(sweep_dir) / TRIALS / f"{number:04d}"
