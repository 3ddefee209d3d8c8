"""Text measured in terminal cells, not in code points: a CJK character or an emoji takes two
cells, a combining mark none (Rich's cell_len, which Textual draws by). Every pane pads, centres
and cuts with these, so wide and composed symbols line up at any size; a cut never falls inside a
grapheme cluster (symbols.py)."""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len

from .printable import printable
from .symbols import clusters

__all__ = ["cell_len", "pad", "cut", "one_cell", "shown"]


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` padded with spaces to `width` cells: align '<' (left), '>' (right) or '^' (centre)."""
    room = max(0, width - cell_len(text))
    if align == ">":
        return " " * room + text
    if align == "^":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def cut(text: str, width: int, tail: str = "…") -> str:
    """`text` in at most `width` cells: whole grapheme clusters, then `tail` when some are left out."""
    if cell_len(text) <= width:
        return text
    room = max(0, width - cell_len(tail))
    out, used = [], 0
    for c in clusters(text):
        n = cell_len(c)
        if used + n > room:
            break
        out.append(c)
        used += n
    return "".join(out) + tail


def one_cell(symbol: str) -> bool:
    """Whether a symbol is drawn in exactly one cell on its own (a label a grid can hold)."""
    return len(symbol) == 1 and cell_len(symbol) == 1 and printable(symbol) == symbol


def shown(symbol: str) -> str:
    """A symbol as it can be shown on its own: a combining mark on a dotted circle (◌ा), a control
    or bidirectional character as its escape (printable.py), another invisible one (a lone joiner)
    as its code (U+200D); others as they are."""
    if not symbol:
        return symbol
    if printable(symbol) != symbol:
        return printable(symbol)
    if all(unicodedata.category(c) in ("Cf", "Cc") for c in symbol):
        return " ".join(f"U+{ord(c):04X}" for c in symbol)
    if unicodedata.category(symbol[0]) in ("Mn", "Mc", "Me"):
        return "\u25cc" + symbol
    return symbol
