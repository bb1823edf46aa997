"""The Silhouette page in Streamlit's AppTest: every data source, k = 1, an upload, big data."""

import json
from functools import partial

import numpy as np
import pytest

from kmeans_app.choosing_k import sweeps as ck
from kmeans_app.data.datasets import GENERATORS, Dataset, generate
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core import KMeans, silhouette_samples, silhouette_score

from . import helpers
from .helpers import arr, charts

PAGE = "pages/silhouette.py"
open_page = partial(helpers.open_page, PAGE)





def title(fig):
    return fig["layout"].get("title", {}).get("text", "")


def chart(at, title_start):
    found = [f for f in charts(at) if title(f).startswith(title_start)]
    assert found, f"no chart titled {title_start!r}: {[title(f) for f in charts(at)]}"
    return found[0]


def named(fig, start):
    return [t for t in fig["data"] if (t.get("name") or "").startswith(start)]


def metric(at, label):
    return [m.value for m in at.metric if m.label == label][0]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_generated_source(name):
    at = open_page(dataset=name, k=3, seed=2)
    X = generate(name, {}).X
    labels = KMeans(3, n_init=1, random_state=2, tol=0.0).fit(X).labels_  # the Explorer's run
    values = silhouette_samples(X, labels)
    assert float(metric(at, "Mean silhouette")) == pytest.approx(values.mean(), abs=5e-4)
    assert metric(at, "Points with s < 0") == f"{int((values < 0).sum()):,}"
    plot = chart(at, "Silhouette of each point")
    for j in range(3):
        band = named(plot, f"cluster {j + 1}")[0]
        np.testing.assert_allclose(arr(band["x"])[1:-1], np.sort(values[labels == j]), atol=1e-12)
    scatter = chart(at, "k = 3, seed 2")
    assert len(arr(named(scatter, "s < 0")[0]["x"])) == int((values < 0).sum())
    by_k = chart(at, "Mean silhouette against k")
    assert arr(by_k["data"][0]["x"]).tolist() == list(range(2, 11))
    sweep_labels = KMeans(3, n_init=1, random_state=2).fit(X).labels_  # the sweep's run (default tol)
    chosen = arr(named(by_k, "chosen k = 3")[0]["y"])[0]
    assert chosen == pytest.approx(silhouette_score(X, sweep_labels), abs=1e-12)
    assert any("Above about 0.5" in m.value for m in at.markdown)


def test_k_equal_one_explains_why():
    at = open_page(dataset="blobs", k=1)
    assert any("at least two clusters" in m.value for m in at.info)
    assert not [m for m in at.metric if m.label == "Mean silhouette"]
    by_k = chart(at, "Mean silhouette against k")  # still there, nothing marked
    assert not named(by_k, "chosen")


def test_uploaded_data_with_four_features():
    rng = np.random.default_rng(3)
    X = np.vstack([c + rng.normal(0, 1, (80, 4)) for c in rng.normal(0, 6, (3, 4))])
    ds = Dataset(X, ("<b>w</b>", "x&y", "*z*", "<i>v</i>"), "up <b>load</b>.csv", None,
                 "upload:test:silhouette", generated=False)
    at = open_page(**{"dataset": UPLOAD_OPTION, UPLOAD_KEY: ds, "k": 3})
    labels = KMeans(3, n_init=1, random_state=0, tol=0.0).fit(X).labels_
    assert float(metric(at, "Mean silhouette")) == pytest.approx(silhouette_score(X, labels), abs=5e-4)
    scatter = chart(at, "k = 3, seed 0")
    assert scatter["layout"]["xaxis"]["title"]["text"].startswith("PC1")
    assert "<b>" not in json.dumps(scatter)
    assert any("principal components" in c.value for c in at.caption)


def test_csv_source_without_upload_shows_a_hint():
    at = open_page(dataset=UPLOAD_OPTION)
    assert any("Upload a CSV" in m.value for m in at.info)


def test_big_data_is_sampled_and_says_so(monkeypatch):
    """Above the exact limit a fixed sample is scored and the charts say how many points.

    The limits are scaled down (the page reads them from kmeans_app.choosing_k.sweeps at run time)
    so the test stays quick; the real ones are exercised by the timing run in the report.
    """
    monkeypatch.setattr(ck, "SILHOUETTE_EXACT_MAX", 1_000)
    monkeypatch.setattr(ck, "SILHOUETTE_SAMPLE", 700)
    monkeypatch.setattr(ck, "SWEEP_SILHOUETTE_MAX", 400)
    rng = np.random.default_rng(0)
    n = 1_600
    X = np.vstack([c + rng.normal(0, 1, (n // 2, 2)) for c in ((-5, 0), (5, 0))])
    ds = Dataset(X, ("a", "b"), "big.csv", None, "upload:test:silhouette-big", generated=False)
    at = open_page(**{"dataset": UPLOAD_OPTION, UPLOAD_KEY: ds, "k": 2})
    assert metric(at, "Points scored") == f"{ck.SILHOUETTE_SAMPLE:,} of {n:,}"
    plot = chart(at, "Silhouette of each point")
    assert f"{ck.SILHOUETTE_SAMPLE:,} of the {n:,} points" in title(plot)
    sizes = sum(len(arr(t["x"])) - 2 for t in named(plot, "cluster "))
    assert sizes == ck.SILHOUETTE_SAMPLE
    by_k = chart(at, "Mean silhouette against k")
    assert f"{ck.SWEEP_SILHOUETTE_MAX:,} of the {n:,} points" in title(by_k)
    rows = ck.silhouette_rows(n)
    labels = KMeans(2, n_init=1, random_state=0, tol=0.0).fit(X).labels_
    expected = silhouette_samples(X[rows], labels[rows])
    np.testing.assert_allclose(np.sort(np.concatenate([arr(t["x"])[1:-1] for t in named(plot, "cluster ")])),
                               np.sort(expected), atol=1e-12)


@pytest.mark.parametrize("case", ["identical", "three-rows"])
def test_degenerate_uploads_explain_instead_of_failing(case):
    X = np.ones((30, 2)) if case == "identical" else np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    ds = Dataset(X, ("a", "b"), f"{case}.csv", None, f"upload:test:degenerate:{case}", generated=False)
    at = open_page(**{"dataset": UPLOAD_OPTION, UPLOAD_KEY: ds, "k": 3})
    assert any("silhouette is undefined" in w.value for w in at.warning)
    assert not [m for m in at.metric if m.label == "Mean silhouette"]
    at.switch_page("pages/elbow.py").run()
    assert not at.exception, [e.message for e in at.exception]
