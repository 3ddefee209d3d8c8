"""Steps 9 and 10: minibatches from all the training words (trained right here, briefly), and a name
sampled one character at a time from those weights."""

from __future__ import annotations

import math

from rich.cells import cell_len

from .page import START_RUN_KEY, Bars, Block, Chart, Para, Pre
from .show import cut, pad
from .state import CURVE_EXAMPLES, EVAL_EVERY, RATE, TRAIN_STEPS, State
from .words import Words

BAR_DRAWS = 12  # step 10: characters of the first name shown with every symbol's bar
CLOSE = 0.05  # step 9: a dev loss this close to the train loss means the network generalises


def minibatch(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    tr = s.trained
    splits = s.data.splits
    n = s.T * s.E
    code = (
        "random.seed(42)",
        "random.shuffle(words)",
        "n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))",
        "Xtr, Ytr = build_dataset(words[:n1])",
        "Xdev, Ydev = build_dataset(words[n1:n2])",
        "Xte, Yte = build_dataset(words[n2:])",
        f"g = torch.Generator().manual_seed({s.seed})",
        "C, W1, b1, W2, b2 = ...    # " + t("code.drawn_as_step1"),
        f"for i in range({TRAIN_STEPS}):",
        f"    ix = torch.randint(0, len(Xtr), ({s.B},), generator=g)",
        "    emb = C[Xtr[ix]]",
        f"    h = torch.tanh(emb.view({s.B}, {n}) @ W1 + b1)",
        "    logits = h @ W2 + b2",
        "    loss = F.cross_entropy(logits, Ytr[ix])",
        "    for p in parameters:",
        "        p.grad = None",
        "    loss.backward()",
        "    for p in parameters:",
        f"        p.data += -{RATE} * p.grad",
    )
    train, dev, test = splits["train"], splits["dev"], splits["test"]
    gap = tr.dev - tr.train
    cfg = s_config(s)
    blocks = (
        Para(t("mb.why", B=s.B)),
        Para(t("mb.split", words=len(s.words), ntr=train.n_words, ndev=dev.n_words, nte=test.n_words,
               xtr=train.examples, xdev=dev.examples, xte=test.examples)),
        Para(t("mb.trained", steps=TRAIN_STEPS, B=s.B, rate=RATE, drawn=TRAIN_STEPS * s.B,
               passes=TRAIN_STEPS * s.B / train.examples, every=EVAL_EVERY,
               ctr=min(CURVE_EXAMPLES, train.examples), cdev=min(CURVE_EXAMPLES, dev.examples))),
        Chart(t("mb.chart"), t("mb.x", every=EVAL_EVERY), t("mb.y"),
              ((t("mb.train"), tr.train_curve), (t("mb.dev"), tr.dev_curve))),
        Para(t("mb.result", t0=tr.start_train, t1=tr.train, d0=tr.start_dev, d1=tr.dev, V=s.V, ln=math.log(s.V),
               etr=s.data.eval_split("train").examples, edev=s.data.eval_split("dev").examples)),
        Para(t("mb.close" if abs(gap) <= CLOSE else "mb.apart", gap=gap)),
        Para(t("mb.run", steps=cfg.max_steps, T=cfg.block_size, E=cfg.n_embd, H=cfg.n_hidden, B=cfg.batch_size,
               seed=cfg.seed, lr=cfg.learning_rate, key=START_RUN_KEY)),
    )
    return code, blocks


def s_config(s: State):
    from ..config import Config

    return Config(seed=s.seed, block_size=s.T, n_embd=s.E, n_hidden=s.H, batch_size=s.B)


def sampling(s: State, t: Words) -> tuple[tuple[str, ...], tuple[Block, ...]]:
    names = s.names
    code = (
        f"g = torch.Generator().manual_seed({s.seed} + 10)",
        "out = []",
        f"context = [0] * {s.T}",
        "while True:",
        "    emb = C[torch.tensor([context])]",
        "    h = torch.tanh(emb.view(1, -1) @ W1 + b1)",
        "    logits = h @ W2 + b2",
        "    probs = F.softmax(logits, dim=1)",
        "    ix = torch.multinomial(probs, 1, generator=g).item()",
        "    context = context[1:] + [ix]",
        "    out.append(ix)",
        "    if ix == 0:",
        "        break",
        "print(''.join(itos[i] for i in out))",
    )
    labels = tuple(s.show([k]) for k in range(s.V))
    blocks: list[Block] = [Para(t("sample.how", ctx=s.show([0] * s.T), V=s.V, mark=s.mark))]
    for n, draws in enumerate(names):
        word = "".join(s.show([d.drawn]) for d in draws if d.drawn != 0)
        chance = math.prod(d.probs[d.drawn] for d in draws)
        ended = draws[-1].drawn == 0
        if n == 0:
            for k, d in enumerate(draws[:BAR_DRAWS]):
                blocks.append(Bars(t("sample.bars", k=k + 1, ctx=s.show(d.context), ch=s.show([d.drawn]),
                                     p=d.probs[d.drawn]), labels, d.probs, marked=d.drawn))
            rest = draws[BAR_DRAWS:]
        else:
            blocks.append(Para(t("sample.second")))
            rest = draws
        if rest:
            width = max([cell_len(t("sample.col_ctx"))] + [cell_len(s.show(d.context)) for d in rest])
            lines = [f"{pad(t('sample.col_ctx'), width, right=True)}  ->  {t('sample.col_drawn')}"]
            for d in rest:
                best = sorted(range(s.V), key=lambda k: -d.probs[k])[:3]
                alts = "  ".join(f"{s.show([k])} {d.probs[k]:.3f}" for k in best)
                lines.append(f"{pad(s.show(d.context), width, right=True)}  ->  {s.show([d.drawn])} "
                             f"{d.probs[d.drawn]:.3f}   ({alts})")
            blocks.append(Pre(cut(lines)))
        known = s.data.is_known(word)
        blocks.append(Para(t("sample.name", word=word, n=len(draws), p=chance,
                             known=t("sample.known" if known else "sample.new")) if ended
                           else t("sample.cut", word=word, n=len(draws))))
    blocks.append(Para(t("sample.more")))
    return code, tuple(blocks)
