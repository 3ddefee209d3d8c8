"""A lesson step as plain text (`makemore-tui lesson --plain`): the title, the code, then each block:
a paragraph wrapped at WIDTH, preformatted lines as they are, a chart as a small text chart and its
values, bars as text bars."""

from __future__ import annotations

import math
import textwrap

from rich.cells import cell_len

from .page import Bars, Chart, Para, Pre, Step

WIDTH = 80
BAR = 30  # cells of the longest bar
CHART_ROWS = 8
CHART_COLS = 50


def _num(v: float) -> str:
    return f"{v:.4f}" if math.isfinite(v) else str(v)


def bars(b: Bars) -> list[str]:
    from ..insight.render import hbar

    top = max((v for v in b.values if math.isfinite(v)), default=0.0) or 1.0
    width = max((cell_len(s) for s in b.labels), default=1)
    lines = [b.title]
    whole = all(math.isfinite(v) and float(v).is_integer() for v in b.values)  # counts
    for i, (label, v) in enumerate(zip(b.labels, b.values)):
        mark = "<" if i == b.marked else ""
        share = v / top if math.isfinite(v) else 0.0
        shown = f"{int(v):,}" if whole else _num(v)
        lines.append(f"  {' ' * (width - cell_len(label))}{label} {shown:>10} {hbar(share, BAR)}{(' ' + mark) if mark else ''}".rstrip())
    return lines


def chart(c: Chart) -> list[str]:
    """The series drawn on a grid of CHART_ROWS x CHART_COLS cells (a letter per series), then the
    values themselves."""
    lines = [c.title]
    values = [v for _, ys in c.series for v in ys if math.isfinite(v)]
    if values:
        lo, hi = min(values), max(values)
        span = (hi - lo) or 1.0
        n = max(len(ys) for _, ys in c.series)
        grid = [[" "] * CHART_COLS for _ in range(CHART_ROWS)]
        for k, (_, ys) in enumerate(c.series):
            for x, y in enumerate(ys):
                if not math.isfinite(y):
                    continue
                col = round(x * (CHART_COLS - 1) / max(n - 1, 1))
                row = CHART_ROWS - 1 - round((y - lo) * (CHART_ROWS - 1) / span)
                grid[row][col] = "abcdefgh"[k % 8]
        for r, row in enumerate(grid):
            axis = _num(hi) if r == 0 else _num(lo) if r == CHART_ROWS - 1 else ""
            lines.append(f"  {axis:>10} |{''.join(row).rstrip()}")
        lines.append(f"  {'':>10} +{'-' * CHART_COLS}")
        lines.append(f"  {'':>10}  1{c.x_label.center(CHART_COLS - 2 - len(str(n)))}{n}")
    lines.append(f"  {c.y_label}:")
    for k, (name, ys) in enumerate(c.series):
        lines.append(f"  {'abcdefgh'[k % 8]} = {name}:")
        body = " ".join(_num(v) for v in ys)
        lines.extend(textwrap.wrap(body, WIDTH, initial_indent="    ", subsequent_indent="    "))
    return lines


def render(step: Step, count: int, step_of: str, code_label: str) -> str:
    out = [f"== {step_of.format(n=step.number, count=count)}: {step.title} ==", "", f"{code_label}:"]
    out += [f"    {line}" for line in step.code]
    for block in step.blocks:
        out.append("")
        if isinstance(block, Para):
            out += textwrap.wrap(block.text, WIDTH) or [""]
        elif isinstance(block, Pre):
            out += list(block.lines)
        elif isinstance(block, Chart):
            out += chart(block)
        elif isinstance(block, Bars):
            out += bars(block)
    return "\n".join(out) + "\n"
