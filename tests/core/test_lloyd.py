"""The readable E/M step functions and the public lloyd()."""

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans

from kmeans_core import KMeans, assign, inertia, lloyd, update
from kmeans_core.lloyd import _row_chunks

SIX = np.array([[1, 1], [1, 2], [2, 1], [5, 5], [5, 6], [6, 5]], dtype=float)


def test_assign_by_hand():
    labels, d2 = assign(SIX, [[1, 1], [5, 5]])
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(d2, [0, 1, 1, 0, 1, 1], atol=1e-12)


def test_assign_ties_go_to_the_lowest_index():
    labels, _ = assign([[0.0, 0.0]], [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    assert labels.tolist() == [0]


def test_update_by_hand_is_sums_and_counts():
    sums, counts = update(SIX, [0, 0, 0, 1, 1, 1], 3)
    np.testing.assert_allclose(sums, [[4, 4], [16, 16], [0, 0]])
    np.testing.assert_allclose(counts, [3, 3, 0])
    sums, counts = update(SIX, [0, 0, 0, 1, 1, 1], 2, sample_weight=[2, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(sums[0] / counts[0], [1, 1])


def test_inertia_by_hand():
    centres = [[4 / 3, 4 / 3], [16 / 3, 16 / 3]]
    assert inertia(SIX, centres, [0, 0, 0, 1, 1, 1]) == pytest.approx(8 / 3)
    assert inertia(SIX, centres, [0, 0, 0, 1, 1, 1], sample_weight=np.full(6, 2.0)) == pytest.approx(16 / 3)


def test_assign_matches_brute_force_across_chunk_boundaries():
    rng = np.random.default_rng(0)
    C = rng.normal(size=(300, 3))
    n = 2 * _row_chunks(10**6, len(C))[0].stop + 17  # several chunks and a ragged last one
    X = rng.normal(size=(n, 3))
    labels, d2 = assign(X, C)
    brute = ((X[:, None, :] - C[None]) ** 2).sum(2)
    np.testing.assert_array_equal(labels, brute.argmin(1))
    np.testing.assert_allclose(d2, brute.min(1), rtol=1e-9, atol=1e-12)


def test_assign_is_accurate_far_from_the_origin():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 2)) * 1e-3 + 1e8
    C = X[:4]
    brute = ((X[:, None, :] - C[None]) ** 2).sum(2)
    labels, d2 = assign(X, C)
    np.testing.assert_array_equal(labels, brute.argmin(1))
    np.testing.assert_allclose(d2, brute.min(1), rtol=1e-6)


def test_step_functions_compose_to_the_engine():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 2)) + rng.integers(0, 3, (400, 1)) * 4
    centres = X[:3].copy()
    for _ in range(5):
        labels, _ = assign(X, centres)
        sums, counts = update(X, labels, 3)
        centres = sums / counts[:, None]
    m = KMeans(3, init=X[:3], max_iter=5, tol=0).fit(X)
    np.testing.assert_allclose(centres, m.history_[10].centers, rtol=1e-12)
    assert inertia(X, centres, labels) == pytest.approx(m.history_[10].inertia, rel=1e-9)


def test_public_lloyd_matches_sklearn_with_absolute_tol():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 2)) + rng.integers(0, 4, (600, 1)) * 3
    centres, labels, value, n_iter, history = lloyd(X, X[:4], tol=0.0)
    ref = SkKMeans(4, init=X[:4], n_init=1, tol=0.0).fit(X)
    np.testing.assert_array_equal(labels, ref.labels_)
    np.testing.assert_allclose(centres, ref.cluster_centers_, rtol=1e-12)
    assert value == pytest.approx(ref.inertia_, rel=1e-12) and n_iter == ref.n_iter_
    assert history[0].phase == "init" and history[-1].inertia == value


def test_engine_chunks_cover_any_row_count_and_note_moved_follows_assign():
    from kmeans_core.lloyd import _Engine

    rng = np.random.default_rng(5)
    X = rng.normal(size=(20_000, 3))
    engine = _Engine(X, np.ones(len(X)))
    for n_rows in (0, 1, 255, 20_000, 123_457):
        for parts in (1, 2):
            chunks = engine.chunks(7, parts, n_rows=n_rows)
            covered = [i for s, e in chunks for i in range(s, e)] if n_rows < 30_000 else None
            assert covered is None or covered == list(range(n_rows))
            assert chunks == [] if n_rows == 0 else chunks[-1][1] == n_rows
    # note_moved keeps the movers exactly when plain assign would (so the M step is the same)
    centers = engine.Xc[:7].copy()
    old, new = np.empty(len(X), np.intp), np.empty(len(X), np.intp)
    engine.assign(centers, old)
    kept = []
    for shift in (1e-3, 1.0):  # few movers (a list), then many (none)
        engine.assign(centers + shift, new, old)
        plain = engine._moved
        kept.append(plain is not None)
        moved = np.flatnonzero(new != old)
        engine.note_moved(7, old, new, moved)
        if plain is None:
            assert engine._moved is None
        else:
            np.testing.assert_array_equal(engine._moved[2], plain[2])
    assert kept == [True, False]
