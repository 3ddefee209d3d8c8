"""Numbers and tensors as the lesson's lines show them."""

from __future__ import annotations

import math

import torch
from rich.cells import cell_len

from .page import PRE_WIDTH


def num(v: float, digits: int = 4) -> str:
    return f"{v:.{digits}f}" if math.isfinite(v) else str(v)


def vec(t: torch.Tensor, most: int = 4, digits: int = 4) -> str:
    """A 1-d tensor as `[ 1.5674, -0.2373]`, its first `most` values then `...`."""
    values = [f"{float(v):{digits + 3}.{digits}f}" for v in t[:most].tolist()]
    return "[" + ", ".join(values) + (", ..." if t.numel() > most else "") + "]"


def cut(lines) -> tuple[str, ...]:
    """Lines of a Pre block, each at most PRE_WIDTH terminal cells (a wide character takes two; a
    longer line is cut and ends in `~`)."""
    out = []
    for line in lines:
        if cell_len(line) > PRE_WIDTH:
            while cell_len(line) > PRE_WIDTH - 1:
                line = line[:-1]
            line += "~"
        out.append(line)
    return tuple(out)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal cells (on the left with `right`)."""
    fill = " " * max(0, width - cell_len(text))
    return fill + text if right else text + fill
