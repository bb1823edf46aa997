"""KMeans against hand-computed cases and scikit-learn as the oracle."""

import importlib
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.cluster import KMeans as SkKMeans

from kmeans_core import KMeans, Step, kmeans
from kmeans_core.exceptions import ConvergenceWarning
from kmeans_core.lloyd import _Engine

# ---------------------------------------------------------------- hand-computed


SIX = np.array([[1, 1], [1, 2], [2, 1], [5, 5], [5, 6], [6, 5]])


def test_six_point_example_from_the_seed():
    """Section 4 of the seed: init (1,1),(5,5) -> centres (4/3,4/3),(16/3,16/3), J = 8/3."""
    m = KMeans(2, init=np.array([[1, 1], [5, 5]])).fit(SIX)
    np.testing.assert_allclose(m.cluster_centers_, [[4 / 3, 4 / 3], [16 / 3, 16 / 3]], rtol=1e-15)
    assert m.inertia_ == pytest.approx(8 / 3, rel=1e-14)
    assert m.labels_.tolist() == [0, 0, 0, 1, 1, 1]
    assert m.n_iter_ == 2  # the second assignment changes nothing: strict convergence
    phases = [(s.phase, s.iteration) for s in m.history_]
    assert phases == [("init", 0), ("assign", 1), ("update", 1), ("assign", 2)]
    first = m.history_[1]
    # E step 1 with the initial centres: A,D on a centre, B,C,E,F at distance 1 -> J = 4.
    assert first.inertia == pytest.approx(4.0, rel=1e-14)
    assert first.n_changed == 6
    upd = m.history_[2]
    np.testing.assert_allclose(upd.shift, [np.hypot(1 / 3, 1 / 3)] * 2, rtol=1e-14)
    assert upd.inertia == pytest.approx(8 / 3, rel=1e-14)
    assert m.history_[-1].n_changed == 0


def test_one_cluster_is_the_weighted_mean():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])
    w = np.array([1.0, 1.0, 2.0])
    m = KMeans(1, init=X[:1]).fit(X, sample_weight=w)
    np.testing.assert_allclose(m.cluster_centers_, [[0.5, 2.0]])
    # J = 1*(0.25+4) + 1*(2.25+4) + 2*(0.25+4) = 19
    assert m.inertia_ == pytest.approx(19.0)


def test_integer_weights_equal_repeated_rows():
    X, _ = datasets.make_blobs(200, centers=3, random_state=3)
    reps = np.random.default_rng(0).integers(0, 4, len(X))
    reps[:3] = 1  # the initial centres must be present in both
    init = X[:3]
    a = KMeans(3, init=init, tol=0).fit(X, sample_weight=reps)
    b = KMeans(3, init=init, tol=0).fit(np.repeat(X, reps, axis=0))
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-12)
    assert a.inertia_ == pytest.approx(b.inertia_, rel=1e-10)


# ---------------------------------------------------------------- scikit-learn as oracle


def _datasets():
    rng = np.random.default_rng(0)
    blobs, _ = datasets.make_blobs(600, centers=5, random_state=0)
    moons, _ = datasets.make_moons(500, noise=0.08, random_state=0)
    circles, _ = datasets.make_circles(500, noise=0.05, factor=0.5, random_state=0)
    aniso = blobs @ np.array([[0.6, -0.64], [-0.41, 0.85]])
    varied, _ = datasets.make_blobs(600, centers=3, cluster_std=[1.0, 2.5, 0.5], random_state=170)
    far = rng.normal(size=(400, 3)) + 1e6  # far from the origin: needs the centring
    return {
        "blobs": blobs,
        "moons": moons,
        "circles": circles,
        "aniso": aniso,
        "varied": varied,
        "iris": datasets.load_iris().data,
        "wine": datasets.load_wine().data,
        "digits": datasets.load_digits().data[:800],
        "far": far,
    }


DATA = _datasets()


