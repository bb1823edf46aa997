"""Exact Voronoi cells of 2-D centres inside a box, by half-plane clipping.

The cell of centre i is the box intersected with, for every other centre j,
the half-plane of points at least as close to i as to j. Clipping a convex
polygon by a half-plane keeps it convex, so each cell is a convex polygon.
Ties follow argmin: a point equidistant from i and j (j < i) belongs to j,
so of two coincident centres only the lower index gets a cell.
"""

import numpy as np


def _clip(poly, normal, offset):
    """Keep the part of convex polygon ``poly`` where normal . p <= offset."""
    if len(poly) == 0:
        return poly
    side = poly @ normal - offset
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


def voronoi_cells(centers, box):
    """Return one polygon (m, 2) per centre; empty (0, 2) when a centre owns no area.

    box : (xmin, xmax, ymin, ymax).
    """
    centers = np.asarray(centers, dtype=np.float64)
    xmin, xmax, ymin, ymax = box
    square = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]], dtype=np.float64)
    cells = []
    for i, ci in enumerate(centers):
        poly = square
        for j, cj in enumerate(centers):
            if i == j:
                continue
            normal = cj - ci
            if not normal.any():  # coincident: the lower index wins the whole cell
                if j < i:
                    poly = np.empty((0, 2))
                    break
                continue
            # |p - ci|^2 <= |p - cj|^2  <=>  (cj - ci) . p <= (|cj|^2 - |ci|^2) / 2
            poly = _clip(poly, normal, (cj @ cj - ci @ ci) / 2.0)
            if len(poly) == 0:
                break
        cells.append(poly)
    return cells
