"""Exact Voronoi cells of 2-D centres inside a box, by half-plane clipping.

The cell of centre i is the box intersected with, for every other centre j,
the half-plane of points at least as close to i as to j:

    |p - c_i|^2 <= |p - c_j|^2   <=>   (c_j - c_i) . p <= (|c_j|^2 - |c_i|^2) / 2

Clipping a convex polygon by a half-plane keeps it convex, so each cell is a
convex polygon (Sutherland-Hodgman against one line at a time). Ties follow
argmin: of two coincident centres only the lower index gets a cell (the
other owns nothing, exactly as ``assign`` never picks it). Between distinct
centres the shared edge is in both polygons, which is fine for drawing.
"""

import numpy as np


def _clip(poly, normal, offset):
    """Keep the part of convex polygon ``poly`` where normal . p <= offset."""
    if len(poly) == 0:
        return poly
    # Compare in a scale-aware way so points on the line count as on it.
    scale = np.abs(normal).sum() * max(1.0, float(np.abs(poly).max()))
    side = poly @ normal - offset
    side[np.abs(side) <= 1e-12 * scale] = 0.0
    if (side <= 0).all():  # the line misses the polygon: nothing to cut
        return poly
    out = []
    for a in range(len(poly)):
        b = (a + 1) % len(poly)
        pa, pb, sa, sb = poly[a], poly[b], side[a], side[b]
        if sa <= 0:
            out.append(pa)
        if (sa < 0 < sb) or (sb < 0 < sa):
            t = sa / (sa - sb)
            out.append(pa + t * (pb - pa))
    return np.array(out).reshape(-1, 2)


def polygon_area(poly):
    """Area of a simple polygon (shoelace formula); 0 for fewer than 3 vertices."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(x @ np.roll(y, -1) - y @ np.roll(x, -1)))


def voronoi_cells(centers, box):
    """Return one polygon (m, 2) per centre; empty (0, 2) when a centre owns no area of the box.

    centers : (k, 2); box : (xmin, xmax, ymin, ymax). Centres may lie outside the box.
    """
    centers = np.asarray(centers, dtype=np.float64).reshape(-1, 2)
    xmin, xmax, ymin, ymax = (float(v) for v in box)
    square = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]], dtype=np.float64)
    # A cell thinner than this (a sliver from rounding, or a cell touching the box
    # only along an edge or at a corner) is treated as empty.
    min_area = 1e-12 * max((xmax - xmin) * (ymax - ymin), 1e-300)
    cells = []
    d2 = ((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    for i, ci in enumerate(centers):
        poly = square
        # Nearest neighbours first: they shrink the cell fastest, so most later lines miss it.
        for j in np.argsort(d2[i], kind="stable"):
            if i == j:
                continue
            cj = centers[j]
            normal = cj - ci
            if not normal.any():  # coincident: the lower index wins the whole cell
                if j < i:
                    poly = np.empty((0, 2))
                    break
                continue
            poly = _clip(poly, normal, (cj @ cj - ci @ ci) / 2.0)
            if len(poly) == 0:
                break
        if polygon_area(poly) <= min_area:
            poly = np.empty((0, 2))
        cells.append(poly)
    return cells
