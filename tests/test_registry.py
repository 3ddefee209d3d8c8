"""The model registry (models/__init__.py) is the one place that knows the model types: a type that
only this test defines and registers trains through the real Run, checkpoints and reloads, shows
its parameters and shapes in the app, and is taken by `--type`; and no module outside models/
names a type."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from makemore_tui import checkpoint as ckpt
from makemore_tui import events as ev
from makemore_tui import models
from makemore_tui.cli import build_parser, config_from_args, main
from makemore_tui.config import PRESETS, ConfigError, preset
from makemore_tui.models.base import Model, record
from makemore_tui.run import estimate_params, load_for_sampling, open_run
from makemore_tui.sampling import sample

from helpers import SRC

TOY = "toy-mean"


class ToyMean(Model):
    """The window's embeddings, averaged, then one linear map to the logits."""

    def __init__(self, cfg, vocab_size: int):
        super().__init__()
        g = torch.Generator().manual_seed(cfg.seed)
        self.toy_emb = nn.Parameter(torch.randn(vocab_size, cfg.n_embd, generator=g))
        self.toy_out = nn.Parameter(torch.randn(cfg.n_embd, vocab_size, generator=g) * 0.1)

    def _forward(self, X, rec):
        record(rec, "X", "X", X, "the window")
        mean = self.toy_emb[X].mean(1)  # (B, T, E) -> (B, E)
        record(rec, "toy_mean", "toy_emb[X].mean(1)", mean, "the window's embeddings, averaged")
        logits = mean @ self.toy_out  # (B, V)
        record(rec, "logits", "toy_mean @ toy_out", logits, "one score per symbol")
        return logits


def _check_toy(cfg) -> None:
    if cfg.n_embd > 64:
        raise ConfigError(f"n_embd must be at most 64 for {TOY}, got {cfg.n_embd}")


@pytest.fixture
def toy():
    spec = models.register(models.ModelType(
        name=TOY, description="a test's model: averaged embeddings", build=ToyMean,
        estimate_params=lambda cfg, V: 2 * V * cfg.n_embd, check=_check_toy, reads=("block_size", "n_embd"),
    ))
    try:
        yield spec
    finally:
        models.unregister(TOY)
    assert TOY not in models.names()


def toy_config(**changes):
    return preset("seed", **{"type": TOY, "n_embd": 4, "batch_size": 16, "max_steps": 20, "eval_every": 0,
                             "log_every": 5, "seed": 3, **changes}).validate()


def test_register_and_unregister(toy):
    assert models.names()[-1] == TOY and models.model_type(TOY) is toy
    assert models.names()[:7] == ("mlp", "bigram", "mlp-bn", "wavenet", "rnn", "gru", "transformer")
    with pytest.raises(ValueError, match="already registered"):
        models.register(toy)
    with pytest.raises(ConfigError, match="n_embd must be at most 64"):
        toy_config(n_embd=65)  # the type's own check runs in Config.validate
    with pytest.raises(ConfigError, match=f"type must be one of mlp, .*, {TOY}; got 'nope'"):
        toy_config(type="nope")
    assert estimate_params(toy_config(), 27) == models.count_params(models.build_model(toy_config(), 27))


def test_registered_presets_are_offered_and_withdrawn():
    spec = models.ModelType(name="toy-with-preset", description="", build=ToyMean,
                            estimate_params=lambda cfg, V: 2 * V * cfg.n_embd,
                            presets={"toy-small": dict(type="toy-with-preset", n_embd=3)})
    models.register(spec)
    try:
        assert list(PRESETS)[-1] == "toy-small" and preset("toy-small").n_embd == 3
        with pytest.raises(ValueError, match="preset 'toy-small'"):
            models.register(models.ModelType(name="other", description="", build=ToyMean,
                                             estimate_params=spec.estimate_params, presets={"toy-small": {}}))
        assert "other" not in models.names()
    finally:
        models.unregister("toy-with-preset")
    assert "toy-small" not in PRESETS


