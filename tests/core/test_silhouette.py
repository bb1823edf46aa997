"""Silhouette: an exact reference, scikit-learn, a hand-computed case, edge cases, bad input.

The reference is the definition computed from direct differences in float64
(each distance within a few ulp of the exact distance of the stored values),
so it does not depend on the BLAS kernel. Ours must be within 1e-12 of it on
every s(i). scikit-learn uses the expansion ||x||^2 - 2 x.y + ||y||^2, whose
error depends on the data's scale and on the kernel; it is compared with a
tolerance derived from that scale.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.datasets import load_iris, make_blobs

from kmeans_core import silhouette as sil_mod
from kmeans_core.silhouette import check_cluster_labels, silhouette_samples, silhouette_score

EXACT = 1e-12  # ours against the exact reference, on every s(i)
UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2


def exact_silhouette(X, labels):
    """The definition, with every distance from direct differences (O(n^2 d) memory: small n only)."""
    X = np.asarray(X, dtype=np.float64)
    _, codes = np.unique(np.asarray(labels), return_inverse=True)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    k = codes.max() + 1
    counts = np.bincount(codes, minlength=k)
    sums = np.stack([D[:, codes == c].sum(1) for c in range(k)], axis=1)
    rows = np.arange(len(X))
    own = counts[codes]
    a = np.where(own > 1, sums[rows, codes] / np.maximum(own - 1, 1), 0.0)
    means = sums / counts
    means[rows, codes] = np.inf
    b = means.min(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    return np.nan_to_num(s, nan=0.0)


def sklearn_tolerance(X):
    """How far scikit-learn's expansion may be from exact s(i), from the data's scale.

    Its squared distances carry an error of about (2d + 4) unit roundoffs of
    ||x||^2 + ||y||^2; relative to the smallest non-zero squared distance that
    bounds every distance's relative error, and s(i) moves by at most twice that.
    """
    X = np.asarray(X, dtype=np.float64)
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    norms = (X**2).sum(1)
    smallest = d2[d2 > 0].min()
    return 2 * (2 * X.shape[1] + 4) * UNIT_ROUNDOFF * 2 * norms.max() / smallest


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
    exact = exact_silhouette(X, labels)
    assert ours.dtype == np.float64 and ours.shape == (len(X),)
    np.testing.assert_allclose(ours, exact, rtol=0, atol=EXACT)
    assert silhouette_score(X, labels) == pytest.approx(exact.mean(), abs=EXACT)
    # scikit-learn agrees within what its own rounding allows on this data. On "far"
    # (offset 1e5, neighbours 1e-7 apart) that bound exceeds 1: there only the
    # exact reference is meaningful, and scikit-learn's value depends on the CPU.
    tol = sklearn_tolerance(X)
    if tol < 1e-3:
        np.testing.assert_allclose(skm.silhouette_samples(X, labels), exact, rtol=0, atol=tol)


@pytest.mark.parametrize("name", ["blobs", "far"])
def test_every_tiling_and_thread_count_is_exact(monkeypatch, name):
    """One tile per cluster, and tiny tiles (7 rows, 256-column chunks inside clusters), 1 or 2 threads."""
    X = np.vstack([DATA[name]] * 2)  # clusters span several column chunks; every row has a duplicate
    labels = _kmeans_like_labels(X, 3, seed=1)
    exact = exact_silhouette(X, labels)
    layouts = [(len(X), 10**9, 1), (7, 1, 1), (7, 1, 2), (64, 2**18, 2)]
    for rows, elements, threads in layouts:
        monkeypatch.setattr(sil_mod, "_TILE_ROWS", rows)
        monkeypatch.setattr(sil_mod, "_TILE_ELEMENTS", elements)
        monkeypatch.setattr(sil_mod, "_N_THREADS", threads)
        np.testing.assert_allclose(silhouette_samples(X, labels), exact, rtol=0, atol=EXACT)


def test_near_duplicates_far_from_origin_are_exact():
    """Pairs 1e-9 apart at 1e6 from the origin: the expansion alone gets their distance wrong."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(40, 3)) + 1e6
    X = np.vstack([base, base + rng.uniform(-1e-9, 1e-9, size=base.shape), base[:10]])
    labels = _kmeans_like_labels(X, 4, seed=3)
    np.testing.assert_allclose(silhouette_samples(X, labels), exact_silhouette(X, labels), rtol=0, atol=EXACT)