def _same_as_sklearn(X, k, seed, tol=1e-4, sample_weight=None, max_iter=300):
    init = X[np.random.default_rng(seed).choice(len(X), k, replace=False)]
    ours = KMeans(k, init=init, tol=tol, max_iter=max_iter).fit(X, sample_weight=sample_weight)
    ref = SkKMeans(k, init=init, n_init=1, tol=tol, max_iter=max_iter).fit(X, sample_weight=sample_weight)
    return ours, ref


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("k", [2, 5, 9])
def test_same_result_as_sklearn_from_the_same_init(name, k):
    X = DATA[name]
    for seed in range(2):
        ours, ref = _same_as_sklearn(X, k, seed)
        assert ours.n_iter_ == ref.n_iter_
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9,
                                   atol=1e-9 * np.abs(X).max())
        assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)


@pytest.mark.parametrize("name", ["blobs", "varied", "wine"])
def test_same_result_as_sklearn_with_tol_zero_and_few_iterations(name):
    X = DATA[name]
    for max_iter in (1, 2, 3):
        ours, ref = _same_as_sklearn(X, 6, seed=max_iter, tol=0.0, max_iter=max_iter)
        assert ours.n_iter_ == ref.n_iter_ == max_iter or ours.n_iter_ == ref.n_iter_
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)


@pytest.mark.parametrize("name", ["blobs", "aniso", "iris", "digits"])
def test_same_result_as_sklearn_with_sample_weight(name):
    X = DATA[name]
    w = np.random.default_rng(1).uniform(0.0, 3.0, len(X))
    w[::7] = 0.0  # zero weights are allowed
    ours, ref = _same_as_sklearn(X, 4, seed=2, sample_weight=w)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9, atol=1e-9)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)


@pytest.mark.parametrize("name", ["blobs", "varied", "wine", "digits"])
def test_float32_matches_sklearn_float32(name):
    X = DATA[name].astype(np.float32)
    ours, ref = _same_as_sklearn(X, 5, seed=3)
    assert ours.cluster_centers_.dtype == np.float32
    assert np.mean(ours.labels_ == ref.labels_) >= 0.99
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-4)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-3,
                               atol=1e-3 * np.abs(X).max())


def test_kmeans_plusplus_inertia_no_worse_than_sklearn_on_average():
    X, _ = datasets.make_blobs(1500, centers=12, cluster_std=1.5, random_state=4)
    ours = [KMeans(12, random_state=s).fit(X).inertia_ for s in range(20)]
    ref = [SkKMeans(12, random_state=s, n_init=1).fit(X).inertia_ for s in range(20)]
    assert np.mean(ours) <= 1.02 * np.mean(ref)


def test_random_init_with_restarts_is_competitive_with_sklearn():
    X = DATA["varied"]
    ours = [KMeans(6, init="random", random_state=s).fit(X).inertia_ for s in range(5)]
    ref = [SkKMeans(6, init="random", random_state=s).fit(X).inertia_ for s in range(5)]
    assert np.mean(ours) <= 1.02 * np.mean(ref)


def test_empty_cluster_relocated_like_sklearn():
    # The middle centre attracts nothing at first; the farthest point (5, 5) takes its place.
    X = np.array([[0, 0], [0, 1], [1, 0], [10, 10], [10, 11], [11, 10], [5, 5.0]])
    init = np.array([[0, 0], [100, 100], [10, 10.0]])
    ours = KMeans(3, init=init).fit(X)
    ref = SkKMeans(3, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_)
    assert ours.n_iter_ == ref.n_iter_
    upd = ours.history_[2]
    assert upd.phase == "update" and upd.relocated == ((1, 6),)
    np.testing.assert_allclose(upd.centers[1], [5, 5])
    assert upd.labels[6] == 1  # the update's labels include the relocation
    # J after the update: the cluster that lost (5,5) is re-centred, the moved point costs 0.
    expected = sum(((X[i] - upd.centers[upd.labels[i]]) ** 2).sum() for i in range(len(X)))
    assert upd.inertia == pytest.approx(expected, rel=1e-12)


def test_several_empty_clusters_relocated_like_sklearn():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 2))
    init = np.vstack([X[:2], np.full((3, 2), 50.0), np.full((1, 2), -70.0)])
    ours = KMeans(6, init=init).fit(X)
    ref = SkKMeans(6, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9)
    assert len(ours.history_[2].relocated) == 4


