"""Embedding map: every row of C at its place, labelled with its character, live.

With n_embd 2 that is C itself; larger embeddings are projected on their two principal axes. The
table is copied in the training thread (a 27 x n_embd copy), the projection is made in a worker, and
the vowels' spread (their mean distance over all letters') is followed over the run: it falls as the
vowels drift together."""

from __future__ import annotations

from rich.text import Text

from ...insight.base import InsightError
from ...cells import one_cell
from ...printable import printable
from ...insight.charts import BOUNDARY_COLOR, CONSONANT_COLOR, VOWEL_COLOR, WIDE_MARK, draw_embedding, rich_color
from ...insight.embedding import EmbeddingMap, embedding_from_C
from ...insight.render import sparkline
from ...series import Series
from .chart import InsightChart
from .pane import InsightPane, in_training_thread
from .text import InsightText


class EmbeddingPane(InsightPane):
    INTERVAL = 0.5

    DEFAULT_CSS = """
    EmbeddingPane { padding: 0; }
    EmbeddingPane InsightChart { height: 1fr; }
    EmbeddingPane #emb-note { height: auto; padding: 0 1; }
    """

    def __init__(self, spec, **kwargs) -> None:
        super().__init__(spec, **kwargs)
        self.spread = Series(256)  # vowel spread over the steps, bounded
        self._spread_run = None

    def compose(self):
        yield InsightChart(id="emb-plot")
        yield InsightText(id="emb-note")

    def compute(self, run) -> tuple[int, EmbeddingMap]:
        def copy_c():
            C = run.trainer.model.embedding()
            if C is None:
                raise InsightError("this model has no embedding table C (a bigram's table is the logits themselves)")
            # the vocabulary of these weights: the run's data's, or (attached to a run whose words
            # could not be read again) its checkpoint's
            return run.trainer.step, C.detach().clone(), run.data.vocab if run.data is not None else run.vocab

        step, C, vocab = in_training_thread(run, copy_c)
        if vocab is None:
            raise InsightError("the run's vocabulary is unknown: no checkpoint and its words could not be read")
        return step, embedding_from_C(C, vocab)

    def on_insight_pane_ready(self, message) -> None:
        """Runs before InsightPane's own handler (Textual calls both): follow the vowels' spread."""
        run = self.host.current_run
        if message.result is not None and message.run is run:
            if self._spread_run is not run:
                self.spread.clear()
                self._spread_run = run
            step, e = message.result
            if e.vowel_spread is not None and (not self.spread.count or step > self.spread.last_x):
                self.spread.append(step, e.vowel_spread)

    def render_result(self, state) -> None:
        plot = self.query_one("#emb-plot", InsightChart)
        note = self.query_one("#emb-note", InsightText)
        if self.error:
            plot.display = False
            note.set(Text(self.error.split(": ", 1)[-1], style="yellow"))
            return
        if self.result is None:
            note.set(Text("waiting for the model...", style="dim"))
            return
        plot.display = True
        step, e = self.result
        plot.plot(lambda plt: draw_embedding(plt, e))
        if e.method == "PCA":
            how = (f"{e.n_embd}-d rows of C on their 2 principal axes "
                   f"({100 * e.explained[0]:.0f}% + {100 * e.explained[1]:.0f}% of the variance)")
        else:
            how = f"C itself ({e.n_embd}-d)"
        line = Text(f"step {step:,}: {how}")
        if e.vowel_spread is not None:
            v = self.spread.view(max(8, min(40, note.size.width // 3 or 20)))
            line.append("\nvowel spread ")
            line.append(f"{e.vowel_spread:.2f}", style="bold")
            line.append(" (vowels' mean distance / all letters'; below 1: together)  ")
            line.append(sparkline(v.mean), style="magenta")
        line.append("\n")
        line.append("a e i o u", style=f"bold {rich_color(VOWEL_COLOR)}")
        line.append(" vowels   ")
        line.append("consonants", style=f"bold {rich_color(CONSONANT_COLOR)}")
        line.append("   ")
        line.append(e.chars[0] if e.chars else ".", style=f"bold {rich_color(BOUNDARY_COLOR)}")  # the data's mark
        line.append(" start/end")
        if any(not one_cell(c) and printable(c) == c for c in e.chars):
            line.append(f"   {WIDE_MARK} a symbol wider than one cell (CJK, emoji, a letter with its marks)")
        note.set(line)
