"""The data the Explorer's browser component gets, once per run (pure functions, no Streamlit).

The browser owns the step cursor, so it needs the whole recorded run up front,
and it must stay small (a 300-iteration run of 5,000 points at k = 20 is well
under 3 MB). What is sent:

- the drawn points' plot coordinates, once (float64, base64);
- per half-step: its phase, the centres (float64, base64, all steps in one
  array), the inertia, the "Step N of M" label and the narration;
- the cluster codes of the drawn points only when they change: each distinct
  labelling once, as the full codes or as the (index, code) pairs that differ
  from the labelling before it, whichever is smaller. Late iterations move a
  few points, so a long run costs little more than a short one;
- the math blocks (a Unicode formula each) and the core's source for each
  phase, so the math panel follows the cursor in the browser.

Cells are not sent: the browser computes them from the centres with the same
half-plane clipping as ``kmeans_app/explorer/voronoi.py`` (tests/js checks both agree),
which it needs anyway while a centre is dragged.

User text (axis titles from column names) is sent raw; the browser writes it
with ``textContent`` and escapes it for Plotly, never as HTML.
"""

import base64
from functools import lru_cache

import numpy as np

from kmeans_app.explorer import explain, narration
from kmeans_app.explorer.figures import step_views
from kmeans_app.figures.style import PALETTE, SYMBOLS, UNASSIGNED, padded_box

DTYPES = {"float64": "f8", "uint8": "u1", "uint16": "u2", "uint32": "u4"}


def encode(a):
    """A numpy array as {"t": dtype code, "b": base64 of its little-endian bytes} (a JS typed array)."""
    a = np.ascontiguousarray(a)
    code = DTYPES[a.dtype.name]
    data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    return {"t": code, "b": base64.b64encode(data).decode("ascii")}


def decode(spec):
    """The inverse of :func:`encode` (used by the tests)."""
    dtype = {v: k for k, v in DTYPES.items()}[spec["t"]]
    return np.frombuffer(base64.b64decode(spec["b"]), dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)


def _index_dtype(m):
    return np.uint16 if m <= 1 << 16 else np.uint32


def _code_dtype(k):
    return np.uint8 if k <= 256 else np.uint16


def label_sets(labels_per_step, m, k):
    """Encode each half-step's labels, each distinct labelling once.

    labels_per_step : one (m,) array or None (before the first assignment) per half-step.
    Returns (sets, index): ``sets`` a list of {"full": codes} or {"idx": rows, "val": codes}
    (changes against the set before it); ``index[i]`` the set of half-step i, -1 for None.
    """
    sets, index, last = [], [], None
    for labels in labels_per_step:
        if labels is None:
            index.append(-1)
            continue
        labels = np.asarray(labels)
        if last is not None and np.array_equal(labels, last):
            index.append(len(sets) - 1)
            continue
        codes = labels.astype(_code_dtype(k))
        full_bytes = codes.nbytes
        if last is None:
            sets.append({"full": encode(codes)})
        else:
            changed = np.flatnonzero(labels != last)
            delta_bytes = changed.size * (np.dtype(_index_dtype(m)).itemsize + codes.itemsize)
            if delta_bytes < full_bytes:
                sets.append({"idx": encode(changed.astype(_index_dtype(m))), "val": encode(codes[changed])})
            else:
                sets.append({"full": encode(codes)})
        index.append(len(sets) - 1)
        last = labels
    return sets, index


def expand_labels(sets):
    """The full labels of every set (the browser's decoding, in Python for the tests)."""
    out, last = [], None
    for s in sets:
        if "full" in s:
            cur = decode(s["full"]).astype(np.int64)
        else:
            cur = last.copy()
            cur[decode(s["idx"]).astype(np.int64)] = decode(s["val"])
        out.append(cur)
        last = cur
    return out


def math_blocks():
    """The math panel: every block of ``explain.BLOCKS`` with the phases it belongs to."""
    return [{"key": b.key, "title": b.title, "formula": b.formula, "words": b.words,
             "phases": list(b.phases)} for b in explain.BLOCKS]


