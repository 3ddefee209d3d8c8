"""Making up names: sampling from the model one character at a time, many names in parallel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .data import DataError, Vocab
from .models.base import eval_mode

MAX_LEN = 64  # a name that has not ended by then is cut there


@dataclass(frozen=True)
class Sample:
    text: str
    logprob: float  # natural log of the model's probability of the whole name, end token included (T=1)
    is_new: bool  # not in the training split
    ended: bool = True  # False if cut at max_len
    held_out: bool = False  # in the dev or test split: a real name, new to the model (never trained on)


def held_out_words(data) -> Callable[[str], bool]:
    """Whether a word is in a Dataset's dev or test split (a pass over them a call: for a few words;
    `sample(data=...)` marks a whole batch of names in one pass)."""
    return lambda word: data.held_out([word])[0]


@torch.no_grad()
def sample(
    model: torch.nn.Module,
    vocab: Vocab,
    block_size: int,
    n: int = 10,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: str = "",
    seed: int | None = None,
    is_known: Callable[[str], bool] | None = None,
    max_len: int = MAX_LEN,
    is_held_out: Callable[[str], bool] | None = None,
    data=None,
) -> list[Sample]:
    """Sample n names. `prefix` is forced as each name's start; temperature and top-k shape the
    choice of the following characters. The same seed gives the same names. `is_known` says which
    names are in the training split, `is_held_out` which are in the dev or test split; or `data`, a
    Dataset, says both for all the names at once (a pass over each split's tokens, no index kept)."""
    if n <= 0:
        return []
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    device = next(model.parameters()).device
    gen = torch.Generator(device="cpu")
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    if vocab.text_problem(prefix):  # the boundary's mark would end every name at once
        raise DataError(f"prefix: {vocab.text_problem(prefix)}")
    with eval_mode(model):
        prefix_ix = vocab.encode(prefix)
        ctx = torch.zeros((n, block_size), dtype=torch.long, device=device)
        out = torch.zeros((n, max_len), dtype=torch.long)
        logprob = torch.zeros(n, dtype=torch.float64)
        alive = torch.ones(n, dtype=torch.bool)
        length = torch.full((n,), max_len, dtype=torch.long)
        for t in range(max_len + 1):
            logits = model(ctx).float().cpu()
            logp = torch.log_softmax(logits, dim=-1)
            if t < len(prefix_ix):
                ix = torch.full((n,), prefix_ix[t], dtype=torch.long)
            else:
                scaled = logits / temperature
                if top_k is not None and 0 < top_k < scaled.shape[-1]:
                    kth = torch.topk(scaled, top_k, dim=-1).values[:, -1:]
                    scaled = scaled.masked_fill(scaled < kth, float("-inf"))
                probs = torch.softmax(scaled, dim=-1)
                ix = torch.multinomial(probs, 1, generator=gen).squeeze(1)
                if t == max_len:  # out of room: no more characters, the name is cut here
                    break
            logprob += torch.where(alive, logp.gather(1, ix[:, None]).squeeze(1).double(), 0.0)
            ended_now = alive & (ix == 0)
            length[ended_now] = t
            alive &= ix != 0
            if t < max_len:
                out[:, t] = ix
            if not alive.any():
                break
            ctx = torch.cat([ctx[:, 1:], ix.to(device)[:, None]], dim=1)
    texts = [vocab.decode(out[i, : int(length[i])].tolist()) for i in range(n)]
    if data is not None:
        known = data.known(texts)
        new = [t for t, k in zip(texts, known) if not k]
        held = dict(zip(new, data.held_out(new)))  # only the names not trained on can be held out
        is_known, is_held_out = dict(zip(texts, known)).__getitem__, held.__getitem__
    samples = []
    for i, text in enumerate(texts):
        is_new = not (is_known(text) if is_known else False)
        samples.append(Sample(
            text=text,
            logprob=float(logprob[i]),
            is_new=is_new,
            ended=int(length[i]) < max_len,
            held_out=is_new and bool(is_held_out and is_held_out(text)),
        ))
    return samples