def test_trains_checkpoints_and_reloads(toy, words_file, tmp_path):
    seen: list[ev.Event] = []
    run = open_run(toy_config(), str(words_file), tmp_path / "run", listeners=[seen.append])
    assert isinstance(run.trainer.model, ToyMean)
    fin = run.trainer.run()
    run.save_checkpoint()
    run.close()
    losses = [x for e in seen if isinstance(e, ev.Steps) for x in e.losses]
    assert fin.step == 20 and len(losses) == 20 and losses[-1] < losses[0]
    started = next(e for e in seen if isinstance(e, ev.Started))
    assert [p.name for p in started.params] == ["toy_emb", "toy_out"] and started.n_params == 2 * 27 * 4
    assert [s[0] for s in started.shapes] == ["X", "toy_mean", "logits", "loss"]
    assert started.shapes[1][2] == (16, 4)

    model, vocab, cfg = load_for_sampling(tmp_path / "run")
    assert cfg.type == TOY and isinstance(model, ToyMean) and not model.training
    for k, v in run.trainer.model.state_dict().items():
        assert torch.equal(model.state_dict()[k], v), k
    assert len(sample(model, vocab, cfg.block_size, n=5, seed=1)) == 5

    resumed = open_run(cfg, str(words_file), tmp_path / "run", resume=True, max_steps=25)
    assert resumed.trainer.step == 20
    resumed.trainer.run()
    resumed.close()
    assert ckpt.load(tmp_path / "run")["config"].type == TOY


def test_command_line_takes_the_type(toy, words_file, tmp_path, capsys):
    # the parser reads the registry when it is built, so a type registered after import is a choice
    cfg = config_from_args(build_parser().parse_args(["--type", TOY, "--n-embd", "6"]))
    assert (cfg.type, cfg.preset, cfg.n_embd) == (TOY, "seed", 6)
    out = tmp_path / "cli"
    code = main(["--headless", "--type", TOY, "-i", str(words_file), "-o", str(out), "--max-steps", "10",
                 "--batch-size", "8", "--n-embd", "3", "--eval-every", "0"])
    assert code == 0 and (out / "model.pt").is_file()
    capsys.readouterr()
    assert main(["--sample-only", "-o", str(out), "--num-samples", "3", "--seed", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_command_line_refuses_an_unregistered_type(capsys):
    assert main(["--type", TOY, "--headless"]) == 2
    assert f"invalid choice: '{TOY}'" in capsys.readouterr().err


def test_app_shows_the_toys_parameters_and_shapes(toy, words_file, tmp_path, monkeypatch):
    from makemore_tui.app.settings_screen import SettingsScreen
    from makemore_tui.app.shapes_pane import ShapesPane
    from textual.widgets import Select

    from helpers_app import finished, make_app, run_async, screen_text

    monkeypatch.chdir(tmp_path)

    @run_async
    async def drive():
        app = make_app(words_file, toy_config(max_steps=30))
        async with app.run_test(size=(160, 48)) as pilot:
            await finished(pilot)
            text = screen_text(app)
            # the parameter table: the toy's own parameters, shapes and sizes, and the total
            for name, shape, count in (("toy_emb", "(27, 4)", "108"), ("toy_out", "(4, 27)", "108")):
                line = next(ln for ln in text.splitlines() if f" {name} " in ln and shape in ln)
                assert count in line
            assert "216" in text
            # the shapes pane: the toy's rows with the real shapes of a batch of 16
            assert "toy_emb[X].mean(1)" in text and "(16, 4)" in text and "(16, 27)" in text
            subtitle = str(app.query_one(ShapesPane).border_subtitle)
            assert "embd 4" in subtitle and "hidden" not in subtitle and "layers" not in subtitle
            # the settings form offers the registered type
            await pilot.press("e")
            assert isinstance(app.screen, SettingsScreen)
            select = app.screen.query_one("#f-type", Select)
            assert select.value == TOY
            await pilot.press("escape")

    drive()


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module's code: docstrings left out, f-string pieces kept."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_module_outside_models_names_a_model_type():
    package = SRC / "makemore_tui"
    types = set(models.names())
    found = []
    for path in sorted(package.rglob("*.py")):
        if package / "models" in path.parents:
            continue
        found += [f"{path.relative_to(package)}:{line}: {s!r}" for line, s in _code_strings(path) if s in types]
    assert not found, "model types are named outside models/ (ask the registry instead):\n" + "\n".join(found)


def test_the_scan_finds_a_type_named_in_code(tmp_path):
    p = tmp_path / "m.py"
    p.write_text('"""mlp in a docstring is fine."""\nif cfg.type == "gru":\n    pass\nx = f"{a}"\n')
    assert [s for _, s in _code_strings(p) if s in set(models.names())] == ["gru"]
