"""Calinski-Harabasz and Davies-Bouldin: oracle equality with scikit-learn and its conventions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.datasets import load_iris, make_blobs

from kmeans_core.scores import calinski_harabasz_score, davies_bouldin_score

RTOL = 1e-10
SCORES = [
    (calinski_harabasz_score, skm.calinski_harabasz_score),
    (davies_bouldin_score, skm.davies_bouldin_score),
]


def _nearest_labels(X, k, seed):
    rng = np.random.default_rng(seed)
    centres = X[rng.choice(len(X), k, replace=False)]
    return ((X[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)


def _datasets():
    rng = np.random.default_rng(0)
    far = rng.normal(size=(300, 3)) * 10 + 1e5
    return {
        "iris": load_iris().data,
        "blobs": make_blobs(800, n_features=4, centers=6, random_state=1)[0],
        "grid": rng.integers(0, 4, size=(200, 2)).astype(float),
        "far": np.vstack([far, far[:50]]),
    }


DATA = _datasets()


@pytest.mark.parametrize("ours, ref", SCORES)
@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_match_sklearn(ours, ref, name, k):
    X = DATA[name]
    labels = _nearest_labels(X, k, seed=k)
    if len(np.unique(labels)) < 2:
        labels[:2] = [0, 1]
    if name == "far" and ours is davies_bouldin_score:
        # scikit-learn measures point-to-centroid distances with the expansion
        # ||x||^2 - 2 x.m + ||m||^2, which loses ~6 digits at offset 1e5, spread 10.
        # DB is translation invariant: centred data gives scikit-learn full precision.
        assert ours(X, labels) == pytest.approx(ref(X - X.mean(axis=0), labels), rel=1e-9)
        assert ours(X, labels) == pytest.approx(ref(X, labels), rel=1e-4)
    else:
        assert ours(X, labels) == pytest.approx(ref(X, labels), rel=RTOL)


@pytest.mark.parametrize("ours, ref", SCORES)
def test_float32_and_int_input(ours, ref):
    X = DATA["iris"]
    labels = _nearest_labels(X, 3, seed=0)
    # float32 values are scored in float64: same as scikit-learn on the upcast array.
    X32 = X.astype(np.float32)
    assert ours(X32, labels) == pytest.approx(ref(X32.astype(np.float64), labels), rel=RTOL)
    assert ours(X32, labels) == pytest.approx(ref(X32, labels), rel=1e-5)
    Xi = (X * 10).astype(np.int64)
    assert ours(Xi, labels) == pytest.approx(ref(Xi, labels), rel=RTOL)


@pytest.mark.parametrize("ours, ref", SCORES)
def test_labels_any_integers(ours, ref):
    X = DATA["blobs"]
    labels = _nearest_labels(X, 4, seed=3)
    weird = np.array([99, -4, 7, 0])[labels]
    # Equal up to the summation order of the clusters.
    assert ours(X, weird) == pytest.approx(ours(X, labels), rel=1e-14)
    assert ours(X, weird) == pytest.approx(ref(X, weird), rel=RTOL)


def test_hand_computed():
    # Clusters {0, 2} and {10, 12} on a line; overall mean 6.
    X = np.array([[0.0], [2.0], [10.0], [12.0]])
    labels = [0, 0, 1, 1]
    # W = 4 * 1^2 = 4; B = 2 * 5^2 + 2 * 5^2 = 100; CH = (100 / 1) / (4 / 2) = 50
    assert calinski_harabasz_score(X, labels) == pytest.approx(50.0, rel=1e-15)
    # s = 1 for both clusters, centroids 10 apart: DB = (1 + 1) / 10
    assert davies_bouldin_score(X, labels) == pytest.approx(0.2, rel=1e-15)


def test_conventions_degenerate():
    # Every cluster is a stack of identical points: W == 0 -> CH is 1.0, all s_c == 0 -> DB is 0.0.
    X = np.array([[0.0, 0.0]] * 3 + [[1.0, 1.0]] * 3)
    labels = [0, 0, 0, 1, 1, 1]
    assert calinski_harabasz_score(X, labels) == 1.0 == skm.calinski_harabasz_score(X, labels)
    assert davies_bouldin_score(X, labels) == 0.0 == skm.davies_bouldin_score(X, labels)
    # All centroids coincide -> DB is 0.0 (scikit-learn's rule, although the clusters overlap fully).
    X = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    assert davies_bouldin_score(X, [0, 0, 1, 1]) == 0.0 == skm.davies_bouldin_score(X, [0, 0, 1, 1])


def test_db_skips_pairs_with_identical_centroids():
    # Clusters 0 and 1 share the centroid 0; cluster 2 is far. The (0, 1) pair is ignored.
    X = np.array([[-1.0], [1.0], [-2.0], [2.0], [20.0], [22.0]])
    labels = [0, 0, 1, 1, 2, 2]
    assert np.isfinite(davies_bouldin_score(X, labels))
    assert davies_bouldin_score(X, labels) == pytest.approx(skm.davies_bouldin_score(X, labels), rel=RTOL)


@pytest.mark.parametrize("score", [calinski_harabasz_score, davies_bouldin_score])
@pytest.mark.parametrize(
    "labels, match",
    [
        ([0, 0, 0, 0], "Number of labels is 1"),
        ([0, 1, 2, 3], "Number of labels is 4"),
        ([0, 1, 1], "3 entries but X has 4 rows"),
        ([0.0, np.nan, 1.0, 1.0], "NaN"),
    ],
)
def test_bad_labels(score, labels, match):
    with pytest.raises(ValueError, match=match):
        score(np.arange(8.0).reshape(4, 2), labels)


@pytest.mark.parametrize("score", [calinski_harabasz_score, davies_bouldin_score])
def test_bad_X(score):
    X = np.arange(8.0).reshape(4, 2)
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        score(X, [0, 0, 1, 1])
    with pytest.raises(ValueError, match="2-D"):
        score([1.0, 2.0, 3.0], [0, 0, 1])


def _textbook_davies_bouldin(X, labels):
    """Direct transcription of the definition (difference form), scikit-learn's conventions."""
    groups = [X[labels == c] for c in np.unique(labels)]
    centroids = np.array([g.mean(axis=0) for g in groups])
    spread = np.array([np.linalg.norm(g - m, axis=1).mean() for g, m in zip(groups, centroids)])
    dist = np.linalg.norm(centroids[:, None] - centroids[None], axis=2)
    if np.allclose(spread, 0) or np.allclose(dist, 0):
        return 0.0
    dist[dist == 0] = np.inf
    return float(((spread[:, None] + spread[None]) / dist).max(axis=1).mean())


