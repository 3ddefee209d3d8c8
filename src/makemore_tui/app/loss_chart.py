"""The live loss chart: train loss (each column's min-max band and smoothed) and dev loss against the step.

Each redraw re-buckets the bounded history (series.py) to about twice the plot's width, so its cost
does not grow with the number of steps. The log scale is done here (log10 of the values, ticks
labelled with the losses), not by plotext, whose own log scale corrupts data on re-render.
"""

from __future__ import annotations

import math
import time

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.strip import Strip
from textual_plotext import PlotextPlot

from ..series import band, ema, envelope, finite_points, log10_points, smoothing_span
from ..ticks import log_ticks, x_ticks, y_ticks
from .insight.chart import unlimit_size
from .pane import Pane
from .state import RunState

try:
    from plotext._dict import color_codes as _COLOR_CODES
    from plotext._dict import themes as _plotext_themes
    from plotext._utility import no_color as _NO_COLOR
except ImportError:  # pragma: no cover
    _plotext_themes, _COLOR_CODES, _NO_COLOR = {}, {}, "default"

MIN_W, MIN_H = 16, 5  # below this the plot is replaced by a line of text
# the batch losses as a shaded band from each column's smallest to its largest, the smoothed loss as
# a line over it, the dev loss as markers at most one every DEV_SPACING columns: told apart by their
# marks as well as by colour
BAND_MARKER, SMOOTH_MARKER, DEV_MARKER = "░", "braille", "◆"
DEV_SPACING = 6
DEFAULTS = {"chart-raw": "$foreground-muted", "chart-smooth": "$accent", "chart-dev": "$primary"}


