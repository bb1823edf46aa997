"""Small helpers pages share, so the same situation reads the same everywhere."""

import streamlit as st

from kmeans_app import state
from kmeans_app.figures.style import MAX_PLOTTED_POINTS


def sample_note_text(n, max_points=MAX_PLOTTED_POINTS):
    """The caption for a chart that draws a sample of n points, or None when it draws them all."""
    if n <= max_points:
        return None
    return f"Showing a random {max_points:,} of {n:,} points; all {n:,} are clustered."


def sample_note(n, max_points=MAX_PLOTTED_POINTS):
    """Under a chart of n points: say so when only a sample is drawn. Returns True if it did."""
    text = sample_note_text(n, max_points)
    if text is not None:
        st.caption(text)
    return text is not None


NO_DATA = ("No data to cluster yet. Upload a CSV file in the sidebar (Data: Your CSV file), "
           "or choose one of the generated datasets there.")


NO_DRAWN = ("No drawn points in use yet. Click on the chart in **Your drawn points** above this page to "
            "add points, then press **Use these points** (or choose another dataset in the sidebar).")


def no_data_message():
    """What a page shows instead of its content when state.current_dataset() is None."""
    if st.session_state.get("dataset") == state.DRAW_OPTION:
        st.info(NO_DRAWN, icon=":material/draw:")
    else:
        st.info(NO_DATA, icon=":material/upload_file:")


def require_dataset():
    """The current Dataset; if there is none, show no_data_message() and stop the page here."""
    ds = state.current_dataset()
    if ds is None:
        no_data_message()
        st.stop()
    return ds
