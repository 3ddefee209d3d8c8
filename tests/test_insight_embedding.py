"""The embedding map's numbers (insight/embedding.py), against a direct computation."""

from __future__ import annotations

import math

import pytest
import torch

from makemore_tui.insight.base import InsightError
from makemore_tui.insight.embedding import embedding_map, pca_axes, vowel_spread

from helpers import small_model


def test_embedding_map_is_c_itself_when_n_embd_is_2(data):
    m = small_model(data, n_embd=2)
    e = embedding_map(m, data.vocab)
    assert e.method == "C" and e.n_embd == 2
    assert e.xs == m.C[:, 0].double().tolist() and e.ys == m.C[:, 1].double().tolist()
    assert e.chars == list(data.vocab.itos)
    var = m.C.detach().double().var(0, unbiased=False)
    assert e.explained == pytest.approx(tuple((var / var.sum()).tolist()))


def test_embedding_map_with_n_embd_1_puts_every_point_on_the_x_axis(data):
    e = embedding_map(small_model(data, n_embd=1), data.vocab)
    assert e.ys == [0.0] * 27 and e.xs == small_model(data, n_embd=1).C[:, 0].double().tolist()


@pytest.mark.parametrize("n_embd", [3, 10])
def test_embedding_map_projects_larger_embeddings_on_their_principal_axes(data, n_embd):
    m = small_model(data, n_embd=n_embd)
    e = embedding_map(m, data.vocab)
    assert e.method == "PCA"
    C = m.C.detach().double()
    Xc = C - C.mean(0)
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    P = torch.tensor([e.xs, e.ys], dtype=torch.float64).T
    ref = Xc @ Vh[:2].T
    for j in range(2):  # equal up to the sign of each axis
        assert torch.allclose(P[:, j], ref[:, j], atol=1e-9) or torch.allclose(P[:, j], -ref[:, j], atol=1e-9)
    # and the same as torch.pca_lowrank's projection, up to sign
    _, _, V = torch.pca_lowrank(C, q=n_embd, center=True, niter=8)  # q = all: exact, not sketched
    low = Xc @ V[:, :2]
    for j in range(2):
        assert torch.allclose(P[:, j].abs(), low[:, j].abs(), atol=1e-6)
    # an orthogonal projection: reconstructing from the axes gives the best rank-2 fit
    mean, axes, share = pca_axes(C)
    assert torch.allclose(axes.T @ axes, torch.eye(2, dtype=torch.float64), atol=1e-12)
    assert e.explained == pytest.approx(tuple((S[:2] ** 2 / (S ** 2).sum()).tolist()))
    resid = Xc - (Xc @ axes) @ axes.T
    assert math.isclose(float(resid.square().sum()), float((S[2:] ** 2).sum()), rel_tol=1e-9, abs_tol=1e-9)


def test_pca_signs_are_fixed_so_the_map_does_not_flip(data):
    C = small_model(data, n_embd=6).C.detach()
    _, a1, _ = pca_axes(C)
    _, a2, _ = pca_axes(-C + 3.0)  # same geometry, mirrored: each axis keeps its sign rule
    for j in range(2):
        col = a1[:, j]
        assert col[col.abs().argmax()] > 0
        col2 = a2[:, j]
        assert col2[col2.abs().argmax()] > 0


def test_vowel_spread_is_mean_vowel_distance_over_mean_letter_distance(data):
    C = small_model(data, n_embd=5).C.detach().double()
    itos = list(data.vocab.itos)

    def mean_pairs(chars):
        ix = [itos.index(c) for c in chars]
        ds = [float((C[i] - C[j]).norm()) for i in ix for j in ix if i != j]
        return sum(ds) / len(ds)

    want = mean_pairs("aeiou") / mean_pairs([c for c in itos if c != "."])
    assert vowel_spread(C, data.vocab) == pytest.approx(want, rel=1e-9)
    # vowels moved onto one point: spread 0
    C2 = C.clone()
    for v in "aeiou":
        C2[itos.index(v)] = C2[itos.index("a")]
    assert vowel_spread(C2, data.vocab) == pytest.approx(0.0, abs=1e-12)


def test_embedding_map_refuses_a_model_without_c(data):
    from makemore_tui.models.base import Interface

    class Table(Interface):  # a model speaks the interface: it has no embedding table, so says none
        def __init__(self):
            super().__init__()
            self.logits = torch.nn.Parameter(torch.zeros(27, 27))

    with pytest.raises(InsightError):
        embedding_map(Table(), data.vocab)
