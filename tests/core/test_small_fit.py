"""The small-fit path of the engine (``_Engine.one_block``): the same numbers as the blocked path."""

import importlib

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans

from kmeans_core import KMeans
from kmeans_core.lloyd import _Engine, _row_mean

lloyd_module = importlib.import_module("kmeans_core.lloyd")  # the package's `lloyd` is the function


def _blobs(n, d, k, seed, spread=10.0):
    rng = np.random.default_rng(seed)
    means = rng.uniform(-1, 1, (k, d)) * spread
    X = means[rng.integers(0, k, n)] + rng.normal(size=(n, d))
    return X, X[rng.choice(n, k, replace=False)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_mean_is_numpys_mean_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 8191, 8192, 8193, 60_000):
        for d in (1, 2, 3, 4, 5):
            X = (rng.normal(size=(n, d)) * 10.0 ** rng.uniform(-3, 3) + rng.normal() * 100).astype(dtype)
            ours, ref = _row_mean(X), X.mean(axis=0)
            assert ours.dtype == ref.dtype
            np.testing.assert_array_equal(ours, ref)


def test_engine_row_norms_are_the_einsum_bit_for_bit():
    rng = np.random.default_rng(1)
    for d in (1, 2, 3):
        X = rng.normal(size=(5000, d)) * 1e3
        engine = _Engine(X, np.ones(len(X)))
        np.testing.assert_array_equal(engine.x_sq, np.einsum("ij,ij->i", engine.Xc, engine.Xc))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n,d,k", [(10_000, 2, 5), (3000, 3, 8), (3000, 16, 32), (50, 1, 3)])
def test_one_block_steps_match_the_blocked_kernel(n, d, k, weighted):
    X, init = _blobs(n, d, k, seed=n + d + k)
    rng = np.random.default_rng(3)
    w = rng.uniform(0.5, 2.0, n) if weighted else np.ones(n)
    engine = _Engine(X, w)
    assert engine.one_block(k)
    centers = engine.to_engine(init)
    old = np.empty(n, np.intp)
    engine.assign_all(centers, old)
    small, blocked = np.empty(n, np.intp), np.empty(n, np.intp)
    shifted = centers + 0.01 * rng.normal(size=centers.shape)  # a few labels change
    got = engine.assign_all(shifted, small, old)
    moved_small = engine._moved
    engine._one_block[k] = False  # the general (blocked) kernel on the same engine
    want = engine.assign_all(shifted, blocked, old)
    np.testing.assert_array_equal(small, blocked)
    assert got == want  # inertia and number changed, bit for bit
    assert (moved_small is None) == (engine._moved is None)
    if moved_small is not None:
        np.testing.assert_array_equal(moved_small[2], engine._moved[2])
    sums_ref, counts_ref = engine._full_sums(small, k)  # bincount per feature
    engine._one_block[k] = True
    sums, counts = engine._full_sums(small, k)  # the one-hot product Z^T [Xw, w]
    np.testing.assert_allclose(sums, sums_ref, rtol=1e-12, atol=1e-12 * np.abs(sums_ref).max())
    if weighted:
        np.testing.assert_allclose(counts, counts_ref, rtol=1e-13)
    else:
        np.testing.assert_array_equal(counts, counts_ref)  # whole numbers, exact either way


@pytest.mark.parametrize("case", ["separated", "overlapping", "weighted", "duplicates"])
def test_small_fit_gives_the_blocked_and_sklearn_result(case, monkeypatch):
    X, init = _blobs(4000, 2, 6, seed=7, spread=10.0 if case != "overlapping" else 2.0)
    w = None
    if case == "weighted":
        w = np.random.default_rng(4).uniform(0.2, 3.0, len(X))
    if case == "duplicates":  # two starting centres on one point: an empty cluster is relocated
        init = np.vstack([init[:5], init[:1]])
    small = KMeans(6, init=init, n_init=1, tol=0.0, record="full").fit(X, sample_weight=w)
    assert _Engine(X, np.ones(len(X))).one_block(6)
    with monkeypatch.context() as m:
        m.setattr(lloyd_module._Engine, "one_block", lambda self, k: False)
        blocked = KMeans(6, init=init, n_init=1, tol=0.0, record="full").fit(X, sample_weight=w)
    ref = SkKMeans(6, init=init, n_init=1, tol=0.0).fit(X, sample_weight=w)
    for other in (blocked, ref):
        np.testing.assert_array_equal(small.labels_, other.labels_)
        assert small.n_iter_ == other.n_iter_
        np.testing.assert_allclose(small.cluster_centers_, other.cluster_centers_, rtol=1e-12, atol=1e-12)
        assert small.inertia_ == pytest.approx(other.inertia_, rel=1e-12)
    if case == "duplicates":
        assert any(step.relocated for step in small.history_)
    # the recorded run is the blocked path's: same phases, labels and (to rounding) inertias
    assert [s.phase for s in small.history_] == [s.phase for s in blocked.history_]
    for a, b in zip(small.history_, blocked.history_):
        assert (a.labels is None) == (b.labels is None)
        if a.labels is not None:
            np.testing.assert_array_equal(a.labels, b.labels)
        if a.inertia is not None:
            assert a.inertia == pytest.approx(b.inertia, rel=1e-12)
    values = [s.inertia for s in small.history_ if s.inertia is not None]
    assert all(b <= a for a, b in zip(values, values[1:]))  # never rises


def test_small_fit_with_given_centres_needs_no_random_state_but_checks_a_bad_one():
    X, init = _blobs(500, 2, 3, seed=9)
    a = KMeans(3, init=init, n_init=1).fit(X)
    b = KMeans(3, init=init, n_init=1, random_state=5).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    with pytest.raises(ValueError, match="random_state"):
        KMeans(3, init=init, n_init=1, random_state=-1).fit(X)
