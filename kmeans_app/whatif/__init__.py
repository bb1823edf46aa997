"""The What-if page's logic: cluster profiles, chart axes, scaling what-if and known labels.

``compute`` holds pure functions on arrays (no Streamlit), ``figures`` pure Plotly
builders, ``sections`` the cached Streamlit sections that pages/whatif.py lays out.
"""
