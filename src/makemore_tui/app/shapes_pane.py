"""The forward pass as a flow, with the real shapes of the current batch (from Started.shapes,
which the model's shape_report measures), and why a shape is what it is where the model says so:
the MLP's .view, the transformer's (positions, n_embd) rows next to makemore.py's (B, T, C)."""

from __future__ import annotations

import textwrap

from textual.content import Content
from textual.widgets import Static

from ..cells import cell_len
from ..config import type_of
from ..models import types
from ..models.base import WHY
from .pane import Pane
from .state import RunState
from .text import columns, esc, shape_str

# Short labels for the one-line flow, by the name the model gives each tensor.
SHORT = {"X": "X", "emb": "C[X]", "emb.view": "view", "h": "tanh(· @ W1 + b1)", "logits": "· @ W2 + b2"}


def flow_line(rows) -> str:
    """X (32, 3) → C[X] (32, 3, 2) → view (32, 6) → ... → cross-entropy → loss"""
    parts = []
    for name, expr, shape, _ in rows:
        if name == "loss":
            parts.append("cross-entropy → loss")
        else:
            parts.append(f"{SHORT.get(name, expr)} {shape_str(shape)}")
    return " → ".join(parts)


class ShapesPane(Pane):
    PANE_TITLE = "Forward pass"
    PANE_KEY = "3"
    SECTIONS = ("shapes",)
    DEFAULT_CSS = """
    ShapesPane #shapes-body { height: auto; }
    """

    def compose(self):
        yield Static(id="shapes-body")

    def draw(self, state: RunState) -> None:
        body = self.query_one("#shapes-body", Static)
        rows = state.shapes
        if not rows:
            body.update("[dim]waiting for the first batch...[/]")
            return
        width = max(10, self.size.width)
        lines = []
        flow = flow_line(rows)
        if cell_len(flow) <= width:
            lines += [f"[bold]{esc(flow)}[/]", ""]
        for variant in ("notes", "code", "short"):
            table, styles = [], []
            for i, (name, expr, shape, note) in enumerate(rows):
                arrow = "  " if i == 0 else "→ "
                label = SHORT.get(name, "cross-entropy" if name == "loss" else expr) if variant == "short" else expr
                shown = shape_str(shape) if name != "loss" else "() one number"
                row = [arrow + label, shown]
                style = ["", "$text-accent"]
                if variant == "notes":
                    row.append(note.split(";")[0] if name == "emb.view" else note.split(WHY)[0])
                    style.append("dim")
                table.append(row)
                styles.append(style)
            table_lines = columns(table, "lll", styles=styles)
            if max(cell_len(Content.from_markup(t).plain) for t in table_lines) <= width:
                break
        whys = [f"[b]why {esc(shape_str(shape))}?[/] {esc(note.split(WHY, 1)[1])}"
                for _, _, shape, note in rows if WHY in note]
        why_rows = sum(1 + len(textwrap.wrap(Content.from_markup(w).plain, width)) for w in whys)
        room = self.size.height - len(lines) - (3 if any(r[0] == "emb.view" for r in rows) else 0) - why_rows
        if self.size.height and len(table_lines) > max(2, room):  # a deep model in a small pane
            keep = max(1, room - 1)
            table_lines = table_lines[:keep] + [f"[dim]  ... {len(table_lines) - keep} more steps[/]"]
        lines += table_lines
        why = next((note for name, _, _, note in rows if name == "emb.view"), "")
        if why:
            lines.append("")
            lines.append(f"[b]why .view?[/] {esc(why)}")
        for w in whys:
            lines += ["", w]
        body.update("\n".join(lines))
        cfg = state.config
        if cfg:
            parts = [f"block {cfg.get('block_size')}", f"embd {cfg.get('n_embd')}"]
            sizes = next((t.reads for t in types() if t.name == type_of(cfg)), ())
            if "n_hidden" in sizes:
                parts.append(f"hidden {cfg.get('n_hidden')}")
            if "n_layer" in sizes:
                parts.append(f"{cfg.get('n_layer')} layers × {cfg.get('n_head')} heads")
            parts.append(f"batch {cfg.get('batch_size')}")
            self.border_subtitle = " · ".join(parts)
        else:
            self.border_subtitle = ""
