"""The insight views as the command line prints them (`--inspect NAME`): one rich renderable per
view, from the view's numbers and the width in columns. A view's spec names its report as its
`render` (views.py); the app's generic pane shows the same text."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from ..cells import one_cell
from ..printable import printable
from .charts import WIDE_MARK, chart_text, draw_embedding
from .confusion import Confusion
from .embedding import EmbeddingMap
from .health import HealthCheck
from .nextchar import NextChar
from .render import confusion_summary, health_text, heat_table, prob_bars, ratio_text, top_line


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
