"""The Soft and Gaussian page in AppTest: every control, values against the core, bad input."""

from functools import partial

import numpy as np
import pytest

from kmeans_app.data.datasets import Dataset, generate
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core import (
    BETA_GRID,
    GaussianMixture,
    KMeans,
    SoftKMeans,
    adjusted_rand_score,
    smallest_hard_beta,
)
from kmeans_core.seeding import kmeans_plusplus

from . import helpers
from .helpers import arr, charts, screen_text

PAGE = "pages/soft_gaussian.py"
open_page = partial(helpers.open_page, PAGE)
GMM_TAB = {"sg_section": "Gaussian mixture"}  # the page's second (lazy) tab open


def title(fig):
    return fig["layout"].get("title", {}).get("text", "")


def chart(at, start):
    found = [f for f in charts(at) if title(f).startswith(start)]
    assert found, [title(f) for f in charts(at)]
    return found[0]


def metric(at, label):
    return [m.value for m in at.metric if m.label.startswith(label)][0]


def start_of(X, k, seed=0):
    return kmeans_plusplus(X, k, random_state=np.random.default_rng(seed))[0]


def uploaded(X, labels=None):
    X = np.asarray(X, dtype=np.float64)
    names = tuple(f"f{i}" for i in range(X.shape[1]))
    ds = Dataset(X, names, "test.csv", None, f"upload:test:{X.shape}:{X.sum():.6f}", generated=False,
                 labels=labels, label_name=None if labels is None else "kind")
    return {"dataset": UPLOAD_OPTION, UPLOAD_KEY: ds}


def test_default_page_matches_the_core():
    at = open_page()
    X = generate("blobs", {}).X
    start = start_of(X, 4)
    hard = KMeans(4, init=start, n_init=1, tol=0.0).fit(X)
    soft = SoftKMeans(4, beta=10.0, init=start, max_iter=300).fit(X)
    same = float(np.mean(soft.labels_ == hard.labels_))
    assert metric(at, "Same cluster as hard K-means") == f"{same:.1%}"
    beta, _ = smallest_hard_beta(X, start, hard.labels_)
    assert [s.value for s in at.success][0].count(f"β = {beta:.3g}") == 1
    fig = chart(at, "Soft K-means, β = 10")
    assert len(fig["frames"]) == len(soft.history_)  # short run: one frame per half-step
    np.testing.assert_allclose(arr(fig["frames"][-1]["data"][1]["x"]), soft.cluster_centers_[:, 0])
    assert len(charts(at)) == 1  # lazy tabs: the mixture is neither fitted nor sent until its tab opens
    at.select_slider(key="soft_beta").set_value(float(BETA_GRID[0])).run()
    at.session_state["sg_section"] = "Gaussian mixture"
    at.run()
    assert not at.exception
    assert not [f for f in charts(at) if title(f).startswith("Soft K-means")]
    gm = GaussianMixture(4, covariance_type="full", random_state=0).fit(X)
    g = chart(at, "EM, 4 components, full covariance")
    np.testing.assert_allclose(arr(g["frames"][-1]["data"][-1]["x"]), gm.means_[:, 0], rtol=1e-9)
    ll = chart(at, "Log-likelihood per EM step")
    assert arr(ll["data"][0]["y"])[-1] == pytest.approx(gm.score(X) * len(X), rel=1e-9)
    crit = chart(at, "BIC and AIC")
    bic = [GaussianMixture(k, covariance_type="full", random_state=0).fit(X).bic(X) for k in range(1, 9)]
    np.testing.assert_allclose(arr(crit["data"][0]["y"]), bic, rtol=1e-9)
    assert not at.error
    at.session_state["sg_section"] = "Soft K-means"
    at.run()
    assert chart(at, f"Soft K-means, β = {BETA_GRID[0]:.3g}")  # the closed tab kept its β


@pytest.mark.parametrize("beta", [float(BETA_GRID[0]), float(BETA_GRID[-1])])
def test_beta_slider_ends(beta):
    at = open_page()
    at.select_slider(key="soft_beta").set_value(beta).run()
    assert not at.exception
    X = generate("blobs", {}).X
    start = start_of(X, 4)
    soft = SoftKMeans(4, beta=beta, init=start, max_iter=300).fit(X)
    hard = KMeans(4, init=start, n_init=1, tol=0.0).fit(X)
    assert metric(at, "Same cluster as hard K-means") == f"{np.mean(soft.labels_ == hard.labels_):.1%}"
    assert chart(at, f"Soft K-means, β = {beta:.3g}")
    if beta == BETA_GRID[-1]:
        assert metric(at, "Same cluster as hard K-means") == "100.0%"


