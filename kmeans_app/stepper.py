"""The Explorer's step cursor and its picked starting points, kept in session state.

A run is computed once (its ``history_``: init, then assign/update half-steps,
ending with an assign); the buttons only move a cursor, an index into that
history. The pure function ``target`` says where each button moves it; the
rest reads and writes ``st.session_state`` (plain keys, not widget keys, so
they survive a switch to another page and back).
"""

import streamlit as st

CURSOR = "explorer_cursor"
RUN = "explorer_run"  # identifies the run the cursor belongs to
PICKED = "explorer_picked"  # row indices clicked as starting centres
PICKED_FOR = "explorer_picked_for"  # the data key the picks refer to

ACTIONS = ("reset", "back", "assign", "update", "iteration", "converge")


def target(phases, cursor, action):
    """Where ``action`` moves the cursor in a history with these phases.

    assign / update : the next half-step, if it is of that kind (else stay).
    iteration : to the end of the current iteration (the next update), or the end.
    converge : the last record. back : one half-step back. reset : the start.
    """
    last = len(phases) - 1
    cursor = min(max(int(cursor), 0), last)
    if action == "reset":
        return 0
    if action == "back":
        return max(cursor - 1, 0)
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


def enabled(phases, cursor, action):
    """A button is enabled when it would move the cursor."""
    return target(phases, cursor, action) != min(max(int(cursor), 0), len(phases) - 1)


def sync(run_id, n_records):
    """The cursor for the run ``run_id`` (back to 0 when the run changed), clamped to the history."""
    s = st.session_state
    if s.get(RUN) != run_id:
        s[RUN] = run_id
        s[CURSOR] = 0
    s[CURSOR] = min(max(int(s.get(CURSOR, 0)), 0), n_records - 1)
    return s[CURSOR]


def move(action, phases):
    """Button callback: move the cursor (runs before the script, so one rerun shows the result)."""
    s = st.session_state
    s[CURSOR] = target(phases, s.get(CURSOR, 0), action)


# --- picked starting centres ("pick" init) ---------------------------------------------


def picked(data_key, n_rows):
    """The rows picked so far for this data (cleared when the data changed)."""
    s = st.session_state
    if s.get(PICKED_FOR) != data_key:
        s[PICKED_FOR] = data_key
        s[PICKED] = []
    rows = [int(r) for r in s.get(PICKED, []) if 0 <= int(r) < n_rows]
    s[PICKED] = rows
    return list(rows)


def add_pick(row, k):
    """Add one row to the picks: ignored when already picked or when k are already there.

    Returns True when the row was added.
    """
    s = st.session_state
    rows = list(s.get(PICKED, []))
    row = int(row)
    if row in rows or len(rows) >= k:
        return False
    s[PICKED] = rows + [row]
    return True


def clear_picks():
    st.session_state[PICKED] = []


def rows_from_selection(selection, rows_drawn, curve=0):
    """Data rows of the clicked points of a Plotly selection on trace ``curve``.

    Uses each point's customdata (the row index) when present, else maps its
    point_index through ``rows_drawn`` (the rows the trace shows, in order).
    """
    out = []
    for p in (selection or {}).get("points", []) or []:
        if p.get("curve_number", curve) != curve:
            continue
        custom = p.get("customdata")
        if isinstance(custom, list | tuple):
            custom = custom[0] if custom else None
        if custom is not None:
            out.append(int(custom))
        else:
            idx = p.get("point_index", p.get("point_number"))
            if idx is not None and 0 <= int(idx) < len(rows_drawn):
                out.append(int(rows_drawn[int(idx)]))
    return out


def on_pick(chart_key, rows_drawn, k):
    """on_select callback of the pick chart: add the clicked rows to the picks."""
    state = st.session_state.get(chart_key)
    selection = None if state is None else state.get("selection")
    for row in rows_from_selection(selection, rows_drawn):
        add_pick(row, k)


# --- what the page draws, cached per run ------------------------------------------------


def run_id(data_key, k, init, seed, picked=None):
    """A string naming one Explorer run (the cursor resets when it changes)."""
    return f"{data_key}|k={k}|init={init}|seed={seed}|picked={tuple(picked or ())}"


@st.cache_resource(max_entries=16, show_spinner=False)
def drawn(_X, data_key, feature_names):
    """(rows drawn, their 2-D coordinates, the projection) for data ``data_key``."""
    from .figures.style import plot_sample
    from .runs import projection

    rows = plot_sample(len(_X))
    proj = projection(_X, data_key, feature_names)
    return rows, proj.apply(_X[rows]), proj


@st.cache_resource(max_entries=16, show_spinner=False)
def views(_model, _X, rid, data_key, feature_names, init, max_iter):
    """The run's half-steps as StepViews of the drawn points (run ``rid``)."""
    from . import narration
    from .figures.explorer import step_views

    rows, _, proj = drawn(_X, data_key, feature_names)
    h = _model.history_
    titles = [narration.figure_title(narration.step_label(i, h),
                                     narration.narrate(h, i, init=init, n_iter=_model.n_iter_,
                                                       max_iter=max_iter))
              for i in range(len(h))]
    return step_views(h, rows, proj.apply, titles, X_rows=_X[rows])


@st.cache_resource(max_entries=48, show_spinner=False)
def figure(_views, _P, rid, cursor, first, draw_cells, axis_titles):
    """The animated figure of run ``rid`` up to ``cursor`` (shared read-only between sessions)."""
    from .figures.explorer import explorer_figure

    return explorer_figure(_P, _views, cursor, first=first, draw_cells=draw_cells,
                           axis_titles=axis_titles)