def test_predict_transform_score_match_sklearn():
    X = DATA["wine"]
    ours, ref = _same_as_sklearn(X, 4, seed=0)
    new = X[::3] + 0.5
    np.testing.assert_array_equal(ours.predict(new), ref.predict(new))
    np.testing.assert_allclose(ours.transform(new), ref.transform(new), rtol=1e-9)
    assert ours.score(new) == pytest.approx(ref.score(new), rel=1e-9)
    w = np.arange(len(new), dtype=float)
    assert ours.score(new, sample_weight=w) == pytest.approx(ref.score(new, sample_weight=w), rel=1e-9)
    np.testing.assert_array_equal(ours.fit_predict(X), ours.labels_)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transform_and_score_exact_near_the_centres_far_from_the_origin(dtype):
    """Points on or next to a centre, far from the origin: the expansion alone cancels there.

    Reference: the distances computed from the differences in float64 on the stored values
    (each within a few ulp of the exact one), independent of the BLAS kernel.
    """
    rng = np.random.default_rng(5)
    X = (rng.normal(size=(300, 3)) * 10 + 1e4).astype(dtype)
    m = KMeans(6, random_state=0).fit(X)
    C = m.cluster_centers_
    Y = np.vstack([C, C + rng.normal(size=C.shape) * 1e-3, X[:50]]).astype(dtype)
    exact = np.sqrt(((Y.astype(np.float64)[:, None, :] - C.astype(np.float64)[None]) ** 2).sum(-1))
    D = m.transform(Y)
    eps = float(np.finfo(dtype).eps)
    # each entry within a few (d + 2) * 64 eps of its own size (Y - origin is exact here:
    # both near 1e4), plus eps times the frame's scale (1e2: the data minus the centres' mean)
    np.testing.assert_allclose(D, exact, rtol=5 * 64 * eps, atol=8 * eps * 1e2 * (dtype == np.float32))
    np.testing.assert_array_equal(np.diagonal(D[:6]), 0.0)  # a centre is 0 from itself
    w = rng.uniform(size=len(Y))
    nearest = exact.min(axis=1)
    assert m.score(Y, sample_weight=w) == pytest.approx(-(nearest**2 @ w), rel=50 * eps)


