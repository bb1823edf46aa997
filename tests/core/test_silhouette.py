"""Silhouette: oracle equality with scikit-learn, a hand-computed case, edge cases, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.datasets import load_iris, make_blobs

from kmeans_core import silhouette as sil_mod
from kmeans_core.silhouette import check_cluster_labels, silhouette_samples, silhouette_score

TOL = 1e-10


def _kmeans_like_labels(X, k, seed):
    """Nearest-of-k-random-rows labels: realistic clusterings without depending on our KMeans."""
    rng = np.random.default_rng(seed)
    centres = X[rng.choice(len(X), k, replace=False)]
    labels = ((X[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    return labels


def _datasets():
    rng = np.random.default_rng(0)
    iris = load_iris().data  # real data, holds a duplicated row
    blobs, _ = make_blobs(600, n_features=3, centers=5, random_state=3)
    grid = rng.integers(0, 4, size=(250, 2)).astype(float)  # many exact ties / duplicates
    far = rng.normal(size=(200, 4)) * 1e3 + 1e5  # large offset: expansion cancellation
    far = np.vstack([far, far[:60], far[:40] + 1e-7])  # exact and near duplicates
    return {"iris": iris, "blobs": blobs, "grid": grid, "far": far}


DATA = _datasets()


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("k", range(2, 9))
def test_samples_match_sklearn(name, k):
    X = DATA[name]
    labels = _kmeans_like_labels(X, k, seed=k)
    if len(np.unique(labels)) < 2:
        labels[:2] = [0, 1]
    ours = silhouette_samples(X, labels)
    ref = skm.silhouette_samples(X, labels)
    assert ours.dtype == np.float64 and ours.shape == (len(X),)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL)
    assert silhouette_score(X, labels) == pytest.approx(skm.silhouette_score(X, labels), abs=TOL)


def test_many_tiles_and_threads_match_single_tile(monkeypatch):
    """Force tiny tiles (7 rows, 256-column minimum split inside clusters) to exercise the tiling."""
    X = np.vstack([DATA["blobs"]] * 2)  # 1,200 rows: clusters span several column chunks
    labels = _kmeans_like_labels(X, 3, seed=1)
    monkeypatch.setattr(sil_mod, "_N_THREADS", 1)
    monkeypatch.setattr(sil_mod, "_TILE_ROWS", len(X))
    monkeypatch.setattr(sil_mod, "_TILE_ELEMENTS", 10**9)
    whole = silhouette_samples(X, labels)  # one tile per cluster
    monkeypatch.setattr(sil_mod, "_TILE_ROWS", 7)
    monkeypatch.setattr(sil_mod, "_TILE_ELEMENTS", 1)  # -> 256 columns per tile
    for threads in (1, 2):
        monkeypatch.setattr(sil_mod, "_N_THREADS", threads)
        tiled = silhouette_samples(X, labels)
        np.testing.assert_allclose(tiled, whole, rtol=0, atol=1e-13)
        np.testing.assert_allclose(tiled, skm.silhouette_samples(X, labels), rtol=0, atol=TOL)


def test_float32_input_is_computed_in_float64():
    X32 = DATA["iris"].astype(np.float32)
    labels = _kmeans_like_labels(DATA["iris"], 3, seed=0)
    ours = silhouette_samples(X32, labels)
    assert ours.dtype == np.float64
    # Same as scikit-learn on the same values in float64 ...
    np.testing.assert_allclose(ours, skm.silhouette_samples(X32.astype(np.float64), labels), atol=TOL)
    # ... and close to scikit-learn's own float32 path, which keeps float32 distances.
    np.testing.assert_allclose(ours, skm.silhouette_samples(X32, labels), atol=1e-5)


def test_hand_computed_four_points():
    # Two pairs on a line: A = {0, 1}, B = {4, 6}.
    X = np.array([[0.0], [1.0], [4.0], [6.0]])
    labels = [0, 0, 1, 1]
    # point 0: a = 1, b = (4 + 6) / 2 = 5 -> s = 4/5
    # point 1: a = 1, b = (3 + 5) / 2 = 4 -> s = 3/4
    # point 4: a = 2, b = (4 + 3) / 2 = 3.5 -> s = 1.5/3.5
    # point 6: a = 2, b = (6 + 5) / 2 = 5.5 -> s = 3.5/5.5
    expected = np.array([4 / 5, 3 / 4, 1.5 / 3.5, 3.5 / 5.5])
    np.testing.assert_allclose(silhouette_samples(X, labels), expected, rtol=1e-15)
    assert silhouette_score(X, labels) == pytest.approx(expected.mean(), rel=1e-15)


def test_labels_any_integers_and_strings():
    X = DATA["blobs"]
    labels = _kmeans_like_labels(X, 4, seed=2)
    base = silhouette_samples(X, labels)
    weird = np.array([-7, 3, 1000, 42])[labels]
    np.testing.assert_array_equal(silhouette_samples(X, weird), base)
    np.testing.assert_array_equal(silhouette_samples(X, list(weird)), base)
    np.testing.assert_array_equal(silhouette_samples(X, np.array(["d", "b", "a", "c"])[labels]), base)


def test_singleton_clusters_score_zero():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [9.0, 0.0]])
    labels = [1, 1, 1, 2, 3]  # clusters 2 and 3 are singletons
    s = silhouette_samples(X, labels)
    assert s[3] == 0.0 and s[4] == 0.0
    assert (s[:3] > 0.9).all()
    np.testing.assert_allclose(s, skm.silhouette_samples(X, labels), atol=TOL)


def test_all_duplicates_give_zero_not_nan():
    X = np.zeros((6, 2))
    s = silhouette_samples(X, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(s, np.zeros(6))


def test_distance_to_self_is_zero_for_duplicate_rows():
    # Two identical non-integer points: the expansion may leave a tiny positive
    # self-distance; a pair of duplicates in one cluster must still have a = 0, s = 1.
    p = [0.1 + 1e6, 0.7 - 3e5, 1 / 3]
    X = np.array([p, p, [5.0, 5.0, 5.0], [5.0, 6.0, 5.0]])
    s = silhouette_samples(X, [0, 0, 1, 1])
    np.testing.assert_allclose(s, skm.silhouette_samples(X, [0, 0, 1, 1]), atol=TOL)


@pytest.mark.parametrize(
    "labels, match",
    [
        ([0, 0, 0, 0], "Number of labels is 1"),
        ([0, 1, 2, 3], "Number of labels is 4"),
        ([0, 1, 1], "3 entries but X has 4 rows"),
        ([[0, 1], [0, 1]], "1-D"),
        ([0.0, 1.0, np.nan, 1.0], "NaN"),
    ],
)
def test_bad_labels(labels, match):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=match):
        silhouette_samples(X, labels)
    with pytest.raises(ValueError, match=match):
        silhouette_score(X, labels)


def test_bad_X():
    X = np.arange(8.0).reshape(4, 2)
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        silhouette_samples(X, [0, 0, 1, 1])
    with pytest.raises(ValueError, match="2-D"):
        silhouette_score(np.arange(4.0), [0, 0, 1, 1])


def test_sample_size_reproducible_and_documented_draw():
    X = DATA["blobs"]
    labels = _kmeans_like_labels(X, 5, seed=4)
    a = silhouette_score(X, labels, sample_size=200, random_state=7)
    assert a == silhouette_score(X, labels, sample_size=200, random_state=7)
    assert a != silhouette_score(X, labels, sample_size=200, random_state=8)
    # The subset is exactly the documented draw, and the value is sklearn's on it.
    idx = np.random.default_rng(7).choice(len(X), 200, replace=False)
    assert a == pytest.approx(skm.silhouette_score(X[idx], labels[idx]), abs=TOL)
    # A Generator is used as is (and advanced).
    g = np.random.default_rng(7)
    assert silhouette_score(X, labels, sample_size=200, random_state=g) == a
    assert silhouette_score(X, labels, sample_size=200, random_state=g) != a


def test_sample_size_at_least_n_uses_all_rows():
    X = DATA["iris"]
    labels = _kmeans_like_labels(X, 3, seed=0)
    full = silhouette_score(X, labels)
    assert silhouette_score(X, labels, sample_size=len(X), random_state=0) == full
    assert silhouette_score(X, labels, sample_size=10**6, random_state=0) == full


@pytest.mark.parametrize("bad", [1, 0, -5, 2.5, True, "10"])
def test_bad_sample_size(bad):
    X = DATA["iris"]
    labels = _kmeans_like_labels(X, 3, seed=0)
    with pytest.raises(ValueError, match="sample_size"):
        silhouette_score(X, labels, sample_size=bad)


def test_subset_with_one_cluster_is_a_clear_error():
    X = np.vstack([np.zeros((50, 2)), np.ones((1, 2))])
    labels = [0] * 50 + [1]
    # A seed whose documented draw of 3 rows misses the lone point of cluster 1.
    seed = next(s for s in range(100) if 50 not in np.random.default_rng(s).choice(51, 3, replace=False))
    with pytest.raises(ValueError, match="Number of labels is 1"):
        silhouette_score(X, labels, sample_size=3, random_state=seed)


def test_check_cluster_labels_codes_and_counts():
    codes, counts = check_cluster_labels([10, -1, 10, 3, 3, 10], 6)
    np.testing.assert_array_equal(codes, [2, 0, 2, 1, 1, 2])
    np.testing.assert_array_equal(counts, [1, 2, 3])


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(6, 40),
    d=st.integers(1, 4),
    k=st.integers(2, 5),
    seed=st.integers(0, 2**31 - 1),
    integer_grid=st.booleans(),
)
def test_property_matches_sklearn(n, d, k, seed, integer_grid):
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(n, d)).astype(float) if integer_grid else rng.normal(size=(n, d))
    labels = rng.integers(0, k, size=n)
    if not 2 <= len(np.unique(labels)) <= n - 1:
        labels[:2] = [0, 1]
    s = silhouette_samples(X, labels)
    assert ((s >= -1 - 1e-12) & (s <= 1 + 1e-12)).all()
    np.testing.assert_allclose(s, skm.silhouette_samples(X, labels), rtol=0, atol=TOL)
