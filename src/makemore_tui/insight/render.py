"""Text renderings of the insight views (rich Text and Tables, no Textual), shared by the
`--inspect` command line and the app's insight panes. Each takes a view's dataclass (nextchar.py,
health.py, confusion.py, compare.py); its cost depends on the vocabulary and the requested size,
never on the run length."""

from __future__ import annotations

import math
from typing import Sequence

from rich.color import Color
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..cells import cell_len, cut, pad, shown
from ..data import SPACE_MARK
from ..printable import printable
from .charts import RUN_COLORS, rich_color
from .confusion import Confusion
from .health import RATIO_GUIDE, Health, Histogram, LayerStat
from .nextchar import NextChar

EIGHTHS = " ▁▂▃▄▅▆▇█"
HBLOCKS = "▏▎▍▌▋▊▉█"


def show_char(ch: str) -> str:
    """A symbol as the views show it: a space as SPACE_MARK (which no boundary mark is then), a lone
    mark on a dotted circle, an invisible control as its code (cells.shown)."""
    return SPACE_MARK if ch == " " else shown(ch)


def hbar(share: float, width: int) -> str:
    """A horizontal bar `share` (0..1) of `width` cells, in eighths of a cell."""
    share = 0.0 if not math.isfinite(share) else min(1.0, max(0.0, share))
    units = round(share * width * 8)
    full, rest = divmod(units, 8)
    return "█" * full + (HBLOCKS[rest - 1] if rest else "")


def prob_bars(nc: NextChar, width: int = 30, sort: bool = False, rows: int | None = None) -> Text:
    """One line per symbol: the symbol, a bar as long as its probability (relative to the largest),
    and the probability in percent. The top-ranked symbols are highlighted."""
    top = {c for c, _ in nc.top[:3]}
    order = list(range(len(nc.chars)))
    if sort:
        order.sort(key=lambda i: -nc.probs[i])
    if rows is not None:
        order = order[:rows]
    peak = max(nc.probs) if nc.probs else 1.0
    out = Text()
    for i in order:
        ch, p = nc.chars[i], nc.probs[i]
        style = "bold green" if ch in top else ""
        out.append(f"{show_char(ch)} ", style="bold" if ch in top else "")
        bar = hbar(p / peak if peak > 0 else 0.0, width)
        out.append(bar.ljust(width), style=style or "cyan")
        out.append(f" {100 * p:5.1f}%\n", style=style)
    out.rstrip()
    return out


def top_line(nc: NextChar, k: int = 5) -> str:
    return "  ".join(f"{show_char(c)} {100 * p:.1f}%" for c, p in nc.top[:k])


def column_chart(hist: Histogram, height: int = 6, width: int | None = None, style: str = "cyan") -> Text:
    """A vertical bar chart of a histogram, `height` rows of eighth-blocks, one column per bin
    (bins are merged pairwise-summed to fit `width` columns)."""
    counts = list(hist.counts)
    if width is not None and width > 0 and len(counts) > width:
        k = math.ceil(len(counts) / width)
        counts = [sum(counts[i:i + k]) for i in range(0, len(counts), k)]
    peak = max(counts) if counts else 0
    levels = [round(c / peak * height * 8) if peak else 0 for c in counts]
    out = Text()
    for row in range(height, 0, -1):
        line = []
        for lv in levels:
            fill = lv - (row - 1) * 8
            line.append(EIGHTHS[max(0, min(8, fill))])
        out.append("".join(line) + ("\n" if row > 1 else ""), style=style)
    return out


