"""Steps 1 to 3: the network's layers, the data as numbers, the embedding.

Each step takes the shared State (state.py) and the lesson's words (words.py) and returns its code
lines and blocks (page.py); every number in them is formatted from a tensor the step computed."""

from __future__ import annotations

from rich.cells import cell_len

from .page import PRE_WIDTH, Block, Para, Pre
from .show import cut, pad, vec
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
    return cut(lines)


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


def vocab_lines(s: State, most: int = 60) -> tuple[str, ...]:
    """itos as `0 .  1 a  2 b ...`, as many a line as fit."""
    cells = [f"{i}:{s.show([i])}" for i in range(min(s.V, most))]
    width = max(cell_len(c) for c in cells) + 2
    per = max(1, PRE_WIDTH // width)
    lines = ["".join(pad(c, width) for c in cells[k : k + per]).rstrip() for k in range(0, len(cells), per)]
    if s.V > most:
        lines.append(f"... (+{s.V - most})")
    return tuple(lines)


def rows_table(s: State, rows: int) -> tuple[str, ...]:
    """X's first rows as integers beside their characters, and Y beside them."""
    X, Y = s.X, s.Y
    xs = [str(X[i].tolist()) for i in range(rows)]
    w = max(len(x) for x in xs)
    ctx = max(cell_len(s.show(X[i])) for i in range(rows))
    lines = [f"{'':>4}  {'X'.ljust(w)}  {'':{ctx}}      {'Y':>3}"]
    for i in range(rows):
        lines.append(f"{i:>4}  {xs[i].ljust(w)}  {pad(s.show(X[i]), ctx)}  ->  {int(Y[i]):>3} {s.show([Y[i]])}")
    return cut(lines)


def data(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    X, Y, k, n = s.first
    mark = s.mark
    code = (
        "chars = sorted(set(''.join(words)))",
        "stoi = {ch: i + 1 for i, ch in enumerate(chars)}",
        f"stoi['{mark}'] = 0",
        "itos = {i: ch for ch, i in stoi.items()}",
        "X, Y = [], []",
        f"for w in words[:{k}]:",
        f"    context = [0] * {s.T}",
        f"    for ch in w + '{mark}':",
        "        ix = stoi[ch]",
        "        X.append(context)",
        "        Y.append(ix)",
        "        context = context[1:] + [ix]",
        "X, Y = torch.tensor(X), torch.tensor(Y)" + (f"\nX, Y = X[:{s.B}], Y[:{s.B}]" if n > s.B else ""),
    )
    code = tuple(line for c in code for line in c.split("\n"))
    first = s.words[:k]
    shown = ", ".join(f'"{w}"' for w in first[:6]) + (", ..." if k > 6 else "")
    rows = min(s.B, len(s.words[0]) + 1, 12)
    i = s.example
    blocks = [
        Para(t("data.vocab", V=s.V, last=s.V - 1, mark=mark)),
        Pre(vocab_lines(s)),
        Para(t("data.examples", T=s.T)),
        Para(t("data.first", k=k, words=shown, n=n, B=s.B) + (" " + t("data.cut", B=s.B) if n > s.B else "")),
        Pre(rows_table(s, rows)),
        Para(t("data.shape", X=tuple(X.shape), Y=tuple(Y.shape), B=s.B, T=s.T)),
    ]
    if i is not None:
        blocks.append(Para(t("data.row", i=i, row=X[i].tolist(), ctx=s.show(X[i]), y=int(Y[i]),
                             ych=s.show([Y[i]]), word=s.words[s.word_of(i)])))
    return code, tuple(blocks)


def embedding(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    C = s.init[0]
    emb = C[s.X]
    i = s.example if s.example is not None else 0
    code = ("emb = C[X]", f"emb.shape    # {tuple(emb.shape)}", f"emb[{i}]      # the rows of C for X[{i}] = {s.X[i].tolist()}")
    ids = sorted(set(range(min(s.V, 6))) | set(s.X[i].tolist()))
    table = [f"C[{j:>2}] {s.show([j])}  {vec(C[j])}" for j in ids]
    if s.V > len(ids):
        table.append(f"... ({s.V}x{s.E})")
    parts = [f"emb[{i}, {j}] = C[{int(s.X[i, j])}] ({s.show([s.X[i, j]])})  {vec(emb[i, j])}"
             for j in range(min(s.T, 8))]
    same = all(bool((emb[i, j] == C[s.X[i, j]]).all()) for j in range(s.T))
    blocks = (
        Para(t("emb.table", V=s.V, E=s.E)),
        Pre(cut(table)),
        Para(t("emb.lookup", B=s.B, T=s.T, E=s.E, n=s.X.numel(), shape=tuple(emb.shape))),
        Para(t("emb.row", i=i, row=s.X[i].tolist(), ctx=s.show(s.X[i]), T=s.T, E=s.E)),
        Pre(cut(parts)),
        Para(t("emb.same" if same else "emb.differs", i=i, T=s.T)),
        Para(t("emb.learned", E=s.E)),
    )
    return code, blocks
