"""The bounded E step (kmeans_core/hamerly.py) against plain Lloyd, brute force and scikit-learn.

The claim under test: on the same machine, algorithm="hamerly" gives the same labels,
centres, n_iter and history as algorithm="lloyd" (the M step, relocation and stopping
rules are shared code, so equal labels give bit-for-bit equal centres). Only a point
within ~1e-13 of a tie (relative to ||x||^2 + ||m||^2) may differ, so the datasets
with constructed exact ties also check against brute force with that tolerance.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.cluster import KMeans as SkKMeans

from kmeans_core import KMeans, hamerly
from kmeans_core.kmeans import _lloyd_kernel, _run_hamerly, _run_lloyd

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fit(X, k, algorithm, w=None, **kw):
    kw.setdefault("tol", 0.0)
    kw.setdefault("max_iter", 300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicates: fewer distinct clusters than k
        return KMeans(k, algorithm=algorithm, record="full", **kw).fit(X, sample_weight=w)


def assert_same_run(a, b, X, w=None):
    """Same labels, centres, n_iter and history, half-step by half-step."""
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert len(a.history_) == len(b.history_)
    # Plain Lloyd sums every expanded distance, the bounded step updates the last value:
    # the same number up to the expansion's rounding, (d + 2) eps (||x||^2 + ||m||^2) per row.
    Xc = X.astype(np.float64) - X.astype(np.float64).mean(0)
    sq = np.einsum("ij,ij->i", Xc, Xc)
    w = np.ones(len(X)) if w is None else w
    tol = 16 * (X.shape[1] + 2) * np.finfo(X.dtype).eps * float(w @ (sq + sq.max()))
    for s, t in zip(a.history_, b.history_):
        assert (s.phase, s.iteration, s.n_changed, s.relocated) == (t.phase, t.iteration, t.n_changed, t.relocated)
        np.testing.assert_array_equal(s.centers, t.centers)
        if s.labels is None:
            assert t.labels is None
        else:
            np.testing.assert_array_equal(s.labels, t.labels)
        if s.inertia is not None:
            assert abs(s.inertia - t.inertia) <= tol
    assert abs(a.inertia_ - b.inertia_) <= tol


def _blobs(n, d, k, seed, spread=1.0, sep=8.0, offset=0.0):
    rng = np.random.default_rng(seed)
    means = rng.uniform(-sep, sep, (k, d))
    X = means[rng.integers(0, k, n)] + rng.normal(scale=spread, size=(n, d)) + offset
    return X, X[rng.choice(n, k, replace=False)]


CASES = {
    "separated d=2": dict(n=3000, d=2, k=6, spread=1.0, sep=20.0),
    "overlapping d=2": dict(n=3000, d=2, k=9, spread=2.0, sep=3.0),
    "d=16 k=32 (argmin kernel)": dict(n=4000, d=16, k=33, spread=1.0, sep=4.0),
    "d=5 k=32 (packed kernel)": dict(n=4000, d=5, k=32, spread=1.5, sep=4.0),
    "k=1": dict(n=500, d=3, k=1),
    "k=2": dict(n=2000, d=1, k=2, spread=3.0, sep=2.0),
    "far from the origin": dict(n=2000, d=3, k=5, spread=1e-3, sep=5e-3, offset=1e8),
    "tiny values": dict(n=2000, d=2, k=5, spread=1e-150, sep=1e-149),
    "huge values": dict(n=2000, d=2, k=5, spread=1e150, sep=1e151),
}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", CASES)
def test_same_run_as_plain_lloyd(case, seed):
    X, init = _blobs(seed=seed, **CASES[case])
    assert_same_run(_fit(X, len(init), "hamerly", init=init), _fit(X, len(init), "lloyd", init=init), X)


@pytest.mark.parametrize("case", ["separated d=2", "overlapping d=2", "d=16 k=32 (argmin kernel)"])
def test_same_labels_and_n_iter_as_sklearn(case):
    X, init = _blobs(seed=11, **CASES[case])
    ours = _fit(X, len(init), "hamerly", init=init)
    ref = SkKMeans(len(init), init=init, n_init=1, tol=0.0, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    # centres: means of the same rows, summed in a different order
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-12 * np.abs(X).max())


def test_weights_float32_and_kmeanspp_restarts():
    X, _ = _blobs(5000, 3, 7, seed=5, spread=1.5, sep=6.0)
    w = np.random.default_rng(5).uniform(0, 4, len(X))
    w[::7] = 0.0
    assert_same_run(_fit(X, 7, "hamerly", w, random_state=3, n_init=4),
                    _fit(X, 7, "lloyd", w, random_state=3, n_init=4), X, w)
    X32 = X.astype(np.float32)
    a, b = _fit(X32, 7, "hamerly", random_state=4), _fit(X32, 7, "lloyd", random_state=4)
    assert a.cluster_centers_.dtype == np.float32
    assert_same_run(a, b, X32)


def test_empty_clusters_are_relocated_the_same_way():
    # Three starting centres far outside the data: their clusters empty at once, and
    # the relocation (a far point becomes the centre) is one big jump of the bounds.
    X, init = _blobs(3000, 2, 6, seed=2, sep=10.0)
    init = init.copy()
    init[:3] = [[1e3, 1e3], [-1e3, 1e3], [1e3, -1e3]]
    a, b = _fit(X, 6, "hamerly", init=init), _fit(X, 6, "lloyd", init=init)
    assert any(s.relocated for s in a.history_)
    assert_same_run(a, b, X)


def test_duplicates_and_exact_ties():
    # An integer grid with many copies: points exactly half-way between centres, clusters
    # that are the same point, starting centres duplicated.
    rng = np.random.default_rng(7)
    X = rng.integers(-4, 5, size=(3000, 2)).astype(float)
    init = np.array([[0, 0], [2, 0], [0, 2], [2, 2], [2, 2], [-3, -3]], dtype=float)
    a, b = _fit(X, 6, "hamerly", init=init), _fit(X, 6, "lloyd", init=init)
    assert_same_run(a, b, X)
    _assert_each_assignment_is_the_argmin(X, a)


def _assert_each_assignment_is_the_argmin(X, model, rel=1e-12):
    """Brute force on every recorded E step: its labels are nearest to the centres it saw.

    Distances are direct differences in long double; a label may differ from the argmin
    only for a point within ``rel`` of a tie (relative to ||x||^2 + ||m||^2 about the mean).
    """
    Xl = X.astype(np.longdouble)
    origin = Xl.mean(0)
    for before, step in zip(model.history_, model.history_[1:]):
        if step.phase != "assign":
            continue
        C = before.centers.astype(np.longdouble)
        D = ((Xl[:, None, :] - C[None]) ** 2).sum(2)
        scale = ((Xl - origin) ** 2).sum(1) + ((C - origin) ** 2).sum(1).max()
        chosen = D[np.arange(len(X)), step.labels.astype(np.intp)]
        assert np.all(chosen - D.min(1) <= rel * scale), f"E step {step.iteration}"


@st.composite
def problems(draw):
    """Random data: sizes, grid data (ties, duplicates) or continuous, weights, float32, offsets."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(2, 400))
    d = draw(st.integers(1, 6))
    k = draw(st.integers(1, min(n, 40)))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        X = rng.integers(-3, 4, size=(n, d)).astype(float)  # duplicates and exact ties
    else:
        X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.normal(size=d) * 5
    X = X + draw(st.sampled_from([0.0, 1e3, -1e6]))
    if draw(st.booleans()):
        X = X.astype(np.float32)
    w = rng.uniform(0, 3, n) if draw(st.booleans()) else None
    if w is not None and not (w > 0).any():
        w = None
    return X, k, w, seed


