"""GaussianMixture against scikit-learn (same initial parameters), hand-computed cases, bad input."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture as SkGaussianMixture
from threadpoolctl import threadpool_limits

from kmeans_core import adjusted_rand_score
from kmeans_core.exceptions import ConvergenceWarning
from kmeans_core.mixture import COVARIANCE_TYPES, GaussianMixture, full_covariances


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # scikit-learn's per-component Cholesky calls with two BLAS threads on a busy
    # 2-core machine run ~20x slower (thread hand-offs on 2x2 matrices); results are the same.
    with threadpool_limits(1):
        yield


def _stretched_blobs(n=1500, k=4, seed=0):
    X, y = make_blobs(n, centers=k, cluster_std=[1.0, 1.5, 0.6, 2.0][:k], random_state=seed)
    return X @ np.array([[1.0, 0.4], [-0.3, 1.6]]) + np.array([50.0, -20.0]), y


def _init_params(X, k, covariance_type, seed):
    """Deliberately rough starting parameters: random data points, equal weights, unit precisions."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    precisions = {
        "full": np.stack([np.eye(d) * (0.5 + j) for j in range(k)]),
        "tied": np.eye(d) * 0.7,
        "diag": np.ones((k, d)) * 0.4,
        "spherical": np.linspace(0.3, 1.0, k),
    }[covariance_type]
    return dict(weights_init=np.full(k, 1 / k), means_init=X[rng.choice(len(X), k, replace=False)],
                precisions_init=precisions)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_sklearn_from_the_same_initial_parameters(covariance_type, seed):
    X, _ = _stretched_blobs(seed=seed)
    k = 4
    kw = dict(n_components=k, covariance_type=covariance_type, tol=1e-6, max_iter=1000,
              **_init_params(X, k, covariance_type, seed))
    ours = GaussianMixture(**kw).fit(X)
    ref = SkGaussianMixture(**kw).fit(X)
    scale = np.abs(X).max()
    assert ours.converged_ and ref.converged_
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=0, atol=1e-6)
    cov_scale = np.abs(ref.covariances_).max()
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=0, atol=1e-6 * cov_scale)
    np.testing.assert_allclose(ours.precisions_cholesky_, ref.precisions_cholesky_, rtol=1e-6,
                               atol=1e-6 * np.abs(ref.precisions_cholesky_).max())
    np.testing.assert_allclose(ours.precisions_, ref.precisions_, rtol=1e-6,
                               atol=1e-6 * np.abs(ref.precisions_).max())
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, abs=1e-6)
    np.testing.assert_allclose(ours.lower_bounds_, ref.lower_bounds_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.score(X) == pytest.approx(ref.score(X), abs=1e-6)
    assert ours.bic(X) == pytest.approx(ref.bic(X), abs=1e-6 * len(X))
    assert ours.aic(X) == pytest.approx(ref.aic(X), abs=1e-6 * len(X))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_matches_sklearn_from_parameters_of_a_short_sklearn_run(covariance_type):
    # realistic starting parameters (two EM steps from sklearn's k-means init), given to both
    X, _ = _stretched_blobs(800, 3, seed=3)
    warm = SkGaussianMixture(3, covariance_type=covariance_type, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X)
    kw = dict(n_components=3, covariance_type=covariance_type, weights_init=warm.weights_,
              means_init=warm.means_, precisions_init=warm.precisions_, tol=1e-8, max_iter=500)
    ours, ref = GaussianMixture(**kw).fit(X), SkGaussianMixture(**kw).fit(X)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.means_, ref.means_, atol=1e-6 * np.abs(X).max(), rtol=0)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, abs=1e-6)


def test_one_component_is_the_sample_mean_and_biased_covariance():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [2.0, 4.0], [1.0, 2.0]])
    m = GaussianMixture(1, reg_covar=0.0).fit(X)
    np.testing.assert_allclose(m.means_, [[1.0, 2.0]], rtol=1e-14)
    np.testing.assert_allclose(m.covariances_[0], [[0.8, 0.0], [0.0, 3.2]], rtol=1e-13, atol=1e-15)
    assert m.weights_ == pytest.approx([1.0])
    # log-likelihood of N(mean, cov) at the data, by hand
    inv = np.diag([1 / 0.8, 1 / 3.2])
    diff = X - [1.0, 2.0]
    log_p = -0.5 * (np.einsum("ij,jk,ik->i", diff, inv, diff) + 2 * np.log(2 * np.pi) + np.log(0.8 * 3.2))
    np.testing.assert_allclose(m.score_samples(X), log_p, rtol=1e-13)
    # parameters: 2 means + 3 covariance entries
    assert m.bic(X) == pytest.approx(-2 * log_p.sum() + 5 * np.log(5), rel=1e-13)
    assert m.aic(X) == pytest.approx(-2 * log_p.sum() + 10, rel=1e-13)


