"""Soft K-means: hand-computed responsibilities, stability, the hard limit, EM monotonicity."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_core import KMeans
from kmeans_core.exceptions import ConvergenceWarning
from kmeans_core.soft import BETA_GRID, SoftKMeans, data_scale, smallest_hard_beta, soft_assign


def test_soft_assign_hand_computed():
    # x = 0, centres at 1 and 2: distances 1 and 4, so r = (e^-b, e^-4b) / sum.
    X = np.array([[0.0]])
    C = np.array([[1.0], [2.0]])
    r = soft_assign(X, C, 0.5)
    expected = np.array([np.exp(-0.5), np.exp(-2.0)])
    np.testing.assert_allclose(r[0], expected / expected.sum(), rtol=1e-14)
    # scale divides beta
    np.testing.assert_allclose(soft_assign(X, C, 1.0, scale=2.0), r, rtol=1e-14)


def test_soft_assign_stable_for_huge_and_tiny_beta():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * 1e3
    C = X[:4]
    hard = np.argmin(((X[:, None] - C[None]) ** 2).sum(-1), axis=1)
    for beta in (1e-12, 1e-3, 1.0, 1e6, 1e300):
        r = soft_assign(X, C, beta)
        assert np.all(np.isfinite(r))
        np.testing.assert_allclose(r.sum(axis=1), 1.0, rtol=1e-12)
    # huge beta: one-hot on the nearest centre; tiny beta: uniform
    np.testing.assert_array_equal(soft_assign(X, C, 1e300).argmax(axis=1), hard)
    assert soft_assign(X, C, 1e300).max(axis=1).min() == 1.0
    np.testing.assert_allclose(soft_assign(X, C, 1e-30), 0.25, rtol=1e-12)


def test_soft_assign_bad_input():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="beta"):
        soft_assign(X, X[:2], 0.0)
    with pytest.raises(ValueError, match="beta"):
        soft_assign(X, X[:2], np.inf)
    with pytest.raises(ValueError, match="features"):
        soft_assign(X, np.zeros((2, 3)), 1.0)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        soft_assign(bad, X[:2], 1.0)


def test_m_step_is_the_weighted_mean_and_loglik_matches_the_mixture_density():
    X, _ = make_blobs(60, centers=3, random_state=1)
    init = X[:3].copy()
    with pytest.warns(ConvergenceWarning):
        m = SoftKMeans(3, beta=0.7, init=init, max_iter=1).fit(X)
    b = 0.7 / np.mean(X.var(axis=0))
    D = ((X[:, None] - init[None]) ** 2).sum(-1)
    R = np.exp(-b * D)
    R /= R.sum(1, keepdims=True)
    np.testing.assert_allclose(m.cluster_centers_, (R.T @ X) / R.sum(0)[:, None], rtol=1e-12)
    # log-likelihood of the equal-weight mixture of N(m_j, I / (2b)) at the initial centres
    var = 1 / (2 * b)
    dens = np.exp(-D / (2 * var)) / (2 * np.pi * var) ** (X.shape[1] / 2)
    assert m.history_[1].log_likelihood == pytest.approx(np.log(dens.mean(1)).sum(), rel=1e-12)


def test_scale_invariance_of_beta():
    X, _ = make_blobs(200, centers=4, random_state=2)
    init = X[:4]
    a = SoftKMeans(4, beta=3.0, init=init).fit(X)
    b = SoftKMeans(4, beta=3.0, init=init * 1000).fit(X * 1000)
    np.testing.assert_allclose(b.cluster_centers_, a.cluster_centers_ * 1000, rtol=1e-9)
    np.testing.assert_allclose(b.responsibilities_, a.responsibilities_, atol=1e-9)


def test_log_likelihood_never_decreases_and_history_layout():
    X, _ = make_blobs(300, centers=4, cluster_std=2.0, random_state=3)
    m = SoftKMeans(4, beta=2.0, random_state=0).fit(X)
    phases = [s.phase for s in m.history_]
    assert phases[0] == "init" and phases[1::2] == ["E"] * m.n_iter_ and phases[2::2] == ["M"] * m.n_iter_
    ll = [s.log_likelihood for s in m.history_ if s.phase == "E"] + [m.log_likelihood_]
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(ll, ll[1:]))
    # an M step scores its new centres: the same value as the next E step
    for upd, nxt in zip(m.history_[2::2], m.history_[3::2]):
        assert upd.log_likelihood == nxt.log_likelihood
    assert m.history_[-1].log_likelihood == m.log_likelihood_
    # the M step's soft inertia: E-step responsibilities with the new centres, by brute force
    b = 2.0 / np.mean(X.var(axis=0))
    first_m = m.history_[2]
    D0 = ((X[:, None] - m.history_[1].centers[None]) ** 2).sum(-1)
    R = np.exp(-b * (D0 - D0.min(1, keepdims=True)))
    R /= R.sum(1, keepdims=True)
    D1 = ((X[:, None] - first_m.centers[None]) ** 2).sum(-1)
    assert first_m.soft_inertia == pytest.approx((R * D1).sum(), rel=1e-9)
    assert m.history_[1].soft_inertia == pytest.approx((R * D0).sum(), rel=1e-9)
    shares = m.history_[1].shares
    assert shares.dtype == np.uint8 and shares.shape == (300, 4)
    assert np.all(np.abs(shares.astype(int).sum(1) - 255) <= 2)
    assert m.converged_


def test_labels_become_the_hard_runs_as_beta_grows():
    X, _ = make_blobs(400, centers=4, cluster_std=1.5, random_state=4)
    init = X[[0, 1, 2, 3]]
    hard = KMeans(4, init=init, tol=0).fit(X)
    agree = []
    for beta in (0.3, 3.0, 30.0, 300.0, 3000.0):
        soft = SoftKMeans(4, beta=beta, init=init, tol=1e-10, max_iter=5000).fit(X)
        assert soft.converged_
        agree.append(np.mean(soft.labels_ == hard.labels_))
    assert agree[0] < 1.0  # soft enough to differ
    assert agree[-1] == 1.0
    np.testing.assert_allclose(soft.cluster_centers_, hard.cluster_centers_, atol=1e-9 * np.abs(X).max())
    assert soft.responsibilities_.max(axis=1).min() > 1 - 1e-9


def test_smallest_hard_beta_on_the_grid():
    X, _ = make_blobs(300, centers=3, cluster_std=1.2, random_state=5)
    init = X[:3]
    hard = KMeans(3, init=init, tol=0).fit(X).labels_
    beta, model = smallest_hard_beta(X, init, hard)
    assert beta in BETA_GRID
    np.testing.assert_array_equal(model.labels_, hard)
    i = int(np.flatnonzero(BETA_GRID == beta)[0])
    # every smaller beta on the grid gives other labels (the scan returns the first match)
    for smaller in BETA_GRID[:i]:
        labels = SoftKMeans(3, beta=float(smaller), init=init).fit(X).labels_
        assert not np.array_equal(labels, hard)
    assert smallest_hard_beta(X, init, hard, grid=[1e-3])[0] is None


def test_not_converging_warns():
    X, _ = make_blobs(200, centers=3, random_state=6)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        m = SoftKMeans(3, 1.0, max_iter=2, tol=0.0, random_state=0).fit(X)
    assert not m.converged_ and m.n_iter_ == 2


def test_data_scale_and_bad_input():
    X = np.array([[0.0, 0.0], [2.0, 4.0]])
    assert data_scale(X) == pytest.approx((1.0 + 4.0) / 2)
    assert data_scale(np.ones((3, 2))) == 1.0
    with pytest.raises(ValueError, match="larger than the number of samples"):
        SoftKMeans(5).fit(X)
    with pytest.raises(ValueError, match="beta"):
        SoftKMeans(2, beta=-1).fit(X)
    with pytest.raises(ValueError, match="init"):
        SoftKMeans(2, init="nope").fit(X)
    with pytest.raises(ValueError, match="shape"):
        SoftKMeans(2, init=np.zeros((3, 2))).fit(X)
    with pytest.raises(ValueError, match="infinite"):
        SoftKMeans(1).fit(np.array([[np.inf, 0.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="not fitted"):
        SoftKMeans(2).predict(X)
