"""Figure builders of the Initialization page, and the restarts (n_init) math, against brute force."""

import itertools
import math

import numpy as np
import pytest

from kmeans_app.data.datasets import generate
from kmeans_app.initialization import compare as ic
from kmeans_app.initialization import figures as fi

# --------------------------------------------------------------------------- restarts math


@pytest.mark.parametrize("values", [
    [5.0, 3.0, 9.0, 3.0, 7.0, 4.0, 8.0],  # with a tie
    list(np.random.default_rng(0).gamma(2.0, 10.0, 9)),
])
def test_expected_best_without_replacement_is_the_mean_over_all_subsets(values):
    N = len(values)
    for n in range(1, N + 1):
        brute = np.mean([min(c) for c in itertools.combinations(values, n)])
        assert ic.expected_best(values, n) == pytest.approx(brute, rel=1e-12)


def test_expected_best_with_replacement_is_the_mean_over_all_tuples():
    values = [4.0, 1.0, 6.0, 2.5, 2.5]
    for n in range(1, 5):
        brute = np.mean([min(t) for t in itertools.product(values, repeat=n)])
        assert ic.expected_best(values, n, replace=True) == pytest.approx(brute, rel=1e-12)


def test_best_of_n_weights_are_a_distribution_and_n1_is_the_mean():
    for N, n in [(50, 1), (50, 10), (50, 20), (200, 20), (7, 7)]:
        for replace in (False, True):
            w = ic.best_of_n_weights(N, n, replace)
            assert w.shape == (N,) and (w >= 0).all()
            assert w.sum() == pytest.approx(1.0, abs=1e-12)
    values = np.random.default_rng(1).random(30)
    assert ic.expected_best(values, 1) == pytest.approx(values.mean(), rel=1e-12)
    assert ic.expected_best(values, 30) == pytest.approx(values.min(), rel=1e-12)
    curve = [ic.expected_best(values, n) for n in range(1, 21)]
    assert all(a >= b for a, b in zip(curve, curve[1:]))  # more restarts never hurt


def test_chance_near_best_matches_brute_force():
    values = [1.0, 1.005, 3.0, 2.0, 1.0, 5.0, 4.0]
    threshold = 1.01
    for n in range(1, len(values) + 1):
        subsets = list(itertools.combinations(values, n))
        brute = np.mean([min(s) <= threshold for s in subsets])
        assert ic.chance_near_best(values, threshold, n) == pytest.approx(brute, abs=1e-12)


def test_restarts_math_rejects_impossible_draws():
    with pytest.raises(ValueError, match="n <= 5"):
        ic.best_of_n_weights(5, 6)
    with pytest.raises(ValueError):
        ic.best_of_n_weights(5, 0)


# --------------------------------------------------------------------------- figures


def _story(k=4, seed=3, n=300):
    ds = generate("blobs", {"n": n, "centers": 4})
    return ds.X, ic.seeding_story(ds.X, k, seed)


def test_seeding_figure_frames_carry_colours_not_coordinates():
    X, story = _story()
    fig = fi.seeding_figure(X, story, axis_titles=("a", "b"))
    k = len(story["k-means++"])
    assert len(fig.frames) == k
    assert len(fig.layout.sliders[0].steps) == k
    # Coordinates of the points are sent once, in the base traces of both panels.
    for i in (0, 4):
        np.testing.assert_array_equal(fig.data[i].x, X[:, 0])
        np.testing.assert_array_equal(fig.data[i].y, X[:, 1])
    for j, frame in enumerate(fig.frames):
        assert list(frame.traces) == list(range(8))
        for i, init in ((0, "k-means++"), (4, "random")):
            points = frame.data[i]
            assert points.x is None and points.y is None
            np.testing.assert_allclose(points.marker.color, story[init][j].probabilities, rtol=1e-6)
            chosen = frame.data[i + 3]
            assert (chosen.x[0], chosen.y[0]) == tuple(X[story[init][j].chosen])
            assert len(frame.data[i + 1].x) == j  # centres picked in earlier rounds
            np.testing.assert_array_equal(frame.data[i + 2].customdata, story[init][j].candidate_potentials)
        top = max(story[i][j].probabilities.max() for i in ("k-means++", "random"))
        assert frame.layout.coloraxis.cmax == pytest.approx(top, rel=1e-6)
        titles = [a.text for a in frame.layout.annotations]
        assert f"centre {j + 1} of {k}" in titles[0] and "k-means++" in titles[0]
        assert "random" in titles[1]
    # The figure opens on round 1.
    np.testing.assert_allclose(fig.data[0].marker.color, story["k-means++"][0].probabilities, rtol=1e-6)