def test_responsibilities_by_hand_for_two_1d_components():
    X = np.array([[-1.0], [0.0], [0.5], [3.0]])
    m = GaussianMixture(2, covariance_type="spherical", weights_init=[0.25, 0.75],
                        means_init=[[0.0], [2.0]], precisions_init=[1.0, 4.0], max_iter=1).fit
    with pytest.warns(ConvergenceWarning):
        model = m(X)
    e_step = model.history_[1]
    dens = np.stack([0.25 * np.exp(-0.5 * X[:, 0] ** 2) / np.sqrt(2 * np.pi),
                     0.75 * np.exp(-0.5 * 4 * (X[:, 0] - 2) ** 2) * 2 / np.sqrt(2 * np.pi)], axis=1)
    r = dens / dens.sum(1, keepdims=True)
    np.testing.assert_array_equal(e_step.shares, np.rint(255 * r).astype(np.uint8))
    assert e_step.log_likelihood == pytest.approx(np.log(dens.sum(1)).sum(), rel=1e-13)
    # the M step: weighted means and weights from those responsibilities
    nk = r.sum(0)
    np.testing.assert_allclose(model.means_[:, 0], (r.T @ X[:, 0]) / nk, rtol=1e-12)
    np.testing.assert_allclose(model.weights_, nk / 4, rtol=1e-12)


def test_history_records_every_e_and_m_step_and_the_likelihood_never_drops():
    X, _ = _stretched_blobs(1000, 3, seed=4)
    m = GaussianMixture(3, random_state=0, tol=1e-6).fit(X)
    phases = [s.phase for s in m.history_]
    assert phases == ["init"] + ["E", "M"] * m.n_iter_
    lls = [s.log_likelihood for s in m.history_[1:]]
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(lls, lls[1:]))
    # an E step scores the parameters it starts from: those of the M step before it
    for prev, step in zip(m.history_[2::2], m.history_[3::2]):
        assert step.log_likelihood == prev.log_likelihood
        np.testing.assert_array_equal(step.means, prev.means)
    assert m.history_[-1].log_likelihood == pytest.approx(m.score(X) * len(X), rel=1e-12)
    np.testing.assert_allclose(m.history_[-1].covariances, m.covariances_)
    np.testing.assert_allclose(m.lower_bounds_[-1], m.lower_bound_)
    assert m.history_[1].shares.dtype == np.uint8 and m.history_[1].shares.shape == (1000, 3)
    assert GaussianMixture(3, record="params", random_state=0).fit(X).history_[1].shares is None


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random"])
def test_every_init_finds_well_separated_blobs(init_params):
    X, y = make_blobs(600, centers=[[0, 0], [10, 0], [0, 10]], random_state=5)
    # uniform-ish random responsibilities start every component near the global mean;
    # EM separates them slowly, so the default tol=1e-3 would stop it too early
    m = GaussianMixture(3, init_params=init_params, n_init=3, tol=1e-8, max_iter=2000,
                        random_state=0).fit(X)
    assert adjusted_rand_score(y, m.predict(X)) > 0.99
    np.testing.assert_array_equal(m.labels_, m.predict(X))
    assert m.converged_


def test_full_covariance_finds_stretched_clusters_kmeans_cuts():
    from kmeans_core import KMeans

    X, y = make_blobs(900, centers=3, random_state=170)
    X = X @ np.array([[0.6, -0.64], [-0.41, 0.85]])  # the anisotropic example of scikit-learn
    km = KMeans(3, n_init=10, random_state=0).fit(X)
    gm = GaussianMixture(3, n_init=3, random_state=0).fit(X)
    assert adjusted_rand_score(y, gm.labels_) > 0.95 > adjusted_rand_score(y, km.labels_)


