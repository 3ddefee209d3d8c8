"""The insight views as the command line prints them (`--inspect NAME`): one rich renderable per
view, from the view's numbers and the width in columns. A view's spec names its report as its
`render` (views.py); the app's generic pane shows the same text."""

from __future__ import annotations

from rich.console import Group
from rich.cells import cell_len
from rich.text import Text

from ..cells import one_cell
from ..printable import printable
from .charts import WIDE_MARK, chart_text, draw_embedding
from .confusion import Confusion
from .embedding import EmbeddingMap
from .health import HealthCheck
from .nextchar import NextChar
from .render import confusion_summary, hbar, health_text, heat_table, prob_bars, ratio_text, show_char, top_line
from ..printable import printable
from .trace import Trace


def next_char_report(nc: NextChar, width: int) -> Group:
    return Group(
        f"after {nc.context!r} the model sees {nc.window!r} (block size {len(nc.window)}); "
        f"next character, {len(nc.chars)}-way:",
        prob_bars(nc, width=max(10, min(50, width - 16))),
        Text("most likely: ", style="bold") + Text(top_line(nc)),
    )


def embedding_report(e: EmbeddingMap, width: int) -> Group:
    parts = [chart_text(lambda plt: draw_embedding(plt, e), width, max(16, min(32, width // 3)))]
    if e.method == "PCA":
        parts.append(f"{e.n_embd}-d embeddings projected on their two principal axes "
                     f"({100 * e.explained[0]:.0f}% + {100 * e.explained[1]:.0f}% of the variance)")
    else:
        parts.append(f"C itself: the {e.n_embd}-d embedding of each of the {len(e.chars)} symbols")
    if any(not one_cell(c) and printable(c) == c for c in e.chars):
        parts.append(f"{WIDE_MARK}: a symbol wider than one cell (CJK, emoji, a letter with its marks)")
    if e.vowel_spread is not None:
        parts.append(f"vowel spread {e.vowel_spread:.2f} (mean distance between vowels / between all letters; "
                     "below 1: the vowels sit together)")
    return Group(*parts)


def health_report(hc: HealthCheck, width: int) -> Group:
    if hc.ratios is not None:
        ratios = ratio_text(hc.ratios, f"log10 update:data ratio of one SGD step at lr {hc.lr:.3g}")
    else:
        ratios = (f"update:data ratio: the run uses {hc.optimizer}, whose update depends on its moment estimates; "
                  "the app's health pane shows it live")
    return Group(health_text(hc.health, width=min(40, width - 4)), ratios)


def confusion_report(c: Confusion, width: int) -> Group:
    return Group(
        confusion_summary(c),
        "\nrows: the true next character; columns: the model's most likely one; shade: share of the row",
        heat_table(c),
    )


# ---- the sample trace ------------------------------------------------------------------------------

def shown(text: str) -> str:
    """Symbols from the data as the trace shows them: safe for a terminal (printable: a control
    character as its escape, \\x1b), a space as SPACE_MARK."""
    return "".join(show_char(c) for c in printable(text))


def pct(p: float) -> str:
    """A probability in percent: one decimal, or two significant digits below 0.1%."""
    return f"{100 * p:.1f}%" if p >= 0.001 or p == 0 else f"{100 * p:.2g}%"


def _clip_left(text: str, width: int) -> str:
    return text if cell_len(text) <= width else "…" + text[len(text) - width + 1:]


def trace_columns(t: Trace, width: int) -> tuple[int, int, bool, bool, int]:
    """What fits in `width` columns: (context width, char width, the -ln p column, the bar, how many
    alternatives). First three alternatives, then -ln p, then all the alternatives, then the bar."""
    idx = len(str(len(t.steps)))
    cw = min(max(7, *(cell_len(shown(s.context)) for s in t.steps)), max(7, width // 4))
    chw = max(4, *(cell_len(shown(s.char)) for s in t.steps[:-1]), cell_len(shown(t.mark)) + 4)
    room = width - (idx + 2 + cw + 2 + chw + 2 + 7 + 2 + 4)  # #, context, char, p, rank
    alt = 2 + max(cell_len(shown(c)) for s in t.steps for c, _ in s.top) + 1 + 5  # "  x 12.3%"
    most = len(t.steps[0].top)
    k = min(most, 3, max(0, room // alt))
    nll = room - k * alt >= 7
    k = min(most, max(k, (room - 7 * nll) // alt))
    bar = room - k * alt - 7 * nll >= 10
    return cw, chw, nll, bar, k


def trace_report(t: Trace, width: int) -> Text:
    """The trace as text: a header (the word, its log-probability, loss and perplexity, what the
    context is), then a row per prediction. Every symbol is made printable (shown())."""
    mark = shown(t.mark)
    out = Text()
    out.append(("a name sampled from the model " if t.sampled else "the word "), style="dim")
    out.append(repr(shown(t.word)), style="bold")
    out.append("  " + ", ".join(x for x in (t.model_type, f"step {t.step:,}") if x) + "\n", style="dim")
    out.append(f"log-prob {t.logprob:.2f} nats · mean loss {t.loss:.3f} over {len(t.steps)} predictions · "
               f"perplexity {t.perplexity:.1f}\n")
    out.append(t.context_note(mark) + "\n", style="dim")
    cw, chw, nll, bar, k = trace_columns(t, width)
    idx = len(str(len(t.steps)))
    head = (f"{'#':>{idx}}  {'context':<{cw}}  {'char':<{chw}}  {'p':>7}  " + ("-ln p  " if nll else "")
            + (" " * 10 if bar else "") + "rank  " + ("likeliest instead" if k else ""))
    out.append(head.rstrip() + "\n", style="bold")
    for i, s in enumerate(t.steps, 1):
        ctx, ch = _clip_left(shown(s.context), cw), shown(s.char)
        out.append(f"{i:>{idx}}  {ctx}{' ' * (cw - cell_len(ctx))}  ")
        out.append(ch, style="bold")
        end = " end" if i == len(t.steps) else ""
        out.append(end + " " * (chw - cell_len(ch) - len(end)) + "  ", style="dim")
        style = "green" if s.rank == 1 else ("red" if s.prob < 0.01 else "")
        out.append(f"{pct(s.prob):>7}", style=style)
        out.append("  " + (f"{s.nll:5.2f}  " if nll else ""))
        if bar:
            out.append(hbar(s.prob, 8).ljust(8), style=style or "cyan")
            out.append("  ")
        out.append(f"{s.rank:>4}" + ("  " if k else ""))
        for j, (c, p) in enumerate(s.top[:k]):
            chosen = "underline" if c == s.char else ""
            out.append("  " if j else "")
            out.append(shown(c), style=f"bold {chosen}".strip())
            out.append(f" {pct(p):>5}", style=chosen)
        out.append("\n")
    out.rstrip()
    return out