def sparkline(values: Sequence[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    lo, hi = min(finite), max(finite)
    span = hi - lo or 1.0
    return "".join(EIGHTHS[1 + round((v - lo) / span * 7)] if math.isfinite(v) else " " for v in values)


def layer_text(h: Health, layer: LayerStat, width: int = 40, height: int = 5) -> Text:
    out = Text()
    out.append(f"{layer.name}", style="bold")
    out.append(f" ({layer.n_units} units)  ")
    sat_style = "bold red" if layer.saturated > 0.2 else ("yellow" if layer.saturated > 0.05 else "green")
    out.append("saturated ")
    out.append(f"{100 * layer.saturated:.1f}%", style=sat_style)
    out.append(f" |h|>{h.saturated_threshold:g}  dead ")
    out.append(f"{layer.dead_units}/{layer.n_units}", style="bold red" if layer.dead_units else "green")
    out.append(f" |h|>{h.dead_threshold:g} on all\n")
    chart = column_chart(layer.hist, height=height, width=width)
    for line in chart.split("\n"):
        out.append("  ")
        out.append_text(line)
        out.append("\n")
    cols = min(width, len(layer.hist.counts))
    out.append("  -1" + " " * max(1, cols // 2 - 3) + "0" + " " * max(1, cols - cols // 2 - 3) + "+1")
    out.append(f"   mean {layer.mean:+.2f}  std {layer.std:.2f}", style="dim")
    return out


def grads_text(h: Health, limit: int | None = None, header: bool = True) -> Text:
    out = Text()
    if header:
        out.append("gradients", style="bold")
        out.append(": mean, std, g:d = std(grad)/std(data), histogram\n")
    shown = h.grads if limit is None else h.grads[:limit]
    nw = min(14, max((len(g.name) for g in shown), default=2))
    sw = min(9, max((len("x".join(map(str, g.shape))) for g in shown), default=2))
    for g in shown:
        shape = "x".join(map(str, g.shape))
        out.append(f"  {g.name[:nw]:<{nw}} {shape[:sw]:<{sw}} mean {g.mean:+.1e} std {g.std:.1e} "
                   f"g:d {g.grad_data_ratio:.1e} ")
        out.append(sparkline(_merge(g.hist.counts, 14)) + "\n", style="magenta")
    if limit is not None and len(h.grads) > limit:
        out.append(f"  ... and {len(h.grads) - limit} more\n", style="dim")
    out.rstrip()
    return out


def _merge(counts: list[int], n: int) -> list[int]:
    k = max(1, math.ceil(len(counts) / n))
    return [sum(counts[i:i + k]) for i in range(0, len(counts), k)]


def health_text(h: Health, width: int = 40) -> Text:
    out = Text()
    out.append(f"activations over a batch of {h.batch_size} (loss {h.loss:.4f})\n", style="bold")
    if not h.layers:
        out.append("  this model has no squashing layer\n")
    for layer in h.layers:
        out.append_text(layer_text(h, layer, width))
        out.append("\n")
    out.append_text(grads_text(h))
    return out


def ratio_text(ratios: dict[str, float], title: str = "log10 update-to-data ratio") -> Text:
    out = Text()
    out.append(title, style="bold")
    out.append(f" (guide {RATIO_GUIDE:g}: much lower learns slowly, much higher is unstable)\n")
    for name, v in ratios.items():
        style = "green" if math.isfinite(v) and abs(v - RATIO_GUIDE) <= 1 else "yellow"
        out.append(f"  {name:<3} ")
        out.append(f"{v:+.2f}\n" if math.isfinite(v) else "  n/a\n", style=style)
    out.rstrip()
    return out


def heat_style(share: float) -> Style:
    """Background shade for a share 0..1 (log-ish so that small confusions still show)."""
    if share <= 0:
        return Style()
    t = min(1.0, math.sqrt(share))
    r, g, b = int(30 + 225 * t), int(40 + 120 * (1 - t) * t * 2), int(90 * (1 - t) + 20)
    return Style(bgcolor=Color.from_rgb(r, g, b), color="white" if t < 0.6 else "black")


SHADES = " ░▒▓█"


def heat_symbols(conf: Confusion, n_rows: int | None = None, n_cols: int | None = None) -> tuple[list[int], list[int]]:
    """The rows (true symbols) and columns (predicted symbols) of a heat table that has room for
    n_rows x n_cols (None: all): the symbols with the most examples, in the vocabulary's order. The
    columns favour the symbols that are true or predicted most often."""
    V = len(conf.chars)
    true = [sum(r) for r in conf.counts]
    pred = conf.predicted_totals()

    def top(n: int | None, weight: list[int]) -> list[int]:
        if n is None or n >= V:
            return list(range(V))
        return sorted(sorted(range(V), key=lambda i: (-weight[i], i))[:max(1, n)])

    return top(n_rows, true), top(n_cols, [t + p for t, p in zip(true, pred)])


def heat_table(conf: Confusion, cell: int = 2, rows: list[int] | None = None, cols: list[int] | None = None) -> Text:
    """A true x predicted grid: each row is a true symbol, normalised over its examples, so a cell's
    shade is the share of that symbol's examples predicted as the column's symbol. Cells show shade
    characters, so the grid also reads without colour. `rows` and `cols` (indices, default all)
    show a part of it (heat_symbols); each row's share is still over all its examples."""
    V = len(conf.chars)
    rows = list(range(V)) if rows is None else rows
    cols = list(range(V)) if cols is None else cols
    out = Text()
    # in terminal cells: a row label takes 1 cell, or 2 where some are wide (CJK, emoji); a symbol
    # wider than its place is cut to … (the summary above names it whole)
    label = 1 if all(cell_len(show_char(conf.chars[i])) <= 1 for i in rows) else 2
    out.append(" " * (label + 3))  # under the row labels
    out.append("".join(pad(cut(show_char(conf.chars[j]), cell), cell, "^") for j in cols) + "\n", style="bold")
    recall = conf.recall()
    for n, i in enumerate(rows):
        row = conf.counts[i]
        total = sum(row)
        out.append(f" {pad(cut(show_char(conf.chars[i]), label), label)}  ", style="bold")
        for j in cols:
            share = row[j] / total if total else 0.0
            shade = SHADES[min(4, math.ceil(share * 4))] if share > 0 else ("·" if i == j else " ")
            style = heat_style(share)
            if i == j and share > 0:
                style = style + Style(underline=True)
            out.append((shade * cell)[:cell], style=style)
        r = recall[i]
        out.append(f" {100 * r:5.1f}% of {total:,}" if r is not None else "   (none)")
        if n < len(rows) - 1:
            out.append("\n")
    return out


def confusion_summary(conf: Confusion, k: int = 10) -> Text:
    out = Text()
    out.append(f"{conf.correct:,} of {conf.n:,} right ({100 * conf.accuracy:.1f}%)\n", style="bold")
    out.append("top confusions, true -> predicted as:\n")
    for t, p, c in conf.top[:k]:
        row_total = sum(conf.counts[conf.chars.index(t)])
        out.append(f"  {show_char(t)} -> {show_char(p)}  {c:>6,}  ({100 * c / row_total:.0f}% of {show_char(t)})\n")
    out.rstrip()
    return out


def run_table(header: list[str], rows: list[list[str]], title: str | None = None) -> Table:
    t = Table(title=title, show_lines=False, header_style="bold", pad_edge=False)
    for i, h in enumerate(header):
        t.add_column(Text(printable(h)), justify="left" if i == 0 else "right", no_wrap=True,
                     style="bold" if i == 0 else rich_color(RUN_COLORS[(i - 1) % len(RUN_COLORS)]))
    for r in rows:  # run names and settings from files: shown printable, never as markup
        t.add_row(*(Text(printable(c)) for c in r))
    return t
