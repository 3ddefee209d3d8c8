"""The insight views' registry (insight/views.py): every list of views reads it, so a view registered
before the app is built has its key, its palette entry, its pane (the generic one) and its
`--inspect NAME`, and the built-in views keep theirs."""

from __future__ import annotations

import pytest
from rich.text import Text

from makemore_tui.app.help_screen import help_text
from makemore_tui.app.keys import all_keys, markdown_table
from makemore_tui.cli import build_parser, main
from makemore_tui.insight import views as registry
from makemore_tui.insight.views import GENERIC_PANE, InsightView, Subject, register, resolve, unregister, view

from helpers import WORDS, train_run
from helpers_app import choose_in_palette, finished, insight_app, run_async, wait_for, wait_for_text

BUILT_IN = ["next-char", "embedding", "lr-find", "health", "compare", "confusion", "trace"]


def count_parameters(subject: Subject) -> int:
    return sum(p.numel() for p in subject.model.parameters())


def say_parameters(n: int, width: int) -> Text:
    return Text(f"toy view: {n:,} parameters ({width} columns)")


TOY = InsightView("toy", "k", "toy", "Toy view: how many numbers the model has", "Toy",
                  compute=count_parameters, render=say_parameters)


@pytest.fixture
def toy():
    spec = register(TOY)
    yield spec
    unregister(TOY.name)


def test_the_built_in_views_keep_their_names_keys_and_panes():
    assert [v.name for v in registry.views()][:7] == BUILT_IN
    assert [v.key for v in registry.views()][:7] == ["5", "6", "7", "8", "9", "0", "w"]
    for name in BUILT_IN:
        spec = view(name)
        assert spec.view_id == f"insight-{name}" and spec.action == f"insight('{name}')"
        assert spec.pane != GENERIC_PANE and resolve(spec.pane).__name__.endswith("Pane")
        assert spec.inspect is not None or (spec.compute is not None and spec.render is not None)


def test_register_refuses_a_taken_name_or_key_and_a_view_it_cannot_show(toy):
    with pytest.raises(ValueError, match="already named"):
        register(TOY)
    with pytest.raises(ValueError, match="already shows the toy view"):
        register(InsightView("other", "k", "o", "Other", "Other", compute=count_parameters, render=say_parameters))
    with pytest.raises(ValueError, match="needs compute and render"):
        register(InsightView("bare", "j", "b", "Bare", "Bare"))
    assert "other" not in registry.VIEWS and "bare" not in registry.VIEWS


def test_a_registered_view_is_in_the_keys_help_readme_table_and_cli_help(toy):
    key = next(k for k in all_keys() if k.action == "insight('toy')")
    assert key.key == "k" and key.label == "toy" and key.group == "Insight"
    assert "Toy view: how many numbers the model has" in help_text(100)
    assert "| `k` | Toy view: how many numbers the model has |" in markdown_table()
    assert "toy" in " ".join(build_parser().format_help().split())


def test_unregistering_restores_the_built_in_views(toy):
    unregister("toy")
    assert [v.name for v in registry.views()] == BUILT_IN
    assert all(k.action != "insight('toy')" for k in all_keys())
    register(TOY)  # for the fixture to remove


def test_inspect_prints_a_registered_view(toy, tmp_path, capsys):
    f = tmp_path / "names.txt"
    f.write_text("\n".join(WORDS) + "\n")
    work = train_run(tmp_path, "run", f, "--max-steps", "20", "--n-hidden", "16")
    from makemore_tui.run import load_for_sampling

    model, _, _ = load_for_sampling(work)
    capsys.readouterr()
    assert main(["--inspect", "toy", "-o", str(work)]) == 0
    n = sum(p.numel() for p in model.parameters())
    assert capsys.readouterr().out == f"toy view: {n:,} parameters (100 columns)\n"
    assert main(["--inspect", "nonsense", "-o", str(work)]) == 2
    assert "choose one of next-char, embedding, lr-find, health, compare, confusion, trace, toy" in capsys.readouterr().err


@run_async
async def test_a_registered_view_has_its_key_palette_entry_and_generic_pane(toy, workdir):
    from makemore_tui.app.commands import ActionCommands
    from makemore_tui.app.insight.generic import GenericPane

    app = insight_app()  # built after the view was registered
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        switcher = app.query_one("#views")
        await pilot.press("k")
        assert switcher.current == "insight-toy"
        pane = app.insight_pane("toy")
        assert isinstance(pane, GenericPane)
        await wait_for(pilot, lambda: pane.result is not None or pane.error is not None, what="the toy's text")
        assert pane.error is None, pane.error
        n = sum(p.numel() for p in app.current_run.trainer.model.parameters())
        text = await wait_for_text(pilot, f"toy view: {n:,} parameters", "k Toy")
        assert f"toy view: {n:,} parameters" in text and "k Toy" in text
        await pilot.press("k")
        assert switcher.current == "training"
        # the command palette: its entry by its sentence, and choosing it shows the view
        titles = [title for title, _, _ in ActionCommands(app.screen)._commands()]
        assert "Toy view: how many numbers the model has" in titles
        await choose_in_palette(pilot, "toy view how many", "Toy view: how many numbers the model has")
        await wait_for(pilot, lambda: switcher.current == "insight-toy", what="the palette")
