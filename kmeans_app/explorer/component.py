"""Mount the Explorer component (``st.components.v2``) and route its two events to the session.

The ES module, its CSS and HTML live next to this file and are passed as text
(file assets would need an installed package with a manifest). The component
is mounted in the page, not in a shadow root, so plotly.js's own styles apply;
its CSS classes all start with ``kx-``.

Events (trigger values, one rerun each; stepping sends none):
- ``run_from``: {"run", "centres"}: start a new run from centres dragged by hand;
- ``pick``: {"run", "point"}: a point clicked while picking starting centres.
"""

from functools import partial
from pathlib import Path

import streamlit as st

from kmeans_app import state
from kmeans_app.explorer import stepper
from kmeans_app.explorer.static import ensure_plotly

HERE = Path(__file__).resolve().parent
KEY = "explorer_component"


def _read(name):
    return (HERE / name).read_text(encoding="utf-8")


_explorer = st.components.v2.component(
    "kmeans_explorer", html=_read("explorer.html"), css=_read("explorer.css"), js=_read("explorer.js"),
    isolate_styles=False,
)


def _event(name):
    """The value of trigger ``name`` in the component's session state entry (None when absent)."""
    value = st.session_state.get(KEY)
    return None if value is None else value.get(name)


def on_run_from(run_id, k, sig):
    """Callback of the ``run_from`` trigger."""
    stepper.apply_run_from(_event("run_from"), run_id, k, sig)


def on_pick(run_id, rows_drawn, k):
    """Callback of the ``pick`` trigger."""
    stepper.apply_pick(_event("pick"), run_id, rows_drawn, k)


def _with_view(data):
    """The cached payload plus this session's projector mode: a shallow copy, so the shared
    payload is never changed and toggling the mode does not rebuild the run."""
    return {**data, "projector": bool(state.projector())}


def show_run(data, *, k, sig):
    """Mount the component on a run payload (``stepper.payload``)."""
    ensure_plotly()  # a server started without `make` still serves /app/static/plotly.min.js
    return _explorer(key=KEY, data=_with_view(data), on_run_from_change=partial(on_run_from, data["run"], k, sig),
                     on_pick_change=lambda: None, height="content")


def show_pick(data, *, rows_drawn, k):
    """Mount the component on a pick payload (``stepper.pick_payload``)."""
    ensure_plotly()
    return _explorer(key=KEY, data=_with_view(data), on_pick_change=partial(on_pick, data["run"], rows_drawn, k),
                     on_run_from_change=lambda: None, height="content")