def test_seeding_figure_samples_large_data_but_keeps_candidates_and_escapes_titles():
    X, story = _story(n=900)
    fig = fi.seeding_figure(X, story, axis_titles=("<b>x</b>", "y&z"), max_points=200)
    assert len(fig.data[0].x) == 200 and len(fig.frames[1].data[0].marker.color) == 200
    last = fig.frames[-1].data
    cand = story["k-means++"][-1].candidates
    np.testing.assert_array_equal(last[2].x, X[cand, 0])
    assert fig.layout.xaxis.title.text == "&lt;b&gt;x&lt;/b&gt;"
    assert fig.layout.yaxis.title.text == "y&amp;z"


def _comparison(n_seeds=12):
    ds = generate("blobs", {"n": 200, "centers": 3, "data_seed": 8})
    runs = {init: ic.run_seeds(ds.X, 4, init, range(n_seeds)) for init in ic.INITS}
    return ic.summarise(runs, len(ds.X))


def test_inertia_and_iterations_figures_show_every_run():
    cmp = _comparison()
    for builder, field in ((fi.inertia_figure, "inertia"), (fi.iterations_figure, "n_iter")):
        fig = builder(cmp)
        boxes = [t for t in fig.data if t.type == "box"]
        assert [t.name for t in boxes] == ["random init", "k-means++"]
        for trace, init in zip(boxes, ("random", "k-means++")):
            np.testing.assert_array_equal(trace.y, getattr(cmp.runs[init], field))
            np.testing.assert_array_equal(trace.customdata, cmp.runs[init].seeds)
            assert trace.boxpoints == "all"
    fig = fi.inertia_figure(cmp)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == pytest.approx(cmp.best_inertia)


def test_restarts_figure_plots_the_expected_best_curves():
    cmp = _comparison(n_seeds=25)
    fig = fi.restarts_figure(cmp)
    curves = {t.name: t for t in fig.data if t.mode == "lines+markers"}
    for init, label in fi.INIT_LABELS.items():
        s = cmp.summaries[init]
        np.testing.assert_array_equal(curves[label].x, np.arange(1, 21))
        expected = [ic.expected_best(cmp.runs[init].inertia, n) for n in range(1, 21)]
        np.testing.assert_allclose(curves[label].y, expected, rtol=1e-12)
        np.testing.assert_allclose(curves[label].customdata, s.chance_near_best)
    stars = {t.name: (t.x[0], t.y[0]) for t in fig.data if t.marker.symbol == "star"}
    assert {a.text for a in fig.layout.annotations} >= set(stars)
    assert stars["scikit-learn default for random init: n_init=10"] == (
        10, pytest.approx(cmp.summaries["random"].expected_best[9]))
    assert stars["scikit-learn default for k-means++: n_init=1"][0] == 1


def test_restarts_curve_stops_at_the_number_of_runs():
    cmp = _comparison(n_seeds=6)
    for s in cmp.summaries.values():
        np.testing.assert_array_equal(s.restarts, np.arange(1, 7))
    fig = fi.restarts_figure(cmp)
    stars = [t for t in fig.data if t.marker.symbol == "star"]
    assert [t.x[0] for t in stars] == [1]  # n_init=10 is beyond six runs: not marked


def test_number_format():
    assert fi.number(45430.2) == "45,430"
    assert fi.number(12.3456) == "12.35"
    assert math.isclose(float(fi.number(0.000123456)), 0.0001235)