def test_transform_does_not_build_an_n_k_d_array():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 60))
    m = KMeans(60, init=X[:60], max_iter=1).fit(X)
    tracemalloc.start()
    try:
        out = m.transform(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (4000, 60)
    assert peak < 0.25 * X.shape[0] * 60 * 60 * 8  # an (n, k, d) float64 array would be 115 MB


def test_n_init_auto_and_best_run_wins():
    X = DATA["varied"]
    m = KMeans(6, init="random", random_state=0).fit(X)  # n_init="auto" -> 10 runs
    singles = []
    rng = np.random.default_rng(0)
    for _ in range(10):
        singles.append(KMeans(6, init="random", n_init=1, random_state=rng).fit(X).inertia_)
    assert m.inertia_ == pytest.approx(min(singles), rel=1e-12)


def test_array_init_with_n_init_warns_and_runs_once():
    with pytest.warns(RuntimeWarning, match="performing only one init in KMeans instead of n_init=5"):
        m = KMeans(2, init=SIX[[0, 3]].astype(float), n_init=5).fit(SIX)
    assert m.inertia_ == pytest.approx(8 / 3)


# ---------------------------------------------------------------- history


def _objective(X, centers, labels, w=None):
    w = np.ones(len(X)) if w is None else w
    return float((((X - centers[labels]) ** 2).sum(1) * w).sum())


def test_history_records_every_half_step():
    X = DATA["blobs"]
    w = np.random.default_rng(0).uniform(0.5, 2, len(X))
    m = KMeans(5, init=X[:5], tol=0).fit(X, sample_weight=w)
    h = m.history_
    assert isinstance(h[0], Step) and h[0].phase == "init" and h[0].labels is None and h[0].inertia is None
    np.testing.assert_array_equal(h[0].centers, X[:5])
    # strict convergence: the n_iter-th assignment changed nothing, so no update follows it
    assert [s.phase for s in h[1:]] == ["assign", "update"] * (m.n_iter_ - 1) + ["assign"]
    values = [s.inertia for s in h[1:]]
    assert all(b <= a for a, b in zip(values, values[1:]))
    for s in h[1:]:
        assert s.labels.dtype == np.uint8
        assert not s.labels.flags.writeable
        assert s.inertia == pytest.approx(_objective(X, s.centers, s.labels, w), rel=1e-9)
    for prev, s in zip(h, h[1:]):
        if s.phase == "update":
            np.testing.assert_allclose(s.shift, np.linalg.norm(s.centers - prev.centers, axis=1),
                                       rtol=1e-9, atol=1e-12)
        else:
            np.testing.assert_array_equal(s.centers, prev.centers)
    assert h[1].n_changed == len(X) and h[-1].n_changed == 0
    np.testing.assert_array_equal(h[-1].labels, m.labels_)
    np.testing.assert_array_equal(h[-1].centers, m.cluster_centers_)
    assert h[-1].inertia == m.inertia_


def test_history_after_a_tol_stop_ends_with_a_fresh_assignment():
    X = DATA["varied"]
    m = KMeans(3, init=X[:3], tol=0.5).fit(X)  # a large tol stops on the shift rule
    ref = SkKMeans(3, init=X[:3], n_init=1, tol=0.5).fit(X)
    assert m.n_iter_ == ref.n_iter_
    assert m.history_[-2].phase == "update" and m.history_[-1].phase == "assign"
    assert m.history_[-1].iteration == m.n_iter_ + 1
    np.testing.assert_array_equal(m.history_[-1].labels, ref.labels_)


def test_record_centers_keeps_no_labels_and_auto_switches(monkeypatch):
    X = DATA["blobs"]
    m = KMeans(4, init=X[:4], record="centers").fit(X)
    assert all(s.labels is None for s in m.history_)
    assert all(s.inertia is not None for s in m.history_[1:])
    monkeypatch.setattr(kmeans, "RECORD_LABELS_UP_TO", len(X) - 1)
    assert all(s.labels is None for s in KMeans(4, init=X[:4]).fit(X).history_)
    monkeypatch.setattr(kmeans, "RECORD_LABELS_UP_TO", len(X))
    assert KMeans(4, init=X[:4]).fit(X).history_[-1].labels is not None


def test_labels_stored_in_a_wider_type_only_when_needed():
    X = np.random.default_rng(0).normal(size=(700, 2))
    m = KMeans(300, init=X[:300], max_iter=2).fit(X)
    assert m.history_[1].labels.dtype == np.uint16
    assert m.labels_.dtype == np.int32


# ---------------------------------------------------------------- robustness


def test_input_is_never_modified():
    for X in (DATA["wine"].copy(), DATA["blobs"].astype(np.float32), (DATA["blobs"] * 10).astype(np.int64)):
        before = X.copy()
        w = np.linspace(1, 2, len(X))
        w_before = w.copy()
        init = X[:3].copy()
        m = KMeans(3, init=init).fit(X, sample_weight=w)
        m.predict(X), m.transform(X), m.score(X, sample_weight=w)
        KMeans(3, init="random", random_state=0).fit(X)
        np.testing.assert_array_equal(X, before)
        np.testing.assert_array_equal(w, w_before)
        np.testing.assert_array_equal(init, before[:3])


def test_integers_and_lists_accepted():
    m = KMeans(2, init=[[1, 1], [5, 5]]).fit(SIX.tolist())
    assert m.cluster_centers_.dtype == np.float64
    assert m.inertia_ == pytest.approx(8 / 3)


@pytest.mark.parametrize("scale", [1e150, 1e-150, 1e-200])
def test_huge_or_tiny_values_are_rescaled_exactly(scale):
    X = DATA["blobs"]
    base = KMeans(5, init=X[:5]).fit(X)
    m = KMeans(5, init=X[:5] * scale).fit(X * scale)
    np.testing.assert_array_equal(m.labels_, base.labels_)
    assert m.n_iter_ == base.n_iter_
    np.testing.assert_allclose(m.cluster_centers_ / scale, base.cluster_centers_, rtol=1e-12)
    if scale == 1e-200:  # the inertia (~1e-397) is below the float64 range
        assert m.inertia_ == 0.0
    else:
        assert m.inertia_ == pytest.approx(base.inertia_ * scale * scale, rel=1e-12)


def test_values_near_1e200_give_right_clusters_and_an_honest_inf_inertia():
    X = DATA["blobs"]
    base = KMeans(5, init=X[:5]).fit(X)
    with pytest.warns(RuntimeWarning, match="inertia_ exceeds"):
        m = KMeans(5, init=X[:5] * 1e200).fit(X * 1e200)
    np.testing.assert_array_equal(m.labels_, base.labels_)
    assert np.isfinite(m.cluster_centers_).all()
    np.testing.assert_allclose(m.cluster_centers_ / 1e200, base.cluster_centers_, rtol=1e-12)
    assert m.inertia_ == np.inf
    np.testing.assert_array_equal(m.predict(X * 1e200), base.labels_)
    np.testing.assert_allclose(m.transform(X * 1e200) / 1e200, base.transform(X), rtol=1e-9)
    # k-means++ on the same data picks the same rows as on the unscaled data.
    a = KMeans(5, random_state=3).fit(X)
    with pytest.warns(RuntimeWarning, match="inertia_ exceeds"):
        b = KMeans(5, random_state=3).fit(X * 1e200)
    np.testing.assert_array_equal(a.labels_, b.labels_)


def test_float32_near_its_limit_is_rescaled():
    X = DATA["blobs"].astype(np.float32)
    base = KMeans(5, init=X[:5]).fit(X)
    big = X * np.float32(1e30)
    m = KMeans(5, init=big[:5]).fit(big)
    np.testing.assert_array_equal(m.labels_, base.labels_)
    assert np.isfinite(m.cluster_centers_).all()


def test_fewer_distinct_points_than_clusters_warns_without_nan():
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 5)
    for init in ("k-means++", "random"):
        with pytest.warns(ConvergenceWarning, match=r"Number of distinct clusters \(2\) found smaller "
                          r"than n_clusters \(4\)"):
            m = KMeans(4, init=init, random_state=0).fit(X)
        assert np.isfinite(m.cluster_centers_).all()
        assert np.isfinite(m.inertia_) and m.inertia_ == pytest.approx(0.0, abs=1e-12)
        for s in m.history_:
            assert np.isfinite(s.centers).all()