@SETTINGS
@given(problems())
def test_property_same_run_as_plain_lloyd(p):
    X, k, w, seed = p
    init = np.random.default_rng(seed).choice(len(X), k, replace=False)
    a = _fit(X, k, "hamerly", w, init=X[init])
    b = _fit(X, k, "lloyd", w, init=X[init])
    assert_same_run(a, b, X, w)


@SETTINGS
@given(problems())
def test_property_every_assignment_is_the_argmin(p):
    X, k, w, seed = p
    if X.dtype != np.float64:
        X = X.astype(np.float64)
    m = _fit(X, k, "hamerly", w, random_state=seed, init="random", n_init=1)
    _assert_each_assignment_is_the_argmin(X, m)


def test_bounds_skip_most_distances(monkeypatch):
    """The point of the exercise: after the first iterations few rows are recomputed."""
    rows = []
    recompute = hamerly._BoundedAssign._recompute

    def counting(self, centers, labels, old_labels, which):
        rows.append(self.engine.n if which is None else len(which))
        return recompute(self, centers, labels, old_labels, which)

    monkeypatch.setattr(hamerly._BoundedAssign, "_recompute", counting)
    X, init = _blobs(20_000, 2, 8, seed=1, sep=30.0)
    m = _fit(X, 8, "hamerly", init=init)
    assert m.history_[-1].n_changed == 0 and m.n_iter_ > 5  # converged: one E step per iteration
    # the first steps (most points moving) are plain Lloyd's; then one full bounded pass
    assert 0 < len(rows) < m.n_iter_ and rows[0] == len(X)
    assert sum(rows) < 0.5 * len(X) * m.n_iter_ and min(rows) < 0.05 * len(X)