def test_n_init_keeps_the_best_run():
    X, _ = _stretched_blobs(600, 4, seed=8)
    single = GaussianMixture(4, init_params="random", tol=1e-4, max_iter=300, random_state=0).fit(X)
    best = GaussianMixture(4, init_params="random", tol=1e-4, max_iter=300, n_init=4, random_state=0).fit(X)
    # the first of the four runs is the single run (same Generator stream)
    assert best.lower_bound_ >= single.lower_bound_
    assert best.lower_bound_ == pytest.approx(best.score(X), abs=1e-3)
    assert best.history_[-1].log_likelihood == pytest.approx(best.score(X) * len(X), rel=1e-12)


def test_bic_picks_the_true_number_of_components():
    X, _ = make_blobs(600, centers=[[0, 0], [8, 0], [0, 8]], random_state=6)
    bics = [GaussianMixture(k, random_state=0).fit(X).bic(X) for k in range(1, 6)]
    assert int(np.argmin(bics)) + 1 == 3


def test_singular_covariance_without_reg_covar_is_a_clear_error():
    # two distinct points, duplicated, and three components: one component collapses
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 5)
    with pytest.raises(ValueError, match="singular"):
        GaussianMixture(2, reg_covar=0.0, random_state=0).fit(X)
    # points on a line: a full covariance is singular
    t = np.linspace(0, 1, 50)
    line = np.column_stack([t, 2 * t])
    for cov in ("full", "tied"):
        with pytest.raises(ValueError, match="reg_covar"):
            GaussianMixture(1, covariance_type=cov, reg_covar=0.0).fit(line)
    # the default reg_covar makes both fits possible
    GaussianMixture(2, random_state=0).fit(X)
    GaussianMixture(1).fit(line)


def test_large_scale_data_with_a_point_start_is_not_called_singular():
    # k-means++ starts every component at one point with covariance reg_covar * I, far below
    # the data's variance (1e8 here); with reg_covar > 0 that is legitimate, as in scikit-learn
    X, y = make_blobs(600, centers=[[0, 0], [10, 0], [0, 10]], random_state=9)
    m = GaussianMixture(3, init_params="k-means++", random_state=0, max_iter=500).fit(X * 1e4)
    assert adjusted_rand_score(y, m.labels_) > 0.95


def test_float32_input_and_expanded_covariances():
    X, _ = _stretched_blobs(500, 2, seed=7)
    a = GaussianMixture(2, covariance_type="diag", random_state=0).fit(X.astype(np.float32))
    b = GaussianMixture(2, covariance_type="diag", random_state=0).fit(X)
    np.testing.assert_allclose(a.means_, b.means_, atol=1e-4 * np.abs(X).max())
    full = full_covariances(b.covariances_, "diag", 2, 2)
    np.testing.assert_allclose(np.diagonal(full, axis1=1, axis2=2), b.covariances_)
    assert full[:, 0, 1].tolist() == [0.0, 0.0]


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(20, 2))
    bad = X.copy()
    bad[3, 1] = np.nan
    cases = [
        (GaussianMixture(2), bad, "NaN"),
        (GaussianMixture(2), np.where(bad != bad, np.inf, bad), "infinite"),
        (GaussianMixture(2), X[:, 0], "2-D"),
        (GaussianMixture(30), X, "larger than the number of samples"),
        (GaussianMixture(1), X[:1], "at least 2"),
        (GaussianMixture(2, covariance_type="round"), X, "covariance_type"),
        (GaussianMixture(2, init_params="kmeans+"), X, "init_params"),
        (GaussianMixture(2, reg_covar=-1), X, "reg_covar"),
        (GaussianMixture(2, tol=-1), X, "tol"),
        (GaussianMixture(2, max_iter=0), X, "max_iter"),
        (GaussianMixture(2, n_init=0), X, "n_init"),
        (GaussianMixture(2, weights_init=[0.5, 0.6]), X, "sum to 1"),
        (GaussianMixture(2, weights_init=[1.0]), X, "shape"),
        (GaussianMixture(2, means_init=np.zeros((3, 2))), X, "means_init"),
        (GaussianMixture(2, precisions_init=np.stack([np.eye(2), -np.eye(2)])), X, "positive-definite"),
        (GaussianMixture(2, covariance_type="diag", precisions_init=np.zeros((2, 2))), X, "positive"),
        (GaussianMixture(2, precisions_init=np.eye(2)), X, "shape"),
    ]
    for model, data, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(data)
    with pytest.raises(ValueError, match="not fitted"):
        GaussianMixture(2).predict(X)
    m = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        m.predict(np.zeros((3, 3)))