@lru_cache(maxsize=8)
def _sources(init):
    # inspect.getsource tokenises each file: ~10 ms per payload, and the code does not change
    return tuple((phase, tuple(tuple(item) for item in explain.sources(phase, init)))
                 for phase in ("init", "assign", "update"))


def source_texts(init):
    """{phase: [[title, source], ...]}: the core functions behind each phase, read from the code."""
    return {phase: [list(item) for item in items] for phase, items in _sources(str(init))}


def run_payload(model, X_rows, rows, P, project, *, run_id, n_total, init, max_iter,
                axis_titles=("x1", "x2"), feature_names=("x1", "x2"), draggable=False, cells=True,
                n_features=2):
    """Everything the component needs to show one run, as JSON-ready values.

    model : a fitted kmeans_core.KMeans with ``history_``; X_rows : the data of the drawn rows;
    rows : their indices in the data; P : (m, 2) their plot coordinates; project : maps (k, d)
    centres to plot coordinates; n_total : rows clustered (m < n_total means a drawn sample).
    draggable : centres can be dragged (two features: plot coordinates are the data's).
    """
    history = model.history_
    P = np.asarray(P, dtype=np.float64)
    m = len(P)
    k = len(history[0].centers)
    views = step_views(history, rows, project, [""] * len(history), X_rows=X_rows)
    centres = np.stack([np.asarray(v.centers, dtype=np.float64) for v in views])  # (T, k, 2)
    sets, index = label_sets([v.labels for v in views], m, k)
    all_c = centres.reshape(-1, 2)
    box = padded_box(np.vstack([P, all_c]) if m else all_c)
    steps = []
    for i, s in enumerate(history):
        steps.append({
            "phase": s.phase,
            "it": int(s.iteration),
            "j": None if s.inertia is None else float(s.inertia),
            "L": index[i],
            "label": narration.step_label(i, history),
            "text": narration.narrate(history, i, init=init, n_iter=model.n_iter_, max_iter=max_iter),
        })
    return {
        "mode": "run",
        "run": run_id,
        "n": int(n_total),
        "m": int(m),
        "k": int(k),
        "d": int(n_features),
        "sampled": bool(m < n_total),
        "draggable": bool(draggable),
        "cells": bool(cells),
        "box": [float(v) for v in box],
        "axes": [str(t) for t in axis_titles],
        "features": [str(f) for f in feature_names][:2],
        "colors": [PALETTE[j % len(PALETTE)] for j in range(k)],
        "symbols": [SYMBOLS[j % len(SYMBOLS)] for j in range(k)],
        "grey": UNASSIGNED,
        "xy": encode(P.reshape(-1)),
        "centres": encode(centres.reshape(-1)),
        "labels": sets,
        "steps": steps,
        "n_iter": int(model.n_iter_),
        "math": math_blocks(),
        "source": source_texts(init),
    }


def pick_payload(P, rows, picked_rows, k, *, run_id, n_total, axis_titles=("x1", "x2")):
    """The pick-init view: grey points to click, the rows picked so far numbered.

    picked_rows : data rows picked so far; the browser sends back the *drawn index* of a
    clicked point, which ``rows`` maps to a data row.
    """
    P = np.asarray(P, dtype=np.float64)
    where = {int(r): i for i, r in enumerate(rows)}
    picked = [where[int(r)] for r in picked_rows if int(r) in where]
    return {
        "mode": "pick",
        "run": run_id,
        "n": int(n_total),
        "m": int(len(P)),
        "k": int(k),
        "sampled": bool(len(P) < n_total),
        "box": [float(v) for v in padded_box(P)],
        "axes": [str(t) for t in axis_titles],
        "colors": [PALETTE[j % len(PALETTE)] for j in range(k)],
        "symbols": [SYMBOLS[j % len(SYMBOLS)] for j in range(k)],
        "grey": UNASSIGNED,
        "xy": encode(P.reshape(-1)),
        "picked": picked,
    }


def payload_bytes(payload):
    """Size in bytes of the payload as Streamlit sends it (``json.dumps`` with its default separators)."""
    import json

    return len(json.dumps(payload).encode())
