"""The Explorer's run: which one to show, picked starting points, and centres dragged by hand.

A run is computed once (its ``history_``: init, then assign/update half-steps,
ending with an assign) and sent whole to the browser component
(``kmeans_app/explorer``), which owns the step cursor: stepping never reaches
the server. ``target`` says where each control moves the cursor; the browser
has the same function (tests/js checks they agree).

The session keeps plain keys (not widget keys, so they survive a page switch):
the rows picked as starting centres ("pick" init), and the centres dragged
in the browser for "Run from here", each tied to the data and settings they
were made for. The ``apply_*`` functions take the session state as an argument
so they can be tested with a dict.
"""

import math

import numpy as np
import streamlit as st

PICKED = "explorer_picked"  # row indices clicked as starting centres
PICKED_FOR = "explorer_picked_for"  # the data key the picks refer to
DRAGGED = "explorer_dragged"  # {"for": settings signature, "centres": ((x, y), ...)} from "Run from here"
DRAG_ERROR = "explorer_drag_error"  # the message of the last dragged centres that were refused

ACTIONS = ("reset", "back", "assign", "update", "iteration", "converge")


def target(phases, cursor, action):
    """Where ``action`` moves the cursor in a history with these phases.

    assign / update : the next half-step, if it is of that kind (else stay).
    iteration : to the end of the current iteration (the next update), or the end.
    converge : the last record. back : one half-step back. next : one half-step on.
    reset : the start.
    """
    last = len(phases) - 1
    cursor = min(max(int(cursor), 0), last)
    if action == "reset":
        return 0
    if action == "back":
        return max(cursor - 1, 0)
    if action == "next":
        return min(cursor + 1, last)
    if action == "converge":
        return last
    if action in ("assign", "update"):
        return cursor + 1 if cursor < last and phases[cursor + 1] == action else cursor
    if action == "iteration":
        for i in range(cursor + 1, last + 1):
            if phases[i] == "update":
                return i
        return last
    raise ValueError(f"unknown action {action!r}")


# --- picked starting centres ("pick" init) ---------------------------------------------


def picked(data_key, n_rows, state=None):
    """The rows picked so far for this data (cleared when the data changed)."""
    s = st.session_state if state is None else state
    if s.get(PICKED_FOR) != data_key:
        s[PICKED_FOR] = data_key
        s[PICKED] = []
    rows = [int(r) for r in s.get(PICKED, []) if 0 <= int(r) < n_rows]
    s[PICKED] = rows
    return list(rows)


def add_pick(row, k, state=None):
    """Add one row to the picks: ignored when already picked or when k are already there.

    Returns True when the row was added.
    """
    s = st.session_state if state is None else state
    rows = list(s.get(PICKED, []))
    row = int(row)
    if row in rows or len(rows) >= k:
        return False
    s[PICKED] = rows + [row]
    return True


def clear_picks(state=None):
    s = st.session_state if state is None else state
    s[PICKED] = []


def apply_pick(value, run_id, rows_drawn, k, state=None):
    """The component's "pick" trigger: {"run": run id, "point": index of the clicked drawn point}.

    Adds that point's data row to the picks; a stale run id or a bad index is ignored.
    Returns True when a row was added.
    """
    if not isinstance(value, dict) or value.get("run") != run_id:
        return False
    point = value.get("point")
    if isinstance(point, bool) or not isinstance(point, int) or not 0 <= point < len(rows_drawn):
        return False
    return add_pick(int(rows_drawn[point]), k, state)


# --- centres dragged in the browser ("Run from here") -----------------------------------


def signature(data_key, k, init, seed):
    """The settings dragged centres belong to: a new dataset, k, init or seed drops them."""
    return (data_key, int(k), str(init), int(seed))


