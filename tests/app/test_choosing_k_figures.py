"""The Elbow and Silhouette figures plot exactly the core's numbers, and those match scikit-learn's.

A fixed dataset (four blobs plus a few points between them, so some silhouettes are negative)
is swept with kmeans_app.choosing_k.sweeps; every plotted value is checked against the core and
against scikit-learn (the oracle, used only here).
"""

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score as sk_ch
from sklearn.metrics import davies_bouldin_score as sk_db
from sklearn.metrics import silhouette_samples as sk_samples
from sklearn.metrics import silhouette_score as sk_score

from kmeans_app.choosing_k import sweeps as ck
from kmeans_app.choosing_k.elbow_figure import elbow_figure
from kmeans_app.choosing_k.silhouette_figures import (
    silhouette_bands,
    silhouette_by_k_figure,
    silhouette_figure,
    silhouette_scatter,
)
from kmeans_app.data.datasets import generate
from kmeans_app.runs import fit_run
from kmeans_core import KMeans, assign
from kmeans_core.knee import find_knee

KS = tuple(range(1, 9))
SEEDS = (0, 1, 2)
INIT = "k-means++"


@pytest.fixture(scope="module")
def data():
    X, _ = make_blobs(400, centers=[[-6, -6], [6, -6], [-6, 6], [6, 6]], cluster_std=1.2, random_state=7)
    between = np.random.default_rng(1).uniform(-4, 4, size=(24, 2))
    return np.vstack([X, between]), "test:choosing_k_figures"


@pytest.fixture(scope="module")
def sweep(data):
    X, key = data
    return ck.elbow_sweep(X, key, KS, INIT, SEEDS)


def _trace(fig, name_start):
    found = [t for t in fig.data if (t.name or "").startswith(name_start)]
    assert found, f"no trace named {name_start!r}: {[t.name for t in fig.data]}"
    return found[0]


def test_sweep_runs_are_the_core_runs_and_the_explorer_runs(data, sweep):
    X, key = data
    for i, k in enumerate(KS):
        for j, seed in enumerate(SEEDS):
            core = KMeans(k, init=INIT, n_init=1, random_state=seed).fit(X)
            assert sweep.inertia[i, j] == pytest.approx(core.inertia_, rel=1e-12)
    for k in (3, 4, 6):
        seed = sweep.best_seed(k)
        shown = ck.explorer_run(X, key, k, INIT, seed)
        # the Explorer's own call (pages/explorer.py): the same cached object
        assert shown is fit_run(X, key, k, INIT, seed, max_iter=300, tol=0.0)
        full = KMeans(k, init=INIT, n_init=1, random_state=seed, tol=0.0).fit(X)
        np.testing.assert_array_equal(shown.labels_, full.labels_)
        # From the same seed, the sweep's run (default tol) ends in the Explorer's partition here.
        fit = ck.fit_one(X, key, k, INIT, seed)
        np.testing.assert_array_equal(assign(X, fit.centers)[0], shown.labels_)
        assert fit.inertia == pytest.approx(shown.inertia_, rel=1e-9)


def test_sweep_inertia_matches_scikit_learn_from_the_same_start(data, sweep):
    X, _ = data
    for i, k in list(enumerate(KS))[1::2]:
        for j, seed in enumerate(SEEDS):
            start = KMeans(k, init=INIT, n_init=1, random_state=seed).fit(X).history_[0].centers
            sk = SkKMeans(k, init=start, n_init=1, algorithm="lloyd").fit(X)
            assert sweep.inertia[i, j] == pytest.approx(sk.inertia_, rel=1e-6)


