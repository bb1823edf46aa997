"""Cluster profiles against a pandas groupby oracle, plus hand-computed cases and bad input."""

import numpy as np
import pandas as pd
import pytest

from kmeans_core.profiles import cluster_profiles, describe_clusters


def _oracle(X, labels, k):
    """Everything the profile reports, computed the plain pandas way."""
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    groups = frame.groupby(labels)
    sizes = groups.size().reindex(range(k), fill_value=0).to_numpy()
    means = groups.mean().reindex(range(k)).to_numpy()
    medians = groups.median().reindex(range(k)).to_numpy()
    mean, sd = frame.mean().to_numpy(), frame.std(ddof=0).to_numpy()
    rest = np.array([frame[labels != c].mean().to_numpy() for c in range(k)])
    return sizes, means, medians, (means - mean) / sd, (means - rest) / sd


@pytest.mark.parametrize("seed", range(5))
def test_matches_pandas_groupby(seed):
    rng = np.random.default_rng(seed)
    n, d, k = int(rng.integers(50, 2000)), int(rng.integers(1, 7)), int(rng.integers(2, 8))
    # Columns on very different scales and offsets, as in a real table.
    X = rng.normal(size=(n, d)) * 10.0 ** rng.integers(-3, 5, d) + rng.normal(0, 1e3, d)
    labels = rng.integers(0, k, n)
    p = cluster_profiles(X, labels, n_clusters=k)
    sizes, means, medians, z, sep = _oracle(X, labels, k)
    np.testing.assert_array_equal(p.sizes, sizes)
    np.testing.assert_allclose(p.shares, sizes / n, rtol=1e-15)
    scale = np.abs(X).max(axis=0)  # tolerances follow each column's magnitude
    np.testing.assert_allclose(p.means, means, rtol=0, atol=1e-12 * scale.max())
    np.testing.assert_array_equal(p.medians, medians)  # a median is one value (or the mean of two): exact
    np.testing.assert_allclose(p.z_centers, z, rtol=0, atol=1e-9)
    np.testing.assert_allclose(p.separation, sep, rtol=0, atol=1e-9)


def test_hand_computed_two_clusters():
    # Column a separates the clusters; column b is the same in both; c is constant.
    X = np.array([[0.0, 1.0, 5.0], [2.0, 3.0, 5.0], [10.0, 1.0, 5.0], [12.0, 3.0, 5.0]])
    labels = np.array([0, 0, 1, 1])
    p = cluster_profiles(X, labels, feature_names=("a", "b", "c"))
    np.testing.assert_array_equal(p.sizes, [2, 2])
    np.testing.assert_array_equal(p.means, [[1, 2, 5], [11, 2, 5]])
    np.testing.assert_array_equal(p.medians, [[1, 2, 5], [11, 2, 5]])
    sd_a = np.std([0, 2, 10, 12])  # sqrt(26)
    np.testing.assert_allclose(p.separation[:, 0], [-10 / sd_a, 10 / sd_a], rtol=1e-15)
    np.testing.assert_allclose(p.z_centers[:, 0], [-5 / sd_a, 5 / sd_a], rtol=1e-15)
    np.testing.assert_array_equal(p.separation[:, 1:], 0)  # same means; constant column -> 0, not NaN
    assert p.top_columns(0) == (0,)  # only a differs
    sentences = describe_clusters(p)
    assert sentences[0] == f"Cluster 1 (2 rows, 50.0%): much lower a ({-10 / sd_a:+.1f} sd) than the other rows."
    assert sentences[1].startswith("Cluster 2 (2 rows, 50.0%): much higher a (+")


def test_top_three_columns_are_the_largest_absolute_separations():
    rng = np.random.default_rng(7)
    n = 600
    labels = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 6))
    # Cluster 1 is shifted by +3, -2, +1 sd in columns 4, 1, 5; the others barely move.
    X[labels == 1, 4] += 3
    X[labels == 1, 1] -= 2
    X[labels == 1, 5] += 1
    p = cluster_profiles(X, labels, feature_names=[f"col{j}" for j in range(6)])
    assert p.top_columns(1) == (4, 1, 5)
    sentence = describe_clusters(p)[1]
    assert "much higher col4" in sentence and "lower col1" in sentence and "higher col5" in sentence
    assert sentence.index("col4") < sentence.index("col1") < sentence.index("col5")


def test_empty_cluster_and_single_cluster():
    X = np.arange(12.0).reshape(6, 2)
    p = cluster_profiles(X, np.zeros(6, dtype=int), n_clusters=2)
    np.testing.assert_array_equal(p.sizes, [6, 0])
    assert np.isnan(p.means[1]).all() and np.isnan(p.medians[1]).all()
    assert np.isnan(p.separation).all()  # nothing to compare with, either way
    s = describe_clusters(p)
    assert "holds every row" in s[0] and s[1].endswith("empty.")


def test_does_not_modify_input():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    before = X.copy()
    cluster_profiles(X, np.array([0, 1, 1]))
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize(
    "X, labels, kwargs, message",
    [
        (np.ones((3, 2)), [0, 1], {}, "one entry per row"),
        (np.ones((3, 2)), [0.0, 1.0, 1.0], {}, "integers"),
        (np.ones((3, 2)), [0, -1, 1], {}, "non-negative"),
        (np.ones((3, 2)), [0, 1, 2], {"n_clusters": 2}, r"lie in \[0, 1\]"),
        (np.ones((3, 2)), [0, 1, 1], {"feature_names": ["a"]}, "1 feature names for 2 columns"),
        (np.array([[1.0, np.nan], [1.0, 2.0]]), [0, 1], {}, "NaN"),
        (np.ones(3), [0, 1, 1], {}, "2-D"),
    ],
)
def test_bad_input_raises_clear_value_error(X, labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cluster_profiles(X, np.asarray(labels), **kwargs)


def test_negligible_differences_are_not_named():
    """A cluster at the overall mean gets no "+0.0 sd" column; a clear one still does."""
    # Column 0 separates clusters 0 and 2 symmetrically; cluster 1 sits at the mean in both columns.
    X = np.array([[-3.0, 0.0], [-3.0, 0.0], [0.0, 0.0], [0.0, 0.0], [3.0, 0.0], [3.0, 0.0]])
    X[:, 1] = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    labels = np.array([0, 0, 1, 1, 2, 2])
    p = cluster_profiles(X, labels, feature_names=["x", "y"])
    assert p.top_columns(1) == ()
    s = describe_clusters(p)
    assert "+0.0 sd" not in " ".join(s) and "-0.0 sd" not in " ".join(s)
    assert "within 0.05 sd" in s[1]
    assert "lower x" in s[0] and "higher x" in s[2]
