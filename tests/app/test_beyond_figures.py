"""Unit tests of kmeans_app/beyond's pure builders: the values drawn are the core's values."""

import numpy as np
import pytest

from kmeans_app.beyond import figures as bf
from kmeans_app.beyond import views
from kmeans_app.data.datasets import generate
from kmeans_app.data.projection import fit_projection
from kmeans_core import GaussianMixture, KMeans, MiniBatchKMeans, SoftKMeans, assign
from kmeans_core.seeding import kmeans_plusplus

from .helpers import arr


@pytest.fixture(scope="module")
def blobs():
    X = generate("blobs", {"n": 300}).X
    start = kmeans_plusplus(X, 4, random_state=np.random.default_rng(0))[0]
    return X, start


def hex_rgb(c):
    return np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)])


def test_mix_rgb_one_hot_is_the_palette_and_halves_average():
    S = np.array([[255, 0, 0], [0, 0, 255], [128, 127, 0]], dtype=np.uint8)
    rgb = bf.mix_rgb(S)
    np.testing.assert_array_equal(rgb[0], hex_rgb(bf.PALETTE[0]))
    np.testing.assert_array_equal(rgb[1], hex_rgb(bf.PALETTE[2]))
    expected = (128 * hex_rgb(bf.PALETTE[0]) + 127 * hex_rgb(bf.PALETTE[1])) / 255
    np.testing.assert_allclose(rgb[2], expected, rtol=0, atol=1e-9)


def test_colour_table_round_trips_within_its_rounding():
    rng = np.random.default_rng(1)
    R = rng.dirichlet(np.ones(3), size=(4, 50))
    frames = [np.rint(r * 255).astype(np.uint8) for r in R] + [None]
    idx, colours = bf.colour_table(frames, 50)
    assert len(idx) == 5 and len(colours) <= bf.MAX_COLOURS
    table = np.array([hex_rgb(c) for c in colours])
    for S, ci in zip(frames[:-1], idx[:-1]):
        assert np.abs(table[ci] - bf.mix_rgb(S)).max() <= bf.COLOUR_STEPS[-1] / 2
    assert np.abs(table[idx[-1]] - np.array(bf.GREY)).max() <= bf.COLOUR_STEPS[-1] / 2
    scale = bf.stepped_scale(colours)  # value i maps to colours[i]: both ends of its band
    assert scale[0] == [0.0, colours[0]] and scale[-1][1] == colours[-1]


def test_ellipse_points_are_at_two_mahalanobis_units():
    mean, cov = np.array([1.0, -2.0]), np.array([[4.0, 1.5], [1.5, 1.0]])
    x, y = bf.ellipse_xy(mean, cov)
    D = np.column_stack([x, y]) - mean
    m2 = np.einsum("ij,jk,ik->i", D, np.linalg.inv(cov), D)
    np.testing.assert_allclose(m2, bf.ELLIPSE_SIGMAS**2, rtol=1e-9)
    x, y = bf.ellipse_xy(mean, np.zeros((2, 2)))  # collapsed: a point, not NaN
    assert np.all(np.isfinite(x)) and np.allclose(x, 1.0) and np.allclose(y, -2.0)


def test_project_covariances_matches_a_sigma_a_t():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    proj = fit_projection(X, ("a", "b", "c", "d"))
    cov = np.stack([np.cov(X[:100].T), np.cov(X[100:].T)])
    got = views.project_covariances(cov, proj)
    for j in range(2):
        # the covariance of the projected points is the projected covariance
        np.testing.assert_allclose(got[j], np.cov(proj.apply(X[j * 100:(j + 1) * 100]).T), rtol=1e-9)
    one = views.project_covariances(np.array([[[2.0]]]), fit_projection(X[:, :1], ("a",)))
    np.testing.assert_array_equal(one[0], [[2.0, 0.0], [0.0, 0.0]])


def test_soft_frames_and_figure_carry_the_core_history(blobs):
    X, start = blobs
    model = SoftKMeans(4, beta=3.0, init=start).fit(X)
    rows = np.arange(0, len(X), 3)
    shares, centers, titles = views.soft_frames(model.history_, rows, lambda C: C)
    assert len(titles) == len(model.history_) and titles[0] == "start"
    last_e = [s for s in model.history_ if s.phase == "E"][-1]
    np.testing.assert_array_equal(shares[-1], np.asarray(last_e.shares)[rows])
    np.testing.assert_array_equal(centers[-1], model.history_[-1].centers)
    fig = bf.soft_run_figure(X[rows], shares, centers, titles, bf.box_of(X), ("x1", "x2"), "t").to_dict()
    assert len(fig["frames"]) == len(titles)
    assert fig["layout"]["sliders"][0]["active"] == len(titles) - 1
    # the final frame's colours are the core's last shares mixed (to the table's rounding)
    scale = fig["layout"]["sliders"] and fig["data"][0]["marker"]["colorscale"]
    colours = [c for _, c in scale][::2]
    drawn = np.array([hex_rgb(colours[i]) for i in arr(fig["frames"][-1]["data"][0]["marker"]["color"])])
    assert np.abs(drawn - bf.mix_rgb(np.asarray(last_e.shares)[rows])).max() <= bf.COLOUR_STEPS[-1] / 2
    np.testing.assert_allclose(arr(fig["frames"][-1]["data"][1]["x"]), model.cluster_centers_[:, 0])