def test_elbow_figure_plots_mean_band_time_and_knee(data, sweep):
    knee = ck.knee_of(sweep)
    assert knee == find_knee(np.asarray(KS, float), sweep.inertia.mean(axis=1))
    assert knee is not None
    fig = elbow_figure(KS, sweep.inertia, sweep.mean_seconds, knee=knee, selected=3)
    mean = _trace(fig, "inertia (mean of 3 seeds)")
    np.testing.assert_array_equal(mean.x, KS)
    np.testing.assert_allclose(mean.y, sweep.inertia.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(_trace(fig, "max over seeds").y, sweep.inertia.max(axis=1))
    band = _trace(fig, "min–max over 3 seeds")
    np.testing.assert_allclose(band.y, sweep.inertia.min(axis=1))
    assert band.fill == "tonexty"
    time = _trace(fig, "fit time")
    np.testing.assert_allclose(time.y, 1000 * sweep.seconds.mean(axis=1))  # in ms
    assert time.yaxis == "y2"  # the second axis
    knee_trace = _trace(fig, f"knee: k = {knee}")
    assert list(knee_trace.x) == [knee]
    assert knee_trace.y[0] == pytest.approx(sweep.inertia.mean(axis=1)[KS.index(knee)])
    assert any(f"knee: k = {knee}" in (a.text or "") for a in fig.layout.annotations)
    assert any(s.type == "rect" and s.x0 < 3 < s.x1 for s in fig.layout.shapes)  # selected k shaded


@pytest.mark.parametrize("uniform", [False, True])
def test_knee_of_separated_blobs_and_of_noise(uniform):
    rng = np.random.default_rng(11)
    if uniform:
        X = rng.uniform(-5, 5, size=(600, 2))
    else:
        X, _ = make_blobs(600, centers=[[-8, -8], [8, -8], [-8, 8], [8, 8]], random_state=11)
    sweep = ck.elbow_sweep(X, f"test:knee:{uniform}", tuple(range(1, 11)), INIT, SEEDS)
    assert ck.knee_of(sweep) == (None if uniform else 4)


def test_elbow_without_knee_has_no_knee_mark(sweep):
    fig = elbow_figure(KS, sweep.inertia, None, knee=None)
    assert not [t for t in fig.data if (t.name or "").startswith("knee")]
    assert not any(t.yaxis == "y2" for t in fig.data)


def test_score_panels_equal_core_and_scikit_learn(data, sweep):
    X, key = data
    scores = ck.score_sweep(X, key, KS, INIT, sweep.best_seed)
    assert scores[0].silhouette is None and scores[0].calinski_harabasz is None  # k = 1
    for s in scores[1:]:
        labels = assign(X, ck.fit_one(X, key, s.k, INIT, s.seed).centers)[0]
        assert s.silhouette == pytest.approx(sk_score(X, labels), abs=1e-12)
        assert s.calinski_harabasz == pytest.approx(sk_ch(X, labels), rel=1e-10)
        assert s.davies_bouldin == pytest.approx(sk_db(X, labels), rel=1e-10)
        assert s.n_sampled == len(X)
    panels = [("Mean silhouette", [s.silhouette for s in scores], "max"),
              ("Davies–Bouldin", [s.davies_bouldin for s in scores], "min")]
    fig = elbow_figure(KS, sweep.inertia, sweep.mean_seconds, knee=4, panels=panels)
    sil = _trace(fig, "Mean silhouette")
    assert np.isnan(sil.y[0])
    np.testing.assert_allclose(sil.y[1:], [s.silhouette for s in scores[1:]])
    assert sil.yaxis == "y3"  # its own panel below the inertia (y, y2)
    best_sil = ck.best_silhouette_k(scores)
    assert list(_trace(fig, "best Mean silhouette").x) == [best_sil]
    dbs = [s.davies_bouldin for s in scores[1:]]
    assert list(_trace(fig, "best Davies–Bouldin").x) == [KS[1 + int(np.argmin(dbs))]]


def test_silhouette_figure_bands_are_the_sorted_values(data):
    X, key = data
    model = ck.explorer_run(X, key, 4, INIT, 0)
    view = ck.silhouette_view(X, model.labels_, key, 4, INIT, 0)
    expected = sk_samples(X, model.labels_)
    np.testing.assert_allclose(view.values, expected, atol=1e-12)
    assert view.rows is None and view.mean == pytest.approx(sk_score(X, model.labels_), abs=1e-12)
    fig = silhouette_figure(view.values, view.labels, 4)
    sizes = np.bincount(model.labels_, minlength=4)
    for j in range(4):
        band = _trace(fig, f"cluster {j + 1}")
        assert band.fill == "toself"
        np.testing.assert_allclose(band.x[1:-1], np.sort(expected[model.labels_ == j]), atol=1e-12)
        assert f"n = {sizes[j]:,}" in fig.layout.yaxis.ticktext[j]
    mean_lines = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    assert len(mean_lines) == 1 and mean_lines[0].x0 == pytest.approx(expected.mean(), abs=1e-12)


def test_silhouette_bands_do_not_overlap():
    values = np.array([0.5, 0.1, 0.9, -0.2, 0.3, 0.7])
    labels = np.array([0, 1, 0, 1, 2, 2])
    bands = silhouette_bands(values, labels, 3, gap=2)
    tops = [ys[-1] for _, ys, _ in bands]
    bottoms = [ys[0] for _, ys, _ in bands]
    assert all(b > t for t, b in zip(tops, bottoms[1:]))
    assert [list(v) for _, _, v in bands] == [[0.5, 0.9], [-0.2, 0.1], [0.3, 0.7]]


def test_scatter_rings_the_negative_points():
    ds = generate("blobs", {})  # the default blobs: two of them touch, so a few points score < 0
    X, key = ds.X, ds.key
    model = ck.explorer_run(X, key, 4, INIT, 0)
    values = sk_samples(X, model.labels_)
    assert (values < 0).any()
    fig = silhouette_scatter(X, model.labels_, values, model.cluster_centers_)
    bad = _trace(fig, "s < 0")
    assert len(bad.x) == int((values < 0).sum())
    np.testing.assert_allclose(sorted(bad.x), sorted(X[values < 0, 0]))
    cluster_1 = _trace(fig, "cluster 1")
    first = np.flatnonzero(model.labels_ == 0)[0]
    assert cluster_1.hovertext[0] == f"cluster 1<br>s = {values[first]:.3f}"


def test_silhouette_by_k_marks_the_chosen_k(data):
    X, key = data
    ks = tuple(range(2, 8))
    scores = ck.score_sweep(X, key, ks, INIT, lambda k: 0)
    fig = silhouette_by_k_figure(ks, [s.silhouette for s in scores], chosen=5)
    for k, y in zip(fig.data[0].x, fig.data[0].y):
        labels = assign(X, ck.fit_one(X, key, int(k), INIT, 0).centers)[0]
        assert y == pytest.approx(sk_score(X, labels), abs=1e-12)
    chosen = _trace(fig, "chosen k = 5")
    assert list(chosen.x) == [5] and chosen.y[0] == pytest.approx(scores[3].silhouette)


def test_big_data_silhouette_is_sampled_reproducibly(monkeypatch):
    X, _ = make_blobs(1_500, centers=3, random_state=3)
    key = "test:choosing_k_sampled"
    monkeypatch.setattr(ck, "SILHOUETTE_EXACT_MAX", 1_000)
    monkeypatch.setattr(ck, "SILHOUETTE_SAMPLE", 600)
    monkeypatch.setattr(ck, "SWEEP_SILHOUETTE_MAX", 500)
    rows = ck.silhouette_rows(len(X), ck.SILHOUETTE_EXACT_MAX, ck.SILHOUETTE_SAMPLE)
    assert len(rows) == 600 and len(np.unique(rows)) == 600 and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(rows, ck.silhouette_rows(len(X), 1_000, 600))
    model = ck.explorer_run(X, key, 3, INIT, 0)
    view = ck.silhouette_view(X, model.labels_, key, 3, INIT, 0)
    np.testing.assert_array_equal(view.rows, rows)
    np.testing.assert_allclose(view.values, sk_samples(X[rows], model.labels_[rows]), atol=1e-12)
    s = ck.run_scores(X, key, 3, INIT, 0)
    sweep_rows = ck.sweep_rows(len(X))
    assert s.n_sampled == 500 == len(sweep_rows)
    assert s.silhouette == pytest.approx(sk_score(X[sweep_rows], model.labels_[sweep_rows]), abs=1e-12)
    assert s.calinski_harabasz == pytest.approx(sk_ch(X, model.labels_), rel=1e-10)  # all rows
    assert "600 of the 1,500 points" in ck.sample_note(len(X))
    assert "500 of the 1,500 points" in ck.sample_note(len(X), sweep=True)
    assert ck.sample_note(999) is None


def test_verdict_sentences():
    assert "disagree" in ck.verdict(3, 5) and "k = 3" in ck.verdict(3, 5) and "k = 5" in ck.verdict(3, 5)
    assert "disagree" not in ck.verdict(4, 4)
    assert ck.verdict(None, None).startswith("No clear elbow")
    assert ck.verdict(None, 2).startswith("No clear elbow")


def test_k_values_and_seeds():
    assert ck.k_values(1, 10, 6) == (1, 2, 3, 4, 5, 6)
    assert ck.seed_list(7, 3) == (7, 8, 9)
    assert ck.sweep_init("pick") == "k-means++" and ck.sweep_init("random") == "random"


def test_big_data_runs_fit_a_sample_and_report_the_inertia_of_all_rows(monkeypatch):
    """Above FIT_SAMPLE_ABOVE rows a sweep run is the core's run on the fixed sample; its
    inertia is the all-rows objective at its centres (checked by brute force, direct differences),
    and the clustering shown is iterated on all rows from there."""
    X, _ = make_blobs(3_000, n_features=3, centers=4, cluster_std=2.0, random_state=21)
    X = X + 1e3  # far from the origin: the all-rows pass must not cancel
    key = "test:choosing_k_big"
    monkeypatch.setattr(ck, "FIT_SAMPLE_ABOVE", 2_000)
    monkeypatch.setattr(ck, "FIT_SAMPLE", 500)
    rows = ck.fit_rows(len(X))
    assert len(rows) == 500 and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(rows, ck.fit_rows(len(X)))  # the same rows every time
    assert ck.fit_rows(2_000) is None
    sweep = ck.elbow_sweep(X, key, (1, 2, 4), INIT, (0, 1))
    for i, k in enumerate((1, 2, 4)):
        for j, seed in enumerate((0, 1)):
            fit = ck.fit_one(X, key, k, INIT, seed)
            core = KMeans(k, n_init=1, random_state=seed, record="centers").fit(X[rows])
            np.testing.assert_array_equal(fit.centers, core.cluster_centers_)
            brute = ((X[:, None, :] - fit.centers[None, :, :]) ** 2).sum(axis=2).min(axis=1).sum()
            # Rounding of the expansion on centred data: a few ulp of the squared spread per row.
            scale = float(((X - X.mean(axis=0)) ** 2).sum())
            assert abs(sweep.inertia[i, j] - brute) <= 1e-12 * scale
            assert fit.n_fitted == 500
    assert "random sample of 500 rows" in ck.sweep_note(len(X)) and ck.sweep_note(100) is None
    shown = ck.shown_run(X, key, 4, INIT, sweep.best_seed(4))
    start = ck.fit_one(X, key, 4, INIT, sweep.best_seed(4))
    assert shown.labels_.shape == (len(X),)
    assert shown.inertia_ <= start.inertia * (1 + 1e-12)  # Lloyd on all rows never raises it


def test_a_finished_sweep_is_reused_whole_and_its_arrays_are_read_only():
    X, _ = make_blobs(300, centers=3, random_state=4)
    a = ck.elbow_sweep(X, "test:reuse", (1, 2, 3), INIT, (0, 1))
    calls = []
    b = ck.elbow_sweep(X, "test:reuse", (1, 2, 3), INIT, (0, 1), progress=lambda f, t: calls.append(f))
    assert b is a and not calls  # no run looked up again, no progress drawn
    with pytest.raises(ValueError):
        a.inertia[0, 0] = 0.0
    c = ck.elbow_sweep(X, "test:reuse", (1, 2, 3, 4), INIT, (0, 1), progress=lambda f, t: calls.append(f))
    np.testing.assert_array_equal(c.inertia[:3], a.inertia)  # the per-run caches still serve it
    assert calls[-1] == 1.0


def test_charts_are_built_once_per_distinct_input(sweep):
    one = ck.elbow_chart(KS, sweep.inertia, sweep.mean_seconds, 4)
    assert ck.elbow_chart(KS, sweep.inertia, sweep.mean_seconds, 4) is one
    other = ck.elbow_chart(KS, sweep.inertia, sweep.mean_seconds, 3)
    assert other is not one and any((t.name or "") == "knee: k = 3" for t in other.data)


def test_scores_of_a_sweep_share_one_silhouette_pass_and_are_kept_per_run(monkeypatch):
    """All k of a score sweep get their mean silhouettes from one batched pass; a wider range
    then scores only the new k, and a single run's scores come from the store."""
    X, _ = make_blobs(350, centers=4, random_state=8)
    key = "test:choosing_k_batched_scores"
    calls = []
    real = ck.silhouette_means
    monkeypatch.setattr(ck, "silhouette_means", lambda Xs, labelings: calls.append(len(labelings))
                        or real(Xs, labelings))
    scores = ck.score_sweep(X, key, (1, 2, 3, 4, 5), INIT, lambda k: 0, others=False)
    assert calls == [5]  # one pass for the five runs (k = 1 comes back undefined)
    assert scores[0].silhouette is None
    for s in scores[1:]:
        labels = assign(X, ck.fit_one(X, key, s.k, INIT, 0).centers)[0]
        assert s.silhouette == pytest.approx(sk_score(X, labels), abs=1e-12)
    wider = ck.score_sweep(X, key, (1, 2, 3, 4, 5, 6), INIT, lambda k: 0, others=False)
    assert calls == [5, 1] and wider[:5] == scores
    assert ck.run_scores(X, key, 3, INIT, 0, others=False) == scores[2] and calls == [5, 1]


def test_big_data_sweep_measures_all_rows_in_one_pass(monkeypatch):
    X, _ = make_blobs(2_500, n_features=3, centers=3, random_state=9)
    key = "test:choosing_k_big_one_pass"
    monkeypatch.setattr(ck, "FIT_SAMPLE_ABOVE", 2_000)
    monkeypatch.setattr(ck, "FIT_SAMPLE", 400)
    calls = []
    real = ck.nearest_sq_dist_sums
    monkeypatch.setattr(ck, "nearest_sq_dist_sums", lambda X, groups: calls.append(len(groups))
                        or real(X, groups))
    ticks = []
    sweep = ck.elbow_sweep(X, key, (1, 2, 3), INIT, (0, 1), progress=lambda f, t: ticks.append((f, t)))
    assert calls == [6]  # every run's all-rows inertia in one pass over the rows
    assert any("inertia of all 2,500 rows" in t for _, t in ticks) and ticks[-1][0] == 1.0
    for i, k in enumerate((1, 2, 3)):
        for j, seed in enumerate((0, 1)):
            fit = ck.fit_one(X, key, k, INIT, seed)
            assert fit.n_fitted == 400 and sweep.inertia[i, j] == fit.inertia
            assert fit.inertia == pytest.approx(((X[:, None] - fit.centers[None]) ** 2).sum(-1).min(1).sum(),
                                                rel=1e-12)
    assert calls == [6]  # fit_one reads the store
    with pytest.raises(ValueError):
        fit.centers[0, 0] = 0.0  # shared between sessions: read-only


def test_the_run_store_is_bounded_least_recently_used_first():
    store = ck._Bounded(2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # "a" is now the most recent
    store.put("c", 3)
    assert store.get("b") is None and store.get("a") == 1 and store.get("c") == 3 and len(store) == 2
