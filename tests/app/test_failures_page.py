"""The When K-means fails page in AppTest: every case, both ARIs against the core, every control."""

from functools import partial

import numpy as np
import pytest

from kmeans_app.beyond import cases
from kmeans_app.data.datasets import generate
from kmeans_core import KMeans, adjusted_rand_score

from . import helpers
from .helpers import arr, charts, screen_text

PAGE = "pages/failures.py"
open_page = partial(helpers.open_page, PAGE)


def metric(at, label):
    return [m.value for m in at.metric if m.label == label][0]


@pytest.mark.parametrize("name", list(cases.CASES))
def test_every_case_scores_kmeans_and_its_fix(name):
    at = open_page()
    if name != "moons":
        at.selectbox(key="fail_case").set_value(name).run()
    assert not at.exception
    ds = generate(cases.CASES[name].dataset, {"n": 500})
    out = cases.outcome(name, ds.X, ds.labels, 0)
    keep = ds.labels != cases.CASES[name].outlier_label
    km = KMeans(out.k, n_init=cases.N_INIT, random_state=0).fit(ds.X).labels_
    assert out.kmeans_ari == pytest.approx(adjusted_rand_score(ds.labels[keep], km[keep]), abs=1e-12)
    assert metric(at, "K-means ARI") == f"{out.kmeans_ari:.3f}"
    assert metric(at, "Fix ARI") == f"{out.fix_ari:.3f}"
    left, right = charts(at)
    assert left["layout"]["title"]["text"] == f"K-means, k = {out.k}: ARI {out.kmeans_ari:.3f}"
    assert right["layout"]["title"]["text"].startswith(cases.CASES[name].short)
    drawn = np.concatenate([arr(t["x"]) for t in right["data"]])
    assert sorted(drawn.tolist()) == sorted(ds.X[:, 0].tolist())
    assert cases.CASES[name].why in screen_text(at)
    assert out.fix_ari > out.kmeans_ari + 0.05  # on the default draw the fix does better


def test_points_slider_and_spectral_sample_note():
    at = open_page()
    at.select_slider(key="fail_n").set_value(2000).run()
    assert not at.exception
    assert any("Spectral clustering embedded a random 1,000 of the 2,000 points" in c.value
               for c in at.caption)
    assert sum(len(arr(t["x"])) for t in charts(at)[0]["data"]) == 2000


def test_data_seed_changes_the_data():
    at = open_page()
    before = charts(at)[0]["data"][0]["x"]
    at.number_input(key="fail_data_seed").set_value(3).run()
    assert not at.exception
    ds = generate("moons", {"n": 500, "data_seed": 3})
    drawn = np.concatenate([arr(t["x"]) for t in charts(at)[0]["data"]])
    assert sorted(drawn.tolist()) == sorted(ds.X[:, 0].tolist())
    assert charts(at)[0]["data"][0]["x"] != before


def test_outlier_and_scale_notes():
    at = open_page()
    at.selectbox(key="fail_case").set_value("outliers").run()
    assert any("the 25 outliers belong to no cluster" in c.value for c in at.caption)
    at.selectbox(key="fail_case").set_value("scales").run()
    assert any("x1 spans hundreds of units" in c.value for c in at.caption)
    assert "scaleanchor" not in charts(at)[0]["layout"]["yaxis"]


def test_anisotropic_default_full_covariance_finds_the_clusters_kmeans_cuts_across():
    # the page's defaults: 500 points, data seed 0, the generator's 4 centres, fit seed 0
    at = open_page()
    at.selectbox(key="fail_case").set_value("anisotropic").run()
    assert not at.exception
    ds = generate("anisotropic", {"n": 500, "data_seed": 0})
    out = cases.outcome("anisotropic", ds.X, ds.labels, 0)
    assert out.k == 4
    assert metric(at, "Fix ARI") == f"{out.fix_ari:.3f}"
    assert out.fix_ari >= 0.99 and out.kmeans_ari <= 0.7  # hand-checked: 1.000 against 0.63


@pytest.mark.parametrize("centers", [2, 3, 4, 5])
def test_anisotropic_fix_beats_kmeans_across_data_and_fit_seeds(centers):
    # Every draw, not a chosen one: data seeds 0-4 x fit seeds 0-1. Measured: K-means 0.41-0.73,
    # the full-covariance mixture 0.98-1.00 (one draw in 90 at 6 centres falls to 0.66: not tested here).
    for data_seed in range(5):
        ds = generate("anisotropic", {"n": 500, "centers": centers, "data_seed": data_seed})
        assert len(set(ds.labels.tolist())) == centers
        for seed in (0, 1):
            out = cases.outcome("anisotropic", ds.X, ds.labels, seed)
            assert out.fix_ari >= 0.95, (data_seed, seed, out.fix_ari)
            assert out.fix_ari - out.kmeans_ari >= 0.25, (data_seed, seed, out.kmeans_ari, out.fix_ari)


@pytest.mark.parametrize("n", [200, 500, 1000, 2000])
def test_uneven_sizes_fail_for_kmeans_and_the_mixture_fixes_them(n):
    """Every draw, not just the default: K-means splits the big wide cluster, the mixture does not."""
    for data_seed in range(5):
        ds = generate("uneven", {"n": n, "data_seed": data_seed})
        out = cases.outcome("uneven", ds.X, ds.labels, 0)
        assert out.kmeans_ari < 0.6, (n, data_seed, out.kmeans_ari)
        assert out.fix_ari > 0.8 and out.fix_ari > out.kmeans_ari + 0.3, (n, data_seed, out.fix_ari)