def test_all_points_identical():
    X = np.full((20, 3), 7.0)
    with pytest.warns(ConvergenceWarning):
        m = KMeans(3, random_state=0).fit(X)
    np.testing.assert_allclose(m.cluster_centers_, 7.0)
    assert m.inertia_ == 0.0


def test_same_random_state_same_result_and_generator_accepted():
    X = DATA["moons"]
    a = KMeans(4, random_state=11).fit(X)
    b = KMeans(4, random_state=11).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    c = KMeans(4, random_state=np.random.default_rng(11)).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, c.cluster_centers_)


def test_parallel_path_gives_the_serial_result(monkeypatch):
    lloyd_module = importlib.import_module("kmeans_core.lloyd")  # the package's `lloyd` is the function
    rng = np.random.default_rng(2)
    X = rng.normal(size=(9000, 3)) + rng.integers(0, 4, (9000, 1)) * 3
    w = rng.uniform(0.5, 1.5, len(X))
    serial = KMeans(6, init=X[:6], tol=0).fit(X, sample_weight=w)
    monkeypatch.setattr(lloyd_module, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(lloyd_module, "BLOCK_BYTES", 6 * 8 * 512)  # many small chunks
    if lloyd_module._n_workers() < 2:
        pytest.skip("one core: no parallel path to compare")  # not a hidden failure: nothing to test
    assert _Engine(X, w).parallel(6)
    par = KMeans(6, init=X[:6], tol=0).fit(X, sample_weight=w)
    np.testing.assert_array_equal(par.labels_, serial.labels_)
    assert par.n_iter_ == serial.n_iter_
    np.testing.assert_allclose(par.cluster_centers_, serial.cluster_centers_, rtol=1e-12)
    assert par.inertia_ == pytest.approx(serial.inertia_, rel=1e-12)


def test_not_fitted_and_wrong_width():
    with pytest.raises(ValueError, match="not fitted"):
        KMeans(2).predict(SIX)
    m = KMeans(2, random_state=0).fit(SIX)
    with pytest.raises(ValueError, match="3 features"):
        m.predict(np.ones((2, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.transform(SIX)