@pytest.mark.parametrize("cov", ["full", "tied", "diag", "spherical"])
def test_covariance_types(cov):
    at = open_page(**GMM_TAB)
    at.radio(key="gmm_covariance").set_value(cov).run()
    assert not at.exception
    X = generate("blobs", {}).X
    gm = GaussianMixture(4, covariance_type=cov, random_state=0).fit(X)
    g = chart(at, f"EM, 4 components, {cov} covariance")
    np.testing.assert_allclose(arr(g["frames"][-1]["data"][-1]["y"]), gm.means_[:, 1], rtol=1e-9)
    assert len(g["frames"]) <= 150


@pytest.mark.parametrize("name", ["anisotropic", "varied"])
def test_full_covariance_beats_kmeans_on_stretched_and_unequal_data(name):
    at = open_page(dataset=name, k=3 if name == "varied" else 4, **GMM_TAB)
    ds = generate(name, {})
    k = len(set(ds.labels.tolist()))
    hard = KMeans(k, init=start_of(ds.X, k), n_init=1, tol=0.0).fit(ds.X)
    gm = GaussianMixture(k, covariance_type="full", random_state=0).fit(ds.X)
    km_ari, gm_ari = adjusted_rand_score(ds.labels, hard.labels_), adjusted_rand_score(ds.labels, gm.labels_)
    assert metric(at, "K-means: ARI") == f"{km_ari:.3f}"
    assert metric(at, "Mixture (full): ARI") == f"{gm_ari:.3f}"
    assert gm_ari > km_ari
    if name == "anisotropic":  # the default draw: hand-checked 1.000 against 0.63
        assert gm_ari >= 0.99 and gm_ari - km_ari >= 0.3


def test_no_labels_no_ari_and_k_too_large():
    at = open_page(dataset="uniform", **GMM_TAB)
    assert not [m for m in at.metric if "ARI" in m.label]
    at = open_page(**uploaded([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]), k=4)
    assert "k = 4 is more than the 3 rows" in at.warning[0].value
    assert not charts(at)


def test_many_features_are_projected_and_user_text_is_escaped():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(60, 4)) for c in (0.0, 3.0, 6.0)])
    state = uploaded(X)
    ds = state[UPLOAD_KEY]
    state[UPLOAD_KEY] = Dataset(ds.X, ("<b>x</b>", "b", "c", "d"), ds.name, None, ds.key, generated=False)
    at = open_page(**state, k=3, **GMM_TAB)
    assert any("drawn on their first two principal components" in c.value for c in at.caption)
    assert "<b>x</b>" not in screen_text(at)
    g = chart(at, "EM, 3 components")
    assert len(arr(g["frames"][-1]["data"][1]["x"])) == 61


def test_identical_points_do_not_crash():
    at = open_page(**uploaded(np.ones((12, 2))), k=2)
    assert not at.exception
    assert "only 1 distinct point(s) for k = 2" in at.warning[0].value
    assert "Traceback" not in screen_text(at)


def test_one_feature_and_string_labels():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 0.3, 40), rng.normal(5, 0.3, 40)])[:, None]
    labels = np.array(["a"] * 40 + ["b"] * 40, dtype=object)
    at = open_page(**uploaded(X, labels), k=2, **GMM_TAB)
    assert not at.exception
    g = chart(at, "EM, 2 components")
    y = np.concatenate([arr(t["y"]) for t in g["frames"][-1]["data"][1:3]])
    np.testing.assert_allclose(y, 0.0, atol=1e-12)  # 1-D ellipses are segments on the x axis
    assert metric(at, "Mixture (full): ARI") == "1.000"


def test_big_upload_is_fitted_on_a_said_sample():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, size=(3000, 2)) for c in (0.0, 4.0)])
    at = open_page(**uploaded(X), k=2)
    assert not at.exception
    assert "fits a fixed random 5,000 of the 6,000 rows" in at.info[0].value
    assert any("draw a random 1,500 of the 5,000 points" in c.value for c in at.caption)
    fig = chart(at, "Soft K-means")
    assert len(arr(fig["data"][0]["x"])) == 1500
