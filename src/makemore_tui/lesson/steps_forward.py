"""Steps 4 to 6: the shapes error and view, the hidden layer, the output layer and the loss."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .page import Bars, Block, Para, Pre
from .show import cut, pad, vec
from .state import State
from .words import Words

SATURATED = 0.99  # |h| beyond this: tanh is flat there
BINS = 10  # the histogram of h


def shapes(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    C, W1 = s.init[0], s.init[1]
    emb = C[s.X]
    B, T, E, H = s.B, s.T, s.E, s.H
    code = ("emb @ W1", f"emb.view({B}, {T * E}) @ W1")
    try:
        emb @ W1
        error = None
    except RuntimeError as e:
        error = str(e)
    blocks: list[Block] = [Para(t("shapes.try", W1=tuple(W1.shape), emb=tuple(emb.shape)))]
    if error is None:
        blocks.append(Para(t("shapes.noerror", T=T)))
    else:
        blocks += [Para(f"RuntimeError: {error}"),
                   Para(t("shapes.why", B=B, T=T, E=E, rows=B * T, n=T * E, H=H, emb=tuple(emb.shape)))]
    flat = emb.view(B, T * E)
    joined = torch.cat([emb[:, j] for j in range(T)], 1)
    i = s.example if s.example is not None else 0
    out = flat @ W1
    blocks += [
        Para(t("shapes.view", B=B, T=T, E=E, n=T * E, total=emb.numel())),
        Pre(cut([f"emb[{i}]:", *(f"  {vec(emb[i, j], 6, 3)}" for j in range(min(T, 4))), *(["  ..."] if T > 4 else []),
                 f"emb.view({B}, {T * E})[{i}]:", f"  {vec(flat[i], 6, 3)}",
                  "",
                  f"emb                      {tuple(emb.shape)}",
                  f"emb.view({B}, {T * E})          {tuple(flat.shape)}",
                  f"W1                       {tuple(W1.shape)}",
                  f"emb.view({B}, {T * E}) @ W1     {tuple(out.shape)}"])),
        Para(t("shapes.cat" if torch.equal(flat, joined) else "shapes.cat_differs", T=T, last=T - 1)),
    ]
    return code, tuple(blocks)


def hidden(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    C, W1, b1 = s.init[:3]
    B, n = s.B, s.T * s.E
    pre = C[s.X].view(B, n) @ W1 + b1
    h = torch.tanh(pre)
    code = (f"h = torch.tanh(emb.view({B}, {n}) @ W1 + b1)", f"h.shape    # {tuple(h.shape)}")
    sat = int((h.abs() > SATURATED).sum())
    counts = torch.histc(h, bins=BINS, min=-1.0, max=1.0)
    edges = torch.linspace(-1, 1, BINS + 1).tolist()
    labels = tuple(f"{a + 0.0:+.1f}..{b + 0.0:+.1f}" for a, b in zip(edges, edges[1:]))  # no -0.0
    edge = math.atanh(SATURATED)
    blocks = (
        Para(t("hidden.sum", B=B, H=s.H, n=n, shape=tuple(h.shape))),
        Para(t("hidden.spread", total=h.numel(), sat=sat, pct=100 * sat / h.numel(), edge=SATURATED)),
        Bars(t("hidden.hist", total=h.numel()), labels, tuple(float(c) for c in counts.tolist())),
        Para(t("hidden.why", std=float(pre.std()) if pre.numel() > 1 else 0.0, expect=math.sqrt(n + 1), n=n, x=edge,
               big=int((pre.abs() > edge).sum()), total=pre.numel())),
        Para(t("hidden.grad")),
    )
    return code, blocks


def loss(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    C, W1, b1, W2, b2 = s.init
    B, n, X, Y = s.B, s.T * s.E, s.X, s.Y
    h = torch.tanh(C[X].view(B, n) @ W1 + b1)
    logits = h @ W2 + b2
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    hand = -probs[torch.arange(B), Y].log().mean()
    ce = F.cross_entropy(logits, Y)
    code = (
        f"logits = h @ W2 + b2    # {tuple(logits.shape)}",
        "counts = logits.exp()",
        "probs = counts / counts.sum(1, keepdims=True)",
        f"loss = -probs[torch.arange({B}), Y].log().mean()",
        "F.cross_entropy(logits, Y)",
    )
    i = s.example if s.example is not None else 0
    y = int(Y[i])
    top = sorted(range(s.V), key=lambda k: -float(probs[i, k]))[:5]
    rows = top + ([y] if y not in top else [])
    table = [f"{'':4}{'logits':>10} {'counts':>12} {'probs':>10}"]
    for k in rows:
        table.append(f"{pad(s.show([k]), 3, right=True)} {float(logits[i, k]):10.4f} {float(counts[i, k]):12.4g} "
                     f"{float(probs[i, k]):10.4g}" + ("  <- Y" if k == y else ""))
    p = float(probs[i, y])
    hand_v, ce_v = float(hand), float(ce)
    uniform = math.log(s.V)
    blocks = (
        Para(t("loss.logits", shape=tuple(logits.shape), B=B, V=s.V, H=s.H)),
        Para(t("loss.probs", i=i, ctx=s.show(X[i]), ych=s.show([y]), total=float(counts[i].sum()),
               shown=len(top))),
        Pre(cut(table)),
        Bars(t("loss.bars", i=i, ctx=s.show(X[i])), tuple(s.show([k]) for k in range(s.V)),
             tuple(float(v) for v in probs[i].tolist()), marked=y),
        Para(t("loss.right", ych=s.show([y]), p=p, nll=-math.log(p) if p > 0 else math.inf)),
        Para(t("loss.batch", B=B, hand=hand_v, ce=ce_v, diff=abs(hand_v - ce_v))),
        Para(t("loss.uniform" if ce_v > uniform else "loss.uniform_better", V=s.V, ln=uniform, loss=ce_v,
               times=ce_v / uniform)),
    )
    return code, blocks
