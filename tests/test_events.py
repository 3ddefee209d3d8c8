"""The Started event: one construction, for the trainer and for an attached app."""

from __future__ import annotations

from makemore_tui import events as ev
from makemore_tui.data import make_dataset
from makemore_tui.trainer import Trainer

from helpers import make_words, tiny_config


def test_the_trainers_started_event_is_started_of_its_model():
    cfg = tiny_config(max_steps=3).validate()
    data = make_dataset(make_words(), 3)
    t = Trainer(cfg, data)
    seen = []
    t.listeners.append(seen.append)
    t.run()
    started = seen[0]
    assert isinstance(started, ev.Started)
    X = data.splits["train"][0][: cfg.batch_size]
    sizes = tuple(int(data.splits[k][0].shape[0]) for k in ("train", "dev", "test"))
    again = ev.Started.of(cfg.to_dict(), t.model, X, vocab=data.vocab.itos, max_steps=3, sizes=sizes,
                          threads=started.threads)
    assert again == started
    assert started.n_params == sum(p.numel for p in started.params) == sum(p.numel() for p in t.model.parameters())
    assert [name for name, *_ in started.shapes][:1] and started.vocab[0] == "."


def test_a_bare_started_event_has_the_numbers_given_and_no_tables():
    bare = ev.Started.of({"type": "mlp"}, n_params=3481, max_steps=400)
    assert (bare.n_params, bare.max_steps, bare.params, bare.shapes, bare.vocab) == (3481, 400, [], [], [])
    assert (bare.start_step, bare.n_train, bare.n_dev, bare.n_test, bare.threads) == (0, 0, 0, 0, 0)
