"""The Explorer as one browser component: a recorded K-means run, stepped and played in the browser.

- ``payload.py``: pure functions turning a fitted model into the compact JSON the browser gets once per run.
- ``component.py``: the Streamlit mount (``st.components.v2``) and the "Run from here" / pick callbacks.
- ``explorer.js`` / ``explorer.css``: the ES module drawing it with plotly.js (served from /app/static).
- ``static.py``: puts plotly.min.js from the plotly package into ./static.
"""
