"""Sweeps: a search of a model type's settings on a time budget, through Optuna.

`makemore-tui sweep -o DIR` runs trials, each a normal run of the engine in DIR/trials/NNNN trained
for the same number of seconds, in worker processes on this machine and on any other machine that
joins the same study. Modules:

- space.py: the search space (each model type's, from the registry), narrowed by flags or TOML;
- trial.py: one trial (its length fitted to its seconds, pruning, a clean stop);
- worker.py: a worker process (Optuna's optimize loop);
- study.py: storages, opening and resuming the study, sweep.json;
- launch.py: the `sweep` process (workers, signals, progress lines); command.py: its arguments;
- results.py: reading a sweep's files: the table, the best trial's settings (no Optuna).

No Textual here: the sweep view is app/sweep_app.py.
"""
