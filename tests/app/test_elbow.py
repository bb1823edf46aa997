"""The Elbow page in Streamlit's AppTest: every data source, an upload, clicks and the Explorer link."""

import json
from functools import partial

import numpy as np
import pytest

from kmeans_app.choosing_k import sweeps as ck
from kmeans_app.data.datasets import GENERATORS, Dataset, generate
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core import KMeans, calinski_harabasz_score
from kmeans_core.knee import find_knee

from . import helpers
from .helpers import arr, charts

PAGE = "pages/elbow.py"
open_page = partial(helpers.open_page, PAGE)
SHOW = "elbow_show_k"





def named(fig, start):
    return [t for t in fig["data"] if (t.get("name") or "").startswith(start)]


def messages(at):
    return [m.value for m in (*at.success, *at.warning, *at.info)]


def small_upload(d=4, n=240, seed=5):
    """An uploaded-style Dataset with more than two features and hostile column names."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 6, size=(3, d))
    X = np.vstack([c + rng.normal(0, 1, size=(n // 3, d)) for c in centers])
    names = ("<b>bold</b>", "a&b", "*emph*", "<script>x</script>")[:d]
    return Dataset(X, names, "my <i>file</i>.csv", None, f"upload:test:{d}:{n}:{seed}", generated=False)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_generated_source(name):
    at = open_page(dataset=name)
    ds = generate(name, {})
    elbow = charts(at)[0]
    mean = named(elbow, "inertia (mean of 5 seeds)")[0]
    assert arr(mean["x"]).tolist() == list(range(1, 11))
    seeds = ck.seed_list(0, 5)
    for k in (1, 4, 10):  # spot-check the plotted means against the core directly
        expected = np.mean([KMeans(k, n_init=1, random_state=s).fit(ds.X).inertia_ for s in seeds])
        assert arr(mean["y"])[k - 1] == pytest.approx(expected, rel=1e-12)
    knee = find_knee(np.arange(1, 11, dtype=float), arr(mean["y"]))
    if knee is None:
        assert any(m.startswith("No clear elbow") for m in messages(at))
        assert not named(elbow, "knee")
    else:
        assert named(elbow, f"knee: k = {int(knee)}")
        assert any(f"k = {int(knee)}" in m for m in messages(at))
    assert named(elbow, "Mean silhouette")  # the default panel
    clustering = charts(at)[1]
    assert len(named(clustering, "cluster ")) == at.session_state[SHOW]
    assert not at.error


def test_uniform_noise_has_no_clear_elbow():
    at = open_page(dataset="uniform")
    assert any(m.startswith("No clear elbow") for m in messages(at))


def test_blobs_knee_and_silhouette_agree_or_are_contrasted():
    at = open_page(dataset="blobs")
    elbow = charts(at)[0]
    knee = [t for t in named(elbow, "knee: k = ")]
    best = arr(named(elbow, "best Mean silhouette")[0]["x"])[0]
    assert knee, "four blobs must show a knee"
    knee_k = arr(knee[0]["x"])[0]
    text = " ".join(messages(at))
    if knee_k == best:
        assert "disagree" not in text
    else:
        assert "disagree" in text and f"k = {best}" in text


def test_uploaded_data_with_four_features():
    ds = small_upload()
    at = open_page(**{"dataset": UPLOAD_OPTION, UPLOAD_KEY: ds})
    elbow, clustering = charts(at)[:2]
    assert named(elbow, "inertia")
    titles = clustering["layout"]["xaxis"]["title"]["text"], clustering["layout"]["yaxis"]["title"]["text"]
    assert titles[0].startswith("PC1") and titles[1].startswith("PC2")
    assert "<b>" not in json.dumps(clustering) and "<script>" not in json.dumps(clustering)
    assert any("principal components" in c.value for c in at.caption)


def test_csv_source_without_upload_shows_a_hint():
    at = open_page(dataset=UPLOAD_OPTION)
    assert any("Upload a CSV" in m.value for m in at.info)
    assert not at.get("plotly_chart")


def test_range_seeds_and_panels_follow_the_controls():
    at = open_page(dataset="blobs")
    at.slider(key="elbow_range").set_value((2, 6))
    at.number_input(key="elbow_seeds").set_value(2)
    at.multiselect(key="elbow_panels").set_value(["Calinski–Harabasz", "Davies–Bouldin"])
    at.run()
    elbow = charts(at)[0]
    assert arr(named(elbow, "inertia (mean of 2 seeds)")[0]["x"]).tolist() == [2, 3, 4, 5, 6]
    assert named(elbow, "Calinski–Harabasz") and named(elbow, "Davies–Bouldin")
    assert not named(elbow, "Mean silhouette")
    ds = generate("blobs", {})
    sweep = ck.elbow_sweep(ds.X, ds.key, (2, 3, 4, 5, 6), "k-means++", ck.seed_list(0, 2))
    ch = arr(named(elbow, "Calinski–Harabasz")[0]["y"])
    for k, value in zip(range(2, 7), ch):
        labels = KMeans(k, n_init=1, random_state=sweep.best_seed(k)).fit(ds.X).labels_
        assert value == pytest.approx(calinski_harabasz_score(ds.X, labels), rel=1e-10)


def test_chosen_k_shows_that_clustering_and_opens_it_in_the_explorer():
    at = open_page(dataset="blobs")
    at.select_slider(key=SHOW).set_value(6).run()
    clustering = charts(at)[1]
    assert len(named(clustering, "cluster ")) == 6
    title = clustering["layout"]["title"]["text"]
    seed = int(title.rsplit("seed ", 1)[1].rstrip(")"))
    ds = generate("blobs", {})
    sweep = ck.elbow_sweep(ds.X, ds.key, tuple(range(1, 11)), "k-means++", ck.seed_list(0, 5))
    assert seed == sweep.best_seed(6)
    button = [b for b in at.button if b.label.startswith("Open k = 6")]
    assert button
    button[0].click().run()
    assert at.session_state["k"] == 6 and at.session_state["seed"] == seed
    assert not at.exception
    assert any("Explorer" in t.value for t in at.title)


def test_tiny_upload_limits_k_to_the_rows():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [9.0, 0.0], [9.0, 0.2]])
    ds = Dataset(X, ("a", "b"), "tiny.csv", None, "upload:test:tiny", generated=False)
    at = open_page(**{"dataset": UPLOAD_OPTION, UPLOAD_KEY: ds})
    elbow = charts(at)[0]
    assert arr(named(elbow, "inertia")[0]["x"]).tolist() == [1, 2, 3, 4, 5, 6]
    sil = arr(named(elbow, "Mean silhouette")[0]["y"])
    assert np.isnan(sil[0]) and np.isnan(sil[-1])  # undefined for k = 1 and for one point per cluster
    assert np.all(np.isfinite(sil[1:-1]))
    at.slider(key="elbow_range").set_value((15, 20)).run()
    assert not at.exception
    assert any("only 6 rows" in w.value for w in at.warning)


def test_a_rerun_that_changed_nothing_computes_nothing(monkeypatch):
    """Issue 11: no fit, no score, no figure is computed again on an unchanged rerun, and the
    page is the same (the sweep, its scores and both figures come from the shared stores)."""
    at = open_page(dataset="blobs", n=300, data_seed=41)
    before = [json.dumps(c, sort_keys=True) for c in charts(at)]

    def computed(*_a, **_k):
        raise AssertionError("recomputed on an unchanged rerun")

    for name in ("_fit", "silhouette_means", "nearest_sq_dist_sums", "elbow_figure", "clustering_figure",
                 "assign"):
        monkeypatch.setattr(ck, name, computed)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [json.dumps(c, sort_keys=True) for c in charts(at)] == before


def test_cold_open_computes_each_score_pass_once(monkeypatch):
    """The default view's silhouettes for every k come from one batched pass (not one per k)."""
    calls = []
    real = ck.silhouette_means
    monkeypatch.setattr(ck, "silhouette_means", lambda X, labelings: calls.append(len(labelings))
                        or real(X, labelings))
    at = open_page(dataset="blobs", n=260, data_seed=42)
    assert calls == [10]  # k = 1 .. 10, best seed of each
    sil = arr(named(charts(at)[0], "Mean silhouette")[0]["y"])
    assert np.isnan(sil[0]) and np.all(np.isfinite(sil[1:]))