def test_bounded_steps_are_exact_on_a_hand_made_case():
    # Two near groups, one far, and a point exactly on the bisector of the first two
    # starting centres (gap 0: never skipped while it is that close) must agree with Lloyd.
    X = np.array([[0, 0], [0, 1], [10, 0], [10, 1], [5, 0.5], [100, 100], [101, 100]], dtype=float)
    init = X[[0, 2, 5]]
    a, b = _fit(X, 3, "hamerly", init=init), _fit(X, 3, "lloyd", init=init)
    assert_same_run(a, b, X)
    # the tie itself rounds either way (the expanded formula on centred data), like plain Lloyd's
    assert a.labels_[[0, 1, 2, 3, 5, 6]].tolist() == [0, 0, 1, 1, 2, 2]


def test_algorithm_dispatch():
    assert _lloyd_kernel("lloyd", 10**6, 2, 8) is _run_lloyd
    for name in ("hamerly", "elkan"):
        assert _lloyd_kernel(name, 10, 2, 2) is _run_hamerly
    assert _lloyd_kernel("auto", 10**6, 2, 8) is _run_hamerly
    assert _lloyd_kernel("auto", 10**6, 2, 3) is _run_lloyd  # k <= 4: plain Lloyd's step is cheap
    assert _lloyd_kernel("auto", 10_000, 2, 5) is _run_lloyd
    assert _lloyd_kernel("auto", 10_000, 16, 32) is _run_hamerly
    assert not hamerly.use_bounds(1000, 64, 32) and hamerly.use_bounds(100_000, 64, 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d,k,offset", [(2, 8, 0.0), (3, 5, 1e6), (16, 32, 0.0), (64, 40, 1e3)])
def test_rounding_bound_covers_the_computed_distances(d, k, offset, dtype):
    """eps (the margin every skip keeps) bounds the error of the E step's squared distances."""
    from kmeans_core.lloyd import _Engine

    rng = np.random.default_rng(d * k)
    X = (rng.normal(size=(3000, d)) * rng.uniform(0.5, 50, d) + offset).astype(dtype)
    engine = _Engine(X, np.ones(len(X), dtype))
    centers = engine.Xc[rng.choice(len(X), k, replace=False)] * dtype(0.9)
    bounded = hamerly._BoundedAssign(engine, k)
    labels = np.empty(len(X), dtype=np.intp)
    bounded.changed_share = 0.0  # a bounded first step (not plain Lloyd's), so that h is filled
    bounded.assign(centers, labels, None)
    exact = ((engine.Xc.astype(np.longdouble)[:, None, :] - centers.astype(np.longdouble)[None]) ** 2).sum(2)
    nearest = exact[np.arange(len(X)), labels]
    runner_up = np.sort(exact, axis=1)[:, 1]
    B = np.vstack([-2.0 * centers.T, np.einsum("ij,ij->i", centers, centers)[None], np.ones((1, k))]).astype(dtype)
    computed = engine.Xa @ B  # the expanded formula, as both E steps compute it
    assert np.abs(computed - exact).max() <= bounded.eps
    # the stored thresholds (total is 0 after one step) are lower bounds of the true gap minus the margin
    true_gap = np.sqrt(runner_up) - np.sqrt(exact.min(1))
    assert np.all(bounded.h <= true_gap - 2 * np.sqrt(2 * bounded.eps) * (1 - 1e-9) + 1e-300)
    assert np.all(nearest - exact.min(1) <= 2 * bounded.eps)  # the label is right unless within 2 eps of a tie
    # and the margin is what the docstring promises: far below 1e-12 of the squared norms
    assert bounded.eps <= 1e-12 * 2 * bounded.norm_max if dtype == np.float64 else bounded.eps <= 1e-3 * 2 * bounded.norm_max


@pytest.mark.parametrize("case", ["four points", "blobs"])
def test_recorded_inertia_is_the_objective_after_relocations(case):
    """Each half-step's inertia is that of its centres and labels, relocations included."""
    from kmeans_core import inertia

    if case == "four points":  # scikit-learn's relocation example: the far centre starts empty
        X, init = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]]), np.array([[0.5, 0.5], [3, 3]])
    else:
        X, init = _blobs(3000, 2, 6, seed=4, sep=10.0)
        init = init.copy()
        init[0] = [500.0, 500.0]
    m = _fit(X, len(init), "hamerly", init=init)
    assert any(s.relocated for s in m.history_)
    exact = [inertia(X, s.centers, s.labels) for s in m.history_[1:]]
    assert [s.inertia for s in m.history_[1:]] == pytest.approx(exact, rel=1e-10)
