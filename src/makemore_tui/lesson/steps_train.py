"""Steps 7 and 8: the backward pass, and the notes' training loop on one batch (with the notes' sign,
then the fixed one)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import torch
import torch.nn.functional as F

from .page import Block, Chart, Para, Pre
from .show import cut
from .state import EPOCHS, PARAM_NAMES, State, forward, split_loss
from .words import Words

NUDGE = 1e-3  # step 7: how far one bias is moved to show what its gradient means


def backward(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    params = s.fresh(grad=True)
    loss = F.cross_entropy(forward(params, s.X), s.Y)
    loss.backward()
    before = loss.item()
    code = (
        "parameters = [C, W1, b1, W2, b2]",
        "for p in parameters:",
        "    p.requires_grad = True",
        "loss = F.cross_entropy(logits, Y)",
        "loss.backward()",
        f"W1.grad.shape    # {tuple(params[1].grad.shape)}",
        "sum(p.numel() for p in parameters)",
    )
    table = [f"{'':4}{'p.shape':>14}{'p.grad.shape':>16}{'p.numel()':>12}"]
    for name, p in zip(PARAM_NAMES, params):
        table.append(f"{name:4}{str(tuple(p.shape)):>14}{str(tuple(p.grad.shape)):>16}{t.number(p.numel(), '>12,')}")
    total = sum(p.numel() for p in params)
    same = all(p.grad.shape == p.shape for p in params)
    b2 = params[4]
    k = int(b2.grad.abs().argmax())  # the output bias the loss leans on most
    g = float(b2.grad[k])
    with torch.no_grad():
        logits = forward(params, s.X)
        probs = F.softmax(logits, dim=1)
        psum, hits = float(probs[:, k].sum()), int((s.Y == k).sum())
        moved = [p.detach().clone() for p in params]
        moved[4][k] += NUDGE
        after = float(F.cross_entropy(forward(moved, s.X), s.Y))
    blocks = (
        Para(t("back.requires")),
        Pre(cut(table + [f"{'':4}{'':>14}{'':>16}{t.number(total, '>12,')}"])),
        Para(t("back.shapes" if same else "back.shapes_differ", total=total)),
        Para(t("back.one", k=k, sym=s.show([k]), g=g, B=s.B, psum=psum, hits=hits, check=(psum - hits) / s.B)),
        Para(t("back.nudge", k=k, nudge=NUDGE, before=before, after=after, d=after - before,
               expect=NUDGE * g)),
        Para(t("back.sign_up" if g > 0 else "back.sign_down", k=k)),
    )
    return code, blocks


def _series(values) -> tuple[float, ...]:
    """A chart's values up to the first that is not finite (NaN or inf cannot be drawn)."""
    out = []
    for v in values:
        if not math.isfinite(v):
            break
        out.append(v)
    return tuple(out)


def best_possible(s: State) -> tuple[float, int]:
    """The lowest mean loss any network can reach on the batch (a context seen with several targets
    can only get each its share), and how many of the batch's contexts have more than one target."""
    targets: dict[tuple, Counter] = defaultdict(Counter)
    for x, y in zip(s.X.tolist(), s.Y.tolist()):
        targets[tuple(x)][y] += 1
    floor = sum(-n * math.log(n / sum(c.values())) for c in targets.values() for n in c.values()) / s.B
    return floor, sum(len(c) > 1 for c in targets.values())


def loop(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    up, down = s.climb, s.descend
    n = s.T * s.E
    code = (
        f"learning_rate = {up.rate}    # " + t("code.notes_sign", fixed=str(down.rate)),
        f"for epoch in range({EPOCHS}):",
        "    emb = C[X]",
        f"    h = torch.tanh(emb.view({s.B}, {n}) @ W1 + b1)",
        "    logits = h @ W2 + b2",
        "    loss = F.cross_entropy(logits, Y)",
        "    for p in parameters:",
        "        p.grad = None",
        "    loss.backward()",
        "    for p in parameters:",
        "        p.data += -learning_rate * p.grad",
    )
    bad = next((i for i, v in enumerate(up.losses) if not math.isfinite(v)), None)
    climbed = [Para(t("loop.notes", E=EPOCHS, B=s.B, rate=str(up.rate), step=str(-up.rate))),  # as Python writes it
               Chart(t("loop.chart_up"), t("loop.epoch"), t("loop.loss"), ((t("loop.series_up"), _series(up.losses)),))]
    if bad is None:
        climbed.append(Para(t("loop.up", first=up.losses[0], last=up.losses[-1], top=max(up.losses))))
    else:
        climbed.append(Para(t("loop.up_bad", epoch=bad + 1, value=str(up.losses[bad]), first=up.losses[0])))
    floor, mixed = best_possible(s)
    dev = s.data.eval_split("dev")
    dev_before, dev_after = split_loss(s.init, dev), split_loss(down.params, dev)
    blocks = (
        *climbed,
        Para(t("loop.fix", rate=str(down.rate))),
        Chart(t("loop.chart_down"), t("loop.epoch"), t("loop.loss"), ((t("loop.series_down"), _series(down.losses)),)),
        Para(t("loop.down", first=down.losses[0], last=down.losses[-1], E=EPOCHS)),
        Para(t("loop.floor", floor=floor, mixed=mixed, B=s.B, ctx=s.show([0] * s.T))),
        Para(t("loop.memorise", params=sum(p.numel() for p in s.init), B=s.B, dev=dev.examples,
               before=dev_before, after=dev_after, ln=math.log(s.V), V=s.V)),
    )
    return code, blocks
