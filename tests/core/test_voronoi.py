"""Voronoi cells by half-plane clipping, checked against brute-force nearest-centre on a grid."""

import numpy as np
import pytest

from kmeans_app.explorer.voronoi import polygon_area, voronoi_cells

BOX = (-3.0, 5.0, -2.0, 4.0)
BOX_AREA = (BOX[1] - BOX[0]) * (BOX[3] - BOX[2])


def _grid(box, n=61):
    xs = np.linspace(box[0], box[1], n)
    ys = np.linspace(box[2], box[3], n)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _signed_inside(poly, pts):
    """Smallest signed distance to the edges of a convex polygon: > 0 inside, < 0 outside."""
    if len(poly) < 3:
        return np.full(len(pts), -np.inf)
    # orient counter-clockwise
    x, y = poly[:, 0], poly[:, 1]
    if (x @ np.roll(y, -1) - y @ np.roll(x, -1)) < 0:
        poly = poly[::-1]
    a, b = poly, np.roll(poly, -1, axis=0)
    edge = b - a
    length = np.linalg.norm(edge, axis=1)
    keep = length > 1e-12
    a, edge, length = a[keep], edge[keep], length[keep]
    rel = pts[:, None, :] - a[None, :, :]
    cross = edge[None, :, 0] * rel[:, :, 1] - edge[None, :, 1] * rel[:, :, 0]
    return (cross / length[None, :]).min(axis=1)


def check_against_brute_force(centers, box=BOX, tol=1e-7):
    centers = np.asarray(centers, dtype=float)
    cells = voronoi_cells(centers, box)
    assert len(cells) == len(centers)
    pts = _grid(box)
    d2 = ((pts[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    nearest = d2.argmin(axis=1)  # ties go to the lower index, like kmeans_core.assign
    best = d2.min(axis=1)
    inside = np.column_stack([_signed_inside(c, pts) for c in cells])
    # every grid point lies in (or on the border of) the cell of its nearest centre
    assert (inside[np.arange(len(pts)), nearest] >= -tol).all()
    # and strictly inside no cell of a centre that is farther away (ties aside)
    for j in range(len(centers)):
        farther = d2[:, j] > best + 1e-9
        assert not (inside[farther, j] > tol).any(), f"cell {j} holds points nearer another centre"
    # the cells tile the box
    assert sum(polygon_area(c) for c in cells) == pytest.approx(BOX_AREA if box == BOX else
                                                                 (box[1] - box[0]) * (box[3] - box[2]))
    return cells


def test_one_centre_gets_the_whole_box():
    (cell,) = check_against_brute_force([[1.0, 1.0]])
    assert polygon_area(cell) == pytest.approx(BOX_AREA)


def test_one_centre_outside_the_box_still_gets_the_whole_box():
    (cell,) = voronoi_cells([[100.0, -50.0]], BOX)
    assert polygon_area(cell) == pytest.approx(BOX_AREA)


def test_two_centres_split_along_the_perpendicular_bisector():
    cells = check_against_brute_force([[0.0, 1.0], [2.0, 1.0]])
    # the bisector is x = 1: left cell spans x in [-3, 1], right cell x in [1, 5]
    assert cells[0][:, 0].max() == pytest.approx(1.0)
    assert cells[1][:, 0].min() == pytest.approx(1.0)
    assert polygon_area(cells[0]) == pytest.approx(4 * 6)
    assert polygon_area(cells[1]) == pytest.approx(4 * 6)


def test_collinear_centres_give_parallel_strips():
    cells = check_against_brute_force([[-2.0, 0.0], [0.0, 1.0], [2.0, 2.0], [4.0, 3.0]])
    assert all(len(c) >= 3 for c in cells)


def test_collinear_centres_on_a_diagonal_with_uneven_gaps():
    check_against_brute_force([[0.0, 0.0], [0.5, 0.5], [3.0, 3.0]])


def test_coincident_centres_only_the_lower_index_owns_the_cell():
    cells = check_against_brute_force([[1.0, 1.0], [3.0, 2.0], [1.0, 1.0]])
    assert len(cells[2]) == 0
    assert polygon_area(cells[0]) > 0


def test_all_centres_coincident():
    cells = voronoi_cells([[0.0, 0.0]] * 3, BOX)
    assert polygon_area(cells[0]) == pytest.approx(BOX_AREA)
    assert len(cells[1]) == 0 and len(cells[2]) == 0


def test_centres_outside_the_box():
    cells = check_against_brute_force([[-10.0, 1.0], [10.0, 1.0], [1.0, 12.0]])
    assert polygon_area(cells[2]) > 0  # above the box, but its cell still reaches into the box


def test_centre_whose_cell_misses_the_box_is_empty():
    # the third centre is far to the right and shielded by the second: its cell starts past x = 5
    cells = check_against_brute_force([[0.0, 1.0], [4.0, 1.0], [40.0, 1.0]])
    assert len(cells[2]) == 0


def test_cell_boundary_exactly_on_the_box_edge_is_empty_not_a_sliver():
    # bisector of (3, 1) and (7, 1) is x = 5, the box's right edge
    cells = voronoi_cells([[3.0, 1.0], [7.0, 1.0]], BOX)
    assert len(cells[1]) == 0
    assert polygon_area(cells[0]) == pytest.approx(BOX_AREA)


@pytest.mark.parametrize("seed", range(6))
def test_random_centres_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 12))
    centers = rng.uniform(-6, 8, size=(k, 2))
    check_against_brute_force(centers)


def test_nearly_coincident_centres():
    check_against_brute_force([[1.0, 1.0], [1.0 + 1e-9, 1.0], [2.0, -1.0]])
