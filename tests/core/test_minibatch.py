"""MiniBatchKMeans: the 1/count update by hand, inertia against full Lloyd, bounded frames, bad input."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_core import KMeans, kmeans_plusplus
from kmeans_core.minibatch import MiniBatchKMeans


def test_one_batch_of_everything_is_one_lloyd_step():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [9.0, 9.0], [10.0, 9.0]])
    init = np.array([[0.0, 0.0], [10.0, 10.0]])
    m = MiniBatchKMeans(2, init=init, batch_size=5, max_iter=1, max_no_improvement=None).fit(X)
    np.testing.assert_allclose(m.cluster_centers_, [[1 / 3, 1 / 3], [9.5, 9.0]], rtol=1e-15)
    np.testing.assert_array_equal(m.counts_, [3, 2])
    assert m.inertia_ == pytest.approx(4 / 3 + 0.5, rel=1e-14)
    np.testing.assert_array_equal(m.labels_, [0, 0, 0, 1, 1])


def test_centres_are_running_means_of_the_points_they_absorbed():
    """Per-centre rate 1/count: after any number of batches a centre is the mean of its points."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (40, 2)), rng.normal(20, 1, (40, 2))])
    init = np.array([[0.0, 0.0], [20.0, 20.0]])
    m = MiniBatchKMeans(2, init=init, batch_size=7, max_iter=3, max_no_improvement=None,
                        random_state=1).fit(X)
    # the clusters are far apart, so every point always goes to the centre of its own blob;
    # each row is seen once per epoch, 3 epochs: each centre is the mean of its blob
    np.testing.assert_allclose(m.cluster_centers_[0], X[:40].mean(0), rtol=1e-12)
    np.testing.assert_allclose(m.cluster_centers_[1], X[40:].mean(0), rtol=1e-12)
    np.testing.assert_array_equal(m.counts_, [120, 120])
    first = m.history_[1]
    assert first.batch == 1 and first.n_seen == 7


def test_sequential_point_by_point_updates_give_the_same_centres():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 3))
    init = X[:3].copy()
    m = MiniBatchKMeans(3, init=init, batch_size=60, max_iter=2, max_no_improvement=None,
                        random_state=0).fit(X)
    # Sculley's per-point form on the same batches (an epoch is one batch; the order of
    # points inside a batch does not matter because assignments use the batch-start centres)
    centers, counts = init.copy(), np.zeros(3)
    for _ in range(2):
        labels = ((X[:, None] - centers[None]) ** 2).sum(-1).argmin(1)
        for x, j in zip(X, labels):
            counts[j] += 1
            centers[j] += (x - centers[j]) / counts[j]
    np.testing.assert_allclose(m.cluster_centers_, centers, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size", [32, 256, 1024])
def test_inertia_within_5_percent_of_full_lloyd_on_blobs(seed, batch_size):
    X, _ = make_blobs(10_000, centers=5, cluster_std=1.5, random_state=seed)
    init = kmeans_plusplus(X, 5, random_state=seed)[0]
    full = KMeans(5, init=init).fit(X)
    mini = MiniBatchKMeans(5, init=init, batch_size=batch_size, random_state=seed).fit(X)
    assert mini.inertia_ <= 1.05 * full.inertia_
    assert mini.n_steps_ < 100 * 10_000 / batch_size  # early stopping ended it


def test_frames_are_bounded_evenly_spaced_and_carry_full_inertia():
    X, _ = make_blobs(3000, centers=4, random_state=3)
    m = MiniBatchKMeans(4, batch_size=10, max_iter=5, max_no_improvement=None, max_frames=50,
                        random_state=0).fit(X)
    frames = m.history_
    assert len(frames) <= 50
    assert frames[0].batch == 0 and frames[-1].batch == m.n_steps_ == 5 * 300
    gaps = np.diff([f.batch for f in frames[:-1]])
    assert len(set(gaps.tolist())) == 1  # evenly spaced (the last frame may be closer)
    assert all(f.n_seen == 10 * f.batch for f in frames)
    elapsed = [f.elapsed for f in frames]
    assert elapsed == sorted(elapsed)
    for f in (frames[0], frames[len(frames) // 2], frames[-1]):
        brute = ((X[:, None] - f.centers[None]) ** 2).sum(-1).min(1).sum()
        assert f.inertia == pytest.approx(brute, rel=1e-10)
    np.testing.assert_array_equal(frames[-1].centers, m.cluster_centers_)
    assert MiniBatchKMeans(4, batch_size=10, max_iter=1, compute_inertia=False,
                           random_state=0).fit(X).history_[-1].inertia is None


def test_same_seed_same_run_and_predict():
    X, _ = make_blobs(2000, centers=3, random_state=4)
    a = MiniBatchKMeans(3, batch_size=64, random_state=7).fit(X)
    b = MiniBatchKMeans(3, batch_size=64, random_state=7).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.predict(X), a.labels_)
    assert a.score(X) == pytest.approx(-a.inertia_, rel=1e-12)


def test_tol_stops_when_centres_settle():
    X, _ = make_blobs(5000, centers=3, random_state=5)
    m = MiniBatchKMeans(3, batch_size=500, tol=1e-3, max_no_improvement=None, random_state=0).fit(X)
    assert m.n_steps_ < 100 * 10


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(20, 2))
    bad = X.copy()
    bad[0, 0] = np.nan
    cases = [
        (MiniBatchKMeans(2), bad, "NaN"),
        (MiniBatchKMeans(2), np.where(np.isnan(bad), np.inf, bad), "infinite"),
        (MiniBatchKMeans(2), X[:, 0], "2-D"),
        (MiniBatchKMeans(30), X, "larger than the number of samples"),
        (MiniBatchKMeans(2, batch_size=0), X, "batch_size"),
        (MiniBatchKMeans(2, max_iter=0), X, "max_iter"),
        (MiniBatchKMeans(2, max_frames=1), X, "max_frames"),
        (MiniBatchKMeans(2, init="far"), X, "init"),
        (MiniBatchKMeans(2, init=np.zeros((2, 3))), X, "shape"),
        (MiniBatchKMeans(2, tol=-1.0), X, "tol"),
    ]
    for model, data, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(data)
    with pytest.raises(ValueError, match="not fitted"):
        MiniBatchKMeans(2).predict(X)
    with pytest.raises(ValueError, match="features"):
        MiniBatchKMeans(2, random_state=0).fit(X).predict(np.zeros((2, 3)))
