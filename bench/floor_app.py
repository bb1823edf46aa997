"""The floor under every page's first visit (bench/beyond_bench.py --floor): a bare Streamlit page.

FLOOR_CHART=0: a title only (Streamlit's own start in a fresh tab). FLOOR_CHART=1: the same
plus one 3-point st.plotly_chart, which makes the browser fetch and evaluate Streamlit's
Plotly chunk (about 4.7 MB of JavaScript), as every page with a chart does.
"""

import os

import plotly.graph_objects as go
import streamlit as st

st.title("Floor")
if os.environ.get("FLOOR_CHART", "1") == "1":
    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])), key="floor_chart")
