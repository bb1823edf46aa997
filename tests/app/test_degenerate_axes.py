"""Degenerate data still draws readable axes: collinear points, identical points, a
projection axis with zero variance.

The charts draw x and y at a 1:1 scale; an axis whose range has (almost) no span
is squeezed by Plotly to a sliver of pixels and its tick labels pile up. So every
plot box must span a sensible share of the other axis, contain the data, and the
PCA view must not invent a direction for an axis that has no variance.
"""

from functools import partial

import numpy as np
import pytest

from kmeans_app.data.datasets import Dataset
from kmeans_app.data.projection import fit_projection
from kmeans_app.figures.common import clustering_figure
from kmeans_app.figures.style import MIN_ASPECT, padded_box
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION

from . import helpers
from .helpers import charts

RANK1 = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0], [4.0, 8.0, 12.0]])
DEGENERATE = {
    "vertical line": np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 5.0]]),
    "horizontal line": np.array([[0.0, 7.0], [1.0, 7.0], [2.0, 7.0], [5.0, 7.0]]),
    "diagonal line": np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]),
    "nearly vertical": np.array([[1.0, 0.0], [1.0 + 1e-7, 1.0], [1.0, 2.0], [1.0, 5.0]]),
    "identical": np.full((5, 2), 3.0),
    "identical, large values": np.full((3, 2), 1e6),
    "identical at zero": np.zeros((4, 2)),
    "far from the origin": np.array([[1e6, 5.0], [1e6, 6.0], [1e6, 9.0]]),
}


def spans(box):
    return box[1] - box[0], box[3] - box[2]


def assert_readable(box, P):
    sx, sy = spans(box)
    assert sx > 0 and sy > 0
    assert min(sx, sy) >= MIN_ASPECT * max(sx, sy) * (1 - 1e-12), (sx, sy)
    # every point strictly inside, with a margin
    assert np.all(P[:, 0] > box[0]) and np.all(P[:, 0] < box[1])
    assert np.all(P[:, 1] > box[2]) and np.all(P[:, 1] < box[3])


@pytest.mark.parametrize("name", DEGENERATE)
def test_padded_box_of_degenerate_points_is_readable(name):
    P = DEGENERATE[name]
    assert_readable(padded_box(P), P)


def test_padded_box_hand_computed():
    # Ordinary data: the data's own box plus 8% on each side, as before.
    assert padded_box(np.array([[0.0, 0.0], [10.0, 8.0]])) == pytest.approx((-0.8, 10.8, -0.64, 8.64))
    # A vertical line from y=0 to y=4 at x=1: x gets half of y's span (2), centred on 1,
    # then the same 8% margins: 1 -/+ (1 + 0.16); y: -0.32 .. 4.32.
    assert padded_box(np.array([[1.0, 0.0], [1.0, 4.0]])) == pytest.approx((-0.16, 2.16, -0.32, 4.32))
    # Identical points: a unit square around them, plus margins.
    assert padded_box(np.full((3, 2), 2.0)) == pytest.approx((1.42, 2.58, 1.42, 2.58))


def test_projection_of_rank_one_data_has_a_flat_second_axis():
    proj = fit_projection(RANK1, ("a", "b", "c"))
    P = proj.apply(RANK1)
    # Hand-computed: the rows are t * (1, 2, 3), t = 1..4, so PC1 is (t - 2.5) * sqrt(14) (up to sign).
    expected = (np.arange(1, 5) - 2.5) * np.sqrt(14)
    assert np.allclose(np.abs(P[:, 0]), np.abs(expected), rtol=0, atol=1e-12 * np.sqrt(14) * 10)
    assert np.all(P[:, 1] == 0.0)  # exactly: no rounding-noise direction
    assert proj.axis_titles == ("PC1 (100% of variance)", "PC2 (no variance)")
    assert_readable(padded_box(P), P)


def test_projection_of_constant_data():
    X = np.full((6, 4), 2.5)
    proj = fit_projection(X, ("a", "b", "c", "d"))
    P = proj.apply(X)
    assert np.all(P == 0.0)
    assert proj.axis_titles == ("PC1 (no variance)", "PC2 (no variance)")
    assert_readable(padded_box(P), P)


def test_projection_keeps_a_small_but_real_second_axis():
    rng = np.random.default_rng(0)
    t = rng.normal(size=200)
    X = np.column_stack([t, 2 * t, 3 * t]) + 1e-3 * rng.normal(size=(200, 3))
    proj = fit_projection(X, ("a", "b", "c"))
    assert "no variance" not in proj.axis_titles[1]
    assert np.std(proj.apply(X)[:, 1]) > 1e-4


@pytest.mark.parametrize("name", DEGENERATE)
def test_clustering_figure_axes(name):
    P = DEGENERATE[name]
    labels = np.arange(len(P)) % 2
    centres = np.vstack([P[labels == j].mean(axis=0) for j in range(2)])
    fig = clustering_figure(P, labels, centres)
    box = (*fig.layout.xaxis.range, *fig.layout.yaxis.range)
    assert_readable(box, np.vstack([P, centres]))


# A rank-1 upload of 4 rows, shown by the real pages: every 1:1 chart gets readable axes.
@pytest.mark.parametrize("page", ["pages/silhouette.py", "pages/elbow.py", "pages/initialization.py"])
def test_rank_one_upload_pages(page):
    ds = Dataset(RANK1, ("a", "b", "c"), "rank1.csv", None, "upload:rank1", generated=False)
    at = partial(helpers.open_page, page)(dataset=UPLOAD_OPTION, k=2, **{UPLOAD_KEY: ds})
    square = [f for f in charts(at) if f["layout"].get("yaxis", {}).get("scaleanchor") == "x"]
    assert square, "expected a scatter chart of the data"
    for fig in square:
        lay = fig["layout"]
        box = (*lay["xaxis"]["range"], *lay["yaxis"]["range"])
        sx, sy = spans(box)
        assert min(sx, sy) >= MIN_ASPECT * max(sx, sy) * (1 - 1e-12), (page, box)
        assert lay["yaxis"]["title"]["text"].startswith("PC2 (no variance)")
