"""Property tests: the invariants of Lloyd's algorithm on random small data."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmeans_core import KMeans

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw):
    """Random data: a seed, sizes, optional weights, optionally a coarse grid (many exact ties)."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 60))
    d = draw(st.integers(1, 4))
    k = draw(st.integers(1, min(n, 7)))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        X = rng.integers(-3, 4, size=(n, d)).astype(float)  # duplicates and ties
    else:
        X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.normal(size=d) * 5
    w = rng.uniform(0, 3, n) if draw(st.booleans()) else None
    if w is not None and not (w > 0).any():
        w = None
    return X, k, w, seed


def _objective(X, centers, labels, w):
    w = np.ones(len(X)) if w is None else w
    return float((((X - centers[labels]) ** 2).sum(1) * w).sum())


def _fit(X, k, w, seed, **kw):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # duplicates: fewer distinct clusters
        return KMeans(k, random_state=seed, **kw).fit(X, sample_weight=w)


@SETTINGS
@given(problems())
def test_inertia_never_rises_and_each_record_is_the_objective(p):
    X, k, w, seed = p
    m = _fit(X, k, w, seed, init="random", n_init=1, tol=0.0)
    values = [s.inertia for s in m.history_[1:]]
    assert all(b <= a for a, b in zip(values, values[1:]))
    scale = _objective(X, X.mean(0, keepdims=True), np.zeros(len(X), int), w) + 1e-300
    for s in m.history_[1:]:
        assert abs(s.inertia - _objective(X, s.centers, s.labels, w)) <= 1e-9 * scale


@SETTINGS
@given(problems())
def test_labels_are_the_argmin_and_centres_the_means(p):
    X, k, w, seed = p
    m = _fit(X, k, w, seed, tol=0.0, max_iter=500)
    d2 = ((X[:, None, :] - m.cluster_centers_[None]) ** 2).sum(2)
    mine = d2[np.arange(len(X)), m.labels_]
    assert np.all(mine <= d2.min(1) + 1e-9 * (1 + d2.max()))  # nearest centre, up to exact ties
    ww = np.ones(len(X)) if w is None else w
    for j in range(k):
        members = m.labels_ == j
        if ww[members].sum() > 0 and not m.history_[-1].relocated:
            mean = (X[members] * ww[members, None]).sum(0) / ww[members].sum()
            np.testing.assert_allclose(m.cluster_centers_[j], mean, rtol=1e-9, atol=1e-9)


@SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter_given_the_same_init(p, rnd):
    X, k, w, seed = p
    if (X == np.round(X)).all():
        X = X + np.random.default_rng(seed).normal(size=X.shape) * 1e-3  # break exact ties
    init = X[np.random.default_rng(seed).choice(len(X), k, replace=False)]
    perm = np.array(rnd.sample(range(len(X)), len(X)))
    a = _fit(X, k, w, seed, init=init)
    b = _fit(X[perm], k, None if w is None else w[perm], seed, init=init)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(a.labels_[perm], b.labels_)
    assert a.n_iter_ == b.n_iter_


@SETTINGS
@given(problems())
def test_same_random_state_same_result(p):
    X, k, w, seed = p
    a = _fit(X, k, w, seed)
    b = _fit(X, k, w, seed)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_ and a.n_iter_ == b.n_iter_
