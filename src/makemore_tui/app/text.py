"""Small text helpers for the panes: aligned columns, numbers, shapes."""

from __future__ import annotations

import math
import re

from ..cells import cell_len, pad



def esc(text: str) -> str:
    """Text made safe to put in Textual markup. (textual.markup.escape leaves "[X]" alone, which the
    markup parser then takes for a tag: "C[X]" would show as "C".)"""
    return text.replace("[", r"\[")


def columns(rows: list[list[str]], align: str, gap: int = 2, styles: list[list[str]] | None = None) -> list[str]:
    """Rows of plain cells laid out in aligned columns, as lines of Textual markup.

    `align` has one letter per column: l (left) or r (right). `styles[i][j]`, when given and not
    empty, is a markup style for that cell (e.g. "$success" or "bold"); cell text is escaped."""
    if not rows:
        return []
    ncol = max(len(r) for r in rows)
    widths = [max((cell_len(r[j]) for r in rows if j < len(r)), default=0) for j in range(ncol)]
    lines = []
    for i, r in enumerate(rows):
        parts = []
        for j in range(ncol):
            cell = r[j] if j < len(r) else ""
            a = align[j] if j < len(align) else "l"
            padded = pad(cell, widths[j], ">" if a == "r" else "<")  # in cells: wide symbols line up
            text = esc(padded)
            style = styles[i][j] if styles and i < len(styles) and j < len(styles[i]) else ""
            parts.append(f"[{style}]{text}[/]" if style and padded.strip() else text)
        lines.append((" " * gap).join(parts).rstrip())
    return lines


_TAG = re.compile(r"(?<!\\)\[[^\[\]]*\]")


def plain_len(markup: str) -> int:
    """Cells taken by simple Textual markup ([b]...[/], [$accent]...[/]; escaped \\[ counts as one)."""
    return cell_len(_TAG.sub("", markup).replace("\\[", "["))


def table_width(rows: list[list[str]], gap: int = 2) -> int:
    """The width of `columns(rows, ...)` output, from the plain cells."""
    if not rows:
        return 0
    ncol = max(len(r) for r in rows)
    widths = [max((cell_len(r[j]) for r in rows if j < len(r)), default=0) for j in range(ncol)]
    return sum(widths) + gap * (ncol - 1)


def shape_str(shape: tuple[int, ...]) -> str:
    if len(shape) == 0:
        return "()"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def sci(x: float | None, digits: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return "--" if x is None else ("NaN" if math.isnan(x) else "inf")
    return f"{x:.{digits - 1}e}"


def short(x: float | None) -> str:
    """A number in at most about six characters."""
    if x is None:
        return "--"
    if not math.isfinite(x):
        return "NaN" if math.isnan(x) else "inf"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    return f"{x:.2e}"
