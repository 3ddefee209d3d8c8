"""The sample trace in the app (app/insight/trace.py): a sampled name chosen with the arrows and enter,
or a click, opens its trace over the training view, whose numbers are the live model's; escape or q
goes back; key w is the view with a field for any word. The runs are paused or make a fixed number
of steps, so what the screens show is the same on every machine."""

from __future__ import annotations

import math

import pytest

from makemore_tui.app.insight.trace import TracePane, TraceScreen
from makemore_tui.app.sample_panel import SampleList
from makemore_tui.insight.report import pct
from makemore_tui.insight.views import view

from helpers_app import finished, insight_app, insight_config, make_app, run_async, screen_text, wait_for, wait_for_text
from test_insight_trace import by_hand


async def sampled(pilot) -> SampleList:
    app = pilot.app
    await pilot.press("s")
    await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy, what="samples")
    await pilot.pause(0.05)
    return app.sample_list


async def traced(pilot, word: str | None = None) -> TracePane:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, TraceScreen), what="the trace dialog")
    p = app.screen.pane
    await wait_for(pilot, lambda: p.result is not None or p.error is not None, what="the trace")
    assert p.error is None, p.error
    assert word is None or p.result.word == word
    await pilot.pause(0.05)
    return p


def check_numbers(app, t) -> None:
    """The trace's numbers are the live model's softmax, computed here a window at a time."""
    run = app.current_run
    vocab = run.data.vocab
    probs = by_hand(run.trainer.model, vocab, t.word, run.cfg.block_size)
    targets = [vocab.stoi[c] for c in t.word] + [0]
    for s, p, y in zip(t.steps, probs, targets):
        assert s.prob == pytest.approx(float(p[y]), abs=1e-6)
    assert t.logprob == pytest.approx(sum(math.log(float(p[y])) for p, y in zip(probs, targets)), abs=1e-5)


@run_async
async def test_arrows_and_enter_choose_a_sampled_name_and_show_its_trace(workdir):
    app = make_app("names.txt", insight_config(300), work_dir="run", paused=True, emit_interval=0.0, sample_seed=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")  # one step, then paused: the live model waits for the trace
        await wait_for(pilot, lambda: app.current_run.trainer.step == 1, what="one step")
        names = await sampled(pilot)
        assert names.cursor is None and "trace" in screen_text(app).splitlines()[-1]  # the footer offers it
        await pilot.press("2")  # at 80x24 the parameters take the samples' place
        assert not app.sample_panel.display
        await pilot.press("down")  # shows the samples again, and selects the first name
        await wait_for(pilot, lambda: names.cursor == 0, what="the first name selected")
        assert app.sample_panel.display
        await pilot.press("down")
        assert names.cursor == 1
        await pilot.press("up", "down")
        assert names.cursor == 1
        word = names.samples[1].text
        await pilot.press("enter")
        p = await traced(pilot, word)
        check_numbers(app, p.result)
        text = await wait_for_text(pilot, f"'{word}'", "likeliest instead", pct(p.result.steps[0].prob))
        assert f"log-prob {p.result.logprob:.2f}" in text and "escape/q: back" in text
        shown = p.query_one("#trace-text").render().plain  # all of it (a long name scrolls)
        for s in p.result.steps:
            assert pct(s.prob) in shown
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0] and names.cursor == 1
        await pilot.press("enter")
        await traced(pilot, word)
        await pilot.press("q")  # q goes back too; the app stays
        assert app.screen is app.screen_stack[0] and app.is_running
        assert app.current_run.trainer.step == 1  # nothing trained meanwhile: paused


@run_async
async def test_a_click_on_a_name_shows_its_trace(workdir):
    app = insight_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await finished(pilot)
        names = await sampled(pilot)
        ncols, nrows = names._layout(names.size.width)
        assert ncols >= 2
        cw = names._cells()[1]
        await pilot.click(SampleList, offset=(cw + 3 + 2, 1))  # the second column's second name
        p = await traced(pilot, names.samples[nrows + 1].text)
        assert names.cursor == nrows + 1
        check_numbers(app, p.result)
        await pilot.press("escape")
        await pilot.click(SampleList, offset=(cw + 1, 0))  # the gap between two columns: nothing
        await pilot.pause(0.1)
        assert app.screen is app.screen_stack[0]


@run_async
async def test_the_trace_view_traces_the_selected_name_and_any_word(workdir):
    app = insight_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await finished(pilot)
        names = await sampled(pilot)
        await pilot.press("down", "down", "down")
        await pilot.press(view("trace").key)
        assert app.query_one("#views").current == view("trace").view_id
        p = app.insight_pane("trace")
        word = names.samples[2].text
        await wait_for(pilot, lambda: p.result is not None and p.result.word == word, what="the selected name")
        await pilot.press(*["backspace"] * len(word), *"emma")
        await wait_for(pilot, lambda: p.result is not None and p.result.word == "emma", what="emma")
        check_numbers(app, p.result)
        text = await wait_for_text(pilot, "the word 'emma'")
        assert "the 3 previous characters" in text
        app.query_one("#trace-input").value = "em1"  # pasted: said in words
        await wait_for(pilot, lambda: p.error is not None, what="an unknown character")
        assert "'1'" in p.error
        app.set_focus(None)
        await pilot.press("down")  # the arrows choose names on the training view only
        assert app.query_one("#views").current == view("trace").view_id and names.cursor == 2


def _dialog(size):
    async def before(pilot) -> None:
        await finished(pilot)
        await sampled(pilot)
        await pilot.press("down", "down", "enter")
        await traced(pilot)
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    return before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_trace_dialog_snapshot(workdir, snap_compare, size):
    assert snap_compare(insight_app(), terminal_size=size, run_before=_dialog(size))


def test_trace_dialog_snapshot_no_color(workdir, snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(insight_app(), terminal_size=(80, 24), run_before=_dialog((80, 24)))
