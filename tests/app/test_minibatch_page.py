"""The Mini-batch page in AppTest: the batch-size slider, values against the core, bad input."""

from functools import partial

import numpy as np
import pytest

from kmeans_app.beyond import views
from kmeans_app.data.datasets import Dataset, generate
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core import KMeans, MiniBatchKMeans
from kmeans_core.seeding import kmeans_plusplus

from . import helpers
from .helpers import arr, charts

PAGE = "pages/minibatch.py"
open_page = partial(helpers.open_page, PAGE)


def title(fig):
    return fig["layout"].get("title", {}).get("text", "")


def chart(at, start):
    found = [f for f in charts(at) if title(f).startswith(start)]
    assert found, [title(f) for f in charts(at)]
    return found[0]


def metric(at, label):
    return [m.value for m in at.metric if m.label == label][0]


def core_runs(X, k, batch, seed=0):
    start = kmeans_plusplus(X, k, random_state=np.random.default_rng(seed))[0]
    mb = MiniBatchKMeans(k, init=start, batch_size=batch, random_state=seed).fit(X)
    lloyd = KMeans(k, init=start, n_init=1, tol=0.0).fit(X)
    return mb, lloyd


@pytest.mark.parametrize("batch", [10, 50, 2000])
def test_batch_sizes_match_the_core(batch):
    at = open_page()
    if batch != 50:
        at.select_slider(key="mb_batch").set_value(batch).run()
    assert not at.exception
    X = generate("blobs", {}).X
    mb, lloyd = core_runs(X, 4, batch)
    gap = views.relative_gap(mb.inertia_, lloyd.inertia_)
    assert metric(at, "Final inertia gap") == f"{gap:+.2%}"
    assert metric(at, "Mini-batch inertia") == f"{mb.inertia_:.5g}"
    assert metric(at, "Full Lloyd inertia") == f"{lloyd.inertia_:.5g}"
    assert any(f"mini-batch ends {gap:+.2%}" in m.value for m in at.markdown)
    fig = chart(at, "Centres batch by batch")
    assert len(fig["frames"]) == len(mb.history_) <= 300
    np.testing.assert_allclose(arr(fig["frames"][-1]["data"][0]["x"]), mb.cluster_centers_[:, 0])
    by_points = chart(at, "Inertia against points processed")
    np.testing.assert_array_equal(arr(by_points["data"][0]["x"]), [f.n_seen for f in mb.history_])
    np.testing.assert_allclose(arr(by_points["data"][0]["y"]), [f.inertia for f in mb.history_])
    assert arr(by_points["data"][1]["y"])[-1] == pytest.approx(lloyd.inertia_, rel=1e-12)
    assert chart(at, "Inertia against time")
    if batch == 2000:
        assert any("each batch is the whole data" in c.value for c in at.caption)


def test_big_data_frames_are_capped_and_points_sampled():
    ds = generate("blobs", {"n": 5000})
    at = open_page(dataset="blobs", n=5000)
    at.select_slider(key="mb_batch").set_value(10).run()
    fig = chart(at, "Centres batch by batch")
    assert len(fig["frames"]) <= 300
    assert len(arr(fig["data"][0]["x"])) == 3000
    assert any("Showing a random 3,000 of 5,000 points" in c.value for c in at.caption)
    assert len(ds.X) == 5000


def test_k_too_large_and_many_features():
    X = np.arange(6, dtype=float).reshape(3, 2)
    ds = Dataset(X, ("a", "b"), "t.csv", None, "upload:mb3", generated=False)
    at = open_page(dataset=UPLOAD_OPTION, **{UPLOAD_KEY: ds}, k=4)
    assert "k = 4 is more than the 3 rows" in at.warning[0].value
    assert not charts(at)
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.2, size=(50, 3)) for c in (0.0, 2.0)])
    ds = Dataset(X, ("a", "b", "c"), "t.csv", None, "upload:mb3d", generated=False)
    at = open_page(dataset=UPLOAD_OPTION, **{UPLOAD_KEY: ds}, k=2)
    assert any("drawn on their first two principal components" in c.value for c in at.caption)
