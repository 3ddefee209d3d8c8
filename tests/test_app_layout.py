"""The dashboard's layouts: what each terminal size shows, and resizing down to 40x12 and back."""

from __future__ import annotations

from makemore_tui.app.dashboard import LARGE, MEDIUM, SMALL, layout_for

from helpers_app import finished, make_app, run_async, screen_text, wait_for, wait_for_text


def test_layout_for_sizes():
    # the dashboard's room: the terminal less the status line (1-2 rows) and the footer
    assert layout_for(160, 45) == LARGE and layout_for(120, 31) == LARGE
    assert layout_for(80, 21) == MEDIUM and layout_for(100, 27) == MEDIUM and layout_for(119, 40) == MEDIUM
    assert layout_for(40, 9) == SMALL and layout_for(59, 40) == SMALL and layout_for(80, 17) == SMALL


@run_async
async def test_every_pane_is_readable_at_80x24(app_words, in_tmp):
    app = make_app(app_words, n_samples=9)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(pilot)
        assert app.dashboard.mode == MEDIUM
        assert app.chart.display and app.dashboard.is_shown("params")
        await wait_for_text(pilot, "W2", "2,700")
        assert "W2" in screen_text(app) and "2,700" in screen_text(app)
        await pilot.press("3")
        await wait_for(pilot, lambda: "(32, 3, 2)" in screen_text(app) and "cannot be multiplied" in
                       screen_text(app).replace("\n", " "), what="the shapes pane")
        text = screen_text(app)
        assert "(32, 3, 2)" in text and "cannot be multiplied" in text.replace("\n", " ")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.samples.samples and not app.samples.busy)
        await wait_for(pilot, lambda: all((s.text or "(empty)")[:15] in screen_text(app) for s in app.samples.samples),
                       what="the samples on the screen")
        text = screen_text(app)
        assert all((s.text or "(empty)")[:15] in text for s in app.samples.samples)  # long names end in …
        # the status line is complete (it wraps onto a second line rather than being cut)
        assert "FINISHED" in text and "dev " in text and "lr 0.1" in text


@run_async
async def test_resize_down_to_40x12_and_back(app_words, in_tmp):
    app = make_app(app_words)
    async with app.run_test(size=(80, 24)) as pilot:
        await finished(pilot)
        for size, mode in (((40, 12), SMALL), ((20, 6), SMALL), ((160, 48), LARGE), ((40, 12), SMALL),
                           ((80, 24), MEDIUM)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda: tuple(app.size) == size and app.dashboard.mode == mode,
                           what=f"the {mode} layout at {size}")
            app.redraw(force=True)
            await pilot.pause(0.05)
            screen_text(app)  # renders every visible pane at this size
            assert app.dashboard.mode == mode, size
        await pilot.resize_terminal(40, 12)
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)
            shown = [p.id for p in app.dashboard.panes if p.display]
            assert shown == [{"1": "chart", "2": "params", "3": "shapes", "4": "samples"}[key]]
            screen_text(app)
