"""The "Draw points" data source: its sidebar part, the drawing panel above the page, its callback.

The drawing itself happens in the browser (draw.js: a small ``st.components.v2``
component, its ES module, CSS and HTML passed as text): clicks add and remove
points without contacting the server. "Use these points" sends them as one
trigger value; :func:`use_points` checks them and, if they are good, makes them
the dataset of every page (kept in the session, ``state.DRAWN_KEY``). A bad set
leaves the previous data in use and a message for the panel.

Links: a hidden text field bound to the URL (``?pts=...``, Streamlit's
``bind="query-params"``, so it survives page switches like the other sidebar
settings) carries up to 200 points (points.encode); above that the link carries
none and the panel says so.
"""

from pathlib import Path

import streamlit as st

from kmeans_app import state
from kmeans_app.data.draw import points as pts

HERE = Path(__file__).resolve().parent
KEY = "draw_canvas"  # the component's key
LINK = "pts"  # the URL parameter (and widget key) carrying the points
LINK_BOX = "draw_link"  # the container hiding the link field
ERROR_KEY = "_draw_error"  # message of the last refused set of points, or None
ATTEMPTS_KEY = "_draw_attempts"  # "Use these points" presses so far (lets the browser see every answer)
LINK_TRIED_KEY = "_draw_link_tried"  # the last link code read (read once, not on every rerun)


def _read(name):
    return (HERE / name).read_text(encoding="utf-8")


_draw = st.components.v2.component(
    "kmeans_draw", html=_read("draw.html"), css=_read("draw.css"), js=_read("draw.js"),
    isolate_styles=False,
)


# ---------------------------------------------------------------- session logic (tested directly)


def use_points(ss, value, k):
    """The "Use these points" event: ``value`` = {"points": [[x, y], ...]} from the browser.

    ss : the session state (any mutable mapping). On success the points become the
    dataset (``state.DRAWN_KEY``), the link code is updated and True is returned;
    otherwise the previous dataset stays and ``ss[ERROR_KEY]`` says why.
    """
    ss[ATTEMPTS_KEY] = ss.get(ATTEMPTS_KEY, 0) + 1
    try:
        raw = value.get("points") if isinstance(value, dict) else None
        if not isinstance(raw, list):
            raise pts.DrawError("The drawn points could not be read.")
        P = pts.snap(raw)
        message = pts.problem(P, k)
        if message:
            raise pts.DrawError(message)
    except pts.DrawError as e:
        ss[ERROR_KEY] = str(e)
        return False
    ss[state.DRAWN_KEY] = pts.make_dataset(P)
    ss[ERROR_KEY] = None
    ss[LINK] = pts.link_code(P)
    ss[LINK_TRIED_KEY] = ss[LINK]
    return True


def load_link(ss):
    """Points from the link (``ss[LINK]``, seeded from ?pts=) when they are not the ones in use.

    Read once per code: a bad code leaves a message and the previous data.
    """
    code = ss.get(LINK) or ""
    current = ss.get(state.DRAWN_KEY)
    if not code or code == ss.get(LINK_TRIED_KEY) or (current is not None and pts.encode(current.X) == code):
        return
    ss[LINK_TRIED_KEY] = code
    try:
        P = pts.decode(code)
        message = pts.problem(P)
        if message:
            raise pts.DrawError(message)
    except pts.DrawError as e:
        ss[ERROR_KEY] = f"The link's drawn points were not used: {e}"
        return
    ss[state.DRAWN_KEY] = pts.make_dataset(P)
    ss[ERROR_KEY] = None


def payload(ds, projector=False, attempts=0):
    """What the browser component gets: the points in use and the canvas."""
    return {
        "points": [] if ds is None else ds.X.tolist(),
        "basis": "" if ds is None else ds.key,  # a new basis replaces the browser's draft
        "low": pts.LOW, "high": pts.HIGH, "cells": pts.CELLS,
        "min": pts.MIN_POINTS, "max": pts.MAX_POINTS,
        "projector": bool(projector), "attempt": attempts,
    }


def link_note(n):
    """Under the chart: what a link carries for n drawn points."""
    if n <= pts.MAX_LINK_POINTS:
        return f"The page's link carries these {n} points: share it and others see the same data."
    return (f"The page's link does not carry these {n:,} points: links carry at most "
            f"{pts.MAX_LINK_POINTS} drawn points. To share them, download the data (Explorer page) as a CSV file.")


# ---------------------------------------------------------------- Streamlit parts


def _on_use():
    value = st.session_state.get(KEY)
    use_points(st.session_state, None if value is None else value.get("use"), state.settings().k)


def sidebar_controls():
    """The sidebar under "Dataset: Draw points": the hidden link field and a short status."""
    ss = st.session_state
    ds = ss.get(state.DRAWN_KEY)
    if ds is not None and LINK not in ss:  # back from another source: the link carries the points again
        ss[LINK] = ss[LINK_TRIED_KEY] = pts.link_code(ds.X)
    with st.container(key=LINK_BOX):
        st.text_input("Drawn points (link)", key=LINK, bind="query-params", label_visibility="collapsed")
    st.html(f"<style>.st-key-{LINK_BOX} {{ display: none; }}</style>")  # fixed CSS, no user text
    load_link(ss)
    ds = ss.get(state.DRAWN_KEY)
    if ds is None:
        st.caption("Draw points on the chart above the page, then press **Use these points**.")
    else:
        st.caption(f"{len(ds.X):,} drawn points in use. Open **Your drawn points** above the page to change them.")


def render_panel():
    """Main area, above the page: the drawing chart, messages, what the link carries.

    Does nothing unless the dataset selector is on "Draw points".
    """
    ss = st.session_state
    if ss.get("dataset") != state.DRAW_OPTION:
        return
    from kmeans_app.explorer.static import ensure_plotly

    ensure_plotly()  # a server started without `make` still serves /app/static/plotly.min.js
    ds = ss.get(state.DRAWN_KEY)
    error = ss.get(ERROR_KEY)
    if error:
        st.error(error)
        if ds is not None:
            st.caption(f"The previous {len(ds.X):,} points are still in use.")
    # Open while there is nothing in use yet or a set was refused (to fix it); closed after a good one.
    with st.expander("Your drawn points", expanded=ds is None or bool(error), icon=":material/draw:"):
        _draw(key=KEY, data=payload(ds, state.projector(), ss.get(ATTEMPTS_KEY, 0)),
              on_use_change=_on_use, height="content")
        if ds is not None:
            st.caption(link_note(len(ds.X)))