def apply_run_from(value, run_id, k, sig, state=None):
    """The component's "run_from" trigger: {"run": run id, "centres": [[x, y], ...] (k of them)}.

    Valid centres (k finite pairs, for the run shown) are kept for the settings ``sig``;
    anything else is refused with a message in ``DRAG_ERROR`` and the previous run stays.
    Returns True when the centres were accepted.
    """
    s = st.session_state if state is None else state
    s[DRAG_ERROR] = None
    if not isinstance(value, dict) or value.get("run") != run_id:
        return False  # from a run no longer shown (e.g. the settings changed meanwhile)
    centres = value.get("centres")
    try:
        c = tuple((float(x), float(y)) for x, y in centres)
    except (TypeError, ValueError):
        s[DRAG_ERROR] = "The dragged centres could not be read: each must be a pair of numbers."
        return False
    if len(c) != k:
        s[DRAG_ERROR] = f"Expected {k} dragged centres, got {len(c)}."
        return False
    if not all(math.isfinite(v) for xy in c for v in xy):
        s[DRAG_ERROR] = "The dragged centres must be finite numbers."
        return False
    s[DRAGGED] = {"for": sig, "centres": c}
    return True


def dragged(sig, state=None):
    """The centres dragged for these settings, as a tuple of (x, y), or None."""
    s = st.session_state if state is None else state
    got = s.get(DRAGGED)
    if not got or got.get("for") != sig:
        return None
    return got["centres"]


def clear_dragged(state=None):
    s = st.session_state if state is None else state
    s[DRAGGED] = None


@st.cache_resource(max_entries=16, show_spinner=False)
def fit_from(_X, data_key, k, centres, max_iter, tol):
    """One K-means run from the given starting centres (a tuple of k (x, y) pairs); shared, read-only."""
    from kmeans_core import KMeans

    start = np.asarray(centres, dtype=np.float64)
    return KMeans(k, init=start, n_init=1, max_iter=max_iter, tol=tol).fit(_X)


# --- what the page sends, cached per run -------------------------------------------------


def run_id(data_key, k, init, seed, picked=None, centres=None):
    """A string naming one Explorer run (the browser keeps a cursor per run id)."""
    rid = f"{data_key}|k={k}|init={init}|seed={seed}|picked={tuple(picked or ())}"
    if centres is not None:
        rid += "|from=" + ";".join(f"{x:.17g},{y:.17g}" for x, y in centres)
    return rid


@st.cache_resource(max_entries=16, show_spinner=False)
def drawn(_X, data_key, feature_names):
    """(rows drawn, their 2-D coordinates, the projection) for data ``data_key``."""
    from kmeans_app.figures.style import plot_sample
    from kmeans_app.runs import projection

    rows = plot_sample(len(_X))
    proj = projection(_X, data_key, feature_names)
    return rows, proj.apply(_X[rows]), proj


@st.cache_resource(max_entries=16, show_spinner=False)
def payload(_model, _X, rid, data_key, feature_names, init, max_iter, autoplay=False):
    """The browser component's data for run ``rid`` (shared read-only between sessions)."""
    from kmeans_app.explorer.payload import run_payload

    rows, P, proj = drawn(_X, data_key, feature_names)
    d = _X.shape[1]
    out = run_payload(_model, _X[rows], rows, P, proj.apply, run_id=rid, n_total=len(_X), init=init,
                      max_iter=max_iter, axis_titles=proj.axis_titles, feature_names=feature_names,
                      draggable=d == 2, cells=d <= 2, n_features=d)
    out["autoplay"] = bool(autoplay)
    return out


@st.cache_resource(max_entries=16, show_spinner=False)
def pick_payload(_X, rid, data_key, feature_names, picked_rows, k):
    """The component's data for picking starting centres on data ``data_key``."""
    from kmeans_app.explorer.payload import pick_payload as build

    rows, P, proj = drawn(_X, data_key, feature_names)
    return build(P, rows, list(picked_rows), k, run_id=rid, n_total=len(_X), axis_titles=proj.axis_titles)
