"""Each model type's named presets: sets of changes to Config's defaults (the MLP's seed network).
Flags given on the command line override them. The registry (models/__init__.py) gives each type
its own; config.PRESETS lists them all, in the registry's order.

The types after the MLP use lecture 3's, lecture 5's and makemore.py's sizes; their recipes are
tuned to train in about five minutes on two cores (see benchmarks/bench_models.py). makemore.py's
own recipe is -l 5e-4 -w 0.01 -b 32 --lr-schedule constant. The sequence models' presets name
their init, makemore.py's (the one "seed" means for them too), so config.json says which it was.
"""

MLP: dict[str, dict] = {
    # The network of the notes: block 3, 2-d embeddings, 100 hidden units, SGD at 0.1.
    "seed": dict(),
    # Lecture 2's final recipe: 10-d embeddings, 200 hidden, lr 0.1 then 0.01 from step 100,000.
    "lecture": dict(
        n_embd=10, n_hidden=200, max_steps=200_000, lr_schedule="step", lr_decay_at=0.5, lr_decay_factor=0.1,
        eval_every=10_000,
    ),
    # The quickest recipe found to a dev loss at or under 2.17 (see README, "Benchmarks").
    "fast": dict(
        block_size=5, n_embd=12, n_hidden=200, init="kaiming", batch_size=512, optimizer="adamw",
        learning_rate=3e-2, weight_decay=0.01, lr_schedule="cosine", warmup_steps=30, min_lr=1e-4,
        max_steps=300, eval_every=0, log_every=10,
    ),
    # The best this MLP family reaches in about a minute on two cores.
    "best": dict(
        block_size=8, n_embd=24, n_hidden=512, init="kaiming", batch_size=256, optimizer="adamw",
        learning_rate=3e-3, weight_decay=0.1, lr_schedule="cosine", warmup_steps=200, min_lr=1e-5,
        max_steps=20_000, eval_every=2_000, log_every=100,
    ),
}

BIGRAM: dict[str, dict] = {
    "bigram": dict(
        type="bigram", block_size=1, batch_size=256, optimizer="adamw", learning_rate=0.1, weight_decay=0.0,
        lr_schedule="cosine", warmup_steps=0, min_lr=1e-3, max_steps=3_000, eval_every=500, log_every=50,
    ),
}

MLP_BN: dict[str, dict] = {
    # Lecture 3's final: BatchNorm MLP, 10-d embeddings, 200 hidden, SGD 0.1 then 0.01 from step 100,000.
    "mlp-bn": dict(
        type="mlp-bn", block_size=3, n_embd=10, n_hidden=200, init="kaiming", max_steps=200_000,
        lr_schedule="step", lr_decay_at=0.5, lr_decay_factor=0.1, eval_every=10_000,
    ),
}

WAVENET: dict[str, dict] = {
    # Lecture 5's final network (76,579 parameters) with a one-minute recipe: longer overfits
    # (dev 1.988 at 25,000 steps, 2.044 at 140,000 on names; benchmarks/bench_models.py).
    "wavenet": dict(
        type="wavenet", block_size=8, n_embd=24, n_hidden=128, batch_size=128, optimizer="adamw",
        learning_rate=3e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=200, min_lr=3e-5,
        max_steps=25_000, eval_every=5_000, log_every=100,
    ),
    # ... and with lecture 5's own recipe: SGD 0.1, then 0.01 from step 150,000 of 200,000.
    "wavenet-lecture": dict(
        type="wavenet", block_size=8, n_embd=24, n_hidden=128, max_steps=200_000, lr_schedule="step",
        lr_decay_at=0.75, lr_decay_factor=0.1, eval_every=10_000,
    ),
}

# makemore.py's sizes: n_embd 64, n_embd2 64; block 16 = the longest name (15) + 1. Larger
# batches than makemore's 32: a step of these models is mostly per-operation overhead.
RNN: dict[str, dict] = {
    "rnn": dict(
        type="rnn", init="makemore", block_size=16, n_embd=64, n_hidden=64, batch_size=256, optimizer="adamw",
        learning_rate=6e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=100, min_lr=6e-5,
        max_steps=40_000, eval_every=2_000, log_every=100,
    ),
}

GRU: dict[str, dict] = {
    "gru": dict(
        type="gru", init="makemore", block_size=16, n_embd=64, n_hidden=64, batch_size=256, optimizer="adamw",
        learning_rate=6e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=100, min_lr=6e-5,
        max_steps=5_000, eval_every=500, log_every=50,  # longer overfits: dev 2.038 at 15,000 steps
    ),
}

BOW: dict[str, dict] = {
    # makemore.py's BoW sizes (n_embd 64, n_embd2 64, block 16) with a one-minute recipe.
    "bow": dict(
        type="bow", init="makemore", block_size=16, n_embd=64, n_hidden=64, batch_size=256, optimizer="adamw",
        learning_rate=6e-3, weight_decay=0.01, lr_schedule="cosine", warmup_steps=100, min_lr=6e-5,
        max_steps=10_000, eval_every=1_000, log_every=100,
    ),
}

TRANSFORMER: dict[str, dict] = {
    # makemore.py's layer (n_embd 64, 4 heads, block 16) and init, 6 blocks deep, with the recipe a
    # transformer sweep of 300-second trials found (README, "The five-minute transformer"): AdamW
    # 4.5e-3 on a cosine to 1e-4, weight decay 0.06, dropout 0.09, the weights' average (decay 0.998)
    # evaluated and kept. Without dropout and decay the model overfits within two cores' five
    # minutes; with the earlier recipe (4 blocks, 2e-3, wd 0.1, dropout 0.1, no average, 6,000
    # steps) dev was 1.9508 on the lecture split of makemore's names.
    "transformer": dict(
        type="transformer", init="makemore", block_size=16, n_embd=64, n_layer=6, n_head=4, batch_size=128,
        optimizer="adamw", dropout=0.09, ema=0.998,
        learning_rate=4.5e-3, weight_decay=0.06, lr_schedule="cosine", warmup_steps=200, min_lr=1e-4,
        max_steps=6_000, eval_every=500, log_every=50,
    ),
}
