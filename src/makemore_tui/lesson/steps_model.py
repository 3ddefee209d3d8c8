"""Steps 1 to 3: the network's layers, the data as numbers, the embedding.

Each step takes the shared State (state.py) and the lesson's words (words.py) and returns its code
lines and blocks (page.py); every number in them is formatted from a tensor the step computed."""

from __future__ import annotations

from .page import PRE_WIDTH, Block, Para, Pre
from .state import State
from .words import Words

COLUMN = 14  # cells of a layer's column in the network diagram
ROWS = 5  # neurons drawn per layer at most (the rest elided)


def param_code(s: State) -> tuple[str, ...]:
    """The lecture's lines that draw the weights, with this run's shapes."""
    C, W1, b1, W2, b2 = (tuple(p.shape) if p.dim() > 1 else p.shape[0] for p in s.init)
    return (
        f"g = torch.Generator().manual_seed({s.seed})",
        f"C = torch.randn({C}, generator=g)",
        f"W1 = torch.randn({W1}, generator=g)",
        f"b1 = torch.randn({b1}, generator=g)",
        f"W2 = torch.randn({W2}, generator=g)",
        f"b2 = torch.randn({b2}, generator=g)",
    )


def _column(n: int, label=None) -> list[str]:
    """A layer of n neurons drawn as `o` one a row, at most ROWS of them, `:` for those left out."""
    shown = list(range(n)) if n <= ROWS else [0, 1, 2, None, n - 1]
    rows = []
    for i in shown:
        rows.append(":" if i is None else "o" + (f" {label(i)}" if label else ""))
    return rows


def diagram(s: State, t: Words) -> tuple[str, ...]:
    """Input characters -> their embeddings -> the hidden layer -> the output layer, side by side."""
    inputs = s.T * s.E
    heads = [
        (t("net.col_chars"), t("net.col_chars_n", T=s.T, V=s.V)),
        (t("net.col_input"), t("net.col_input_n", T=s.T, E=s.E, n=inputs)),
        (t("net.col_hidden"), t("net.col_hidden_n", H=s.H)),
        (t("net.col_output"), t("net.col_output_n", V=s.V)),
    ]
    chars = [f"x{i + 1}" for i in range(s.T)] if s.T <= ROWS else ["x1", "x2", "x3", ":", f"x{s.T}"]
    columns = [
        [c if c == ":" else f"{c} -C->" for c in chars],
        _column(inputs),
        _column(s.H),
        _column(s.V, lambda i: s.show([i])),
    ]
    lines = ["".join(h[0][: COLUMN - 1].ljust(COLUMN) for h in heads).rstrip(),
             "".join(h[1][: COLUMN - 1].ljust(COLUMN) for h in heads).rstrip(), ""]
    depth = max(len(c) for c in columns)
    arrow = t("net.all")  # between two columns: every neuron to every neuron
    for r in range(depth):
        cells = []
        for k, col in enumerate(columns):
            cell = ("  " + col[r]) if r < len(col) else ""
            if k in (1, 2) and r == 1:
                cell = cell.ljust(5) + arrow
            cells.append(cell[: COLUMN - 1].ljust(COLUMN))
        lines.append("".join(cells).rstrip())
    return tuple(line[:PRE_WIDTH] for line in lines)


def network(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    C, W1, b1, W2, b2 = s.init
    inputs = s.T * s.E
    total = sum(p.numel() for p in s.init)
    blocks = (
        Para(t("net.intro", T=s.T, E=s.E, n=inputs, H=s.H, V=s.V, chars=s.V - 1, mark=s.mark)),
        Pre(diagram(s, t)),
        Para(t("net.links", n=inputs, H=s.H, V=s.V, E=s.E, w1=W1.numel(), b1=b1.numel(), w2=W2.numel(),
               b2=b2.numel(), c=C.numel(), total=total)),
        Para(t("net.init")),
    )
    return param_code(s), blocks


def data(s, t):
    return (), (Para("(this step is being written)"),)


def embedding(s, t):
    return (), (Para("(this step is being written)"),)
