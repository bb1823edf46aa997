"""Write tests/js/cases.json: the Python answers the Explorer's JavaScript must reproduce.

    .venv/bin/python tests/js/make_cases.py

The same math in both languages: nearest centre and inertia (kmeans_core.assign,
kmeans_core.inertia), Voronoi cells (kmeans_app/explorer/voronoi.py), where each control
moves the cursor (kmeans_app/stepper.target), and the payload's base64 arrays
and changed-label encoding (kmeans_app/explorer/payload.py). Cases: k = 1, 2,
collinear and coincident centres, points exactly on a bisector (ties go to the
lower index), centres outside the box. tests/js/test_shared_cases.py checks that
this file is what this script writes now, so it cannot go stale.
"""

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kmeans_app.explorer import payload, stepper  # noqa: E402
from kmeans_app.explorer.voronoi import voronoi_cells  # noqa: E402
from kmeans_core import KMeans, assign, inertia  # noqa: E402

OUT = Path(__file__).with_name("cases.json")
BOX = (-4.0, 4.0, -3.0, 5.0)


def _exact_nearest(X, C):
    """Nearest centre in exact rational arithmetic, ties to the lower index (the brute-force oracle)."""
    from fractions import Fraction

    out = []
    for x in X:
        d = [sum((Fraction(float(a)) - Fraction(float(b))) ** 2 for a, b in zip(x, c)) for c in C]
        out.append(min(range(len(C)), key=lambda j: (d[j], j)))
    return np.array(out)


def _geometry_cases():
    rng = np.random.default_rng(7)
    grid = np.array([[x, y] for x in np.arange(-4, 4.5, 0.5) for y in np.arange(-3, 5.5, 0.5)])  # exact halves
    random_pts = np.round(rng.uniform(-4, 4, size=(60, 2)), 3)
    cases = {
        "k=1": ([[0.5, 1.0]], grid),
        "k=2": ([[-1.0, 0.0], [2.0, 1.0]], grid),
        "k=2 points on the bisector": ([[-1.0, 0.0], [1.0, 0.0]],  # the bisector is x = 0: ties
                                       np.array([[0.0, y] for y in np.arange(-3, 5.5, 0.5)] + [[-0.5, 1], [0.5, 1]])),
        "collinear centres": ([[-3.0, 1.0], [-1.0, 1.0], [1.0, 1.0], [3.0, 1.0]], grid),
        "collinear diagonal": ([[-2.0, -2.0], [0.0, 0.0], [2.0, 2.0]], grid),
        # centres whose mean is exact, so the core's expanded formula is exact on the grid's ties too
        "coincident centres": ([[1.0, 0.0], [1.0, 0.0], [-2.0, 0.0]], grid),
        "coincident, lower index later": ([[-2.0, 0.0], [1.0, 0.0], [1.0, 0.0]], grid),
        "centre outside the box": ([[0.0, 0.0], [10.0, 0.0], [0.0, 2.0]], grid),
        "five random centres": (np.round(rng.uniform(-4, 4, size=(5, 2)), 3).tolist(), random_pts),
        "k=20": (np.round(rng.uniform(-4, 4, size=(20, 2)), 3).tolist(), random_pts),
    }
    out = []
    for name, (centres, pts) in cases.items():
        C = np.asarray(centres, dtype=np.float64)
        X = np.asarray(pts, dtype=np.float64)
        labels, _ = assign(X, C)
        exact = _exact_nearest(X, C)
        if not np.array_equal(labels, exact):  # a case must have one right answer, ties included
            raise AssertionError(f"{name}: kmeans_core.assign differs from exact arithmetic")
        out.append({
            "name": name,
            "centres": C.reshape(-1).tolist(),
            "points": X.reshape(-1).tolist(),
            "labels": labels.tolist(),
            "inertia": float(inertia(X, C, labels)),
            "box": list(BOX),
            "cells": [cell.tolist() for cell in voronoi_cells(C, BOX)],
        })
    return out


def _target_cases():
    X = np.random.default_rng(3).normal(size=(120, 2))
    phases = [s.phase for s in KMeans(3, init="random", n_init=1, random_state=1, tol=0).fit(X).history_]
    actions = ("reset", "back", "next", "assign", "update", "iteration", "converge")
    return {"phases": phases,
            "moves": {a: [stepper.target(phases, i, a) for i in range(len(phases))] for a in actions}}


def _encoding_cases():
    rng = np.random.default_rng(5)
    arrays = {
        "f8": np.array([0.0, -1.5, 1e-300, 3.141592653589793, 1e300]),
        "u1": np.array([0, 1, 19, 255], dtype=np.uint8),
        "u2": np.array([0, 7, 65535], dtype=np.uint16),
        "u4": np.array([0, 70000, 4294967295], dtype=np.uint32),
    }
    m, k = 3000, 6
    first = rng.integers(0, k, m)
    second = first.copy()
    second[rng.choice(m, 25, replace=False)] = rng.integers(0, k, 25)  # a few points move: sent as changes
    third = rng.integers(0, k, m)  # most points move: sent in full
    sets, index = payload.label_sets([None, first, first, second, second, third], m, k)
    return {
        "arrays": [{"spec": payload.encode(a), "values": a.tolist()} for a in arrays.values()],
        "labels": {"sets": sets, "index": index,
                   "expanded": [a.tolist() for a in payload.expand_labels(sets)],
                   "kinds": ["full" if "full" in s else "changes" for s in sets]},
    }


def build():
    return {"geometry": _geometry_cases(), "target": _target_cases(), "encoding": _encoding_cases()}


def dumps(cases):
    return json.dumps(cases, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUT.write_text(dumps(build()))
    print(f"wrote {OUT}")