class ChartPlot(PlotextPlot):
    """A PlotextPlot drawn through Textual's line API, straight from plotext's character matrix.

    plotext builds a matrix of characters and colours, then writes it out as one ANSI string that
    textual-plotext parses back (Text.from_ansi) and Textual turns into strips: most of a redraw's
    time. Here the matrix becomes Textual strips directly, which is about three times cheaper. If
    plotext's internals ever differ, it falls back to the ANSI route. Too small, or broken, it shows
    a line of text instead of failing."""

    DEFAULT_CSS = """
    ChartPlot { width: 1fr; height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.render_seconds = 0.0  # how long the last plot took to build (pure Python, holds the GIL)
        self.empty_text = "waiting for the first steps..."
        self.has_data = False
        self._strips: list[Strip] | None = None
        self._strips_size: tuple[int, int] = (0, 0)
        self.axes: dict | None = None  # y range, x range, log scale: ticks are made for the size at build

    def set_axes(self, w: int, h: int) -> None:
        """Limits and ticks for a plot of w x h cells (about one y tick every three rows)."""
        if not self.axes:
            return
        plt = self._plot
        (lo, hi), (x_lo, x_hi) = self.axes["y"], self.axes["x"]
        plt.ylim(lo, hi)
        if self.axes["log"]:
            plt.yticks(*log_ticks(10 ** lo, 10 ** hi, h))
        else:
            plt.yticks(*y_ticks(lo, hi, h))
        plt.xlim(x_lo, x_hi)
        plt.xticks(*x_ticks(x_lo, x_hi, max(MIN_W, w - 8)))

    def invalidate(self) -> None:
        """The data changed: rebuild on the next paint."""
        self._strips = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        size = (self.size.width, self.size.height)
        if self._strips is None or self._strips_size != size:
            self._strips = self._build_strips(*size)
            self._strips_size = size
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(size[0])

    def _message(self, text: str, width: int) -> list[Strip]:
        base = self.visual_style.rich_style
        t = Text(text, style=base + Style(dim=True), no_wrap=True, overflow="ellipsis")
        t.truncate(width)
        return [Strip(list(t.render(self.app.console)), t.cell_len).extend_cell_length(width, base)]


    def _build_strips(self, w: int, h: int) -> list[Strip]:
        if w < MIN_W or h < MIN_H:
            return self._message("loss chart: enlarge the terminal", w)
        if not self.has_data:
            return self._message(self.empty_text, w)
        t0 = time.perf_counter()
        plt = self._plot
        try:
            unlimit_size(plt)
            plt.plotsize(w, h)
            plt._set_size(w, h)
            plt.theme(self._get_plotext_theme_name(self.app.theme))
            self.set_axes(w, h)
            try:
                plt._set_sizes()
                plt._build_matrix()
                strips = matrix_strips(plt.monitor.matrix, w)
            except AttributeError:  # another plotext: the public, slower route
                text = Text.from_ansi(plt.build())
                strips = [Strip(list(line.render(self.app.console)), line.cell_len)
                          for line in text.split("\n", allow_blank=True)][:h]
        except Exception as e:  # plotext has edge cases (tiny ranges, odd sizes); never crash the app
            strips = self._message(f"loss chart unavailable: {type(e).__name__}", w)
        self.render_seconds = time.perf_counter() - t0
        return strips


_style_cache: dict[tuple, Style] = {}


def _rich_color(c) -> RichColor | None:
    if c is None or c == _NO_COLOR or c == "":
        return None
    if isinstance(c, str):
        code = _COLOR_CODES.get(c.strip())
        return RichColor.from_ansi(code) if code is not None else None
    if isinstance(c, int):
        return RichColor.from_ansi(c) if 0 <= c <= 255 else None
    if isinstance(c, (tuple, list)) and len(c) == 3:
        return RichColor.from_rgb(*c)
    return None


def _rich_style(fg, style, bg) -> Style:
    key = (fg if not isinstance(fg, list) else tuple(fg), style, bg if not isinstance(bg, list) else tuple(bg))
    st = _style_cache.get(key)
    if st is None:
        words = style.split() if isinstance(style, str) and style != _NO_COLOR else []
        attrs = {w: True for w in words if w in ("bold", "dim", "italic", "underline", "strike")}
        st = Style(color=_rich_color(fg), bgcolor=_rich_color(bg), **attrs)
        if len(_style_cache) < 4096:
            _style_cache[key] = st
    return st


def matrix_strips(m, width: int) -> list[Strip]:
    """Strips from a plotext matrix (rows are stored bottom-up), one segment per run of a style."""
    strips = []
    for row in range(m.rows - 1, -1, -1):
        markers, fgs, sts, bgs = m.marker[row], m.fullground[row], m.style[row], m.background[row]
        segments = []
        start = 0
        n = len(markers)
        for col in range(1, n + 1):
            if col == n or fgs[col] != fgs[start] or bgs[col] != bgs[start] or sts[col] != sts[start]:
                segments.append(Segment("".join(markers[start:col]), _rich_style(fgs[start], sts[start], bgs[start])))
                start = col
        strips.append(Strip(segments, n).adjust_cell_length(width))
    return strips


def _plotext_color(value: str | None, variables: dict[str, str], fallback: tuple[int, int, int]):
    """A colour for plotext: an ANSI index (0-15) for ANSI colours, else an (r, g, b) tuple."""
    seen = 0
    while value and value.startswith("$") and seen < 5:
        value = variables.get(value[1:])
        seen += 1
    if not value:
        return fallback
    try:
        c = Color.parse(value)
    except Exception:
        return fallback
    if c.ansi is not None:
        return "default" if c.ansi < 0 else c.ansi
    return c.rgb


class LossChart(Pane):
    PANE_TITLE = "Loss"
    PANE_KEY = "1"
    SECTIONS = ("chart",)

    DEFAULT_CSS = """
    LossChart { padding: 0 1 0 0; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.log_scale = False
        self.fit_all = False  # y range over every step; by default the first tenth (the init's spike) may go off the top
        self._colors: dict[str, object] = {}
        self._theme_key = ""
        self.drawn: dict[str, tuple[list[float], list[float]]] = {}  # the series last plotted (x, y)
        self.y_range: tuple[float, float] = (0.0, 0.0)

    def compose(self):
        yield ChartPlot()

    @property
    def plot(self) -> ChartPlot:
        return self.query_one(ChartPlot)

    def set_log_scale(self, on: bool) -> None:
        self.log_scale = on
        self._drawn_key = None

    def set_fit_all(self, on: bool) -> None:
        self.fit_all = on
        self._drawn_key = None

    def _update_theme(self) -> None:
        """Colours of the series, and a plotext theme whose canvas is the pane's own background."""
        app = self.app
        name = app.theme
        if name == self._theme_key:
            return
        self._theme_key = name
        variables = app.theme_variables
        self._colors = {
            key: _plotext_color(variables.get(key, DEFAULTS[key]), variables, fb)
            for key, fb in (("chart-raw", (128, 128, 128)), ("chart-smooth", (240, 160, 90)), ("chart-dev", (90, 160, 230)))
        }
        theme_name = f"makemore-{name}"
        if app.current_theme.ansi or app.no_color:
            canvas = axes = ticks = "default"
        else:
            surface = Color.parse(variables.get("surface", "#000000")).rgb
            fg = Color.parse(variables.get("foreground", "#ffffff"))
            canvas = axes = surface
            ticks = fg.rgb if fg.ansi is None else "default"
        _plotext_themes[theme_name] = [canvas, axes, ticks, "default", _plotext_themes.get("default", [None] * 5)[4]]
        self.plot.theme = theme_name

    def draw(self, state: RunState) -> None:
        self._update_theme()
        plot = self.plot
        plt = plot.plt
        pw = max(MIN_W, plot.size.width - 8)  # columns of the canvas, without the y labels
        plt.clear_data()
        has = state.train.count > 0
        plot.has_data = has
        if not has:
            self.border_subtitle = ""
            plot.invalidate()
            return
        view = state.train.view(pw)  # groups = columns; the envelope gives up to two points each
        raw_x, raw_y = envelope(view)
        smooth = ema(view, smoothing_span(state.train.count))
        sm_x, sm_y = finite_points(view.x, smooth)
        dv = state.dev.view(max(1, pw // DEV_SPACING))  # thinned: the smoothed line shows between them
        dev_x, dev_y = finite_points(dv.x, dv.mean)
        lo_x, lo_y = finite_points(view.x, view.lo)
        hi_y = [h for h, lo in zip(view.hi, view.lo) if lo == lo]  # lo and hi are nan together
        if self.log_scale:
            raw_x, raw_y = log10_points(raw_x, raw_y)
            sm_x, sm_y = log10_points(sm_x, sm_y)
            dev_x, dev_y = log10_points(dev_x, dev_y)
            kept = [(x, a, b) for x, a, b in zip(lo_x, lo_y, hi_y) if a > 0]
            lo_x, lo_y, hi_y = [k[0] for k in kept], [math.log10(k[1]) for k in kept], [math.log10(k[2]) for k in kept]
        xs = raw_x + sm_x + dev_x
        ys = raw_y + sm_y + dev_y
        zoomed = False
        if xs and not self.fit_all and state.train.count >= 200:
            # fit the y axis to all but the first tenth: the first steps' loss (around 20 with the
            # plain init) would otherwise flatten everything after it
            cut = min(xs) + 0.1 * (max(xs) - min(xs))
            fitted = [y for x, y in zip(xs, ys) if x >= cut]
            if fitted and max(fitted) < max(ys):
                zoomed = True
                ys = fitted
        title = (" · log10" if self.log_scale else "") + (" · y fits last 90%" if zoomed else "")
        self.set_title(title)
        if ys:
            lo, hi = min(ys), max(ys)
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            pad = (hi - lo) * 0.03
            self.y_range = (lo - pad, hi + pad)
            x_lo, x_hi = min(raw_x + sm_x + dev_x), max(raw_x + sm_x + dev_x)
            if x_hi <= x_lo:
                x_hi = x_lo + 1
            # the ticks depend on the plot's size: set when it is built (ChartPlot.set_axes)
            plot.axes = {"y": self.y_range, "x": (x_lo, x_hi), "log": self.log_scale}
            rows = max(1, plot.size.height - 3)  # the canvas, without the x axis and its frame
            band_x, band_y = band(lo_x, lo_y, hi_y, (x_lo, x_hi), self.y_range, pw, rows)
        else:
            plot.axes = None
            band_x, band_y = [], []
        # drawn in this order: the band under the smoothed line, the dev markers on top
        self.drawn = {"raw": (raw_x, raw_y), "band": (band_x, band_y), "smooth": (sm_x, sm_y), "dev": (dev_x, dev_y)}
        c = self._colors
        if band_x:
            plt.scatter(band_x, band_y, marker=BAND_MARKER, color=c["chart-raw"])
        if sm_x:
            plt.plot(sm_x, sm_y, marker=SMOOTH_MARKER, color=c["chart-smooth"])
        if dev_x:
            plt.scatter(dev_x, dev_y, marker=DEV_MARKER, color=c["chart-dev"])
        self.border_subtitle = self._legend(bool(dev_x), state.config.get("split", "lecture"))
        plot.invalidate()

    def _legend(self, with_dev: bool, split: str = "lecture") -> str:
        """The chart's key; the dev loss says which split it is on unless the lecture's (the default)."""
        v = self.app.theme_variables

        def col(key: str) -> str:
            value = v.get(key, DEFAULTS[key])
            if value.startswith("$"):
                value = v.get(value[1:], "")
            return value or "default"

        parts = [f"[{col('chart-raw')}]{BAND_MARKER}[/] batch min-max", f"[{col('chart-smooth')}]━[/] smoothed"]
        if with_dev:
            parts.append(f"[{col('chart-dev')}]{DEV_MARKER}[/] dev" + (f" ({split} split)" if split != "lecture" else ""))
        return "  ".join(parts)
