"""k-means++ and random initialisation."""

import numpy as np
import pytest
from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus
from sklearn.datasets import make_blobs

from kmeans_core import kmeans_plusplus, kmeans_plusplus_steps, random_init

X, _ = make_blobs(800, centers=6, random_state=0)


def _potential(X, centers, w=None):
    d = ((X[:, None, :] - centers[None]) ** 2).sum(2).min(1)
    return float(d @ (np.ones(len(X)) if w is None else w))


def test_centres_are_distinct_rows_and_reproducible():
    c, idx = kmeans_plusplus(X, 6, random_state=1)
    np.testing.assert_array_equal(c, X[idx])
    assert len(set(idx.tolist())) == 6
    c2, idx2 = kmeans_plusplus(X, 6, random_state=1)
    np.testing.assert_array_equal(idx, idx2)


def test_steps_give_the_same_centres_and_consistent_records():
    c, idx = kmeans_plusplus(X, 6, random_state=4)
    c2, idx2, steps = kmeans_plusplus_steps(X, 6, random_state=4)
    np.testing.assert_array_equal(idx, idx2)
    assert len(steps) == 6
    np.testing.assert_allclose(steps[0].probabilities, np.full(len(X), 1 / len(X)))
    for j, s in enumerate(steps):
        assert s.chosen == idx[j] and s.chosen in s.candidates
        assert s.probabilities.sum() == pytest.approx(1.0)
        assert s.potential == pytest.approx(_potential(X, X[idx[: j + 1]]), rel=1e-9)
        assert s.potential == pytest.approx(min(s.candidate_potentials))
        if j:
            assert len(s.candidates) == 2 + int(np.log(6))
            # D^2 sampling: probabilities proportional to the squared distance to the chosen centres
            d2 = ((X[:, None, :] - X[idx[:j]][None]) ** 2).sum(2).min(1)
            np.testing.assert_allclose(s.probabilities, d2 / d2.sum(), atol=1e-12)
            assert np.all(s.probabilities[idx[:j]] == 0)
    pots = [s.potential for s in steps]
    assert all(b <= a for a, b in zip(pots, pots[1:]))


def test_mean_potential_close_to_sklearn():
    ours = [_potential(X, kmeans_plusplus(X, 8, random_state=s)[0]) for s in range(30)]
    ref = [_potential(X, sk_kmeans_plusplus(X, 8, random_state=s)[0]) for s in range(30)]
    assert np.mean(ours) <= 1.05 * np.mean(ref)


def test_zero_weight_rows_are_never_chosen_and_weights_steer_the_first_pick():
    w = np.zeros(len(X))
    w[:100] = 1.0
    for s in range(10):
        _, idx = kmeans_plusplus(X, 5, random_state=s, sample_weight=w)
        assert np.all(idx < 100)
    _, idx, steps = kmeans_plusplus_steps(X, 3, random_state=0, sample_weight=w)
    np.testing.assert_allclose(steps[0].probabilities, w / w.sum())


def test_duplicates_and_fewer_distinct_points_than_k():
    D = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 10, axis=0)
    c, idx = kmeans_plusplus(D, 5, random_state=0)
    assert np.isfinite(c).all() and len(idx) == 5
    assert {tuple(r) for r in c} == {(0.0, 0.0), (1.0, 1.0)}


def test_n_local_trials_one_is_plain_kmeans_plusplus():
    _, _, steps = kmeans_plusplus_steps(X, 4, random_state=0, n_local_trials=1)
    assert all(len(s.candidates) == 1 for s in steps)


def test_random_init_distinct_rows_weighted():
    c, idx = random_init(X, 10, np.random.default_rng(0))
    assert len(set(idx.tolist())) == 10
    np.testing.assert_array_equal(c, X[idx])
    w = np.zeros(len(X))
    w[5:8] = 1.0
    _, idx = random_init(X, 5, 0, sample_weight=w)  # only 3 weighted rows: all taken, then the rest
    assert {5, 6, 7} <= set(idx.tolist()) and len(set(idx.tolist())) == 5
    _, idx = random_init(X, 3, 1, sample_weight=w)
    assert set(idx.tolist()) == {5, 6, 7}


def test_input_not_modified_and_float32_kept():
    X32 = X.astype(np.float32)
    before = X32.copy()
    c, _ = kmeans_plusplus(X32, 3, random_state=0)
    assert c.dtype == np.float32
    np.testing.assert_array_equal(X32, before)