def test_db_singleton_spread_is_exactly_zero():
    # s_0 = 1, s_1 = 0 (one point is its own centroid), centroids 9 apart: DB = (1/9 + 1/9) / 2.
    # scikit-learn gets s_1 from the expansion, a few 1e-8 instead of 0 for values like these.
    X = np.array([[0.1], [2.1], [10.1]]) + 1e3
    assert davies_bouldin_score(X, [0, 0, 1]) == pytest.approx(1 / 9, rel=1e-12)
    assert davies_bouldin_score(X, [0, 0, 1]) == pytest.approx(skm.davies_bouldin_score(X, [0, 0, 1]), rel=1e-5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(5, 60), d=st.integers(1, 5), k=st.integers(2, 6), seed=st.integers(0, 2**31 - 1))
def test_property_matches_sklearn(n, d, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 100)
    labels = rng.integers(0, k, size=n)
    if not 2 <= len(np.unique(labels)) <= n - 1:
        labels[:2] = [0, 1]
    assert calinski_harabasz_score(X, labels) == pytest.approx(skm.calinski_harabasz_score(X, labels), rel=RTOL)
    # Small random labellings make singleton clusters, whose spread scikit-learn
    # computes with the expansion (not exactly 0): exact against the definition,
    # close to scikit-learn.
    db = davies_bouldin_score(X, labels)
    assert db == pytest.approx(_textbook_davies_bouldin(X, labels), rel=RTOL)
    assert db == pytest.approx(skm.davies_bouldin_score(X, labels), rel=1e-6)
