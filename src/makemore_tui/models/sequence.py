"""The sequence models' common ground (rnn, gru and transformer): the window as a word prefix.

makemore.py feeds these models whole words, <START> first and right-padded, and trains every
position at once. This engine feeds every model windows of the `block_size` characters before one
target, left-padded with the boundary token (index 0, shown '.' for names). The sequence models
turn each window back into makemore's layout (prefix_layout): the window's last padding is the
<START> token, the characters follow, left-aligned; the padding before <START> is dropped. So a window's output is exactly makemore's
output at the end of that word prefix, whatever the padding, and the block only needs to cover the
longest word + 1 (makemore's block size).

Training on every position. Inside a window, character t+1 is the target of position t, so a
window holds one prediction per character of its prefix, not one. With `train_all_positions` (on
for the sequence models) `loss()` takes its gradient from all of them, as makemore does; the number
it returns (the per-step loss the app plots) still estimates the dev loss: see SequenceModel.loss.
The models also ask the trainer (`trains_on_words`) to draw only the windows that end a word, which
makes a batch exactly makemore's batch of words (Trainer.__init__ honours it).

Only real positions cost work: the RNNs step only the rows whose prefix is still going, and the
transformer carries the batch's real positions as the rows of one matrix and attends over the
causal pairs alone (transformer.Block). Tests check forward and gradient against makemore's own code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .base import Model, record


def prefix_layout(X: torch.Tensor, Y: torch.Tensor | None = None):
    """Each window's word prefix, left-aligned as makemore lays out a word: <START> (the window's
    last padding '.') first, then the characters, then 0s. Returns (A, n, targets): A (B, L) with
    L the longest prefix; n (B,) each row's length; targets (B, L) the next character of every
    position (Y after the last one, -1 past the end), or None without Y. A window with no padding
    (longer than its block) starts at its first character."""
    B, T = X.shape
    lead = ((X != 0).cumsum(1) == 0).sum(1)  # leading padding per row
    s = (lead - 1).clamp(min=0)  # where the prefix starts
    n = T - s
    L = int(n.max()) if B else 1
    j = torch.arange(L, device=X.device)
    valid = j[None, :] < n[:, None]
    A = X.gather(1, (s[:, None] + j[None, :]).clamp(max=T - 1)).masked_fill(~valid, 0)
    if Y is None:
        return A, n, None
    Z = torch.cat([X, Y[:, None]], 1)
    targets = Z.gather(1, (s[:, None] + j[None, :] + 1).clamp(max=T)).masked_fill(~valid, -1)
    return A, n, targets


class SequenceModel(Model):
    """Shared by rnn, gru and transformer: windows become left-aligned prefixes (prefix_layout);
    `_run(A, n, targets, rec)` returns (row order or None, the final hidden state of every row, and
    with targets the hidden states of all real positions with their targets)."""

    train_all_positions = True
    # Asks the trainer to draw training batches only from the windows whose target is the end
    # token '.'. With block_size >= the longest word + 1 such a window holds
    # the whole word, so a batch is makemore's batch of words, each position counted once; on names
    # it learns about twice as fast per second as windows drawn at random (see the family report).
    trains_on_words = True
    # Inside one large inference call (a chunk of a split, evaluation.EVAL_CHUNK rows), windows go
    # through in length-sorted groups of this many, each padded only to its own longest prefix.
    SORTED_GROUP = 4096

    def _forward(self, X, rec):
        if rec is None and X.shape[0] > self.SORTED_GROUP and not torch.is_grad_enabled():
            return self._forward_sorted(X)
        A, n, _ = prefix_layout(X)
        # '.' is names' boundary mark: events.Started writes the data's own in its place
        record(rec, "X", "X", X, f"{X.shape[0]} windows of {X.shape[1]} characters, '.'-padded on the left")
        record(rec, "seq", "the prefix from <START> on", A,
             f"left-aligned as makemore lays out a word: <START>, the characters, 0s (longest {A.shape[1]})")
        order, h_last, _ = self._run(A, n, None, rec)
        logits = self.lm_head(h_last)
        record(rec, "logits", "lm_head(h at each row's last position)", logits,
             f"the next character after each window ({self.vocab_size} classes)")
        if order is None:
            return logits
        out = torch.empty_like(logits)
        out[order] = logits
        return out

    def _forward_sorted(self, X):
        """Large inference batches (a pass of an evaluation): rows sorted by prefix length and run in chunks, so
        each chunk is only as long as its own longest prefix and memory stays bounded."""
        lead = ((X != 0).cumsum(1) == 0).sum(1)
        order = torch.argsort(lead, descending=True)
        out = torch.empty(X.shape[0], self.vocab_size, device=X.device)
        for i in range(0, X.shape[0], self.SORTED_GROUP):
            ix = order[i : i + self.SORTED_GROUP]
            out[ix] = self._forward(X[ix], None)
        return out

    def loss(self, X, Y):
        """Training loss. With train_all_positions the gradient is that of the cross-entropy over
        every position of every prefix (makemore's loss). The value returned estimates the dev loss
        (the mean over all examples) from this batch: for windows drawn at random that is the loss
        of the windows' own targets, returned as `all + (last - all).detach()`, which has the value
        of one and the gradient of the other; when every window ends its word (whole-word batches,
        see trains_on_words) it is the all-positions loss itself, each character counted once."""
        if not self.train_all_positions:
            return F.cross_entropy(self(X), Y)
        A, n, targets = prefix_layout(X, Y)
        order, h_last, (h_all, t_all) = self._run(A, n, targets, None)
        all_pos = F.cross_entropy(self.lm_head(h_all), t_all)
        if bool((Y == 0).all()):
            return all_pos
        with torch.no_grad():
            last = F.cross_entropy(self.lm_head(h_last), Y if order is None else Y[order])
        return all_pos + (last - all_pos).detach()

    @torch.no_grad()
    def word_loss(self, X):
        """Evaluation by whole words: X holds windows that end their words, each word whole (it is
        shorter than the block, so <START> is in). One pass gives the prediction at every position,
        each the one that position's own window gives (a position sees only its own prefix), so the
        cross-entropy summed over every position, and the count of positions, are those of all the
        words' windows, for a fraction of the work. Returns (the sum as a 0-d tensor, the count)."""
        A, n, targets = prefix_layout(X, X.new_zeros(X.shape[0]))
        _, _, (h_all, t_all) = self._run(A, n, targets, None)
        return F.cross_entropy(self.lm_head(h_all), t_all, reduction="sum"), int(t_all.shape[0])

    def _run(self, A, n, targets, rec):  # pragma: no cover - abstract
        raise NotImplementedError
