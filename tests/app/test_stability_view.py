"""The Elbow page's stability and gap section in AppTest: button-started, every control,
numbers equal to the core's, big data sampled and said so, bad data handled."""

from dataclasses import replace
from functools import partial

import numpy as np
import pytest

from kmeans_app.choosing_k import stability_view as sv
from kmeans_app.data.datasets import Dataset, generate
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core.stability import gap_statistic, stability

from . import helpers
from .helpers import arr, charts

PAGE = "pages/elbow.py"
FAST = {"elbow_range": (1, 5), "elbow_seeds": 1, "elbow_panels": []}  # a cheap elbow sweep
open_page = partial(helpers.open_page, PAGE)


def title(fig):
    return fig["layout"].get("title", {}).get("text") or ""


def figures_titled(at, start, contains=""):
    return [f for f in charts(at) if title(f).startswith(start) and contains in title(f)]


def started(**state):
    at = open_page(**(FAST | {sv.RESAMPLES: 4, sv.REFS: 3} | state))
    at.button(key=sv.BUTTON).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_default_view_does_not_compute_it():
    at = open_page(**FAST)
    assert at.button(key=sv.BUTTON).label == "Compute stability and the gap statistic"
    assert not figures_titled(at, "Stability") and not figures_titled(at, "Gap statistic")
    assert any("Not computed yet" in c.value for c in at.caption)


def test_button_shows_the_core_numbers():
    at = started()
    ds = generate("blobs", {})
    (stab,) = figures_titled(at, "Stability")
    (gap,) = figures_titled(at, "Gap statistic", "reference: uniform box over each column's range, B = 3")
    expected = stability(ds.X, range(1, 6), 4, random_state=0)
    mean = next(t for t in stab["data"] if t["name"].startswith("mean ARI"))
    np.testing.assert_array_equal(arr(mean["x"]), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(arr(mean["y"]), expected.mean, rtol=0, atol=1e-12)
    g = gap_statistic(ds.X, 5, 3, reference="uniform", random_state=0)
    line = gap["data"][0]
    np.testing.assert_array_equal(arr(line["x"]), range(1, 7))
    np.testing.assert_allclose(arr(line["y"]), g.gap, rtol=0, atol=1e-12)
    text = " ".join(m.value for m in at.markdown)
    if g.best_k is not None:
        assert f"**k = {g.best_k}**" in text
    assert "Most stable k ≥ 2" in text
    assert sv.BUTTON not in [b.key for b in at.button]


def test_controls_change_the_result_without_pressing_again():
    at = started()
    at.radio(key=sv.REFERENCE).set_value("pca").run()
    assert figures_titled(at, "Gap statistic", "reference: uniform box along the data's principal axes")
    at.number_input(key=sv.RESAMPLES).set_value(3).run()
    assert figures_titled(at, "Stability", "3 bootstrap resamples per k")
    at.number_input(key=sv.REFS).set_value(2).run()
    assert figures_titled(at, "Gap statistic", "B = 2")
    at.slider(key="elbow_range").set_value((2, 4)).run()
    (stab,) = figures_titled(at, "Stability")
    assert arr(stab["data"][2]["x"]).tolist() == [2, 3, 4]
    assert not at.exception


def test_another_dataset_asks_again():
    at = started()
    at.session_state["dataset"] = "moons"
    at.run()
    assert at.button(key=sv.BUTTON)
    assert not figures_titled(at, "Stability")


def test_big_upload_uses_a_stated_sample():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c, 0.5, size=(3000, 3)) for c in (0.0, 6.0)])
    ds = Dataset(X, ("a", "b", "<i>c</i>"), "big.csv", None, "upload:test:big-stability", generated=False)
    at = started(dataset=UPLOAD_OPTION, **{UPLOAD_KEY: ds}, elbow_range=(1, 3), **{sv.RESAMPLES: 2, sv.REFS: 2})
    captions = " ".join(c.value for c in at.caption)
    assert "a fixed random sample of 5,000 of the 6,000 rows" in captions
    (stab,) = figures_titled(at, "Stability")
    rows = sv.sample_rows(len(X))
    expected = stability(X[rows], [1, 2, 3], 2, random_state=0)
    np.testing.assert_allclose(arr(stab["data"][2]["y"]), expected.mean, rtol=0, atol=1e-12)


def test_tiny_data_has_no_gap_beyond_its_rows():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    ds = Dataset(X, ("a", "b"), "two.csv", None, "upload:test:two-rows", generated=False)
    at = started(dataset=UPLOAD_OPTION, **{UPLOAD_KEY: ds}, elbow_range=(1, 2))
    assert figures_titled(at, "Stability")
    (gap,) = figures_titled(at, "Gap statistic")
    assert arr(gap["data"][0]["x"]).tolist() == [1, 2]  # k_max = 1: judged against k = 2


@pytest.mark.parametrize("result_k, expected", [(None, "No k in 1–5 passes"), (1, "picks **k = 1**"),
                                                (3, "picks **k = 3**")])
def test_gap_sentence(result_k, expected):
    g = gap_statistic(generate("blobs", {}).X, 5, 2, random_state=0)
    text = sv.gap_sentence(replace(g, best_k=result_k), 5)
    assert expected in text
    peak = int(np.argmax(g.gap[:5])) + 1
    assert (f"largest at k = {peak}" in text) == (result_k is not None and peak != result_k)