def test_huge_and_tiny_values_are_rescaled_exactly():
    X = DATA["blobs"][:200]
    labels = _kmeans_like_labels(X, 3, seed=0)
    base = silhouette_samples(X, labels)
    for factor in (2.0**600, 2.0**-600):  # squares would overflow / underflow
        np.testing.assert_allclose(silhouette_samples(X * factor, labels), base, rtol=0, atol=EXACT)


def test_precomputed_matches_euclidean_and_sklearn():
    X = DATA["iris"]
    labels = _kmeans_like_labels(X, 3, seed=0)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    exact = exact_silhouette(X, labels)
    np.testing.assert_allclose(silhouette_samples(D, labels, metric="precomputed"), exact, rtol=0, atol=EXACT)
    np.testing.assert_allclose(skm.silhouette_samples(D, labels, metric="precomputed"),
                               silhouette_samples(D, labels, metric="precomputed"), rtol=0, atol=EXACT)
    # The subset keeps the same rows and columns as the Euclidean subset.
    assert silhouette_score(D, labels, metric="precomputed", sample_size=60, random_state=3) == pytest.approx(
        silhouette_score(X, labels, sample_size=60, random_state=3), abs=EXACT)


def test_precomputed_hand_computed():
    # Points 0, 1 | 4, 6 on a line, as a distance matrix (see test_hand_computed_four_points).
    x = np.array([0.0, 1.0, 4.0, 6.0])
    D = np.abs(x[:, None] - x[None, :])
    expected = np.array([4 / 5, 3 / 4, 1.5 / 3.5, 3.5 / 5.5])
    np.testing.assert_allclose(silhouette_samples(D, [0, 0, 1, 1], metric="precomputed"), expected, rtol=1e-15)


@pytest.mark.parametrize(
    "D, match",
    [
        (np.ones((4, 3)), "square"),
        (np.array([[0.0, -1, 2, 3], [-1, 0, 1, 1], [2, 1, 0, 1], [3, 1, 1, 0]]), "negative"),
        (np.array([[0.0, 1, 2, 3], [1, 0.5, 1, 1], [2, 1, 0, 1], [3, 1, 1, 0]]), "diagonal"),
    ],
)
def test_precomputed_bad_matrices(D, match):
    with pytest.raises(ValueError, match=match):
        silhouette_samples(D, [0, 0, 1, 1], metric="precomputed")
    with pytest.raises(ValueError, match=match):
        silhouette_score(D, [0, 0, 1, 1], metric="precomputed")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_precomputed_tolerates_rounding_on_the_diagonal(dtype):
    x = np.array([0.2, 0.1, 0.12, 1.34, 1.11, 1.6])
    D = np.abs(x[:, None] - x[None, :]).astype(dtype)
    D[2, 2] = 10 * np.finfo(dtype).eps  # within the input dtype's rounding
    s = silhouette_samples(D, [0, 0, 0, 1, 1, 1], metric="precomputed")
    D[2, 2] = 0.0
    np.testing.assert_array_equal(s, silhouette_samples(D, [0, 0, 0, 1, 1, 1], metric="precomputed"))
    D[2, 2] = 1000 * np.finfo(dtype).eps
    with pytest.raises(ValueError, match="diagonal"):
        silhouette_samples(D, [0, 0, 0, 1, 1, 1], metric="precomputed")


@pytest.mark.parametrize("metric", ["manhattan", "cosine", None, 3])
def test_unknown_metric_is_a_clear_error(metric):
    with pytest.raises(ValueError, match="metric must be one of"):
        silhouette_samples(DATA["iris"], _kmeans_like_labels(DATA["iris"], 3, seed=0), metric=metric)


def test_float32_input_is_computed_in_float64():
    X32 = DATA["iris"].astype(np.float32)
    labels = _kmeans_like_labels(DATA["iris"], 3, seed=0)
    ours = silhouette_samples(X32, labels)
    assert ours.dtype == np.float64
    # Exact on the same values in float64 ...
    np.testing.assert_allclose(ours, exact_silhouette(X32.astype(np.float64), labels), rtol=0, atol=EXACT)
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
    np.testing.assert_allclose(s, exact_silhouette(X, labels), rtol=0, atol=EXACT)


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
    assert s[0] == s[1] == 1.0
    np.testing.assert_allclose(s, exact_silhouette(X, [0, 0, 1, 1]), rtol=0, atol=EXACT)


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
    assert a == pytest.approx(exact_silhouette(X[idx], labels[idx]).mean(), abs=EXACT)
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
    np.testing.assert_allclose(s, exact_silhouette(X, labels), rtol=0, atol=EXACT)
