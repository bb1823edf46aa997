"""kmeans_core.batch: many clusterings scored in shared passes, against brute force and the
one-at-a-time functions (and scikit-learn's silhouette)."""

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import make_blobs

from kmeans_core import KMeans, silhouette_score
from kmeans_core import batch as batch_mod
from kmeans_core.batch import nearest_sq_dist_sums, silhouette_means

from .test_silhouette import exact_silhouette


def brute_inertia(X, centers):
    """sum_r min_j ||x_r - c_j||^2 from direct differences."""
    d2 = ((X[:, None, :] - np.asarray(centers)[None, :, :]) ** 2).sum(axis=2)
    return float(d2.min(axis=1).sum())


def test_hand_computed_inertias():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0]])
    got = nearest_sq_dist_sums(X, [[[0.0, 0.0]], [[1.0, 0.0], [10.0, 0.0]], [[0.0, 0.0], [2.0, 0.0], [9.0, 0.0]]])
    np.testing.assert_allclose(got, [0 + 4 + 100, 1 + 1 + 0, 0 + 0 + 1], rtol=1e-15)


@pytest.mark.parametrize("offset", [0.0, 1e4])
@pytest.mark.parametrize("d", [1, 3, 8])
def test_inertias_equal_brute_force_for_every_group(offset, d):
    X, _ = make_blobs(3_000, n_features=d, centers=5, random_state=d)
    X = X + offset  # far from the origin: the expansion must not cancel
    rng = np.random.default_rng(0)
    groups = [X[rng.choice(len(X), k, replace=False)] + rng.normal(0, 0.5, (k, d))
              for k in (1, 2, 2, 2, 5, 3, 3, 10)]  # runs of equal k and single ones
    got = nearest_sq_dist_sums(X, groups)
    scale = float(((X - X.mean(axis=0)) ** 2).sum())
    for g, value in zip(groups, got):
        assert abs(value - brute_inertia(X, g)) <= 1e-12 * scale


def test_inertias_are_the_fits_inertia_at_convergence():
    X, _ = make_blobs(2_000, centers=4, random_state=3)
    fits = [KMeans(k, n_init=1, random_state=s).fit(X) for k in (2, 4, 6) for s in (0, 1)]
    got = nearest_sq_dist_sums(X, [f.cluster_centers_ for f in fits])
    np.testing.assert_allclose(got, [f.inertia_ for f in fits], rtol=1e-12)


def test_inertias_on_many_blocks_and_two_threads(monkeypatch):
    X, _ = make_blobs(5_000, n_features=3, centers=3, random_state=5)
    groups = [X[:k] + 0.1 for k in range(1, 8)]
    expected = [brute_inertia(X, g) for g in groups]
    monkeypatch.setattr(batch_mod, "_BLOCK_ENTRIES", 2_000)  # 256-row blocks: 20 of them
    for threads in (1, 2):
        monkeypatch.setattr(batch_mod, "_N_THREADS", threads)
        np.testing.assert_allclose(nearest_sq_dist_sums(X, groups), expected, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e130, 1e-130])
def test_inertias_of_huge_and_tiny_values_go_through_the_exact_rescale(scale):
    X = np.array([[1.0, 0.0], [3.0, 0.0], [3.0, 2.0]]) * scale  # beyond 2**+-400: rescaled
    got = nearest_sq_dist_sums(X, [[[2.0 * scale, 0.0]], [[1.0 * scale, 0.0], [3.0 * scale, 1.0 * scale]]])
    np.testing.assert_allclose(got, [(1 + 1 + 5) * scale**2, (0 + 1 + 1) * scale**2], rtol=1e-12)


def test_inertia_bad_input():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="center group 0"):
        nearest_sq_dist_sums(X, [np.zeros((2, 3))])
    with pytest.raises(ValueError, match="center group 1"):
        nearest_sq_dist_sums(X, [np.zeros((1, 2)), np.full((1, 2), np.nan)])
    with pytest.raises(ValueError):
        nearest_sq_dist_sums(np.array([[np.nan, 0.0]]), [np.zeros((1, 2))])
    assert nearest_sq_dist_sums(X, []).shape == (0,)


def test_silhouettes_equal_exact_reference_and_scikit_learn():
    X, _ = make_blobs(400, centers=[[-6, -6], [6, -6], [-6, 6], [6, 6]], cluster_std=1.2, random_state=7)
    X = np.vstack([X, np.random.default_rng(1).uniform(-4, 4, size=(24, 2))])
    labelings = [KMeans(k, n_init=1, random_state=0).fit(X).labels_ for k in range(2, 9)]
    got = silhouette_means(X, labelings)
    for labels, value in zip(labelings, got):
        assert value == pytest.approx(float(np.mean(exact_silhouette(X, labels))), abs=1e-12)
        assert value == pytest.approx(skm.silhouette_score(X, labels), abs=1e-12)


def test_silhouettes_far_from_origin_with_duplicates_and_singletons():
    rng = np.random.default_rng(2)
    base, _ = make_blobs(300, n_features=3, centers=3, random_state=2)
    X = np.vstack([base, base[:40]]) + 1e6  # exact duplicates, far from the origin
    labelings = [KMeans(k, n_init=1, random_state=1).fit(X).labels_ for k in (2, 3, 5)]
    singles = labelings[1].copy()
    singles[:3] = [7, 8, 9]  # three singleton clusters (their silhouette is 0)
    labelings += [singles, rng.integers(0, 4, len(X))]
    got = silhouette_means(X, labelings)
    for labels, value in zip(labelings, got):
        assert value == pytest.approx(float(np.mean(exact_silhouette(X, labels))), abs=1e-12)
        assert value == pytest.approx(silhouette_score(X, labels), abs=1e-12)


def test_silhouettes_two_threads_and_the_core_agree(monkeypatch):
    X, _ = make_blobs(2_500, centers=5, random_state=4)
    labelings = [KMeans(k, n_init=1, random_state=0).fit(X).labels_ for k in (2, 5, 9)]
    expected = [silhouette_score(X, labels) for labels in labelings]
    for threads in (1, 2):
        monkeypatch.setattr(batch_mod, "_N_THREADS", threads)
        np.testing.assert_allclose(silhouette_means(X, labelings), expected, rtol=0, atol=1e-12)


def test_undefined_silhouettes_are_nan():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    got = silhouette_means(X, [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 2, 3]])
    assert np.isnan(got[0]) and np.isnan(got[2])  # one cluster; one cluster per point
    assert got[1] == pytest.approx(skm.silhouette_score(X, [0, 0, 1, 1]), abs=1e-12)
    assert np.isnan(silhouette_means(X, [[1, 1, 1, 1]])).all()


def test_silhouette_bad_input():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="labelling 0"):
        silhouette_means(X, [[0, 1, 0]])
    with pytest.raises(ValueError):
        silhouette_means(np.array([[np.inf, 0.0], [0.0, 0.0]]), [[0, 1]])