def test_soft_frames_are_capped():
    hist = list(range(1000))
    keep = bf.subsample_steps(len(hist), 150)
    assert len(keep) <= 150 and keep[0] == 0 and keep[-1] == 999


def test_gmm_frames_loglik_and_figure(blobs):
    X, _ = blobs
    gm = GaussianMixture(3, covariance_type="diag", random_state=0).fit(X)
    proj = fit_projection(X)
    rows = np.arange(len(X))
    shares, means, covs, titles = views.gmm_frames(gm.history_, rows, proj.apply, proj)
    np.testing.assert_allclose(means[-1], gm.means_)
    np.testing.assert_allclose(covs[-1], np.stack([np.diag(c) for c in gm.covariances_]))
    its, ll = views.loglik_per_iteration(gm.history_)
    # one value per M step: the last is the fitted model's
    np.testing.assert_allclose(ll[-1] / len(X), gm.score(X), rtol=1e-9)
    assert np.all(np.diff(ll) >= -1e-9 * abs(ll[0]))
    fig = bf.gmm_run_figure(X, shares, means, covs, titles, bf.box_of(X), ("x1", "x2"), "t").to_dict()
    last = fig["frames"][-1]["data"]
    x, y = bf.ellipse_xy(gm.means_[1], np.diag(gm.covariances_[1]))
    np.testing.assert_allclose(arr(last[2]["x"]), x)
    np.testing.assert_allclose(arr(last[-1]["y"]), gm.means_[:, 1])
    lf = bf.loglik_figure(its, ll).to_dict()
    np.testing.assert_allclose(arr(lf["data"][0]["y"]), ll)


def test_criteria_figure_plots_the_values_and_marks_the_minima():
    fig = bf.criteria_figure([1, 2, 3], [30.0, 10.0, 20.0], [25.0, 12.0, 5.0], chosen=2).to_dict()
    bic, bic_min, aic, aic_min = fig["data"]
    np.testing.assert_array_equal(arr(bic["y"]), [30.0, 10.0, 20.0])
    assert list(arr(bic_min["x"])) == [2] and list(arr(aic_min["x"])) == [3]


def test_lloyd_curve_and_minibatch_frames(blobs):
    X, start = blobs
    curve = views.lloyd_curve(X, start)
    model = KMeans(4, init=start, n_init=1, tol=0.0).fit(X)
    assert curve["inertia"][-1] == pytest.approx(model.inertia_, rel=1e-12)
    assert curve["inertia"][0] == pytest.approx(float(assign(X, start)[1].sum()), rel=1e-12)
    assert curve["seen"][1] == len(X) and curve["elapsed"] == sorted(curve["elapsed"])
    mb = MiniBatchKMeans(4, init=start, batch_size=20, random_state=0).fit(X)
    centers, titles, seen, elapsed, inertia = views.minibatch_frames(mb.history_, lambda C: C)
    assert len(centers) <= 300 and seen == [f.n_seen for f in mb.history_]
    np.testing.assert_allclose(centers[-1], mb.cluster_centers_)
    fig = bf.minibatch_figure(X, mb.labels_, centers, titles, bf.box_of(X), ("x1", "x2"), "t",
                              lloyd_centers=model.cluster_centers_).to_dict()
    assert len(fig["frames"]) == len(centers)
    np.testing.assert_allclose(arr(fig["frames"][0]["data"][0]["x"]), start[:, 0])
    curves = bf.inertia_curves(seen, inertia, curve["seen"], curve["inertia"], "points", "t").to_dict()
    np.testing.assert_allclose(arr(curves["data"][0]["y"]), inertia)
    np.testing.assert_allclose(arr(curves["data"][1]["y"]), curve["inertia"])
    assert views.relative_gap(110.0, 100.0) == pytest.approx(0.1)


def test_labels_figure_one_trace_per_cluster():
    P = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    fig = bf.labels_figure(P, np.array([1, 0, 1]), bf.box_of(P), ("a", "b"), "t", equal=False).to_dict()
    assert [t["name"] for t in fig["data"]] == ["cluster 1", "cluster 2"]
    np.testing.assert_array_equal(arr(fig["data"][1]["x"]), [0.0, 2.0])
    assert "scaleanchor" not in fig["layout"]["yaxis"]


def test_projector_mode_enlarges_the_step_label_and_buttons():
    from kmeans_app.figures.style import PROJECTOR_FONT, override_projector

    P = np.zeros((2, 2))
    args = (P, [None, None], [P, P], ["start", "1"], bf.box_of(P), ("a", "b"), "t")
    plain = bf.soft_run_figure(*args).to_dict()["layout"]
    token = override_projector(True)
    try:
        big = bf.soft_run_figure(*args).to_dict()["layout"]
    finally:
        from kmeans_app.figures.style import _OVERRIDE

        _OVERRIDE.reset(token)
    assert plain["sliders"][0]["currentvalue"]["font"]["size"] < PROJECTOR_FONT
    assert big["sliders"][0]["currentvalue"]["font"]["size"] == PROJECTOR_FONT
    assert big["updatemenus"][0]["font"]["size"] == PROJECTOR_FONT
    assert big["font"]["size"] == PROJECTOR_FONT
